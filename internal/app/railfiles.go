package app

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/payout"
	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/rail/nacha"
	"github.com/payport/payport/internal/rail/sepa"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// RailFileExported reports a bank file's export. It stands for the payment.processing events
// of the file's payouts, which the webhook dispatcher writes right after it in the order.
const RailFileExported event.Type = "rail_file.exported"

// MaxPayoutsPerFile bounds one export; what is left goes into the next file.
const MaxPayoutsPerFile = 200_000

// RailFileView describes an exported bank file (its content is downloaded separately).
type RailFileView struct {
	ID           string     `json:"id"`
	Rail         string     `json:"rail" enum:"nacha,sepa"`
	Filename     string     `json:"filename"`
	PaymentCount int        `json:"payment_count"`
	TotalAmount  Amount     `json:"total_amount"`
	Currency     string     `json:"currency"`
	Status       string     `json:"status" enum:"exported,settled" doc:"settled once its payouts are confirmed or the settlement period passed without a return."`
	CreatedAt    time.Time  `json:"created_at"`
	SettledAt    *time.Time `json:"settled_at"`
}

func viewRailFile(f rail.File) RailFileView {
	return RailFileView{ID: f.ID, Rail: f.Rail, Filename: f.Filename, PaymentCount: f.PaymentCount,
		TotalAmount: amountOf(f.TotalAmount, money.MustCurrency(f.Currency)),
		Currency:    f.Currency, Status: f.Status, CreatedAt: f.CreatedAt, SettledAt: f.SettledAt}
}

// ImportResult says what importing a bank file did.
type ImportResult struct {
	ID        string `json:"id"`
	Rail      string `json:"rail"`
	Kind      string `json:"kind" enum:"returns,status_report"`
	Duplicate bool   `json:"duplicate" doc:"The same file was imported before; nothing changed this time."`
	// Failed lists payouts failed by this file.
	Failed []ImportedLine `json:"failed"`
	// Succeeded lists payouts the bank reported settled.
	Succeeded []ImportedLine `json:"succeeded"`
	// Notices are notifications of change recorded on payout methods.
	Notices []ImportedLine `json:"notices"`
	// Ignored are lines that changed nothing: unknown references, payouts already final.
	Ignored []ImportedLine `json:"ignored"`
}

// ImportedLine is one line of an imported file and what became of it.
type ImportedLine struct {
	Reference string `json:"reference" doc:"Trace number or end-to-end id."`
	PaymentID string `json:"payment_id,omitempty"`
	Code      string `json:"code,omitempty" doc:"The bank's code (R01, C01, AC04...)."`
	Outcome   string `json:"outcome"`
}

// sepaEndToEndID turns a payment id into a SEPA EndToEndId: "pay" + 32 hex digits is 35
// characters, the field's maximum, and uses only characters SEPA allows.
func sepaEndToEndID(paymentID string) string { return strings.Replace(paymentID, "_", "", 1) }

// ExportRailFile writes the org's pending payouts of a file rail into one bank file and moves
// them to processing, all in one transaction: a payout is in exactly one file.
func (a *App) ExportRailFile(ctx context.Context, scope tenant.Scope, railName string, executionDate time.Time) (RailFileView, error) {
	return a.exportRailFile(ctx, scope, railName, executionDate, nil)
}

