-- +goose Up
-- A payout's money now stays in its recipient's pending account from its request until it
-- settles or fails; reaching a rail moves no money (the payment's status says where it is).
-- Earlier versions moved it pending -> in_transit on submission ("payout_submitted"): the
-- money of payouts still processing moves back, one "ledger_migration" transfer each, so that
-- they settle or fail from pending like new ones. Ids are time-ordered like id.New's.
INSERT INTO ledger_transfers (id, org_id, mode, kind, currency, amount, source_account_id, destination_account_id,
    transfer_key, description, metadata, payment_id, created_at)
SELECT 'tr_' || printf('%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) || '7' ||
       substr(lower(hex(randomblob(10))), 1, 19),
       t.org_id, t.mode, 'ledger_migration', t.currency, t.amount, t.destination_account_id, t.source_account_id,
       'ledger_migration:' || p.id, 'Processing payout ' || p.id || ' held in pending (migration 00019)', '{}', p.id,
       strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z'
FROM payments p
JOIN ledger_transfers t ON t.org_id = p.org_id AND t.mode = p.mode AND t.transfer_key = 'payout_submitted:' || p.id
WHERE p.status = 'processing' AND p.type = 'payout';
UPDATE ledger_accounts SET balance = balance + d.delta
FROM (SELECT account_id, sum(delta) AS delta FROM (
        SELECT destination_account_id AS account_id, amount AS delta FROM ledger_transfers WHERE kind = 'ledger_migration'
        UNION ALL
        SELECT source_account_id, -amount FROM ledger_transfers WHERE kind = 'ledger_migration')
      GROUP BY account_id) AS d
WHERE ledger_accounts.id = d.account_id;

-- +goose Down
-- Older versions settle processing payouts from in_transit: their money goes back there.
UPDATE ledger_accounts SET balance = balance - d.delta
FROM (SELECT account_id, sum(delta) AS delta FROM (
        SELECT t.destination_account_id AS account_id, t.amount AS delta FROM ledger_transfers t
        JOIN payments p ON p.id = t.payment_id WHERE t.kind = 'ledger_migration' AND p.status = 'processing'
        UNION ALL
        SELECT t.source_account_id, -t.amount FROM ledger_transfers t
        JOIN payments p ON p.id = t.payment_id WHERE t.kind = 'ledger_migration' AND p.status = 'processing')
      GROUP BY account_id) AS d
WHERE ledger_accounts.id = d.account_id;
DELETE FROM ledger_transfers WHERE kind = 'ledger_migration'
    AND payment_id IN (SELECT id FROM payments WHERE status = 'processing');
