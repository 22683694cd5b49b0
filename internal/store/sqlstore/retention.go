package sqlstore

import (
	"context"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/store"
)

// PruneRetained implements store.Tx. Each table loses at most limit rows per call, so that a
// long backlog is pruned in short transactions.
func (t *Tx) PruneRetained(ctx context.Context, c store.RetentionCutoffs, limit int) (map[string]int64, error) {
	out := map[string]int64{}
	del := func(table, q string, args ...any) error {
		res, err := t.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		out[table] += n
		return err
	}
	sessions := t.ts(c.Sessions)
	steps := []struct{ table, q string }{
		// Sessions before the grants they were made from.
		{"portal_sessions", `DELETE FROM portal_sessions WHERE token_hash IN (SELECT token_hash FROM portal_sessions WHERE expires_at < $1 LIMIT $2)`},
		// An expired grant's token is refused by its expiry; its row is no longer needed to
		// refuse a replay.
		{"grants", `DELETE FROM grants WHERE id IN (SELECT g.id FROM grants g WHERE g.expires_at < $1
			AND NOT EXISTS (SELECT 1 FROM portal_sessions s WHERE s.grant_id = g.id) LIMIT $2)`},
		{"otp_codes", `DELETE FROM otp_codes WHERE id IN (SELECT id FROM otp_codes WHERE expires_at < $1 LIMIT $2)`},
		{"member_sessions", `DELETE FROM member_sessions WHERE id IN (SELECT id FROM member_sessions WHERE expires_at < $1 LIMIT $2)`},
		{"member_tokens", `DELETE FROM member_tokens WHERE id IN (SELECT id FROM member_tokens WHERE expires_at < $1 LIMIT $2)`},
		{"signin_failures", `DELETE FROM signin_failures WHERE id IN (SELECT id FROM signin_failures WHERE created_at < $1 LIMIT $2)`},
		{"address_requests", `DELETE FROM address_requests WHERE id IN (SELECT id FROM address_requests WHERE created_at < $1 LIMIT $2)`},
		// The development outbox holds codes and links in clear text: it goes with the sessions.
		{"mail_outbox", `DELETE FROM mail_outbox WHERE id IN (SELECT id FROM mail_outbox WHERE created_at < $1 LIMIT $2)`},
	}
	for _, s := range steps {
		if err := del(s.table, s.q, sessions, limit); err != nil {
			return nil, err
		}
	}
	// Events older than their cutoff, dispatched, with no delivery still to try, go with their
	// messages and attempts. Event ids are UUIDv7, so the primary key finds the old ones.
	rows, err := t.query(ctx, `SELECT e.id FROM events e WHERE e.id < $1 AND e.created_at < $2 AND e.dispatched_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM webhook_messages m WHERE m.event_id = e.id AND m.status = 'pending')
		ORDER BY e.id LIMIT $3`, id.Before("evt", c.Events), t.ts(c.Events), limit)
	if err != nil {
		return nil, err
	}
	var events []any
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return nil, err
		}
		events = append(events, e)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	for start := 0; start < len(events); start += maxInList {
		part := events[start:min(start+maxInList, len(events))]
		in := t.bulkParams(1, len(part))
		for _, s := range []struct{ table, q string }{
			{"webhook_attempts", `DELETE FROM webhook_attempts WHERE event_id IN (` + in + `)`},
			{"webhook_messages", `DELETE FROM webhook_messages WHERE event_id IN (` + in + `)`},
			{"events", `DELETE FROM events WHERE id IN (` + in + `)`},
		} {
			if err := del(s.table, s.q, part...); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
