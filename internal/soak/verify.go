package soak

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// payoutView is the part of a payment the checks read.
type payoutView struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	Source         string `json:"source"`
	ExternalID     string `json:"externalId"`
	PayoutMethodID string `json:"payoutMethodId"`
	AmountMinor    int64  `json:"amountMinor"`
}

// final reports whether a payout reached an end state.
func (p payoutView) final() bool {
	switch p.Status {
	case "succeeded", "failed", "canceled", "expired":
		return true
	}
	return false
}

// owesOutcome reports whether a payout must reach an end state by itself: a withdrawal, or
// an API payout whose hosted form was submitted (it has a payout method). An API payout whose
// form nobody filled in waits for its customer.
func (p payoutView) owesOutcome() bool { return p.Source == "withdrawal" || p.PayoutMethodID != "" }

// eventView is the part of an event the checks read.
type eventView struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		ID     string `json:"id"`
		Source string `json:"source"`
	} `json:"data"`
}

// destinations are the receiver paths an event must reach: a payment's own webhookUrl takes
// its payment.* events instead of the endpoints (docs/WEBHOOKS.md); endpoint /a takes every
// event, /b only payment.*.
func (e eventView) destinations() []string {
	if strings.HasPrefix(e.Type, "payment.") {
		if e.Data.Source == "api" {
			return []string{"/org"}
		}
		return []string{"/a", "/b"}
	}
	return []string{"/a"}
}

// snapshot reads every payout, then every event: an event commits with its change, so every
// status seen in the payouts has its event in the list read after them.
func (w *workload) snapshot(ctx context.Context) ([]payoutView, []eventView, error) {
	var ps []payoutView
	var es []eventView
	raw, err := w.listAll(ctx, "/api/payments?type=payout")
	if err != nil {
		return nil, nil, err
	}
	for _, r := range raw {
		var p payoutView
		if err := json.Unmarshal(r, &p); err != nil {
			return nil, nil, err
		}
		ps = append(ps, p)
	}
	if raw, err = w.listAll(ctx, "/api/events"); err != nil {
		return nil, nil, err
	}
	for _, r := range raw {
		var e eventView
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, nil, err
		}
		es = append(es, e)
	}
	return ps, es, nil
}

