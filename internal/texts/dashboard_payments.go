package texts

// DashPayTexts are the words of the dashboard's payments, recipients and payment links pages
// (issue 9, items 3 to 5), part of each language's Texts. Values come in through fmt verbs,
// as noted.
type DashPayTexts struct {
	// Navigation and page titles.
	Payments, Recipients, Links string
	PaymentTitle                string // %s the payment id

	// Filters and paging.
	Filters, Apply, Clear, Any, From, Before, Older, Newest string
	ExportCSV                                               string

	// Payments.
	ID, Type, Status, Amount, Currency, ExternalID, Recipient, Customer, Created, Updated string
	Description, Source, Rail, Failure, Method                                            string
	Summary, StateChanges, Reason, Transfers, Kind, Events, Deliveries                    string
	Attempt, StatusCode, NoAnswer, Error, Retry, RetryQueued, NoDeliveries                string
	Cancel, CancelHelp, Canceled                                                          string

	// Recipients.
	Name, Email, Country, Balances, Available, OnTheWay, PayoutMethod, Identity string
	Yes, No, Methods, Scheme, Holder, AccountEnd, BankCode, Default             string
	// IdentityStatuses name each identity status.
	IdentityStatuses                                          map[string]string
	Transactions, Direction, In, Out                          string
	ChangeBalance, ChangeHelp, Credit, Adjust, ReasonRequired string
	BalanceChanged                                            string // %s amount, %s currency, %s new available balance
	BalanceReplayed                                           string
	SupportLinks, SupportHelp, PortalLink, AccountLink        string
	UseCase, Onboarding, PayoutsPortal, ReturnURL, RefreshURL string
	Generate, LinkShownOnce, ValidUntil                       string // ValidUntil: %s the time

	// Payment links.
	NewLink, AmountOptional, Reference, ExpiresIn, OTPRequired string
	Preview, EmailPreview, Subject, To, CreateLink             string
	// EmailAsSent titles the frame of the email's HTML part; EmailAsText the text part.
	EmailAsSent, EmailAsText                       string
	LinkCreated                                    string // %s the email
	Expires, Sent, NotSent, Resend, Resent, Revoke string
	RevokeAll, RevokeAllHelp                       string
	RevokedCount                                   string // %d links
	Total                                          string // %d links
}

var englishDashPay = DashPayTexts{
	Payments:     "Payments",
	Recipients:   "Recipients",
	Links:        "Payment links",
	PaymentTitle: "Payment %s",

	Filters:   "Filters",
	Apply:     "Apply",
	Clear:     "Clear",
	Any:       "any",
	From:      "Created from",
	Before:    "Created before",
	Older:     "Older",
	Newest:    "Newest",
	ExportCSV: "Export CSV",

	ID:           "ID",
	Type:         "Type",
	Status:       "Status",
	Amount:       "Amount",
	Currency:     "Currency",
	ExternalID:   "External ID",
	Recipient:    "Recipient",
	Customer:     "Customer",
	Created:      "Created",
	Updated:      "Updated",
	Description:  "Description",
	Source:       "Source",
	Rail:         "Rail",
	Failure:      "Failure",
	Method:       "Payment method",
	Summary:      "Summary",
	StateChanges: "Status changes",
	Reason:       "Reason",
	Transfers:    "Ledger transfers",
	Kind:         "Kind",
	Events:       "Events and webhook deliveries",
	Deliveries:   "Deliveries",
	Attempt:      "Attempt",
	StatusCode:   "HTTP status",
	NoAnswer:     "no answer",
	Error:        "Error",
	Retry:        "Retry",
	RetryQueued:  "The event is queued for delivery again.",
	NoDeliveries: "No delivery yet.",
	Cancel:       "Cancel the payment",
	CancelHelp:   "It has not reached its rail yet: canceling returns a payout's money to the recipient's available balance.",
	Canceled:     "The payment is canceled.",

	Name:         "Name",
	Email:        "Email",
	Country:      "Country",
	Balances:     "Balances",
	Available:    "Available",
	OnTheWay:     "Being paid out",
	PayoutMethod: "Payout method",
	Identity:     "Identity",
	Yes:          "yes",
	No:           "none",
	Methods:      "Payout methods",
	Scheme:       "Scheme",
	Holder:       "Holder",
	AccountEnd:   "Account ends",
	BankCode:     "Bank code",
	Default:      "default",
	IdentityStatuses: map[string]string{"unverified": "not submitted", "pending": "being checked", "verified": "verified",
		"rejected": "rejected"},
	Transactions:    "Transactions",
	Direction:       "In or out",
	In:              "in",
	Out:             "out",
	ChangeBalance:   "Credit or adjust the balance",
	ChangeHelp:      "A credit adds money from the org's funding account. An adjustment corrects the balance either way: a negative amount takes money back. Both are ledger transfers, recorded with your name.",
	Credit:          "Credit",
	Adjust:          "Adjustment",
	ReasonRequired:  "Reason (required, kept with the transfer)",
	BalanceChanged:  "Moved %s %s. Available now: %s.",
	BalanceReplayed: "This form was sent already; nothing moved again.",
	SupportLinks:    "Links for support",
	SupportHelp:     "A link lets whoever opens it act as this recipient once, until it expires. It is shown only here, once.",
	PortalLink:      "Portal link (balance and withdrawal)",
	AccountLink:     "Account link",
	UseCase:         "Opens",
	Onboarding:      "Onboarding",
	PayoutsPortal:   "Payouts portal",
	ReturnURL:       "Return URL",
	RefreshURL:      "Refresh URL (when the link has expired)",
	Generate:        "Generate",
	LinkShownOnce:   "Copy the link now: it is shown only once and works once.",
	ValidUntil:      "Works until %s.",

	NewLink:        "New payment link",
	AmountOptional: "Amount (empty: the customer enters it)",
	Reference:      "Reference",
	ExpiresIn:      "Expires in hours (empty: the org's default)",
	OTPRequired:    "Ask for a code emailed to the address first",
	Preview:        "Preview the email",
	EmailPreview:   "Email preview",
	EmailAsSent:    "The email as its recipient sees it",
	EmailAsText:    "Text part",
	Subject:        "Subject",
	To:             "To",
	CreateLink:     "Create and send",
	LinkCreated:    "Link created; it is emailed to %s.",
	Expires:        "Expires",
	Sent:           "Sent",
	NotSent:        "not yet",
	Resend:         "Resend",
	Resent:         "The link is emailed again.",
	Revoke:         "Revoke",
	RevokeAll:      "Revoke every active link of an email",
	RevokeAllHelp:  "Every active link sent to this address stops working.",
	RevokedCount:   "Links revoked: %d.",
	Total:          "Links that match: %d.",
}
