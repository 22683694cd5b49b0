package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/webhook"
)

// The dashboard's operations pages (issue 9, items 6 to 9): webhooks and events, bank files,
// settings and the overview's charts. Like dashboard.go, each use case takes the signed-in
// actor, works in the org of its session only, refuses a viewer every change, and writes its
// audit entry (never a secret) with the change.

// scopeOf is the actor's org in a mode (test unless live is asked for).
func (ac Actor) scopeOf(mode tenant.Mode) tenant.Scope {
	if mode != tenant.Live {
		mode = tenant.Test
	}
	return tenant.Scope{OrgID: ac.OrgID, Mode: mode}
}

// canRead refuses an actor whose session looks at no org.
func (ac Actor) canRead() error {
	if ac.OrgID == "" {
		return forbidden("choose an org first")
	}
	return nil
}

// DashboardEndpoints lists the webhook endpoints of the actor's org in a mode (up to 100).
func (a *App) DashboardEndpoints(ctx context.Context, ac Actor, mode tenant.Mode) ([]WebhookEndpointView, error) {
	if err := ac.canRead(); err != nil {
		return nil, err
	}
	items, _, err := a.ListWebhookEndpoints(ctx, ac.scopeOf(mode), "", 100)
	return items, err
}

// DashboardEndpoint reads one endpoint and a page of its delivery log, newest first.
func (a *App) DashboardEndpoint(ctx context.Context, ac Actor, mode tenant.Mode, endpointID, before string) (WebhookEndpointView, []WebhookAttemptView, string, error) {
	if err := ac.canRead(); err != nil {
		return WebhookEndpointView{}, nil, "", err
	}
	ep, err := a.GetWebhookEndpoint(ctx, ac.scopeOf(mode), endpointID)
	if err != nil {
		return ep, nil, "", err
	}
	items, next, err := a.ListDeliveries(ctx, ac.scopeOf(mode), endpointID, before, 50)
	return ep, items, next, err
}

// EndpointForm is what the dashboard's endpoint form sends.
type EndpointForm struct {
	URL, Description string
	// EventTypes are the ticked types; none means every event.
	EventTypes []string
}

// DashboardCreateEndpoint registers a webhook endpoint; the answer holds its secret, the only
// time it is shown.
func (a *App) DashboardCreateEndpoint(ctx context.Context, ac Actor, mode tenant.Mode, f EndpointForm) (WebhookEndpointView, error) {
	if err := ac.canWrite(); err != nil {
		return WebhookEndpointView{}, err
	}
	u, d, types := strings.TrimSpace(f.URL), strings.TrimSpace(f.Description), f.EventTypes
	if types == nil {
		types = []string{}
	}
	return a.createEndpoint(ctx, ac.scopeOf(mode), WebhookEndpointInput{URL: &u, Description: &d, EventTypes: &types},
		func(tx store.Tx, e webhook.Endpoint) error {
			return a.audit(ctx, tx, ac, "webhook_endpoint.create", "webhook_endpoint", e.ID, string(e.Scope.Mode)+" "+auditURL(e.URL))
		})
}

// dashboardChangeEndpoint runs fn on a locked endpoint of the actor's org, saves it and writes
// the audit entry in the same transaction.
func (a *App) dashboardChangeEndpoint(ctx context.Context, ac Actor, mode tenant.Mode, endpointID, action, detail string, fn func(e *webhook.Endpoint)) (WebhookEndpointView, error) {
	if err := ac.canWrite(); err != nil {
		return WebhookEndpointView{}, err
	}
	var v WebhookEndpointView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		e, err := tx.GetWebhookEndpoint(ctx, ac.scopeOf(mode), endpointID, true)
		if err != nil {
			return mapNotFound(err, "webhook endpoint")
		}
		fn(&e)
		e.UpdatedAt = a.now()
		if !e.Enabled {
			if err := tx.CancelEndpointMessages(ctx, e.ID, e.UpdatedAt); err != nil {
				return err
			}
		}
		if err := tx.UpdateWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		v = viewEndpoint(e)
		return a.audit(ctx, tx, ac, action, "webhook_endpoint", e.ID, detail)
	})
	return v, err
}

