package app

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/otp"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/texts"
)

// Why a sign-in or a link was refused. They name no account: the same words whether or not
// the email exists.
var (
	ErrSignInFailed = errors.New("the email or the password is not right")
	ErrSignInLocked = errors.New("too many failed sign-ins; wait 15 minutes and try again")
	ErrLinkInvalid  = errors.New("this link is not valid, was used already or has expired")
	ErrNoSession    = errors.New("no live dashboard session")
)

// Actor is who acts in the dashboard: a signed-in member, the org its session looks at, and
// where the request came from (for the audit log).
type Actor struct {
	MemberID  string
	Email     string
	Role      member.Role
	OrgID     string
	SessionID string
	IP        string
}

// forbidden is the error of an action the actor's role does not allow.
func forbidden(what string) *Error {
	return &Error{Kind: Forbidden, Message: what, Code: "forbidden"}
}

// canWrite refuses a read-only actor, or one whose session looks at no org.
func (ac Actor) canWrite() error {
	if !ac.Role.CanWrite() {
		return forbidden("a viewer cannot change anything")
	}
	if ac.OrgID == "" {
		return forbidden("choose an org first")
	}
	return nil
}

// CreateMember makes a member without a password and returns a single-use link (valid a day)
// that sets it: how the first operator is bootstrapped from the command line. orgID is
// required for org-admin and viewer, optional for internal-admin. The email of a member
// removed from its org brings that account back (as RejoinMember); an active one is refused.
func (a *App) CreateMember(ctx context.Context, email string, role member.Role, orgID string) (member.Member, string, error) {
	email, err := member.NormalizeEmail(email)
	if err != nil {
		return member.Member{}, "", invalid("email", "%s", err.Error())
	}
	if _, err := member.ParseRole(string(role)); err != nil {
		return member.Member{}, "", invalid("role", "%s", err.Error())
	}
	if orgID == "" && role != member.RoleInternalAdmin {
		return member.Member{}, "", invalid("org", "an %s belongs to an org: give its id", role)
	}
	now := a.now()
	m := member.Member{ID: id.New("mem"), OrgID: orgID, Email: email, Role: role, CreatedAt: now, UpdatedAt: now}
	secret, hash := member.NewToken()
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		if orgID != "" {
			if _, err := tx.GetOrg(ctx, orgID); err != nil {
				return mapNotFound(err, "org")
			}
		}
		// Without a password until the link sets one.
		exists := &Error{Kind: Conflict, Field: "email", Code: "member_exists", Message: "a member with this email exists already"}
		if err := joinMember(ctx, tx, &m, exists); err != nil {
			return err
		}
		return tx.InsertMemberToken(ctx, member.Token{ID: id.New("mtk"), Purpose: member.PurposePassword, Email: email,
			MemberID: m.ID, TokenHash: hash, ExpiresAt: now.Add(member.SetupTTL), CreatedAt: now})
	})
	if err != nil {
		return member.Member{}, "", err
	}
	return m, a.passwordURL(secret), nil
}

func (a *App) passwordURL(secret string) string {
	return strings.TrimRight(a.PublicURL, "/") + "/dashboard/password/" + url.PathEscape(secret)
}

// DemoMemberEmail is the demo org-admin `payport serve --demo` creates.
const DemoMemberEmail = "admin@demo.payport.invalid"

// EnsureDemoMember creates, once, an org-admin of the demo org with a random password, which
// is returned only the first time ("" afterwards: secrets are shown once).
func (a *App) EnsureDemoMember(ctx context.Context, orgID string) (email, password string, err error) {
	var exists bool
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		_, err := tx.MemberByEmail(ctx, DemoMemberEmail)
		exists = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil || exists {
		return DemoMemberEmail, "", err
	}
	secret, _ := member.NewToken()
	password = secret[:20]
	now := a.now()
	m := member.Member{ID: id.New("mem"), OrgID: orgID, Email: DemoMemberEmail, Role: member.RoleOrgAdmin,
		PasswordHash: member.HashPassword(password), CreatedAt: now, UpdatedAt: now}
	err = a.Store.InTx(ctx, func(tx store.Tx) error { return tx.InsertMember(ctx, m) })
	if errors.Is(err, store.ErrConflict) {
		// Another process made it first; its password was printed there.
		return DemoMemberEmail, "", nil
	}
	return DemoMemberEmail, password, err
}

