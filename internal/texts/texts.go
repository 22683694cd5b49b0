// Package texts is every word Payport shows people, in one place per language, ready for
// translation: the hosted pages (portal, payment forms, payment links, onboarding) and the
// emails. Adding a language is adding a Texts value to Catalogues.
package texts

import (
	"net/http"

	"golang.org/x/text/language"
)

// Texts are the portal's words in one language: every title, label, button, message and
// error the portal shows is here, and nowhere else. Templates read them as {{.T.Name}};
// handlers as texts(r).Name. An entry with values takes them through fmt verbs (%s, %d, or
// %[2]s where a translation needs another order), filled in by the handler or, in a
// template, with printf or msg (which keeps markup given as an argument).
//
// To add a language, add a Texts value with every entry translated (a test refuses an empty
// one) and list it in catalogues; nothing else changes.
type Texts struct {
	// Lang is the BCP 47 tag of the language, for <html lang> and Accept-Language matching.
	Lang string

	// Used on several pages.
	ContinueLabel, BackToBalance string
	TryAgainTitle, Unavailable   string // the generic "try again" page

	// Balance page.
	BalanceTitle     string // page title and heading
	PendingLine      string // %s amount, %s currency
	MinimumLine      string // %s amount, %s currency
	Withdraw         string // button (and the withdraw page's title and heading)
	AddBankAccount   string // link when no bank account blocks a withdrawal
	TransactionsHead string
	NoTransactions   string
	// Paging links of the transaction list.
	OlderTransactions, NewestTransactions string
	DateLayout                            string // Go time layout of a transaction's date
	// TransferKinds name a transaction without a description, by ledger kind.
	TransferKinds map[string]string

	// Why the withdraw button is disabled, by the Balance Info reason.
	ReasonNoBalance     string
	ReasonWaitPeriod    string // %d days
	ReasonBelowMinimum  string // %[1]s minimum, %[2]s balance, %[3]s currency
	ReasonNoBankAccount string
	ReasonOnboarding    string

	// Error pages before or around a session: a heading and a sentence each.
	LinkInvalidTitle, LinkInvalid     string
	LinkExpiredTitle, LinkExpired     string
	LinkUsedTitle, LinkUsed           string
	SessionEndedTitle, SessionMissing string
	NotAvailableTitle, Forbidden      string
	FormExpiredTitle, FormExpired     string
	NotFoundTitle, LogoNotFound       string

	// Two-factor page and the code's outcomes.
	VerifyTitle, VerifyHeading string
	VerifyIntro                string // %s the masked email address
	CodeLabel, SendNewCode     string
	CodeCooldown, CodeLimit    string
	CodeWrong, CodeExpired     string
	CodeLocked                 string
	CodeSendFailed             string // %s why (CodeLimit)
	CodeNotSent                string
	CodeCheckFailed            string

	// Bank account set-up.
	SetupTitle, YourAccounts          string
	DefaultAccount, RemoveAccount     string
	RemoveAccountLabel                string // %s last four digits
	AddAnotherAccount, WhereToPayYou  string
	BankCountry, SaveBankAccount      string
	CheckHighlighted, AccountNotSaved string
	// Countries name the countries offered first, by ISO 3166 code.
	Countries map[string]string
	// Field labels of the bank forms, and the US account types.
	HolderName, SortCode, UKAccountNumber     string
	RoutingNumber, AccountNumber, AccountType string
	IBAN, BICOptional, Checking, Savings      string

	// Withdrawal.
	ConfirmIntro       string // %s amount with currency, %s the account
	ConfirmWithdrawal  string
	ChangeAmount       string
	AvailableLine      string // %[1]s withdrawable, %[2]s minimum, %[3]s currency
	AmountLabel        string // %s currency
	AmountExample      string // %s an amount
	AmountTooSmall     string // %s minimum, %s currency
	AmountTooLarge     string // %s withdrawable, %s currency
	WithdrawalNotMade  string
	WithdrawalDescribe string // stored as the withdrawal's description

	// Withdrawal status, by payment status: the heading and a sentence.
	StatusTitle        string
	StatusHeading      map[string]string
	StatusExplain      map[string]string
	WithdrawalNotFound string
	Done               string
	RedirectNotMade    string

	// The page that closes a modal portal.
	AllDone, CanClose string

	// Development outbox (shown only when no SMTP server is configured).
	OutboxTitle       string
	OutboxIntro       string // %s a link to the JSON form
	OutboxJSON        string
	OutboxTo          string // %s address, %s time
	OutboxEmpty       string
	OutboxUnavailable string

	// Identity (seed 004 onboarding).
	IdentityTitle, IdentitySubmit, IdentityReturn       string
	IdentityKind, IdentityIndividual, IdentityBusiness  string
	IdentityLegalName, IdentityDateOfBirth              string
	IdentityRegistration, IdentityAddress, IdentityCity string
	IdentityPostalCode, IdentityCountry                 string
	// IdentityStatus and IdentityReasons name a status and a rejection reason.
	IdentityStatus, IdentityReasons map[string]string

	// Change account country and reset account (seed 004's modals).
	ChangeCountryTitle, ChangeCountryIntro, ChangeCountryConfirm, ChangeCountryButton string
	ResetTitle, ResetIntro, ResetConfirm, ResetButton                                 string
	ConfirmRequired                                                                   string

	// EmbedLoading is the component frame's waiting state.
	EmbedLoading string

	// Pay holds the hosted payment forms' words.
	Pay PayTexts
	// Email holds the emails' words.
	Email EmailTexts
	// Dash holds the merchant dashboard's words.
	Dash DashTexts
	// DashOps holds the words of the dashboard's webhooks, events, bank files, settings and charts.
	DashOps DashOpsTexts
	// DashPay holds the words of the dashboard's payments, recipients and links pages.
	DashPay DashPayTexts
}

