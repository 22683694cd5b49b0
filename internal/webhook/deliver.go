package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxResponseBody is how much of a receiver's answer an Attempt keeps: enough to show the
// customer why their endpoint failed, small enough to log every attempt.
const MaxResponseBody = 1024

// UserAgent identifies Payport's webhook requests to receivers and their firewalls.
const UserAgent = "Payport-Webhooks/1"

// Attempt is what one delivery attempt records in the delivery log and feeds to Next.
type Attempt struct {
	// StatusCode is the receiver's HTTP status, or 0 when no response arrived.
	StatusCode int
	// Latency runs from sending the request to having read the kept part of the response.
	Latency time.Duration
	// ResponseBody is the start of the response body, at most MaxResponseBody bytes of valid
	// UTF-8 with no NUL (invalid bytes become U+FFFD), so it stores in any text column.
	ResponseBody string
	// Err says why no response arrived (refused address, timeout, TLS, connection), or why
	// the message could not be signed; empty when StatusCode is set.
	Err string
	// RetryAfter is the response's Retry-After header, for Next.
	RetryAfter string
}

// defaultClient serves Deliver calls that pass no client: live-mode policy, the strictest.
var defaultClient = sync.OnceValue(func() *http.Client { return NewClient(Policy{}) })

// Deliver makes one attempt: it signs body with secrets (see Headers; ts is now, the time of
// this attempt) and POSTs it to rawURL with client, which should come from NewClient (nil
// means the live-mode policy). It never returns an error: every outcome is an Attempt, to be
// logged and passed to Next.
func Deliver(ctx context.Context, client *http.Client, rawURL string, msgID string, ts time.Time, body []byte, secrets []string) Attempt {
	if client == nil {
		client = defaultClient()
	}
	h, err := Headers(msgID, ts, body, secrets...)
	if err != nil {
		return Attempt{Err: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return Attempt{Err: "webhook URL is not a valid URL"}
	}
	req.Header = h
	req.Header.Set("User-Agent", UserAgent)

	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		a := Attempt{Latency: time.Since(start), Err: describe(err, client.Timeout)}
		if ctx.Err() != nil {
			// The caller stopped the attempt (shutdown, its own deadline); the receiver may be fine.
			a.Err = "attempt stopped by the sender: " + ctx.Err().Error()
		}
		return a
	}
	defer resp.Body.Close()
	// A body that fails halfway still leaves the status, which is what decides; keep what came.
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody))
	latency := time.Since(start)
	// Read a little more so a short remainder lets the connection be reused; stop there.
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	return Attempt{
		StatusCode:   resp.StatusCode,
		Latency:      latency,
		ResponseBody: cleanText(kept, MaxResponseBody),
		RetryAfter:   resp.Header.Get("Retry-After"),
	}
}

// describe turns a client error into a line for the delivery log, without repeating the URL
// (url.Error's prefix) that the log shows beside it.
func describe(err error, timeout time.Duration) string {
	var ae *AddressError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() && timeout > 0 {
			return fmt.Sprintf("timed out: no complete response within %s", timeout)
		}
		if ue.Timeout() {
			return "timed out: " + ue.Err.Error()
		}
		err = ue.Err
	}
	return err.Error()
}

// cleanText returns b as valid UTF-8 of at most limit bytes: invalid bytes and NUL (which
// PostgreSQL text refuses) become U+FFFD, and a character cut off at the end is dropped.
func cleanText(b []byte, limit int) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 && !utf8.FullRune(b) {
			break // the reading limit cut a character in two
		}
		if r == 0 {
			r = utf8.RuneError
		}
		if sb.Len()+utf8.RuneLen(r) > limit {
			break
		}
		sb.WriteRune(r)
		b = b[size:]
	}
	return sb.String()
}
