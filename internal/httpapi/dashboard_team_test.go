package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/otp"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
)

// Team management (issue 9): roles changed and members removed by an org-admin, the last
// org-admin kept, invitations of emails with an account elsewhere, and the per-address limits
// of requests that email someone.

// memberRole reads a member's stored role and whether it was removed.
func (en *env) memberRole(id string) (string, bool) {
	en.t.Helper()
	var role string
	var removed bool
	if err := en.db.ReaderDB().QueryRow(`SELECT role, removed_at IS NOT NULL FROM members WHERE id = $1`, id).Scan(&role, &removed); err != nil {
		en.t.Fatal(err)
	}
	return role, removed
}

func TestDashboardTeamManagement(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		otherOrg, _ := en.newOrg("Other Corp")
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		veraID := en.newMember(en.orgID, "vera@acme.example", member.RoleViewer)
		bossID := en.newMember(otherOrg, "boss@other.example", member.RoleOrgAdmin)
		a := en.signIn(sink, "admin@acme.example")
		v := en.signIn(sink, "vera@acme.example")

		// The last org-admin can be neither demoted nor removed: a clear error, nothing written.
		audits := en.count("audit_log")
		a.get("/dashboard/members")
		for path, form := range map[string]url.Values{
			"/dashboard/members/" + adminID + "/role":   {"role": {"viewer"}},
			"/dashboard/members/" + adminID + "/remove": {},
		} {
			res, body := a.post(path, form)
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="error"`) || !strings.Contains(body, "at least one org-admin") {
				t.Fatalf("%s of the last org-admin: %d\n%s", path, res.StatusCode, body)
			}
		}
		if role, removed := en.memberRole(adminID); role != "org-admin" || removed || en.count("audit_log") != audits {
			t.Fatalf("a refused change wrote: role %s, removed %v, audit %d -> %d", role, removed, audits, en.count("audit_log"))
		}
		// Roles are org-admin or viewer; another org's member is not found.
		if res, _ := a.post("/dashboard/members/"+veraID+"/role", url.Values{"role": {"internal-admin"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("making an internal-admin: %d", res.StatusCode)
		}
		if res, _ := a.post("/dashboard/members/"+bossID+"/remove", nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("removing another org's member: %d", res.StatusCode)
		}
		if res, _ := a.post("/dashboard/members/"+bossID+"/role", url.Values{"role": {"viewer"}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("demoting another org's member: %d", res.StatusCode)
		}
		if role, removed := en.memberRole(bossID); role != "org-admin" || removed {
			t.Fatal("another org's member was changed")
		}

		// A promotion takes effect on the member's next request, in the same session.
		if res, body := a.post("/dashboard/members/"+veraID+"/role", url.Values{"role": {"org-admin"}}); res.StatusCode != 200 || !strings.Contains(body, `id="done"`) {
			t.Fatalf("promote: %d\n%s", res.StatusCode, body)
		}
		if en.auditRows(adminID, "member.role") != 1 {
			t.Fatal("the role change is not in the audit log")
		}
		if _, body := v.get("/dashboard/members"); !strings.Contains(body, `action="/dashboard/members"`) {
			t.Fatalf("a promoted member's page offers no changes:\n%s", body)
		}
		// Two org-admins: one may now step down; then the other is the last again.
		if res, _ := v.post("/dashboard/members/"+veraID+"/role", url.Values{"role": {"viewer"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("stepping down: %d", res.StatusCode)
		}
		v.get("/dashboard/keys")
		if res, _ := v.post("/dashboard/keys", url.Values{"scope": {"links"}, "mode": {"test"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a demoted member created a key: %d", res.StatusCode)
		}
		if res, _ := a.post("/dashboard/members/"+adminID+"/remove", nil); res.StatusCode != http.StatusConflict {
			t.Fatalf("removing the last org-admin again: %d", res.StatusCode)
		}

		// Removal ends the member's sessions at once, and its password stops working.
		a.get("/dashboard/members")
		if res, body := a.post("/dashboard/members/"+veraID+"/remove", nil); res.StatusCode != 200 || !strings.Contains(body, "vera@acme.example was removed") ||
			strings.Contains(body, `id="member-`+veraID+`"`) {
			t.Fatalf("remove: %d\n%s", res.StatusCode, body)
		}
		if res, _ := v.get("/dashboard/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/signin" {
			t.Fatalf("a removed member's session: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		d := en.newDash()
		d.get("/dashboard/signin")
		if res, _ := d.post("/dashboard/signin", url.Values{"email": {"vera@acme.example"}, "password": {goodPassword}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a removed member signs in: %d", res.StatusCode)
		}
		if en.auditRows(adminID, "member.remove") != 1 {
			t.Fatal("the removal is not in the audit log")
		}
		// The audit log still names the removed member.
		if _, body := a.get("/dashboard/audit"); !strings.Contains(body, "vera@acme.example") {
			t.Fatalf("the audit log lost the removed member's name:\n%s", body)
		}
		// Invited again, the same account comes back with the new role.
		a.get("/dashboard/members")
		if res, body := a.post("/dashboard/members", url.Values{"email": {"vera@acme.example"}, "role": {"org-admin"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite a removed member: %d\n%s", res.StatusCode, body)
		}
		link := dashLinkRE.FindStringSubmatch(sink.mailAfter(t, "vera@acme.example", "invited", 0).Text)[1]
		d = en.newDash()
		d.get(link)
		if res, body := d.post(link, url.Values{"password": {goodPassword}}); res.StatusCode != 200 {
			t.Fatalf("rejoin: %d\n%s", res.StatusCode, body)
		}
		if role, removed := en.memberRole(veraID); role != "org-admin" || removed {
			t.Fatalf("rejoined as %s, removed %v", role, removed)
		}
		v = en.signIn(sink, "vera@acme.example")
		// An admin who removes itself (not the last) is signed out.
		v.get("/dashboard/members")
		if res, _ := v.post("/dashboard/members/"+veraID+"/remove", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/signin" {
			t.Fatalf("removing oneself: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := v.get("/dashboard/"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the session of a member who removed itself: %d", res.StatusCode)
		}
	})
}

func TestDashboardInviteAccountElsewhere(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		otherOrg, _ := en.newOrg("Other Corp")
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		en.newMember(otherOrg, "boss@other.example", member.RoleOrgAdmin)
		en.newMember("", "op@payport.example", member.RoleInternalAdmin)
		a := en.signIn(sink, "admin@acme.example")

		invite := func(email string) (int, string) {
			a.get("/dashboard/members")
			res, _ := a.post("/dashboard/members", url.Values{"email": {email}, "role": {"viewer"}})
			return res.StatusCode, res.Header.Get("Location")
		}
		s1, l1 := invite("fresh@acme.example")
		for _, email := range []string{"boss@other.example", "op@payport.example"} {
			if s, l := invite(email); s != s1 || l != l1 {
				t.Fatalf("inviting %s answered %d %s; a new email %d %s", email, s, l, s1, l1)
			}
		}
		if n := en.auditRows(adminID, "member.invite"); n != 3 {
			t.Fatalf("%d invitations audited, want 3 alike", n)
		}
		// The owner of the taken email learns why, with no link that could work.
		m := sink.mailAfter(t, "boss@other.example", "invited", 0)
		if !strings.Contains(m.Text, "has a Payport dashboard account already") || dashLinkRE.MatchString(m.Text) || dashLinkRE.MatchString(m.HTML) {
			t.Fatalf("the mail to a taken email: %+v", m)
		}
		if m := sink.mailAfter(t, "fresh@acme.example", "invited", 0); !dashLinkRE.MatchString(m.Text) {
			t.Fatalf("the mail to a new email has no link: %+v", m)
		}
		// A member of the org itself is refused: the Members page lists it anyway.
		a.get("/dashboard/members")
		if res, body := a.post("/dashboard/members", url.Values{"email": {"admin@acme.example"}, "role": {"viewer"}}); res.StatusCode != http.StatusConflict ||
			!strings.Contains(body, "member of this org already") {
			t.Fatalf("inviting a member of the org: %d\n%s", res.StatusCode, body)
		}
	})
}

func TestDashboardRequestLimitsPerAddress(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		count := func(q string, args ...any) int {
			var n int
			if err := en.db.ReaderDB().QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		waitFor := func(what string, want int, q string, args ...any) {
			deadline := time.Now().Add(10 * time.Second)
			for count(q, args...) != want {
				if time.Now().After(deadline) {
					t.Fatalf("%s: %d, want %d", what, count(q, args...), want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		resets := `SELECT COUNT(*) FROM address_requests WHERE kind = 'reset'`
		links := `SELECT COUNT(*) FROM member_tokens WHERE email = 'admin@acme.example' AND purpose = 'password'`
		reset := func(email string) string {
			d := en.newDash()
			d.get("/dashboard/reset")
			res, body := d.post("/dashboard/reset", url.Values{"email": {email}})
			if res.StatusCode != 200 {
				t.Fatalf("reset: %d", res.StatusCode)
			}
			return body
		}
		setupLinks := count(links)
		first := reset("nobody0@acme.example")
		for i := 1; i < member.ResetsPerClientPerHour; i++ {
			reset("nobody" + string(rune('0'+i)) + "@acme.example")
			waitFor("resets counted", i+1, resets) // one after the other: each is counted
		}
		// Past the limit the answer is the same and nothing is sent, even for an account.
		if body := reset("admin@acme.example"); body != first {
			t.Fatalf("the answer past the limit differs:\n%s\n---\n%s", body, first)
		}
		time.Sleep(300 * time.Millisecond) // the look-up after the answer runs
		if n := count(links); n != setupLinks || count(resets) != member.ResetsPerClientPerHour {
			t.Fatalf("past the limit: %d password links (want %d), %d requests counted", n, setupLinks, count(resets))
		}
		// An hour later the address may ask again.
		en.clock.Set(time.Now().Add(time.Hour + time.Minute))
		reset("admin@acme.example")
		waitFor("a reset an hour later", setupLinks+1, links)
		sink.mailAfter(t, "admin@acme.example", "password", 0)

		// Invitations from one address: past the limit, refused with nothing written.
		a := en.signIn(sink, "admin@acme.example")
		for i := 0; i < member.InvitesPerClientPerHour; i++ {
			a.get("/dashboard/members")
			if res, body := a.post("/dashboard/members", url.Values{"email": {"guest" + strings.Repeat("x", i) + "@acme.example"}, "role": {"viewer"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("invitation %d: %d\n%s", i+1, res.StatusCode, body)
			}
		}
		tokens, audits := en.count("member_tokens"), en.count("audit_log")
		a.get("/dashboard/members")
		if res, body := a.post("/dashboard/members", url.Values{"email": {"one.more@acme.example"}, "role": {"viewer"}}); res.StatusCode != http.StatusTooManyRequests ||
			!strings.Contains(body, "Too many requests") {
			t.Fatalf("an invitation past the limit: %d\n%s", res.StatusCode, body)
		}
		if en.count("member_tokens") != tokens || en.count("audit_log") != audits {
			t.Fatal("a refused invitation wrote something")
		}
	})
}

// TestDashboardLastOrgAdminRace has two org-admins demote each other at the same time: the
// org's members are locked while each change is decided, so exactly one change happens.
func TestDashboardLastOrgAdminRace(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		aID := en.newMember(en.orgID, "a@acme.example", member.RoleOrgAdmin)
		bID := en.newMember(en.orgID, "b@acme.example", member.RoleOrgAdmin)
		a, b := en.signIn(sink, "a@acme.example"), en.signIn(sink, "b@acme.example")
		a.get("/dashboard/members")
		b.get("/dashboard/members")
		for round := 0; round < 5; round++ {
			statuses := make(chan int, 2)
			for _, c := range []struct {
				d      *dash
				target string
			}{{a, bID}, {b, aID}} {
				go func() {
					form := url.Values{"csrf": {c.d.csrf}, "role": {"viewer"}}
					res, err := c.d.c.PostForm(en.srv.URL+"/dashboard/members/"+c.target+"/role", form)
					if err != nil {
						statuses <- 0
						return
					}
					res.Body.Close()
					statuses <- res.StatusCode
				}()
			}
			s1, s2 := <-statuses, <-statuses
			roleA, _ := en.memberRole(aID)
			roleB, _ := en.memberRole(bID)
			// The loser is refused as the last org-admin (409), or as the viewer it has just
			// become when its request came after the other's commit (403).
			if s1 > s2 {
				s1, s2 = s2, s1
			}
			if s1 != http.StatusOK || (s2 != http.StatusConflict && s2 != http.StatusForbidden) || (roleA == "viewer") == (roleB == "viewer") {
				t.Fatalf("round %d: answers %d and %d, roles %s and %s", round, s1, s2, roleA, roleB)
			}
			// Make both org-admins again for the next round.
			for _, id := range []string{aID, bID} {
				if _, err := en.db.WriterDB().Exec(`UPDATE members SET role = 'org-admin' WHERE id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestCreateMemberBringsBackRemoved: `payport user create` with the email of a removed member
// brings the same account back (without a password until its link sets one); an active
// member's email is refused.
func TestCreateMemberBringsBackRemoved(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, _ := dashEnv(t, e)
		ctx := t.Context()
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		veraID := en.newMember(en.orgID, "vera@acme.example", member.RoleViewer)
		admin := app.Actor{MemberID: adminID, Email: "admin@acme.example", Role: member.RoleOrgAdmin, OrgID: en.orgID, IP: "127.0.0.1"}
		if err := en.app.RemoveMember(ctx, admin, veraID); err != nil {
			t.Fatal(err)
		}
		m, link, err := en.app.CreateMember(ctx, "vera@acme.example", member.RoleOrgAdmin, en.orgID)
		if err != nil || m.ID != veraID || link == "" {
			t.Fatalf("create a removed member again: %+v %q %v", m, link, err)
		}
		if role, removed := en.memberRole(veraID); role != "org-admin" || removed {
			t.Fatalf("brought back as %s, removed %v", role, removed)
		}
		if _, _, err := en.app.CreateMember(ctx, "vera@acme.example", member.RoleViewer, en.orgID); err == nil {
			t.Fatal("an active member's email was created again")
		}
	})
}

