-- +goose Up
-- Portal sessions: what a grant token is exchanged for, once. Only the SHA-256 of the cookie
-- value is stored.
CREATE TABLE portal_sessions (
    token_hash          TEXT PRIMARY KEY,
    grant_id            TEXT NOT NULL REFERENCES grants(id),
    org_id              TEXT NOT NULL REFERENCES orgs(id),
    mode                TEXT NOT NULL,
    recipient_id        TEXT NOT NULL REFERENCES recipients(id),
    csrf_token          TEXT NOT NULL,
    two_factor_pending  BOOLEAN NOT NULL,
    hide_transactions   BOOLEAN NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_sessions_expiry_idx ON portal_sessions (expires_at);

-- +goose Down
DROP TABLE portal_sessions;