// English is the default text set, and the fallback for any language without a catalogue.
var English = Texts{
	Lang: "en",

	BalanceTitle:       "Your balance",
	PendingLine:        "Withdrawals on their way: %s %s",
	MinimumLine:        "Minimum withdrawal: %s %s",
	Withdraw:           "Withdraw",
	AddBankAccount:     "Add a bank account",
	TransactionsHead:   "Transactions",
	NoTransactions:     "No transactions yet.",
	OlderTransactions:  "Older transactions",
	NewestTransactions: "Newest transactions",
	DateLayout:         "2 Jan 2006",
	TransferKinds:      map[string]string{"credit": "Credit", "adjustment": "Adjustment", "reversal": "Reversal"},

	ReasonNoBalance:     "There is no balance to withdraw yet.",
	ReasonWaitPeriod:    "Recent earnings become available to withdraw after %d days.",
	ReasonBelowMinimum:  "The minimum withdrawal is %[1]s %[3]s; the balance is %[2]s %[3]s.",
	ReasonNoBankAccount: "Add a bank account to withdraw.",
	ReasonOnboarding:    "Verify your identity to withdraw.",

	LinkInvalidTitle:   "Link not valid",
	LinkInvalid:        "This link is not valid. Open the portal again from the app.",
	LinkExpiredTitle:   "Link expired",
	LinkExpired:        "This link has expired. Open the portal again from the app to get a new one.",
	LinkUsedTitle:      "Link already used",
	LinkUsed:           "This link was already used. Open the portal again from the app to get a new one.",
	SessionEndedTitle:  "Session ended",
	SessionMissing:     "Your session has ended. Open the portal again from the app.",
	NotAvailableTitle:  "Not available",
	Forbidden:          "This page is not part of the link you opened.",
	FormExpiredTitle:   "Form expired",
	FormExpired:        "This form has expired. Go back and try again.",
	TryAgainTitle:      "Try again",
	Unavailable:        "The portal cannot open right now; please try again in a moment.",
	NotFoundTitle:      "Not found",
	WithdrawalNotFound: "This withdrawal does not exist.",
	WithdrawalNotMade:  "We could not make the withdrawal just now; nothing was taken from your balance. Try again.",
	RedirectNotMade:    "We could not send you back just now; try again.",
	LogoNotFound:       "This org has no logo.",
	OutboxUnavailable:  "The outbox cannot be read right now.",
	ContinueLabel:      "Continue",
	BackToBalance:      "Back to your balance",
	CodeSendFailed:     "We could not send a code just now: %s",
	CodeNotSent:        "We could not send a code just now; try again.",
	CodeCheckFailed:    "We could not check the code just now; try again.",
	CheckHighlighted:   "Please check the highlighted field.",
	AccountNotSaved:    "We could not save the account just now; try again.",
	WithdrawalDescribe: "Withdrawal from the portal",

	VerifyTitle:   "Verify your email",
	VerifyHeading: "Check your email",
	VerifyIntro:   "We sent a 6-digit code to %s. Enter it to see your balance.",
	CodeLabel:     "Verification code",
	SendNewCode:   "Send a new code",
	CodeCooldown:  "a code was sent less than a minute ago; check your email or try again shortly",
	CodeLimit:     "too many codes were requested; try again later",
	CodeWrong:     "that code is not right; check the latest email and try again",
	CodeExpired:   "that code has expired; ask for a new one",
	CodeLocked:    "too many wrong codes; ask for a new one",

	SetupTitle:         "Bank account",
	YourAccounts:       "Your bank accounts",
	DefaultAccount:     "default",
	RemoveAccount:      "Remove",
	RemoveAccountLabel: "Remove the account ending %s",
	AddAnotherAccount:  "Add another account",
	WhereToPayYou:      "Where should we pay you?",
	BankCountry:        "Bank country:",
	SaveBankAccount:    "Save bank account",
	Countries: map[string]string{"GB": "United Kingdom", "US": "United States", "DE": "Germany", "FR": "France",
		"NL": "Netherlands", "ES": "Spain", "IT": "Italy", "IE": "Ireland"},
	HolderName:      "Account holder name",
	SortCode:        "Sort code (6 digits)",
	UKAccountNumber: "Account number (8 digits)",
	RoutingNumber:   "Routing number (9 digits)",
	AccountNumber:   "Account number",
	AccountType:     "Account type",
	IBAN:            "IBAN",
	BICOptional:     "BIC (optional)",
	Checking:        "checking",
	Savings:         "savings",

	ConfirmIntro:      "You are withdrawing %s to %s.",
	ConfirmWithdrawal: "Confirm withdrawal",
	ChangeAmount:      "Change the amount",
	AvailableLine:     "Available: %[1]s %[3]s · minimum %[2]s %[3]s",
	AmountLabel:       "Amount (%s)",
	AmountExample:     "Enter an amount such as %s.",
	AmountTooSmall:    "The minimum withdrawal is %s %s.",
	AmountTooLarge:    "You can withdraw at most %s %s.",

	StatusTitle: "Withdrawal",
	StatusHeading: map[string]string{"pending": "Withdrawal requested", "processing": "Withdrawal on its way",
		"succeeded": "Withdrawal paid", "failed": "Withdrawal failed", "canceled": "Withdrawal canceled"},
	StatusExplain: map[string]string{"pending": "Your withdrawal is on its way to the bank.",
		"processing": "The bank is processing your withdrawal.", "succeeded": "The money has been paid to your bank account.",
		"failed":   "The withdrawal failed and the money is back in your balance.",
		"canceled": "The withdrawal was canceled and the money is back in your balance."},
	Done: "Done",

	AllDone:  "All done",
	CanClose: "You can close this window.",

	OutboxTitle: "Development outbox",
	OutboxIntro: "No SMTP server is configured (PAYPORT_SMTP_HOST), so emails are kept here instead of being sent. Newest first; also as %s.",
	OutboxJSON:  "JSON",
	OutboxTo:    "to %s · %s UTC",
	OutboxEmpty: "No email yet.",

	IdentityTitle:        "Your identity",
	IdentitySubmit:       "Submit for verification",
	IdentityReturn:       "Return to the app",
	IdentityKind:         "You are",
	IdentityIndividual:   "an individual",
	IdentityBusiness:     "a business",
	IdentityLegalName:    "Legal name",
	IdentityDateOfBirth:  "Date of birth (YYYY-MM-DD, individuals)",
	IdentityRegistration: "Registration number (businesses)",
	IdentityAddress:      "Street address",
	IdentityCity:         "City",
	IdentityPostalCode:   "Postal code",
	IdentityCountry:      "Country (two letters, such as DE)",
	IdentityStatus: map[string]string{"unverified": "Not verified yet.", "pending": "We are checking your details.",
		"verified": "Your identity is verified.", "rejected": "We could not verify your identity."},
	IdentityReasons: map[string]string{"document_mismatch": "The details do not match the records; check them and submit again.",
		"more_information_needed": "We need more information; check every field and submit again."},

	ChangeCountryTitle:   "Change account country",
	ChangeCountryIntro:   "Your bank accounts and identity details belong to your current country: changing it removes them, and you add new ones for the new country. Your balance and history stay.",
	ChangeCountryConfirm: "I understand that my bank accounts and identity details are removed",
	ChangeCountryButton:  "Change country",
	ResetTitle:           "Reset account",
	ResetIntro:           "Resetting removes your bank accounts and identity details so that you can start again. Your balance and history stay.",
	ResetConfirm:         "I understand that my bank accounts and identity details are removed",
	ResetButton:          "Reset account",
	ConfirmRequired:      "Tick the box to confirm.",

	EmbedLoading: "Loading your payouts…",

	Pay:     englishPay,
	Email:   englishEmail,
	Dash:    englishDash,
	DashOps: englishDashOps,
	DashPay: englishDashPay,
}

// catalogues are the languages the portal speaks; the first is the fallback.
// Catalogues are the languages Payport speaks; the first is the fallback.
var Catalogues = []*Texts{&English}

// matcher matches Accept-Language against the catalogues' languages.
var matcher = newMatcher(Catalogues)

func newMatcher(cats []*Texts) language.Matcher {
	tags := make([]language.Tag, len(cats))
	for i, c := range cats {
		tags[i] = language.MustParse(c.Lang)
	}
	return language.NewMatcher(tags)
}

// For picks the catalogue that best matches the request's Accept-Language, English
// when none does (or without a request).
func For(r *http.Request) *Texts {
	if r == nil {
		return Catalogues[0]
	}
	_, i := language.MatchStrings(matcher, r.Header.Get("Accept-Language"))
	return Catalogues[i]
}
