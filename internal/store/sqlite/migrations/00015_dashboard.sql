-- +goose Up
-- The dashboard's people (issue 9): members of an org with a role, their sessions, the
-- single-use links that invite them or set a password, failed sign-ins (for the lockout) and
-- the audit log of what members changed.

-- Emails are stored lower-cased and are the sign-in name, so they are unique. An
-- internal-admin may belong to no org.
CREATE TABLE members (
    id             TEXT PRIMARY KEY,
    org_id         TEXT REFERENCES orgs(id),
    email          TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('internal-admin', 'org-admin', 'viewer')),
    password_hash  TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX members_org_idx ON members (org_id, id);

-- Invitations and password links: only the SHA-256 of the link's secret is stored.
CREATE TABLE member_tokens (
    id          TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'password')),
    org_id      TEXT REFERENCES orgs(id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    member_id   TEXT REFERENCES members(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL DEFAULT '',
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX member_tokens_email_idx ON member_tokens (email, created_at);

-- Sessions: the cookie's secret is stored as its SHA-256.
CREATE TABLE member_sessions (
    id                  TEXT PRIMARY KEY,
    token_hash          TEXT NOT NULL UNIQUE,
    member_id           TEXT NOT NULL REFERENCES members(id),
    org_id              TEXT NOT NULL DEFAULT '',
    csrf_token          TEXT NOT NULL,
    two_factor_pending  INTEGER NOT NULL,
    ip                  TEXT NOT NULL DEFAULT '',
    user_agent          TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    revoked_at          TEXT
);
CREATE INDEX member_sessions_member_idx ON member_sessions (member_id, created_at);

-- Failed sign-ins, by a hash of the email tried (existing or not) and by address.
CREATE TABLE signin_failures (
    id          TEXT PRIMARY KEY,
    email_key   TEXT NOT NULL,
    ip          TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX signin_failures_email_idx ON signin_failures (email_key, created_at);
CREATE INDEX signin_failures_ip_idx ON signin_failures (ip, created_at);

-- Who changed what in the dashboard. Never a secret or bank details.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL DEFAULT '',
    member_id    TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE signin_failures;
DROP TABLE member_sessions;
DROP TABLE member_tokens;
DROP TABLE members;
