package httpapi_test

import (
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// TestDashboardRailAuditSameTransaction shows that a bank file's export and import commit
// with their audit entry or not at all: while the audit log cannot be written, neither
// happens; afterwards each writes exactly one entry, and a refused import none.
func TestDashboardRailAuditSameTransaction(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		live, payoutID := en.liveNACHA()
		a := en.signIn(sink, "admin@acme.example")
		// Renaming the table makes every audit insert fail, inside whatever transaction.
		auditOff := func(off bool) {
			t.Helper()
			q := `ALTER TABLE audit_log RENAME TO audit_log_off`
			if !off {
				q = `ALTER TABLE audit_log_off RENAME TO audit_log`
			}
			if _, err := en.db.WriterDB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		status := func() string {
			return en.must(200, "GET", "/api/payments/"+payoutID, live, nil).obj(t)["status"].(string)
		}

		a.get("/dashboard/rails?mode=live")
		auditOff(true)
		if res, _ := a.post("/dashboard/rails/nacha/export", url.Values{"mode": {"live"}}); res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("export without an audit log: %d", res.StatusCode)
		}
		auditOff(false)
		if n := en.count("rail_files"); n != 0 || status() != "pending" {
			t.Fatalf("an export whose audit entry failed left %d files and a %s payout", n, status())
		}
		if res, body := a.post("/dashboard/rails/nacha/export", url.Values{"mode": {"live"}}); res.StatusCode != http.StatusCreated {
			t.Fatalf("export: %d\n%s", res.StatusCode, body)
		}
		if n := en.auditRows(adminID, "rail_file.export"); n != 1 || status() != "processing" {
			t.Fatalf("export: %d audit entries, payout %s", n, status())
		}

		returns, err := os.ReadFile("../rail/nacha/testdata/return-WEB.ach")
		if err != nil {
			t.Fatal(err)
		}
		auditOff(true)
		if res, _ := a.upload("/dashboard/rails/nacha/import", url.Values{"mode": {"live"}}, "file", "return-WEB.ach", returns); res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("import without an audit log: %d", res.StatusCode)
		}
		auditOff(false)
		if n := en.count("rail_imports"); n != 0 || status() != "processing" {
			t.Fatalf("an import whose audit entry failed left %d imports and a %s payout", n, status())
		}
		// A file that is not a return file is refused: no entry.
		if res, _ := a.upload("/dashboard/rails/nacha/import", url.Values{"mode": {"live"}}, "file", "junk.ach", []byte("not a NACHA file")); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a junk import: %d", res.StatusCode)
		}
		if n := en.auditRows(adminID, "rail_file.import"); n != 0 {
			t.Fatalf("%d audit entries after refused imports", n)
		}
		if res, body := a.upload("/dashboard/rails/nacha/import", url.Values{"mode": {"live"}}, "file", "return-WEB.ach", returns); res.StatusCode != http.StatusOK {
			t.Fatalf("import: %d\n%s", res.StatusCode, body)
		}
		if n := en.auditRows(adminID, "rail_file.import"); n != 1 || status() != "failed" || en.count("rail_imports") != 1 {
			t.Fatalf("import: %d audit entries, payout %s, %d imports", n, status(), en.count("rail_imports"))
		}
	})
}
