package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store"
)

// InsertAudit implements store.Tx. Entries are buffered like events and written together just
// before the transaction commits: a batch of credits, each with its entry, costs one more
// INSERT, not one per request.
func (t *Tx) InsertAudit(ctx context.Context, e member.AuditEntry) error {
	if t.tx == nil {
		return fmt.Errorf("sqlstore: InsertAudit outside a transaction")
	}
	if e.ActorType == "" {
		e.ActorType, e.ActorID = member.ActorMember, e.MemberID
	}
	if i, ok := t.auditAt[e.ID]; ok {
		t.audits[i] = e
		return nil
	}
	if t.auditAt == nil {
		t.auditAt = make(map[string]int)
	}
	t.auditAt[e.ID] = len(t.audits)
	t.audits = append(t.audits, e)
	return nil
}

var auditTable = newBulkTable("audit_log",
	"id, org_id, mode, actor_type, actor_id, recipient_id, member_id, action, object_type, object_id, detail, ip, created_at",
	"text, text, text, text, text, text, text, text, text, text, text, text, timestamptz")

func (t *Tx) flushAudit(ctx context.Context) error {
	audits := t.audits
	t.audits, t.auditAt = nil, nil
	return t.insertRows(ctx, auditTable, len(audits), func(i int) []any {
		e := audits[i]
		return []any{e.ID, e.OrgID, e.Mode, e.ActorType, e.ActorID, e.RecipientID, e.MemberID, e.Action,
			e.ObjectType, e.ObjectID, e.Detail, e.IP, t.ts(e.CreatedAt)}
	})
}

// ListAudit implements store.Tx.
func (t *Tx) ListAudit(ctx context.Context, orgID, before string, limit int) ([]member.AuditEntry, error) {
	return t.FindAudit(ctx, store.AuditFilter{OrgID: orgID, Before: before, Limit: limit})
}

// FindAudit implements store.Tx. Only the filters given enter the statement, so each
// combination is its own short statement with its own plan.
func (t *Tx) FindAudit(ctx context.Context, f store.AuditFilter) ([]member.AuditEntry, error) {
	if t.tx != nil {
		if err := t.flushAudit(ctx); err != nil {
			return nil, err
		}
	}
	var where strings.Builder
	args := []any{f.OrgID}
	where.WriteString(`org_id = $1`)
	add := func(cond string, v any) {
		args = append(args, v)
		where.WriteString(" AND " + strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	switch f.Mode {
	case "":
	case "live":
		add(`mode IN ($?, '')`, f.Mode)
	default:
		add(`mode = $?`, f.Mode)
	}
	if f.ActorType != "" {
		add(`actor_type = $?`, f.ActorType)
	}
	if f.ActorID != "" {
		add(`actor_id = $?`, f.ActorID)
	}
	if f.ObjectID != "" {
		add(`object_id = $?`, f.ObjectID)
	}
	if f.Action != "" {
		add(`action = $?`, f.Action)
	}
	if f.From != nil {
		add(`created_at >= $?`, t.ts(*f.From))
	}
	if f.To != nil {
		add(`created_at < $?`, t.ts(*f.To))
	}
	if f.Before != "" {
		add(`id < $?`, f.Before)
	}
	args = append(args, f.Limit)
	rows, err := t.query(ctx, `SELECT id, org_id, mode, actor_type, actor_id, recipient_id, member_id, action, object_type,
		object_id, detail, ip, created_at FROM audit_log WHERE `+where.String()+` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []member.AuditEntry
	for rows.Next() {
		var e member.AuditEntry
		var created Time
		if err := rows.Scan(&e.ID, &e.OrgID, &e.Mode, &e.ActorType, &e.ActorID, &e.RecipientID, &e.MemberID, &e.Action,
			&e.ObjectType, &e.ObjectID, &e.Detail, &e.IP, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = created.T
		out = append(out, e)
	}
	return out, rows.Err()
}