// exportRailFile is ExportRailFile; then, when not nil, runs last in the export's transaction
// (the dashboard's audit entry), so that the file and its record commit together.
func (a *App) exportRailFile(ctx context.Context, scope tenant.Scope, railName string, executionDate time.Time,
	then func(tx store.Tx, v RailFileView) error) (RailFileView, error) {
	rl, ok := a.Rails.ByName(railName)
	batched, isFile := rl.(rail.Batched)
	if !ok || !isFile {
		return RailFileView{}, invalid("rail", "rail must be nacha or sepa")
	}
	o, err := a.GetOrg(ctx, scope.OrgID)
	if err != nil {
		return RailFileView{}, err
	}
	if (railName == "nacha" && o.Settings.NACHA == nil) || (railName == "sepa" && o.Settings.SEPA == nil) {
		return RailFileView{}, invalid("rail", "the org has no %s settings: set settings.%s first", railName, railName)
	}
	now := a.now()
	if executionDate.IsZero() {
		executionDate = now
	}
	var view RailFileView
	var orphans []string
	defer func() {
		for _, id := range orphans {
			if err := a.failPending(context.WithoutCancel(ctx), scope, id, payment.FailPayoutMethodRemoved); err != nil {
				a.Log.Warn("fail payout whose method was removed", "payment_id", id, "err", err)
			}
		}
	}()
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		orphans = orphans[:0]
		queued, err := tx.PaymentsForExport(ctx, scope, railName, MaxPayoutsPerFile)
		if err != nil {
			return err
		}
		// A payout whose method was removed while it waited does not go into the file; it is
		// failed below, after this transaction (it stays pending if that fails).
		methods := map[string]payout.Method{}
		ps := queued[:0] // filtered in place: a payout is read before its slot is written
		for _, p := range queued {
			m, ok := methods[p.PayoutMethodID]
			if !ok {
				if m, err = tx.GetPayoutMethod(ctx, scope, p.PayoutMethodID); err != nil {
					return err
				}
				methods[m.ID] = m
			}
			if m.Status == payout.StatusActive {
				ps = append(ps, p)
			} else {
				orphans = append(orphans, p.ID)
			}
		}
		if len(ps) == 0 {
			return &Error{Kind: Conflict, Code: "nothing_to_export", Message: "no pending " + railName + " payouts to export"}
		}
		f := rail.File{ID: id.New("file"), Scope: scope, Rail: railName, PaymentCount: len(ps), Currency: batched.Currency(),
			Status: rail.FileExported, CreatedAt: now}
		// The references go into the database while the file is built: NACHA's trace numbers
		// follow from the org's count of exported payouts, SEPA's end-to-end ids from the ids.
		refs := make(map[string]string, len(ps))
		firstTrace := 0
		if railName == "nacha" {
			exported, err := tx.RailPaymentsExported(ctx, scope, railName)
			if err != nil {
				return err
			}
			firstTrace = int(exported%9_999_999) + 1
			originator := nachaOriginator(o.Settings.NACHA, firstTrace)
			for i, p := range ps {
				refs[p.ID] = originator.TraceNumber(i)
			}
		} else {
			for _, p := range ps {
				refs[p.ID] = sepaEndToEndID(p.ID)
			}
		}
		// No money moves: the payouts' money stays in their recipients' pending accounts until
		// each settles or fails (as with every rail).
		for i := range ps {
			ps[i].RailReference, ps[i].RailFileID = refs[ps[i].ID], f.ID
			if _, err := ps[i].Move(payment.Processing, "exported in "+f.ID, now, func() string { return "" }); err != nil {
				return err
			}
			f.TotalAmount += ps[i].Amount
		}
		f.Filename = fmt.Sprintf("payport-%s.ach", f.ID)
		if railName == "sepa" {
			f.Filename = fmt.Sprintf("payport-%s.xml", f.ID)
		}
		// The file's row first, its bytes once they are written: on SQLite the payouts refer to it.
		f.Content = []byte{}
		if err := tx.InsertRailFile(ctx, f); err != nil {
			return err
		}
		// The file is built (bank details decrypted, a line or an element per payout) while the
		// database moves the payouts to processing: on two cores the two overlap. The builder
		// only reads ps, refs and methods, which nothing writes until it is done.
		built := make(chan error, 1)
		var content []byte
		go func() {
			var err error
			content, err = a.buildRailFile(o, railName, f.ID, ps, methods, refs, firstTrace, executionDate, now)
			built <- err
		}()
		// The state changes of a 100,000-payout file go in a few statements, not 200,000.
		marked := tx.MarkExported(ctx, scope, f.ID, refs, now)
		if err := <-built; err != nil {
			return err
		}
		if marked != nil {
			return marked
		}
		if err := tx.SetRailFileContent(ctx, scope, f.ID, content); err != nil {
			return err
		}
		// Audited before the file's event: the entry is the export's.
		if err := a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "rail_file.export", "rail_file", f.ID,
			fmt.Sprintf("%s %s, %d payouts", railName, f.Filename, f.PaymentCount)); err != nil {
			return err
		}
		// The export is one transition and one event for the whole file: the file records the
		// payouts' pending -> processing (ListTransitions reads it from there), and its
		// rail_file.exported event stands for their payment.processing events, which the
		// webhook dispatcher writes in the event's place in the order (fanOutExport). Writing a
		// row of each per payout here was most of a large export's time.
		if err := a.auditEvent(ctx, tx, scope, RailFileExported, f.ID, now); err != nil {
			return err
		}
		data, err := json.Marshal(viewRailFile(f))
		if err != nil {
			return err
		}
		if err := tx.InsertEvent(ctx, event.Event{ID: id.NewSpan("evt"), Scope: scope, Type: RailFileExported, ObjectID: f.ID,
			Data: data, CreatedAt: now}); err != nil {
			return err
		}
		view = viewRailFile(f)
		if then != nil {
			return then(tx, view)
		}
		return nil
	})
	return view, err
}

