-- +goose Up
-- The Payments API (seed 003): who the payment is for, where to send the user and the webhook,
-- when an unfinished hosted form expires, the hash of the request that created it (so a repeat
-- with the same externalId is recognised), and how a payin was paid.
ALTER TABLE payments ADD COLUMN customer_id TEXT;
ALTER TABLE payments ADD COLUMN customer_name TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN redirect_url TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE payments ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN payin_method TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN method_summary TEXT NOT NULL DEFAULT '';
CREATE INDEX payments_customer_idx ON payments (org_id, mode, customer_id, id);
CREATE INDEX payments_expiry_idx ON payments (expires_at) WHERE status = 'pending';
-- A bank-transfer payin is found by the reference the payer quotes.
CREATE UNIQUE INDEX payments_transfer_reference_idx ON payments (rail_reference) WHERE rail = 'bank_transfer';

-- +goose Down
DROP INDEX payments_transfer_reference_idx;
DROP INDEX payments_expiry_idx;
DROP INDEX payments_customer_idx;
ALTER TABLE payments DROP COLUMN method_summary;
ALTER TABLE payments DROP COLUMN payin_method;
ALTER TABLE payments DROP COLUMN request_hash;
ALTER TABLE payments DROP COLUMN expires_at;
ALTER TABLE payments DROP COLUMN webhook_url;
ALTER TABLE payments DROP COLUMN redirect_url;
ALTER TABLE payments DROP COLUMN customer_name;
ALTER TABLE payments DROP COLUMN customer_id;
