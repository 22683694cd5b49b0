package webhook

import (
	"net/http"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestScheduleTable(t *testing.T) {
	// After attempt n fails, attempt n+1 comes this much later (the specification's table).
	want := []time.Duration{
		5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
		10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
	}
	var total time.Duration
	for i, delay := range want {
		attempt := i + 1
		d := Next(attempt, http.StatusInternalServerError, "", t0)
		if d.Action != Retry || !d.RetryAt.Equal(t0.Add(delay)) {
			t.Errorf("after attempt %d: %v at %v, want retry at +%v", attempt, d.Action, d.RetryAt.Sub(t0), delay)
		}
		total += delay
	}
	// The last attempt starts 75:35:05 after the first, as in the specification.
	if total != 75*time.Hour+35*time.Minute+5*time.Second {
		t.Errorf("schedule spans %v", total)
	}
	if d := Next(MaxAttempts, http.StatusInternalServerError, "", t0); d.Action != GiveUp || !d.RetryAt.IsZero() {
		t.Errorf("after attempt %d: %+v, want give up", MaxAttempts, d)
	}
	if MaxAttempts != 10 {
		t.Errorf("MaxAttempts = %d, want 10", MaxAttempts)
	}
}

func TestNextByStatus(t *testing.T) {
	cases := []struct {
		attempt, status int
		want            Action
	}{
		{1, 200, Done}, {1, 204, Done}, {1, 299, Done}, {MaxAttempts, 200, Done},
		{1, 410, Disable}, {MaxAttempts, 410, Disable},
		{1, 0, Retry}, // no response: refused, timed out, reset
		{1, 101, Retry}, {1, 300, Retry}, {1, 302, Retry}, {1, 304, Retry},
		{1, 400, Retry}, {1, 401, Retry}, {1, 404, Retry}, {1, 429, Retry},
		{1, 500, Retry}, {1, 502, Retry}, {1, 503, Retry}, {1, 504, Retry},
		{MaxAttempts, 429, GiveUp}, {MaxAttempts + 3, 500, GiveUp},
		{0, 500, Retry}, // a nonsense attempt number counts as the first
	}
	for _, c := range cases {
		if got := Next(c.attempt, c.status, "", t0).Action; got != c.want {
			t.Errorf("Next(attempt %d, status %d) = %v, want %v", c.attempt, c.status, got, c.want)
		}
	}
}

func TestRetryAfterSlowsThrottledRetries(t *testing.T) {
	date := func(d time.Duration) string { return t0.Add(d).Format(http.TimeFormat) }
	cases := []struct {
		name       string
		attempt    int
		status     int
		retryAfter string
		want       time.Duration // from t0
	}{
		{"429 seconds beyond the schedule", 1, 429, "120", 120 * time.Second},
		{"429 seconds within the schedule", 3, 429, "1", 30 * time.Minute},
		{"502 seconds", 1, 502, "60", time.Minute},
		{"503 HTTP date", 2, 503, date(2 * time.Hour), 2 * time.Hour},
		{"504 HTTP date in the past", 2, 504, date(-time.Hour), 5 * time.Minute},
		{"capped at 24 h", 1, 429, "999999999", 24 * time.Hour},
		{"capped at 24 h, overflowing digits", 1, 429, "99999999999999999999999", 24 * time.Hour},
		{"date capped at 24 h", 1, 503, date(72 * time.Hour), 24 * time.Hour},
		{"garbage ignored", 1, 429, "soon", 5 * time.Second},
		{"negative ignored", 1, 429, "-30", 5 * time.Second},
		{"fraction ignored", 1, 429, "1.5", 5 * time.Second},
		{"500 is no throttling signal", 1, 500, "3600", 5 * time.Second},
		{"404 is no throttling signal", 1, 404, "3600", 5 * time.Second},
	}
	for _, c := range cases {
		d := Next(c.attempt, c.status, c.retryAfter, t0)
		if d.Action != Retry || !d.RetryAt.Equal(t0.Add(c.want)) {
			t.Errorf("%s: %v at +%v, want retry at +%v", c.name, d.Action, d.RetryAt.Sub(t0), c.want)
		}
	}
	if d := Next(MaxAttempts, 429, "10", t0); d.Action != GiveUp {
		t.Errorf("Retry-After on the last attempt: %v, want give up", d.Action)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	future := t0.Add(90 * time.Second)
	cases := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"120", 120 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"86400", 24 * time.Hour, true},
		{"86401", 24 * time.Hour, true},
		{future.Format(http.TimeFormat), 90 * time.Second, true}, // IMF-fixdate
		{future.Format(time.RFC850), 90 * time.Second, true},     // obsolete RFC 850
		{future.Format(time.ANSIC), 90 * time.Second, true},      // asctime
		{t0.Add(-time.Minute).Format(http.TimeFormat), 0, true},  // past: no delay
		{"", 0, false},
		{"soon", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"5s", 0, false},
		{"2026-11-22T09:01:30Z", 0, false}, // ISO 8601 is not an HTTP date
	}
	for _, c := range cases {
		got, ok := retryAfterDelay(c.in, t0)
		if got != c.want || ok != c.wantOK {
			t.Errorf("retryAfterDelay(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.wantOK)
		}
	}
}

func TestShouldDisable(t *testing.T) {
	cases := []struct {
		first time.Time
		want  bool
	}{
		{time.Time{}, false}, // not failing
		{t0, false},
		{t0.Add(-4*24*time.Hour - 23*time.Hour), false},
		{t0.Add(-5 * 24 * time.Hour), true},
		{t0.Add(-30 * 24 * time.Hour), true},
	}
	for _, c := range cases {
		if got := ShouldDisable(c.first, t0); got != c.want {
			t.Errorf("ShouldDisable(failing since %v before) = %v, want %v", t0.Sub(c.first), got, c.want)
		}
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{Done: "done", Retry: "retry", Disable: "disable", GiveUp: "give_up", 0: "Action(0)"} {
		if a.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(a), a.String(), want)
		}
	}
}
