package texts

// PayTexts are the words of the Payments API's hosted forms (/checkin, /checkout), part of
// each language's Texts.
type PayTexts struct {
	FormNotFound string

	// The payout form.
	CheckinTitle   string
	CheckinHeading string // %s who pays
	SavedAccounts  string
	UseSaved       string
	UseSavedLabel  string // %s last four digits
	OrNewAccount   string
	GetPaid        string // %s amount, %s currency

	// The payin form.
	CheckoutTitle                        string
	CheckoutHeading                      string // %s who is paid
	CardHead                             string
	CardNumber, CardExpiry               string
	CardCVC, CardHolder                  string
	PayButton                            string // %s amount, %s currency
	PaymentNotMade                       string
	BankTransferHead, BankTransferIntro  string
	BankTransferButton, Reference, PayTo string
	NoBankDetails                        string // %s who is paid

	// The page of a completed, expired or ended form, by payment status (and
	// "awaiting_transfer", "expired"): a heading and a sentence.
	StatusHeading map[string]string
	StatusExplain map[string]string // "expired" takes %s, who created the payment
	ReturnTo      string            // %s the platform

	// The payment link page.
	LinkNotFound string
	LinkTitle    string
	LinkHeading  string // %s who is paid
	// LinkClosedHeading heads a link that can no longer be paid; %s who is paid.
	LinkClosedHeading string
	LinkVerifyIntro   string // %s the masked email
	SendCode          string
	LinkCodeWrong     string
	LinkPay           string
	LinkExpires       string // %s date
	// LinkClosed says why a link cannot be paid, by its status.
	LinkClosed map[string]string
}

var englishPay = PayTexts{
	FormNotFound: "This payment does not exist. Check the link you were given.",

	CheckinTitle:   "Get paid",
	CheckinHeading: "%s is paying you",
	SavedAccounts:  "Your saved accounts",
	UseSaved:       "Use this account",
	UseSavedLabel:  "Pay to the account ending %s",
	OrNewAccount:   "Or enter another bank account",
	GetPaid:        "Get %s %s",

	CheckoutTitle:      "Pay",
	CheckoutHeading:    "Pay %s",
	CardHead:           "Pay by card",
	CardNumber:         "Card number",
	CardExpiry:         "Expiry date (MM/YY)",
	CardCVC:            "Security code (CVC)",
	CardHolder:         "Name on the card",
	PayButton:          "Pay %s %s",
	PaymentNotMade:     "We could not take the payment just now; nothing was charged. Try again.",
	BankTransferHead:   "Pay by bank transfer",
	BankTransferIntro:  "You get a reference to quote in your bank's app. The payment completes when the money arrives.",
	BankTransferButton: "Pay by bank transfer",
	Reference:          "Reference to quote",
	PayTo:              "Pay to",
	NoBankDetails:      "Use the bank details %s gave you.",

	StatusHeading: map[string]string{"pending": "Details received", "processing": "Payment processing",
		"succeeded": "Payment complete", "failed": "Payment failed", "canceled": "Payment canceled",
		"expired": "This link has expired", "awaiting_transfer": "Waiting for your transfer"},
	StatusExplain: map[string]string{"pending": "Thank you. The payment is on its way.",
		"processing": "The payment is being processed.", "succeeded": "The payment is complete.",
		"failed": "The payment did not go through.", "canceled": "This payment was canceled.",
		"expired":           "Ask %s for a new link.",
		"awaiting_transfer": "Send the amount by bank transfer, quoting the reference below exactly."},
	ReturnTo: "Return to %s",

	LinkNotFound:      "This payment link does not exist. Check the link in your email.",
	LinkTitle:         "Payment",
	LinkHeading:       "%s asks you to pay",
	LinkClosedHeading: "Payment link of %s",
	LinkVerifyIntro:   "To open this payment link, enter the code we email to %s.",
	SendCode:          "Email me a code",
	LinkCodeWrong:     "That code is not valid; check the latest email or ask for a new code.",
	LinkPay:           "Continue to payment",
	LinkExpires:       "This link works until %s.",
	LinkClosed: map[string]string{"paid": "This link has been paid. Thank you.", "revoked": "This link was withdrawn; ask for a new one.",
		"expired": "This link has expired; ask for a new one."},
}