// DashboardSetEndpointEnabled disables an endpoint (its pending messages are canceled and no
// new ones are made) or enables it again.
func (a *App) DashboardSetEndpointEnabled(ctx context.Context, ac Actor, mode tenant.Mode, endpointID string, enabled bool) (WebhookEndpointView, error) {
	action := "webhook_endpoint.disable"
	if enabled {
		action = "webhook_endpoint.enable"
	}
	return a.dashboardChangeEndpoint(ctx, ac, mode, endpointID, action, "", func(e *webhook.Endpoint) {
		e.Enabled = enabled
		if enabled {
			e.DisabledReason, e.FailingSince = "", nil
		}
	})
}

// DashboardRotateEndpointSecret gives an endpoint a new secret, answered once; the old one
// keeps signing beside it for 24 hours.
func (a *App) DashboardRotateEndpointSecret(ctx context.Context, ac Actor, mode tenant.Mode, endpointID string) (WebhookEndpointView, error) {
	if err := ac.canWrite(); err != nil {
		return WebhookEndpointView{}, err
	}
	if a.Sealer == nil {
		return WebhookEndpointView{}, errors.New("no master key to seal webhook secrets with")
	}
	secret, sealed, err := a.newWebhookSecret(endpointAAD(endpointID))
	if err != nil {
		return WebhookEndpointView{}, err
	}
	v, err := a.dashboardChangeEndpoint(ctx, ac, mode, endpointID, "webhook_endpoint.rotate_secret", "", func(e *webhook.Endpoint) {
		until := a.now().Add(secretRotationOverlap)
		e.PreviousSecretSealed, e.PreviousSecretUntil, e.SecretSealed = e.SecretSealed, &until, sealed
	})
	if err != nil {
		return WebhookEndpointView{}, err
	}
	v.Secret = secret
	return v, nil
}

// DashboardEvents pages the org's events newest first, of one type unless typ is "".
func (a *App) DashboardEvents(ctx context.Context, ac Actor, mode tenant.Mode, typ, before string) ([]EventView, string, error) {
	if err := ac.canRead(); err != nil {
		return nil, "", err
	}
	if typ != "" && !slices.Contains(KnownEventTypes, typ) {
		return nil, "", invalid("type", "%q is not an event type", typ)
	}
	return a.ListEvents(ctx, ac.scopeOf(mode), before, "", typ, 50)
}

// DashboardEvent reads one event with its delivery attempts, newest first.
func (a *App) DashboardEvent(ctx context.Context, ac Actor, mode tenant.Mode, eventID string) (EventView, []WebhookAttemptView, error) {
	if err := ac.canRead(); err != nil {
		return EventView{}, nil, err
	}
	var v EventView
	var attempts []WebhookAttemptView
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		e, err := tx.GetEvent(ctx, ac.scopeOf(mode), eventID)
		if err != nil {
			return mapNotFound(err, "event")
		}
		v = viewEvent(e)
		as, err := tx.ListWebhookAttempts(ctx, ac.scopeOf(mode), "", eventID, "", 100)
		for _, r := range as {
			attempts = append(attempts, WebhookAttemptView{ID: r.ID, EventID: r.EventID, EndpointID: r.EndpointID, Attempt: r.Attempt,
				StatusCode: r.StatusCode, LatencyMS: r.LatencyMS, ResponseBody: r.ResponseBody, Error: r.Error, CreatedAt: r.CreatedAt})
		}
		return err
	})
	return v, attempts, err
}

// DashboardRedeliverEvent sends an event again to its destinations as they are now (new messages
// due at once, the same webhook-id) and answers how many messages were made.
func (a *App) DashboardRedeliverEvent(ctx context.Context, ac Actor, mode tenant.Mode, eventID string) (int, error) {
	if err := ac.canWrite(); err != nil {
		return 0, err
	}
	n := 0
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		e, err := tx.GetEvent(ctx, ac.scopeOf(mode), eventID)
		if err != nil {
			return mapNotFound(err, "event")
		}
		ms, err := a.messagesFor(ctx, tx, []event.Event{e}, a.now())
		if err != nil {
			return err
		}
		n = len(ms)
		if n > 0 {
			if err := tx.InsertWebhookMessages(ctx, ms); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, ac, "event.redeliver", "event", e.ID, fmt.Sprintf("%s to %d destinations", e.Type, n))
	})
	a.wakeWebhooks()
	return n, err
}

// DashboardRailFiles lists the org's bank files in a mode, newest first.
func (a *App) DashboardRailFiles(ctx context.Context, ac Actor, mode tenant.Mode) ([]RailFileView, error) {
	if err := ac.canRead(); err != nil {
		return nil, err
	}
	return a.ListRailFiles(ctx, ac.scopeOf(mode), 100)
}

