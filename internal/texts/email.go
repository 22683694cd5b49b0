package texts

// EmailTexts are the words of the emails Payport sends, part of each language's Texts. Values
// come in through fmt verbs, as noted.
type EmailTexts struct {
	// The one-time code (portal two-factor, payment links).
	CodeSubject string // %[1]s the code, %[2]s the org
	CodeIntro   string // %s the org; the code follows on its own line
	CodeFooter  string

	// A payment link and its reminders.
	LinkSubject       string // %s the org
	LinkSubjectAmount string // %[1]s the org, %[2]s amount with currency
	ReminderPrefix    string // put before the subject of a reminder
	LinkAsks          string // %s the org
	LinkAsksAmount    string // %[1]s the org, %[2]s amount with currency
	ReminderIntro     string // put before LinkAsks in a reminder
	PayHere           string // %s the URL (text part)
	PayButton         string // the HTML part's button
	ReferenceLine     string // %s the reference
	LinkWorksUntil    string // %s date and time
	LinkCodeNotice    string // an OTP-gated link
	NotExpected       string
	DateLayout        string // Go layout of the expiry

	// Dashboard emails: an invitation, a password link, and the sign-in code's sender name.
	InviteSubject string // %s the org
	InviteIntro   string // %[1]s who invites, %[2]s the org, %[3]s the role
	InviteButton  string
	// InviteTaken is sent instead of an invitation to an email that has an account already
	// (in another org, or an operator's): %[1]s who invites, %[2]s the org, %[3]s the role.
	InviteTaken     string
	PasswordSubject string
	PasswordIntro   string
	PasswordButton  string
	LinkOnce        string // %s date and time the link stops working
	DashboardName   string // names the dashboard where a code email names an org
}

var englishEmail = EmailTexts{
	CodeSubject: "%[1]s is your %[2]s verification code",
	CodeIntro:   "Your %s verification code is",
	CodeFooter:  "It works for 10 minutes. If you did not ask for it, ignore this email.",

	LinkSubject:       "%s sent you a payment link",
	LinkSubjectAmount: "%[1]s sent you a payment link for %[2]s",
	ReminderPrefix:    "Reminder: ",
	LinkAsks:          "%s asks you to pay",
	LinkAsksAmount:    "%[1]s asks you to pay %[2]s",
	ReminderIntro:     "A reminder: ",
	PayHere:           "Pay here: %s",
	PayButton:         "Pay now",
	ReferenceLine:     "Reference: %s",
	LinkWorksUntil:    "The link works until %s.",
	LinkCodeNotice:    "You will be asked for a code we email to this address.",
	NotExpected:       "If you do not expect this, ignore this email.",
	DateLayout:        "2 Jan 2006 15:04 UTC",

	InviteSubject:   "You are invited to %s on Payport",
	InviteIntro:     "%[1]s invited you to the Payport dashboard of %[2]s as %[3]s. Choose a password to accept.",
	InviteButton:    "Accept the invitation",
	InviteTaken:     "%[1]s invited you to the Payport dashboard of %[2]s as %[3]s, but this email address has a Payport dashboard account already, and an account belongs to one org. To join %[2]s, ask them to invite another address of yours, or ask an admin of your current org to remove you first and then to be invited again. If you did not expect this, ignore this email.",
	PasswordSubject: "Set your Payport dashboard password",
	PasswordIntro:   "Someone (we hope you) asked to set the password of your Payport dashboard account. If it was not you, ignore this email: your password stays as it is.",
	PasswordButton:  "Set a password",
	LinkOnce:        "The link works once, until %s.",
	DashboardName:   "Payport dashboard",
}