// ErrTooManyRequests refuses a request that emails someone when the client's address made
// too many in the last hour. It is counted before anything is looked up, so it says nothing
// about the email asked for.
var ErrTooManyRequests = errors.New("too many requests from this address: wait an hour and try again")

// countAddressRequest reports whether a request of a kind from an address is within the
// hour's limit and, if so, counts it in tx. A refused request is not recorded (it writes
// nothing): the count stays at the limit until the oldest request is an hour old.
func (a *App) countAddressRequest(ctx context.Context, tx store.Tx, kind, ip string, limit int, now time.Time) (bool, error) {
	n, err := tx.CountAddressRequests(ctx, kind, ip, now.Add(-time.Hour))
	if err != nil || n >= limit {
		return false, err
	}
	return true, tx.InsertAddressRequest(ctx, id.New("adr"), kind, ip, now)
}

// InviteMember emails a single-use invitation (valid a week) to join the actor's org with a
// role. Only an admin invites, and only as org-admin or viewer.
//
// An account belongs to one org (the email is the sign-in name and a session looks at the
// member's org). Inviting an email that has an account elsewhere (another org, or an
// operator) answers and audits exactly as any invitation, so that the inviter learns
// nothing about other orgs; the email tells its owner, who knows already, that the account
// must be removed from its org first. An email that is a member of the actor's own org is
// refused (the Members page lists it anyway), and a removed member is invited as anyone.
// At most InvitesPerClientPerHour invitations are sent from one client address.
func (a *App) InviteMember(ctx context.Context, ac Actor, email string, role member.Role) error {
	if err := ac.canWrite(); err != nil {
		return err
	}
	email, err := member.NormalizeEmail(email)
	if err != nil {
		return invalid("email", "%s", err.Error())
	}
	if role != member.RoleOrgAdmin && role != member.RoleViewer {
		return invalid("role", "invite as %s or %s", member.RoleOrgAdmin, member.RoleViewer)
	}
	now := a.now()
	secret, hash := member.NewToken()
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		o, err := tx.GetOrg(ctx, ac.OrgID)
		if err != nil {
			return mapNotFound(err, "org")
		}
		taken := false
		if m, err := tx.MemberByEmail(ctx, email); err == nil && m.Active() {
			if m.OrgID == ac.OrgID {
				return &Error{Kind: Conflict, Field: "email", Code: "member_exists", Message: "this email is a member of this org already"}
			}
			taken = true
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if ok, err := a.countAddressRequest(ctx, tx, member.AddressRequestInvite, ac.IP, member.InvitesPerClientPerHour, now); err != nil {
			return err
		} else if !ok {
			return ErrTooManyRequests
		}
		t := texts.English.Email
		// The same token and audit entry whether or not the email is taken: the token of a
		// taken email is never sent, and expires unused.
		tk := member.Token{ID: id.New("mtk"), Purpose: member.PurposeInvite, OrgID: o.ID, Email: email, Role: role,
			TokenHash: hash, CreatedBy: ac.MemberID, ExpiresAt: now.Add(member.InviteTTL), CreatedAt: now}
		if err := tx.InsertMemberToken(ctx, tk); err != nil {
			return err
		}
		if taken {
			err = a.enqueueNoticeEmail(ctx, tx, email, fmt.Sprintf(t.InviteSubject, o.Name), fmt.Sprintf(t.InviteTaken, ac.Email, o.Name, role), now)
		} else {
			err = a.enqueueLinkEmail(ctx, tx, email, fmt.Sprintf(t.InviteSubject, o.Name),
				fmt.Sprintf(t.InviteIntro, ac.Email, o.Name, role), t.InviteButton, a.passwordURL(secret), tk.ExpiresAt, now)
		}
		if err != nil {
			return err
		}
		return a.audit(ctx, tx, ac, "member.invite", "invitation", tk.ID, email+" as "+string(role))
	})
}

