package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/payport/payport/internal/webhook"
)

// WebhooksListenCmd follows a server's events for local development, the way integrators know
// from other platforms' CLIs: it prints each new event and, with --forward-to, POSTs it signed
// (Standard Webhooks, with a secret made for this session and printed at start) to a local
// receiver. It reads the events API with an API key, so nothing needs to reach the developer's
// machine from outside.
type WebhooksListenCmd struct {
	URL       string        `default:"http://127.0.0.1:8080" help:"Base URL of the payport server."`
	Key       string        `env:"PAYPORT_KEY" required:"" help:"An API key of the org (and mode) to follow."`
	ForwardTo string        `name:"forward-to" help:"Receiver to POST each event to, signed, e.g. http://127.0.0.1:3000/hook."`
	Events    []string      `help:"Only these event types (comma-separated; \"payment.*\" matches a family)."`
	Interval  time.Duration `default:"1s" help:"How often to ask for new events."`
	JSON      bool          `name:"json" help:"Print each event's envelope as one JSON line."`
}

// Run implements the command.
func (c *WebhooksListenCmd) Run(ctx context.Context) error {
	if c.Interval < 100*time.Millisecond {
		return errors.New("--interval must be at least 100ms")
	}
	if c.ForwardTo != "" {
		if u, err := url.Parse(c.ForwardTo); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--forward-to must be an http(s) URL such as http://127.0.0.1:3000/hook")
		}
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 15 * time.Second}
	// Start from the newest event: only what happens from now on is shown.
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := c.get(ctx, client, "/api/events?limit=1", &page); err != nil {
		return err
	}
	cursor := ""
	if len(page.Items) > 0 {
		var e struct{ ID string }
		_ = json.Unmarshal(page.Items[0], &e)
		cursor = e.ID
	}
	fmt.Fprintf(os.Stderr, "Listening for events of %s", c.URL)
	if c.ForwardTo != "" {
		fmt.Fprintf(os.Stderr, ", forwarding to %s", c.ForwardTo)
	}
	fmt.Fprintf(os.Stderr, ".\nSigning secret for this session: %s\n", secret)
	tick := time.NewTicker(c.Interval)
	defer tick.Stop()
	for {
		for {
			q := "/api/events?limit=100"
			if cursor != "" {
				q += "&after=" + url.QueryEscape(cursor)
			} else {
				q += "&after=evt_" // every event id sorts after this
			}
			var batch struct {
				Items []json.RawMessage `json:"items"`
			}
			if err := c.get(ctx, client, q, &batch); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				fmt.Fprintf(os.Stderr, "reading events: %v\n", err)
				break
			}
			for _, raw := range batch.Items {
				var e struct {
					ID        string `json:"id"`
					Type      string `json:"type"`
					CreatedAt string `json:"created_at"`
				}
				if err := json.Unmarshal(raw, &e); err != nil {
					return err
				}
				cursor = e.ID
				if !c.wants(e.Type) {
					continue
				}
				if c.JSON {
					fmt.Println(string(raw))
				} else {
					fmt.Printf("%s  %-28s %s\n", e.CreatedAt, e.Type, e.ID)
				}
				if c.ForwardTo != "" {
					c.forward(ctx, client, e.ID, raw, secret)
				}
			}
			if len(batch.Items) < 100 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (c *WebhooksListenCmd) wants(typ string) bool {
	if len(c.Events) == 0 {
		return true
	}
	return slices.ContainsFunc(c.Events, func(f string) bool {
		return f == typ || f == "*" || (strings.HasSuffix(f, ".*") && strings.HasPrefix(typ, strings.TrimSuffix(f, "*")))
	})
}

// forward POSTs one envelope to the local receiver, signed as Payport's own deliveries are.
func (c *WebhooksListenCmd) forward(ctx context.Context, client *http.Client, id string, body []byte, secret string) {
	h, err := webhook.Headers(id, time.Now(), body, secret)
	if err != nil {
		fmt.Fprintf(os.Stderr, "  sign %s: %v\n", id, err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.ForwardTo, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header = h
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(os.Stderr, "  -> %s failed: %v\n", c.ForwardTo, err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Fprintf(os.Stderr, "  -> %s %d (%d ms)\n", c.ForwardTo, resp.StatusCode, time.Since(t0).Milliseconds())
}

func (c *WebhooksListenCmd) get(ctx context.Context, client *http.Client, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.URL, "/")+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}
