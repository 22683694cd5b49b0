package texts

// DashOpsTexts are the words of the dashboard's webhooks, events, rails, settings and chart
// pages, part of each language's Texts. Values come in through fmt verbs, as noted.
type DashOpsTexts struct {
	// Navigation and page titles.
	Webhooks, Events, Rails, Settings string

	// Webhook endpoints and their delivery log.
	NewEndpoint, URL, Description, EventTypes, EventTypesHint, AllEvents string
	EndpointCreated, SecretShownOnce, SecretRotated, RotateSecret        string
	Disable, Enable, Enabled, Disabled, FailingSince, Deliveries         string
	Attempt, StatusCode, Latency, Response, NoAnswer, Endpoint           string
	Endpoints, OlderDeliveries, Payment                                  string

	// Events.
	EventType, Any, Filter, Payload, Redeliver, Redelivered string // Redelivered: %d messages
	OlderEvents, Delivered, Failed                          string

	// Rails.
	Files, File, Payouts, Total, ExportNow, ExportHint, Exported      string // Exported: %s filename
	UploadReturns, UploadStatus, UploadHint, Upload, ImportResult     string
	Duplicate, FailedLines, SucceededLines, NoticeLines, IgnoredLines string
	Reference, Code, Outcome, Settled, ExportedState                  string

	// Settings.
	Branding, OrgName, DisplayName, DisplayNameHint, BrandColor, BrandColorHint string
	Logo, LogoHint, RemoveLogo, CurrentLogo                                     string
	PortalText, PayoutText, PayText, TextHint                                   string
	Withdrawals, MinimumWithdrawal, MinimumHint, WaitDays                       string
	Security, TwoFactor, RequireIdentity, AllowedOrigin, AllowedOriginHint      string
	RedirectAllowlist, RedirectHint, Lifetimes, LinkDefault, LinkMax, URLMins   string
	DefaultHint, Save, Saved, PreviewPortal, PreviewPayout, PreviewPay          string
	PreviewHint, FixFields                                                      string

	// Charts.
	ChartsHead, ChartsIntro, PayoutCount, PayoutVolume, PayoutCountDesc    string // PayoutCountDesc: %d days
	PayoutVolumeDesc, SuccessRate, SuccessRateDesc, OwedChart, OwedDesc    string // PayoutVolumeDesc: %s currency, %d days
	Day, Available, OnTheirWay, WebhookHealth, WebhookHealthDesc, Attempts string
	DeliveryRate, FailingEndpoints, NoneFailing, NoData, Open2, Succeeded2 string
	Percent                                                                string // %d
}