var noticeEmail = template.Must(template.New("notice").Parse(`<!doctype html><html><body style="font-family:sans-serif">
<p>{{.}}</p></body></html>`))

// enqueueNoticeEmail queues an email of one paragraph and no link, in tx.
func (a *App) enqueueNoticeEmail(ctx context.Context, tx store.Tx, to, subject, text string, now time.Time) error {
	var html strings.Builder
	if err := noticeEmail.Execute(&html, text); err != nil {
		return err
	}
	msg := mail.Message{ID: id.New("msg"), To: to, Subject: subject, Text: text + "\n", HTML: html.String(), CreatedAt: now}
	return a.enqueue(ctx, tx, SendEmailArgs{Message: msg}, nil)
}

var linkEmail = template.Must(template.New("link").Parse(`<!doctype html><html><body style="font-family:sans-serif">
<p>{{.Intro}}</p><p><a href="{{.URL}}" style="display:inline-block;padding:12px 18px;background:#0b57d0;color:#fff;border-radius:6px;text-decoration:none">{{.Button}}</a></p>
<p>{{.Once}}</p></body></html>`))

// enqueueLinkEmail queues an email carrying a single-use dashboard link, in tx.
func (a *App) enqueueLinkEmail(ctx context.Context, tx store.Tx, to, subject, intro, button, link string, expires, now time.Time) error {
	t := texts.English.Email
	once := fmt.Sprintf(t.LinkOnce, expires.UTC().Format(t.DateLayout))
	var html strings.Builder
	if err := linkEmail.Execute(&html, map[string]string{"Intro": intro, "URL": link, "Button": button, "Once": once}); err != nil {
		return err
	}
	msg := mail.Message{ID: id.New("msg"), To: to, Subject: subject,
		Text: intro + "\n\n" + button + ": " + link + "\n\n" + once + "\n", HTML: html.String(), CreatedAt: now}
	return a.enqueue(ctx, tx, SendEmailArgs{Message: msg}, nil)
}

// PasswordLinkView is what the page of a single-use link shows before the password is set.
type PasswordLinkView struct {
	Email   string
	OrgName string
	Invite  bool
}

// PasswordLink checks a link without using it.
func (a *App) PasswordLink(ctx context.Context, secret string) (PasswordLinkView, error) {
	var v PasswordLinkView
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		tk, err := tx.MemberTokenByHash(ctx, member.HashToken(secret), false)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (tk.UsedAt != nil || !a.now().Before(tk.ExpiresAt))) {
			return ErrLinkInvalid
		}
		if err != nil {
			return err
		}
		v.Email, v.Invite = tk.Email, tk.Purpose == member.PurposeInvite
		v.OrgName, err = a.linkOrgName(ctx, tx, tk)
		return err
	})
	return v, err
}

// linkOrgName is the org a link is about, for the password rules and the page ("" for an
// operator of no org).
func (a *App) linkOrgName(ctx context.Context, tx store.Tx, tk member.Token) (string, error) {
	orgID := tk.OrgID
	if tk.MemberID != "" {
		m, err := tx.GetMember(ctx, tk.MemberID)
		if err != nil {
			return "", err
		}
		orgID = m.OrgID
	}
	if orgID == "" {
		return "", nil
	}
	o, err := tx.GetOrg(ctx, orgID)
	return o.Name, err
}