// defaultFanOutChunk is how many payment.processing events of an export one dispatch writes:
// on SQLite it holds the single writer for a fraction of a second, not for a whole file's.
const defaultFanOutChunk = 10_000

// fanOutExport writes the next chunk (defaultFanOutChunk) of the payment.processing events
// that an export's rail_file.exported event e stands for, in file order, and reports whether
// all are written. Their ids are e's span's members, so they sort right after e and before anything
// that happened after the export (such as a payout's settlement); a crash between chunks
// only means the next dispatch goes on from the last one written. Each carries its payout
// as the export left it, and is dispatched as it is written.
func (a *App) fanOutExport(ctx context.Context, tx store.Tx, e event.Event, now time.Time) (written int, done bool, err error) {
	chunk := cmp.Or(a.fanOutChunk, defaultFanOutChunk)
	after, n := "", 0
	last, err := tx.LastEventBetween(ctx, e.ID, id.Member(e.ID, id.MaxSpan))
	switch {
	case err == nil:
		after = last.ObjectID
		var ok bool
		if n, ok = id.MemberIndex(e.ID, last.ID); !ok {
			return 0, false, fmt.Errorf("event %s is not in the span of %s", last.ID, e.ID)
		}
	case !errors.Is(err, store.ErrNotFound):
		return 0, false, err
	}
	ps, err := tx.PaymentsOfFile(ctx, e.Scope, e.ObjectID, after, chunk)
	if err != nil || len(ps) == 0 {
		return 0, err == nil, err
	}
	events := make([]event.Event, len(ps))
	for i, p := range ps {
		// As the export left it; it may have settled or failed since.
		p.Status, p.FailureCode, p.FailureMessage, p.UpdatedAt = payment.Processing, "", "", e.CreatedAt
		data, err := json.Marshal(a.viewPayment(p))
		if err != nil {
			return 0, false, err
		}
		events[i] = event.Event{ID: id.Member(e.ID, n+i+1), Scope: e.Scope, Type: PaymentProcessing, ObjectID: p.ID,
			Data: data, CreatedAt: e.CreatedAt, Dispatched: true}
	}
	// Routed here, with the events: dispatching them again, 500 a round, would read and mark
	// each a second time.
	for _, ev := range events {
		if err := tx.InsertEvent(ctx, ev); err != nil {
			return 0, false, err
		}
	}
	ms, err := a.messagesFor(ctx, tx, events, now)
	if err != nil {
		return 0, false, err
	}
	if err := tx.InsertWebhookMessages(ctx, ms); err != nil {
		return 0, false, err
	}
	return len(ps), len(ps) < chunk, nil
}