// listAll lists from whichever server answers.
func (w *workload) listAll(ctx context.Context, path string) ([]json.RawMessage, error) {
	var last error
	for attempt := 0; attempt < 3*len(w.servers); attempt++ {
		items, err := w.api.listAll(ctx, w.servers[attempt%len(w.servers)].base, path)
		if err == nil {
			return items, nil
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return nil, last
}

// missing counts the deliveries the receiver has not had yet.
func (w *workload) missing(es []eventView) (n int, example string) {
	for _, e := range es {
		for _, d := range e.destinations() {
			if !w.recv.has(d, e.ID) {
				if n == 0 {
					example = e.Type + " " + e.ID + " to " + d
				}
				n++
			}
		}
	}
	return n, example
}

// verify waits for the payouts to end and the webhooks to drain (until deadline), then
// checks every property on one snapshot. began is when the workload stopped.
func (w *workload) verify(ctx context.Context, began, deadline time.Time) {
	rep := w.rep
	var ps []payoutView
	var es []eventView
	for {
		var err error
		ps, es, err = w.snapshot(ctx)
		if err != nil {
			rep.violate("reading payouts and events: %v", err)
			return
		}
		open := 0
		for _, p := range ps {
			if p.owesOutcome() && !p.final() {
				open++
			}
		}
		miss, example := w.missing(es)
		// Without RequireFinal (the short test), payouts a kill left to the job rescuer (2
		// minutes) are reported, not waited for past a grace, counted from the end of the
		// workload so that the replays' wait for in-flight keys counts too. The grace covers
		// River's leader election: settlements are scheduled jobs, which wait for a leader,
		// and a killed leader's term has to run out first.
		settled := open == 0 || (!w.cfg.RequireFinal && time.Since(began) > 30*time.Second)
		if miss == 0 && settled {
			break
		}
		if time.Now().After(deadline) {
			if miss > 0 {
				rep.violate("%d webhook deliveries missing at the deadline, e.g. %s", miss, example)
			}
			break
		}
		w.logf("draining: %d payouts not final, %d deliveries to come", open, miss)
		time.Sleep(2 * time.Second)
	}
	w.checkPayouts(ps, es)
	w.checkDeliveries(es)
	w.checkLinks(ctx)
	w.checkBalances(ctx, deadline)
}

// checkPayouts proves that every acknowledged payout exists once, that none exists that no
// request made, and that each was submitted to its rail at most once and ended at most once.
func (w *workload) checkPayouts(ps []payoutView, es []eventView) {
	rep := w.rep
	byID := map[string]payoutView{}
	externalIDs := map[string]int{}
	for _, p := range ps {
		byID[p.ID] = p
		if p.Source == "api" {
			externalIDs[p.ExternalID]++
		}
	}
	made := map[string]bool{}
	for _, r := range w.requests {
		if !r.applied || (r.kind != kindWithdrawal && r.kind != kindPayment) {
			continue
		}
		if r.id == "" {
			rep.violate("applied %s (key %s) answered no payment id: %s", r.kind, r.key, r.result)
			continue
		}
		if made[r.id] {
			rep.violate("two keys answered payment %s", r.id)
		}
		made[r.id] = true
		if _, ok := byID[r.id]; !ok {
			rep.violate("acknowledged %s %s (key %s) is not in the payments list", r.kind, r.id, r.key)
		}
	}
	for _, p := range ps {
		if !made[p.ID] {
			rep.DuplicatePayouts++
			rep.violate("payout %s (%s, %s) was made by no applied request: a duplicate", p.ID, p.Source, p.Status)
		}
	}
	for ext, n := range externalIDs {
		if n > 1 {
			rep.DuplicatePayouts += n - 1
			rep.violate("%d payouts with externalId %s", n, ext)
		}
	}
	for id := range w.checkins {
		if p, ok := byID[id]; ok && p.PayoutMethodID == "" {
			rep.violate("payout %s: its hosted form's submission was acknowledged, yet it has no payout method (status %s)", id, p.Status)
		}
	}

	type tally struct{ processing, succeeded, failed int }
	seen := map[string]*tally{}
	for _, e := range es {
		if !strings.HasPrefix(e.Type, "payment.") {
			continue
		}
		t := seen[e.Data.ID]
		if t == nil {
			t = &tally{}
			seen[e.Data.ID] = t
		}
		switch e.Type {
		case "payment.processing":
			t.processing++
		case "payment.succeeded":
			t.succeeded++
		case "payment.failed":
			t.failed++
		}
	}
	rep.Events = len(es)
	rep.Payouts = len(ps)
	for _, p := range ps {
		t := seen[p.ID]
		if t == nil {
			t = &tally{}
		}
		if p.final() {
			rep.PayoutsFinal++
		} else if !p.owesOutcome() {
			rep.PayoutsAwaiting++
		}
		switch {
		case t.processing == 1:
			rep.SubmittedOnce++
		case t.processing > 1:
			rep.SubmittedTwice++
			rep.violate("payout %s went to its rail %d times (payment.processing events)", p.ID, t.processing)
		}
		if t.succeeded > 0 && t.failed > 0 {
			rep.violate("payout %s both failed and succeeded", p.ID)
		}
		if t.succeeded+t.failed > 1 {
			rep.violate("payout %s ended %d times", p.ID, t.succeeded+t.failed)
		}
		switch p.Status {
		case "succeeded":
			rep.PayoutsSucceeded++
			if t.succeeded != 1 {
				rep.violate("payout %s succeeded with %d payment.succeeded events", p.ID, t.succeeded)
			}
		case "failed":
			rep.PayoutsFailed++
			if t.failed != 1 {
				rep.violate("payout %s failed with %d payment.failed events", p.ID, t.failed)
			}
		}
		if p.owesOutcome() && !p.final() && w.cfg.RequireFinal {
			rep.violate("payout %s still %s at the end of the drain", p.ID, p.Status)
		}
	}
}

// checkDeliveries proves that every event reached each of its destinations with a valid
// signature.
func (w *workload) checkDeliveries(es []eventView) {
	rep := w.rep
	miss, _ := w.missing(es)
	rep.DeliveriesMissing = miss
	valid, repeated, bad := w.recv.stats()
	rep.Deliveries, rep.DeliveriesRepeat, rep.BadSignatures = valid, repeated, len(bad)
	for _, b := range bad {
		rep.violate("webhook receiver: %s", b)
	}
}

// checkLinks proves every acknowledged payment link exists.
func (w *workload) checkLinks(ctx context.Context) {
	for _, l := range w.links {
		var v struct{ ID string }
		if err := w.get(ctx, "/payment-links/"+l.id, &v); err != nil || v.ID != l.id {
			w.rep.violate("acknowledged payment link %s: %v", l.id, err)
		}
	}
}

// balance is a recipient's balance as Balance Info shows it.
type balance struct {
	available, pending int64
}

// checkBalances proves each recipient's balance is exactly its applied credits minus its
// applied withdrawals that did not fail, and that nothing is below zero. Payouts settling
// while it reads change balances, so it compares balances read before and after the payouts
// and retries until they agree.
func (w *workload) checkBalances(ctx context.Context, deadline time.Time) {
	rep := w.rep
	read := func() (map[string]balance, error) {
		out := map[string]balance{}
		for _, ext := range w.recipients {
			var info struct {
				B struct {
					AmountMinor int64 `json:"amount_minor"`
				} `json:"balance"`
				P struct {
					AmountMinor int64 `json:"amount_minor"`
				} `json:"pending_withdrawals"`
			}
			if err := w.get(ctx, "/rewards/"+ext+"/info", &info); err != nil {
				return nil, err
			}
			out[ext] = balance{available: info.B.AmountMinor, pending: info.P.AmountMinor}
		}
		return out, nil
	}
	for {
		before, err := read()
		if err != nil {
			rep.violate("reading balances: %v", err)
			return
		}
		raw, err := w.listAll(ctx, "/api/payments?type=payout")
		if err != nil {
			rep.violate("reading payouts: %v", err)
			return
		}
		after, err := read()
		if err != nil {
			rep.violate("reading balances: %v", err)
			return
		}
		if !sameBalances(before, after) && time.Now().Before(deadline) {
			continue
		}
		status := map[string]string{}
		for _, r := range raw {
			var p payoutView
			if json.Unmarshal(r, &p) == nil {
				status[p.ID] = p.Status
			}
		}
		want := map[string]balance{}
		for _, r := range w.requests {
			if !r.applied {
				continue
			}
			b := want[r.recipient]
			switch r.kind {
			case kindCredit:
				b.available += r.amount
			case kindWithdrawal:
				switch status[r.id] {
				case "failed", "canceled":
				case "pending", "processing":
					b.available -= r.amount
					b.pending += r.amount
				default:
					b.available -= r.amount
				}
			}
			want[r.recipient] = b
		}
		names := append([]string(nil), w.recipients...)
		sort.Strings(names)
		for _, ext := range names {
			got := after[ext]
			if got.available < 0 {
				rep.Overdrafts++
				rep.violate("overdraft: %s has %s available", ext, cents(got.available))
			}
			if got != want[ext] {
				rep.violate("%s: available %s and pending %s, want %s and %s from the applied requests",
					ext, cents(got.available), cents(got.pending), cents(want[ext].available), cents(want[ext].pending))
			}
		}
		rep.Overdrafts += w.raceOver
		return
	}
}

func sameBalances(a, b map[string]balance) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