// UsePasswordLink sets a password through a single-use link: an invitation makes the member,
// a password link replaces the member's password and ends its sessions. The link is locked
// while it is used, so two submits cannot both use it.
func (a *App) UsePasswordLink(ctx context.Context, secret, password, ip string) error {
	// Hashing costs tens of milliseconds: done before the transaction, which holds a lock.
	hash := member.HashPassword(password)
	now := a.now()
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		tk, err := tx.MemberTokenByHash(ctx, member.HashToken(secret), true)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (tk.UsedAt != nil || !now.Before(tk.ExpiresAt))) {
			return ErrLinkInvalid
		}
		if err != nil {
			return err
		}
		orgName, err := a.linkOrgName(ctx, tx, tk)
		if err != nil {
			return err
		}
		if err := member.CheckPasswordRules(password, tk.Email, orgName); err != nil {
			return invalid("password", "%s", strings.TrimPrefix(err.Error(), member.ErrPassword.Error()+": "))
		}
		if err := tx.UseMemberToken(ctx, tk.ID, now); err != nil {
			return mapLinkUsed(err)
		}
		if tk.Purpose == member.PurposeInvite {
			m := member.Member{ID: id.New("mem"), OrgID: tk.OrgID, Email: tk.Email, Role: tk.Role, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
			// An active account cannot join a second org.
			exists := &Error{Kind: Conflict, Field: "email", Code: "member_exists", Message: "this email has a dashboard account already; sign in"}
			if err := joinMember(ctx, tx, &m, exists); err != nil {
				return err
			}
			return a.audit(ctx, tx, Actor{MemberID: m.ID, OrgID: m.OrgID, IP: ip}, "member.join", "member", m.ID, string(m.Role))
		}
		m, err := tx.GetMember(ctx, tk.MemberID)
		if err != nil {
			return err
		}
		if !m.Active() {
			return ErrLinkInvalid // a removed member's links are used up; this is a safeguard
		}
		if err := tx.SetMemberPassword(ctx, m.ID, hash, now); err != nil {
			return err
		}
		if err := tx.RevokeMemberSessions(ctx, m.ID, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, Actor{MemberID: m.ID, OrgID: m.OrgID, IP: ip}, "member.password_set", "member", m.ID, "")
	})
}

func mapLinkUsed(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrLinkInvalid
	}
	return err
}

// RequestPasswordReset emails a password link (valid an hour) if the email has an account,
// at most a few an hour; otherwise it does nothing. Either way the caller says the same: the
// dashboard runs this after answering, so that neither the answer nor its timing tells
// whether the account exists.
//
// Requests from one client address are counted whatever the email (ResetsPerClientPerHour):
// past the limit nothing is sent, and the caller still answers the same.
func (a *App) RequestPasswordReset(ctx context.Context, email, ip string) error {
	now := a.now()
	secret, hash := member.NewToken()
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if ok, err := a.countAddressRequest(ctx, tx, member.AddressRequestReset, ip, member.ResetsPerClientPerHour, now); err != nil || !ok {
			return err
		}
		email, err := member.NormalizeEmail(email)
		if err != nil {
			return nil
		}
		m, err := tx.MemberByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !m.Active()) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := tx.CountMemberTokens(ctx, member.PurposePassword, email, now.Add(-time.Hour))
		if err != nil || n >= member.ResetsPerHour {
			return err
		}
		tk := member.Token{ID: id.New("mtk"), Purpose: member.PurposePassword, Email: email, MemberID: m.ID,
			TokenHash: hash, ExpiresAt: now.Add(member.ResetTTL), CreatedAt: now}
		if err := tx.InsertMemberToken(ctx, tk); err != nil {
			return err
		}
		t := texts.English.Email
		return a.enqueueLinkEmail(ctx, tx, email, t.PasswordSubject, t.PasswordIntro, t.PasswordButton, a.passwordURL(secret), tk.ExpiresAt, now)
	})
}

// NewMemberSession is a session just made by a sign-in, with the cookie's secret (which
// exists only here).
type NewMemberSession struct {
	Session member.Session
	Secret  string
}

