-- +goose Up
-- Team management, request limits and authenticator apps of the dashboard (issue 9).

-- A removed member keeps its row, so that the audit log still names who did what; it cannot
-- sign in, its sessions and unused links are ended with it, and an invitation of the same
-- email brings the row back (one account per email, in one org at a time).
ALTER TABLE members ADD COLUMN removed_at TEXT;

-- An authenticator app (TOTP) as an optional second factor: the secret sealed under the master
-- key ('' when the member has none) and the last step a code was used for (a code works once).
ALTER TABLE members ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

-- Requests from a client address that email someone (password resets, invitations), counted
-- per kind over the last hour whether or not the address asked about an existing account.
CREATE TABLE address_requests (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    ip          TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX address_requests_ip_idx ON address_requests (kind, ip, created_at);

-- The overview's webhook-health read (WebhookAttemptStats) filters attempts by org, mode and
-- a creation time.
CREATE INDEX webhook_attempts_org_mode_created_idx ON webhook_attempts (org_id, mode, created_at);

-- +goose Down
DROP INDEX webhook_attempts_org_mode_created_idx;
DROP TABLE address_requests;
ALTER TABLE members DROP COLUMN totp_last_step;
ALTER TABLE members DROP COLUMN totp_secret;
ALTER TABLE members DROP COLUMN removed_at;
