-- +goose Up
-- Keys that sign grant tokens (EdDSA). The private key is sealed under the master key; the
-- public key is published at /.well-known/jwks.json until every token it signed has expired.
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    algorithm       TEXT NOT NULL,
    sealed_private  TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    retired_at      TEXT,
    verify_until    TEXT
);

-- Grants: every signed capability handed out (portal URLs, and later account links, access
-- tokens, payment-link tokens). The row makes a grant single-use and auditable.
CREATE TABLE grants (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    mode          TEXT NOT NULL,
    recipient_id  TEXT REFERENCES recipients(id),
    use_case      TEXT NOT NULL,
    claims        TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX grants_expiry_idx ON grants (expires_at);

-- +goose Down
DROP TABLE grants;
DROP TABLE signing_keys;
