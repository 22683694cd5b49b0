package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimits bounds how fast one API key, and one client address, may call. Zero turns a
// limit off. Limits are per process: behind a load balancer each process allows this much.
type RateLimits struct {
	// PerKey is requests per second for one API key, with bursts of Burst.
	PerKey float64
	// PerIP is requests per second from one client address (every route: API, portal,
	// dashboard), with bursts of Burst.
	PerIP float64
	// Burst is how many requests may come at once (default: one second's worth).
	Burst int
}

// limiter is a set of token buckets by name (an API key id, an address).
type limiter struct {
	rate  float64
	burst float64
	mu    sync.Mutex
	byKey map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the memory a flood of distinct addresses can take: beyond it, buckets
// that have filled up again (their owner went quiet) are dropped.
const maxBuckets = 100_000

func newLimiter(rate float64, burst int) *limiter {
	if rate <= 0 {
		return nil
	}
	b := float64(burst)
	if b < 1 {
		b = math.Max(1, math.Ceil(rate))
	}
	return &limiter{rate: rate, burst: b, byKey: map[string]*bucket{}}
}

// allow takes a token of name's bucket; when there is none it says how long until there is.
func (l *limiter) allow(name string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.byKey[name]
	if !ok {
		if len(l.byKey) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.byKey[name] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// sweep drops the buckets that are full again.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.byKey {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.byKey, k)
		}
	}
}

// retryAfter is a Retry-After header value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// limitIP refuses a client address past its rate with 429 and Retry-After.
func (s *Server) limitIP(next http.Handler) http.Handler {
	if s.ipLimit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.ipLimit.allow(remoteIP(r.Context()), time.Now()); !ok {
			w.Header().Set("Retry-After", retryAfter(wait))
			writeProblem(w, r, &Problem{Type: problemType("rate_limited"), Title: "Too Many Requests", Status: http.StatusTooManyRequests,
				Code: "rate_limited", Detail: "too many requests from this address; retry after the time in Retry-After"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