// DashboardRailFile reads a bank file with its content, for download.
func (a *App) DashboardRailFile(ctx context.Context, ac Actor, mode tenant.Mode, fileID string) (RailFileView, []byte, error) {
	if err := ac.canRead(); err != nil {
		return RailFileView{}, nil, err
	}
	return a.RailFile(ctx, ac.scopeOf(mode), fileID)
}

// DashboardExportRailFile exports the pending payouts of a file rail now, with its audit
// entry in the export's own transaction.
func (a *App) DashboardExportRailFile(ctx context.Context, ac Actor, mode tenant.Mode, railName string) (RailFileView, error) {
	if err := ac.canWrite(); err != nil {
		return RailFileView{}, err
	}
	if railName != "nacha" && railName != "sepa" {
		return RailFileView{}, invalid("rail", "rail must be nacha or sepa")
	}
	return a.exportRailFile(ctx, ac.scopeOf(mode), railName, time.Time{}, func(tx store.Tx, v RailFileView) error {
		return a.audit(ctx, tx, ac, "rail_file.export", "rail_file", v.ID, fmt.Sprintf("%s %s, %d payouts", v.Rail, v.Filename, v.PaymentCount))
	})
}

// MaxImportBytes bounds an uploaded return file or status report.
const MaxImportBytes = 10 << 20

// DashboardImportRailFile imports the bank's answer (a NACHA return file or a pain.002 status
// report); importing the same file again changes nothing and says so. The audit entry names
// the file by its SHA-256 and counts its lines, never their account details.
func (a *App) DashboardImportRailFile(ctx context.Context, ac Actor, mode tenant.Mode, railName string, content []byte) (ImportResult, error) {
	if err := ac.canWrite(); err != nil {
		return ImportResult{}, err
	}
	if railName != "nacha" && railName != "sepa" {
		return ImportResult{}, invalid("rail", "rail must be nacha or sepa")
	}
	if len(content) == 0 {
		return ImportResult{}, invalid("file", "choose the bank's file to upload")
	}
	if len(content) > MaxImportBytes {
		return ImportResult{}, invalid("file", "the file must be at most %d MB", MaxImportBytes>>20)
	}
	sum := sha256.Sum256(content)
	// The audit entry is written last in the import's transaction: a failed import leaves
	// none, a committed one exactly one.
	return a.importRailFile(ctx, ac.scopeOf(mode), railName, content, func(tx store.Tx, res ImportResult) error {
		detail := fmt.Sprintf("%s sha256:%s failed %d, succeeded %d, notices %d, ignored %d", railName, hex.EncodeToString(sum[:8]),
			len(res.Failed), len(res.Succeeded), len(res.Notices), len(res.Ignored))
		if res.Duplicate {
			detail += ", duplicate"
		}
		return a.audit(ctx, tx, ac, "rail_file.import", "rail_import", res.ID, detail)
	})
}

// SettingsForm is the dashboard's settings form, as text fields.
type SettingsForm struct {
	Name, DisplayName, BrandColor string
	// Logo is a new logo as a data: URL ("" keeps the current one); RemoveLogo drops it.
	Logo       string
	RemoveLogo bool
	// The org's words on the hosted pages.
	PortalText, PayoutText, PayText string
	// MinimumWithdrawal is "EUR 10.00, USD 5" (currency and decimal amount per entry).
	MinimumWithdrawal string
	MinimumWaitDays   string
	TwoFactor         bool
	AllowedOrigin     string
	// RedirectAllowlist is one prefix a line.
	RedirectAllowlist string
	LinkDefaultHours  string
	LinkMaxHours      string
	PortalURLMinutes  string
	RequireIdentity   bool
}