var englishDashOps = DashOpsTexts{
	Webhooks: "Webhooks",
	Events:   "Events",
	Rails:    "Bank files",
	Settings: "Settings",

	NewEndpoint:     "New endpoint",
	URL:             "URL",
	Description:     "Description",
	EventTypes:      "Event types",
	EventTypesHint:  "Tick none to receive every event.",
	AllEvents:       "all events",
	EndpointCreated: "Endpoint created",
	SecretShownOnce: "Copy the signing secret now: it is shown only once.",
	SecretRotated:   "New signing secret. The old one keeps signing beside it for 24 hours.",
	RotateSecret:    "Rotate secret",
	Disable:         "Disable",
	Enable:          "Enable",
	Enabled:         "enabled",
	Disabled:        "disabled",
	FailingSince:    "Failing since",
	Deliveries:      "Delivery log",
	Attempt:         "Attempt",
	StatusCode:      "Status",
	Latency:         "Latency",
	Response:        "Answer",
	NoAnswer:        "no answer",
	Endpoint:        "Endpoint",
	Endpoints:       "Endpoints",
	OlderDeliveries: "Older deliveries",
	Payment:         "the payment's webhookUrl",

	EventType:   "Type",
	Any:         "any",
	Filter:      "Show",
	Payload:     "Payload",
	Redeliver:   "Send again",
	Redelivered: "Sent again to %d destinations.",
	OlderEvents: "Older events",
	Delivered:   "delivered",
	Failed:      "failed",

	Files:          "Exported files",
	File:           "File",
	Payouts:        "Payouts",
	Total:          "Total",
	ExportNow:      "Export now",
	ExportHint:     "Writes every pending payout of the rail into one file for the bank (live mode).",
	Exported:       "Exported %s.",
	UploadReturns:  "Upload a NACHA return file",
	UploadStatus:   "Upload a SEPA status report (pain.002)",
	UploadHint:     "The file as the bank sent it, at most 10 MB. Importing the same file twice changes nothing.",
	Upload:         "Upload",
	ImportResult:   "Import result",
	Duplicate:      "This file was imported before; nothing changed this time.",
	FailedLines:    "Failed payouts",
	SucceededLines: "Settled payouts",
	NoticeLines:    "Notifications of change",
	IgnoredLines:   "Lines that changed nothing",
	Reference:      "Reference",
	Code:           "Code",
	Outcome:        "Outcome",
	Settled:        "settled",
	ExportedState:  "exported",

	Branding:          "Branding of the hosted pages",
	OrgName:           "Org name",
	DisplayName:       "Name shown on the hosted pages",
	DisplayNameHint:   "The org name when empty.",
	BrandColor:        "Brand colour",
	BrandColorHint:    "Buttons and the top of the hosted pages, such as #1a73e8.",
	Logo:              "Logo",
	LogoHint:          "A PNG, SVG or WebP image of at most 64 KB; it replaces the name at the top.",
	RemoveLogo:        "Remove the logo",
	CurrentLogo:       "A logo is set.",
	PortalText:        "Text on the rewards portal",
	PayoutText:        "Text on the payout form",
	PayText:           "Text on the pay form and payment links",
	TextHint:          "Plain text under the name, at most 500 characters.",
	Withdrawals:       "Withdrawals",
	MinimumWithdrawal: "Minimum withdrawal",
	MinimumHint:       "Per currency, such as EUR 10.00, USD 5.00.",
	WaitDays:          "Days credited money waits before it can be withdrawn",
	Security:          "Security",
	TwoFactor:         "Ask recipients for an emailed code by default (2FA)",
	RequireIdentity:   "Withdrawals need a verified identity",
	AllowedOrigin:     "Allowed origin",
	AllowedOriginHint: "The site allowed to frame the portal, such as https://app.example.com or *.example.com.",
	RedirectAllowlist: "Redirect allowlist",
	RedirectHint:      "One prefix a line, such as https://app.example.com/ or myapp://.",
	Lifetimes:         "Link lifetimes",
	LinkDefault:       "Payment link lifetime, hours",
	LinkMax:           "Longest payment link lifetime, hours",
	URLMins:           "Longest portal URL lifetime, minutes",
	DefaultHint:       "Empty: Payport's default.",
	Save:              "Save settings",
	Saved:             "Settings saved.",
	PreviewPortal:     "Preview the portal",
	PreviewPayout:     "Preview the payout form",
	PreviewPay:        "Preview the pay form",
	PreviewHint:       "Opens the hosted page with these settings, before they are saved.",
	FixFields:         "Nothing was saved: correct the field marked below.",

	ChartsHead:        "Last 30 days",
	ChartsIntro:       "The figures of each chart are in a table you can open below it.",
	PayoutCount:       "Payouts per day",
	PayoutVolume:      "Payout volume per day",
	PayoutCountDesc:   "Bar chart: the number of payouts created each day over the last %d days.",
	PayoutVolumeDesc:  "Bar chart: the amount in %s paid out each day over the last %d days.",
	SuccessRate:       "Success rate",
	SuccessRateDesc:   "Of the payouts of the last 30 days that finished, the share that succeeded.",
	OwedChart:         "Balances owed",
	OwedDesc:          "Per currency, what recipients can withdraw and what is on its way to them.",
	Day:               "Day",
	Available:         "Available",
	OnTheirWay:        "On its way",
	WebhookHealth:     "Webhook health",
	WebhookHealthDesc: "Share of webhook delivery attempts of the last 30 days answered with a 2xx status, per endpoint.",
	Attempts:          "Attempts",
	DeliveryRate:      "Delivered",
	FailingEndpoints:  "Failing endpoints",
	NoneFailing:       "No endpoint is failing.",
	NoData:            "No data yet.",
	Open2:             "Not finished",
	Succeeded2:        "Succeeded",
	Percent:           "%d%%",
}
