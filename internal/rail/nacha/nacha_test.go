package nacha

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moov-io/ach"
)

var (
	testNow       = time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	testEffective = time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
)

func testOriginator() Originator {
	return Originator{
		CompanyName:              "Payport Inc",
		CompanyID:                "1234567890",
		ImmediateOrigin:          "231380104",
		ImmediateOriginName:      "Payport Inc",
		ImmediateDestination:     "121042882",
		ImmediateDestinationName: "Wells Fargo",
		ODFIIdentification:       "23138010",
		EntryClass:               "PPD",
		EntryDescription:         "PAYOUT",
	}
}

func threeCredits() []Credit {
	return []Credit{
		{PayoutID: "pay_a", AmountCents: 12345, RoutingNumber: "121042882", AccountNumber: "123456789",
			AccountType: "checking", HolderName: "Jane Doe", IndividualID: "ref-a"},
		{PayoutID: "pay_b", AmountCents: 1, RoutingNumber: "231380104", AccountNumber: "987-654",
			AccountType: "savings", HolderName: "José Müller-Łukasiewicz the Third", IndividualID: "ref-b"},
		{PayoutID: "pay_c", AmountCents: 9_999_999_999, RoutingNumber: "091400606", AccountNumber: "ABC12345678901234",
			AccountType: "checking", HolderName: "Acme & Sons", IndividualID: "ref-c"},
	}
}

// readBack parses a file with moov-io's reader and validates it, as the ODFI would.
func readBack(t *testing.T, content []byte) ach.File {
	t.Helper()
	f, err := ach.NewReader(bytes.NewReader(content)).Read()
	if err != nil {
		t.Fatalf("moov-io cannot read the file we wrote: %v\n%s", err, content)
	}
	if err := f.Validate(); err != nil {
		t.Fatalf("file we wrote does not validate: %v", err)
	}
	return f
}

func TestBuildFileRoundTripsThroughMoovReader(t *testing.T) {
	credits := threeCredits()
	content, traces, err := BuildFile(testOriginator(), credits, testEffective, "A", testNow)
	if err != nil {
		t.Fatal(err)
	}

	lines := strings.Split(strings.TrimSuffix(string(content), "\n"), "\n")
	if len(lines)%10 != 0 {
		t.Errorf("file has %d records, want a multiple of the blocking factor 10", len(lines))
	}
	for i, l := range lines {
		if len(l) != 94 {
			t.Errorf("record %d is %d bytes, want 94: %q", i+1, len(l), l)
		}
	}

	f := readBack(t, content)
	if got, want := f.Header.ImmediateOrigin, "231380104"; got != want {
		t.Errorf("immediate origin %q, want %q", got, want)
	}
	if got, want := f.Header.ImmediateDestination, "121042882"; got != want {
		t.Errorf("immediate destination %q, want %q", got, want)
	}
	if f.Header.FileCreationDate != "260302" || f.Header.FileCreationTime != "1405" || f.Header.FileIDModifier != "A" {
		t.Errorf("creation %s %s modifier %s, want 260302 1405 A",
			f.Header.FileCreationDate, f.Header.FileCreationTime, f.Header.FileIDModifier)
	}
	if len(f.Batches) != 1 {
		t.Fatalf("%d batches, want 1", len(f.Batches))
	}
	bh := f.Batches[0].GetHeader()
	if bh.ServiceClassCode != ach.CreditsOnly || bh.StandardEntryClassCode != "PPD" ||
		bh.CompanyIdentification != "1234567890" || bh.EffectiveEntryDate != "260303" ||
		strings.TrimSpace(bh.CompanyEntryDescription) != "PAYOUT" || bh.ODFIIdentification != "23138010" {
		t.Errorf("batch header %+v", bh)
	}

	entries := f.Batches[0].GetEntries()
	if len(entries) != len(credits) {
		t.Fatalf("%d entries, want %d", len(entries), len(credits))
	}
	wantCodes := []int{22, 32, 22}
	wantNames := []string{"Jane Doe", "Jose Muller-Lukasiewic", "Acme & Sons"}
	var total, hash int64
	for i, e := range entries {
		c := credits[i]
		if int64(e.Amount) != c.AmountCents {
			t.Errorf("entry %d amount %d, want %d", i, e.Amount, c.AmountCents)
		}
		if got := e.RDFIIdentification + e.CheckDigit; got != c.RoutingNumber {
			t.Errorf("entry %d routing %q, want %q", i, got, c.RoutingNumber)
		}
		if got := strings.TrimSpace(e.DFIAccountNumber); got != c.AccountNumber {
			t.Errorf("entry %d account %q, want %q", i, got, c.AccountNumber)
		}
		if e.TransactionCode != wantCodes[i] {
			t.Errorf("entry %d transaction code %d, want %d", i, e.TransactionCode, wantCodes[i])
		}
		if got := strings.TrimSpace(e.IndividualName); got != wantNames[i] {
			t.Errorf("entry %d name %q, want %q", i, got, wantNames[i])
		}
		if got := strings.TrimSpace(e.IdentificationNumber); got != c.IndividualID {
			t.Errorf("entry %d individual id %q, want %q", i, got, c.IndividualID)
		}
		wantTrace := fmt.Sprintf("23138010%07d", i+1)
		if e.TraceNumber != wantTrace || traces[c.PayoutID] != wantTrace {
			t.Errorf("entry %d trace %q, answered %q, want %q", i, e.TraceNumber, traces[c.PayoutID], wantTrace)
		}
		total += c.AmountCents
		rdfi, _ := strconv.ParseInt(c.RoutingNumber[:8], 10, 64)
		hash += rdfi
	}
	if len(traces) != len(credits) {
		t.Errorf("%d traces answered, want %d", len(traces), len(credits))
	}

	bc := f.Batches[0].GetControl()
	if int64(bc.TotalCreditEntryDollarAmount) != total || bc.TotalDebitEntryDollarAmount != 0 ||
		bc.EntryAddendaCount != 3 || int64(bc.EntryHash) != hash%10_000_000_000 {
		t.Errorf("batch control credits %d debits %d count %d hash %d, want %d 0 3 %d",
			bc.TotalCreditEntryDollarAmount, bc.TotalDebitEntryDollarAmount, bc.EntryAddendaCount, bc.EntryHash, total, hash)
	}
	fc := f.Control
	if fc.BatchCount != 1 || fc.EntryAddendaCount != 3 || int64(fc.TotalCreditEntryDollarAmountInFile) != total ||
		fc.TotalDebitEntryDollarAmountInFile != 0 || int64(fc.EntryHash) != hash%10_000_000_000 || fc.BlockCount != 1 {
		t.Errorf("file control %+v, want 1 batch, 3 entries, credits %d, hash %d, 1 block", fc, total, hash)
	}
}