// SettingsFormOf fills the form from an org's settings.
func SettingsFormOf(o org.Org) SettingsForm {
	s := o.Settings
	mins := make([]string, 0, len(s.MinimumWithdrawal))
	for _, cur := range sortedKeys(s.MinimumWithdrawal) {
		mins = append(mins, cur+" "+formatIn(s.MinimumWithdrawal[cur], cur))
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return SettingsForm{Name: o.Name, DisplayName: s.Portal.DisplayName, BrandColor: s.Portal.BrandColor,
		PortalText: s.Portal.Texts.Portal, PayoutText: s.Portal.Texts.Payout, PayText: s.Portal.Texts.Pay,
		MinimumWithdrawal: strings.Join(mins, ", "), MinimumWaitDays: num(s.MinimumWaitDays), TwoFactor: s.Portal.TwoFactor,
		AllowedOrigin: s.Portal.AllowedOrigin, RedirectAllowlist: strings.Join(s.Portal.RedirectAllowlist, "\n"),
		LinkDefaultHours: num(s.PaymentLinks.DefaultExpiryHours), LinkMaxHours: num(s.PaymentLinks.MaxExpiryHours),
		PortalURLMinutes: num(s.Portal.MaxURLMinutes), RequireIdentity: s.RequireVerifiedIdentity}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// settingsFields maps the settings API's field names to the form's.
var settingsFields = map[string]string{
	"settings.portal.brand_color": "brand_color", "settings.portal.display_name": "display_name", "settings.portal.logo": "logo",
	"settings.portal.max_url_minutes": "portal_url_minutes", "settings.portal.redirect_allowlist": "redirect_allowlist",
	"settings.payment_links": "link_default_hours", "minimum_wait_days": "minimum_wait_days", "minimum_withdrawal": "minimum_withdrawal",
	"settings.portal.texts": "portal_text", "name": "name",
}

// ApplySettingsForm turns the form into the org's new name and settings, from its current
// ones (what the form does not show stays); the error names the form's field.
func ApplySettingsForm(o org.Org, f SettingsForm) (org.Org, error) {
	s := o.Settings
	s.Portal.RedirectAllowlist = slices.Clone(s.Portal.RedirectAllowlist)
	o.Name = strings.TrimSpace(f.Name)
	if o.Name == "" || len(o.Name) > 200 {
		return o, invalid("name", "the org's name is required and at most 200 characters")
	}
	s.Portal.DisplayName = strings.TrimSpace(f.DisplayName)
	s.Portal.BrandColor = strings.TrimSpace(f.BrandColor)
	if f.RemoveLogo {
		s.Portal.Logo = ""
	} else if f.Logo != "" {
		s.Portal.Logo = f.Logo
	}
	s.Portal.Texts = org.PortalTexts{Portal: strings.TrimSpace(f.PortalText), Payout: strings.TrimSpace(f.PayoutText), Pay: strings.TrimSpace(f.PayText)}
	for field, v := range map[string]string{"portal_text": s.Portal.Texts.Portal, "payout_text": s.Portal.Texts.Payout, "pay_text": s.Portal.Texts.Pay} {
		if len([]rune(v)) > org.MaxPortalText {
			return o, invalid(field, "this text must be at most %d characters", org.MaxPortalText)
		}
	}
	mins := map[string]int64{}
	for _, part := range strings.FieldsFunc(f.MinimumWithdrawal, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		fs := strings.Fields(part)
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 2 {
			return o, invalid("minimum_withdrawal", "write each minimum as a currency and an amount, such as EUR 10.00")
		}
		c, err := money.LookupCurrency(strings.ToUpper(fs[0]))
		if err != nil {
			return o, invalid("minimum_withdrawal", "%q is not a currency code", fs[0])
		}
		v, err := money.ParseDecimal(fs[1], c)
		if err != nil || v < 0 {
			return o, invalid("minimum_withdrawal", "%q is not an amount in %s", fs[1], c.Code())
		}
		mins[c.Code()] = v
	}
	s.MinimumWithdrawal = mins
	if len(mins) == 0 {
		s.MinimumWithdrawal = nil
	}
	ints := []struct {
		field, text string
		to          *int
	}{{"minimum_wait_days", f.MinimumWaitDays, &s.MinimumWaitDays}, {"link_default_hours", f.LinkDefaultHours, &s.PaymentLinks.DefaultExpiryHours},
		{"link_max_hours", f.LinkMaxHours, &s.PaymentLinks.MaxExpiryHours}, {"portal_url_minutes", f.PortalURLMinutes, &s.Portal.MaxURLMinutes}}
	for _, n := range ints {
		t := strings.TrimSpace(n.text)
		if t == "" {
			*n.to = 0
			continue
		}
		v, err := strconv.Atoi(t)
		if err != nil {
			return o, invalid(n.field, "write a whole number")
		}
		*n.to = v
	}
	s.Portal.TwoFactor = f.TwoFactor
	s.Portal.AllowedOrigin = strings.TrimSpace(f.AllowedOrigin)
	if o := s.Portal.AllowedOrigin; strings.ContainsAny(o, " \t\"';,") || len(o) > 200 {
		return org.Org{}, invalid("allowed_origin", "write one origin such as https://app.example.com or *.example.com")
	}
	s.Portal.RedirectAllowlist = nil
	for _, line := range strings.Split(f.RedirectAllowlist, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			s.Portal.RedirectAllowlist = append(s.Portal.RedirectAllowlist, line)
		}
	}
	s.RequireVerifiedIdentity = f.RequireIdentity
	if err := checkOrgSettings(s); err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			if f, ok := settingsFields[ae.Field]; ok {
				e := *ae
				e.Field = f
				return o, &e
			}
		}
		return o, err
	}
	o.Settings = s
	return o, nil
}

