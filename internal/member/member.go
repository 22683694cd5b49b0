// Package member holds the people who use the dashboard: members of an org with a role,
// their passwords (argon2id), their sessions, the single-use links that invite them or reset
// a password, and the audit record of what they did. It imports no HTTP and no SQL.
package member

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Role is what a member may do.
type Role string

// Roles. internal-admin and org-admin are the seeds' names (seed 002); viewer reads only.
const (
	// RoleInternalAdmin is the operator: every org, and alone may create orgs.
	RoleInternalAdmin Role = "internal-admin"
	// RoleOrgAdmin may do everything within its own org.
	RoleOrgAdmin Role = "org-admin"
	// RoleViewer may read its org's pages and change nothing but its own sessions.
	RoleViewer Role = "viewer"
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleInternalAdmin, RoleOrgAdmin, RoleViewer:
		return Role(s), nil
	}
	return "", fmt.Errorf("role must be %q, %q or %q", RoleInternalAdmin, RoleOrgAdmin, RoleViewer)
}

// CanWrite reports whether the role may change an org's objects.
func (r Role) CanWrite() bool { return r == RoleInternalAdmin || r == RoleOrgAdmin }

// Member is a person with a dashboard account.
type Member struct {
	ID string
	// OrgID is the member's org; an internal-admin may have none (it spans every org).
	OrgID string
	// Email is stored lower-cased: it is the sign-in name and unique.
	Email string
	Role  Role
	// PasswordHash is the PHC string of the argon2id hash; "" until a password is set.
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// RemovedAt is when an org-admin removed the member (nil while a member): the row stays
	// so that the audit log still names who did what, but it signs in no more.
	RemovedAt *time.Time
	// TOTPSecret is the authenticator app's secret, sealed under the master key ("" when the
	// member signs in with emailed codes only); TOTPLastStep the step of the last code used.
	TOTPSecret   string
	TOTPLastStep int64
}

// Active reports whether the member may sign in and act: not removed.
func (m Member) Active() bool { return m.RemovedAt == nil }

// NormalizeEmail lower-cases and trims an address and checks that it is a plain address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", fmt.Errorf("enter an email address such as ada@example.com")
	}
	return s, nil
}

// Token purposes: what a single-use emailed link does.
const (
	// PurposeInvite makes a new member of an org when its password is set.
	PurposeInvite = "invite"
	// PurposePassword sets the password of an existing member (reset, or the first operator).
	PurposePassword = "password"
)

// Lifetimes of links and sessions, and the sign-in limits.
const (
	InviteTTL   = 7 * 24 * time.Hour
	ResetTTL    = time.Hour
	SetupTTL    = 24 * time.Hour
	SessionIdle = 30 * time.Minute
	SessionMax  = 12 * time.Hour
	// TouchEvery bounds how often a session's last-seen time is written, so that reading a
	// page is not a write each time.
	TouchEvery = time.Minute
	// FailureWindow is how far back failed sign-ins count.
	FailureWindow = 15 * time.Minute
	// MaxFailuresPerAccount locks an email out for the rest of the window.
	MaxFailuresPerAccount = 5
	// MaxFailuresPerIP locks an address out for the rest of the window.
	MaxFailuresPerIP = 20
	// ResetsPerHour bounds password-reset emails per address.
	ResetsPerHour = 3
	// ResetsPerClientPerHour bounds password-reset requests from one client address,
	// whatever the emails asked about (AddressRequestReset).
	ResetsPerClientPerHour = 10
	// InvitesPerClientPerHour bounds invitations sent from one client address
	// (AddressRequestInvite), so that a member cannot turn the dashboard into a mailer.
	InvitesPerClientPerHour = 30
)

// Kinds of requests counted per client address (the address_requests table).
const (
	AddressRequestReset  = "reset"
	AddressRequestInvite = "invite"
)

// Token is a single-use link's stored form: only the hash of the secret in the link.
type Token struct {
	ID      string
	Purpose string
	// OrgID and Role are the invitation's; MemberID the password's owner.
	OrgID     string
	Email     string
	Role      Role
	MemberID  string
	TokenHash string
	// CreatedBy is the member who invited ("" for the CLI or a reset).
	CreatedBy string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// Session is a signed-in browser. The cookie holds a secret whose SHA-256 is TokenHash.
type Session struct {
	ID        string
	TokenHash string
	MemberID  string
	// OrgID is the org the session is looking at: the member's own, or any org an
	// internal-admin switched to ("" when there is none yet).
	OrgID string
	// CSRFToken is put in every form and checked on every POST.
	CSRFToken string
	// TwoFactorPending is true until the emailed code is entered.
	TwoFactorPending bool
	IP               string
	UserAgent        string
	CreatedAt        time.Time
	LastSeenAt       time.Time
	// ExpiresAt is the absolute end (SessionMax after sign-in).
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Live reports whether the session may still be used at now: not revoked, before its
// absolute end, and used within the idle time.
func (s Session) Live(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt) && now.Sub(s.LastSeenAt) < SessionIdle
}

// AuditEntry records one change: who made it (a dashboard member, an API key, a portal
// session acting for a recipient, or Payport itself), what it did to which object, and when.
// Detail says what in words safe to keep: never a secret, a password, a token or full bank
// details.
type AuditEntry struct {
	ID    string
	OrgID string
	// Mode is the mode of the objects the action touched ("test" or "live"), "" for org-wide
	// changes.
	Mode string
	// ActorType is member, api_key, portal_session or system (see the Actor constants).
	ActorType string
	// ActorID is the member's id, the API key's id, the portal session's (named by the grant
	// it was opened with, since its own key is a hash of its cookie) or "" for Payport.
	ActorID string
	// RecipientID is the recipient a portal session acts for ("" for other actors).
	RecipientID string
	// MemberID is the member of a member entry ("" otherwise), as the dashboard shows it.
	MemberID   string
	Action     string
	ObjectType string
	ObjectID   string
	Detail     string
	IP         string
	CreatedAt  time.Time
}

// Audit actor types.
const (
	ActorMember        = "member"
	ActorAPIKey        = "api_key"
	ActorPortalSession = "portal_session"
	ActorSystem        = "system"
)

// NewToken returns a random secret for a cookie or a link (256 bits, URL-safe) and the
// hash that is stored. A plain SHA-256 suffices: the secret is random, so there is no
// dictionary to try, and a hash lets the lookup use an index.
func NewToken() (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken is the stored form of a token.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// EmailKey is the stored form of an attempted sign-in name, for counting failures per
// account whether or not the account exists (so that a lockout reveals nothing).
func EmailKey(email string) string {
	sum := sha256.Sum256([]byte("signin:" + strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}