func TestBuildFileStartsANewBatchAfter10000Entries(t *testing.T) {
	credits := make([]Credit, 10_001)
	for i := range credits {
		credits[i] = Credit{PayoutID: fmt.Sprintf("pay_%d", i), AmountCents: int64(i + 1), RoutingNumber: "121042882",
			AccountNumber: "12345", AccountType: "checking", HolderName: "Jane Doe"}
	}
	o := testOriginator()
	o.EntryClass = "CCD"
	content, traces, err := BuildFile(o, credits, testEffective, "B", testNow)
	if err != nil {
		t.Fatal(err)
	}
	f := readBack(t, content)
	if len(f.Batches) != 2 {
		t.Fatalf("%d batches, want 2", len(f.Batches))
	}
	if n1, n2 := len(f.Batches[0].GetEntries()), len(f.Batches[1].GetEntries()); n1 != 10_000 || n2 != 1 {
		t.Errorf("batches hold %d and %d entries, want 10000 and 1", n1, n2)
	}
	for i, b := range f.Batches {
		if b.GetHeader().BatchNumber != i+1 || b.GetHeader().StandardEntryClassCode != "CCD" || b.GetHeader().ServiceClassCode != 220 {
			t.Errorf("batch %d header %+v", i, b.GetHeader())
		}
	}
	if got := f.Batches[1].GetEntries()[0].TraceNumber; got != "231380100010001" {
		t.Errorf("first trace of batch 2 is %q, want the file-wide sequence 231380100010001", got)
	}
	unique := map[string]bool{}
	for _, tr := range traces {
		unique[tr] = true
	}
	if len(unique) != len(credits) {
		t.Errorf("%d distinct trace numbers for %d credits", len(unique), len(credits))
	}
	wantTotal := 10_001 * 10_002 / 2
	if f.Control.TotalCreditEntryDollarAmountInFile != wantTotal || f.Control.BatchCount != 2 || f.Control.EntryAddendaCount != 10_001 {
		t.Errorf("file control %+v, want total %d in 2 batches", f.Control, wantTotal)
	}
}

func TestBuildFileRefusesBadCreditsNamingThePayout(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Credit)
		field  string
	}{
		{"zero amount", func(c *Credit) { c.AmountCents = 0 }, "AmountCents"},
		{"negative amount", func(c *Credit) { c.AmountCents = -100 }, "AmountCents"},
		{"amount beyond the 10-digit field", func(c *Credit) { c.AmountCents = 10_000_000_000 }, "AmountCents"},
		{"routing check digit", func(c *Credit) { c.RoutingNumber = "121042883" }, "RoutingNumber"},
		{"routing length", func(c *Credit) { c.RoutingNumber = "12104288" }, "RoutingNumber"},
		{"account type", func(c *Credit) { c.AccountType = "loan" }, "AccountType"},
		{"account number", func(c *Credit) { c.AccountNumber = "12 34" }, "AccountNumber"},
		{"long account number", func(c *Credit) { c.AccountNumber = "123456789012345678" }, "AccountNumber"},
		{"no writable name", func(c *Credit) { c.HolderName = "王小明" }, "HolderName"},
		{"long individual id", func(c *Credit) { c.IndividualID = "0123456789abcdef" }, "IndividualID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			credits := threeCredits()
			tc.change(&credits[1])
			content, traces, err := BuildFile(testOriginator(), credits, testEffective, "A", testNow)
			if err == nil {
				t.Fatalf("accepted; file:\n%s", content)
			}
			if content != nil || traces != nil {
				t.Error("returned a file or traces along with the error")
			}
			var ce *CreditError
			if !errors.As(err, &ce) || ce.PayoutID != "pay_b" || ce.Field != tc.field {
				t.Fatalf("error %v (%#v), want a CreditError for pay_b field %s", err, ce, tc.field)
			}
			if !strings.Contains(err.Error(), `"pay_b"`) {
				t.Errorf("error %q does not name the payout", err)
			}
		})
	}
}

