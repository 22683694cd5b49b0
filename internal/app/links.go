package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/link"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/otp"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/texts"
)

// Payment link events.
const (
	LinkCreated event.Type = "payment_link.created"
	LinkRevoked event.Type = "payment_link.revoked"
	LinkExpired event.Type = "payment_link.expired"
	LinkPaid    event.Type = "payment_link.paid"
)

// Link lifetimes when the org sets none.
const (
	DefaultLinkExpiryHours = 7 * 24
	DefaultLinkMaxHours    = 30 * 24
	// LinkTokenLifetime is how long the token of PUT /payment-links/otp works (seed 002).
	LinkTokenLifetime = 24 * time.Hour
	// LinkReminderAfter is how long after a link's scheduled_at Payport's own scheduler
	// reminds an unpaid link's customer.
	LinkReminderAfter = 24 * time.Hour
	// LinkTokenAudience is the aud claim of payment-link tokens.
	LinkTokenAudience = "payport-payment-link"
)

// LinkView is the link object of seed 002's answers.
type LinkView struct {
	ID            string          `json:"id" example:"pl_0193..."`
	URL           string          `json:"url" doc:"The link's page: {PAYPORT_PUBLIC_URL}/pay/{id}."`
	Status        string          `json:"status" enum:"active,paid,revoked,expired"`
	OrgID         string          `json:"org_id"`
	Email         string          `json:"email"`
	TransactionID *string         `json:"transaction_id" doc:"The payin payment the link pays, when created with one."`
	PaymentAmount JSONNumber      `json:"payment_amount" doc:"A JSON number in the currency's units (10.5 is 10.50), or null when the customer enters the amount."`
	Currency      *string         `json:"currency"`
	ScheduledAt   *time.Time      `json:"scheduled_at"`
	OTPRequired   bool            `json:"otp_required" doc:"The page asks for a code emailed to the address first."`
	PreVerified   bool            `json:"pre_verified" doc:"Created with a code the customer had verified: the page does not ask again."`
	Reference     string          `json:"reference"`
	Metadata      json.RawMessage `json:"metadata"`
	PaymentID     *string         `json:"payment_id" doc:"The payin paying the link, once the customer started paying."`
	ExpiresAt     time.Time       `json:"expires_at"`
	SentAt        *time.Time      `json:"sent_at" doc:"When the link was emailed; null while scheduled."`
	Livemode      bool            `json:"livemode"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

func (a *App) viewLink(l link.Link) LinkView {
	v := LinkView{ID: l.ID, URL: a.PublicURL + "/pay/" + l.ID, Status: string(l.Status), OrgID: l.Scope.OrgID, Email: l.Email,
		ScheduledAt: l.ScheduledAt, OTPRequired: l.OTPRequired, PreVerified: l.PreVerified, Reference: l.Reference, Metadata: l.Metadata,
		ExpiresAt: l.ExpiresAt, SentAt: l.SentAt, Livemode: l.Scope.Mode == tenant.Live, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt,
		PaymentAmount: JSONNumber("null")}
	if l.TransactionID != "" {
		v.TransactionID = &l.TransactionID
	}
	if l.PaymentID != "" {
		v.PaymentID = &l.PaymentID
	}
	if l.Currency != "" {
		v.Currency = &l.Currency
	}
	if c, err := money.LookupCurrency(l.Currency); err == nil && l.Amount != nil {
		v.PaymentAmount = JSONNumber(money.Format(*l.Amount, c))
	}
	if len(v.Metadata) == 0 {
		v.Metadata = json.RawMessage("{}")
	}
	return v
}

// JSONNumber is a JSON number kept as its text, so that amounts pass through exactly (never
// through float64). The API documents it as a number.
type JSONNumber []byte

// MarshalJSON implements json.Marshaler.
func (n JSONNumber) MarshalJSON() ([]byte, error) {
	if len(n) == 0 {
		return []byte("null"), nil
	}
	return n, nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *JSONNumber) UnmarshalJSON(b []byte) error {
	*n = append((*n)[:0], b...)
	return nil
}

// CreateLinkInput is the body of POST /payment-links.
type CreateLinkInput struct {
	Email         string
	OrgID         string
	TransactionID string
	// PaymentAmount is the JSON number as sent (seed 002: a float), parsed exactly.
	PaymentAmount JSONNumber
	Currency      string
	ScheduledAt   *time.Time
	OTP           string
	OTPRequired   *bool
	// ExpiresInHours is the lifetime (default and maximum per org).
	ExpiresInHours *int
	Reference      string
	Metadata       json.RawMessage
}

// linkScope checks that the caller's key may act for orgID: an internal-admin for any org, an
// org-admin for its own only (another org's id is 404, as if it did not exist).
func linkScope(key org.APIKey, orgID string) (tenant.Scope, error) {
	if orgID == "" {
		return tenant.Scope{}, invalid("org_id", "org_id is required")
	}
	if key.Role != org.RoleInternalAdmin && orgID != key.Scope.OrgID {
		return tenant.Scope{}, notFound("org")
	}
	return tenant.Scope{OrgID: orgID, Mode: key.Scope.Mode}, nil
}

// CreateLink creates a payment link and emails it now, or at scheduled_at when that is later.
func (a *App) CreateLink(ctx context.Context, key org.APIKey, in CreateLinkInput) (LinkView, error) {
	return a.createLink(ctx, key, in, nil)
}

// createLink is CreateLink; then, when set, runs last in its transaction (the dashboard audits
// there, or renders the email and rolls back for a preview).
func (a *App) createLink(ctx context.Context, key org.APIKey, in CreateLinkInput, then func(ctx context.Context, tx store.Tx, l link.Link) error) (LinkView, error) {
	scope, err := linkScope(key, in.OrgID)
	if err != nil {
		return LinkView{}, err
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email == "" || checkEmail(email) != nil {
		return LinkView{}, invalid("email", "email must be a plain address such as ada@example.com")
	}
	now := a.now()
	l := link.Link{ID: id.New("pl"), Scope: scope, Email: email, Status: link.Active, Reference: in.Reference, CreatedAt: now, UpdatedAt: now}
	if in.Currency != "" {
		if !currencyCode.MatchString(in.Currency) {
			return LinkView{}, invalid("currency", "currency must be an ISO 4217 code of three capital letters, such as EUR")
		}
		if _, err := currencyField("currency", in.Currency); err != nil {
			return LinkView{}, err
		}
		l.Currency = in.Currency
	}
	if raw := strings.TrimSpace(string(in.PaymentAmount)); raw != "" && raw != "null" {
		if l.Currency == "" {
			return LinkView{}, invalid("currency", "currency is required with payment_amount")
		}
		c, _ := money.LookupCurrency(l.Currency)
		v, err := money.ParseJSONNumber([]byte(raw), c)
		if err != nil {
			return LinkView{}, invalid("payment_amount", "%s", err.Error())
		}
		if v <= 0 {
			return LinkView{}, invalid("payment_amount", "payment_amount must be greater than zero")
		}
		l.Amount = &v
	}
	if len(in.Reference) > 255 {
		return LinkView{}, invalid("reference", "reference must be at most 255 characters")
	}
	if l.Metadata, err = metadataField(in.Metadata); err != nil {
		return LinkView{}, err
	}
	// A link without scheduled_at is sent now, and now is its scheduled time (reminders
	// count from it).
	at := now
	if in.ScheduledAt != nil {
		at = in.ScheduledAt.UTC()
	}
	l.ScheduledAt = &at
	if in.OTPRequired != nil {
		l.OTPRequired = *in.OTPRequired
	}
	o, err := a.GetOrg(ctx, scope.OrgID)
	if err != nil {
		return LinkView{}, err
	}
	def, maxH := o.Settings.PaymentLinks.DefaultExpiryHours, o.Settings.PaymentLinks.MaxExpiryHours
	if def == 0 {
		def = DefaultLinkExpiryHours
	}
	if maxH == 0 {
		maxH = DefaultLinkMaxHours
	}
	hours := min(def, maxH)
	if in.ExpiresInHours != nil {
		if *in.ExpiresInHours < 1 || *in.ExpiresInHours > maxH {
			return LinkView{}, invalid("expires_in_hours", "expires_in_hours must be between 1 and the org's maximum of %d", maxH)
		}
		hours = *in.ExpiresInHours
	}
	l.ExpiresAt = now.Add(time.Duration(hours) * time.Hour)
	if l.ScheduledAt != nil && !l.ScheduledAt.Before(l.ExpiresAt) {
		return LinkView{}, invalid("scheduled_at", "scheduled_at must be before the link expires (%s)", l.ExpiresAt.Format(time.RFC3339))
	}
	var v LinkView
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		if in.TransactionID != "" {
			p, err := tx.GetPayment(ctx, scope, in.TransactionID, false)
			if err != nil || p.Type != payment.Payin {
				return &Error{Kind: NotFound, Field: "transaction_id", Code: "not_found", Message: "transaction_id names no payin payment of this org"}
			}
			if p.Status != payment.Pending {
				return &Error{Kind: Conflict, Field: "transaction_id", Code: "not_pending", Message: "the payment of transaction_id is already " + string(p.Status)}
			}
			if l.Currency != "" && l.Currency != p.Currency {
				return invalid("currency", "the payment of transaction_id is in %s", p.Currency)
			}
			if l.Amount != nil && *l.Amount != p.Amount {
				c, _ := money.LookupCurrency(p.Currency)
				return invalid("payment_amount", "the payment of transaction_id is for %s", money.Format(p.Amount, c))
			}
			l.TransactionID, l.Currency, l.PaymentID = p.ID, p.Currency, p.ID
			amount := p.Amount
			l.Amount = &amount
		}
		if in.OTP != "" {
			// Seed 002's optional otp: a code the customer was just sent for this email
			// (POST /payment-links/otp) and typed where the platform asked. It is checked
			// and used up here, and the link needs no second code.
			if err := a.checkLinkCodeTx(ctx, tx, email, in.OTP); err != nil {
				return &Error{Kind: Invalid, Field: "otp", Code: "otp_invalid", Message: err.Error()}
			}
			l.PreVerified = true
		}
		if err := tx.InsertLink(ctx, l); err != nil {
			return err
		}
		v = a.viewLink(l)
		if err := a.recordEvent(ctx, tx, scope, LinkCreated, l.ID, v, now); err != nil {
			return err
		}
		var opts *river.InsertOpts
		if l.ScheduledAt != nil && l.ScheduledAt.After(now) {
			opts = &river.InsertOpts{ScheduledAt: *l.ScheduledAt}
		}
		if then != nil {
			if err := then(ctx, tx, l); err != nil {
				return err
			}
		}
		return a.enqueue(ctx, tx, SendLinkArgs{LinkID: l.ID}, opts)
	})
	return v, err
}

// SendLinkArgs is the job that emails a link (at its scheduled time).
type SendLinkArgs struct {
	LinkID string `json:"link_id"`
	// Reminder marks a reminder rather than the first email.
	Reminder bool `json:"reminder,omitempty"`
}

// Kind implements river.JobArgs.
func (SendLinkArgs) Kind() string { return "payment_link_send" }

type sendLinkWorker struct {
	river.WorkerDefaults[SendLinkArgs]
	app *App
}

func (w *sendLinkWorker) Work(ctx context.Context, job *river.Job[SendLinkArgs]) error {
	return w.app.sendLinkEmail(ctx, job.Args.LinkID, job.Args.Reminder)
}

// sendLinkEmail queues the link's email (nothing for a link no longer usable) and notes when.
func (a *App) sendLinkEmail(ctx context.Context, linkID string, reminder bool) error {
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		l, err := tx.GetLink(ctx, linkID, true)
		if err != nil {
			return err
		}
		now := a.now()
		if l.Usable(now) != "" || (!reminder && l.SentAt != nil) {
			return nil
		}
		o, err := tx.GetOrg(ctx, l.Scope.OrgID)
		if err != nil {
			return err
		}
		msg, err := a.linkEmail(l, o, reminder, now)
		if err != nil {
			return err
		}
		if !reminder {
			l.SentAt, l.UpdatedAt = &now, now
			if err := tx.UpdateLink(ctx, l); err != nil {
				return err
			}
		}
		return a.enqueue(ctx, tx, SendEmailArgs{Message: msg}, nil)
	})
}

var linkEmailHTML = template.Must(template.New("link").Parse(`<div style="font-family:system-ui,sans-serif;max-width:32rem;margin:0 auto">
<div style="border-top:4px solid {{.Color}};padding:1rem 0;font-weight:700">{{.Org}}</div>
<p>{{.Intro}}.</p>
{{if .Reference}}<p>{{.Reference}}</p>{{end}}
<p><a href="{{.URL}}" style="display:inline-block;background:{{.Color}};color:#fff;padding:.75rem 1.25rem;border-radius:8px;text-decoration:none">{{.Button}}</a></p>
<p style="color:#555">{{.Until}}{{if .OTP}} {{.OTP}}{{end}} {{.NotExpected}}</p>
</div>`))

// linkEmail is the branded email of a link, with HTML and text parts.
func (a *App) linkEmail(l link.Link, o org.Org, reminder bool, now time.Time) (mail.Message, error) {
	name := o.Settings.Portal.DisplayName
	if name == "" {
		name = o.Name
	}
	color := o.Settings.Portal.BrandColor
	if color == "" {
		color = "#0b57d0"
	}
	v := a.viewLink(l)
	amount := ""
	if l.Amount != nil {
		c, _ := money.LookupCurrency(l.Currency)
		amount = money.Format(*l.Amount, c) + " " + l.Currency
	}
	t := texts.English.Email
	until := fmt.Sprintf(t.LinkWorksUntil, l.ExpiresAt.UTC().Format(t.DateLayout))
	subject, intro := fmt.Sprintf(t.LinkSubject, name), fmt.Sprintf(t.LinkAsks, name)
	if amount != "" {
		subject, intro = fmt.Sprintf(t.LinkSubjectAmount, name, amount), fmt.Sprintf(t.LinkAsksAmount, name, amount)
	}
	if reminder {
		subject, intro = t.ReminderPrefix+subject, t.ReminderIntro+intro
	}
	reference, otpNotice := "", ""
	if l.Reference != "" {
		reference = fmt.Sprintf(t.ReferenceLine, l.Reference)
	}
	if l.OTPRequired && !l.PreVerified {
		otpNotice = t.LinkCodeNotice
	}
	var html strings.Builder
	if err := linkEmailHTML.Execute(&html, map[string]any{"Org": name, "Color": template.CSS(color), "Intro": intro, "URL": v.URL,
		"Reference": reference, "Until": until, "OTP": otpNotice, "NotExpected": t.NotExpected, "Button": t.PayButton}); err != nil {
		return mail.Message{}, err
	}
	text := intro + ".\n\n" + fmt.Sprintf(t.PayHere, v.URL) + "\n\n" + until
	if reference != "" {
		text += "\n" + reference
	}
	text += "\n\n" + t.NotExpected + "\n"
	return mail.Message{ID: id.New("msg"), To: l.Email, Subject: subject, Text: text, HTML: html.String(), CreatedAt: now}, nil
}

// ErrLinkProofNeeded: an OTP-gated link shows its full object only to proof of its email.
var ErrLinkProofNeeded = errors.New("this link is OTP-gated: send Authorization: Bearer with the token of PUT /payment-links/otp for its email")

// readLink reads a link of any org (its id is the customer's capability), as it stands now.
func (a *App) readLink(ctx context.Context, linkID string) (link.Link, error) {
	var l link.Link
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		l, err = tx.GetLink(ctx, linkID, false)
		return mapNotFound(err, "payment link")
	})
	return a.currentStatus(l), err
}

// open reports whether proof may see a link's full object: a direct or pre-verified link, or a
// gated one with a payment-link token of its email or a key of its org.
func (p LinkProof) open(l link.Link) bool {
	return !l.OTPRequired || l.PreVerified || p.allows(l)
}

// GetLink reads a link for anyone holding its id: the full object, or ErrLinkProofNeeded for an
// OTP-gated link without proof.
func (a *App) GetLink(ctx context.Context, linkID string, proof LinkProof) (LinkView, error) {
	l, err := a.readLink(ctx, linkID)
	if err != nil {
		return LinkView{}, err
	}
	if !proof.open(l) {
		return LinkView{}, ErrLinkProofNeeded
	}
	return a.viewLink(l), nil
}

// currentStatus shows a link past its expiry as expired even before the job marked it.
func (a *App) currentStatus(l link.Link) link.Link {
	if l.Usable(a.now()) == string(link.Expired) {
		l.Status = link.Expired
	}
	return l
}

// LinkProof is what a caller showed to see an OTP-gated link: a payment-link token's email,
// or an API key.
type LinkProof struct {
	Email string
	Key   *org.APIKey
}

func (p LinkProof) allows(l link.Link) bool {
	if p.Email != "" && p.Email == l.Email {
		return true
	}
	return p.Key != nil && (p.Key.Role == org.RoleInternalAdmin || p.Key.Scope == l.Scope)
}

// LinkValidity answers POST /payment-links/verify.
type LinkValidity struct {
	Valid  bool   `json:"valid"`
	Reason string `json:"reason,omitempty" enum:"expired,revoked,paid" doc:"Why the link cannot be used."`
	// Link is the full object, or null for an OTP-gated link without proof.
	Link *LinkView `json:"link"`
}

// VerifyLink says whether a link can be used now (not expired, revoked or paid).
func (a *App) VerifyLink(ctx context.Context, linkID string, proof LinkProof) (LinkValidity, error) {
	l, err := a.readLink(ctx, linkID)
	if err != nil {
		return LinkValidity{}, err
	}
	out := LinkValidity{Valid: l.Status == link.Active}
	if !out.Valid {
		out.Reason = string(l.Status)
	}
	if proof.open(l) {
		v := a.viewLink(l)
		out.Link = &v
	}
	return out, nil
}

// RevokeLinks revokes one link (linkID), or every active link of an email in the org, or the
// one link if it belongs to that email (both given). It answers the revoked links.
func (a *App) RevokeLinks(ctx context.Context, key org.APIKey, linkID, email string) ([]LinkView, error) {
	return a.revokeLinks(ctx, key, linkID, email, nil)
}

// revokeLinks is RevokeLinks; then, when set, runs last in its transaction with the revoked
// links (the dashboard audits there).
func (a *App) revokeLinks(ctx context.Context, key org.APIKey, linkID, email string, then func(ctx context.Context, tx store.Tx, revoked []LinkView) error) ([]LinkView, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if linkID == "" && email == "" {
		return nil, invalid("email", "give a link id in the path, an email in the body, or both")
	}
	var out []LinkView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		now := a.now()
		var ls []link.Link
		if linkID != "" {
			l, err := tx.GetLink(ctx, linkID, true)
			if err != nil {
				return mapNotFound(err, "payment link")
			}
			if _, err := linkScope(key, l.Scope.OrgID); err != nil || l.Scope.Mode != key.Scope.Mode {
				return notFound("payment link")
			}
			if email != "" && l.Email != email {
				return &Error{Kind: NotFound, Field: "email", Code: "not_found", Message: "the link does not belong to this email"}
			}
			if l.Status != link.Active {
				return &Error{Kind: Conflict, Code: "not_active", Message: "the link is already " + string(l.Status)}
			}
			ls = []link.Link{l}
		} else {
			var err error
			if ls, err = tx.ActiveLinksOfEmail(ctx, &key.Scope, email, now, true); err != nil {
				return err
			}
		}
		for _, l := range ls {
			l.Status, l.UpdatedAt = link.Revoked, now
			if err := tx.UpdateLink(ctx, l); err != nil {
				return err
			}
			v := a.viewLink(l)
			if err := a.recordEvent(ctx, tx, l.Scope, LinkRevoked, l.ID, v, now); err != nil {
				return err
			}
			// One entry per link revoked (an email's links go in one request).
			if err := a.auditTx(ctx, tx, l.Scope.OrgID, l.Scope.Mode, string(LinkRevoked), "payment_link", l.ID, ""); err != nil {
				return err
			}
			out = append(out, v)
		}
		if then != nil {
			return then(ctx, tx, out)
		}
		return nil
	})
	return out, err
}

// ListLinks lists an org's links, newest first, with the total that match.
func (a *App) ListLinks(ctx context.Context, key org.APIKey, orgID string, f store.LinkFilter) (items []LinkView, total int64, next string, err error) {
	scope, err := linkScope(key, orgID)
	if err != nil {
		return nil, 0, "", err
	}
	f.Email = strings.ToLower(strings.TrimSpace(f.Email))
	limit := f.Limit
	f.Limit = limit + 1
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		ls, n, err := tx.ListLinks(ctx, scope, f)
		if err != nil {
			return err
		}
		total = n
		items, next = pageOf(ls, limit, func(l link.Link) string { return l.ID }, a.viewLink)
		return nil
	})
	return items, total, next, err
}

// ErrLinkCode is the one answer to a wrong, expired or used-up link code: it says nothing about
// whether the email has links.
var ErrLinkCode = errors.New("the code is not valid; ask for a new one")

func linkSubject(email string) string { return "link:" + strings.ToLower(strings.TrimSpace(email)) }

// SendLinkCode emails a code to the address, if it has an active link, under the portal's
// code rules. The answer is the same either way (nil), so nobody can probe for customers;
// only the rate limits answer differently, and they count requests, not customers.
func (a *App) SendLinkCode(ctx context.Context, email, ip string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if checkEmail(email) != nil || email == "" {
		return invalid("email", "email must be a plain address such as ada@example.com")
	}
	now := a.now()
	subject := linkSubject(email)
	code := otp.Generate()
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		_, byIP, err := tx.CountOTPs(ctx, "", ip, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if byIP >= otp.PerIPPerHour {
			return ErrCodeLimit
		}
		if last, err := tx.LatestOTP(ctx, subject, false); err == nil && now.Sub(last.CreatedAt) < otp.ResendCooldown {
			return nil // a code is on its way; the same answer as a send
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		links, err := tx.ActiveLinksOfEmail(ctx, nil, email, now, false)
		if err != nil || len(links) == 0 {
			// Counted against the IP like a real send, so probing costs the same.
			if err == nil {
				err = tx.InsertOTP(ctx, otp.Code{ID: id.New("otp"), Subject: "probe:" + subject, IP: ip,
					CodeHash: "-", ExpiresAt: now, CreatedAt: now})
			}
			return err
		}
		byEmail, _, err := tx.CountOTPs(ctx, subject, "", now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if byEmail >= otp.PerRecipientPerHour {
			return nil
		}
		o, err := tx.GetOrg(ctx, links[0].Scope.OrgID)
		if err != nil {
			return err
		}
		c := otp.Code{ID: id.New("otp"), Subject: subject, RecipientID: subject, IP: ip,
			CodeHash: a.codeHash(subject, code), ExpiresAt: now.Add(otp.TTL), CreatedAt: now}
		if err := tx.InsertOTP(ctx, c); err != nil {
			return err
		}
		return a.enqueueCodeEmail(ctx, tx, o.Name, email, code, now)
	})
}

// checkLinkCodeTx checks and uses up an email's latest link code; five wrong tries lock it.
func (a *App) checkLinkCodeTx(ctx context.Context, tx store.Tx, email, code string) error {
	subject := linkSubject(email)
	c, err := tx.LatestOTP(ctx, subject, true)
	if errors.Is(err, store.ErrNotFound) {
		return ErrLinkCode
	}
	if err != nil {
		return err
	}
	now := a.now()
	if c.ConsumedAt != nil || !now.Before(c.ExpiresAt) || c.Attempts >= otp.MaxAttempts {
		return ErrLinkCode
	}
	if !otp.Equal(c.CodeHash, a.codeHash(subject, strings.TrimSpace(code))) {
		if err := tx.RecordOTPAttempt(ctx, c.ID); err != nil {
			return err
		}
		return ErrLinkCode
	}
	return tx.ConsumeOTP(ctx, c.ID, now)
}

// LinkToken is the answer of PUT /payment-links/otp.
type LinkToken struct {
	Token     string    `json:"token" doc:"A JWT (EdDSA, verifiable from /.well-known/jwks.json) with type \"payment_link\"; send it as Authorization: Bearer to see and pay this email's links."`
	ExpiresAt time.Time `json:"expires_at"`
}

// LinkClaims are the claims of a payment-link token.
type LinkClaims struct {
	Sub  string `json:"sub" doc:"The verified email."`
	Type string `json:"type"`
	Iat  int64  `json:"iat"`
	Exp  int64  `json:"exp"`
	Jti  string `json:"jti"`
	Iss  string `json:"iss"`
	Aud  string `json:"aud"`
}

// VerifyLinkCode checks an emailed code and answers a payment-link token for the email, valid
// 24 hours (seed 002). A wrong code counts as an attempt even though the answer is an error.
func (a *App) VerifyLinkCode(ctx context.Context, email, code string) (LinkToken, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var result error
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		result = a.checkLinkCodeTx(ctx, tx, email, code)
		if errors.Is(result, ErrLinkCode) {
			return nil // commit the counted attempt
		}
		return result
	})
	if err != nil {
		return LinkToken{}, err
	}
	if result != nil {
		return LinkToken{}, result
	}
	return a.linkToken(ctx, email)
}

func (a *App) linkToken(ctx context.Context, email string) (LinkToken, error) {
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return LinkToken{}, err
	}
	now := a.now().Truncate(time.Second)
	exp := now.Add(LinkTokenLifetime)
	token, err := set.Sign(LinkClaims{Sub: email, Type: "payment_link", Iat: now.Unix(), Exp: exp.Unix(), Jti: id.New("plt"),
		Iss: a.PublicURL, Aud: LinkTokenAudience})
	return LinkToken{Token: token, ExpiresAt: exp}, err
}

// LinkTokenEmail verifies a payment-link token and answers its email ("" when not valid).
func (a *App) LinkTokenEmail(ctx context.Context, token string) string {
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return ""
	}
	var c LinkClaims
	if set.Verify(token, &c) != nil || c.Type != "payment_link" || c.Aud != LinkTokenAudience || a.now().Unix() >= c.Exp {
		return ""
	}
	return c.Sub
}

// DispatchReminders emails a reminder, once, for every active link whose scheduled_at falls in
// [from, from+period): the window's reminders are recorded in one statement whose unique key
// makes a second or concurrent call of the same window send nothing again. The emails go out
// through jobs queued in the same transaction, one per 1,000 links.
func (a *App) DispatchReminders(ctx context.Context, from time.Time, period time.Duration) (int, error) {
	if period <= 0 || period > 31*24*time.Hour {
		return 0, invalid("period", "period must be between 1 and 744 hours")
	}
	from = from.UTC()
	n := 0
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		ids, err := tx.ClaimReminders(ctx, from, from.Add(period), a.now())
		if err != nil {
			return err
		}
		n = len(ids)
		for start := 0; start < len(ids); start += 1000 {
			if err := a.enqueue(ctx, tx, RemindLinksArgs{LinkIDs: ids[start:min(start+1000, len(ids))]}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// RemindLinksArgs is the job that turns a batch of claimed reminders into emails.
type RemindLinksArgs struct {
	LinkIDs []string `json:"link_ids"`
}

// Kind implements river.JobArgs.
func (RemindLinksArgs) Kind() string { return "payment_link_remind" }

type remindLinksWorker struct {
	river.WorkerDefaults[RemindLinksArgs]
	app *App
}

// Work queues one email per link in one transaction, so a retried job queues them once.
func (w *remindLinksWorker) Work(ctx context.Context, job *river.Job[RemindLinksArgs]) error {
	a := w.app
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		ls, err := tx.LinksByID(ctx, job.Args.LinkIDs)
		if err != nil {
			return err
		}
		now := a.now()
		orgs := map[string]org.Org{}
		for _, l := range ls {
			if l.Usable(now) != "" {
				continue
			}
			o, ok := orgs[l.Scope.OrgID]
			if !ok {
				if o, err = tx.GetOrg(ctx, l.Scope.OrgID); err != nil {
					return err
				}
				orgs[l.Scope.OrgID] = o
			}
			msg, err := a.linkEmail(l, o, true, now)
			if err != nil {
				return err
			}
			if err := a.enqueue(ctx, tx, SendEmailArgs{Message: msg}, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// remindLinksPeriodicArgs is Payport's own scheduler of reminders: each run reminds the
// customers of links scheduled (and so first emailed) a day before, in the window of that
// length the run falls in, if the link is still unpaid. Runs twice in one window (a restart)
// send nothing twice.
type remindLinksPeriodicArgs struct{}

// Kind implements river.JobArgs.
func (remindLinksPeriodicArgs) Kind() string { return "payment_link_reminders" }

type remindLinksPeriodicWorker struct {
	river.WorkerDefaults[remindLinksPeriodicArgs]
	app *App
}

func (w *remindLinksPeriodicWorker) Work(ctx context.Context, job *river.Job[remindLinksPeriodicArgs]) error {
	every := w.app.linkRemindersEvery()
	n, err := w.app.DispatchReminders(ctx, w.app.now().Truncate(every).Add(-LinkReminderAfter), every)
	if n > 0 {
		w.app.Log.Info("payment link reminders dispatched", "count", n)
	}
	return err
}

// ExpireLinks marks active links past their expiry expired, recording payment_link.expired.
func (a *App) ExpireLinks(ctx context.Context) (int, error) {
	n := 0
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		now := a.now()
		ls, err := tx.LinksDueToExpire(ctx, now, 1000)
		if err != nil {
			return err
		}
		for _, l := range ls {
			l.Status, l.UpdatedAt = link.Expired, now
			if err := tx.UpdateLink(ctx, l); err != nil {
				return err
			}
			if err := a.recordEvent(ctx, tx, l.Scope, LinkExpired, l.ID, a.viewLink(l), now); err != nil {
				return err
			}
		}
		n = len(ls)
		return nil
	})
	return n, err
}

type expireLinksArgs struct{}

// Kind implements river.JobArgs.
func (expireLinksArgs) Kind() string { return "payment_links_expire" }

type expireLinksWorker struct {
	river.WorkerDefaults[expireLinksArgs]
	app *App
}

func (w *expireLinksWorker) Work(ctx context.Context, job *river.Job[expireLinksArgs]) error {
	_, err := w.app.ExpireLinks(ctx)
	return err
}

// LinkPage is what the page of a link shows.
type LinkPage struct {
	Link LinkView
	Org  org.Org
	// Closed says why the link cannot be paid ("" when it can).
	Closed string
	// NeedsCode is set for an OTP-gated link whose email was not proven yet.
	NeedsCode bool
}

// OpenLink loads a link's page for a visitor who proved email (maybe "").
func (a *App) OpenLink(ctx context.Context, linkID, email string) (LinkPage, error) {
	var p LinkPage
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		l, err := tx.GetLink(ctx, linkID, false)
		if err != nil {
			return mapNotFound(err, "payment link")
		}
		if p.Org, err = tx.GetOrg(ctx, l.Scope.OrgID); err != nil {
			return err
		}
		p.Closed = l.Usable(a.now())
		p.NeedsCode = l.OTPRequired && !l.PreVerified && email != l.Email
		p.Link = a.viewLink(a.currentStatus(l))
		return nil
	})
	return p, err
}

// PayLink starts paying a link: the payin of its transaction_id, or a new payin for the link's
// amount (or the amount the customer entered when the link has none). A link already being
// paid answers its payin again, so a double submit makes one payment. The answer is the payin,
// whose checkout (/checkout/{id}) takes the money; its success marks the link paid.
func (a *App) PayLink(ctx context.Context, linkID, email, amount string) (PaymentView, error) {
	var v PaymentView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		l, err := tx.GetLink(ctx, linkID, true)
		if err != nil {
			return mapNotFound(err, "payment link")
		}
		now := a.now()
		if why := l.Usable(now); why != "" {
			return &Error{Kind: Conflict, Code: "link_" + why, Message: "this link is " + why}
		}
		if l.OTPRequired && !l.PreVerified && email != l.Email {
			return &Error{Kind: Forbidden, Code: "otp_required", Message: "verify the emailed code first"}
		}
		if l.PaymentID != "" {
			p, err := tx.GetPayment(ctx, l.Scope, l.PaymentID, false)
			if err != nil {
				return err
			}
			if p.Status == payment.Pending || p.Status == payment.Processing || p.Status == payment.Succeeded {
				v = a.viewPayment(p)
				return nil
			}
		}
		cur := l.Currency
		if cur == "" {
			return invalid("currency", "this link names no currency; the org must create it with one")
		}
		c, _ := money.LookupCurrency(cur)
		minor := int64(0)
		if l.Amount != nil {
			minor = *l.Amount
		} else {
			if minor, err = money.ParseDecimal(strings.TrimSpace(amount), c); err != nil || minor <= 0 {
				ten, _ := money.ParseDecimal("10", c)
				return invalid("amount", "enter an amount such as %s", money.Format(ten, c))
			}
		}
		p := payment.Payment{ID: id.New("pay"), Scope: l.Scope, Type: payment.Payin, Status: payment.Pending, Amount: minor,
			Currency: cur, Source: payment.SourceAPI, Description: l.Reference, Metadata: l.Metadata, CustomerID: l.Email,
			CreatedAt: now, UpdatedAt: now}
		exp := l.ExpiresAt
		p.ExpiresAt = &exp
		if err := tx.InsertPayment(ctx, p); err != nil {
			return err
		}
		if err := tx.InsertTransition(ctx, payment.Transition{ID: id.New("ptr"), PaymentID: p.ID, To: payment.Pending,
			Reason: "payment link " + l.ID, CreatedAt: now}); err != nil {
			return err
		}
		v = a.viewPayment(p)
		if err := a.recordEvent(ctx, tx, l.Scope, PaymentCreated, p.ID, v, now); err != nil {
			return err
		}
		l.PaymentID, l.UpdatedAt = p.ID, now
		return tx.UpdateLink(ctx, l)
	})
	return v, err
}

// markLinkPaidTx marks the link a succeeded payin paid, if there is one.
func (a *App) markLinkPaidTx(ctx context.Context, tx store.Tx, p payment.Payment, now time.Time) error {
	l, err := tx.LinkOfPayment(ctx, p.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil || l.Status == link.Paid {
		return err
	}
	l.Status, l.PaymentID, l.UpdatedAt = link.Paid, p.ID, now
	if err := tx.UpdateLink(ctx, l); err != nil {
		return err
	}
	return a.recordEvent(ctx, tx, l.Scope, LinkPaid, l.ID, a.viewLink(l), now)
}
