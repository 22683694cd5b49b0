package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	csrfFieldRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	demoLoginRE = regexp.MustCompile(`email (\S+)\n  password \(shown only now\) (\S+)\n`)
)

// dashboardSignIn gets the sign-in form and posts email and password; it returns the answer
// (a redirect to the code page when they are right).
func dashboardSignIn(t *testing.T, base, email, password string) *http.Response {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/dashboard/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfFieldRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("sign-in page without a CSRF token:\n%s", body)
	}
	res, err = c.PostForm(base+"/dashboard/signin", url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestUserCreate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		var out struct {
			ID, Email, Role string
			OrgID           string `json:"org_id"`
			SetPasswordURL  string `json:"set_password_url"`
		}
		e.runJSON(t, &out, "user", "create", "--email", "Op@Example.com", "--role", "internal-admin", "--public-url", "http://payport.example", "--json")
		if out.Email != "op@example.com" || out.Role != "internal-admin" || out.OrgID != "" ||
			!regexp.MustCompile(`^http://payport\.example/dashboard/password/[A-Za-z0-9_-]{43}$`).MatchString(out.SetPasswordURL) {
			t.Fatalf("user create --json: %+v", out)
		}
		if r := e.run(t, "user", "create", "--email", "op@example.com"); r.code == 0 || !strings.Contains(r.stderr, "exists already") {
			t.Fatalf("a second member with the same email: %v", r)
		}
		if r := e.run(t, "user", "create", "--email", "v@example.com", "--role", "viewer"); r.code == 0 || !strings.Contains(r.stderr, "org") {
			t.Fatalf("a viewer without an org: %v", r)
		}
		// The link works on the server (once the password is set, the operator can sign in).
		s := e.startServer(t)
		path := out.SetPasswordURL[len("http://payport.example"):]
		res, err := http.Get(s.base + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("set-password page: %v %v", res, err)
		}
		res.Body.Close()
	})
}

func TestServeDemoLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := e.startServer(t, "--demo")
		if !waitOutput(s.stdout, "/docs for every endpoint") {
			t.Fatalf("serve --demo did not finish printing:\n%s", s.stdout)
		}
		m := demoLoginRE.FindStringSubmatch(s.stdout.String())
		if m == nil {
			t.Fatalf("serve --demo printed no dashboard login:\n%s", s.stdout)
		}
		if strings.Contains(s.stderr.String(), m[2]) {
			t.Fatal("the demo password was written to the log")
		}
		if res := dashboardSignIn(t, s.base, m[1], m[2]); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/verify" {
			t.Fatalf("demo login: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		s.terminate(t, 10e9)
		s2 := e.startServer(t, "--demo")
		waitOutput(s2.stdout, "/docs for every endpoint")
		if strings.Contains(s2.stdout.String(), m[2]) || !strings.Contains(s2.stdout.String(), "its password was printed when it was created") {
			t.Fatalf("restart with --demo:\n%s", s2.stdout)
		}
	})
}
