package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// binary runs the payport executable on the soak's database.
type binary struct {
	path    string
	dataDir string
	dbURL   string // empty: SQLite in dataDir
}

// env is the child's environment: ours without any PAYPORT_ setting (so that the operator's
// own configuration cannot point the soak at a real database), plus the soak's database.
func (b binary) env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PAYPORT_") {
			out = append(out, kv)
		}
	}
	if b.dbURL != "" {
		out = append(out, "PAYPORT_DATABASE_URL="+b.dbURL)
	}
	return out
}

// command builds `payport --data-dir DIR args...`.
func (b binary) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.path, append([]string{"--data-dir", b.dataDir}, args...)...)
	cmd.Env = b.env()
	cmd.Dir = b.dataDir
	return cmd
}

// run runs a one-shot command to completion and returns its stdout, stderr and exit status.
func (b binary) run(ctx context.Context, args ...string) (stdout, stderr string, code int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := b.command(ctx, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode(), nil
	}
	return o.String(), e.String(), 0, err
}

// server is one `payport serve` slot: a port that a process serves, killed and restarted
// on the same port so that clients keep their address.
type server struct {
	bin   binary
	index int
	addr  string
	base  string
	args  []string
	log   *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	up   atomic.Bool // ready and not being killed: clients send to it
}

// newServer reserves a loopback port for slot index.
func newServer(bin binary, index int, args []string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	f, err := os.OpenFile(filepath.Join(bin.dataDir, fmt.Sprintf("soak-serve-%d.log", index)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &server{bin: bin, index: index, addr: addr, base: "http://" + addr, args: args, log: f}, nil
}

// start runs the process and waits until /readyz answers 200; it returns how long that took.
func (s *server) start(ctx context.Context) (time.Duration, error) {
	began := time.Now()
	for attempt := 0; ; attempt++ {
		fmt.Fprintf(s.log, "---- soak: start %s\n", time.Now().UTC().Format(time.RFC3339Nano))
		cmd := s.bin.command(context.WithoutCancel(ctx), append([]string{"serve", "--addr", s.addr}, s.args...)...)
		tail := &tailBuffer{max: 8 << 10}
		cmd.Stdout, cmd.Stderr = io.MultiWriter(s.log, tail), io.MultiWriter(s.log, tail)
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		s.mu.Lock()
		s.cmd, s.done = cmd, done
		s.mu.Unlock()
		err := waitReady(ctx, s.base, done, 2*time.Minute)
		if err == nil {
			s.up.Store(true)
			return time.Since(began), nil
		}
		s.kill()
		// The port was free when reserved, but another program may have taken it while the
		// process was down: a few attempts, then give up.
		if strings.Contains(tail.String(), "address already in use") && attempt < 20 {
			time.Sleep(250 * time.Millisecond)
			continue
		}
		return 0, fmt.Errorf("server %d: %w\n%s", s.index, err, tail.String())
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() { s.signal(syscall.SIGKILL, 0) }

// stop asks the process to shut down gracefully (SIGTERM), killing it after timeout.
func (s *server) stop(timeout time.Duration) { s.signal(syscall.SIGTERM, timeout) }

// signal marks the server down, sends sig and waits for the process to end; past timeout
// (when sig is not already SIGKILL) it kills the process.
func (s *server) signal(sig syscall.Signal, timeout time.Duration) {
	s.up.Store(false)
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	if sig == syscall.SIGKILL {
		<-done
		return
	}
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// waitReady polls /readyz until it answers 200, the process exits, or the timeout passes.
func waitReady(ctx context.Context, base string, exited <-chan struct{}, timeout time.Duration) error {
	c := http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-exited:
			return errors.New("exited before it was ready")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := c.Get(base + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz not 200 after %v", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
