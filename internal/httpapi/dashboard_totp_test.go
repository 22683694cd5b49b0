package httpapi_test

import (
	"encoding/base32"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// TestDashboardAuthenticatorApp turns an authenticator app (TOTP) on, signs in with its codes
// (each works once; five wrong ones lock the sign-in), and turns it off again.
func TestDashboardAuthenticatorApp(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		start := time.Now().UTC().Truncate(member.TOTPPeriod)
		en.clock.Set(start)
		a := en.signIn(sink, "admin@acme.example")
		stored := func() string {
			var s string
			en.db.ReaderDB().QueryRow(`SELECT totp_secret FROM members WHERE id = $1`, adminID).Scan(&s)
			return s
		}

		if _, body := a.get("/dashboard/sessions"); !strings.Contains(body, `id="totp-start"`) {
			t.Fatalf("no way to set up an app:\n%s", body)
		}
		res, body := a.post("/dashboard/sessions/totp/start", nil)
		key := regexp.MustCompile(`id="totp-key">([A-Z2-7 ]+)<`).FindStringSubmatch(body)
		if res.StatusCode != 200 || key == nil || !strings.Contains(body, `href="otpauth://totp/Payport:admin@acme.example?`) {
			t.Fatalf("setup: %d\n%s", res.StatusCode, body)
		}
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(key[1], " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		sealed := regexp.MustCompile(`name="sealed" value="([^"]+)"`).FindStringSubmatch(body)[1]
		codeAt := func(at time.Time) string { return member.TOTPCode(secret, member.TOTPStep(at)) }
		wrong := func(at time.Time) string { return member.TOTPCode(secret, member.TOTPStep(at)+5) }
		if stored() != "" {
			t.Fatal("the secret was stored before a code confirmed it")
		}
		// A wrong code: refused, the setup shown again, nothing stored.
		if res, body := a.post("/dashboard/sessions/totp/enable", url.Values{"sealed": {sealed}, "code": {wrong(start)}}); res.StatusCode != 422 ||
			!strings.Contains(body, `id="totp-error"`) || !strings.Contains(body, key[1]) || stored() != "" {
			t.Fatalf("a wrong code: %d\n%s", res.StatusCode, body)
		}
		if res, body := a.post("/dashboard/sessions/totp/enable", url.Values{"sealed": {sealed}, "code": {codeAt(start)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("enable: %d\n%s", res.StatusCode, body)
		}
		if s := stored(); s == "" || strings.Contains(s, strings.ReplaceAll(key[1], " ", "")) || en.auditRows(adminID, "member.totp_on") != 1 {
			t.Fatalf("stored %q; audit %d", s, en.auditRows(adminID, "member.totp_on"))
		}

		// Sign-in now asks for the app's code, and emails none.
		codes := en.count("otp_codes")
		signInTo := func() *dash {
			t.Helper()
			d := en.newDash()
			d.get("/dashboard/signin")
			if res, _ := d.post("/dashboard/signin", url.Values{"email": {"admin@acme.example"}, "password": {goodPassword}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", res.StatusCode)
			}
			return d
		}
		d := signInTo()
		if _, body := d.get("/dashboard/verify"); !strings.Contains(body, "authenticator app") || strings.Contains(body, "/dashboard/verify/resend") {
			t.Fatalf("the code page of an app user:\n%s", body)
		}
		if n := en.count("otp_codes"); n != codes {
			t.Fatalf("%d codes were made for an app user", n-codes)
		}
		// The code used to turn the app on is used up; the next step's works, once.
		if res, _ := d.post("/dashboard/verify", url.Values{"code": {codeAt(start)}}); res.StatusCode != 422 {
			t.Fatalf("a used code: %d", res.StatusCode)
		}
		next := start.Add(member.TOTPPeriod)
		en.clock.Set(next)
		if res, body := d.post("/dashboard/verify", url.Values{"code": {codeAt(next)}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/" {
			t.Fatalf("the app's code: %d\n%s", res.StatusCode, body)
		}
		d2 := signInTo()
		d2.get("/dashboard/verify")
		if res, _ := d2.post("/dashboard/verify", url.Values{"code": {codeAt(next)}}); res.StatusCode != 422 {
			t.Fatalf("a code used for another sign-in: %d", res.StatusCode)
		}
		// Wrong codes count as failed sign-ins: with the one above, five lock the email, and
		// signing in with the password again in between does not forget them.
		for i := 0; i < 3; i++ {
			d2.post("/dashboard/verify", url.Values{"code": {wrong(next)}})
		}
		signInTo()
		if res, body := d2.post("/dashboard/verify", url.Values{"code": {wrong(next)}}); res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "wait 15 minutes") {
			t.Fatalf("the fifth wrong code: %d\n%s", res.StatusCode, body)
		}
		later := next.Add(member.TOTPPeriod)
		en.clock.Set(later)
		if res, _ := d2.post("/dashboard/verify", url.Values{"code": {codeAt(later)}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the right code while locked: %d", res.StatusCode)
		}
		later = later.Add(member.FailureWindow)
		en.clock.Set(later)
		d2.get("/dashboard/verify") // the session is still fresh: sessions idle out after 30 minutes
		if res, _ := d2.post("/dashboard/verify", url.Values{"code": {codeAt(later)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the right code after the lockout: %d", res.StatusCode)
		}

		// Turning it off takes a current code; then codes come by email again.
		d2.get("/dashboard/sessions")
		if res, _ := d2.post("/dashboard/sessions/totp/disable", url.Values{"code": {wrong(later)}}); res.StatusCode != 422 || stored() == "" {
			t.Fatalf("turning off with a wrong code: %d", res.StatusCode)
		}
		later = later.Add(member.TOTPPeriod)
		en.clock.Set(later)
		if res, _ := d2.post("/dashboard/sessions/totp/disable", url.Values{"code": {codeAt(later)}}); res.StatusCode != http.StatusSeeOther || stored() != "" {
			t.Fatalf("turning off: %d", res.StatusCode)
		}
		if en.auditRows(adminID, "member.totp_off") != 1 {
			t.Fatal("turning the app off is not audited")
		}
		n := sink.count("admin@acme.example", "verification code")
		signInTo()
		sink.mailAfter(t, "admin@acme.example", "verification code", n)
	})
}
