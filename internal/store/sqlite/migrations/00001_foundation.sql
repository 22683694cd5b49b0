-- +goose Up
-- Organisations: the platforms that owe money to recipients.
CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- API keys are stored as SHA-256 hashes of high-entropy secrets; the secret is shown once.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    mode          TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    role          TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    prefix        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id);

CREATE TABLE recipients (
    id                          TEXT PRIMARY KEY,
    org_id                      TEXT NOT NULL REFERENCES orgs(id),
    mode                        TEXT NOT NULL,
    external_id                 TEXT NOT NULL,
    email                       TEXT NOT NULL DEFAULT '',
    name                        TEXT NOT NULL DEFAULT '',
    country                     TEXT NOT NULL DEFAULT '',
    currency                    TEXT NOT NULL,
    minimum_withdrawal_minor    INTEGER,
    metadata                    TEXT NOT NULL DEFAULT '{}',
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    UNIQUE (org_id, mode, external_id)
);
CREATE INDEX recipients_list_idx ON recipients (org_id, mode, id);

-- Ledger accounts. balance is a cache of the account's transfers, kept in the same transaction
-- as every transfer so that the non-negative rule can be checked under a row lock;
-- 'payport ledger check' proves it equals the sum of transfers.
CREATE TABLE ledger_accounts (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    mode            TEXT NOT NULL,
    owner_type      TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    currency        TEXT NOT NULL,
    balance         INTEGER NOT NULL DEFAULT 0,
    allow_negative  INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (org_id, mode, owner_type, owner_id, kind, currency),
    CHECK (allow_negative OR balance >= 0)
);

-- Transfers are immutable: corrections are new transfers.
CREATE TABLE ledger_transfers (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES orgs(id),
    mode                    TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    currency                TEXT NOT NULL,
    amount                  INTEGER NOT NULL CHECK (amount > 0),
    source_account_id       TEXT NOT NULL REFERENCES ledger_accounts(id),
    destination_account_id  TEXT NOT NULL REFERENCES ledger_accounts(id),
    transfer_key            TEXT,
    description             TEXT NOT NULL DEFAULT '',
    metadata                TEXT NOT NULL DEFAULT '{}',
    reverses_transfer_id    TEXT,
    created_at              TEXT NOT NULL,
    CHECK (source_account_id <> destination_account_id),
    UNIQUE (org_id, mode, transfer_key)
);
CREATE INDEX ledger_transfers_source_idx ON ledger_transfers (source_account_id, id);
CREATE INDEX ledger_transfers_destination_idx ON ledger_transfers (destination_account_id, id);
CREATE UNIQUE INDEX ledger_transfers_reversal_idx ON ledger_transfers (reverses_transfer_id) WHERE reverses_transfer_id IS NOT NULL;

-- Idempotency records (IETF Idempotency-Key): a request hash and the stored response.
CREATE TABLE idempotency_records (
    org_id           TEXT NOT NULL,
    mode             TEXT NOT NULL,
    idem_key         TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    state            TEXT NOT NULL,
    response_status  INTEGER NOT NULL DEFAULT 0,
    response_body    BLOB,
    locked_until     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    PRIMARY KEY (org_id, mode, idem_key)
);
CREATE INDEX idempotency_records_expiry_idx ON idempotency_records (expires_at);

-- The event outbox: written in the same transaction as the change it reports.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    type        TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX events_org_idx ON events (org_id, mode, id);

-- +goose Down
DROP TABLE events;
DROP TABLE idempotency_records;
DROP TABLE ledger_transfers;
DROP TABLE ledger_accounts;
DROP TABLE recipients;
DROP TABLE api_keys;
DROP TABLE orgs;
