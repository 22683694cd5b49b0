package dashboard

import (
	"fmt"
	"html/template"
	"maps"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/texts"
)

// pageCases are every page with data for each of its branches.
func pageCases() map[string][]map[string]any {
	t := &texts.English
	now := time.Now()
	me := member.Member{ID: "mem_1", Email: "ada@example.com", Role: member.RoleOrgAdmin}
	op := member.Member{ID: "mem_2", Email: "op@example.com", Role: member.RoleInternalAdmin}
	o := org.Org{ID: "org_1", Name: "Acme <Energy>"}
	key := org.APIKey{ID: "key_1", Scope: tenant.Scope{OrgID: "org_1", Mode: tenant.Test}, Scopes: []org.Scope{org.ScopeLinks}, Name: "CI", Prefix: "pp_test_abcd", CreatedAt: now}
	revoked := key
	revoked.ID, revoked.RevokedAt, revoked.LastUsedAt = "key_2", &now, &now
	signedIn := func(active string, extra map[string]any) map[string]any {
		d := map[string]any{"Me": me, "Org": o, "CSRF": "c", "Active": active, "Title": "x", "CanWrite": true, "SessionID": "mss_1"}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	viewer := func(d map[string]any) map[string]any { d["CanWrite"] = false; return d }
	return map[string][]map[string]any{
		"error":  {{"Title": t.Dash.ErrorTitle, "Message": t.Dash.NotAllowed}},
		"signin": {{"CSRF": "c"}, {"CSRF": "c", "Error": t.Dash.SignInFailed, "Email": "a@b.example"}},
		"verify": {{"CSRF": "c"}, {"CSRF": "c", "Error": t.CodeWrong}, {"CSRF": "c", "TOTP": true}, {"CSRF": "c", "TOTP": true, "Error": t.CodeLocked}},
		"reset":  {{"CSRF": "c"}, {"Sent": true}},
		"password": {
			{"CSRF": "c", "Link": app.PasswordLinkView{Email: "a@b.example", OrgName: "Acme", Invite: true}, "Action": "/dashboard/password/x"},
			{"CSRF": "c", "Link": app.PasswordLinkView{Email: "a@b.example"}, "Action": "/dashboard/password/x", "Error": "too short"},
			{"Done": true},
		},
		"overview": {
			signedIn("overview", map[string]any{"Mode": "test", "Figures": app.Overview{}}),
			signedIn("overview", map[string]any{"Mode": "live", "Figures": app.Overview{Recipients: 3,
				Owed:     []app.OverviewAmount{{Currency: "EUR", Amount: "12.00"}},
				Payments: []app.OverviewPayments{{Type: "payout", Status: "succeeded", Currency: "EUR", Count: 2, Amount: "4.00"}}}}),
		},
		"keys": {
			signedIn("keys", map[string]any{"Keys": []org.APIKey{key, revoked}, "Scopes": keyScopes, "Script": true}),
			signedIn("keys", map[string]any{"Keys": []org.APIKey{key}, "Scopes": keyScopes, "NewKey": app.NewKey{Key: key, Secret: "pp_test_secret"}, "Error": "x"}),
			viewer(signedIn("keys", map[string]any{"Keys": []org.APIKey{key}, "Scopes": keyScopes})),
		},
		"members": {
			signedIn("members", map[string]any{"Members": []member.Member{me}, "Sent": true}),
			signedIn("members", map[string]any{"Members": []member.Member{me, op, {ID: "mem_3", Email: "vi@example.com", Role: member.RoleViewer}},
				"Done": fmt.Sprintf(t.Dash.MemberRemoved, "x@example.com")}),
			viewer(signedIn("members", map[string]any{"Members": []member.Member{me, op}, "Error": "x"})),
		},
		"sessions": {
			signedIn("sessions", map[string]any{"Sessions": []member.Session{{ID: "mss_1", CreatedAt: now, LastSeenAt: now}, {ID: "mss_2", UserAgent: "Firefox"}}}),
			signedIn("sessions", map[string]any{"Setup": totpSetupData(app.TOTPSetup{Key: "ABCD EFGH", URI: "otpauth://totp/Payport:a?secret=ABCDEFGH", Sealed: "s"}),
				"TOTPError": "wrong", "Script": true}),
			viewer(signedIn("sessions", map[string]any{"TOTPOn": true, "TOTPError": "wrong", "Done": t.Dash.TOTPTurnedOn})),
		},
		"audit": {
			signedIn("audit", map[string]any{"Entries": []app.AuditView{{AuditEntry: member.AuditEntry{Action: "api_key.create", ObjectID: "key_1", CreatedAt: now}, MemberEmail: "ada@example.com"},
				{AuditEntry: member.AuditEntry{ActorType: member.ActorPortalSession, ActorID: "grt_1", RecipientID: "rec_1", Action: "withdrawal.requested", ObjectID: "pay_1", CreatedAt: now}}}, "Older": "aud_1"}),
			signedIn("audit", nil),
		},
		"orgs": {
			{"Me": op, "Org": o, "CSRF": "c", "Active": "orgs", "Title": "x", "CanWrite": true, "Orgs": []org.Org{o, {ID: "org_2", Name: "Other"}}, "Script": true},
			{"Me": op, "CSRF": "c", "Active": "orgs", "Title": "x", "CanWrite": true, "Orgs": []org.Org{}, "NewKey": app.NewKey{Secret: "pp_test_x"}, "NewOrg": "New <Co>", "Error": "x"},
		},
	}
}

var (
	h1RE        = regexp.MustCompile(`<h1[ >]`)
	langRE      = regexp.MustCompile(`<html lang="[a-z]{2,3}(-[A-Za-z0-9]+)*">`)
	controlRE   = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRE        = regexp.MustCompile(`\bid="([^"]+)"`)
	labelForRE  = regexp.MustCompile(`<label for="([^"]+)"`)
	describedRE = regexp.MustCompile(`aria-describedby="([^"]+)"`)
	inlineRE    = regexp.MustCompile(`(?i)<script>|<style|\sstyle=|\son[a-z]+=|javascript:`)
)

// TestPagesRender renders every page in each branch with every catalogue: no missing text,
// the accessibility basics (a language, one h1, a label for every control, aria-describedby
// naming something that exists, unique ids) and no inline script or style, which the CSP
// would refuse.
func TestPagesRender(t *testing.T) {
	tmpl := parseTemplates()
	cases := pageCases()
	maps.Copy(cases, paymentPageCases())
	checkPagesRender(t, tmpl, cases, pages)
}

func checkAccessible(t *testing.T, name, out string) {
	t.Helper()
	if n := len(h1RE.FindAllString(out, -1)); n != 1 {
		t.Errorf("%s: %d h1 headings, want 1", name, n)
	}
	if !langRE.MatchString(out) {
		t.Errorf("%s: no lang attribute on <html>", name)
	}
	ids := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(out, -1) {
		if ids[m[1]] {
			t.Errorf("%s: id %q used twice", name, m[1])
		}
		ids[m[1]] = true
	}
	labels := map[string]bool{}
	for _, m := range labelForRE.FindAllStringSubmatch(out, -1) {
		labels[m[1]] = true
	}
	for _, ctl := range controlRE.FindAllString(out, -1) {
		if strings.Contains(ctl, `type="hidden"`) {
			continue
		}
		id := idRE.FindStringSubmatch(ctl)
		if id == nil || !labels[id[1]] {
			t.Errorf("%s: no <label> for %s", name, ctl)
		}
	}
	for _, m := range describedRE.FindAllStringSubmatch(out, -1) {
		for _, ref := range strings.Fields(m[1]) {
			if !ids[ref] {
				t.Errorf("%s: aria-describedby=%q names no element", name, ref)
			}
		}
	}
}

// TestTemplatesUseKnownTexts: every {{.T.Dash.X}} a template names is in the catalogue.
func TestTemplatesUseKnownTexts(t *testing.T) {
	re := regexp.MustCompile(`\.T\.Dash\.([A-Za-z]+)`)
	typ := reflect.TypeFor[texts.DashTexts]()
	n := 0
	entries, _ := templateFS.ReadDir("templates")
	for _, e := range entries {
		b, _ := templateFS.ReadFile("templates/" + e.Name())
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := typ.FieldByName(m[1]); !ok {
				t.Errorf("%s: .T.Dash.%s is not in the catalogue", e.Name(), m[1])
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d texts found: is the pattern still finding them?", n)
	}
}

// checkPagesRender renders every case of every page with every catalogue and holds the output
// to the rules: a case for each listed page, no missing text, no inline script or style (the
// CSP refuses them), the accessibility basics.
func checkPagesRender(t *testing.T, tmpl map[string]*template.Template, cases map[string][]map[string]any, pages []string) {
	t.Helper()
	for _, p := range pages {
		if len(cases[p]) == 0 {
			t.Errorf("no render case for page %q", p)
		}
	}
	for _, c := range texts.Catalogues {
		for page, datas := range cases {
			for i, data := range datas {
				data["T"] = c
				var b strings.Builder
				if err := tmpl[page].ExecuteTemplate(&b, "layout", data); err != nil {
					t.Errorf("%s %s #%d: %v", c.Lang, page, i, err)
					continue
				}
				out := b.String()
				name := c.Lang + " " + page
				for _, bad := range []string{"%!", "<no value>"} {
					if strings.Contains(out, bad) {
						t.Errorf("%s #%d: %q in the page:\n%s", name, i, bad, out)
					}
				}
				if m := inlineRE.FindString(out); m != "" {
					t.Errorf("%s #%d: inline code %q, which the CSP refuses", name, i, m)
				}
				checkAccessible(t, name, out)
			}
		}
	}
}
