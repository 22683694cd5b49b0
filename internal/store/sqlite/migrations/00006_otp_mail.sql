-- +goose Up
-- One-time codes (email two-factor). Only a keyed hash of the code is stored; attempts are
-- counted here, in the database, so limits hold across processes.
CREATE TABLE otp_codes (
    id            TEXT PRIMARY KEY,
    subject       TEXT NOT NULL,
    recipient_id  TEXT,
    ip            TEXT NOT NULL DEFAULT '',
    code_hash     TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    expires_at    TEXT NOT NULL,
    consumed_at   TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX otp_codes_subject_idx ON otp_codes (subject, created_at);
CREATE INDEX otp_codes_recipient_idx ON otp_codes (recipient_id, created_at);
CREATE INDEX otp_codes_ip_idx ON otp_codes (ip, created_at);

-- The development mail outbox: messages are kept here (and shown at /dev/outbox) instead of
-- being sent, when no SMTP server is configured.
CREATE TABLE mail_outbox (
    id          TEXT PRIMARY KEY,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- +goose Down
DROP TABLE mail_outbox;
DROP TABLE otp_codes;
