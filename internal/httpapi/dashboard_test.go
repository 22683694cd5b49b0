package httpapi_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/dashboard"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// The dashboard's tests: a member's browser (cookies, no redirects followed) against the real
// server, mail through a real SMTP server, on every engine.

// goodPassword is a password every test member gets (it passes the rules).
const goodPassword = "a long enough pass phrase"

// dash is one browser on the dashboard.
type dash struct {
	en   *env
	c    *http.Client
	csrf string
}

var (
	dashCSRF   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	dashCode   = regexp.MustCompile(`\b(\d{6})\b`)
	dashLinkRE = regexp.MustCompile(`http://127\.0\.0\.1:8080(/dashboard/password/[A-Za-z0-9_-]+)`)
)

// newDash is a fresh browser.
func (en *env) newDash() *dash { return &dash{en: en, c: en.browser()} }

// get fetches a dashboard page.
func (d *dash) get(path string) (*http.Response, string) {
	d.en.t.Helper()
	res, body := visit(d.en.t, d.c, d.en.srv.URL+path)
	if m := dashCSRF.FindStringSubmatch(body); m != nil {
		d.csrf = m[1]
	}
	return res, body
}

// post submits a form with the page's CSRF token (unless the form sets its own).
func (d *dash) post(path string, form url.Values) (*http.Response, string) {
	d.en.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", d.csrf)
	}
	res, body := d.en.postForm(d.c, path, form)
	if m := dashCSRF.FindStringSubmatch(body); m != nil {
		d.csrf = m[1]
	}
	return res, body
}

