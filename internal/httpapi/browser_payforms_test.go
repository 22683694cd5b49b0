package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/acquirer"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// returnServer is the platform's page a hosted form sends the customer back to (its
// redirectUrl): it records the query of every visit.
type returnServer struct {
	*httptest.Server
	mu      sync.Mutex
	queries []url.Values
}

func newReturnServer(t *testing.T) *returnServer {
	t.Helper()
	rs := &returnServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/back" {
			http.NotFound(w, r) // the browser's favicon.ico
			return
		}
		rs.mu.Lock()
		rs.queries = append(rs.queries, r.URL.Query())
		rs.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Shop</title><h1 id="shop">Back at the shop</h1>`)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *returnServer) visits() []url.Values {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]url.Values(nil), rs.queries...)
}

// postCounter counts the form posts the browser sends, by URL path: a double click must really
// post twice for its test to mean anything.
type postCounter struct {
	mu    sync.Mutex
	posts map[string]int
}

func countPosts(t *testing.T, ctx context.Context) *postCounter {
	t.Helper()
	pc := &postCounter{posts: map[string]int{}}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request.Method == http.MethodPost {
			if u, err := url.Parse(e.Request.URL); err == nil {
				pc.mu.Lock()
				pc.posts[u.Path]++
				pc.mu.Unlock()
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

func (pc *postCounter) to(path string) int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.posts[path]
}

// slowStore delays the app's write transactions while armed, as a loaded server does, so that
// the second click of a double click leaves while the first post is still being answered.
type slowStore struct {
	store.Store
	delay atomic.Int64 // nanoseconds
}

func (s *slowStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	time.Sleep(time.Duration(s.delay.Load()))
	return s.Store.InTx(ctx, fn)
}

// slowAcquirer is the sandbox acquirer behind a network round trip, which ends early when the
// caller's context does, as any HTTP client's call does.
type slowAcquirer struct {
	acquirer.Sandbox
	delay time.Duration
}

func (a slowAcquirer) Charge(ctx context.Context, c acquirer.Charge) (acquirer.Result, error) {
	select {
	case <-time.After(a.delay):
	case <-ctx.Done():
		return acquirer.Result{}, ctx.Err()
	}
	return a.Sandbox.Charge(ctx, c)
}

// doubleClick clicks a form's button twice, as a person's double click does: the second click
// comes once the first has posted the form to path, while its answer is still awaited.
// (chromedp's DoubleClick sends one press with a click count of 2, which posts once; and two
// clicks in the same instant make one post, as the browser replaces a submission it has not
// started yet.)
func doubleClick(t *testing.T, ctx context.Context, sel chromedp.ID, posts *postCounter, path string) {
	t.Helper()
	run(t, ctx, chromedp.ScrollIntoView(sel))
	box, err := chromedp.Run(ctx, chromedp.Dimensions(sel))
	if err != nil {
		t.Fatalf("dimensions of %s: %v", sel, err)
	}
	q := box.Content
	x, y := (q[0]+q[2]+q[4]+q[6])/4, (q[1]+q[3]+q[5]+q[7])/4
	before := posts.to(path)
	run(t, ctx, chromedp.MouseClickXY(x, y))
	for deadline := time.Now().Add(5 * time.Second); posts.to(path) == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("clicking %s posted nothing to %s", sel, path)
		}
	}
	run(t, ctx, chromedp.MouseClickXY(x, y, chromedp.ClickCount(2)))
}

// text is the visible text of the first element sel matches.
func text[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %v: %v", sel, err)
	}
	return s
}

// attr is an attribute of the first element sel matches ("" when it has none).
func attr[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S, name string) string {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(sel, name))
	if err != nil {
		t.Fatalf("attribute %s of %v: %v", name, sel, err)
	}
	return a.Value
}

// value is what an input holds now.
func value(t *testing.T, ctx context.Context, id chromedp.ID) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(id))
	if err != nil {
		t.Fatalf("value of %s: %v", id, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// present says whether the page has an element with this id.
func present(t *testing.T, ctx context.Context, id string) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf("document.getElementById(%q) !== null", id))
}

// waitUntil polls a JavaScript condition until a loaded page meets it, across navigations.
func waitUntil(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	js := "document.readyState === 'complete' && (" + cond + ")"
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("waited for %s; the browser is at %s", cond, loc)
		}
	}
}

// location is the browser's current URL.
func location(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// waitHeading reloads a form's status page until its heading reads want.
func waitHeading(t *testing.T, ctx context.Context, pageURL, want string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		run(t, ctx, chromedp.Navigate(pageURL), chromedp.WaitVisible(chromedp.ID("status-heading")))
		got := text(t, ctx, chromedp.ID("status-heading"))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s says %q; waited for %q", pageURL, got, want)
		}
	}
}

// shot saves a screenshot of the page (screenshot) and checks that the page fits the phone's
// width: nothing to scroll sideways.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	screenshot(t, ctx, name)
	if over := eval[int](t, ctx, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
		t.Errorf("%s: the page is %d px wider than the phone", name, over)
	}
}

// transfers counts the ledger transfers of one kind made for a payment.
func (en *env) transfers(kind, paymentID string) int {
	en.t.Helper()
	var n int
	err := en.db.ReaderDB().QueryRow(`SELECT COUNT(*) FROM ledger_transfers WHERE kind = $1 AND payment_id = $2`, kind, paymentID).Scan(&n)
	if err != nil {
		en.t.Fatal(err)
	}
	return n
}

// TestBrowserPayForms walks seed 003's hosted forms in Chromium at phone width, as the customer
// sees them: a payout's bank account (refused, then accepted by a double click, and back to the
// platform with a signed result), the same customer's saved account, a card payin (a refused
// number, then a double click on Pay), a declined card, a bank transfer marked received, and
// an expired link.
func TestBrowserPayForms(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		ctx := browserContext(t)
		// Headless Chromium's window is at least 500 px wide: the phone's width is emulated.
		run(t, ctx, chromedp.EmulateViewport(390, 844))
		slow := &slowStore{}
		en := newEnv(t, e, withStore(func(s store.Store) store.Store { slow.Store = s; return slow }))
		en.withPayouts()
		en.app.Acquirer = slowAcquirer{delay: 300 * time.Millisecond}
		shop := newReturnServer(t)
		posts := countPosts(t, ctx)
		expiry := "12/" + time.Now().AddDate(2, 0, 0).Format("06")

		// 1. A payout: the customer gives a bank account, and is sent back to the platform.
		p := en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": "12.50", "currency": "EUR", "type": "payout",
			"description": "Order #7", "customer": map[string]any{"id": "cust-1", "name": "Ada Lovelace"},
			"redirectUrl": shop.URL + "/back?order=7"}).obj(t)
		id := str(t, p, "id")
		checkin := en.srv.URL + "/checkin/" + id
		if u := str(t, p, "url"); u != "http://127.0.0.1:8080/checkin/"+id {
			t.Fatalf("payment url %q", u)
		}
		run(t, ctx, chromedp.Navigate(checkin), chromedp.WaitVisible(chromedp.ID("iban")))
		if s := text(t, ctx, chromedp.CSS("main")); !strings.Contains(s, "Acme Energy is paying you") || !strings.Contains(s, "12.50 EUR") ||
			!strings.Contains(s, "Order #7") || !strings.Contains(s, "Get 12.50 EUR") {
			t.Fatalf("checkin page says %q", s)
		}
		shot(t, ctx, "payforms-01-checkin")
		// Another country asks for that country's account; Germany asks for an IBAN again.
		run(t, ctx, chromedp.Click(chromedp.CSS(`a[href$="?country=GB"]`)), chromedp.WaitVisible(chromedp.ID("sort_code")))
		if present(t, ctx, "iban") || text(t, ctx, chromedp.CSS(`a[aria-current="true"]`)) != "United Kingdom" {
			t.Fatal("the United Kingdom's form is not the one shown")
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`a[href$="?country=DE"]`)), chromedp.WaitVisible(chromedp.ID("iban")))
		if present(t, ctx, "sort_code") || text(t, ctx, chromedp.CSS(`a[aria-current="true"]`)) != "Germany" {
			t.Fatal("Germany's form is not the one shown")
		}

		// A wrong IBAN is refused beside its field, keeping what was typed.
		const badIBAN = "DE89 3704 0044 0532 0130 01"
		run(t, ctx, chromedp.SendKeys(chromedp.ID("holder_name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("iban"), badIBAN),
			chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("iban-error")))
		if attr(t, ctx, chromedp.ID("iban"), "aria-invalid") != "true" || attr(t, ctx, chromedp.ID("iban"), "aria-describedby") != "iban-error" ||
			eval[string](t, ctx, "document.getElementById('iban').nextElementSibling.id") != "iban-error" ||
			!strings.Contains(strings.ToLower(text(t, ctx, chromedp.ID("iban-error"))), "iban") {
			t.Fatalf("the IBAN field does not show its error: %q", text(t, ctx, chromedp.ID("iban-error")))
		}
		if text(t, ctx, chromedp.ID("form-error")) != "Please check the highlighted field." || attr(t, ctx, chromedp.ID("form-error"), "role") != "alert" {
			t.Fatalf("form error %q", text(t, ctx, chromedp.ID("form-error")))
		}
		if value(t, ctx, "iban") != badIBAN || value(t, ctx, "holder_name") != "Ada Lovelace" || present(t, ctx, "bic-error") {
			t.Fatalf("after the refusal the form holds IBAN %q, name %q", value(t, ctx, "iban"), value(t, ctx, "holder_name"))
		}
		if n, r := en.count("payout_methods"), en.count("recipients"); n != 0 || r != 0 {
			t.Fatalf("a refused account left %d payout methods and %d recipients", n, r)
		}
		shot(t, ctx, "payforms-02-checkin-bad-iban")

		// A good IBAN, double-clicked while the server is slow: two posts, one payout.
		run(t, ctx, chromedp.Clear(chromedp.ID("iban")), chromedp.SendKeys(chromedp.ID("iban"), ibanEnding("0000")))
		before := posts.to("/checkin/" + id)
		slow.delay.Store(int64(300 * time.Millisecond))
		doubleClick(t, ctx, "submit", posts, "/checkin/"+id)
		waitUntil(t, ctx, "location.pathname !== '/checkin/"+id+"' || document.getElementById('return') !== null")
		slow.delay.Store(0)
		if n := posts.to("/checkin/"+id) - before; n != 2 {
			t.Fatalf("the double click posted the form %d times, want 2", n)
		}
		// The browser shows the answer to the second post only. When the first post made the
		// payout, the second finds the form used and shows its status, whose button goes back to
		// the platform; when the browser's abandoning the first post ended it before it made
		// anything, the second made the payout and went straight back.
		if present(t, ctx, "return") {
			if h := text(t, ctx, chromedp.ID("status-heading")); h != "Details received" && h != "Payment processing" && h != "Payment complete" {
				t.Fatalf("status after a double click: %q", h)
			}
			shot(t, ctx, "payforms-03-checkin-double-click-status")
			run(t, ctx, chromedp.Click(chromedp.ID("return")))
			waitUntil(t, ctx, "document.getElementById('shop') !== null")
		}
		back := location(t, ctx)
		if back.Host != strings.TrimPrefix(shop.URL, "http://") || back.Path != "/back" || back.Query().Get("payment_id") != id {
			t.Fatalf("the customer is at %s, not back at the platform", back)
		}
		visits := shop.visits()
		if len(visits) != 1 {
			t.Fatalf("the platform's page was visited %d times: %v", len(visits), visits)
		}
		q := visits[0]
		if q.Get("order") != "7" || q.Get("payment_id") != id || q.Get("status") == "" || q.Get("payport_result") == "" {
			t.Fatalf("the platform got %v", q)
		}
		claims, _ := en.verifyFromJWKS(q.Get("payport_result"))
		if claims["aud"] != "payport-redirect" || claims["payment_id"] != id || claims["status"] != q.Get("status") {
			t.Fatalf("payport_result claims %v for the query %v", claims, q)
		}
		en.waitPayment(en.key, id, "succeeded")
		if n := en.count("payout_methods"); n != 1 {
			t.Fatalf("%d payout methods after a double click, want 1", n)
		}
		if n := en.transfers("payout_funded", id); n != 1 {
			t.Fatalf("the payout was funded %d times, want once", n)
		}
		// The form's link now shows the payment's status, not the form.
		run(t, ctx, chromedp.Navigate(checkin), chromedp.WaitVisible(chromedp.ID("status-heading")))
		if h := text(t, ctx, chromedp.ID("status-heading")); h != "Payment complete" || present(t, ctx, "iban") || present(t, ctx, "submit") ||
			!strings.HasPrefix(attr(t, ctx, chromedp.ID("return"), "href"), shop.URL+"/back?") {
			t.Fatalf("the used form shows %q", h)
		}
		shot(t, ctx, "payforms-04-checkin-complete")

		// 2. The same customer's next payout offers the saved account.
		p2 := en.must(201, "POST", "/api/payments", en.key, `{"amount":"3.00","currency":"EUR","type":"payout","customer":{"id":"cust-1"}}`).obj(t)
		id2 := str(t, p2, "id")
		checkin2 := en.srv.URL + "/checkin/" + id2
		use := chromedp.CSS(`button[aria-label="Pay to the account ending 0000"]`)
		run(t, ctx, chromedp.Navigate(checkin2), chromedp.WaitVisible(use))
		if s := text(t, ctx, chromedp.CSS("main")); !strings.Contains(s, "Your saved accounts") || !strings.Contains(s, "Ada Lovelace · •••• 0000 · DE") ||
			!strings.Contains(s, "Or enter another bank account") || text(t, ctx, use) != "Use this account" {
			t.Fatalf("saved accounts page says %q", s)
		}
		if h := eval[string](t, ctx, "document.documentElement.outerHTML"); strings.Contains(h, ibanEnding("0000")[4:]) {
			t.Fatal("the saved account's number is in the page")
		}
		shot(t, ctx, "payforms-05-checkin-saved-account")
		run(t, ctx, chromedp.Click(use), chromedp.WaitVisible(chromedp.ID("status-heading")))
		if location(t, ctx).Path != "/checkin/"+id2 {
			t.Fatalf("after a saved account the browser is at %s", location(t, ctx))
		}
		en.waitPayment(en.key, id2, "succeeded")
		// Back goes to the form's address, which shows the status now, not the form.
		run(t, ctx, chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.ID("status-heading")))
		if h := text(t, ctx, chromedp.ID("status-heading")); h != "Payment complete" || present(t, ctx, "iban") ||
			eval[int](t, ctx, "document.querySelectorAll('form').length") != 0 {
			t.Fatalf("back on a used form shows %q", h)
		}
		shot(t, ctx, "payforms-06-checkin-saved-complete")
		if n := en.count("payout_methods"); n != 1 {
			t.Fatalf("%d payout methods after paying to a saved one, want 1", n)
		}
		if got := en.must(200, "GET", "/api/payments/"+id2, en.key, nil).obj(t); got["paymentMethod"] != "IBAN •••• 0000" || en.transfers("payout_funded", id2) != 1 {
			t.Fatalf("payout to the saved account: %v", got)
		}

		// 3. A payin by card: a wrong number is refused and not shown again; a double click pays once.
		p3 := en.must(201, "POST", "/api/payments", en.key, `{"amount":"20.00","currency":"EUR","description":"Top-up"}`).obj(t)
		id3 := str(t, p3, "id")
		checkout := en.srv.URL + "/checkout/" + id3
		run(t, ctx, chromedp.Navigate(checkout), chromedp.WaitVisible(chromedp.ID("card_number")))
		if s := text(t, ctx, chromedp.CSS("main")); !strings.Contains(s, "Pay Acme Energy") || !strings.Contains(s, "Top-up") ||
			text(t, ctx, chromedp.ID("pay")) != "Pay 20.00 EUR" {
			t.Fatalf("checkout page says %q", s)
		}
		shot(t, ctx, "payforms-07-checkout")
		const badCard = "4242 4242 4242 4241"
		run(t, ctx, chromedp.SendKeys(chromedp.ID("card_number"), badCard), chromedp.SendKeys(chromedp.ID("card_expiry"), expiry),
			chromedp.SendKeys(chromedp.ID("card_cvc"), "123"), chromedp.SendKeys(chromedp.ID("card_holder"), "Ada Lovelace"),
			chromedp.Click(chromedp.ID("pay")), chromedp.WaitVisible(chromedp.ID("card_number-error")))
		if attr(t, ctx, chromedp.ID("card_number"), "aria-invalid") != "true" ||
			eval[string](t, ctx, "document.getElementById('card_number').nextElementSibling.id") != "card_number-error" {
			t.Fatal("the card number field does not show its error")
		}
		if h := eval[string](t, ctx, "document.documentElement.outerHTML"); strings.Contains(h, badCard) || strings.Contains(h, strings.ReplaceAll(badCard, " ", "")) ||
			value(t, ctx, "card_number") != "" || value(t, ctx, "card_cvc") != "" {
			t.Fatal("the refused card number or its code was sent back into the page")
		}
		if value(t, ctx, "card_expiry") != expiry || value(t, ctx, "card_holder") != "Ada Lovelace" {
			t.Fatalf("the expiry %q and name %q were not kept", value(t, ctx, "card_expiry"), value(t, ctx, "card_holder"))
		}
		if got := en.must(200, "GET", "/api/payments/"+id3, en.key, nil).obj(t); got["status"] != "pending" {
			t.Fatalf("a refused card number moved the payment: %v", got)
		}
		shot(t, ctx, "payforms-08-checkout-bad-card")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("card_number"), "4242 4242 4242 4242"), chromedp.SendKeys(chromedp.ID("card_cvc"), "123"))
		before = posts.to("/checkout/" + id3 + "/card")
		// The acquirer takes 300 ms: the second click leaves while the first charge is under way.
		doubleClick(t, ctx, "pay", posts, "/checkout/"+id3+"/card")
		waitUntil(t, ctx, "document.getElementById('status-heading') !== null")
		if n := posts.to("/checkout/"+id3+"/card") - before; n != 2 {
			t.Fatalf("the double click posted the card %d times, want 2", n)
		}
		waitHeading(t, ctx, checkout, "Payment complete")
		if s := text(t, ctx, chromedp.CSS("main")); !strings.Contains(s, "Visa •••• 4242") || !strings.Contains(s, "20.00 EUR") || present(t, ctx, "card_number") {
			t.Fatalf("paid checkout says %q", s)
		}
		shot(t, ctx, "payforms-09-checkout-paid")
		if got := en.must(200, "GET", "/api/payments/"+id3, en.key, nil).obj(t); got["status"] != "succeeded" || got["paymentMethod"] != "Visa •••• 4242" {
			t.Fatalf("paid payin %v", got)
		}
		if n := en.transfers("payin_received", id3); n != 1 {
			t.Fatalf("the payin was received %d times, want once", n)
		}
		if strings.Contains(fmt.Sprint(en.dump("payments")), "4242424242424242") {
			t.Fatal("the card number reached the database")
		}

		// 4. A declined card fails the payment and says why.
		p4 := en.must(201, "POST", "/api/payments", en.key, `{"amount":"5.00","currency":"EUR"}`).obj(t)
		checkout4 := en.srv.URL + "/checkout/" + str(t, p4, "id")
		run(t, ctx, chromedp.Navigate(checkout4), chromedp.WaitVisible(chromedp.ID("card_number")),
			chromedp.SendKeys(chromedp.ID("card_number"), "4000 0000 0000 0002"), chromedp.SendKeys(chromedp.ID("card_expiry"), expiry),
			chromedp.SendKeys(chromedp.ID("card_cvc"), "123"), chromedp.SendKeys(chromedp.ID("card_holder"), "Ada Lovelace"),
			chromedp.Click(chromedp.ID("pay")), chromedp.WaitVisible(chromedp.ID("status-heading")))
		waitHeading(t, ctx, checkout4, "Payment failed")
		if f := text(t, ctx, chromedp.ID("failure")); f != "The card was declined." {
			t.Fatalf("declined card: %q", f)
		}
		shot(t, ctx, "payforms-10-checkout-declined")
		if got := en.must(200, "GET", "/api/payments/"+str(t, p4, "id"), en.key, nil).obj(t); got["failureCode"] != "card_declined" ||
			en.transfers("payin_received", str(t, p4, "id")) != 0 {
			t.Fatalf("declined payin %v", got)
		}

		// 5. A bank transfer: a reference to quote, then the operator marks the money received.
		p5 := en.must(201, "POST", "/api/payments", en.key, `{"amount":"30.00","currency":"EUR"}`).obj(t)
		checkout5 := en.srv.URL + "/checkout/" + str(t, p5, "id")
		run(t, ctx, chromedp.Navigate(checkout5), chromedp.WaitVisible(chromedp.ID("bank-transfer")),
			chromedp.Click(chromedp.ID("bank-transfer")), chromedp.WaitVisible(chromedp.ID("reference")))
		ref := text(t, ctx, chromedp.ID("reference"))
		if !regexp.MustCompile(`^PP[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$`).MatchString(ref) ||
			text(t, ctx, chromedp.ID("status-heading")) != "Waiting for your transfer" || !strings.Contains(text(t, ctx, chromedp.CSS("main")), "30.00 EUR") {
			t.Fatalf("bank transfer page: reference %q, heading %q", ref, text(t, ctx, chromedp.ID("status-heading")))
		}
		shot(t, ctx, "payforms-11-checkout-bank-transfer")
		op := en.newKey(en.orgID, tenant.Test, org.RoleInternalAdmin)
		en.must(200, "POST", "/api/payments/"+ref+"/mark_received", op, nil)
		run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("status-heading")))
		if h := text(t, ctx, chromedp.ID("status-heading")); h != "Payment complete" || present(t, ctx, "reference") {
			t.Fatalf("a received transfer shows %q", h)
		}
		shot(t, ctx, "payforms-12-checkout-transfer-received")

		// 6. An expired link: the form refuses at once, with 410.
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"payment_expiry_minutes":1}}`)
		p6 := en.must(201, "POST", "/api/payments", en.key, `{"amount":"2.00","currency":"EUR","type":"payout"}`).obj(t)
		checkin6 := en.srv.URL + "/checkin/" + str(t, p6, "id")
		res, err := chromedp.Run(ctx, chromedp.NavigateResponse(checkin6))
		if err != nil || res.Status != http.StatusOK || !present(t, ctx, "iban") {
			t.Fatalf("a fresh form: %v %v", res, err)
		}
		en.clock.Set(time.Now().Add(61 * time.Second))
		res, err = chromedp.Run(ctx, chromedp.NavigateResponse(checkin6))
		if err != nil || res.Status != http.StatusGone {
			t.Fatalf("an expired form answers %v %v, want 410", res, err)
		}
		if h := text(t, ctx, chromedp.ID("status-heading")); h != "This link has expired" || !strings.Contains(text(t, ctx, chromedp.CSS("main")), "Ask Acme Energy for a new link.") ||
			present(t, ctx, "iban") {
			t.Fatalf("the expired form shows %q", h)
		}
		shot(t, ctx, "payforms-13-checkin-expired")
	})
}
