-- +goose Up
-- Payouts from balances have no customer: leaving them out of this index saves an index entry
-- on every payout write. (PostgreSQL's 00016 also drops foreign keys whose per-row triggers
-- dominated its bulk writes; SQLite checks them with a cheap index probe and cannot drop a
-- constraint without rebuilding the table, so they stay here.)
DROP INDEX payments_customer_idx;
CREATE INDEX payments_customer_idx ON payments (org_id, mode, customer_id, id) WHERE customer_id IS NOT NULL;

-- +goose Down
DROP INDEX payments_customer_idx;
CREATE INDEX payments_customer_idx ON payments (org_id, mode, customer_id, id);
