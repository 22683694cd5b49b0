package soak

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// receiver is the loopback webhook receiver: one path per destination, each verifying the
// Standard Webhooks signature with that destination's secret (with the specification's own
// library, not Payport's code) and logging which events arrived.
type receiver struct {
	srv  *http.Server
	base string

	mu       sync.Mutex
	verifier map[string]*standardwebhooks.Webhook // path -> verifier
	got      map[string]map[string]int            // path -> event id -> valid deliveries
	bad      []string                             // refused deliveries, described
	valid    int
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{base: "http://" + ln.Addr().String(), verifier: map[string]*standardwebhooks.Webhook{}, got: map[string]map[string]int{}}
	r.srv = &http.Server{Handler: r}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// add makes path a destination signed with secret.
func (r *receiver) add(path, secret string) error {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.verifier[path] = wh
	r.got[path] = map[string]int{}
	return nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	wh := r.verifier[req.URL.Path]
	if wh == nil {
		r.bad = append(r.bad, "delivery to unknown path "+req.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var env struct{ ID string }
	if err := wh.Verify(body, req.Header); err != nil {
		r.bad = append(r.bad, "bad signature on "+req.URL.Path+" for "+req.Header.Get("webhook-id")+": "+err.Error())
		// Answered 2xx anyway: a refusal would only make Payport retry the same bytes.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := json.Unmarshal(body, &env); err != nil || env.ID != req.Header.Get("webhook-id") {
		r.bad = append(r.bad, "envelope id differs from webhook-id on "+req.URL.Path+": "+strings.TrimSpace(string(body[:min(len(body), 200)])))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	r.got[req.URL.Path][env.ID]++
	r.valid++
	w.WriteHeader(http.StatusNoContent)
}

// has reports whether path received event id with a valid signature.
func (r *receiver) has(path, id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[path][id] > 0
}

// stats answers the valid deliveries, the events delivered more than once to a destination,
// and the refused deliveries.
func (r *receiver) stats() (valid, repeated int, bad []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.got {
		for _, n := range m {
			if n > 1 {
				repeated++
			}
		}
	}
	return r.valid, repeated, append([]string(nil), r.bad...)
}

func (r *receiver) close() { _ = r.srv.Close() }
