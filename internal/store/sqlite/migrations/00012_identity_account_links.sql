-- +goose Up
-- A recipient's identity (seed 004 onboarding). The details are personal data, stored sealed
-- under the master key; status and reason are in the clear for listings and Balance Info.
CREATE TABLE recipient_identities (
    recipient_id        TEXT PRIMARY KEY REFERENCES recipients(id),
    org_id              TEXT NOT NULL REFERENCES orgs(id),
    mode                TEXT NOT NULL,
    kind                TEXT NOT NULL,
    country             TEXT NOT NULL,
    sealed_details      TEXT NOT NULL,
    status              TEXT NOT NULL,
    reason              TEXT NOT NULL DEFAULT '',
    provider            TEXT NOT NULL DEFAULT '',
    provider_reference  TEXT NOT NULL DEFAULT '',
    submitted_at        TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- What a portal session may open: rewards (seed 001), payouts_portal or account_onboarding
-- (seed 004 account links).
ALTER TABLE portal_sessions ADD COLUMN use_case TEXT NOT NULL DEFAULT 'rewards';

-- +goose Down
ALTER TABLE portal_sessions DROP COLUMN use_case;
DROP TABLE recipient_identities;
