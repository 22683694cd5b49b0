package httpapi

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestThrottledLogWritesOnceAnInterval(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	l := &throttledLog{interval: time.Second}
	start := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.warn(log, start.Add(time.Duration(i)*time.Millisecond/2), "database unavailable", "err", "dial tcp: connection refused")
	}
	l.warn(log, start.Add(1500*time.Millisecond), "database unavailable", "err", "dial tcp: connection refused")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines for 1,001 failures over 1.5 s, want 2:\n%s", len(lines), buf.String())
	}
	if strings.Contains(lines[0], "held_back") || !strings.Contains(lines[1], "similar_lines_held_back=999") {
		t.Errorf("the second line should count the 999 held back:\n%s", buf.String())
	}
}
