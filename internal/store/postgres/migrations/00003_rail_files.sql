-- +goose Up
-- Bank files the file rails produced (NACHA, SEPA pain.001), kept for download and audit.
CREATE TABLE rail_files (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    mode            TEXT NOT NULL,
    rail            TEXT NOT NULL,
    filename        TEXT NOT NULL,
    content         BYTEA NOT NULL,
    payment_count   INTEGER NOT NULL,
    total_amount    BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    settled_at      TIMESTAMPTZ
);
CREATE INDEX rail_files_org_idx ON rail_files (org_id, mode, id);

-- Bank files imported (NACHA returns, pain.002 status reports). The content hash makes a
-- second import of the same file a no-op.
CREATE TABLE rail_imports (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    mode          TEXT NOT NULL,
    rail          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    result        JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, mode, rail, content_hash)
);

ALTER TABLE payments ADD COLUMN rail_file_id TEXT REFERENCES rail_files(id);
CREATE INDEX payments_rail_reference_idx ON payments (org_id, mode, rail, rail_reference);

-- +goose Down
DROP INDEX payments_rail_reference_idx;
ALTER TABLE payments DROP COLUMN rail_file_id;
DROP TABLE rail_imports;
DROP TABLE rail_files;
