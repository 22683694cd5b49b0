package portal

import (
	"errors"
	"html/template"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"text/template/parse"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/recipient"
)

// TestCataloguesComplete: no catalogue has an empty entry, and each says what English says
// with the same values (the same fmt verbs), so a translation cannot drop an amount.
func TestCataloguesComplete(t *testing.T) {
	for _, c := range catalogues {
		checkEntries(t, c.Lang, reflect.ValueOf(*c), reflect.ValueOf(English))
	}
}

// checkEntries compares every entry of v with English's (en), through nested groups of texts.
func checkEntries(t *testing.T, prefix string, v, en reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		name, f, ef := prefix+"."+v.Type().Field(i).Name, v.Field(i), en.Field(i)
		switch f.Kind() {
		case reflect.String:
			if strings.TrimSpace(f.String()) == "" {
				t.Errorf("%s is empty", name)
			}
			if got, want := verbs(f.String()), verbs(ef.String()); got != want {
				t.Errorf("%s has values %q, English %q", name, got, want)
			}
		case reflect.Map:
			if f.Len() == 0 || f.Len() != ef.Len() {
				t.Errorf("%s has %d entries, English %d", name, f.Len(), ef.Len())
			}
			for _, k := range ef.MapKeys() {
				s := f.MapIndex(k)
				if !s.IsValid() || strings.TrimSpace(s.String()) == "" {
					t.Errorf("%s[%s] is missing or empty", name, k)
				} else if got, want := verbs(s.String()), verbs(ef.MapIndex(k).String()); got != want {
					t.Errorf("%s[%s] has values %q, English %q", name, k, got, want)
				}
			}
		case reflect.Struct:
			checkEntries(t, name, f, ef)
		default:
			t.Errorf("%s is a %s; catalogue entries are strings, maps of strings or groups of them", name, f.Kind())
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[a-z]`)

// verbs are the fmt verbs of a message, sorted, as one string.
func verbs(s string) string {
	found := verbRE.FindAllString(s, -1)
	for i := range found {
		for j := i + 1; j < len(found); j++ {
			if found[j] < found[i] {
				found[i], found[j] = found[j], found[i]
			}
		}
	}
	return strings.Join(found, " ")
}

// TestTemplatesUseKnownTexts reads every template and checks that each text it names
// ({{.T.X}} or {{$.T.X}}) is an entry of the catalogue, in every branch, including those the
// rendering test below does not reach.
func TestTemplatesUseKnownTexts(t *testing.T) {
	used := 0
	for page, tmpl := range parseTemplates() {
		for _, sub := range tmpl.Templates() {
			if sub.Tree == nil {
				continue
			}
			walk(sub.Tree.Root, func(idents []string) {
				if len(idents) < 2 || idents[0] != "T" {
					return
				}
				used++
				// Follow the chain through groups of texts (.T.Group.Name) down to an entry.
				typ := reflect.TypeFor[Texts]()
				for i, id := range idents[1:] {
					f, ok := typ.FieldByName(id)
					if !ok {
						t.Errorf("%s (%s): {{.%s}} is not in the catalogue", page, sub.Name(), strings.Join(idents[:i+2], "."))
						break
					}
					if typ = f.Type; typ.Kind() != reflect.Struct {
						break
					}
				}
			})
		}
	}
	if used < 40 {
		t.Fatalf("only %d texts found in the templates: is the walk still finding them?", used)
	}
}

// walk calls fn with the field chain of every field reference under n: [T X] for .T.X and
// $.T.X.
func walk(n parse.Node, fn func([]string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, fn)
		}
	case *parse.ActionNode:
		walk(n.Pipe, fn)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walk(c, fn)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walk(a, fn)
		}
	case *parse.FieldNode:
		fn(n.Ident)
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			fn(n.Ident[1:])
		}
	case *parse.ChainNode:
		walk(n.Node, fn)
	case *parse.IfNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.RangeNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.WithNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.TemplateNode:
		walk(n.Pipe, fn)
	}
}

// pageCases are every page with data for each of its branches.
func pageCases() map[string][]map[string]any {
	t := &English
	blocked := app.BalanceInfo{Currency: "EUR", Balance: app.Amount{Amount: "5.00", AmountMinor: 500},
		PendingWithdrawals: app.Amount{Amount: "1.00", AmountMinor: 100}, MinimumWithdrawalAmount: app.Amount{Amount: "10.00", AmountMinor: 1000},
		WithdrawableBalance: app.Amount{Amount: "5.00", AmountMinor: 500}, Reason: recipient.ReasonNoBankAccount}
	open := blocked
	open.CanWithdraw, open.Reason, open.PendingWithdrawals = true, "", app.Amount{Amount: "0.00"}
	txs := []app.TransferView{{Kind: "credit", Direction: "in", Amount: app.Amount{Amount: "5.00"}, Currency: "EUR", CreatedAt: time.Now()},
		{Kind: "adjustment", Description: "Bonus <b>", Direction: "out", Amount: app.Amount{Amount: "1.00"}, Currency: "EUR", CreatedAt: time.Now()}}
	method := app.PayoutMethodView{ID: "pm_1", HolderName: "Ada", Country: "DE", Currency: "EUR", Last4: "3000", IsDefault: true}
	withError := func(fields []formField, name string) []formField {
		for i := range fields {
			if fields[i].Name == name {
				fields[i].Error, fields[i].Value = "not valid", "x"
			}
		}
		return fields
	}
	brand := Brand{Name: "Axle", Color: "#123456"}
	eur := "EUR"
	linkView := app.LinkView{ID: "pl_1", PaymentAmount: []byte("10.50"), Currency: &eur, Reference: "Invoice 7", ExpiresAt: time.Now()}
	openLink := app.LinkView{ID: "pl_2", PaymentAmount: []byte("null"), Currency: &eur, ExpiresAt: time.Now()}
	payout := app.PaymentView{ID: "pay_1", Type: "payout", Status: "pending", Amount: "12.50", Currency: "EUR", Description: "Order <7>"}
	payin := app.PaymentView{ID: "pay_2", Type: "payin", Status: "succeeded", Amount: "20.00", Currency: "EUR", PaymentMethod: "Visa •••• 4242"}
	logo := Brand{Name: "Axle", Color: "#123456", Logo: "/portal/logo/org?v=1"}
	return map[string][]map[string]any{
		"error": {{"Title": t.LinkUsedTitle, "Heading": t.LinkUsedTitle, "Message": t.LinkUsed}},
		"balance": {
			{"Brand": brand, "Title": t.BalanceTitle, "Info": blocked, "Why": whyNot(t, blocked), "Transactions": txs, "ShowTransactions": true},
			{"Brand": logo, "Title": t.BalanceTitle, "Info": open, "ShowTransactions": true},
			{"Title": t.BalanceTitle, "Info": open, "Transactions": txs},
			{"Brand": brand, "Title": t.BalanceTitle, "Info": open, "Embed": map[string]string{"Origin": "https://app.example", "CSRF": "c", "ExpiresAt": "2026-01-01T00:00:00Z"}},
		},
		"verify": {
			{"Brand": brand, "Title": t.VerifyTitle, "MaskedEmail": "a••@example.com", "CSRF": "c"},
			{"Title": t.VerifyTitle, "MaskedEmail": "a••@example.com", "CSRF": "c", "Error": t.CodeWrong, "Invalid": true},
		},
		"setup": {
			{"Brand": brand, "Title": t.SetupTitle, "CSRF": "c", "Countries": countriesIn(t), "Country": "GB", "Fields": fieldsFor(t, "GB")},
			{"Title": t.SetupTitle, "CSRF": "c", "Methods": []app.PayoutMethodView{method}, "Countries": countriesIn(t), "Country": "US",
				"Fields": withError(fieldsFor(t, "US"), "account_type"), "Error": t.CheckHighlighted},
			{"Title": t.SetupTitle, "CSRF": "c", "Countries": countriesIn(t), "Country": "DE",
				"Fields": withError(fieldsFor(t, "DE"), "iban"), "Error": t.CheckHighlighted},
		},
		"withdraw": {
			{"Brand": brand, "Title": t.Withdraw, "Info": open, "CSRF": "c", "Amount": "5.00", "Method": method},
			{"Title": t.Withdraw, "Info": open, "CSRF": "c", "Amount": "abc", "Method": method, "Error": checkAmount(t, "abc", open)},
			{"Title": t.Withdraw, "Info": open, "CSRF": "c", "Amount": "5.00", "Method": method, "Confirm": true, "FormID": "f"},
		},
		"status": {
			{"Brand": brand, "Title": t.StatusTitle, "Payment": app.PaymentView{ID: "pay_1", Status: "pending", Amount: "5.00", Currency: "EUR"},
				"Heading": t.StatusHeading["pending"], "Explain": t.StatusExplain["pending"]},
			{"Title": t.StatusTitle, "Payment": app.PaymentView{ID: "pay_1", Status: "failed", Amount: "5.00", Currency: "EUR", FailureMessage: "Closed."},
				"Heading": t.StatusHeading["failed"], "Explain": t.StatusExplain["failed"], "Final": true},
		},
		"close": {{"Brand": brand, "Title": t.Done, "TargetOrigin": "*", "Status": "done", "WithdrawalID": ""}},
		"checkin": {
			{"Brand": brand, "Title": t.Pay.CheckinTitle, "P": payout, "Form": app.PaymentForm{}, "Payer": "Axle", "CSRF": "c",
				"Countries": countriesIn(t), "Country": "DE", "Fields": fieldsFor(t, "DE")},
			{"Title": t.Pay.CheckinTitle, "P": payout, "Form": app.PaymentForm{SavedMethods: []app.PayoutMethodView{method}}, "Payer": "Axle",
				"CSRF": "c", "Countries": countriesIn(t), "Country": "GB", "Fields": withError(fieldsFor(t, "GB"), "sort_code"), "Error": t.CheckHighlighted},
		},
		"checkout": {
			{"Brand": brand, "Title": t.Pay.CheckoutTitle, "P": payin, "Payer": "Axle", "CSRF": "c", "Fields": cardFields(t)},
			{"Title": t.Pay.CheckoutTitle, "P": payin, "Payer": "Axle", "CSRF": "c", "Fields": withError(cardFields(t), "card_number"), "Error": t.CheckHighlighted},
		},
		"embed": {{"Title": t.EmbedLoading, "Script": true}},
		"account": {
			{"Brand": brand, "Title": t.ChangeCountryTitle, "Page": "country", "CSRF": "c", "Countries": countriesIn(t), "Current": "DE", "Rewards": true},
			{"Title": t.ResetTitle, "Page": "reset", "CSRF": "c", "Error": t.ConfirmRequired},
		},
		"identity": {
			{"Brand": brand, "Title": t.IdentityTitle, "Identity": app.IdentityView{Status: "unverified"}, "CSRF": "c", "Fields": identityFields(t),
				"Editable": true, "Rewards": true, "ReturnURL": "https://app.example/back"},
			{"Title": t.IdentityTitle, "Identity": app.IdentityView{Status: "rejected", Reason: "document_mismatch"}, "CSRF": "c",
				"Fields": withError(identityFields(t), "date_of_birth"), "Editable": true, "Error": t.CheckHighlighted},
			{"Title": t.IdentityTitle, "Identity": app.IdentityView{Status: "rejected", Reason: "more_information_needed"}, "Fields": identityFields(t)},
			{"Title": t.IdentityTitle, "Identity": app.IdentityView{Status: "verified"}},
			{"Title": t.IdentityTitle, "Identity": app.IdentityView{Status: "pending"}},
		},
		"link": {
			{"Brand": brand, "Title": t.Pay.LinkTitle, "L": linkView, "Page": app.LinkPage{}, "Payer": "Axle", "CSRF": "c"},
			{"Title": t.Pay.LinkTitle, "L": openLink, "Page": app.LinkPage{}, "Payer": "Axle", "CSRF": "c", "Error": "enter an amount", "Amount": "x"},
			{"Title": t.Pay.LinkTitle, "L": linkView, "Page": app.LinkPage{NeedsCode: true}, "Payer": "Axle", "CSRF": "c", "MaskedEmail": "a••@x.example"},
			{"Title": t.Pay.LinkTitle, "L": linkView, "Page": app.LinkPage{NeedsCode: true}, "Payer": "Axle", "CSRF": "c", "MaskedEmail": "a••@x.example",
				"CodeSent": true, "Error": t.Pay.LinkCodeWrong},
			{"Title": t.Pay.LinkTitle, "L": linkView, "Page": app.LinkPage{Closed: "paid"}, "Payer": "Axle"},
		},
		"payment": {
			{"Brand": brand, "Title": t.Pay.StatusHeading["succeeded"], "P": payin, "Form": app.PaymentForm{}, "Payer": "Axle",
				"Heading": t.Pay.StatusHeading["succeeded"], "Explain": t.Pay.StatusExplain["succeeded"], "StatusKey": "succeeded", "ReturnURL": "https://x.example/"},
			{"Title": t.Pay.StatusHeading["expired"], "P": payin, "Form": app.PaymentForm{}, "Payer": "Axle",
				"Heading": t.Pay.StatusHeading["expired"], "Explain": t.Pay.StatusExplain["expired"], "StatusKey": "expired"},
			{"Title": t.Pay.StatusHeading["awaiting_transfer"], "P": payin, "Payer": "Axle", "StatusKey": "awaiting_transfer",
				"Form":    app.PaymentForm{Payment: payment.Payment{RailReference: "PP12345-67890"}, BankAccount: &org.SEPADebtor{Name: "Axle", IBAN: "DE89370400440532013000"}},
				"Heading": t.Pay.StatusHeading["awaiting_transfer"], "Explain": t.Pay.StatusExplain["awaiting_transfer"]},
			{"Title": t.Pay.StatusHeading["awaiting_transfer"], "P": payin, "Payer": "Axle", "StatusKey": "awaiting_transfer",
				"Form":    app.PaymentForm{Payment: payment.Payment{RailReference: "PP12345-67890"}},
				"Heading": t.Pay.StatusHeading["awaiting_transfer"], "Explain": t.Pay.StatusExplain["awaiting_transfer"]},
			{"Title": t.Pay.StatusHeading["failed"], "P": app.PaymentView{Status: "failed", Amount: "5.00", Currency: "EUR", FailureMessage: "The card was declined."},
				"Form": app.PaymentForm{}, "Payer": "Axle", "StatusKey": "failed", "Heading": t.Pay.StatusHeading["failed"], "Explain": t.Pay.StatusExplain["failed"]},
		},
		"outbox": {{"Title": t.OutboxTitle}, {"Title": t.OutboxTitle, "Messages": []mail.Message{{To: "a@example.com", Subject: "Code", Text: "123456"}}}},
	}
}

var (
	h1RE        = regexp.MustCompile(`<h1[ >]`)
	langRE      = regexp.MustCompile(`<html lang="[a-z]{2,3}(-[A-Za-z0-9]+)*">`)
	controlRE   = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRE        = regexp.MustCompile(`\bid="([^"]+)"`)
	labelForRE  = regexp.MustCompile(`<label for="([^"]+)"`)
	describedRE = regexp.MustCompile(`aria-describedby="([^"]+)"`)
)