// SignIn checks an email and password and, when right, starts a session that waits for the
// emailed code. Failures count per email (existing or not) and per address; past the limits
// every attempt is refused for the rest of the window, right password or not. Each attempt
// is counted as a failure before its password is checked (and forgotten if it was right), so
// parallel guesses cannot all pass the count while the check runs. An unknown email costs
// one password check, like a known one. ErrCodeLimit comes with a session: the code could
// not be sent for the limits and may be asked for again later.
func (a *App) SignIn(ctx context.Context, email, password, ip, userAgent string) (NewMemberSession, error) {
	key := member.EmailKey(email)
	norm, _ := member.NormalizeEmail(email)
	now := a.now()
	var m member.Member
	var found, locked bool
	var attempt int
	failureID := id.New("sif")
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		byEmail, byIP, err := tx.CountSigninFailures(ctx, key, ip, now.Add(-member.FailureWindow))
		if err != nil {
			return err
		}
		if locked = byEmail >= member.MaxFailuresPerAccount || byIP >= member.MaxFailuresPerIP; locked {
			return nil
		}
		attempt = byEmail + 1
		if err := tx.InsertSigninFailure(ctx, failureID, key, ip, now); err != nil {
			return err
		}
		m, err = tx.MemberByEmail(ctx, norm)
		found = err == nil && m.Active()
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return NewMemberSession{}, err
	}
	if locked {
		return NewMemberSession{}, ErrSignInLocked
	}
	if len(password) > 4*member.MaxPasswordLen {
		password = password[:4*member.MaxPasswordLen] // bounds the work; such a password is wrong anyway
	}
	// Outside any transaction: the check costs tens of milliseconds by design.
	if !member.CheckPassword(m.PasswordHash, password) || !found {
		if attempt >= member.MaxFailuresPerAccount {
			return NewMemberSession{}, ErrSignInLocked
		}
		return NewMemberSession{}, ErrSignInFailed
	}
	secret, hash := member.NewToken()
	csrf, _ := member.NewToken()
	s := member.Session{ID: id.New("mss"), TokenHash: hash, MemberID: m.ID, OrgID: m.OrgID, CSRFToken: csrf, TwoFactorPending: true,
		IP: ip, UserAgent: truncate(userAgent, 200), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(member.SessionMax)}
	var codeErr error
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		codeErr = nil
		if s.OrgID == "" {
			// An operator of no org starts in the first org, if there is one.
			if orgs, err := tx.ListOrgs(ctx); err != nil {
				return err
			} else if len(orgs) > 0 {
				s.OrgID = orgs[0].ID
			}
		}
		if m.TOTPSecret != "" {
			// Only this attempt is forgotten: the wrong authenticator codes counted under the
			// same email must not be wiped by signing in with the password again.
			if err := tx.DeleteSigninFailure(ctx, failureID); err != nil {
				return err
			}
		} else if err := tx.ClearSigninFailures(ctx, key); err != nil {
			return err
		}
		if err := tx.InsertMemberSession(ctx, s); err != nil {
			return err
		}
		if m.TOTPSecret != "" {
			return nil // the authenticator app gives the code: none is emailed
		}
		if err := a.issueMemberCode(ctx, tx, s, m, ip, now); errors.Is(err, ErrCodeLimit) {
			codeErr = err
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return NewMemberSession{}, err
	}
	return NewMemberSession{Session: s, Secret: secret}, codeErr
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// issueMemberCode stores and emails a sign-in code for a session, within the limits of
// emailed codes (per member and per address, an hour).
func (a *App) issueMemberCode(ctx context.Context, tx store.Tx, s member.Session, m member.Member, ip string, now time.Time) error {
	subject := "member:" + s.ID
	byMember, byIP, err := tx.CountOTPs(ctx, m.ID, ip, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if byMember >= otp.PerRecipientPerHour || byIP >= otp.PerIPPerHour {
		return ErrCodeLimit
	}
	code := otp.Generate()
	c := otp.Code{ID: id.New("otp"), Subject: subject, RecipientID: m.ID, IP: ip, CodeHash: a.memberCodeHash(subject, code),
		ExpiresAt: now.Add(otp.TTL), CreatedAt: now}
	if err := tx.InsertOTP(ctx, c); err != nil {
		return err
	}
	return a.enqueueCodeEmail(ctx, tx, texts.English.Email.DashboardName, m.Email, code, now)
}

// memberCodeHash is the stored form of a sign-in code: keyed by the session's id, so a code
// is good for one session only. The Sealer's key is used when there is one.
func (a *App) memberCodeHash(subject, code string) string {
	if a.Sealer != nil {
		return a.codeHash(subject, code)
	}
	return member.HashToken("otp:" + subject + ":" + code)
}

// ResendMemberCode emails a new code for a session still waiting for one (one a minute).
func (a *App) ResendMemberCode(ctx context.Context, s member.Session, ip string) error {
	if !s.TwoFactorPending {
		return nil
	}
	now := a.now()
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if last, err := tx.LatestOTP(ctx, "member:"+s.ID, false); err == nil && now.Sub(last.CreatedAt) < otp.ResendCooldown {
			return ErrCodeCooldown
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		m, err := tx.GetMember(ctx, s.MemberID)
		if err != nil {
			return err
		}
		if m.TOTPSecret != "" {
			return nil // its authenticator app gives the code; none is emailed
		}
		return a.issueMemberCode(ctx, tx, s, m, ip, now)
	})
}

