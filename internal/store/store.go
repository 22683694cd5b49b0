// Package store is the storage boundary: the Store and Tx interfaces that the rest of Payport
// uses, implemented once per engine (store/sqlite, store/postgres) over the shared SQL of
// store/sqlstore. Nothing above this package writes SQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/idempotency"
	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/link"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/otp"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/payout"
	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/webhook"
)

// Errors every engine maps its own errors to.
var (
	// ErrNotFound means no row matched (in the caller's org and mode).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique constraint refused the write.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means the database cannot be used right now: PostgreSQL unreachable or
	// restarting, SQLite's disk full. Nothing was written; the same request may succeed later.
	ErrUnavailable = errors.New("database unavailable")
)

// StoredKey is a signing key as stored: its private key sealed under the master key.
type StoredKey struct {
	KID           string
	Algorithm     string
	SealedPrivate string
	PublicJWK     []byte
	CreatedAt     time.Time
	RetiredAt     *time.Time
	VerifyUntil   *time.Time
}

// PortalSession is a browser session of the hosted portal, made from one grant.
type PortalSession struct {
	TokenHash        string
	GrantID          string
	Scope            tenant.Scope
	RecipientID      string
	CSRFToken        string
	TwoFactorPending bool
	HideTransactions bool
	RedirectURI      string
	AutoRedirect     bool
	// UseCase is the grant's: rewards, payouts_portal, account_onboarding or embedded.
	UseCase string
	// EmbedOrigin is the parent page's origin of an embedded session ("" otherwise).
	EmbedOrigin string
	// Currency is the currency an embedded session asked to show ("" for the recipient's own).
	Currency  string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// RetentionCutoffs say which rows have outlived their use.
type RetentionCutoffs struct {
	// Sessions: portal and dashboard sessions, grants, one-time codes, member links that
	// expired before it; sign-in failures and development outbox mail made before it.
	Sessions time.Time
	// Events: events made before it, with their webhook messages and attempts, once no
	// delivery of theirs is still to be tried.
	Events time.Time
}

// Side is one end of a transfer.
type Side int

// Sides.
const (
	SourceSide Side = iota
	DestinationSide
)

// PaymentFilter narrows a payment listing.
type PaymentFilter struct {
	RecipientID string
	Type        payment.Type
	Status      payment.Status
	ExternalID  string
	CustomerID  string
	// CreatedFrom and CreatedTo bound created_at: from inclusive, to exclusive.
	CreatedFrom *time.Time
	CreatedTo   *time.Time
	// Before is the cursor: only ids older than it.
	Before string
	Limit  int
}

// LinkFilter narrows a payment link listing.
type LinkFilter struct {
	Status      link.Status
	Email       string
	CreatedFrom *time.Time
	CreatedTo   *time.Time
	// Before is the cursor: only ids older than it.
	Before string
	Limit  int
}

// AuditFilter narrows an audit log listing; empty fields do not filter.
type AuditFilter struct {
	OrgID string
	// Mode keeps that mode's entries; live also keeps the org-wide ones (mode ""), which may
	// name live objects (the dashboard's entries), so a test key never reads them.
	Mode      string
	ActorType string
	ActorID   string
	ObjectID  string
	Action    string
	// From and To bound created_at: from inclusive, to exclusive.
	From *time.Time
	To   *time.Time
	// Before is the cursor: only ids older than it.
	Before string
	Limit  int
}

// PaymentSum is the total of payments of one org, mode and currency.
type PaymentSum struct {
	Scope    tenant.Scope
	Currency string
	Total    int64
	Count    int64
}

// Figures are an org's key figures in one mode, for the dashboard's overview.
type Figures struct {
	Recipients int64
	// Owed is what recipients hold (available and pending withdrawals), per currency.
	Owed []CurrencyTotal
	// Payments are counted and added up per type, status and currency.
	Payments []PaymentTotal
}

// CurrencyTotal is an amount in minor units of one currency.
type CurrencyTotal struct {
	Currency string
	Total    int64
}

// PaymentTotal counts payments of one type, status and currency.
type PaymentTotal struct {
	Type     payment.Type
	Status   payment.Status
	Currency string
	Count    int64
	Total    int64
}

// Store is a database of one engine.
type Store interface {
	// InTx runs fn in a read-write transaction and commits if fn returns nil. fn may be called
	// again when the engine reports a transient conflict (deadlock, serialization failure), so
	// it must not have side effects outside the transaction.
	InTx(ctx context.Context, fn func(Tx) error) error
	// InTxRelaxed is InTx for writes that need not be durable the moment they commit
	// (PostgreSQL then does not wait for the WAL flush; SQLite does not fsync the commit). Safe when losing the write in a crash
	// is harmless, or when a later durable commit depends on it: the WAL is flushed in order,
	// so that commit makes this one durable too.
	InTxRelaxed(ctx context.Context, fn func(Tx) error) error
	// Read runs fn in a read-only transaction that sees one snapshot throughout (on SQLite,
	// on the read pool, so reads never wait for the single writer; on PostgreSQL, REPEATABLE
	// READ).
	Read(ctx context.Context, fn func(Tx) error) error
	// Query runs fn with each statement on its own on the read pool: no transaction, so no
	// BEGIN/COMMIT round trips. For lookups that are a single statement.
	Query(ctx context.Context, fn func(Tx) error) error
	// Engine is "sqlite" or "postgres".
	Engine() string
	// WriterDB is the handle the job queue shares, so jobs enqueue in the same transactions.
	WriterDB() *sql.DB
	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
}

// Tx is every query Payport runs, bound to one transaction.
type Tx interface {
	ledger.Store
	idempotency.Store
	DashboardReads

	// SQLTx is the underlying transaction, for the job queue's InsertTx.
	SQLTx() *sql.Tx
	// ReusePlans makes the rest of the transaction run its statements on plans made once,
	// whatever their parameters (PostgreSQL's generic plans; nothing on SQLite). For a hot
	// transaction of few-row statements, such as a ledger batch, whose planning costs more
	// than running them. Only for statements whose one plan is right for every value.
	ReusePlans(ctx context.Context) error

	InsertOrg(ctx context.Context, o org.Org) error
	GetOrg(ctx context.Context, id string) (org.Org, error)
	OrgByName(ctx context.Context, name string) (org.Org, error)
	ListOrgs(ctx context.Context) ([]org.Org, error)
	UpdateOrg(ctx context.Context, o org.Org) error

	InsertAPIKey(ctx context.Context, k org.APIKey) error
	APIKeyByHash(ctx context.Context, hash string) (org.APIKey, error)
	ListAPIKeys(ctx context.Context, orgID string) ([]org.APIKey, error)
	RevokeAPIKey(ctx context.Context, orgID, id string, at time.Time) error
	// TouchAPIKey records use, at most once a minute per key so that reads stay reads.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error

	InsertRecipient(ctx context.Context, r recipient.Recipient) error
	// GetRecipient finds a recipient by UUID or, failing that, by external id.
	GetRecipient(ctx context.Context, scope tenant.Scope, ref string) (recipient.Recipient, error)
	UpdateRecipient(ctx context.Context, r recipient.Recipient) error
	// ListRecipients pages by id: those after the cursor id, oldest first.
	ListRecipients(ctx context.Context, scope tenant.Scope, after string, limit int) ([]recipient.Recipient, error)

	FindAccount(ctx context.Context, ref ledger.AccountRef) (ledger.Account, error)
	AccountByID(ctx context.Context, scope tenant.Scope, id string) (ledger.Account, error)
	// OwnerAccounts lists every account of one owner (all kinds and currencies).
	OwnerAccounts(ctx context.Context, scope tenant.Scope, owner ledger.OwnerType, ownerID string) ([]ledger.Account, error)
	GetTransfer(ctx context.Context, scope tenant.Scope, id string) (ledger.Transfer, error)
	// ListTransfers returns transfers touching any of the accounts, newest first, older than
	// the cursor id when one is given.
	ListTransfers(ctx context.Context, accountIDs []string, before string, limit int) ([]ledger.Transfer, error)
	// SumTransfers adds up transfers from one account to another created at or after since,
	// reading through the index of the given side (the one with fewer transfers).
	SumTransfers(ctx context.Context, fromID, toID string, since time.Time, via Side) (int64, error)
	// AccountNet is an account's incoming minus outgoing transfers: the balance of accounts
	// that keep no cached one (funding, external).
	AccountNet(ctx context.Context, accountID string) (int64, error)
	// AccountTotals reads every account with its transfer sums, for the invariant check.
	AccountTotals(ctx context.Context) ([]ledger.AccountTotals, error)
	// PruneRetained deletes up to limit rows per table whose retention ended (see
	// RetentionCutoffs) and says how many it deleted, by table.
	PruneRetained(ctx context.Context, c RetentionCutoffs, limit int) (map[string]int64, error)
	// BrokenReferences describes up to limit rows naming a row that does not exist or belongs
	// to another org: transfers and their accounts, transitions and their payments, payments
	// and their files (PostgreSQL has no foreign keys on these hot tables).
	BrokenReferences(ctx context.Context, limit int) ([]string, error)

	InsertPayoutMethod(ctx context.Context, m payout.Method) error
	GetPayoutMethod(ctx context.Context, scope tenant.Scope, id string) (payout.Method, error)
	// ListPayoutMethods lists a recipient's active methods, default first, then newest.
	ListPayoutMethods(ctx context.Context, scope tenant.Scope, recipientID string) ([]payout.Method, error)
	// UpdatePayoutMethod writes a method's default flag, status and notice.
	UpdatePayoutMethod(ctx context.Context, m payout.Method) error
	// ClearDefaultPayoutMethod unsets the recipient's default, before another becomes it.
	ClearDefaultPayoutMethod(ctx context.Context, scope tenant.Scope, recipientID string) error

	InsertPayment(ctx context.Context, p payment.Payment) error
	// GetPayment reads a payment; forUpdate locks it until the transaction ends.
	GetPayment(ctx context.Context, scope tenant.Scope, id string, forUpdate bool) (payment.Payment, error)
	UpdatePayment(ctx context.Context, p payment.Payment) error
	// GetPaymentByID reads a payment of any org: for its hosted form, whose URL is the
	// capability, and for operators.
	GetPaymentByID(ctx context.Context, id string, forUpdate bool) (payment.Payment, error)
	// GetPaymentByExternalID finds the payment the platform created with externalID.
	GetPaymentByExternalID(ctx context.Context, scope tenant.Scope, externalID string) (payment.Payment, error)
	// PaymentByTransferReference finds (and locks) the bank-transfer payin a payer's reference
	// names, in any org.
	PaymentByTransferReference(ctx context.Context, reference string) (payment.Payment, error)
	// ExpiringPayments lists pending payments whose expiry has passed, soonest first.
	ExpiringPayments(ctx context.Context, now time.Time, limit int) ([]payment.Payment, error)
	InsertTransition(ctx context.Context, t payment.Transition) error
	// MarkExported moves pending payouts to processing with their rail references and file,
	// in few statements; it fails unless every one was pending.
	MarkExported(ctx context.Context, scope tenant.Scope, fileID string, refs map[string]string, at time.Time) error
	// ListTransitions lists a payment's state changes, oldest first, including its export's
	// (recorded once for its whole file).
	ListTransitions(ctx context.Context, paymentID string) ([]payment.Transition, error)
	// ListPayments pages newest first.
	ListPayments(ctx context.Context, scope tenant.Scope, f PaymentFilter) ([]payment.Payment, error)
	// SumPayments adds up payments of a type and status per org, mode and currency, counting
	// only payments that have a payout method (the ones whose money the ledger holds), for the
	// ledger check ("money in transit equals processing payouts").
	SumPayments(ctx context.Context, typ payment.Type, status payment.Status) ([]PaymentSum, error)

	// PaymentsForExport locks the pending payouts of a file rail not yet in a file, oldest first.
	PaymentsForExport(ctx context.Context, scope tenant.Scope, rail string, limit int) ([]payment.Payment, error)
	// PaymentByRailReference finds (and locks) the payout a bank file line refers to.
	PaymentByRailReference(ctx context.Context, scope tenant.Scope, rail, reference string) (payment.Payment, error)
	// PaymentsOfFile lists up to limit (0: all) payouts of a file with ids after after, by id.
	PaymentsOfFile(ctx context.Context, scope tenant.Scope, fileID, after string, limit int) ([]payment.Payment, error)

	InsertRailFile(ctx context.Context, f rail.File) error
	// SetRailFileContent stores the bytes of a file inserted before they were written.
	SetRailFileContent(ctx context.Context, scope tenant.Scope, id string, content []byte) error
	// GetRailFile reads a file with its content.
	GetRailFile(ctx context.Context, scope tenant.Scope, id string) (rail.File, error)
	// ListRailFiles lists files newest first, without their content.
	ListRailFiles(ctx context.Context, scope tenant.Scope, limit int) ([]rail.File, error)
	// DueRailFiles lists exported files of every org created before cutoff (settlement).
	DueRailFiles(ctx context.Context, cutoff time.Time) ([]rail.File, error)
	UpdateRailFile(ctx context.Context, f rail.File) error
	// RailPaymentsExported counts the payouts the org's files of a rail carried so far.
	RailPaymentsExported(ctx context.Context, scope tenant.Scope, rail string) (int64, error)
	// InsertRailImport records an imported bank file; ErrConflict if the same file was
	// imported before.
	InsertRailImport(ctx context.Context, imp rail.Import) error
	GetRailImport(ctx context.Context, scope tenant.Scope, railName, contentHash string) (rail.Import, error)

	// InsertSigningKey stores a key; its private half arrives sealed.
	InsertSigningKey(ctx context.Context, k StoredKey) error
	// ListSigningKeys lists keys that still verify at now, oldest first.
	ListSigningKeys(ctx context.Context, now time.Time) ([]StoredKey, error)
	// RetireSigningKeys stops the current keys from signing; they verify until verifyUntil.
	RetireSigningKeys(ctx context.Context, now, verifyUntil time.Time) error
	// ClaimGrant records that the grant with this id (a token's jti) was exchanged, once: minting
	// writes nothing (the signed token is the grant), so the row made here is what makes a link
	// single-use and what an operator audits. It returns the recipient's org and mode; ErrConflict
	// when the grant was claimed before, ErrNotFound when the recipient does not exist.
	ClaimGrant(ctx context.Context, g grant.Grant, claims []byte, now time.Time) (tenant.Scope, error)
	InsertPortalSession(ctx context.Context, s PortalSession) error
	// SetPortalSessionCurrency changes the currency an embedded session shows.
	SetPortalSessionCurrency(ctx context.Context, tokenHash, currency string) error
	// ExtendPortalSession moves a session's expiry (an embedded session's token was refreshed).
	ExtendPortalSession(ctx context.Context, tokenHash string, expiresAt time.Time) error
	// GetPortalSession finds a live session by its token's hash.
	GetPortalSession(ctx context.Context, tokenHash string, now time.Time) (PortalSession, error)

	// ClearTwoFactor marks a portal session's email code as verified.
	ClearTwoFactor(ctx context.Context, tokenHash string) error
	InsertOTP(ctx context.Context, c otp.Code) error
	// LatestOTP is the newest code of a subject (ErrNotFound when none); forUpdate locks it,
	// so that concurrent guesses are counted one after the other.
	LatestOTP(ctx context.Context, subject string, forUpdate bool) (otp.Code, error)
	// RecordOTPAttempt counts a wrong attempt.
	RecordOTPAttempt(ctx context.Context, id string) error
	ConsumeOTP(ctx context.Context, id string, at time.Time) error
	// CountOTPs counts codes issued since a time for a recipient or an IP address.
	CountOTPs(ctx context.Context, recipientID, ip string, since time.Time) (byRecipient, byIP int, err error)
	InsertMail(ctx context.Context, m mail.Message) error
	ListMail(ctx context.Context, limit int) ([]mail.Message, error)

	InsertEvent(ctx context.Context, e event.Event) error
	// ListEvents pages forward: events after the cursor id, oldest first.
	ListEvents(ctx context.Context, scope tenant.Scope, after string, limit int) ([]event.Event, error)
	// ListEventsBefore pages backward: events before the cursor id (of one type, unless ""),
	// newest first.
	ListEventsBefore(ctx context.Context, scope tenant.Scope, before, typ string, limit int) ([]event.Event, error)
	GetEvent(ctx context.Context, scope tenant.Scope, id string) (event.Event, error)
	// UndispatchedEvents lists events not yet turned into webhook messages, oldest first,
	// skipping rows another dispatcher holds. Their Data is not read ({}): routing needs only
	// the envelope.
	UndispatchedEvents(ctx context.Context, limit int) ([]event.Event, error)
	// FirstUndispatchedExport is the id of the oldest rail_file.exported event not yet
	// dispatched ("" when there is none), locked by another dispatcher or not: nothing after
	// it may be dispatched before the events it stands for are written.
	FirstUndispatchedExport(ctx context.Context) (string, error)
	// LastEventBetween finds the event with the greatest id in (after, upTo], without its
	// Data; ErrNotFound when there is none (how far an event's span has been written).
	LastEventBetween(ctx context.Context, after, upTo string) (event.Event, error)
	MarkEventsDispatched(ctx context.Context, ids []string, now time.Time) error
	// WebhookWorkDue says whether an event waits to be dispatched or a message is due at now:
	// a read the dispatcher makes before it takes the writer for either.
	WebhookWorkDue(ctx context.Context, now time.Time) (bool, error)
	// PaymentWebhookURLs returns the webhookUrl of those payments that have one.
	PaymentWebhookURLs(ctx context.Context, paymentIDs []string) (map[string]string, error)

	// GetIdentity reads a recipient's identity (ErrNotFound: never submitted).
	GetIdentity(ctx context.Context, scope tenant.Scope, recipientID string, forUpdate bool) (identity.Record, error)
	PutIdentity(ctx context.Context, r identity.Record) error

	InsertLink(ctx context.Context, l link.Link) error
	// GetLink reads a link of any org (links are public by id); forUpdate locks it.
	GetLink(ctx context.Context, id string, forUpdate bool) (link.Link, error)
	UpdateLink(ctx context.Context, l link.Link) error
	// ListLinks pages an org's links newest first and counts all that match the filter.
	ListLinks(ctx context.Context, scope tenant.Scope, f LinkFilter) ([]link.Link, int64, error)
	// ActiveLinksOfEmail lists an email's active links: in one org and mode, or (scope nil) in
	// every org, then only the unexpired ones.
	ActiveLinksOfEmail(ctx context.Context, scope *tenant.Scope, email string, now time.Time, forUpdate bool) ([]link.Link, error)
	// LinksDueToExpire lists active links past their expiry, skipping rows others hold.
	LinksDueToExpire(ctx context.Context, now time.Time, limit int) ([]link.Link, error)
	// LinkOfPayment finds (and locks) the link a payin pays.
	LinkOfPayment(ctx context.Context, paymentID string) (link.Link, error)
	// ClaimReminders records one reminder per active link scheduled in [from, to) that has
	// none for that window yet, and returns those links' ids.
	ClaimReminders(ctx context.Context, from, to, now time.Time) ([]string, error)
	LinksByID(ctx context.Context, ids []string) ([]link.Link, error)

	InsertWebhookEndpoint(ctx context.Context, e webhook.Endpoint) error
	GetWebhookEndpoint(ctx context.Context, scope tenant.Scope, id string, forUpdate bool) (webhook.Endpoint, error)
	// ListWebhookEndpoints pages by id, oldest first.
	ListWebhookEndpoints(ctx context.Context, scope tenant.Scope, after string, limit int) ([]webhook.Endpoint, error)
	UpdateWebhookEndpoint(ctx context.Context, e webhook.Endpoint) error
	DeleteWebhookEndpoint(ctx context.Context, scope tenant.Scope, id string, now time.Time) error
	// EnabledEndpoints lists the endpoints events of a scope go to.
	EnabledEndpoints(ctx context.Context, scope tenant.Scope) ([]webhook.Endpoint, error)
	// CancelEndpointMessages cancels an endpoint's pending messages (it was disabled).
	CancelEndpointMessages(ctx context.Context, endpointID string, now time.Time) error
	GetWebhookSecret(ctx context.Context, scope tenant.Scope, forUpdate bool) (webhook.OrgSecret, error)
	PutWebhookSecret(ctx context.Context, s webhook.OrgSecret) error
	InsertWebhookMessages(ctx context.Context, ms []webhook.Message) error
	// ClaimDueMessages takes pending messages due at now and leases them until leaseUntil (their
	// next_attempt_at), skipping messages another sender holds.
	ClaimDueMessages(ctx context.Context, now, leaseUntil time.Time, limit int) ([]webhook.Message, error)
	// UpdateWebhookMessages writes messages' status, attempts and next attempt.
	UpdateWebhookMessages(ctx context.Context, ms []webhook.Message) error
	// EventsByID reads events of any org by id (for building webhook bodies).
	EventsByID(ctx context.Context, ids []string) ([]event.Event, error)
	InsertWebhookAttempts(ctx context.Context, as []webhook.AttemptRecord) error
	// ListWebhookAttempts pages the attempt log newest first, for one endpoint or one event
	// (either may be "").
	ListWebhookAttempts(ctx context.Context, scope tenant.Scope, endpointID, eventID, before string, limit int) ([]webhook.AttemptRecord, error)

	// Dashboard members (issue 9). ErrConflict when the email is taken.
	InsertMember(ctx context.Context, m member.Member) error
	GetMember(ctx context.Context, id string) (member.Member, error)
	// MemberByEmail finds a member by its lower-cased email.
	MemberByEmail(ctx context.Context, email string) (member.Member, error)
	// ListMembers lists an org's members, oldest first.
	ListMembers(ctx context.Context, orgID string) ([]member.Member, error)
	SetMemberPassword(ctx context.Context, id, hash string, at time.Time) error
	InsertMemberToken(ctx context.Context, tk member.Token) error
	// MemberTokenByHash finds a link by its secret's hash, used or not; forUpdate locks it so
	// that two submits of one link cannot both use it.
	MemberTokenByHash(ctx context.Context, hash string, forUpdate bool) (member.Token, error)
	// UseMemberToken marks a link used; ErrNotFound when it was used already.
	UseMemberToken(ctx context.Context, id string, at time.Time) error
	// CountMemberTokens counts links of a purpose made for an email since a time.
	CountMemberTokens(ctx context.Context, purpose, email string, since time.Time) (int, error)
	InsertMemberSession(ctx context.Context, s member.Session) error
	// MemberSessionByHash finds a session by its cookie's hash, live or not.
	MemberSessionByHash(ctx context.Context, hash string) (member.Session, error)
	// ListMemberSessions lists a member's sessions not revoked and not past their absolute
	// end at now, newest first.
	ListMemberSessions(ctx context.Context, memberID string, now time.Time) ([]member.Session, error)
	// TouchMemberSession records use (callers write at most once a minute per session).
	TouchMemberSession(ctx context.Context, id string, at time.Time) error
	ClearMemberTwoFactor(ctx context.Context, id string) error
	SetMemberSessionOrg(ctx context.Context, id, orgID string) error
	// RevokeMemberSession ends one of the member's sessions; ErrNotFound when the member has
	// no such live session.
	RevokeMemberSession(ctx context.Context, memberID, id string, at time.Time) error
	// RevokeMemberSessions ends every session of a member (a new password).
	RevokeMemberSessions(ctx context.Context, memberID string, at time.Time) error
	InsertSigninFailure(ctx context.Context, id, emailKey, ip string, at time.Time) error
	// CountSigninFailures counts failed sign-ins since a time for an email key and an address.
	CountSigninFailures(ctx context.Context, emailKey, ip string, since time.Time) (byEmail, byIP int, err error)
	// ClearSigninFailures forgets an email's failures (it signed in).
	ClearSigninFailures(ctx context.Context, emailKey string) error
	// DeleteSigninFailure forgets one counted attempt (a right password whose second factor
	// is still to come).
	DeleteSigninFailure(ctx context.Context, id string) error
	// LockOrgMembers lists an org's members who were not removed, oldest first, locking
	// their rows (PostgreSQL) so that two changes of roles cannot both leave the org without
	// an org-admin.
	LockOrgMembers(ctx context.Context, orgID string) ([]member.Member, error)
	// SetMemberRole changes the role of a member of an org; ErrNotFound when the org has no
	// such member (or it was removed).
	SetMemberRole(ctx context.Context, orgID, id string, role member.Role, at time.Time) error
	// RemoveMember marks a member of an org removed and ends its sessions and unused links at
	// once; ErrNotFound when the org has no such member.
	RemoveMember(ctx context.Context, orgID, id string, at time.Time) error
	// RejoinMember makes a removed member a member again, of m.OrgID with m.Role and
	// m.PasswordHash (an invitation accepted), without the authenticator app it had;
	// ErrNotFound when m.ID is not a removed member.
	RejoinMember(ctx context.Context, m member.Member) error
	// SetMemberTOTP sets (or, with sealed "", removes) a member's authenticator secret.
	SetMemberTOTP(ctx context.Context, id, sealed string, lastStep int64, at time.Time) error
	// UseMemberTOTPStep records that a code of step was used; ErrNotFound when a code of that
	// step or a later one was used already (a replay), so that each code works once.
	UseMemberTOTPStep(ctx context.Context, id string, step int64) error
	// InsertAddressRequest counts one request of a kind (member.AddressRequest*) from a
	// client address.
	InsertAddressRequest(ctx context.Context, id, kind, ip string, at time.Time) error
	// CountAddressRequests counts requests of a kind from an address since a time, holding
	// the (kind, address) pair locked until the transaction ends, so that concurrent
	// requests count one after the other.
	CountAddressRequests(ctx context.Context, kind, ip string, since time.Time) (int, error)
	// InsertAudit buffers an audit entry, written with the transaction's other buffered rows
	// just before it commits (one statement for a whole batch of credits). An entry with the
	// id of one already buffered in the transaction replaces it.
	InsertAudit(ctx context.Context, e member.AuditEntry) error
	// ListAudit pages an org's audit log newest first, before the cursor id.
	ListAudit(ctx context.Context, orgID, before string, limit int) ([]member.AuditEntry, error)
	// FindAudit pages an org's audit log newest first through a filter.
	FindAudit(ctx context.Context, f AuditFilter) ([]member.AuditEntry, error)
	// DashboardFigures reads an org's key figures in one mode.
	DashboardFigures(ctx context.Context, scope tenant.Scope) (Figures, error)
	// DailyPayouts groups the payouts created since a time by UTC day, currency and status.
	DailyPayouts(ctx context.Context, scope tenant.Scope, since time.Time) ([]DayPayouts, error)
	// WebhookAttemptStats counts delivery attempts since a time per endpoint.
	WebhookAttemptStats(ctx context.Context, scope tenant.Scope, since time.Time) ([]EndpointAttempts, error)
	// OwedByKind adds up recipients' available and pending balances per currency.
	OwedByKind(ctx context.Context, scope tenant.Scope) ([]OwedKind, error)
}