// TestPagesRender renders every page in each of its branches with every catalogue: no
// missing text, no unfilled or surplus value, and the accessibility basics (a language, one
// h1, a label for every input, aria-describedby pointing at something that exists).
func TestPagesRender(t *testing.T) {
	tmpl := parseTemplates()
	cases := pageCases()
	for _, page := range pages {
		if len(cases[page]) == 0 {
			t.Errorf("no render case for page %q", page)
		}
	}
	for _, c := range catalogues {
		for page, datas := range cases {
			for i, data := range datas {
				data["T"] = c
				var b strings.Builder
				if err := tmpl[page].ExecuteTemplate(&b, "layout", data); err != nil {
					t.Errorf("%s %s #%d: %v", c.Lang, page, i, err)
					continue
				}
				out := b.String()
				for _, bad := range []string{"%!", "<no value>"} {
					if strings.Contains(out, bad) {
						t.Errorf("%s %s #%d: %q in the page:\n%s", c.Lang, page, i, bad, out)
					}
				}
				checkAccessible(t, c.Lang+" "+page, out)
			}
		}
	}
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

// TestDisabledWithdrawExplained: the greyed-out button is described by the sentence that says
// why, so a screen reader reads the reason with the button.
func TestDisabledWithdrawExplained(t *testing.T) {
	data := pageCases()["balance"][0]
	data["T"] = &English
	var b strings.Builder
	if err := parseTemplates()["balance"].ExecuteTemplate(&b, "layout", data); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, `aria-disabled="true" tabindex="0" aria-describedby="why"`) || !strings.Contains(out, `<p id="why">Add a bank account to withdraw.</p>`) {
		t.Fatalf("disabled button not described by its reason:\n%s", out)
	}
}