// buildRailFile writes the bank file that pays ps (in their order) on a file rail, with the
// references the caller recorded for them (NACHA's trace numbers from firstTrace, SEPA's
// end-to-end ids). It decrypts each payout method's details once.
func (a *App) buildRailFile(o org.Org, railName, fileID string, ps []payment.Payment, methods map[string]payout.Method,
	refs map[string]string, firstTrace int, executionDate, now time.Time) ([]byte, error) {
	details := map[string]bank.Details{} // a recipient's many payouts share one method
	detailsOf := func(p payment.Payment) (bank.Details, error) {
		if d, ok := details[p.PayoutMethodID]; ok {
			return d, nil
		}
		d, err := a.openDetails(methods[p.PayoutMethodID])
		details[p.PayoutMethodID] = d
		return d, err
	}
	refused := func(err error) error {
		return &Error{Kind: Invalid, Field: "rail", Code: "file_refused", Message: err.Error()}
	}
	if railName == "nacha" {
		credits := make([]nacha.Credit, 0, len(ps))
		for _, p := range ps {
			d, err := detailsOf(p)
			if err != nil {
				return nil, err
			}
			credits = append(credits, nacha.Credit{PayoutID: p.ID, AmountCents: p.Amount, RoutingNumber: d.RoutingNumber,
				AccountNumber: d.AccountNumber, AccountType: d.AccountType, HolderName: d.HolderName,
				IndividualID: p.ID[len(p.ID)-15:]})
		}
		content, traces, err := nacha.BuildFile(nachaOriginator(o.Settings.NACHA, firstTrace), credits, executionDate, fileIDModifier(now), now)
		if err != nil {
			return nil, refused(err)
		}
		for id, trace := range traces {
			if refs[id] != trace {
				return nil, fmt.Errorf("nacha: payout %s has trace %s in the file but %s recorded", id, trace, refs[id])
			}
		}
		return content, nil
	}
	transfers := make([]sepa.Transfer, 0, len(ps))
	for _, p := range ps {
		d, err := detailsOf(p)
		if err != nil {
			return nil, err
		}
		transfers = append(transfers, sepa.Transfer{PayoutID: refs[p.ID], AmountCents: p.Amount, CreditorName: d.HolderName,
			CreditorIBAN: d.IBAN, CreditorBIC: d.BIC, RemittanceInfo: remittance(p)})
	}
	s := o.Settings.SEPA
	content, err := sepa.BuildPain001(sepa.Debtor{Name: s.Name, IBAN: s.IBAN, BIC: s.BIC, MessageIDPrefix: s.MessageIDPrefix},
		transfers, executionDate, strings.TrimPrefix(fileID, "file_")[:20], now)
	if err != nil {
		return nil, refused(err)
	}
	return content, nil
}

func remittance(p payment.Payment) string {
	if p.Description != "" {
		return p.Description
	}
	return "Payout " + p.ID
}

// fileIDModifier varies through A-Z and 0-9 so that files of one day differ (NACHA rule).
func fileIDModifier(now time.Time) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	return string(chars[(now.Hour()*60+now.Minute())%len(chars)])
}

// paymentPosting moves a payout's amount between two of its recipient's accounts.
//
// Money going back to "available" returns to where it came from: a withdrawal's to the
// recipient's balance, a Payments API payout's (funded by the org when the customer completed
// the form) to the org's funding account.
func paymentPosting(p payment.Payment, kind ledger.TransferKind, from, to ledger.Kind) ledger.Posting {
	dest := recipientRef(p.Scope, p.RecipientID, to, p.Currency)
	if to == ledger.Available && p.Source == payment.SourceAPI {
		dest = fundingRef(p.Scope, p.Currency)
	}
	return ledger.Posting{Kind: kind, Amount: p.Amount, PaymentID: p.ID,
		Key:         string(kind) + ":" + p.ID,
		Description: string(kind) + " " + p.ID,
		Source:      recipientRef(p.Scope, p.RecipientID, from, p.Currency),
		Destination: dest}
}

// RailFile reads an exported file with its content.
func (a *App) RailFile(ctx context.Context, scope tenant.Scope, fileID string) (RailFileView, []byte, error) {
	var f rail.File
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		f, err = tx.GetRailFile(ctx, scope, fileID)
		return mapNotFound(err, "file")
	})
	if err != nil {
		// No view of an empty file: it has no currency to format its total in.
		return RailFileView{}, nil, err
	}
	return viewRailFile(f), f.Content, nil
}

// ListRailFiles lists exported files, newest first.
func (a *App) ListRailFiles(ctx context.Context, scope tenant.Scope, limit int) ([]RailFileView, error) {
	var out []RailFileView
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		fs, err := tx.ListRailFiles(ctx, scope, limit)
		out = make([]RailFileView, len(fs))
		for i, f := range fs {
			out[i] = viewRailFile(f)
		}
		return err
	})
	return out, err
}