// DashboardSettings reads the actor's org for the settings page.
func (a *App) DashboardSettings(ctx context.Context, ac Actor) (org.Org, error) {
	if err := ac.canRead(); err != nil {
		return org.Org{}, err
	}
	return a.GetOrg(ctx, ac.OrgID)
}

// DashboardUpdateSettings validates the form and saves the org's name and settings with the
// audit entry (naming the settings changed, never the logo's data) in one transaction. A
// rejected form writes nothing; the error names the form's field.
func (a *App) DashboardUpdateSettings(ctx context.Context, ac Actor, f SettingsForm) (org.Org, error) {
	if err := ac.canWrite(); err != nil {
		return org.Org{}, err
	}
	var out org.Org
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.GetOrg(ctx, ac.OrgID)
		if err != nil {
			return mapNotFound(err, "org")
		}
		o, err := ApplySettingsForm(cur, f)
		if err != nil {
			return err
		}
		o.UpdatedAt = a.now()
		if err := tx.UpdateOrg(ctx, o); err != nil {
			return err
		}
		out = o
		return a.audit(ctx, tx, ac, "org.settings", "org", o.ID, strings.Join(changedSettings(cur, o), ", "))
	})
	a.orgs.Delete(ac.OrgID)
	return out, err
}

// changedSettings names what changed between two versions of an org.
func changedSettings(a, b org.Org) []string {
	x, y := SettingsFormOf(a), SettingsFormOf(b)
	var out []string
	pairs := []struct {
		name string
		eq   bool
	}{{"name", x.Name == y.Name}, {"display_name", x.DisplayName == y.DisplayName}, {"brand_color", x.BrandColor == y.BrandColor},
		{"logo", a.Settings.Portal.Logo == b.Settings.Portal.Logo}, {"texts", x.PortalText == y.PortalText && x.PayoutText == y.PayoutText && x.PayText == y.PayText},
		{"minimum_withdrawal", x.MinimumWithdrawal == y.MinimumWithdrawal}, {"minimum_wait_days", x.MinimumWaitDays == y.MinimumWaitDays},
		{"two_factor", x.TwoFactor == y.TwoFactor}, {"allowed_origin", x.AllowedOrigin == y.AllowedOrigin},
		{"redirect_allowlist", x.RedirectAllowlist == y.RedirectAllowlist},
		{"link_expiry", x.LinkDefaultHours == y.LinkDefaultHours && x.LinkMaxHours == y.LinkMaxHours && x.PortalURLMinutes == y.PortalURLMinutes},
		{"require_verified_identity", x.RequireIdentity == y.RequireIdentity}}
	for _, p := range pairs {
		if !p.eq {
			out = append(out, p.name)
		}
	}
	if len(out) == 0 {
		out = []string{"nothing"}
	}
	return out
}

// ChartDays is how many days the overview's charts cover.
const ChartDays = 30

// Charts are the overview's charts of one mode: payouts per day, their outcome, balances owed
// and webhook health. Amounts are minor units with their currency; views format them.
type Charts struct {
	// Days are the window's UTC days, oldest first, every day present.
	Days []string
	// Count is the number of payouts created each day (all currencies).
	Count []int64
	// Volume is, per currency, the amount paid out each day (created that day).
	Volume []CurrencySeries
	// Succeeded, Failed and Open count the window's payouts by outcome; Rate is the percentage
	// of the finished ones (succeeded or failed) that succeeded, -1 when none finished.
	Succeeded, Failed, Open int64
	Rate                    int
	// Owed is what recipients are owed per currency: available, and on its way in withdrawals.
	Owed []OwedSplit
	// Attempts and Delivered count the window's webhook attempts and those answered 2xx;
	// DeliveryRate is the percentage (-1 without attempts).
	Attempts, Delivered int64
	DeliveryRate        int
	// Endpoints are the endpoints with their attempts and state.
	Endpoints []EndpointHealth
}