// VerifyMemberCode checks a session's emailed code; the right one completes the sign-in.
// The code's row is locked, so parallel guesses are counted one after the other; five wrong
// ones lock the code.
func (a *App) VerifyMemberCode(ctx context.Context, s member.Session, code, ip string) error {
	subject := "member:" + s.ID
	code = strings.TrimSpace(code)
	var result error
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		m, err := tx.GetMember(ctx, s.MemberID)
		if err != nil {
			return err
		}
		detail := "emailed code"
		if m.TOTPSecret != "" {
			detail = "authenticator app"
			result, err = a.verifyTOTP(ctx, tx, m, code, ip, a.now())
		} else {
			result, err = a.checkCode(ctx, tx, subject, a.memberCodeHash(subject, code))
		}
		if err != nil || result != nil {
			return err // a wrong code commits: the attempt counts
		}
		if err := tx.ClearMemberTwoFactor(ctx, s.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, Actor{MemberID: s.MemberID, OrgID: s.OrgID, IP: ip}, "member.sign_in", "session", s.ID, detail)
	})
	if err != nil {
		return err
	}
	return result
}

// MemberSession finds the live session of a cookie's secret and its member, and records its
// use (at most once a minute). ErrNoSession when there is none: unknown, revoked, idle too
// long or past its absolute end.
func (a *App) MemberSession(ctx context.Context, secret string) (member.Session, member.Member, error) {
	var s member.Session
	var m member.Member
	now := a.now()
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		if s, err = tx.MemberSessionByHash(ctx, member.HashToken(secret)); err != nil {
			return err
		}
		m, err = tx.GetMember(ctx, s.MemberID)
		return err
	})
	// A removed member's sessions were revoked with it; its row is checked as well.
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!s.Live(now) || !m.Active())) {
		return member.Session{}, member.Member{}, ErrNoSession
	}
	if err != nil {
		return s, m, err
	}
	if now.Sub(s.LastSeenAt) >= member.TouchEvery {
		if err := a.Store.InTxRelaxed(ctx, func(tx store.Tx) error { return tx.TouchMemberSession(ctx, s.ID, now) }); err != nil {
			a.Log.Warn("record session use", "err", err)
		}
		s.LastSeenAt = now
	}
	return s, m, nil
}

// SignOut ends the actor's own session.
func (a *App) SignOut(ctx context.Context, ac Actor) error {
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.RevokeMemberSession(ctx, ac.MemberID, ac.SessionID, a.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return a.audit(ctx, tx, ac, "member.sign_out", "session", ac.SessionID, "")
	})
}

// ListMemberSessions lists the actor's own live sessions, newest first.
func (a *App) ListMemberSessions(ctx context.Context, ac Actor) ([]member.Session, error) {
	var out []member.Session
	now := a.now()
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		all, err := tx.ListMemberSessions(ctx, ac.MemberID, now)
		for _, s := range all {
			if s.Live(now) {
				out = append(out, s)
			}
		}
		return err
	})
	return out, err
}

// RevokeMemberSession ends one of the actor's own sessions (a viewer may too: it changes
// nothing of the org's). Another member's session is not found.
func (a *App) RevokeMemberSession(ctx context.Context, ac Actor, sessionID string) error {
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.RevokeMemberSession(ctx, ac.MemberID, sessionID, a.now()); err != nil {
			return mapNotFound(err, "session")
		}
		return a.audit(ctx, tx, ac, "session.revoke", "session", sessionID, "")
	})
}