// TestDashboardCodesPerAddress: sign-in codes are emailed at most otp.PerIPPerHour times an
// hour to sign-ins from one client address, whoever signs in; past that the code page says
// so, and a new code can be asked for once the hour has passed.
func TestDashboardCodesPerAddress(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		now := time.Now().UTC()
		en.clock.Set(now)
		// The address's hour is used up by other sign-ins.
		err := en.app.Store.InTx(t.Context(), func(tx store.Tx) error {
			for i := 0; i < otp.PerIPPerHour; i++ {
				c := otp.Code{ID: id.New("otp"), Subject: "member:other", RecipientID: "mem_other", IP: "127.0.0.1", CodeHash: "x",
					ExpiresAt: now.Add(otp.TTL), CreatedAt: now.Add(-59 * time.Minute)}
				if err := tx.InsertOTP(t.Context(), c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		d := en.newDash()
		d.get("/dashboard/signin")
		res, _ := d.post("/dashboard/signin", url.Values{"email": {"admin@acme.example"}, "password": {goodPassword}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/verify?limit=1" {
			t.Fatalf("sign-in past the address's codes: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if n := en.count("otp_codes"); n != otp.PerIPPerHour {
			t.Fatalf("%d codes, want none more than the %d", n, otp.PerIPPerHour)
		}
		if _, body := d.get("/dashboard/verify?limit=1"); !strings.Contains(body, `id="error"`) {
			t.Fatalf("the code page does not say why no code came:\n%s", body)
		}
		if res, _ := d.post("/dashboard/verify/resend", nil); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a new code within the hour: %d", res.StatusCode)
		}
		// Two minutes on, those codes are older than an hour (the session is still fresh).
		en.clock.Set(now.Add(2 * time.Minute))
		d.get("/dashboard/verify")
		if res, _ := d.post("/dashboard/verify/resend", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a new code after the hour: %d", res.StatusCode)
		}
		sink.mailAfter(t, "admin@acme.example", "verification code", 0)
	})
}