// TestReasonsMatchTheEngine: the portal says why a withdrawal is blocked in the same words as
// Balance Info's message, for every reason the engine gives.
func TestReasonsMatchTheEngine(t *testing.T) {
	eur, _ := money.LookupCurrency("EUR")
	format := func(v int64) string { return money.Format(v, eur) }
	for _, b := range []recipient.Balance{
		{Currency: "EUR"},
		{Currency: "EUR", Available: 500, Withdrawable: 0, MinimumWaitDays: 7},
		{Currency: "EUR", Available: 500, Withdrawable: 500, MinimumWithdrawal: 1000},
		{Currency: "EUR", Available: 5000, Withdrawable: 5000, MinimumWithdrawal: 1000},
	} {
		el := recipient.CanWithdraw(b, format)
		info := app.BalanceInfo{Currency: "EUR", CanWithdraw: el.CanWithdraw, Reason: el.Reason, Message: "engine",
			MinimumWaitDays: b.MinimumWaitDays, MinimumWithdrawalAmount: app.Amount{Amount: format(b.MinimumWithdrawal)},
			WithdrawableBalance: app.Amount{Amount: format(b.Withdrawable)}}
		if got := whyNot(&English, info); got != el.Message {
			t.Errorf("reason %s: portal says %q, engine %q", el.Reason, got, el.Message)
		}
	}
	if got := whyNot(&English, app.BalanceInfo{Reason: "something_new", Message: "Engine's words."}); got != "Engine's words." {
		t.Errorf("unknown reason: %q", got)
	}
}