// CurrencySeries is one currency's amount per day.
type CurrencySeries struct {
	Currency string
	Minor    []int64
	Amounts  []string
	Total    string
}

// OwedSplit is what recipients are owed in one currency.
type OwedSplit struct {
	Currency                   string
	AvailableMinor, OnWayMinor int64
	Available, OnWay, Total    string
}

// EndpointHealth is one endpoint's deliveries in the window.
type EndpointHealth struct {
	ID, URL             string
	Attempts, Delivered int64
	Rate                int
	Failing             bool
	Enabled             bool
}

func percent(part, whole int64) int {
	if whole == 0 {
		return -1
	}
	return int((part*100 + whole/2) / whole)
}

// DashboardCharts reads the overview's charts for the last ChartDays days (today included).
func (a *App) DashboardCharts(ctx context.Context, ac Actor, mode tenant.Mode) (Charts, error) {
	if err := ac.canRead(); err != nil {
		return Charts{}, err
	}
	scope := ac.scopeOf(mode)
	today := a.now().Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, -(ChartDays - 1))
	var days []store.DayPayouts
	var owed []store.OwedKind
	var stats []store.EndpointAttempts
	var eps []webhook.Endpoint
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		if days, err = tx.DailyPayouts(ctx, scope, since); err != nil {
			return err
		}
		if owed, err = tx.OwedByKind(ctx, scope); err != nil {
			return err
		}
		if stats, err = tx.WebhookAttemptStats(ctx, scope, since); err != nil {
			return err
		}
		eps, err = tx.ListWebhookEndpoints(ctx, scope, "", 100)
		return err
	})
	if err != nil {
		return Charts{}, err
	}
	c := Charts{}
	index := map[string]int{}
	for i := range ChartDays {
		d := since.AddDate(0, 0, i).Format(time.DateOnly)
		index[d] = i
		c.Days = append(c.Days, d)
	}
	c.Count = make([]int64, ChartDays)
	vol := map[string][]int64{}
	for _, d := range days {
		i, ok := index[d.Day]
		if !ok {
			continue
		}
		c.Count[i] += d.Count
		if vol[d.Currency] == nil {
			vol[d.Currency] = make([]int64, ChartDays)
		}
		vol[d.Currency][i] += d.Total
		switch d.Status {
		case "succeeded":
			c.Succeeded += d.Count
		case "failed":
			c.Failed += d.Count
		default:
			c.Open += d.Count
		}
	}
	c.Rate = percent(c.Succeeded, c.Succeeded+c.Failed)
	for _, cur := range sortedKeys(vol) {
		s := CurrencySeries{Currency: cur, Minor: vol[cur]}
		var total int64
		for _, v := range s.Minor {
			s.Amounts = append(s.Amounts, formatIn(v, cur))
			total += v
		}
		s.Total = formatIn(total, cur)
		c.Volume = append(c.Volume, s)
	}
	split := map[string]*OwedSplit{}
	var curs []string
	for _, o := range owed {
		s, ok := split[o.Currency]
		if !ok {
			s = &OwedSplit{Currency: o.Currency}
			split[o.Currency] = s
			curs = append(curs, o.Currency)
		}
		if o.Kind == "pending" {
			s.OnWayMinor += o.Total
		} else {
			s.AvailableMinor += o.Total
		}
	}
	slices.Sort(curs)
	for _, cur := range curs {
		s := split[cur]
		s.Available, s.OnWay, s.Total = formatIn(s.AvailableMinor, cur), formatIn(s.OnWayMinor, cur), formatIn(s.AvailableMinor+s.OnWayMinor, cur)
		c.Owed = append(c.Owed, *s)
	}
	byEndpoint := map[string]store.EndpointAttempts{}
	for _, s := range stats {
		byEndpoint[s.EndpointID] = s
		c.Attempts += s.Attempts
		c.Delivered += s.Succeeded
	}
	c.DeliveryRate = percent(c.Delivered, c.Attempts)
	for _, e := range eps {
		s := byEndpoint[e.ID]
		c.Endpoints = append(c.Endpoints, EndpointHealth{ID: e.ID, URL: e.URL, Attempts: s.Attempts, Delivered: s.Succeeded,
			Rate: percent(s.Succeeded, s.Attempts), Failing: e.FailingSince != nil || (!e.Enabled && e.DisabledReason != ""), Enabled: e.Enabled})
	}
	return c, nil
}
