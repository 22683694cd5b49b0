package app

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/otp"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/texts"
)

// Why an emailed code was not accepted or not sent. The messages say nothing about other
// accounts.
var (
	ErrCodeCooldown = errors.New("a code was sent less than a minute ago; check your email or try again shortly")
	ErrCodeLimit    = errors.New("too many codes were requested; try again later")
	ErrCodeWrong    = errors.New("that code is not right; check the latest email and try again")
	ErrCodeExpired  = errors.New("that code has expired; ask for a new one")
	ErrCodeLocked   = errors.New("too many wrong codes; ask for a new one")
)

// SendEmailArgs is the job that delivers one email (retried with back-off on failure).
type SendEmailArgs struct {
	Message mail.Message `json:"message"`
}

// Kind implements river.JobArgs.
func (SendEmailArgs) Kind() string { return "email_send" }

type sendEmailWorker struct {
	river.WorkerDefaults[SendEmailArgs]
	app *App
}

func (w *sendEmailWorker) Work(ctx context.Context, job *river.Job[SendEmailArgs]) error {
	return w.app.mailer().Send(ctx, job.Args.Message)
}

// outboxMailer is the development mailer: it keeps messages in the database (idempotent by
// message id) and logs them, for /dev/outbox.
type outboxMailer struct{ a *App }

func (o outboxMailer) Send(ctx context.Context, m mail.Message) error {
	o.a.Log.Info("email kept in the development outbox", "to", m.To, "subject", m.Subject, "id", m.ID)
	return o.a.Store.InTx(ctx, func(tx store.Tx) error { return tx.InsertMail(ctx, m) })
}

// mailer is the configured mailer, or the development outbox.
func (a *App) mailer() mail.Mailer {
	if a.Mailer != nil {
		return a.Mailer
	}
	return outboxMailer{a}
}

// UsesOutbox reports whether mail goes to the development outbox (which /dev/outbox shows).
func (a *App) UsesOutbox() bool { return a.Mailer == nil }

// Outbox lists the newest messages of the development outbox.
func (a *App) Outbox(ctx context.Context, limit int) ([]mail.Message, error) {
	var out []mail.Message
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListMail(ctx, limit)
		return err
	})
	return out, err
}

var codeEmail = template.Must(template.New("code").Parse(`<!doctype html><html><body style="font-family:sans-serif">
<p>{{.Intro}}:</p><p style="font-size:28px;font-weight:700;letter-spacing:4px">{{.Code}}</p>
<p>{{.Footer}}</p></body></html>`))

// SendPortalCode emails a new code to the recipient of a portal session, within the limits:
// one a minute per session, a few an hour per recipient and per IP address (counted in the
// database, so every process sees them).
func (a *App) SendPortalCode(ctx context.Context, s store.PortalSession, ip string) error {
	now := a.now()
	subject := "portal:" + s.TokenHash
	code := otp.Generate()
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if last, err := tx.LatestOTP(ctx, subject, false); err == nil && now.Sub(last.CreatedAt) < otp.ResendCooldown {
			return ErrCodeCooldown
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		byRecipient, byIP, err := tx.CountOTPs(ctx, s.RecipientID, ip, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if byRecipient >= otp.PerRecipientPerHour || byIP >= otp.PerIPPerHour {
			return ErrCodeLimit
		}
		r, err := tx.GetRecipient(ctx, s.Scope, s.RecipientID)
		if err != nil {
			return err
		}
		o, err := tx.GetOrg(ctx, s.Scope.OrgID)
		if err != nil {
			return err
		}
		c := otp.Code{ID: id.New("otp"), Subject: subject, RecipientID: s.RecipientID, IP: ip,
			CodeHash: a.codeHash(subject, code), ExpiresAt: now.Add(otp.TTL), CreatedAt: now}
		if err := tx.InsertOTP(ctx, c); err != nil {
			return err
		}
		return a.enqueueCodeEmail(ctx, tx, o.Name, r.Email, code, now)
	})
}

// enqueueCodeEmail queues the email carrying a one-time code (HTML and text), in tx. Its words
// come from the text catalogue (internal/texts).
func (a *App) enqueueCodeEmail(ctx context.Context, tx store.Tx, orgName, to, code string, now time.Time) error {
	t := texts.English.Email
	intro := fmt.Sprintf(t.CodeIntro, orgName)
	var html strings.Builder
	if err := codeEmail.Execute(&html, map[string]string{"Intro": intro, "Code": code, "Footer": t.CodeFooter}); err != nil {
		return err
	}
	msg := mail.Message{ID: id.New("msg"), To: to, Subject: fmt.Sprintf(t.CodeSubject, code, orgName),
		Text: intro + " " + code + ".\n\n" + t.CodeFooter + "\n", HTML: html.String(), CreatedAt: now}
	return a.enqueue(ctx, tx, SendEmailArgs{Message: msg}, nil)
}

func (a *App) codeHash(subject, code string) string {
	return a.Sealer.Fingerprint([]byte("otp:" + subject + ":" + code))
}

// VerifyPortalCode checks a code for a portal session; the right one clears the session's
// two-factor step. Five wrong attempts lock the code.
func (a *App) VerifyPortalCode(ctx context.Context, s store.PortalSession, code string) error {
	subject := "portal:" + s.TokenHash
	code = strings.TrimSpace(code)
	var result error
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if result, err = a.checkCode(ctx, tx, subject, a.codeHash(subject, code)); err != nil || result != nil {
			return err // a wrong code commits: the attempt counts
		}
		return tx.ClearTwoFactor(ctx, s.TokenHash)
	})
	if err != nil {
		return err
	}
	return result
}

// checkCode checks a code's hash against subject's latest code, its row locked (parallel
// guesses would otherwise all read the same attempt count). A wrong one counts an attempt and
// the fifth locks the code; the right one is consumed. outcome is nil when the code was right,
// else why not; err is a storage failure.
func (a *App) checkCode(ctx context.Context, tx store.Tx, subject, codeHash string) (outcome error, err error) {
	c, err := tx.LatestOTP(ctx, subject, true)
	if errors.Is(err, store.ErrNotFound) {
		return ErrCodeExpired, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case c.ConsumedAt != nil || !a.now().Before(c.ExpiresAt):
		return ErrCodeExpired, nil
	case c.Attempts >= otp.MaxAttempts:
		return ErrCodeLocked, nil
	}
	if !otp.Equal(c.CodeHash, codeHash) {
		outcome = ErrCodeWrong
		if c.Attempts+1 >= otp.MaxAttempts {
			outcome = ErrCodeLocked
		}
		return outcome, tx.RecordOTPAttempt(ctx, c.ID)
	}
	return nil, tx.ConsumeOTP(ctx, c.ID, a.now())
}

// CodeProblem says in the catalogue's words why an emailed code was not accepted or not sent
// (portal and dashboard alike); "" for an error that is not about the code.
func CodeProblem(t *texts.Texts, err error) string {
	switch {
	case errors.Is(err, ErrCodeCooldown):
		return t.CodeCooldown
	case errors.Is(err, ErrCodeLimit):
		return t.CodeLimit
	case errors.Is(err, ErrCodeWrong):
		return t.CodeWrong
	case errors.Is(err, ErrCodeExpired):
		return t.CodeExpired
	case errors.Is(err, ErrCodeLocked):
		return t.CodeLocked
	}
	return ""
}
