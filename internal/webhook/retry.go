package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// schedule[n] is how long after attempt n (1-based) attempt n+1 is made; schedule[0] is the
// first attempt's delay: none. It is the specification's example schedule, which spans a
// little over three days.
var schedule = [...]time.Duration{
	0,
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// MaxAttempts is how many times one message is tried on one endpoint before giving up. After
// that the message can still be replayed by hand.
const MaxAttempts = len(schedule)

// MaxRetryAfter caps how long a receiver's Retry-After can postpone the next attempt, so a
// wrong header cannot park a message forever.
const MaxRetryAfter = 24 * time.Hour

// DisableAfter is how long an endpoint may fail continuously (no success in between) before
// it is disabled and its org told; longer than one message's whole schedule, so a single bad
// message does not disable an endpoint that otherwise works.
const DisableAfter = 5 * 24 * time.Hour

// Action is what to do with a message after an attempt.
type Action int

// The actions Next can decide. The zero Action is none of them, so a forgotten decision is
// visible.
const (
	// Done: the receiver answered 2xx; the message is delivered.
	Done Action = iota + 1
	// Retry: try again at Decision.RetryAt.
	Retry
	// Disable: the receiver answered 410 Gone, meaning it wants no more webhooks; disable the
	// endpoint and stop sending it anything.
	Disable
	// GiveUp: the schedule is exhausted; record the message as failed.
	GiveUp
)

// String names the action for logs.
func (a Action) String() string {
	switch a {
	case Done:
		return "done"
	case Retry:
		return "retry"
	case Disable:
		return "disable"
	case GiveUp:
		return "give_up"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Decision is Next's answer.
type Decision struct {
	Action Action
	// RetryAt is when to make the next attempt; set only when Action is Retry.
	RetryAt time.Time
}

// Next decides what follows attempt number attempt (1 for the first) which got HTTP status
// status (0 when no response arrived: refused, timed out, reset) and the response's
// Retry-After header (empty if none), the attempt having ended at now.
//
// 2xx is Done and 410 Gone is Disable. Anything else, 3xx included (redirects are not
// followed), is a failure, retried on the schedule until MaxAttempts attempts are made, then
// GiveUp. A 429, 502, 503 or 504 carrying Retry-After (seconds or an HTTP date) postpones
// the retry to that time, capped at MaxRetryAfter, if it is later than the schedule's.
func Next(attempt, status int, retryAfter string, now time.Time) Decision {
	switch {
	case status >= 200 && status <= 299:
		return Decision{Action: Done}
	case status == http.StatusGone:
		return Decision{Action: Disable}
	}
	attempt = max(attempt, 1)
	if attempt >= MaxAttempts {
		return Decision{Action: GiveUp}
	}
	delay := schedule[attempt]
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if d, ok := retryAfterDelay(retryAfter, now); ok {
			delay = max(delay, d)
		}
	}
	return Decision{Action: Retry, RetryAt: now.Add(delay)}
}

// ShouldDisable reports whether an endpoint whose current run of failures began at
// firstFailure (the zero time when its last attempt succeeded) has been failing for
// DisableAfter or more at now.
func ShouldDisable(firstFailure, now time.Time) bool {
	return !firstFailure.IsZero() && now.Sub(firstFailure) >= DisableAfter
}

// retryAfterDelay reads a Retry-After value (RFC 9110 section 10.2.3: delay-seconds or an
// HTTP date) as a delay from now, capped at MaxRetryAfter; a date in the past is no delay.
// ok is false when the value is absent or not in either form.
func retryAfterDelay(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true // only overflow can fail here: a huge delay
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
