-- +goose Up
-- Webhook endpoints of an org and mode. Secrets are sealed under the master key (they are HMAC
-- keys, needed in the clear to sign); during a rotation the previous secret signs too, until
-- previous_secret_until.
CREATE TABLE webhook_endpoints (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES orgs(id),
    mode                    TEXT NOT NULL,
    url                     TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    event_types             TEXT NOT NULL DEFAULT '[]',
    enabled                 BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason         TEXT NOT NULL DEFAULT '',
    secret_sealed           TEXT NOT NULL,
    previous_secret_sealed  TEXT NOT NULL DEFAULT '',
    previous_secret_until   TIMESTAMPTZ,
    failing_since           TIMESTAMPTZ,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id, mode, id);

-- The org's signing secret for payments' own webhookUrl (seed 003), one per org and mode.
CREATE TABLE webhook_secrets (
    org_id                  TEXT NOT NULL REFERENCES orgs(id),
    mode                    TEXT NOT NULL,
    secret_sealed           TEXT NOT NULL,
    previous_secret_sealed  TEXT NOT NULL DEFAULT '',
    previous_secret_until   TIMESTAMPTZ,
    revealed                BOOLEAN NOT NULL DEFAULT FALSE,
    created_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, mode)
);

-- One message per event and destination: the unit of at-least-once delivery. The event id is
-- the webhook-id of every attempt. next_attempt_at doubles as a lease while a sender works on
-- it, so a sender that dies leaves it to another after the lease.
CREATE TABLE webhook_messages (
    id               TEXT PRIMARY KEY,
    event_id         TEXT NOT NULL REFERENCES events(id),
    org_id           TEXT NOT NULL,
    mode             TEXT NOT NULL,
    endpoint_id      TEXT,
    url              TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_event_idx ON webhook_messages (event_id);

-- Every attempt, for the delivery log.
CREATE TABLE webhook_attempts (
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL REFERENCES webhook_messages(id),
    event_id        TEXT NOT NULL,
    endpoint_id     TEXT,
    org_id          TEXT NOT NULL,
    mode            TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    status_code     INTEGER NOT NULL,
    latency_ms      INTEGER NOT NULL,
    response_body   TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, id);
CREATE INDEX webhook_attempts_event_idx ON webhook_attempts (event_id, id);

-- Events not yet turned into messages. Events written before webhooks existed count as done.
ALTER TABLE events ADD COLUMN dispatched_at TIMESTAMPTZ;
UPDATE events SET dispatched_at = created_at;
CREATE INDEX events_undispatched_idx ON events (id) WHERE dispatched_at IS NULL;

-- +goose Down
DROP INDEX events_undispatched_idx;
ALTER TABLE events DROP COLUMN dispatched_at;
DROP TABLE webhook_attempts;
DROP TABLE webhook_messages;
DROP TABLE webhook_secrets;
DROP TABLE webhook_endpoints;
