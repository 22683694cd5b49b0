-- +goose Up
-- Fewer index entries for each payout a bank file carries (issue 3's 100,000-payout export):
-- an updated row moves in every index whose columns change, so indexes now hold only the rows
-- their queries look for.
-- The export's queue: pending payouts of an org's rail, in id order. A payout leaves it when
-- exported (the status index it replaces moved every exported payout); the ledger check's
-- sums over all processing payouts read the table, as its other sums do.
DROP INDEX payments_status_idx;
CREATE INDEX payments_queue_idx ON payments (org_id, mode, rail, id) WHERE status = 'pending';
-- Only Payments API payments expire; withdrawals have no expiry.
DROP INDEX payments_expiry_idx;
CREATE INDEX payments_expiry_idx ON payments (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;
-- A reference is looked up only once a rail gave one; the newest payment with it comes first
-- (a NACHA trace number comes back in every file).
DROP INDEX payments_rail_reference_idx;
CREATE INDEX payments_rail_reference_idx ON payments (org_id, mode, rail, rail_reference, id) WHERE rail_reference <> '';
-- Transitions are read by payment: one b-tree keyed by (payment_id, id) instead of a table,
-- its id index and a payment index. Like PostgreSQL's since migration 00016, the table keeps
-- no foreign key (a lookup in payments for every row written); the ledger check's
-- references_exist rule proves every transition's payment exists.
CREATE TABLE payment_transitions_by_payment (
    payment_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    PRIMARY KEY (payment_id, id)
) WITHOUT ROWID;
INSERT INTO payment_transitions_by_payment (payment_id, id, from_status, to_status, reason, created_at)
    SELECT payment_id, id, from_status, to_status, reason, created_at FROM payment_transitions;
DROP TABLE payment_transitions;
ALTER TABLE payment_transitions_by_payment RENAME TO payment_transitions;

-- +goose Down
CREATE TABLE payment_transitions_by_id (
    id          TEXT PRIMARY KEY,
    payment_id  TEXT NOT NULL REFERENCES payments(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
INSERT INTO payment_transitions_by_id (id, payment_id, from_status, to_status, reason, created_at)
    SELECT id, payment_id, from_status, to_status, reason, created_at FROM payment_transitions;
DROP TABLE payment_transitions;
ALTER TABLE payment_transitions_by_id RENAME TO payment_transitions;
CREATE INDEX payment_transitions_payment_idx ON payment_transitions (payment_id, id);
DROP INDEX payments_rail_reference_idx;
CREATE INDEX payments_rail_reference_idx ON payments (org_id, mode, rail, rail_reference);
DROP INDEX payments_expiry_idx;
CREATE INDEX payments_expiry_idx ON payments (expires_at) WHERE status = 'pending';
DROP INDEX payments_queue_idx;
CREATE INDEX payments_status_idx ON payments (status, rail);
