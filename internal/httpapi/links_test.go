package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// smtpSink is a real SMTP server on loopback that keeps what it receives, parsed.
type smtpSink struct {
	mu  sync.Mutex
	got []sunkMail
}

type sunkMail struct {
	To, Subject, Text, HTML string
}

func (s *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct {
	s  *smtpSink
	to string
}

func (x *smtpSession) Reset()                                    {}
func (x *smtpSession) Logout() error                             { return nil }
func (x *smtpSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = to; return nil }
func (x *smtpSession) Data(r io.Reader) error {
	msg, err := netmail.ReadMessage(r)
	if err != nil {
		return err
	}
	m := sunkMail{To: x.to}
	m.Subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		switch {
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/html"):
			m.HTML = string(b)
		default:
			m.Text = string(b)
		}
	}
	x.s.mu.Lock()
	x.s.got = append(x.s.got, m)
	x.s.mu.Unlock()
	return nil
}

// withSMTP sends the env's mail through a real SMTP server in-process.
func (en *env) withSMTP() *smtpSink {
	en.t.Helper()
	sink := &smtpSink{}
	srv := smtp.NewServer(sink)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		en.t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	en.t.Cleanup(func() { _ = srv.Close() })
	m, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: mail.TLSNone,
		From: "Payport <payport@example.com>", Timeout: 5 * time.Second})
	if err != nil {
		en.t.Fatal(err)
	}
	en.app.Mailer = m
	return sink
}

// waitMail waits for a mail to `to` whose subject contains want.
func (s *smtpSink) waitMail(t *testing.T, to, want string) sunkMail {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		for _, m := range s.got {
			if m.To == to && strings.Contains(m.Subject, want) {
				s.mu.Unlock()
				return m
			}
		}
		n := len(s.got)
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s about %q among %d", to, want, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *smtpSink) count(to, want string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.got {
		if m.To == to && strings.Contains(m.Subject, want) {
			n++
		}
	}
	return n
}

func TestPaymentLinksLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		sink := en.withSMTP()
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"display_name":"Acme Power","brand_color":"#123456"}}}`)
		// Roles and org isolation.
		otherID, otherKey := en.newOrg("Other")
		wantProblem(t, en.do("POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": otherID}), 404, "not_found", "")
		wantProblem(t, en.do("POST", "/payment-links", en.key, map[string]any{"email": "not-an-email", "org_id": en.orgID}), 422, "validation_failed", "email")
		wantProblem(t, en.do("POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": en.orgID, "payment_amount": 10.001, "currency": "EUR"}),
			422, "validation_failed", "payment_amount")
		rewardsOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "rewards")
		wantProblem(t, en.do("POST", "/payment-links", rewardsOnly, map[string]any{"email": "ada@example.com", "org_id": en.orgID}), 403, "forbidden", "")
		wantProblem(t, en.do("POST", "/payment-links", "", map[string]any{"email": "ada@example.com", "org_id": en.orgID}), 401, "", "")

		l := en.must(201, "POST", "/payment-links", en.key, `{"email":"Ada@Example.com","org_id":"`+en.orgID+`","payment_amount":10.5,"currency":"EUR",
			"reference":"Invoice 7","metadata":{"invoice":7}}`).obj(t)
		id := str(t, l, "id")
		if !strings.HasPrefix(id, "pl_") || l["url"] != "http://127.0.0.1:8080/pay/"+id || l["status"] != "active" || l["email"] != "ada@example.com" ||
			fmt.Sprint(l["payment_amount"]) != "10.50" || !strings.Contains(string(en.must(200, "GET", "/payment-links/"+id, "", nil).Body), `"payment_amount":10.50`) {
			t.Fatalf("link %v", l)
		}
		m := sink.waitMail(t, "ada@example.com", "Acme Power sent you a payment link for 10.50 EUR")
		if !strings.Contains(m.Text, "/pay/"+id) || !strings.Contains(m.HTML, "/pay/"+id) || !strings.Contains(m.HTML, "#123456") ||
			!strings.Contains(m.Text, "Invoice 7") {
			t.Fatalf("link email:\n%s\n%s", m.Text, m.HTML)
		}
		// An internal-admin may create for any org; the other org's key sees nothing of ours.
		admin := en.newKey(en.orgID, tenant.Test, org.RoleInternalAdmin)
		en.must(201, "POST", "/payment-links", admin, map[string]any{"email": "bo@example.com", "org_id": otherID})
		wantProblem(t, en.do("GET", "/orgs/"+en.orgID+"/payment-links", otherKey, nil), 404, "not_found", "")
		wantProblem(t, en.do("DELETE", "/payment-links/"+id, otherKey, nil), 404, "not_found", "")
		page := en.must(200, "GET", "/orgs/"+otherID+"/payment-links", otherKey, nil).obj(t)
		if num(t, page, "total") != 1 {
			t.Fatalf("other org's list %v", page)
		}

		// verify: valid; then the page and the payment.
		v := en.must(200, "POST", "/payment-links/verify", "", map[string]any{"link_id": id}).obj(t)
		if v["valid"] != true || get(t, v, "link.id") != id {
			t.Fatalf("verify %v", v)
		}
		b := en.browser()
		res, body := visit(t, b, en.srv.URL+"/pay/"+id)
		if res.StatusCode != 200 || !strings.Contains(body, "Acme Power asks you to pay") || !strings.Contains(body, "10.50 EUR") {
			t.Fatalf("link page %d:\n%s", res.StatusCode, body)
		}
		csrf := formCSRF(t, body)
		res, _ = en.postForm(b, "/pay/"+id, url.Values{"csrf": {csrf}})
		checkout := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(checkout, "/checkout/pay_") {
			t.Fatalf("pay: %d %s", res.StatusCode, checkout)
		}
		// A second submit answers the same payin.
		if res, _ = en.postForm(b, "/pay/"+id, url.Values{"csrf": {csrf}}); res.Header.Get("Location") != checkout {
			t.Fatalf("second pay went to %s, want %s", res.Header.Get("Location"), checkout)
		}
		_, body = visit(t, b, en.srv.URL+checkout)
		res, _ = en.postForm(b, checkout+"/card", url.Values{"csrf": {formCSRF(t, body)}, "card_number": {"4242424242424242"},
			"card_expiry": {"12/" + time.Now().AddDate(2, 0, 0).Format("06")}, "card_cvc": {"123"}, "card_holder": {"Ada"}})
		if res.StatusCode != 303 {
			t.Fatalf("checkout: %d", res.StatusCode)
		}
		got := en.must(200, "GET", "/payment-links/"+id, "", nil).obj(t)
		if got["status"] != "paid" || got["payment_id"] != strings.TrimPrefix(checkout, "/checkout/") {
			t.Fatalf("link after payment %v", got)
		}
		if v := en.must(200, "POST", "/payment-links/verify", "", map[string]any{"link_id": id}).obj(t); v["valid"] != false || v["reason"] != "paid" {
			t.Fatalf("verify paid %v", v)
		}
		if res, _ := en.postForm(b, "/pay/"+id, url.Values{"csrf": {csrf}}); res.Header.Get("Location") != "/pay/"+id {
			t.Fatalf("paying a paid link: %s", res.Header.Get("Location"))
		}
		events := en.must(200, "GET", "/api/events?type=payment_link.paid", en.key, nil).obj(t)["items"].([]any)
		if len(events) != 1 {
			t.Fatalf("payment_link.paid events %v", events)
		}

		// Revoke by id; by email (all active links of the customer).
		r1 := str(t, en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "cy@example.com", "org_id": en.orgID}).obj(t), "id")
		r2 := str(t, en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "cy@example.com", "org_id": en.orgID}).obj(t), "id")
		r3 := str(t, en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "cy@example.com", "org_id": en.orgID}).obj(t), "id")
		wantProblem(t, en.do("DELETE", "/payment-links", en.key, nil), 422, "validation_failed", "email")
		en.must(200, "DELETE", "/payment-links/"+r1, en.key, nil)
		if v := en.must(200, "POST", "/payment-links/verify", "", map[string]any{"link_id": r1}).obj(t); v["reason"] != "revoked" {
			t.Fatalf("verify revoked %v", v)
		}
		if res, body := visit(t, b, en.srv.URL+"/pay/"+r1); res.StatusCode != 410 || !strings.Contains(body, "withdrawn") {
			t.Fatalf("revoked page %d", res.StatusCode)
		}
		out := en.must(200, "DELETE", "/payment-links", en.key, map[string]any{"email": "CY@example.com"}).obj(t)
		if n := len(out["revoked"].([]any)); n != 2 {
			t.Fatalf("revoked by email: %d, want 2 (%s %s)", n, r2, r3)
		}
		list := en.must(200, "GET", "/orgs/"+en.orgID+"/payment-links?status=revoked&email=cy@example.com&limit=2", en.key, nil).obj(t)
		if num(t, list, "total") != 3 || len(list["items"].([]any)) != 2 || list["has_more"] != true {
			t.Fatalf("list %v", list)
		}

		// Expiry: invalid from the exact second, before the job ran; the job records it.
		ex := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "dee@example.com", "org_id": en.orgID, "expires_in_hours": 1}).obj(t)
		exp, _ := time.Parse(time.RFC3339Nano, str(t, ex, "expires_at"))
		en.clock.Set(exp.Add(-time.Second))
		if v := en.must(200, "POST", "/payment-links/verify", "", map[string]any{"link_id": ex["id"]}).obj(t); v["valid"] != true {
			t.Fatalf("a second before expiry %v", v)
		}
		en.clock.Set(exp)
		if v := en.must(200, "POST", "/payment-links/verify", "", map[string]any{"link_id": ex["id"]}).obj(t); v["valid"] != false || v["reason"] != "expired" {
			t.Fatalf("at expiry %v", v)
		}
		// The job skips rows another transaction holds (the link's own email job may still be
		// sending), so it is run until it took the link, as the periodic job would be.
		expired := 0
		for deadline := time.Now().Add(10 * time.Second); expired == 0 && time.Now().Before(deadline); {
			n, err := en.app.ExpireLinks(context.Background())
			if err != nil || n > 1 {
				t.Fatalf("expired %d %v", n, err)
			}
			if expired = n; n == 0 {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if n, err := en.app.ExpireLinks(context.Background()); expired != 1 || err != nil || n != 0 {
			t.Fatalf("expired %d, then %d %v", expired, n, err)
		}
		if got := en.must(200, "GET", "/payment-links/"+str(t, ex, "id"), "", nil).obj(t); got["status"] != "expired" {
			t.Fatalf("after the job %v", got)
		}
	})
}

// TestPaymentLinkOTP: an OTP-gated link opens only with a code emailed to its address; the
// code request answers the same for unknown addresses; the optional otp of creation
// pre-verifies the link.
func TestPaymentLinkOTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		sink := en.withSMTP()
		l := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": en.orgID, "otp_required": true,
			"payment_amount": 20, "currency": "EUR", "metadata": map[string]any{"secret": "only for ada"}}).obj(t)
		id := str(t, l, "id")
		res := en.do("GET", "/payment-links/"+id, "", nil)
		wantProblem(t, res, 401, "otp_required", "")
		if strings.Contains(string(res.Body), "only for ada") || strings.Contains(string(res.Body), "ada@") {
			t.Fatalf("the gated link leaks: %s", res.Body)
		}
		known := en.must(202, "POST", "/payment-links/otp", "", map[string]any{"email": "ada@example.com"})
		unknown := en.must(202, "POST", "/payment-links/otp", "", map[string]any{"email": "nobody@example.com"})
		if string(known.Body) != string(unknown.Body) {
			t.Fatalf("the answers differ:\n%s\n%s", known.Body, unknown.Body)
		}
		m := sink.waitMail(t, "ada@example.com", "verification code")
		code := codeRE.FindString(m.Subject)
		time.Sleep(100 * time.Millisecond)
		if sink.count("nobody@example.com", "") != 0 {
			t.Fatal("a code was sent to an address without links")
		}
		wantProblem(t, en.do("PUT", "/payment-links/otp", "", map[string]any{"email": "ada@example.com", "otp": "000000"}), 422, "otp_invalid", "otp")
		tok := en.must(200, "PUT", "/payment-links/otp", "", map[string]any{"email": "ada@example.com", "otp": code}).obj(t)
		token := str(t, tok, "token")
		full := en.must(200, "GET", "/payment-links/"+id, "", nil, "Authorization", "Bearer "+token).obj(t)
		if get(t, full, "metadata.secret") != "only for ada" {
			t.Fatalf("with the token %v", full)
		}
		// The code is used up; another email's token opens nothing of ada's.
		wantProblem(t, en.do("PUT", "/payment-links/otp", "", map[string]any{"email": "ada@example.com", "otp": code}), 422, "otp_invalid", "otp")
		en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "bo@example.com", "org_id": en.orgID})
		en.must(202, "POST", "/payment-links/otp", "", map[string]any{"email": "bo@example.com"})
		boCode := codeRE.FindString(sink.waitMail(t, "bo@example.com", "verification code").Subject)
		boToken := str(t, en.must(200, "PUT", "/payment-links/otp", "", map[string]any{"email": "bo@example.com", "otp": boCode}).obj(t), "token")
		wantProblem(t, en.do("GET", "/payment-links/"+id, "", nil, "Authorization", "Bearer "+boToken), 401, "otp_required", "")

		// The page: code first, then the amount.
		b := en.browser()
		_, body := visit(t, b, en.srv.URL+"/pay/"+id)
		if !strings.Contains(body, "enter the code we email") || strings.Contains(body, "20.00") {
			t.Fatalf("gated page shows too much:\n%s", body)
		}
		csrf := formCSRF(t, body)
		if res, _ := en.postForm(b, "/pay/"+id, url.Values{"csrf": {csrf}}); res.StatusCode != 303 || res.Header.Get("Location") != "/pay/"+id {
			t.Fatalf("paying before the code: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		en.clock.Set(time.Now().Add(2 * time.Minute)) // past the resend cool-down
		en.postForm(b, "/pay/"+id+"/code", url.Values{"csrf": {csrf}})
		deadline := time.Now().Add(10 * time.Second)
		for sink.count("ada@example.com", "verification code") < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		sink.mu.Lock()
		var latest string
		for _, m := range sink.got {
			if m.To == "ada@example.com" && strings.Contains(m.Subject, "verification code") {
				latest = codeRE.FindString(m.Subject)
			}
		}
		sink.mu.Unlock()
		if vr, _ := en.postForm(b, "/pay/"+id+"/verify", url.Values{"csrf": {csrf}, "code": {latest}}); vr.StatusCode != 303 {
			t.Fatalf("verify on the page: %d", vr.StatusCode)
		}
		if _, body = visit(t, b, en.srv.URL+"/pay/"+id); !strings.Contains(body, "20.00 EUR") {
			t.Fatalf("page after the code:\n%s", body)
		}

		// Creation with the customer's code: pre-verified.
		en.clock.Set(time.Now().Add(10 * time.Minute))
		en.must(202, "POST", "/payment-links/otp", "", map[string]any{"email": "ada@example.com"})
		deadline = time.Now().Add(10 * time.Second)
		for sink.count("ada@example.com", "verification code") < 3 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		sink.mu.Lock()
		for _, m := range sink.got {
			if m.To == "ada@example.com" && strings.Contains(m.Subject, "verification code") {
				latest = codeRE.FindString(m.Subject)
			}
		}
		sink.mu.Unlock()
		wantProblem(t, en.do("POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": en.orgID, "otp": "999999", "otp_required": true}),
			422, "otp_invalid", "otp")
		pre := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": en.orgID, "otp": latest, "otp_required": true}).obj(t)
		if pre["pre_verified"] != true {
			t.Fatalf("pre-verified %v", pre)
		}
		en.must(200, "GET", "/payment-links/"+str(t, pre, "id"), "", nil)
	})
}

// TestPaymentLinkReminders: a window's reminders go out once per link, also when the dispatch
// is called twice at the same time.
func TestPaymentLinkReminders(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		sink := en.withSMTP()
		op := en.newKey(en.orgID, tenant.Test, org.RoleInternalAdmin)
		at := time.Now().UTC().Add(3 * time.Hour).Truncate(time.Second)
		for i := range 5 {
			en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": fmt.Sprintf("c%d@example.com", i), "org_id": en.orgID,
				"scheduled_at": at.Add(time.Duration(i) * time.Minute)})
		}
		en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "late@example.com", "org_id": en.orgID, "scheduled_at": at.Add(48 * time.Hour)})
		wantProblem(t, en.do("POST", "/payment-links/scheduled", en.key, map[string]any{"scheduled_at": at}), 403, "forbidden", "")
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := en.send("POST", "/payment-links/scheduled", op, map[string]any{"scheduled_at": at.Add(-time.Hour), "period": 24})
				if err != nil || r.Status != 200 {
					t.Errorf("dispatch %v %v", r, err)
					return
				}
				mu.Lock()
				total += int(num(t, r.obj(t), "dispatched"))
				mu.Unlock()
			}()
		}
		wg.Wait()
		if total != 5 {
			t.Fatalf("dispatched %d in all, want 5", total)
		}
		if again := en.must(200, "POST", "/payment-links/scheduled", op, map[string]any{"scheduled_at": at.Add(-time.Hour)}).obj(t); num(t, again, "dispatched") != 0 {
			t.Fatalf("the same window again dispatched %v", again)
		}
		for i := range 5 {
			sink.waitMail(t, fmt.Sprintf("c%d@example.com", i), "Reminder:")
		}
		time.Sleep(200 * time.Millisecond)
		for i := range 5 {
			if n := sink.count(fmt.Sprintf("c%d@example.com", i), "Reminder:"); n != 1 {
				t.Fatalf("c%d got %d reminders", i, n)
			}
		}
		if sink.count("late@example.com", "Reminder:") != 0 {
			t.Fatal("a link outside the window was reminded")
		}
		// Links scheduled in the future were not emailed yet.
		if sink.count("late@example.com", "sent you a payment link") != 0 {
			t.Fatal("a scheduled link was emailed early")
		}
	})
}
