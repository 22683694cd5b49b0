package nacha

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func parseFixture(t *testing.T, name string) ([]Return, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ParseReturns(f)
}

func TestParseReturnsReadsRealReturnFiles(t *testing.T) {
	cases := []struct {
		file string
		want []Return
	}{
		{"return-WEB.ach", []Return{
			{TraceNumber: "091400600000001", Code: "R01", Reason: "Insufficient Funds", AmountCents: 12354},
			{TraceNumber: "091400600000003", Code: "R03", Reason: "No Account/Unable to Locate Account", AmountCents: 4565},
		}},
		// R97 is no NACHA code: the bank's private code must come through rather than fail the file.
		{"return-PPD-custom-reason-code.ach", []Return{
			{TraceNumber: "092221172022300", Code: "R97", Reason: "Non-standard return reason code R97", AmountCents: 106161},
		}},
		{"cor-example.ach", []Return{
			{TraceNumber: "121042880000001", Reason: "Incorrect DFI Account Number", AmountCents: 0,
				IsNotificationOfChange: true, ChangeCode: "C01", CorrectedData: "1918171614"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := parseFixture(t, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestParseReturnsRefusesWhatIsNoReturnFile(t *testing.T) {
	// A forward file (what we send) is valid NACHA but holds no returns.
	if _, err := parseFixture(t, "ppd-mixedDebitCredit.ach"); err == nil || !strings.Contains(err.Error(), "not a return file") {
		t.Errorf("forward file: error %v, want one saying it is not a return file", err)
	}
	for name, input := range map[string]string{
		"garbage": "this is not an ACH file\nat all\n",
		"empty":   "",
		"truncated": "101 091400606 6910001341810170306A094101FIRST BANK & TRUST     ASF APPLICATION SUPERVI        \n" +
			"5200CoinLion                            123456789 WEBTRANSFER        000101   1091000010000001\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseReturns(strings.NewReader(input))
			if err == nil {
				t.Fatalf("accepted, got %+v", got)
			}
			if !strings.HasPrefix(err.Error(), "nacha: ") {
				t.Errorf("error %q does not say it comes from reading a NACHA file", err)
			}
			t.Logf("%s: %v", name, err)
		})
	}
}

func TestMapReturnCode(t *testing.T) {
	want := map[string]string{
		"R01": "insufficient_funds", "R09": "insufficient_funds",
		"R02": "account_closed",
		"R03": "no_account",
		"R04": "invalid_account_number", "R20": "invalid_account_number",
		"R16": "account_frozen",
		"R05": "declined", "R07": "declined", "R10": "declined", "R29": "declined",
		"R06": "could_not_process", "R15": "could_not_process", "R97": "could_not_process", "": "could_not_process",
		"r01": "insufficient_funds", " R02 ": "account_closed",
	}
	for code, failure := range want {
		if got := MapReturnCode(code); got != failure {
			t.Errorf("MapReturnCode(%q) = %q, want %q", code, got, failure)
		}
	}
}

func TestReturnReasonsCoverTheCommonCodes(t *testing.T) {
	codes := []string{"R29", "R31"}
	for i := 1; i <= 20; i++ {
		codes = append(codes, fmt.Sprintf("R%02d", i))
	}
	for _, c := range codes {
		if returnReasons[c] == "" {
			t.Errorf("no reason text for %s", c)
		}
	}
	if got := returnReason("R16"); got != "Account Frozen/Entry Returned per OFAC Instruction" {
		t.Errorf("R16 reason %q", got)
	}
}