// ErrLastOrgAdmin refuses a change that would leave an org without an org-admin.
var ErrLastOrgAdmin = &Error{Kind: Conflict, Field: "member", Code: "last_org_admin",
	Message: "an org keeps at least one org-admin: make another member org-admin first"}

// changeMember runs a change of a member of the actor's org in one transaction, with the
// org's members locked: the target (another org's member is not found), and whether it is
// the org's only org-admin. Internal-admins are managed from the command line.
func (a *App) changeMember(ctx context.Context, ac Actor, memberID string, change func(tx store.Tx, target member.Member, lastAdmin bool) error) error {
	if err := ac.canWrite(); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		ms, err := tx.LockOrgMembers(ctx, ac.OrgID)
		if err != nil {
			return err
		}
		var target *member.Member
		admins := 0
		for i, m := range ms {
			if m.Role == member.RoleOrgAdmin {
				admins++
			}
			if m.ID == memberID {
				target = &ms[i]
			}
		}
		if target == nil {
			return notFound("member")
		}
		if target.Role == member.RoleInternalAdmin {
			return &Error{Kind: Invalid, Field: "member", Code: "validation_failed", Message: "an internal-admin is changed with the payport user command"}
		}
		return change(tx, *target, target.Role == member.RoleOrgAdmin && admins == 1)
	})
}

// ChangeMemberRole makes a member of the actor's org an org-admin or a viewer. The last
// org-admin of an org stays one. The new role applies to the member's next request (a
// session's role is read from the member each time).
func (a *App) ChangeMemberRole(ctx context.Context, ac Actor, memberID string, role member.Role) error {
	if role != member.RoleOrgAdmin && role != member.RoleViewer {
		return invalid("role", "the role must be %s or %s", member.RoleOrgAdmin, member.RoleViewer)
	}
	return a.changeMember(ctx, ac, memberID, func(tx store.Tx, m member.Member, lastAdmin bool) error {
		if m.Role == role {
			return nil // nothing changes, nothing to audit
		}
		if lastAdmin {
			return ErrLastOrgAdmin
		}
		if err := tx.SetMemberRole(ctx, ac.OrgID, m.ID, role, a.now()); err != nil {
			return mapNotFound(err, "member")
		}
		return a.audit(ctx, tx, ac, "member.role", "member", m.ID, m.Email+": "+string(m.Role)+" -> "+string(role))
	})
}

// RemoveMember removes a member from the actor's org: its sessions end at once and its
// unused links stop working; its row stays (marked removed) so that the audit log still
// names it. The last org-admin of an org cannot be removed.
func (a *App) RemoveMember(ctx context.Context, ac Actor, memberID string) error {
	return a.changeMember(ctx, ac, memberID, func(tx store.Tx, m member.Member, lastAdmin bool) error {
		if lastAdmin {
			return ErrLastOrgAdmin
		}
		if err := tx.RemoveMember(ctx, ac.OrgID, m.ID, a.now()); err != nil {
			return mapNotFound(err, "member")
		}
		return a.audit(ctx, tx, ac, "member.remove", "member", m.ID, m.Email+" ("+string(m.Role)+")")
	})
}

// joinMember writes m as a new member of its org. A member removed from an org earlier gets
// its row back (its id names it in the audit log, so m takes that id); an active member with
// the email, or one created meanwhile, is refused with exists.
func joinMember(ctx context.Context, tx store.Tx, m *member.Member, exists error) error {
	prev, err := tx.MemberByEmail(ctx, m.Email)
	switch {
	case err == nil && prev.Active():
		return exists
	case err == nil:
		m.ID, m.CreatedAt = prev.ID, prev.CreatedAt
		err = tx.RejoinMember(ctx, *m)
	case errors.Is(err, store.ErrNotFound):
		err = tx.InsertMember(ctx, *m)
	}
	if errors.Is(err, store.ErrConflict) {
		return exists
	}
	return err
}
