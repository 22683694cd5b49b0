package httpapi

import (
	"log/slog"
	"sync"
	"time"
)

// throttledLog writes a message at most once per interval and counts the lines it held back.
// While the database is away every request fails the same way: one line per request buried
// the log (47,000 lines in a 6-second PostgreSQL restart under load).
type throttledLog struct {
	interval time.Duration
	mu       sync.Mutex
	last     time.Time
	held     int
}

// warn logs msg unless a line went out less than the interval ago; the next line that goes
// out says how many were held back.
func (l *throttledLog) warn(log *slog.Logger, now time.Time, msg string, args ...any) {
	l.mu.Lock()
	if !l.last.IsZero() && now.Sub(l.last) < l.interval {
		l.held++
		l.mu.Unlock()
		return
	}
	held := l.held
	l.last, l.held = now, 0
	l.mu.Unlock()
	if held > 0 {
		args = append(args, "similar_lines_held_back", held)
	}
	log.Warn(msg, args...)
}