// ConfirmRailFile settles every payout of a file that is still processing: the operator's
// confirmation that the bank paid them (or the settlement period passing without a return).
func (a *App) ConfirmRailFile(ctx context.Context, scope tenant.Scope, fileID, reason string) (RailFileView, error) {
	var view RailFileView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		f, err := tx.GetRailFile(ctx, scope, fileID)
		if err != nil {
			return mapNotFound(err, "file")
		}
		ps, err := tx.PaymentsOfFile(ctx, scope, fileID, "", 0)
		if err != nil {
			return err
		}
		now := a.now()
		for _, p := range ps {
			if err := a.settleTx(ctx, tx, p.ID, scope, rail.Outcome{Settled: true, Detail: reason}, now); err != nil {
				return err
			}
		}
		if f.Status != rail.FileSettled {
			f.Status, f.SettledAt = rail.FileSettled, &now
			if err := tx.UpdateRailFile(ctx, f); err != nil {
				return err
			}
		}
		view = viewRailFile(f)
		// Last: it replaces the entry of the first payout settled above.
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "rail_file.confirm", "rail_file", f.ID, fmt.Sprintf("%d payouts: %s", len(ps), reason))
	})
	return view, err
}

// ImportRailFile reads a bank's answer to exported files (NACHA returns and notifications of
// change, or a pain.002 status report) and applies it: returned or rejected payouts fail with
// the bank's reason and their money goes back; settled ones succeed. Importing the same file
// again changes nothing and answers the first result.
func (a *App) ImportRailFile(ctx context.Context, scope tenant.Scope, railName string, content []byte) (ImportResult, error) {
	return a.importRailFile(ctx, scope, railName, content, nil)
}

// importRailFile is ImportRailFile; then, when not nil, runs last in the import's transaction
// (a duplicate's too), so that the dashboard's audit entry commits with the import.
func (a *App) importRailFile(ctx context.Context, scope tenant.Scope, railName string, content []byte,
	then func(tx store.Tx, res ImportResult) error) (ImportResult, error) {
	if _, err := a.GetOrg(ctx, scope.OrgID); err != nil {
		return ImportResult{}, err
	}
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])
	res := ImportResult{ID: id.New("imp"), Rail: railName, Failed: []ImportedLine{}, Succeeded: []ImportedLine{},
		Notices: []ImportedLine{}, Ignored: []ImportedLine{}}
	type line struct {
		ref, code, detail string
		settled, notice   bool
		corrected         string
		// amount the bank quotes, 0 when it quotes none
		amount int64
	}
	var lines []line
	switch railName {
	case "nacha":
		res.Kind = "returns"
		rets, err := nacha.ParseReturns(bytes.NewReader(content))
		if err != nil {
			return res, invalid("file", "%s", err.Error())
		}
		for _, r := range rets {
			if r.IsNotificationOfChange {
				lines = append(lines, line{ref: r.TraceNumber, code: r.ChangeCode, notice: true, corrected: r.CorrectedData})
			} else {
				lines = append(lines, line{ref: r.TraceNumber, code: r.Code, detail: r.Code + " " + r.Reason, amount: r.AmountCents})
			}
		}
	case "sepa":
		res.Kind = "status_report"
		rep, err := sepa.ParsePain002(bytes.NewReader(content))
		if err != nil {
			return res, invalid("file", "%s", err.Error())
		}
		for _, t := range rep.Transactions {
			switch t.Status {
			case "RJCT":
				lines = append(lines, line{ref: t.EndToEndID, code: t.ReasonCode, detail: strings.TrimSpace(t.ReasonCode + " " + t.AdditionalInfo), amount: t.AmountCents})
			case "ACSC":
				lines = append(lines, line{ref: t.EndToEndID, code: t.Status, settled: true, amount: t.AmountCents})
			default: // ACCP, ACTC, PDNG...: accepted so far, nothing final
				res.Ignored = append(res.Ignored, ImportedLine{Reference: t.EndToEndID, Code: t.Status, Outcome: "not final"})
			}
		}
	default:
		return res, invalid("rail", "rail must be nacha or sepa")
	}
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		if prev, err := tx.GetRailImport(ctx, scope, railName, hash); err == nil {
			if err := json.Unmarshal(prev.Result, &res); err != nil {
				return err
			}
			res.Duplicate = true
			if then != nil {
				return then(tx, res)
			}
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := a.now()
		for _, l := range lines {
			p, err := tx.PaymentByRailReference(ctx, scope, railName, l.ref)
			if errors.Is(err, store.ErrNotFound) {
				res.Ignored = append(res.Ignored, ImportedLine{Reference: l.ref, Code: l.code, Outcome: "no payout has this reference"})
				continue
			}
			if err != nil {
				return err
			}
			il := ImportedLine{Reference: l.ref, PaymentID: p.ID, Code: l.code}
			switch {
			case l.notice:
				if err := a.recordNoticeTx(ctx, tx, p, l.code, l.corrected, now); err != nil {
					return err
				}
				il.Outcome = "notice recorded on " + p.PayoutMethodID
				res.Notices = append(res.Notices, il)
			case !l.notice && l.amount != 0 && l.amount != p.Amount:
				// A reference that matches with another amount is not this payout's line.
				il.Outcome = fmt.Sprintf("amount %d differs from the payout's %d: left for an operator", l.amount, p.Amount)
				res.Ignored = append(res.Ignored, il)
			case p.Status != payment.Processing:
				il.Outcome = "payout already " + string(p.Status)
				if p.Status == payment.Succeeded && !l.settled {
					il.Outcome += ": a late return, to be handled by an operator"
				}
				res.Ignored = append(res.Ignored, il)
			case l.settled:
				if err := a.settleTx(ctx, tx, p.ID, scope, rail.Outcome{Settled: true}, now); err != nil {
					return err
				}
				il.Outcome = "succeeded"
				res.Succeeded = append(res.Succeeded, il)
			default:
				code := nacha.MapReturnCode(l.code)
				if railName == "sepa" {
					code = sepa.MapReasonCode(l.code)
				}
				if err := a.settleTx(ctx, tx, p.ID, scope, rail.Outcome{FailureCode: code, Detail: l.detail}, now); err != nil {
					return err
				}
				il.Outcome = "failed: " + code
				res.Failed = append(res.Failed, il)
			}
		}
		body, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if err := tx.InsertRailImport(ctx, rail.Import{ID: res.ID, Scope: scope, Rail: railName, Kind: res.Kind,
			ContentHash: hash, Result: body, CreatedAt: now}); err != nil {
			return err
		}
		// Last: it replaces the entry of the first payout settled above.
		if err := a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "rail_file.import", "rail_import", res.ID,
			fmt.Sprintf("%s %s: %d failed, %d succeeded, %d notices, %d ignored", railName, res.Kind,
				len(res.Failed), len(res.Succeeded), len(res.Notices), len(res.Ignored))); err != nil {
			return err
		}
		if then != nil {
			return then(tx, res)
		}
		return nil
	})
	return res, err
}

