package texts

// DashTexts are the words of the merchant dashboard (/dashboard), part of each language's
// Texts. Values come in through fmt verbs, as noted.
type DashTexts struct {
	Product, NavLabel, SignOut, SignedInAs string
	// Navigation and page titles.
	Overview, Keys, Members, Sessions, Audit, Orgs string

	// Sign-in, the emailed code and passwords.
	SignInTitle, Email, Password, SignIn, ForgotPassword string
	VerifyTitle, VerifyIntro, CodeLabel, Verify, NewCode string
	// Sign-in with an authenticator app (TOTP), and its card on the Sessions page.
	VerifyTitleTOTP, VerifyIntroTOTP, LostTOTP                   string
	TOTPTitle, TOTPOff, TOTPOn, TOTPStart, TOTPAdd, TOTPKeyLabel string
	TOTPOpen, TOTPEnable, TOTPDisable, TOTPDisableHelp           string
	TOTPTurnedOn, TOTPTurnedOff                                  string
	ResetTitle, ResetIntro, ResetSend, ResetSent                 string
	PasswordTitle, InviteTitle, PasswordIntro                    string // PasswordIntro: %s the email
	InviteIntro                                                  string // %s the org
	NewPassword, PasswordRules, SavePassword                     string
	PasswordSaved, BackToSignIn                                  string

	// Errors.
	ErrorTitle, SessionEnded, FormExpired, NotAllowed, NotFound string
	Unavailable, LinkInvalid, SignInFailed, SignInLocked        string

	// Overview.
	Mode, TestMode, LiveMode, RecipientsCount, Owed          string
	Currency, Amount, Payments, Type, Status, Count, Nothing string

	// API keys.
	NewKey, Name, KeyName, Permissions, Create, KeyCreated, KeyShownOnce, Copy, Copied string
	Prefix, Created, LastUsed, Never, Revoke, Revoked, Active, State                   string
	// ScopeNames name each permission checkbox, by scope.
	ScopeNames map[string]string

	// Members, sessions, audit, orgs.
	Role, Invite, InviteSent, Joined string
	Roles                            map[string]string
	// Team management: a member's role and removal, and the per-address limit.
	ChangeRole, SaveRole, Remove, RemoveMember, You      string
	RoleChanged, MemberRemoved, TooManyRequests          string // RoleChanged, MemberRemoved: %s the email
	ThisSession, LastSeen, Address, Browser, SessionsOff string
	When, Who, Action, Object, Detail, Older             string
	OrgName, CreateOrg, Switch, Current                  string
	OrgCreated                                           string // %s the org's name
	DateLayout                                           string // Go layout of times
}

