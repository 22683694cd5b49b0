-- +goose Up
-- A bank file's export is recorded once, by the file: each payout's pending -> processing is
-- read from the file it is in (ListTransitions), no longer stored as a row of its own. The rows
-- earlier exports stored say exactly what the file says, so they go.
DELETE FROM payment_transitions
WHERE from_status = 'pending' AND to_status = 'processing'
  AND reason = 'exported in ' || (SELECT p.rail_file_id FROM payments p WHERE p.id = payment_transitions.payment_id);

-- Bank file exports whose payouts' events are still being written: a dispatcher dispatches
-- nothing after the oldest of them (another process may be writing its events).
CREATE INDEX events_pending_exports_idx ON events (id) WHERE dispatched_at IS NULL AND type = 'rail_file.exported';

-- +goose Down
DROP INDEX events_pending_exports_idx;
INSERT INTO payment_transitions (id, payment_id, from_status, to_status, reason, created_at)
SELECT 'ptr_' || substr(f.id, 6), p.id, 'pending', 'processing', 'exported in ' || f.id, f.created_at
FROM payments p JOIN rail_files f ON f.id = p.rail_file_id;
