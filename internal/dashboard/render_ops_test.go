package dashboard

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/texts"
)

// opsPageCases are the operations pages with data for each of their branches.
func opsPageCases() map[string][]map[string]any {
	now := time.Now()
	me := member.Member{ID: "mem_1", Email: "ada@example.com", Role: member.RoleOrgAdmin}
	o := org.Org{ID: "org_1", Name: "Acme <Energy>"}
	signedIn := func(active string, extra map[string]any) map[string]any {
		d := map[string]any{"Me": me, "Org": o, "CSRF": "c", "Active": active, "Title": "x", "CanWrite": true, "SessionID": "mss_1"}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	viewer := func(d map[string]any) map[string]any { d["CanWrite"] = false; return d }
	ep := app.WebhookEndpointView{ID: "we_1", URL: "https://hooks.example/<x>", Description: "CRM", EventTypes: []string{"payment.*"}, Enabled: true, CreatedAt: now}
	failing := ep
	failing.ID, failing.Enabled, failing.DisabledReason, failing.FailingSince, failing.EventTypes = "we_2", false, "gone", &now, nil
	att := []app.WebhookAttemptView{{ID: "wa_1", EventID: "evt_1", EndpointID: "we_1", Attempt: 1, StatusCode: 200, LatencyMS: 12, CreatedAt: now},
		{ID: "wa_2", EventID: "evt_1", Attempt: 2, Error: "timeout", CreatedAt: now}}
	ev := app.EventView{ID: "evt_1", Type: "payment.succeeded", CreatedAt: "2026-11-22T10:00:00.000000Z"}
	file := app.RailFileView{ID: "rf_1", Rail: "nacha", Filename: "x.ach", PaymentCount: 2, TotalAmount: app.Amount{Amount: "3.00"}, Currency: "USD", Status: "exported", CreatedAt: now}
	res := app.ImportResult{Duplicate: true, Failed: []app.ImportedLine{{Reference: "1", PaymentID: "pay_1", Code: "R01", Outcome: "failed"}},
		Succeeded: []app.ImportedLine{}, Notices: []app.ImportedLine{}, Ignored: []app.ImportedLine{{Reference: "2", Outcome: "unknown"}}}
	form := app.SettingsForm{Name: "Acme", BrandColor: "#112233", PortalText: "Hello <b>"}
	charts := chartsOf(&texts.English, app.Charts{Days: []string{"2026-11-21", "2026-11-22"}, Count: []int64{0, 3},
		Volume:    []app.CurrencySeries{{Currency: "EUR", Minor: []int64{0, 500}, Amounts: []string{"0.00", "5.00"}, Total: "5.00"}},
		Succeeded: 2, Failed: 1, Open: 0, Rate: 67, DeliveryRate: 50, Attempts: 2, Delivered: 1,
		Owed:      []app.OwedSplit{{Currency: "EUR", AvailableMinor: 100, OnWayMinor: 50, Available: "1.00", OnWay: "0.50", Total: "1.50"}},
		Endpoints: []app.EndpointHealth{{ID: "we_1", URL: "https://hooks.example/a", Attempts: 2, Delivered: 1, Rate: 50, Failing: true}}})
	return map[string][]map[string]any{
		"webhooks": {
			signedIn("webhooks", map[string]any{"Mode": "test", "Endpoints": []app.WebhookEndpointView{ep, failing}, "Types": app.KnownEventTypes, "Form": app.EndpointForm{}, "Script": true}),
			signedIn("webhooks", map[string]any{"Mode": "live", "Types": app.KnownEventTypes, "Form": app.EndpointForm{URL: "x"}, "Error": "bad url", "NewSecret": "whsec_x"}),
			viewer(signedIn("webhooks", map[string]any{"Mode": "test", "Endpoints": []app.WebhookEndpointView{ep}, "Types": app.KnownEventTypes, "Form": app.EndpointForm{}})),
		},
		"webhook": {
			signedIn("webhooks", map[string]any{"Mode": "test", "Endpoint": ep, "Attempts": att, "Older": "wa_2", "NewSecret": "whsec_y", "Script": true}),
			signedIn("webhooks", map[string]any{"Mode": "test", "Endpoint": failing}),
			viewer(signedIn("webhooks", map[string]any{"Mode": "test", "Endpoint": ep, "Attempts": att})),
		},
		"events": {
			signedIn("events", map[string]any{"Mode": "test", "Events": []app.EventView{ev}, "Older": "evt_0", "Type": "payment.succeeded", "Types": app.KnownEventTypes}),
			signedIn("events", map[string]any{"Mode": "live", "Type": "", "Types": app.KnownEventTypes}),
		},
		"event": {
			signedIn("events", map[string]any{"Mode": "test", "Event": ev, "Attempts": att, "Payload": `{"a": "<b>"}`, "Redelivered": true, "Count": 2}),
			viewer(signedIn("events", map[string]any{"Mode": "test", "Event": ev, "Payload": "{}", "Error": "x"})),
		},
		"rails": {
			signedIn("rails", map[string]any{"Mode": "live", "Files": []app.RailFileView{file}, "RailNames": railNames, "Result": res, "Exported": file}),
			signedIn("rails", map[string]any{"Mode": "test", "RailNames": railNames, "Error": "nothing to export"}),
			viewer(signedIn("rails", map[string]any{"Mode": "live", "Files": []app.RailFileView{file}, "RailNames": railNames})),
		},
		"settings": {
			signedIn("settings", map[string]any{"F": form, "FieldErrors": map[string]string{}, "Saved": true, "HasLogo": true, "PreviewKinds": previewKinds, "Swatch": "#112233"}),
			signedIn("settings", map[string]any{"F": form, "FieldErrors": map[string]string{"brand_color": "brand_color must look like #1a73e8"}, "PreviewKinds": previewKinds}),
			viewer(signedIn("settings", map[string]any{"F": form, "FieldErrors": map[string]string{}, "PreviewKinds": previewKinds})),
		},
		"overview": {
			signedIn("overview", map[string]any{"Mode": "test", "Figures": app.Overview{}, "Charts": charts}),
			signedIn("overview", map[string]any{"Mode": "live", "Figures": app.Overview{}, "Charts": chartsOf(&texts.English, app.Charts{Rate: -1, DeliveryRate: -1})}),
		},
	}
}

// TestOpsPagesRender holds the operations pages to TestPagesRender's rules: every branch with
// every catalogue, no missing text, the accessibility basics, no inline script or style.
func TestOpsPagesRender(t *testing.T) {
	tmpl := parseTemplates()
	parseOpsTemplates(tmpl)
	cases := opsPageCases()
	checkPagesRender(t, tmpl, cases, opsPages)
}

// TestViewerOffersNoOpsChange: a viewer's pages hold no form that posts a change.
func TestViewerOffersNoOpsChange(t *testing.T) {
	tmpl := parseTemplates()
	parseOpsTemplates(tmpl)
	post := regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	for page, datas := range opsPageCases() {
		for i, data := range datas {
			if data["CanWrite"] != false {
				continue
			}
			data["T"] = &texts.English
			var b strings.Builder
			if err := tmpl[page].ExecuteTemplate(&b, "layout", data); err != nil {
				t.Fatal(err)
			}
			for _, m := range post.FindAllStringSubmatch(b.String(), -1) {
				if m[1] != "/dashboard/signout" {
					t.Errorf("%s #%d: a viewer is offered %s", page, i, m[1])
				}
			}
			if page == "settings" && (!strings.Contains(b.String(), "<fieldset class=\"plain\" disabled>") || strings.Contains(b.String(), `id="save"`)) {
				t.Errorf("a viewer's settings form can be changed or saved")
			}
		}
	}
}

// TestOpsTemplatesUseKnownTexts: every {{.T.DashOps.X}} a template names is in the catalogue.
func TestOpsTemplatesUseKnownTexts(t *testing.T) {
	re := regexp.MustCompile(`\.T\.DashOps\.([A-Za-z0-9]+)`)
	typ := reflect.TypeFor[texts.DashOpsTexts]()
	n := 0
	entries, _ := templateFS.ReadDir("templates")
	for _, e := range entries {
		b, _ := templateFS.ReadFile("templates/" + e.Name())
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := typ.FieldByName(m[1]); !ok {
				t.Errorf("%s: .T.DashOps.%s is not in the catalogue", e.Name(), m[1])
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d texts found: is the pattern still finding them?", n)
	}
}
