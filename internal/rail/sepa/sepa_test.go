package sepa

import (
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	testNow  = time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	testExec = time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
)

func testDebtor() Debtor {
	return Debtor{Name: "Payport Plattform GmbH & Co. KG", IBAN: "DE02 1203 0000 0000 2020 51", BIC: "BYLADEM1001", MessageIDPrefix: "PP-LIVE-"}
}

// testTransfers has the names a real payout run brings: accents, ampersands, XML's special
// characters, scripts outside Latin, and texts longer than the fields.
func testTransfers() []Transfer {
	return []Transfer{
		{PayoutID: "pay-0001", AmountCents: 125000, CreditorName: "José Müller", CreditorIBAN: "de89 3704 0044 0532 0130 00",
			CreditorBIC: "cobadeffxxx", RemittanceInfo: "Auszahlung März – Rechnung #42"},
		{PayoutID: "pay-0002", AmountCents: 50050, CreditorName: "Acme & Sons <SARL> \"Société\"", CreditorIBAN: "FR1420041010050500013M02606",
			RemittanceInfo: "Payout; ref=ABC_123 / 50% bonus"},
		{PayoutID: "pay-0003", AmountCents: 1, CreditorName: "Łukasz Żółć 王小明", CreditorIBAN: "PL61109010140000071219812874",
			CreditorBIC: "WBKPPLPP"},
		{PayoutID: "pay-0004", AmountCents: 99_999_999_999, CreditorName: strings.Repeat("Ø", 80), CreditorIBAN: "NL91ABNA0417164300",
			RemittanceInfo: strings.Repeat("Gruß ", 40)},
	}
}

func TestBuildPain001ValidatesAgainstTheEPCSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		msg := "xmllint is not installed; install it with: apt-get update && apt-get install -y libxml2-utils"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	noBIC := testDebtor()
	noBIC.BIC = ""
	for name, d := range map[string]Debtor{"debtor BIC": testDebtor(), "no debtor BIC": noBIC} {
		t.Run(name, func(t *testing.T) {
			out, err := BuildPain001(d, testTransfers(), testExec, "20260302-0001", testNow)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "pain.001.xml")
			if err := os.WriteFile(path, out, 0o600); err != nil {
				t.Fatal(err)
			}
			xsd := filepath.Join("testdata", "pain.001.001.09_EPC132-08_2023_SCT_C2PSP.xsd")
			cmd := exec.Command(xmllint, "--noout", "--schema", xsd, path)
			if res, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("xmllint rejects the file: %v\n%s\nfile:\n%s", err, res, out)
			}
		})
	}
}

// pain001 reads back the fields the tests check, independently of the writer's types.
type pain001 struct {
	XMLName xml.Name
	GrpHdr  struct {
		MsgId    string
		CreDtTm  string
		NbOfTxs  string
		CtrlSum  string
		InitgPty struct{ Nm string }
	} `xml:"CstmrCdtTrfInitn>GrpHdr"`
	PmtInf []struct {
		PmtInfId    string
		PmtMtd      string
		BtchBookg   string
		NbOfTxs     string
		CtrlSum     string
		SvcLvl      string `xml:"PmtTpInf>SvcLvl>Cd"`
		ReqdExctnDt string `xml:"ReqdExctnDt>Dt"`
		Dbtr        string `xml:"Dbtr>Nm"`
		DbtrIBAN    string `xml:"DbtrAcct>Id>IBAN"`
		DbtrBIC     string `xml:"DbtrAgt>FinInstnId>BICFI"`
		DbtrOthr    string `xml:"DbtrAgt>FinInstnId>Othr>Id"`
		ChrgBr      string
		Tx          []struct {
			EndToEndId string `xml:"PmtId>EndToEndId"`
			Amount     struct {
				Ccy   string `xml:"Ccy,attr"`
				Value string `xml:",chardata"`
			} `xml:"Amt>InstdAmt"`
			CdtrAgt *struct {
				BICFI string `xml:"FinInstnId>BICFI"`
			} `xml:"CdtrAgt"`
			Name   string  `xml:"Cdtr>Nm"`
			IBAN   string  `xml:"CdtrAcct>Id>IBAN"`
			RmtInf *string `xml:"RmtInf>Ustrd"`
		} `xml:"CdtTrfTxInf"`
	} `xml:"CstmrCdtTrfInitn>PmtInf"`
}