var englishDash = DashTexts{
	Product:    "Payport dashboard",
	NavLabel:   "Dashboard",
	SignOut:    "Sign out",
	SignedInAs: "Signed in as %s",
	Overview:   "Overview",
	Keys:       "API keys",
	Members:    "Members",
	Sessions:   "Sessions",
	Audit:      "Audit log",
	Orgs:       "Orgs",

	SignInTitle:    "Sign in",
	Email:          "Email",
	Password:       "Password",
	SignIn:         "Sign in",
	ForgotPassword: "Forgot your password?",
	VerifyTitle:    "Check your email",
	VerifyIntro:    "We sent a 6-digit code to your email address. Enter it to finish signing in.",
	CodeLabel:      "Verification code",
	Verify:         "Continue",
	NewCode:        "Send a new code",

	VerifyTitleTOTP: "Open your authenticator app",
	VerifyIntroTOTP: "Enter the 6-digit code your authenticator app shows for Payport.",
	LostTOTP:        "Lost the app? An org-admin can remove you and invite you again, which starts without it.",
	TOTPTitle:       "Authenticator app",
	TOTPOff:         "Sign-in asks for a code we email you. With an authenticator app, it asks for the app's code instead, so that your email alone no longer lets anyone in.",
	TOTPOn:          "On: sign-in asks for the code of your authenticator app.",
	TOTPStart:       "Set up an authenticator app",
	TOTPAdd:         "Add this key to your authenticator app, or open the link on the phone that has the app; then enter the code the app shows.",
	TOTPKeyLabel:    "Key",
	TOTPOpen:        "Open in an authenticator app",
	TOTPEnable:      "Turn on",
	TOTPDisable:     "Turn off",
	TOTPDisableHelp: "Enter the code your app shows now to turn it off.",
	TOTPTurnedOn:    "The authenticator app is on.",
	TOTPTurnedOff:   "The authenticator app is off: sign-in codes come by email again.",
	ResetTitle:      "Reset your password",
	ResetIntro:      "Enter your email address; we will send a link to set a new password.",
	ResetSend:       "Send the link",
	ResetSent:       "If an account uses that address, a link to set a new password is on its way. It works for an hour.",
	PasswordTitle:   "Set a new password",
	InviteTitle:     "Accept the invitation",
	PasswordIntro:   "Choose a password for %s.",
	InviteIntro:     "You are joining %s on Payport.",
	NewPassword:     "New password",
	PasswordRules:   "At least 12 characters; a phrase of a few words is good. Not your email address or the org's name.",
	SavePassword:    "Save the password",
	PasswordSaved:   "Your password is set. Sign in with it.",
	BackToSignIn:    "Go to sign-in",

	ErrorTitle:   "Something is not right",
	SessionEnded: "Your session has ended; sign in again.",
	FormExpired:  "This form has expired. Go back, reload the page and try again.",
	NotAllowed:   "Your role does not allow this.",
	NotFound:     "There is no such page or object.",
	Unavailable:  "The dashboard cannot answer right now; try again in a moment.",
	LinkInvalid:  "This link is not valid, was used already or has expired. Ask for a new one.",
	SignInFailed: "The email or the password is not right.",
	SignInLocked: "Too many failed sign-ins; wait 15 minutes and try again.",

	Mode:            "Mode",
	TestMode:        "Test",
	LiveMode:        "Live",
	RecipientsCount: "Recipients",
	Owed:            "Balances owed to recipients",
	Currency:        "Currency",
	Amount:          "Amount",
	Payments:        "Payments by status",
	Type:            "Type",
	Status:          "Status",
	Count:           "Count",
	Nothing:         "Nothing yet.",

	NewKey:       "New API key",
	Name:         "Name",
	KeyName:      "Name (to recognise it by)",
	Permissions:  "Permissions",
	Create:       "Create",
	KeyCreated:   "Key created",
	KeyShownOnce: "Copy the key now: it is shown only once.",
	Copy:         "Copy",
	Copied:       "Copied",
	Prefix:       "Key",
	Created:      "Created",
	LastUsed:     "Last used",
	Never:        "never",
	Revoke:       "Revoke",
	Revoked:      "revoked",
	Active:       "active",
	State:        "State",
	ScopeNames: map[string]string{"payouts": "Payouts", "rewards": "Rewards", "links": "Payment links",
		"read_only": "Read-only (no changes)"},

	Role:       "Role",
	Invite:     "Invite",
	InviteSent: "Invitation sent.",
	Joined:     "Joined",
	Roles: map[string]string{"internal-admin": "Internal admin (operator)", "org-admin": "Org admin",
		"viewer": "Viewer (read-only)"},
	ChangeRole:      "Role of %s",
	SaveRole:        "Save role",
	Remove:          "Remove",
	RemoveMember:    "Remove %s from the org",
	You:             "you",
	RoleChanged:     "The role of %s was changed.",
	MemberRemoved:   "%s was removed: their sessions have ended.",
	TooManyRequests: "Too many requests from your address. Wait an hour and try again.",
	ThisSession:     "this session",
	LastSeen:        "Last seen",
	Address:         "Address",
	Browser:         "Browser",
	SessionsOff:     "Sessions end after 30 minutes without use and 12 hours after sign-in.",
	When:            "When",
	Who:             "Who",
	Action:          "Action",
	Object:          "Object",
	Detail:          "Detail",
	Older:           "Older entries",
	OrgName:         "Org name",
	CreateOrg:       "Create org",
	Switch:          "Open",
	Current:         "current",
	OrgCreated:      "%s was created, with this test API key",
	DateLayout:      "2 Jan 2006 15:04 UTC",
}
