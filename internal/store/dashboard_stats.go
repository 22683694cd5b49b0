package store

// The dashboard overview's charts (issue 9, item 9): aggregates over a window of days.

// DayPayouts counts and adds up the payouts created on one UTC day ("2006-01-02") in one
// currency and status.
type DayPayouts struct {
	Day      string
	Currency string
	Status   string
	Count    int64
	Total    int64
}

// EndpointAttempts counts an endpoint's delivery attempts in a window and those the receiver
// answered with a 2xx status. EndpointID is "" for payments' own webhookUrl.
type EndpointAttempts struct {
	EndpointID string
	Attempts   int64
	Succeeded  int64
}

// OwedKind is what recipients hold in one currency and kind of ledger account ("available",
// or "pending": on its way in withdrawals).
type OwedKind struct {
	Currency string
	Kind     string
	Total    int64
}