// mailAfter waits for the (n+1)th mail to `to` whose subject contains want, and returns it.
func (s *smtpSink) mailAfter(t *testing.T, to, want string, n int) sunkMail {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		var seen []sunkMail
		for _, m := range s.got {
			if m.To == to && strings.Contains(m.Subject, want) {
				seen = append(seen, m)
			}
		}
		s.mu.Unlock()
		if len(seen) > n {
			return seen[n]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail #%d to %s about %q", n+1, to, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newMember makes a member with goodPassword (through the set-password link, as the CLI does)
// and returns its id.
func (en *env) newMember(orgID, email string, role member.Role) string {
	en.t.Helper()
	ctx := context.Background()
	m, link, err := en.app.CreateMember(ctx, email, role, orgID)
	if err != nil {
		en.t.Fatal(err)
	}
	secret := link[strings.LastIndex(link, "/")+1:]
	if err := en.app.UsePasswordLink(ctx, secret, goodPassword, "127.0.0.1"); err != nil {
		en.t.Fatal(err)
	}
	return m.ID
}

// signIn signs a member in with the password and the emailed code.
func (en *env) signIn(sink *smtpSink, email string) *dash {
	en.t.Helper()
	d := en.newDash()
	n := sink.count(email, "verification code")
	d.get("/dashboard/signin")
	res, body := d.post("/dashboard/signin", url.Values{"email": {email}, "password": {goodPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/verify" {
		en.t.Fatalf("sign-in: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	d.get("/dashboard/verify")
	code := dashCode.FindStringSubmatch(sink.mailAfter(en.t, email, "verification code", n).Subject)[1]
	if res, body := d.post("/dashboard/verify", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/" {
		en.t.Fatalf("code: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	if res, body := d.get("/dashboard/"); res.StatusCode != 200 {
		en.t.Fatalf("overview after sign-in: %d\n%s", res.StatusCode, body)
	}
	return d
}

// dashEnv is an env with mail through SMTP and an org-admin member of the first org.
func dashEnv(t *testing.T, e storetest.Engine) (*env, *smtpSink) {
	en := newEnv(t, e)
	en.withPayouts() // the job queue sends the mail
	return en, en.withSMTP()
}

// auditRows counts audit rows of an action by a member.
func (en *env) auditRows(memberID, action string) int {
	en.t.Helper()
	var n int
	if err := en.db.ReaderDB().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE member_id = $1 AND action = $2`, memberID, action).Scan(&n); err != nil {
		en.t.Fatal(err)
	}
	return n
}

func TestDashboardInviteAcceptSignIn(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		admin := en.signIn(sink, "admin@acme.example")

		admin.get("/dashboard/members")
		if res, body := admin.post("/dashboard/members", url.Values{"email": {"Vera@Acme.example"}, "role": {"viewer"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d\n%s", res.StatusCode, body)
		}
		mail := sink.mailAfter(t, "vera@acme.example", "invited", 0)
		m := dashLinkRE.FindStringSubmatch(mail.Text)
		if m == nil || !strings.Contains(mail.HTML, m[1]) || !strings.Contains(mail.Subject, "Acme Energy") {
			t.Fatalf("invitation mail without its link in both parts: %+v", mail)
		}
		link := m[1]
		if en.auditRows(adminID, "member.invite") != 1 {
			t.Fatal("the invitation is not in the audit log under the admin")
		}
		var stored int
		en.db.ReaderDB().QueryRow(`SELECT COUNT(*) FROM member_tokens WHERE token_hash = $1`, link[strings.LastIndex(link, "/")+1:]).Scan(&stored)
		if stored != 0 {
			t.Fatal("the invitation's secret is stored as it is")
		}

		vera := en.newDash()
		res, body := vera.get(link)
		if res.StatusCode != 200 || !strings.Contains(body, "vera@acme.example") || !strings.Contains(body, "Acme Energy") {
			t.Fatalf("invitation page %d:\n%s", res.StatusCode, body)
		}
		for _, bad := range []string{"short", "vera@acme.example", "Acme Energy", strings.Repeat("x", 257)} {
			if res, body := vera.post(link, url.Values{"password": {bad}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="error"`) {
				t.Fatalf("password %q: %d\n%s", bad, res.StatusCode, body)
			}
		}
		if res, body := vera.post(link, url.Values{"password": {goodPassword}}); res.StatusCode != 200 || !strings.Contains(body, `id="saved"`) {
			t.Fatalf("accept: %d\n%s", res.StatusCode, body)
		}
		// Single-use.
		if res, _ := vera.post(link, url.Values{"password": {goodPassword + "!"}}); res.StatusCode != http.StatusGone {
			t.Fatalf("a used invitation answered %d", res.StatusCode)
		}
		if res, _ := vera.get(link); res.StatusCode != http.StatusGone {
			t.Fatalf("a used invitation's page answered %d", res.StatusCode)
		}
		v := en.signIn(sink, "vera@acme.example")
		_, body = v.get("/dashboard/members")
		if !strings.Contains(body, "admin@acme.example") || !strings.Contains(body, "vera@acme.example") || strings.Contains(body, `action="/dashboard/members"`) {
			t.Fatalf("a viewer's members page:\n%s", body)
		}
		_, body = admin.get("/dashboard/audit")
		for _, want := range []string{"member.invite", "member.join", "member.sign_in", "admin@acme.example", "vera@acme.example"} {
			if !strings.Contains(body, want) {
				t.Errorf("audit page lacks %q", want)
			}
		}

		// An expired invitation does not work.
		admin.post("/dashboard/members", url.Values{"email": {"late@acme.example"}, "role": {"org-admin"}})
		late := dashLinkRE.FindStringSubmatch(sink.mailAfter(t, "late@acme.example", "invited", 0).Text)[1]
		en.clock.Set(time.Now().Add(member.InviteTTL + time.Minute))
		if res, _ := en.newDash().get(late); res.StatusCode != http.StatusGone {
			t.Fatalf("an expired invitation answered %d", res.StatusCode)
		}
	})
}

func TestDashboardSignInLimits(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		try := func(email, password string) (int, string) {
			d := en.newDash()
			d.get("/dashboard/signin")
			res, body := d.post("/dashboard/signin", url.Values{"email": {email}, "password": {password}})
			return res.StatusCode, dashCSRF.ReplaceAllString(body, "")
		}
		// Unknown email and wrong password: the same answer, attempt by attempt, up to the lockout.
		for i := 1; i <= member.MaxFailuresPerAccount; i++ {
			s1, b1 := try("admin@acme.example", "wrong password "+string(rune('a'+i)))
			s2, b2 := try("nobody@acme.example", "wrong password "+string(rune('a'+i)))
			want := http.StatusUnauthorized
			if i == member.MaxFailuresPerAccount {
				want = http.StatusTooManyRequests
			}
			if s1 != want || s2 != s1 || b1 != strings.Replace(b2, "nobody@acme.example", "admin@acme.example", 1) {
				t.Fatalf("attempt %d: known email %d, unknown %d (want %d); bodies differ: %v", i, s1, s2, want, b1 != b2)
			}
		}
		// Locked: the right password is refused too, until the window passes.
		if s, _ := try("admin@acme.example", goodPassword); s != http.StatusTooManyRequests {
			t.Fatalf("right password while locked: %d", s)
		}
		en.clock.Set(time.Now().Add(member.FailureWindow + time.Minute))
		d := en.signIn(sink, "admin@acme.example")
		_ = d

		// Per address: many emails from one address lock that address.
		en.clock.Set(time.Now().Add(2 * (member.FailureWindow + time.Minute)))
		for i := 0; i < member.MaxFailuresPerIP; i++ {
			try("guess"+string(rune('a'+i))+"@acme.example", "wrong password")
		}
		if s, _ := try("admin@acme.example", goodPassword); s != http.StatusTooManyRequests {
			t.Fatalf("right password from a locked address: %d", s)
		}

		// Wrong codes: five lock the code; the right one is then refused, a new one works.
		en.clock.Set(time.Now().Add(3 * (member.FailureWindow + time.Minute)))
		b := en.newDash()
		n := sink.count("admin@acme.example", "verification code")
		b.get("/dashboard/signin")
		b.post("/dashboard/signin", url.Values{"email": {"admin@acme.example"}, "password": {goodPassword}})
		code := dashCode.FindStringSubmatch(sink.mailAfter(t, "admin@acme.example", "verification code", n).Subject)[1]
		b.get("/dashboard/verify")
		if res, _ := b.get("/dashboard/keys"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/verify" {
			t.Fatalf("a page before the code: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			res, body := b.post("/dashboard/verify", url.Values{"code": {wrong}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("wrong code %d: %d", i, res.StatusCode)
			}
			if i == 5 && !strings.Contains(body, "too many wrong codes") {
				t.Fatalf("fifth wrong code does not say the code is locked:\n%s", body)
			}
		}
		if res, _ := b.post("/dashboard/verify", url.Values{"code": {code}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("the right code after the lock: %d", res.StatusCode)
		}
		en.clock.Set(time.Now().Add(3*(member.FailureWindow+time.Minute) + 2*time.Minute))
		if res, body := b.post("/dashboard/verify/resend", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("resend: %d\n%s", res.StatusCode, body)
		}
		code = dashCode.FindStringSubmatch(sink.mailAfter(t, "admin@acme.example", "verification code", n+1).Subject)[1]
		if res, _ := b.post("/dashboard/verify", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the new code: %d", res.StatusCode)
		}
	})
}

func TestDashboardResetWithoutEnumeration(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		before := en.signIn(sink, "admin@acme.example")
		reset := func(email string) (int, string) {
			d := en.newDash()
			d.get("/dashboard/reset")
			res, body := d.post("/dashboard/reset", url.Values{"email": {email}})
			return res.StatusCode, body
		}
		s1, b1 := reset("admin@acme.example")
		s2, b2 := reset("nobody@acme.example")
		if s1 != 200 || s1 != s2 || b1 != b2 || !strings.Contains(b1, `id="sent"`) {
			t.Fatalf("reset answers differ: %d vs %d\n%s\n---\n%s", s1, s2, b1, b2)
		}
		link := dashLinkRE.FindStringSubmatch(sink.mailAfter(t, "admin@acme.example", "password", 0).Text)[1]
		d := en.newDash()
		d.get(link)
		if res, body := d.post(link, url.Values{"password": {"a brand new pass phrase"}}); res.StatusCode != 200 {
			t.Fatalf("new password: %d\n%s", res.StatusCode, body)
		}
		// A new password ends the sessions made with the old one.
		if res, _ := before.get("/dashboard/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/signin" {
			t.Fatalf("an old session after a reset: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		d = en.newDash()
		d.get("/dashboard/signin")
		if res, _ := d.post("/dashboard/signin", url.Values{"email": {"admin@acme.example"}, "password": {goodPassword}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the old password after a reset: %d", res.StatusCode)
		}
		d.get("/dashboard/signin")
		if res, _ := d.post("/dashboard/signin", url.Values{"email": {"admin@acme.example"}, "password": {"a brand new pass phrase"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the new password: %d", res.StatusCode)
		}
		time.Sleep(200 * time.Millisecond) // the unknown address's look-up finishes
		if n := sink.count("nobody@acme.example", ""); n != 0 {
			t.Fatalf("%d mails to an address with no account", n)
		}
	})
}

func TestDashboardSessions(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		id := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		a := en.signIn(sink, "admin@acme.example")
		b := en.signIn(sink, "admin@acme.example")
		_, body := a.get("/dashboard/sessions")
		ids := regexp.MustCompile(`id="session-(mss_[0-9a-f]+)"`).FindAllStringSubmatch(body, -1)
		if len(ids) != 2 || !strings.Contains(body, "this session") {
			t.Fatalf("sessions page lists %d sessions:\n%s", len(ids), body)
		}
		other := ids[0][1]
		if strings.Contains(body, `action="/dashboard/sessions/`+ids[1][1]+`/revoke"`) {
			other = ids[1][1]
		}
		if res, _ := a.post("/dashboard/sessions/"+other+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		if res, _ := b.get("/dashboard/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/signin" {
			t.Fatalf("a revoked session: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if en.auditRows(id, "session.revoke") != 1 {
			t.Fatal("the revocation is not in the audit log")
		}

		// Idle for longer than the idle time: ended.
		start := time.Now()
		en.clock.Set(start.Add(member.SessionIdle + time.Second))
		if res, _ := a.get("/dashboard/"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("an idle session: %d", res.StatusCode)
		}
		// Used every 20 minutes: alive until its absolute end.
		en.clock.Set(start)
		c := en.signIn(sink, "admin@acme.example")
		for at := 20 * time.Minute; at < member.SessionMax; at += 20 * time.Minute {
			en.clock.Set(start.Add(at))
			if res, _ := c.get("/dashboard/"); res.StatusCode != 200 {
				t.Fatalf("a session in use, %v after sign-in: %d", at, res.StatusCode)
			}
		}
		en.clock.Set(start.Add(member.SessionMax + time.Second))
		if res, _ := c.get("/dashboard/"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a session past its absolute end: %d", res.StatusCode)
		}

		// Sign-out ends the session on the server, not only the cookie.
		en.clock.Set(start)
		s := en.signIn(sink, "admin@acme.example")
		u, _ := url.Parse(en.srv.URL + "/dashboard/")
		cookies := s.c.Jar.Cookies(u)
		if res, _ := s.post("/dashboard/signout", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		replay := en.newDash()
		replay.c.Jar.SetCookies(u, cookies)
		if res, _ := replay.get("/dashboard/"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a signed-out session's cookie still works: %d", res.StatusCode)
		}
	})
}

func TestDashboardSecurityHeadersAndCSRF(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		for _, path := range []string{"/dashboard/signin", "/dashboard/reset"} {
			res, _ := en.newDash().get(path)
			csp := res.Header.Get("Content-Security-Policy")
			if res.StatusCode != 200 || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") ||
				!strings.Contains(csp, "script-src 'self'") || res.Header.Get("X-Frame-Options") != "DENY" {
				t.Fatalf("%s: %d, CSP %q, X-Frame-Options %q", path, res.StatusCode, csp, res.Header.Get("X-Frame-Options"))
			}
		}
		// Sign-in without the form's token (another site posting a login) is refused.
		d := en.newDash()
		if res, _ := d.post("/dashboard/signin", url.Values{"email": {"admin@acme.example"}, "password": {goodPassword}, "csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("sign-in without the token: %d", res.StatusCode)
		}
		a := en.signIn(sink, "admin@acme.example")
		keys := en.count("api_keys")
		for _, token := range []string{"", "forged"} {
			res, _ := a.post("/dashboard/keys", url.Values{"csrf": {token}, "scope": {"links"}, "mode": {"test"}})
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("key creation with CSRF token %q: %d", token, res.StatusCode)
			}
		}
		if en.count("api_keys") != keys {
			t.Fatal("a key was made without a valid CSRF token")
		}
		a.get("/dashboard/keys")
		if res, _ := a.post("/dashboard/keys", url.Values{"scope": {"links"}, "mode": {"test"}}); res.StatusCode != http.StatusCreated {
			t.Fatalf("key creation with the token: %d", res.StatusCode)
		}
		for _, f := range []string{"dashboard.css", "dashboard.js"} {
			if res, _ := a.get("/dashboard/static/" + f); res.StatusCode != 200 {
				t.Fatalf("static %s: %d", f, res.StatusCode)
			}
		}
		// A page that does not exist is a page too, with the same headers, not a JSON problem.
		for _, d := range []*dash{a, en.newDash()} {
			res, body := d.get("/dashboard/no-such-page")
			if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(body, "There is no such page") || res.Header.Get("X-Frame-Options") != "DENY" {
				t.Fatalf("unknown dashboard page: %d %s %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("X-Frame-Options"), body)
			}
		}
	})
}

func TestDashboardViewerChangesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		viewerID := en.newMember(en.orgID, "viewer@acme.example", member.RoleViewer)
		v := en.signIn(sink, "viewer@acme.example")
		var keyID string
		en.db.ReaderDB().QueryRow(`SELECT id FROM api_keys WHERE org_id = $1`, en.orgID).Scan(&keyID)
		tables := []string{"api_keys", "member_tokens", "orgs", "members"}
		before := map[string]int{}
		for _, tbl := range tables {
			before[tbl] = en.count(tbl)
		}
		forms := map[string]url.Values{
			"/dashboard/keys":                      {"scope": {"payouts"}, "mode": {"test"}, "name": {"x"}},
			"/dashboard/keys/" + keyID + "/revoke": {},
			"/dashboard/members":                   {"email": {"new@acme.example"}, "role": {"org-admin"}},
			"/dashboard/orgs":                      {"name": {"Viewer's org"}},
			"/dashboard/org":                       {"org": {en.orgID}},
			"/dashboard/keys/key_missing/revoke":   {},
			// A viewer can neither promote nor remove itself.
			"/dashboard/members/" + viewerID + "/role":   {"role": {"org-admin"}},
			"/dashboard/members/" + viewerID + "/remove": {},
		}
		maps.Copy(forms, dashPaymentViewerForms)
		for _, p := range dashboard.WritePaths {
			p = strings.Replace(strings.Replace(p, "key_x", keyID, 1), "mem_x", viewerID, 1)
			if _, ok := forms[p]; !ok {
				t.Errorf("no form for the write route %s", p)
			}
		}
		for path, form := range forms {
			v.get("/dashboard/keys")
			if res, body := v.post(path, form); res.StatusCode != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d\n%s", path, res.StatusCode, body)
			}
		}
		for _, tbl := range tables {
			if n := en.count(tbl); n != before[tbl] {
				t.Errorf("a viewer's POSTs changed %s: %d -> %d rows", tbl, before[tbl], n)
			}
		}
		if en.do("GET", "/api/org", en.key, nil).Status != 200 {
			t.Fatal("the key a viewer tried to revoke no longer works")
		}
		// The pages show no forms that change the org.
		_, body := v.get("/dashboard/keys")
		if strings.Contains(body, `action="/dashboard/keys"`) || strings.Contains(body, "/revoke") {
			t.Fatalf("a viewer's keys page offers changes:\n%s", body)
		}
		// Its own sessions it may end.
		if res, _ := v.post("/dashboard/signout", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("viewer sign-out: %d", res.StatusCode)
		}
	})
}

func TestDashboardOrgIsolation(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		otherOrg, otherKey := en.newOrg("Other Corp")
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		en.newMember(otherOrg, "boss@other.example", member.RoleOrgAdmin)
		opID := en.newMember("", "op@payport.example", member.RoleInternalAdmin)
		other := en.signIn(sink, "boss@other.example")
		other.get("/dashboard/keys")
		other.post("/dashboard/keys", url.Values{"scope": {"rewards"}, "mode": {"live"}, "name": {"other-secret-name"}})
		other.post("/dashboard/members", url.Values{"email": {"invitee@other.example"}, "role": {"viewer"}})
		var otherKeyID, otherPrefix string
		en.db.ReaderDB().QueryRow(`SELECT id, prefix FROM api_keys WHERE org_id = $1 ORDER BY id LIMIT 1`, otherOrg).Scan(&otherKeyID, &otherPrefix)
		en.createRecipient(otherKey, "other_site", "EUR")

		a := en.signIn(sink, "admin@acme.example")
		for _, page := range []string{"/dashboard/", "/dashboard/?mode=live", "/dashboard/keys", "/dashboard/members", "/dashboard/audit", "/dashboard/sessions"} {
			res, body := a.get(page)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", page, res.StatusCode)
			}
			for _, leak := range []string{"Other Corp", otherPrefix, otherKeyID, "boss@other.example", "invitee@other.example", "other-secret-name", otherOrg} {
				if strings.Contains(body, leak) {
					t.Errorf("%s shows %q of another org", page, leak)
				}
			}
		}
		if _, body := a.get("/dashboard/"); !strings.Contains(body, `id="recipients">0<`) {
			t.Errorf("the overview counts another org's recipient:\n%s", body)
		}
		if res, _ := a.post("/dashboard/keys/"+otherKeyID+"/revoke", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("revoking another org's key: %d, want 404", res.StatusCode)
		}
		if res, _ := a.post("/dashboard/org", url.Values{"org": {otherOrg}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("an org-admin switching org: %d, want 403", res.StatusCode)
		}
		if res, _ := a.get("/dashboard/orgs"); res.StatusCode != http.StatusForbidden {
			t.Errorf("an org-admin's orgs page: %d, want 403", res.StatusCode)
		}
		if en.do("GET", "/api/org", otherKey, nil).Status != 200 {
			t.Fatal("another org's key stopped working")
		}

		// The operator sees every org and switches between them.
		op := en.signIn(sink, "op@payport.example")
		_, body := op.get("/dashboard/orgs")
		if !strings.Contains(body, "Other Corp") || !strings.Contains(body, "Acme Energy") {
			t.Fatalf("operator's orgs page:\n%s", body)
		}
		if res, _ := op.post("/dashboard/org", url.Values{"org": {otherOrg}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("operator switch: %d", res.StatusCode)
		}
		if _, body := op.get("/dashboard/keys"); !strings.Contains(body, "other-secret-name") {
			t.Fatalf("operator in Other Corp does not see its keys:\n%s", body)
		}
		if res, body := op.post("/dashboard/orgs", url.Values{"name": {"Third Org"}}); res.StatusCode != http.StatusCreated || !strings.Contains(body, `id="secret"`) {
			t.Fatalf("operator creates an org: %d\n%s", res.StatusCode, body)
		}
		if en.auditRows(opID, "org.create") != 1 || en.auditRows(opID, "org.switch") != 1 {
			t.Fatal("the operator's org actions are not in the audit log")
		}
	})
}

func TestDashboardKeyPermissions(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		a := en.signIn(sink, "admin@acme.example")
		a.get("/dashboard/keys")
		before := en.count("api_keys")
		if res, body := a.post("/dashboard/keys", url.Values{"mode": {"test"}, "name": {"none"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="error"`) {
			t.Fatalf("a key with no permission: %d\n%s", res.StatusCode, body)
		}
		if en.count("api_keys") != before {
			t.Fatal("a refused key was stored")
		}
		res, body := a.post("/dashboard/keys", url.Values{"scope": {"links"}, "mode": {"test"}, "name": {"links only"}})
		m := regexp.MustCompile(`<code id="secret">(pp_test_[0-9A-Za-z]+)</code>`).FindStringSubmatch(body)
		if res.StatusCode != http.StatusCreated || m == nil || !strings.Contains(body, `data-copy="secret"`) {
			t.Fatalf("key creation: %d\n%s", res.StatusCode, body)
		}
		secret := m[1]
		// Refused a payout, allowed its links.
		r := en.do("POST", "/api/payments", secret, map[string]any{"amount": "10.00", "currency": "EUR", "type": "payout"})
		wantProblem(t, r, http.StatusForbidden, "", anyField)
		en.must(200, "GET", "/orgs/"+en.orgID+"/payment-links", secret, nil)
		// The secret is shown once: not on the next page, not in the audit log.
		_, body = a.get("/dashboard/keys")
		if strings.Contains(body, secret) || !strings.Contains(body, "links only") {
			t.Fatalf("keys page after creation:\n%s", body)
		}
		var detail string
		en.db.ReaderDB().QueryRow(`SELECT detail FROM audit_log WHERE member_id = $1 AND action = 'api_key.create'`, adminID).Scan(&detail)
		if detail == "" || strings.Contains(detail, secret) || !strings.Contains(detail, "links") {
			t.Fatalf("audit detail %q", detail)
		}
		// Last use is shown.
		if row := regexp.MustCompile(`(?s)<td>links only</td>.*?</tr>`).FindString(body); strings.Contains(row, ">never<") {
			t.Fatalf("a used key shows no last use: %s", row)
		}
		var keyID string
		en.db.ReaderDB().QueryRow(`SELECT id FROM api_keys WHERE name = 'links only'`).Scan(&keyID)
		if res, _ := a.post("/dashboard/keys/"+keyID+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		if r := en.do("GET", "/orgs/"+en.orgID+"/payment-links", secret, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("a revoked key: %d", r.Status)
		}
		if en.auditRows(adminID, "api_key.create") != 1 || en.auditRows(adminID, "api_key.revoke") != 1 {
			t.Fatal("key creation and revocation are not in the audit log under the member")
		}
	})
}