// TestCodeProblemsMatchTheEngine: the two-factor messages keep the engine's wording.
func TestCodeProblemsMatchTheEngine(t *testing.T) {
	for _, err := range []error{app.ErrCodeCooldown, app.ErrCodeLimit, app.ErrCodeWrong, app.ErrCodeExpired, app.ErrCodeLocked} {
		if got := app.CodeProblem(&English, err); got != err.Error() {
			t.Errorf("%v: portal says %q", err, got)
		}
	}
	if got := app.CodeProblem(&English, errors.New("database down")); got != "" {
		t.Errorf("an internal error is shown as %q", got)
	}
}

// TestMsgEscapes: msg escapes the message and its plain values, and keeps markup made by
// strong and link.
func TestMsgEscapes(t *testing.T) {
	got := msg("<%s> to %s & %d", strong("x", "1 < 2"), "<script>", 3)
	want := template.HTML(`&lt;<strong id="x">1 &lt; 2</strong>&gt; to &lt;script&gt; &amp; 3`)
	if got != want {
		t.Fatalf("msg = %s\nwant  %s", got, want)
	}
	if l := link("javascript:alert(1)", "x"); !strings.Contains(string(l), `href="#"`) {
		t.Fatalf("link to a foreign URL: %s", l)
	}
}
