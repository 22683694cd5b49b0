-- +goose Up
-- Fewer index entries for each payout a bank file carries (issue 3's 100,000-payout export):
-- an updated row gets an entry in every index it belongs to, so indexes now hold only the rows
-- their queries look for.
-- The export's queue: pending payouts of an org's rail, in id order. A payout leaves it when
-- exported (the status index it replaces took a new entry for every exported payout); the
-- ledger check's sums over all processing payouts read the table, as its other sums do.
DROP INDEX payments_status_idx;
CREATE INDEX payments_queue_idx ON payments (org_id, mode, rail, id) WHERE status = 'pending';
-- Only Payments API payments expire; withdrawals have no expiry.
DROP INDEX payments_expiry_idx;
CREATE INDEX payments_expiry_idx ON payments (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;
-- A reference is looked up only once a rail gave one; the newest payment with it comes first
-- (a NACHA trace number comes back in every file).
DROP INDEX payments_rail_reference_idx;
CREATE INDEX payments_rail_reference_idx ON payments (org_id, mode, rail, rail_reference, id) WHERE rail_reference <> '';
-- Transitions are read by payment: that is their key; the separate id index goes.
CREATE UNIQUE INDEX payment_transitions_key ON payment_transitions (payment_id, id);
ALTER TABLE payment_transitions DROP CONSTRAINT payment_transitions_pkey;
ALTER TABLE payment_transitions ADD CONSTRAINT payment_transitions_pkey PRIMARY KEY USING INDEX payment_transitions_key;
DROP INDEX payment_transitions_payment_idx;

-- +goose Down
CREATE INDEX payment_transitions_payment_idx ON payment_transitions (payment_id, id);
ALTER TABLE payment_transitions DROP CONSTRAINT payment_transitions_pkey;
ALTER TABLE payment_transitions ADD PRIMARY KEY (id);
DROP INDEX payments_rail_reference_idx;
CREATE INDEX payments_rail_reference_idx ON payments (org_id, mode, rail, rail_reference);
DROP INDEX payments_expiry_idx;
CREATE INDEX payments_expiry_idx ON payments (expires_at) WHERE status = 'pending';
DROP INDEX payments_queue_idx;
CREATE INDEX payments_status_idx ON payments (status, rail);
