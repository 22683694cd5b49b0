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
    scheduled_at    TEXT,
    otp_required    INTEGER NOT NULL DEFAULT 0,
    pre_verified    INTEGER NOT NULL DEFAULT 0,
    reference       TEXT NOT NULL DEFAULT '',
    metadata        TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL,
    payment_id      TEXT REFERENCES payments(id),
    expires_at      TEXT NOT NULL,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
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
    window_start  TEXT NOT NULL,
    window_end    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (link_id, window_start)
);

-- +goose Down
DROP TABLE payment_link_reminders;
DROP TABLE payment_links;