func TestBuildFileReportsEveryBadCredit(t *testing.T) {
	credits := threeCredits()
	credits[0].AmountCents = 0
	credits[2].RoutingNumber = "091400607"
	credits = append(credits, credits[1]) // pay_b twice
	_, _, err := BuildFile(testOriginator(), credits, testEffective, "A", testNow)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`"pay_a": AmountCents`, `"pay_c": RoutingNumber`, `"pay_b": PayoutID appears twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestBuildFileRefusesBadOriginatorAndFileSettings(t *testing.T) {
	cases := []struct {
		name     string
		change   func(*Originator)
		modifier string
		eff      time.Time
		want     string
	}{
		{"company name too long", func(o *Originator) { o.CompanyName = "Payport Incorporated" }, "A", testEffective, "CompanyName"},
		{"company id length", func(o *Originator) { o.CompanyID = "123456789" }, "A", testEffective, "CompanyID"},
		{"origin check digit", func(o *Originator) { o.ImmediateOrigin = "231380105" }, "A", testEffective, "ImmediateOrigin"},
		{"destination", func(o *Originator) { o.ImmediateDestination = "" }, "A", testEffective, "ImmediateDestination"},
		{"odfi", func(o *Originator) { o.ODFIIdentification = "231380104" }, "A", testEffective, "ODFIIdentification"},
		{"entry class", func(o *Originator) { o.EntryClass = "WEB" }, "A", testEffective, "EntryClass"},
		{"entry description", func(o *Originator) { o.EntryDescription = "" }, "A", testEffective, "EntryDescription"},
		{"file id modifier", func(*Originator) {}, "a", testEffective, "file ID modifier"},
		{"effective date in the past", func(*Originator) {}, "A", testNow.AddDate(0, 0, -1), "effective date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := testOriginator()
			tc.change(&o)
			_, _, err := BuildFile(o, threeCredits(), tc.eff, tc.modifier, testNow)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
	if _, _, err := BuildFile(testOriginator(), nil, testEffective, "A", testNow); err == nil {
		t.Error("built a file with no credits")
	}
}

func TestBuildFileSameDayEffectiveDateIsAccepted(t *testing.T) {
	if _, _, err := BuildFile(testOriginator(), threeCredits(), testNow, "A", testNow); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkBuildFile100k(b *testing.B) {
	credits := make([]Credit, 100_000)
	for i := range credits {
		credits[i] = Credit{
			PayoutID:      "pay_" + strconv.Itoa(i),
			AmountCents:   int64(100 + i%50_000),
			RoutingNumber: "121042882",
			AccountNumber: strconv.Itoa(10_000_000 + i),
			AccountType:   "checking",
			HolderName:    "Recipient " + strconv.Itoa(i),
			IndividualID:  "ref" + strconv.Itoa(i),
		}
	}
	o := testOriginator()
	for b.Loop() {
		content, traces, err := BuildFile(o, credits, testEffective, "A", testNow)
		if err != nil {
			b.Fatal(err)
		}
		if len(traces) != len(credits) || len(content) == 0 {
			b.Fatal("incomplete file")
		}
	}
}

// TestTraceNumbersWrap: the trace sequence continues from FirstTraceSequence and wraps from
// 9,999,999 to 1 (the credit that wraps starts a batch of its own: traces ascend in a batch),
// and TraceNumber predicts what BuildFile gives each credit.
func TestTraceNumbersWrap(t *testing.T) {
	o := testOriginator()
	o.FirstTraceSequence = 9_999_998
	credits := threeCredits()
	content, traces, err := BuildFile(o, credits, testEffective, "A", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if f := readBack(t, content); len(f.Batches) != 2 || len(f.Batches[0].GetEntries()) != 2 {
		t.Fatalf("%d batches, want 2 with the wrap starting the second", len(f.Batches))
	}
	want := []string{"231380109999998", "231380109999999", "231380100000001"}
	for i, c := range credits {
		if traces[c.PayoutID] != want[i] || o.TraceNumber(i) != want[i] {
			t.Errorf("credit %d: BuildFile gave trace %s, TraceNumber %s; want %s", i, traces[c.PayoutID], o.TraceNumber(i), want[i])
		}
	}
}
