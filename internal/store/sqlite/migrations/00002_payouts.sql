-- +goose Up
-- Payout methods: where a recipient's money goes. Full details are sealed (AES-GCM under the
-- master key, bound to the row id); only the masked form is stored in the clear.
CREATE TABLE payout_methods (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    mode            TEXT NOT NULL,
    recipient_id    TEXT NOT NULL REFERENCES recipients(id),
    type            TEXT NOT NULL,
    scheme          TEXT NOT NULL,
    country         TEXT NOT NULL,
    currency        TEXT NOT NULL,
    masked          TEXT NOT NULL,
    sealed_details  TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    is_default      INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    notice          TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX payout_methods_recipient_idx ON payout_methods (org_id, mode, recipient_id, status);
-- At most one default active method per recipient.
CREATE UNIQUE INDEX payout_methods_default_idx ON payout_methods (recipient_id) WHERE is_default AND status = 'active';

-- Payments: payouts and payins, one object and one state machine.
CREATE TABLE payments (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES orgs(id),
    mode                TEXT NOT NULL,
    type                TEXT NOT NULL CHECK (type IN ('payout', 'payin')),
    status              TEXT NOT NULL,
    amount              INTEGER NOT NULL CHECK (amount > 0),
    currency            TEXT NOT NULL,
    recipient_id        TEXT REFERENCES recipients(id),
    payout_method_id    TEXT REFERENCES payout_methods(id),
    rail                TEXT NOT NULL DEFAULT '',
    rail_reference      TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    metadata            TEXT NOT NULL DEFAULT '{}',
    external_id         TEXT,
    failure_code        TEXT NOT NULL DEFAULT '',
    failure_message     TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (org_id, mode, external_id)
);
CREATE INDEX payments_list_idx ON payments (org_id, mode, id);
CREATE INDEX payments_recipient_idx ON payments (recipient_id, id);
CREATE INDEX payments_status_idx ON payments (status, rail);

-- Every state change of a payment, for its timeline.
CREATE TABLE payment_transitions (
    id          TEXT PRIMARY KEY,
    payment_id  TEXT NOT NULL REFERENCES payments(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX payment_transitions_payment_idx ON payment_transitions (payment_id, id);

-- Which transfers belong to which payment (a payout moves money up to three times).
ALTER TABLE ledger_transfers ADD COLUMN payment_id TEXT;
CREATE INDEX ledger_transfers_payment_idx ON ledger_transfers (payment_id) WHERE payment_id IS NOT NULL;

-- +goose Down
DROP INDEX ledger_transfers_payment_idx;
ALTER TABLE ledger_transfers DROP COLUMN payment_id;
DROP TABLE payment_transitions;
DROP TABLE payments;
DROP TABLE payout_methods;
