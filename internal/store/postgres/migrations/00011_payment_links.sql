-- +goose Up
-- Payment links (seed 002).
CREATE TABLE payment_links (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    mode            TEXT NOT NULL,
    email           TEXT NOT NULL,
    transaction_id  TEXT REFERENCES payments(id),
    amount          BIGINT,
    currency        TEXT NOT NULL DEFAULT '',
    scheduled_at    TIMESTAMPTZ,
    otp_required    BOOLEAN NOT NULL DEFAULT FALSE,
    pre_verified    BOOLEAN NOT NULL DEFAULT FALSE,
    reference       TEXT NOT NULL DEFAULT '',
    metadata        TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL,
    payment_id      TEXT REFERENCES payments(id),
    expires_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_links_org_idx ON payment_links (org_id, mode, id);
CREATE INDEX payment_links_email_idx ON payment_links (email, status);
CREATE INDEX payment_links_scheduled_idx ON payment_links (scheduled_at) WHERE status = 'active';
CREATE INDEX payment_links_expiry_idx ON payment_links (expires_at) WHERE status = 'active';
CREATE INDEX payment_links_payment_idx ON payment_links (payment_id);

-- One reminder per link and window: the unique key makes a second or concurrent dispatch of the
-- same window send nothing again.
CREATE TABLE payment_link_reminders (
    link_id       TEXT NOT NULL REFERENCES payment_links(id),
    window_start  TIMESTAMPTZ NOT NULL,
    window_end    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (link_id, window_start)
);

-- +goose Down
DROP TABLE payment_link_reminders;
DROP TABLE payment_links;