// recordNoticeTx stores a bank's notification of change on the payout method, so an operator
// (or the recipient) can correct the details before the next payout.
func (a *App) recordNoticeTx(ctx context.Context, tx store.Tx, p payment.Payment, code, corrected string, now time.Time) error {
	m, err := tx.GetPayoutMethod(ctx, p.Scope, p.PayoutMethodID)
	if err != nil {
		return err
	}
	notice, err := json.Marshal(map[string]string{"change_code": code, "corrected_data": corrected,
		"payment_id": p.ID, "received_at": now.Format(time.RFC3339)})
	if err != nil {
		return err
	}
	m.Notice, m.UpdatedAt = notice, now
	if err := tx.UpdatePayoutMethod(ctx, m); err != nil {
		return err
	}
	return a.recordEvent(ctx, tx, p.Scope, PayoutMethodUpdated, m.ID, viewMethod(m), now)
}

// SettleFilesArgs is the periodic job that settles bank files whose settlement period passed
// without a return.
type SettleFilesArgs struct{}

// Kind implements river.JobArgs.
func (SettleFilesArgs) Kind() string { return "rail_files_settle" }

type settleFilesWorker struct {
	river.WorkerDefaults[SettleFilesArgs]
	app *App
}

func (w *settleFilesWorker) Work(ctx context.Context, job *river.Job[SettleFilesArgs]) error {
	return w.app.SettleDueFiles(ctx)
}

// SettleDueFiles confirms every exported file older than the settlement period.
func (a *App) SettleDueFiles(ctx context.Context) error {
	period := a.FileSettlementPeriod
	if period <= 0 {
		period = 3 * 24 * time.Hour
	}
	var due []rail.File
	if err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.DueRailFiles(ctx, a.now().Add(-period))
		return err
	}); err != nil {
		return err
	}
	for _, f := range due {
		if _, err := a.ConfirmRailFile(ctx, f.Scope, f.ID, "no return within the settlement period"); err != nil {
			return err
		}
	}
	return nil
}
