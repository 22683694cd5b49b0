-- +goose Up
-- A bank file's export is recorded once, by the file: each payout's pending -> processing is
-- read from the file it is in (ListTransitions), no longer stored as a row of its own. The rows
-- earlier exports stored say exactly what the file says, so they go.
DELETE FROM payment_transitions t
USING payments p
WHERE p.id = t.payment_id AND t.from_status = 'pending' AND t.to_status = 'processing'
  AND p.rail_file_id IS NOT NULL AND t.reason = 'exported in ' || p.rail_file_id;
-- Bank file exports whose payouts' events are still being written: a dispatcher dispatches
-- nothing after the oldest of them (another process may be writing its events).
CREATE INDEX events_pending_exports_idx ON events (id) WHERE dispatched_at IS NULL AND type = 'rail_file.exported';
-- A SEPA file of 100,000 payouts is about 60 MB of XML: compressed with lz4 rather than the
-- default pglz it is stored in a fifth of the time. Servers built without lz4 keep pglz.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE rail_files ALTER COLUMN content SET COMPRESSION lz4;
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX events_pending_exports_idx;
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression') THEN
        ALTER TABLE rail_files ALTER COLUMN content SET COMPRESSION default;
    END IF;
END $$;
-- +goose StatementEnd
INSERT INTO payment_transitions (id, payment_id, from_status, to_status, reason, created_at)
SELECT 'ptr_' || substr(f.id, 6), p.id, 'pending', 'processing', 'exported in ' || f.id, f.created_at
FROM payments p JOIN rail_files f ON f.id = p.rail_file_id;
