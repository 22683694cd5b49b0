package app

import (
	"context"
	"errors"
	"time"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store"
)

// An authenticator app (TOTP, RFC 6238) as a member's optional second factor. Once it is on,
// sign-in asks for its code instead of emailing one: the email is then no longer enough to
// sign in with a stolen password. A member who lost the app is removed and invited again by
// an org-admin (which starts without an app).

// TOTPIssuer names Payport in authenticator apps.
const TOTPIssuer = "Payport"

// ErrTOTPWrong refuses an authenticator code that is not the current one (or was used).
var ErrTOTPWrong = &Error{Kind: Invalid, Field: "code", Code: "validation_failed", Message: "that is not the code your authenticator app shows now"}

// TOTPSetup is what a member needs to add Payport to an authenticator app: the key to type,
// the otpauth:// link to open, and the secret sealed for the confirming form (only the
// member's browser sees it; it is stored when a code proves the app has it).
type TOTPSetup struct {
	Key, URI, Sealed string
}

func totpAAD(memberID string) []byte { return []byte("totp:" + memberID) }

// StartTOTP makes a new secret for the actor's authenticator app; nothing is stored until
// EnableTOTP. It needs the master key (the secret is kept sealed).
func (a *App) StartTOTP(ac Actor) (TOTPSetup, error) {
	if a.Sealer == nil {
		return TOTPSetup{}, &Error{Kind: Conflict, Code: "no_master_key", Message: "authenticator apps need Payport's master key to be configured"}
	}
	secret := member.NewTOTPSecret()
	sealed, err := a.Sealer.Seal(secret, totpAAD(ac.MemberID))
	if err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{Key: member.TOTPKey(secret), URI: member.TOTPURI(TOTPIssuer, ac.Email, secret), Sealed: sealed}, nil
}

// openTOTP unseals a member's secret.
func (a *App) openTOTP(memberID, sealed string) ([]byte, error) {
	if a.Sealer == nil {
		return nil, errors.New("no master key to open an authenticator secret")
	}
	return a.Sealer.Open(sealed, totpAAD(memberID))
}

// EnableTOTP turns the actor's authenticator app on once a code shows the app has the
// secret of StartTOTP. Audited in the same transaction; the detail holds no secret.
func (a *App) EnableTOTP(ctx context.Context, ac Actor, sealed, code string) error {
	secret, err := a.openTOTP(ac.MemberID, sealed)
	if err != nil {
		return invalid("code", "start again: the setup form is not valid")
	}
	now := a.now()
	step, ok := member.CheckTOTP(secret, code, now, 0)
	if !ok {
		return ErrTOTPWrong
	}
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetMemberTOTP(ctx, ac.MemberID, sealed, step, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, ac, "member.totp_on", "member", ac.MemberID, "")
	})
}

// DisableTOTP turns the actor's authenticator app off, with a current code of it (a session
// left open is not enough); sign-in codes come by email again.
func (a *App) DisableTOTP(ctx context.Context, ac Actor, code string) error {
	now := a.now()
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		m, err := tx.GetMember(ctx, ac.MemberID)
		if err != nil {
			return err
		}
		if m.TOTPSecret == "" {
			return nil
		}
		secret, err := a.openTOTP(m.ID, m.TOTPSecret)
		if err != nil {
			return err
		}
		if _, ok := member.CheckTOTP(secret, code, now, m.TOTPLastStep); !ok {
			return ErrTOTPWrong
		}
		if err := tx.SetMemberTOTP(ctx, m.ID, "", 0, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, ac, "member.totp_off", "member", m.ID, "")
	})
}

// verifyTOTP checks a sign-in's authenticator code in tx. A wrong one counts as a failed
// sign-in of the member's email (the sign-in lockout: five in 15 minutes lock it, and
// ErrSignInLocked says so), so that six digits cannot be guessed; the right one is used up
// (its step recorded).
func (a *App) verifyTOTP(ctx context.Context, tx store.Tx, m member.Member, code, ip string, now time.Time) (outcome, err error) {
	key := member.EmailKey(m.Email)
	byEmail, _, err := tx.CountSigninFailures(ctx, key, ip, now.Add(-member.FailureWindow))
	if err != nil {
		return nil, err
	}
	if byEmail >= member.MaxFailuresPerAccount {
		return ErrSignInLocked, nil
	}
	secret, err := a.openTOTP(m.ID, m.TOTPSecret)
	if err != nil {
		return nil, err
	}
	step, ok := member.CheckTOTP(secret, code, now, m.TOTPLastStep)
	if ok {
		if err := tx.UseMemberTOTPStep(ctx, m.ID, step); errors.Is(err, store.ErrNotFound) {
			ok = false // used meanwhile by a parallel request
		} else if err != nil {
			return nil, err
		}
	}
	if !ok {
		if err := tx.InsertSigninFailure(ctx, id.New("sif"), key, ip, now); err != nil {
			return nil, err
		}
		if byEmail+1 >= member.MaxFailuresPerAccount {
			return ErrSignInLocked, nil
		}
		return ErrTOTPWrong, nil
	}
	return nil, tx.ClearSigninFailures(ctx, key)
}

// ResumeTOTP shows the setup of a sealed secret again (its confirming form was refused).
func (a *App) ResumeTOTP(ac Actor, sealed string) (TOTPSetup, error) {
	secret, err := a.openTOTP(ac.MemberID, sealed)
	if err != nil {
		return TOTPSetup{}, invalid("code", "start again: the setup form is not valid")
	}
	return TOTPSetup{Key: member.TOTPKey(secret), URI: member.TOTPURI(TOTPIssuer, ac.Email, secret), Sealed: sealed}, nil
}

// ResetMemberTOTP turns off the authenticator app of the member with the email, for an
// operator at the command line (`payport user reset-totp`): the way back in for a member who
// lost the app, internal-admins included. Sign-in codes come by email again; the member's
// sessions are left as they are. Audited as the command line.
func (a *App) ResetMemberTOTP(ctx context.Context, email string) (member.Member, error) {
	key, err := member.NormalizeEmail(email)
	if err != nil {
		return member.Member{}, invalid("email", "%s", err.Error())
	}
	var m member.Member
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if m, err = tx.MemberByEmail(ctx, key); err != nil {
			return mapNotFound(err, "member")
		}
		if m.TOTPSecret == "" {
			return &Error{Kind: Conflict, Code: "totp_off", Message: "this member has no authenticator app"}
		}
		if err := tx.SetMemberTOTP(ctx, m.ID, "", 0, a.now()); err != nil {
			return err
		}
		return a.auditTx(ctx, tx, m.OrgID, "", "member.totp_reset", "member", m.ID, "")
	})
	return m, err
}