func TestBuildPain001WritesTheTransfers(t *testing.T) {
	out, err := BuildPain001(testDebtor(), testTransfers(), testExec, "20260302-0001", testNow)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range out {
		if b >= 0x80 {
			t.Fatalf("byte %d of the file is not ASCII: %q", i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
	var doc pain001
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.XMLName.Space != "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" || doc.XMLName.Local != "Document" {
		t.Errorf("root %v", doc.XMLName)
	}
	g := doc.GrpHdr
	if g.MsgId != "PP-LIVE-20260302-0001" || g.CreDtTm != "2026-03-02T14:05:00Z" || g.NbOfTxs != "4" ||
		g.CtrlSum != "1000001750.50" || g.InitgPty.Nm != "Payport Plattform GmbH + Co. KG" {
		t.Errorf("group header %+v", g)
	}
	if len(doc.PmtInf) != 1 {
		t.Fatalf("%d PmtInf, want 1", len(doc.PmtInf))
	}
	p := doc.PmtInf[0]
	if p.PmtInfId != g.MsgId || p.PmtMtd != "TRF" || p.BtchBookg != "true" || p.NbOfTxs != "4" || p.CtrlSum != g.CtrlSum ||
		p.SvcLvl != "SEPA" || p.ReqdExctnDt != "2026-03-03" || p.Dbtr != "Payport Plattform GmbH + Co. KG" ||
		p.DbtrIBAN != "DE02120300000000202051" || p.DbtrBIC != "BYLADEM1001" || p.DbtrOthr != "" || p.ChrgBr != "SLEV" {
		t.Errorf("payment information %+v", p)
	}
	type want struct {
		id, amount, name, iban, bic string
		rmt                         *string
	}
	str := func(s string) *string { return &s }
	wants := []want{
		{"pay-0001", "1250.00", "Jose Muller", "DE89370400440532013000", "COBADEFFXXX", str("Auszahlung Marz Rechnung 42")},
		{"pay-0002", "500.50", "Acme + Sons SARL Societe", "FR1420041010050500013M02606", "", str("Payout ref ABC-123 / 50 bonus")},
		{"pay-0003", "0.01", "Lukasz Zolc", "PL61109010140000071219812874", "WBKPPLPP", nil},
		{"pay-0004", "999999999.99", strings.Repeat("O", 70), "NL91ABNA0417164300", "", str(strings.TrimSpace(strings.Repeat("Gruss ", 24)[:140]))},
	}
	if len(p.Tx) != len(wants) {
		t.Fatalf("%d transactions, want %d", len(p.Tx), len(wants))
	}
	for i, w := range wants {
		tx := p.Tx[i]
		if tx.EndToEndId != w.id || tx.Amount.Ccy != "EUR" || tx.Amount.Value != w.amount || tx.Name != w.name || tx.IBAN != w.iban {
			t.Errorf("transaction %d: %+v, want %+v", i, tx, w)
		}
		switch {
		case w.bic == "" && tx.CdtrAgt != nil:
			t.Errorf("transaction %d has a CdtrAgt without a BIC", i)
		case w.bic != "" && (tx.CdtrAgt == nil || tx.CdtrAgt.BICFI != w.bic):
			t.Errorf("transaction %d creditor agent %+v, want %s", i, tx.CdtrAgt, w.bic)
		}
		switch {
		case w.rmt == nil && tx.RmtInf != nil:
			t.Errorf("transaction %d has remittance %q, want none", i, *tx.RmtInf)
		case w.rmt != nil && (tx.RmtInf == nil || *tx.RmtInf != *w.rmt):
			t.Errorf("transaction %d remittance %v, want %q", i, tx.RmtInf, *w.rmt)
		}
	}
}

func TestBuildPain001WithoutDebtorBICSaysNotProvided(t *testing.T) {
	d := testDebtor()
	d.BIC = ""
	out, err := BuildPain001(d, testTransfers()[:1], testExec, "x1", testNow)
	if err != nil {
		t.Fatal(err)
	}
	var doc pain001
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if p := doc.PmtInf[0]; p.DbtrBIC != "" || p.DbtrOthr != "NOTPROVIDED" {
		t.Errorf("debtor agent BIC %q other %q, want NOTPROVIDED", p.DbtrBIC, p.DbtrOthr)
	}
}

func TestBuildPain001RefusesBadTransfersNamingThePayout(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Transfer)
		field  string
	}{
		{"zero amount", func(tr *Transfer) { tr.AmountCents = 0 }, "AmountCents"},
		{"negative amount", func(tr *Transfer) { tr.AmountCents = -1 }, "AmountCents"},
		{"amount over the SCT maximum", func(tr *Transfer) { tr.AmountCents = 100_000_000_000 }, "AmountCents"},
		{"IBAN check digits", func(tr *Transfer) { tr.CreditorIBAN = "FR1420041010050500013M02607" }, "CreditorIBAN"},
		{"IBAN shape", func(tr *Transfer) { tr.CreditorIBAN = "1420041010050500013M02606" }, "CreditorIBAN"},
		{"BIC", func(tr *Transfer) { tr.CreditorBIC = "BNPA1RPP" }, "CreditorBIC"},
		{"no writable name", func(tr *Transfer) { tr.CreditorName = "王小明" }, "CreditorName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			transfers := testTransfers()
			tc.change(&transfers[1])
			out, err := BuildPain001(testDebtor(), transfers, testExec, "m1", testNow)
			if err == nil {
				t.Fatalf("accepted:\n%s", out)
			}
			var te *TransferError
			if !errors.As(err, &te) || te.PayoutID != "pay-0002" || te.Field != tc.field {
				t.Fatalf("error %v, want a TransferError for pay-0002 field %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), `"pay-0002"`) {
				t.Errorf("error %q does not name the payout", err)
			}
		})
	}
}

func TestBuildPain001RefusesPayoutIDsThatCannotBeEndToEndIDs(t *testing.T) {
	for _, id := range []string{
		"",
		"pay_0193c5e8a1f27c3d9b4e6a8f0c2d4e61", // Payport's own shape: "_" is outside the SEPA set, and 36 > 35
		strings.Repeat("a", 36),
		"/pay-1", "pay-1/", "pay//1", "pay 1", "pay-é",
	} {
		transfers := testTransfers()
		transfers[0].PayoutID = id
		_, err := BuildPain001(testDebtor(), transfers, testExec, "m1", testNow)
		var te *TransferError
		if !errors.As(err, &te) || te.Field != "PayoutID" {
			t.Errorf("payout id %q: error %v, want a PayoutID TransferError", id, err)
		}
	}
	transfers := testTransfers()
	transfers[0].PayoutID = "pay_0193c5e8a1f27c3d9b4e6a8f0c2d4e6"
	if _, err := BuildPain001(testDebtor(), transfers, testExec, "m1", testNow); err == nil ||
		!strings.Contains(err.Error(), `contains '_'`) {
		t.Errorf("error %v does not say which character is refused", err)
	}
	ok := testTransfers()
	ok[0].PayoutID = strings.Repeat("a", 35)
	ok[1].PayoutID = "pay/2026-03:(x).y,z'+?"
	if _, err := BuildPain001(testDebtor(), ok, testExec, "m1", testNow); err != nil {
		t.Errorf("valid 35-character and punctuated ids refused: %v", err)
	}
}

func TestBuildPain001ReportsEveryBadTransfer(t *testing.T) {
	transfers := testTransfers()
	transfers[0].AmountCents = 0
	transfers[2].CreditorIBAN = "PL61109010140000071219812875"
	transfers = append(transfers, transfers[1])
	_, err := BuildPain001(testDebtor(), transfers, testExec, "m1", testNow)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`"pay-0001": AmountCents`, `"pay-0003": CreditorIBAN`, `"pay-0002": PayoutID appears twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestBuildPain001RefusesBadDebtorAndMessage(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Debtor)
		msgID  string
		exec   time.Time
		want   string
	}{
		{"debtor IBAN", func(d *Debtor) { d.IBAN = "DE02120300000000202052" }, "m1", testExec, "debtor IBAN"},
		{"debtor BIC", func(d *Debtor) { d.BIC = "BYLA" }, "m1", testExec, "debtor BIC"},
		{"debtor name", func(d *Debtor) { d.Name = "" }, "m1", testExec, "debtor name"},
		{"message id too long with prefix", func(*Debtor) {}, strings.Repeat("1", 28), testExec, "message id"},
		{"empty message id", func(d *Debtor) { d.MessageIDPrefix = "" }, "", testExec, "message id"},
		{"message id with space", func(*Debtor) {}, "a b", testExec, "message id"},
		{"execution date in the past", func(*Debtor) {}, "m1", testNow.AddDate(0, 0, -1), "execution date"},
		{"no execution date", func(*Debtor) {}, "m1", time.Time{}, "execution date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := testDebtor()
			tc.change(&d)
			_, err := BuildPain001(d, testTransfers(), tc.exec, tc.msgID, testNow)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one about the %s", err, tc.want)
			}
		})
	}
	if _, err := BuildPain001(testDebtor(), nil, testExec, "m1", testNow); err == nil {
		t.Error("built a file with no transfers")
	}
}

func TestSepaText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"José Müller", "Jose Muller"},
		{"Ærøskøbing Straße", "AEroskobing Strasse"},
		{"Acme & Sons", "Acme + Sons"},
		{"<b>bold</b>", "b bold /b"},
		{"O'Brien (Ltd.), Dublin: 1/2 + ?", "O'Brien (Ltd.), Dublin: 1/2 + ?"},
		{"  tabs\tand\nnewlines  ", "tabs and newlines"},
		{"Ελληνικά", ""},
		{"", ""},
		{"ab cd", "ab"}, // cut at width 3, trailing space trimmed
	}
	for _, c := range cases {
		width := 70
		if c.in == "ab cd" {
			width = 3
		}
		if got := sepaText(c.in, width); got != c.want {
			t.Errorf("sepaText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func BenchmarkBuildPain001100k(b *testing.B) {
	transfers := make([]Transfer, 100_000)
	for i := range transfers {
		n := strconv.Itoa(i)
		transfers[i] = Transfer{
			PayoutID:       "pay-" + n,
			AmountCents:    int64(100 + i%50_000),
			CreditorName:   "Empfänger Nummer " + n,
			CreditorIBAN:   "DE89370400440532013000",
			CreditorBIC:    "COBADEFFXXX",
			RemittanceInfo: "Payport payout " + n,
		}
	}
	d := testDebtor()
	for b.Loop() {
		out, err := BuildPain001(d, transfers, testExec, "bench-1", testNow)
		if err != nil {
			b.Fatal(err)
		}
		if len(out) == 0 {
			b.Fatal("empty file")
		}
	}
}
