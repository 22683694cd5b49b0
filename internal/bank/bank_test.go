package bank

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// registryExamples are the example IBANs of the SWIFT IBAN registry, one per country, in
// print format. They are real check-digit-valid IBANs published for testing.
var registryExamples = []string{
	"AD12 0001 2030 2003 5910 0100",
	"AE07 0331 2345 6789 0123 456",
	"AL47 2121 1009 0000 0002 3569 8741",
	"AT61 1904 3002 3457 3201",
	"AZ21 NABZ 0000 0000 1370 1000 1944",
	"BA39 1290 0794 0102 8494",
	"BE68 5390 0754 7034",
	"BG80 BNBG 9661 1020 3456 78",
	"BH67 BMAG 0000 1299 1234 56",
	"BI42 1000 0100 0100 0033 2045 181",
	"BR18 0036 0305 0000 1000 9795 493C 1",
	"BY13 NBRB 3600 9000 0000 2Z00 AB00",
	"CH93 0076 2011 6238 5295 7",
	"CR05 0152 0200 1026 2840 66",
	"CY17 0020 0128 0000 0012 0052 7600",
	"CZ65 0800 0000 1920 0014 5399",
	"DE89 3704 0044 0532 0130 00",
	"DK50 0040 0440 1162 43",
	"DO28 BAGR 0000 0001 2124 5361 1324",
	"EE38 2200 2210 2014 5685",
	"EG38 0019 0005 0000 0000 2631 8000 2",
	"ES91 2100 0418 4502 0005 1332",
	"FI21 1234 5600 0007 85",
	"FO62 6460 0001 6316 34",
	"FR14 2004 1010 0505 0001 3M02 606",
	"GB29 NWBK 6016 1331 9268 19",
	"GB82 WEST 1234 5698 7654 32",
	"GE29 NB00 0000 0101 9049 17",
	"GI75 NWBK 0000 0000 7099 453",
	"GL89 6471 0001 0002 06",
	"GR16 0110 1250 0000 0001 2300 695",
	"GT82 TRAJ 0102 0000 0012 1002 9690",
	"HR12 1001 0051 8630 0016 0",
	"HU42 1177 3016 1111 1018 0000 0000",
	"IE29 AIBK 9311 5212 3456 78",
	"IL62 0108 0000 0009 9999 999",
	"IQ98 NBIQ 8501 2345 6789 012",
	"IS14 0159 2600 7654 5510 7303 39",
	"IT60 X054 2811 1010 0000 0123 456",
	"JO94 CBJO 0010 0000 0000 0131 0003 02",
	"KW81 CBKU 0000 0000 0000 1234 5601 01",
	"KZ86 125K ZT50 0410 0100",
	"LB62 0999 0000 0001 0019 0122 9114",
	"LC55 HEMM 0001 0001 0012 0012 0002 3015",
	"LI21 0881 0000 2324 013A A",
	"LT12 1000 0111 0100 1000",
	"LU28 0019 4006 4475 0000",
	"LV80 BANK 0000 4351 9500 1",
	"MC58 1122 2000 0101 2345 6789 030",
	"MD24 AG00 0225 1000 1310 4168",
	"ME25 5050 0001 2345 6789 51",
	"MK07 2501 2000 0058 984",
	"MR13 0002 0001 0100 0012 3456 753",
	"MT84 MALT 0110 0001 2345 MTLC AST0 01S",
	"MU17 BOMM 0101 1010 3030 0200 000M UR",
	"NL91 ABNA 0417 1643 00",
	"NO93 8601 1117 947",
	"PK36 SCBL 0000 0011 2345 6702",
	"PL61 1090 1014 0000 0712 1981 2874",
	"PS92 PALS 0000 0000 0400 1234 5670 2",
	"PT50 0002 0123 1234 5678 9015 4",
	"QA58 DOHB 0000 1234 5678 90AB CDEF G",
	"RO49 AAAA 1B31 0075 9384 0000",
	"RS35 2600 0560 1001 6113 79",
	"SA03 8000 0000 6080 1016 7519",
	"SC18 SSCB 1101 0000 0000 0000 1497 USD",
	"SE45 5000 0000 0583 9825 7466",
	"SI56 2633 0001 2039 086",
	"SK31 1200 0000 1987 4263 7541",
	"SM86 U032 2509 8000 0000 0270 100",
	"ST23 0001 0001 0051 8453 1014 6",
	"SV62 CENR 0000 0000 0000 0070 0025",
	"TL38 0080 0123 4567 8910 157",
	"TN59 1000 6035 1835 9847 8831",
	"TR33 0006 1005 1978 6457 8413 26",
	"UA21 3223 1300 0002 6007 2335 6600 1",
	"VA59 0011 2300 0012 3456 78",
	"VG96 VPVG 0000 0123 4567 8901",
	"XK05 1212 0123 4567 8906",
	"DJ21 0001 0000 0001 5400 0100 186",
	"FK88 SC12 3456 7890 12",
	"LY83 0020 4800 0020 1001 2036 1",
	"MN12 1234 1234 5678 9123",
	"HN88 CABF 0000 0000 0002 5000 5469",
	"YE15 CBYE 0001 0188 6123 4567 8912 34",
	"NI45 BAPR 0000 0013 0000 0355 8124",
	"OM81 0180 0000 0129 9123 456",
	"RU02 0445 2560 0407 0281 0412 3456 7890 1",
	"SD21 2901 0501 2340 01",
	"SO21 1000 0010 0100 0100 141",
}

func ibanDetails(iban string) Details {
	return Details{Scheme: IBAN, HolderName: "Ada Lovelace", IBAN: iban}
}

func mustNormalize(t *testing.T, d Details) Details {
	t.Helper()
	n, err := Normalize(d)
	if err != nil {
		t.Fatalf("Normalize(%+v): %v", d, err)
	}
	return n
}

// bigMod97 is an independent oracle for the IBAN check: the whole rearranged number built
// with math/big.
func bigMod97(iban string) int64 {
	var digits strings.Builder
	for _, c := range iban[4:] + iban[:4] {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprint(&digits, int(c-'A')+10)
		} else {
			digits.WriteRune(c)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok {
		panic("not a number: " + digits.String())
	}
	return new(big.Int).Mod(n, big.NewInt(97)).Int64()
}

// withCheckDigits returns cc + check digits + bban, a valid IBAN when the length is right.
func withCheckDigits(cc, bban string) string {
	r := bigMod97(cc + "00" + bban)
	return fmt.Sprintf("%s%02d%s", cc, 98-r, bban)
}

func TestNormalizeRegistryExamples(t *testing.T) {
	seen := map[string]bool{}
	for _, ex := range registryExamples {
		t.Run(ex[:2], func(t *testing.T) {
			want := strings.ReplaceAll(ex, " ", "")
			got := mustNormalize(t, ibanDetails(ex))
			if got.IBAN != want || got.Country != ex[:2] || got.Currency != "EUR" {
				t.Fatalf("Normalize(%q) = IBAN %q country %q currency %q, want %q %q EUR", ex, got.IBAN, got.Country, got.Currency, want, ex[:2])
			}
			if bigMod97(got.IBAN) != 1 || ibanMod97(got.IBAN) != 1 {
				t.Fatalf("%s: mod 97 = %d (big) %d (piecewise), want 1", got.IBAN, bigMod97(got.IBAN), ibanMod97(got.IBAN))
			}
		})
		seen[ex[:2]] = true
	}
	// Every registry country has a real example above.
	for cc := range ibanLengths {
		if !seen[cc] {
			t.Errorf("no example IBAN for %s", cc)
		}
	}
}

func TestIBANLengthTable(t *testing.T) {
	if len(ibanLengths) != 89 {
		t.Errorf("registry has %d countries, want 89", len(ibanLengths))
	}
	for cc, want := range map[string]int{"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27, "BE": 16,
		"NO": 15, "MT": 31, "LC": 32, "RU": 33, "BR": 29, "CH": 21, "SE": 24, "PL": 28, "IE": 22} {
		if ibanLengths[cc] != want {
			t.Errorf("length of a %s IBAN = %d, want %d", cc, ibanLengths[cc], want)
		}
	}
	for cc, n := range ibanLengths {
		if !isCountry(cc) {
			t.Errorf("%s is not an ISO 3166 country", cc)
		}
		// A synthetic IBAN of exactly the registered length passes; one character fewer or
		// more fails with a message naming both lengths.
		bban := strings.Repeat("1234567890", 4)[:n-4]
		if _, err := Normalize(ibanDetails(withCheckDigits(cc, bban))); err != nil {
			t.Errorf("%s IBAN of length %d: %v", cc, n, err)
		}
		for _, b := range []string{bban[1:], bban + "1"} {
			iban := withCheckDigits(cc, b)
			wantMsg := fmt.Sprintf("a %s IBAN has %d characters, this one has %d", cc, n, len(iban))
			checkFieldError(t, ibanDetails(iban), "iban", wantMsg)
		}
	}
}

func TestNormalizeIBANFormatting(t *testing.T) {
	for _, in := range []string{
		"GB82WEST12345698765432",
		"gb82west12345698765432",
		"GB82 WEST 1234 5698 7654 32",
		"  gb82 West 1234\t5698 7654 32\n",
		"GB82\u00a0WEST\u00a01234\u00a05698\u00a07654\u00a032", // no-break spaces from a PDF
	} {
		d := ibanDetails(in)
		d.BIC = " west gb 22 "
		d.HolderName = "  Ada Lovelace \n"
		got := mustNormalize(t, d)
		want := Details{Scheme: IBAN, HolderName: "Ada Lovelace", Country: "GB", Currency: "EUR",
			IBAN: "GB82WEST12345698765432", BIC: "WESTGB22"}
		if got != want {
			t.Errorf("Normalize(%q) = %+v, want %+v", in, got, want)
		}
		if again := mustNormalize(t, got); again != got {
			t.Errorf("Normalize is not idempotent: %+v then %+v", got, again)
		}
	}
}

func TestNormalizeIBANCountryAndCurrency(t *testing.T) {
	d := ibanDetails("DE89370400440532013000")
	d.Country, d.Currency = "DE", "CHF"
	got := mustNormalize(t, d)
	if got.Country != "DE" || got.Currency != "CHF" {
		t.Errorf("given country and currency: got %q %q, want DE CHF", got.Country, got.Currency)
	}
	d.Country = "FR"
	checkFieldError(t, d, "country", `country must be DE for this IBAN, not "FR"`)
}

func TestNormalizeBIC(t *testing.T) {
	for in, want := range map[string]string{
		"DEUTDEFF":       "DEUTDEFF",
		"deutdeff500":    "DEUTDEFF500",
		"DEUT DE FF XXX": "DEUTDEFFXXX",
		"NWBKGB2L":       "NWBKGB2L",
		"BNPAFRPPXXX":    "BNPAFRPPXXX",
		"RNCBXKPR":       "RNCBXKPR", // Kosovo's XK is user-assigned in ISO 3166 but used by SWIFT
	} {
		d := ibanDetails("DE89370400440532013000")
		d.BIC = in
		if got := mustNormalize(t, d); got.BIC != want {
			t.Errorf("BIC %q normalised to %q, want %q", in, got.BIC, want)
		}
	}
}

func checkFieldError(t *testing.T, d Details, field, message string) {
	t.Helper()
	got, err := Normalize(d)
	if got != d {
		t.Errorf("Normalize(%+v) returned %+v with its error, want the input unchanged", d, got)
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("Normalize(%+v) error = %v, want a *FieldError on %s", d, err, field)
	}
	if fe.Field != field || !strings.Contains(fe.Message, message) {
		t.Fatalf("Normalize(%+v) = %s: %q, want %s: %q", d, fe.Field, fe.Message, field, message)
	}
	if fe.Error() != field+": "+fe.Message {
		t.Fatalf("Error() = %q", fe.Error())
	}
}

func ukDetails() Details {
	return Details{Scheme: UKSortCode, HolderName: "Ada Lovelace", SortCode: "12-34-56", AccountNumber: "12345678"}
}

func usDetails() Details {
	return Details{Scheme: USACH, HolderName: "Ada Lovelace", RoutingNumber: "021000021", AccountNumber: "000123456789", AccountType: Checking}
}

func TestNormalizeErrors(t *testing.T) {
	with := func(d Details, f func(*Details)) Details { f(&d); return d }
	de := ibanDetails("DE89370400440532013000")
	tests := []struct {
		name    string
		d       Details
		field   string
		message string
	}{
		{"no type", Details{HolderName: "A"}, "type", "type is required"},
		{"unknown type", Details{Scheme: "paypal", HolderName: "A"}, "type", `type "paypal" is not supported`},
		{"type in capitals", Details{Scheme: "IBAN", HolderName: "A"}, "type", "is not supported"},

		{"no holder", with(de, func(d *Details) { d.HolderName = "" }), "holder_name", "holder name is required"},
		{"blank holder", with(de, func(d *Details) { d.HolderName = " \t " }), "holder_name", "holder name is required"},
		{"holder too long", with(de, func(d *Details) { d.HolderName = strings.Repeat("é", 141) }), "holder_name", "holder name has 141 characters; the limit is 140"},
		{"holder newline", with(de, func(d *Details) { d.HolderName = "Ada\nLovelace" }), "holder_name", "control characters"},
		{"holder NUL", with(de, func(d *Details) { d.HolderName = "Ada\x00" }), "holder_name", "control characters"},
		{"holder DEL", with(de, func(d *Details) { d.HolderName = "Ada\x7f" }), "holder_name", "control characters"},
		{"holder line separator", with(de, func(d *Details) { d.HolderName = "Ada\u2028Lovelace" }), "holder_name", "line breaks"},
		{"holder bad UTF-8", with(de, func(d *Details) { d.HolderName = "Ada\xff" }), "holder_name", "not valid UTF-8"},

		{"no IBAN", ibanDetails(""), "iban", "IBAN is required"},
		{"IBAN of spaces", ibanDetails("   "), "iban", "IBAN is required"},
		{"IBAN punctuation", ibanDetails("DE89-3704-0044-0532-0130-00"), "iban", `IBAN may contain only letters and digits, not '-'`},
		{"IBAN non-ASCII", ibanDetails("DE89370400440532013000ſ"), "iban", "only letters and digits"},
		{"IBAN starts with digits", ibanDetails("8937040044053201300000"), "iban", "starts with the two letters of its country"},
		{"IBAN one letter", ibanDetails("D"), "iban", "starts with the two letters of its country"},
		{"IBAN not a country", ibanDetails("ZZ89370400440532013000"), "iban", "ZZ is not one"},
		{"IBAN country without IBANs", ibanDetails("CA89370400440532013000"), "iban", "CA does not use IBANs"},
		{"IBAN US", ibanDetails("US89370400440532013000"), "iban", "use type us_ach"},
		{"IBAN too short", ibanDetails("DE8937040044053201300"), "iban", "a DE IBAN has 22 characters, this one has 21"},
		{"IBAN too long", ibanDetails("DE893704004405320130000"), "iban", "a DE IBAN has 22 characters, this one has 23"},
		{"IBAN letters as check digits", ibanDetails("DEAB370400440532013000"), "iban", "check digits, and here they are not digits"},
		{"IBAN typo", ibanDetails("DE89370400440532013001"), "iban", "IBAN check digits are wrong: check for a typo"},
		{"IBAN swapped digits", ibanDetails("DE89370400440532010300"), "iban", "IBAN check digits are wrong"},
		{"IBAN wrong check digits", ibanDetails("GB83WEST12345698765432"), "iban", "IBAN check digits are wrong"},

		{"BIC too short", with(de, func(d *Details) { d.BIC = "DEUTDE" }), "bic", "a BIC has 8 or 11 characters"},
		{"BIC 9 characters", with(de, func(d *Details) { d.BIC = "DEUTDEFF5" }), "bic", "a BIC has 8 or 11 characters"},
		{"BIC digit in bank code", with(de, func(d *Details) { d.BIC = "DEU1DEFF" }), "bic", "a BIC has 8 or 11 characters"},
		{"BIC digit in country", with(de, func(d *Details) { d.BIC = "DEUTD1FF" }), "bic", "a BIC has 8 or 11 characters"},
		{"BIC punctuation", with(de, func(d *Details) { d.BIC = "DEUT-DE-FF" }), "bic", "a BIC has 8 or 11 characters"},
		{"BIC unknown country", with(de, func(d *Details) { d.BIC = "DEUTZZFF" }), "bic", "ZZ is not a country"},

		{"IBAN with sort code", with(de, func(d *Details) { d.SortCode = "123456" }), "sort_code", "a sort code is not part of IBAN account details"},
		{"IBAN with account type", with(de, func(d *Details) { d.AccountType = Checking }), "account_type", "leave account_type empty"},
		{"UK with IBAN", with(ukDetails(), func(d *Details) { d.IBAN = "GB82WEST12345698765432" }), "iban", "an IBAN is not part of UK sort code account details"},
		{"UK with BIC", with(ukDetails(), func(d *Details) { d.BIC = "WESTGB22" }), "bic", "not part of UK sort code"},
		{"US with sort code", with(usDetails(), func(d *Details) { d.SortCode = "123456" }), "sort_code", "not part of US ACH"},

		{"no sort code", with(ukDetails(), func(d *Details) { d.SortCode = "" }), "sort_code", "sort code is required"},
		{"sort code 5 digits", with(ukDetails(), func(d *Details) { d.SortCode = "12-34-5" }), "sort_code", "a sort code has 6 digits"},
		{"sort code 7 digits", with(ukDetails(), func(d *Details) { d.SortCode = "1234567" }), "sort_code", "a sort code has 6 digits"},
		{"sort code letters", with(ukDetails(), func(d *Details) { d.SortCode = "12-34-5a" }), "sort_code", "a sort code has 6 digits"},
		{"sort code dots", with(ukDetails(), func(d *Details) { d.SortCode = "12.34.56" }), "sort_code", "a sort code has 6 digits"},
		{"no UK account", with(ukDetails(), func(d *Details) { d.AccountNumber = "" }), "account_number", "account number is required"},
		{"UK account 7 digits", with(ukDetails(), func(d *Details) { d.AccountNumber = "1234567" }), "account_number", "a UK account number has 8 digits, this one has 7"},
		{"UK account 9 digits", with(ukDetails(), func(d *Details) { d.AccountNumber = "123456789" }), "account_number", "has 8 digits, this one has 9"},
		{"UK account letters", with(ukDetails(), func(d *Details) { d.AccountNumber = "1234567O" }), "account_number", "contains only digits"},
		{"UK country", with(ukDetails(), func(d *Details) { d.Country = "IE" }), "country", `country must be GB for UK sort code accounts, not "IE"`},
		{"UK currency", with(ukDetails(), func(d *Details) { d.Currency = "EUR" }), "currency", "UK sort code accounts are paid in GBP, not EUR"},

		{"no routing number", with(usDetails(), func(d *Details) { d.RoutingNumber = "" }), "routing_number", "routing number is required"},
		{"routing 8 digits", with(usDetails(), func(d *Details) { d.RoutingNumber = "02100002" }), "routing_number", "a routing number has 9 digits, this one has 8"},
		{"routing letters", with(usDetails(), func(d *Details) { d.RoutingNumber = "02100002I" }), "routing_number", "this one has characters other than digits"},
		{"routing check digit", with(usDetails(), func(d *Details) { d.RoutingNumber = "021000022" }), "routing_number", "routing number check digit is wrong"},
		{"routing transposed", with(usDetails(), func(d *Details) { d.RoutingNumber = "012000021" }), "routing_number", "check digit is wrong"},
		{"routing zeros", with(usDetails(), func(d *Details) { d.RoutingNumber = "000000000" }), "routing_number", "starts with 01 to 12"},
		{"routing traveller's cheques", with(usDetails(), func(d *Details) { d.RoutingNumber = "800000008" }), "routing_number", "starts with 01 to 12"},
		{"no US account", with(usDetails(), func(d *Details) { d.AccountNumber = "" }), "account_number", "account number is required"},
		{"US account 3 digits", with(usDetails(), func(d *Details) { d.AccountNumber = "123" }), "account_number", "a US account number has 4 to 17 digits, this one has 3"},
		{"US account 18 digits", with(usDetails(), func(d *Details) { d.AccountNumber = "123456789012345678" }), "account_number", "has 4 to 17 digits, this one has 18"},
		{"US account letters", with(usDetails(), func(d *Details) { d.AccountNumber = "12345A" }), "account_number", "contains only digits"},
		{"no account type", with(usDetails(), func(d *Details) { d.AccountType = "" }), "account_type", "account type is required"},
		{"account type", with(usDetails(), func(d *Details) { d.AccountType = "business" }), "account_type", "checking or savings"},
		{"US country", with(usDetails(), func(d *Details) { d.Country = "CA" }), "country", "country must be US"},
		{"US currency", with(usDetails(), func(d *Details) { d.Currency = "CAD" }), "currency", "US ACH accounts are paid in USD, not CAD"},

		{"currency lower case", with(de, func(d *Details) { d.Currency = "eur" }), "currency", "ISO 4217 code in capitals"},
		{"currency unknown", with(de, func(d *Details) { d.Currency = "ABC" }), "currency", "ISO 4217 code in capitals"},
		{"currency too long", with(de, func(d *Details) { d.Currency = "EURO" }), "currency", "ISO 4217 code in capitals"},
		{"country lower case", with(de, func(d *Details) { d.Country = "de" }), "country", "country must be DE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkFieldError(t, tt.d, tt.field, tt.message) })
	}
}

// Check digits 00, 01 and 99 are never issued (ISO 13616 gives 02 to 98) but an IBAN whose
// real check digits are 97, 98 or 02 still passes mod 97 with them.
func TestNormalizeRejectsUnissuedCheckDigits(t *testing.T) {
	alias := map[string]string{"97": "00", "98": "01", "02": "99"}
	found := map[string]bool{}
	for n := 0; len(found) < len(alias); n++ {
		bban := fmt.Sprintf("37040044%010d", n)
		valid := withCheckDigits("DE", bban)
		bad, ok := alias[valid[2:4]]
		if !ok || found[bad] {
			continue
		}
		found[bad] = true
		iban := "DE" + bad + bban
		if bigMod97(iban) != 1 {
			t.Fatalf("%s does not pass mod 97, so it tests nothing", iban)
		}
		mustNormalize(t, ibanDetails(valid))
		checkFieldError(t, ibanDetails(iban), "iban", "IBAN check digits are wrong: check for a typo")
	}
}

func TestNormalizeUK(t *testing.T) {
	for _, sc := range []string{"12-34-56", "12 34 56", "123456", " 12-34-56 "} {
		d := ukDetails()
		d.SortCode, d.AccountNumber = sc, "1234 5678"
		got := mustNormalize(t, d)
		want := Details{Scheme: UKSortCode, HolderName: "Ada Lovelace", Country: "GB", Currency: "GBP", SortCode: "123456", AccountNumber: "12345678"}
		if got != want {
			t.Errorf("sort code %q: got %+v, want %+v", sc, got, want)
		}
	}
	d := ukDetails()
	d.Country, d.Currency = "GB", "GBP"
	mustNormalize(t, d)
}

func TestNormalizeUS(t *testing.T) {
	for _, rn := range []string{"011000015", "021000021", "026009593", "121000358", "322271627", "061000104"} {
		d := usDetails()
		d.RoutingNumber = rn
		got := mustNormalize(t, d)
		if got.RoutingNumber != rn || got.Country != "US" || got.Currency != "USD" {
			t.Errorf("routing %s: got %+v", rn, got)
		}
	}
	for _, acct := range []string{"1234", "12345678901234567", "0001"} {
		d := usDetails()
		d.AccountNumber, d.AccountType = acct, Savings
		if got := mustNormalize(t, d); got.AccountNumber != acct || got.AccountType != Savings {
			t.Errorf("account %s: got %+v", acct, got)
		}
	}
	d := usDetails()
	d.RoutingNumber, d.AccountNumber = " 021-000-021 ", "0001 2345-6789"
	got := mustNormalize(t, d)
	if got.RoutingNumber != "021000021" || got.AccountNumber != "000123456789" {
		t.Errorf("separators kept: %+v", got)
	}
}

func TestABAChecksumMatchesDefinition(t *testing.T) {
	// Every single-digit change of a valid routing number breaks the check (weights 3, 7 and 1
	// are coprime to 10), so the check catches any one mistyped digit.
	for _, rn := range []string{"011000015", "021000021", "026009593", "121000358"} {
		if !abaChecksumOK(rn) {
			t.Fatalf("%s rejected", rn)
		}
		for i := range 9 {
			for dgt := byte('0'); dgt <= '9'; dgt++ {
				if dgt == rn[i] {
					continue
				}
				typo := rn[:i] + string(dgt) + rn[i+1:]
				if abaChecksumOK(typo) {
					t.Errorf("%s (typo of %s) accepted", typo, rn)
				}
			}
		}
	}
}

func TestHolderName(t *testing.T) {
	d := ibanDetails("DE89370400440532013000")
	// Decomposed é (e + combining acute) becomes the single code point.
	d.HolderName = "  Zoe\u0301 Ørsted-Łukasz 山田 \u200c "
	got := mustNormalize(t, d)
	if got.HolderName != "Zo\u00e9 Ørsted-Łukasz 山田 \u200c" {
		t.Errorf("holder name = %q", got.HolderName)
	}
	d.HolderName = strings.Repeat("é", 140)
	if got := mustNormalize(t, d); got.HolderName != d.HolderName {
		t.Errorf("140-character name changed")
	}
}

func validExamples() []Details {
	out := []Details{ukDetails(), usDetails()}
	for _, rn := range []string{"011000015", "026009593", "121000358"} {
		d := usDetails()
		d.RoutingNumber, d.AccountNumber = rn, "1234"
		out = append(out, d)
	}
	for _, ex := range registryExamples {
		out = append(out, ibanDetails(ex))
	}
	return out
}

func TestMaskNeverShowsTheNumber(t *testing.T) {
	for _, in := range validExamples() {
		d := mustNormalize(t, in)
		m := Mask(d)
		secret := d.IBAN + d.AccountNumber
		if secret == "" {
			t.Fatalf("%+v has no secret number", d)
		}
		for _, shown := range []string{fmt.Sprintf("%+v", m), fmt.Sprintf("%#v", m)} {
			if strings.Contains(shown, secret) {
				t.Errorf("Mask(%+v) = %s shows %s", d, shown, secret)
			}
		}
		if len(m.Last4) > 4 || len(m.Last4) > len(secret)/2 || !strings.HasSuffix(secret, m.Last4) {
			t.Errorf("Last4 = %q for %s", m.Last4, secret)
		}
		if m.Scheme != d.Scheme || m.HolderName != d.HolderName || m.Country != d.Country || m.Currency != d.Currency || m.AccountType != d.AccountType {
			t.Errorf("Mask(%+v) = %+v", d, m)
		}
	}
}

func TestMask(t *testing.T) {
	d := ibanDetails("GB82 WEST 1234 5698 7654 32")
	d.BIC = "WESTGB22"
	tests := []struct {
		d    Details
		want Masked
	}{
		{d, Masked{Scheme: IBAN, HolderName: "Ada Lovelace", Country: "GB", Currency: "EUR", Last4: "5432", BankCode: "WESTGB22"}},
		{ibanDetails("NO9386011117947"), Masked{Scheme: IBAN, HolderName: "Ada Lovelace", Country: "NO", Currency: "EUR", Last4: "7947"}},
		{ukDetails(), Masked{Scheme: UKSortCode, HolderName: "Ada Lovelace", Country: "GB", Currency: "GBP", Last4: "5678", BankCode: "123456"}},
		{usDetails(), Masked{Scheme: USACH, HolderName: "Ada Lovelace", Country: "US", Currency: "USD", Last4: "6789", BankCode: "021000021", AccountType: Checking}},
	}
	for _, tt := range tests {
		if got := Mask(mustNormalize(t, tt.d)); got != tt.want {
			t.Errorf("Mask(%+v) = %+v, want %+v", tt.d, got, tt.want)
		}
	}
	// Short account numbers show at most half their digits.
	for acct, want := range map[string]string{"1234": "34", "12345": "45", "123456": "456", "1234567": "567", "12345678": "5678"} {
		d := usDetails()
		d.AccountNumber = acct
		if got := Mask(mustNormalize(t, d)).Last4; got != want {
			t.Errorf("Last4 of %s = %q, want %q", acct, got, want)
		}
	}
	if got := Mask(Details{Scheme: "paypal", IBAN: "x"}); got.Last4 != "" || got.BankCode != "" {
		t.Errorf("unknown scheme masked to %+v", got)
	}
}

func TestFingerprint(t *testing.T) {
	de := mustNormalize(t, ibanDetails("DE89370400440532013000"))
	fp := Fingerprint(de)
	// The encoding must not change: stored fingerprints would stop matching new ones and
	// duplicates would go unnoticed.
	// sha256("15:payport.bank.v1" "4:iban" "22:DE89370400440532013000")
	const golden = "e4b58f483371bf220e8efb4bd8d2035862e72d1900e86d18cbcc60c2540023b5"
	if fp != golden {
		t.Fatalf("Fingerprint = %s, want %s", fp, golden)
	}
	if len(fp) != 64 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Fatalf("Fingerprint = %q, want 64 hex digits", fp)
	}

	// Same account, different presentation or non-identifying fields: same fingerprint.
	same := []Details{
		ibanDetails("de89 3704 0044 0532 0130 00"),
		{Scheme: IBAN, HolderName: "A. Lovelace", Country: "DE", Currency: "USD", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"},
	}
	for _, d := range same {
		if got := Fingerprint(d); got != fp {
			t.Errorf("Fingerprint(%+v) = %s, want %s", d, got, fp)
		}
	}
	us := mustNormalize(t, usDetails())
	usSavings := usDetails()
	usSavings.AccountType, usSavings.RoutingNumber, usSavings.AccountNumber = Savings, "021-000-021", "0001 2345 6789"
	if Fingerprint(us) != Fingerprint(usSavings) {
		t.Error("account type or separators change a US fingerprint")
	}
	uk := mustNormalize(t, ukDetails())
	if Fingerprint(uk) != Fingerprint(ukDetails()) {
		t.Error("sort code hyphens change a UK fingerprint")
	}

	// Different accounts: different fingerprints, including across schemes with the same digits.
	seen := map[string]Details{}
	all := append(validExamples(),
		Details{Scheme: UKSortCode, SortCode: "123456", AccountNumber: "12345679"},
		Details{Scheme: UKSortCode, SortCode: "123457", AccountNumber: "12345678"},
		Details{Scheme: USACH, RoutingNumber: "021000021", AccountNumber: "000123456788"},
		// Length prefixes keep the boundary between fields.
		Details{Scheme: USACH, RoutingNumber: "02100002", AccountNumber: "1000123456789"},
		Details{Scheme: "paypal", IBAN: "a"},
		Details{Scheme: "paypal", BIC: "a"},
	)
	for _, d := range all {
		f := Fingerprint(d)
		if prev, dup := seen[f]; dup {
			t.Errorf("%+v and %+v share fingerprint %s", prev, d, f)
		}
		seen[f] = d
	}
}

func FuzzNormalizeIBAN(f *testing.F) {
	for _, ex := range registryExamples {
		f.Add(ex, "")
	}
	for _, s := range []string{"", " ", "DE", "DE89", "gb82west12345698765432", "DE00370400440532013000",
		"DE99370400440532013000", "ZZ00", "\xff\xfe", "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000",
		"DE89370400440532013000ſ", "ſE89370400440532013000", "DE8937040044053201300\u212a"} {
		f.Add(s, "DEUTDEFF")
	}
	f.Fuzz(func(t *testing.T, iban, bic string) {
		d := Details{Scheme: IBAN, HolderName: "Ada", IBAN: iban, BIC: bic}
		got, err := Normalize(d)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || (fe.Field != "iban" && fe.Field != "bic") || fe.Message == "" {
				t.Fatalf("Normalize(%q, %q) error %v is not a FieldError on iban or bic", iban, bic, err)
			}
			return
		}
		n := got.IBAN
		if len(n) != ibanLengths[n[:2]] || got.Country != n[:2] {
			t.Fatalf("accepted %q as %q: length %d, country %q", iban, n, len(n), got.Country)
		}
		for i := 0; i < len(n); i++ {
			if !isLetter(n[i]) && !isDigit(n[i]) {
				t.Fatalf("accepted %q as %q with character %q", iban, n, n[i])
			}
		}
		if bigMod97(n) != 1 {
			t.Fatalf("accepted %q as %q, which fails mod 97", iban, n)
		}
		if cd := n[2:4]; cd == "00" || cd == "01" || cd == "99" {
			t.Fatalf("accepted check digits %s in %q", cd, n)
		}
		if again, err := Normalize(got); err != nil || again != got {
			t.Fatalf("Normalize(%+v) = %+v, %v: not a fixed point", got, again, err)
		}
		if bic != "" && !bicPattern.MatchString(got.BIC) {
			t.Fatalf("accepted BIC %q as %q", bic, got.BIC)
		}
		if m := Mask(got); strings.Contains(fmt.Sprintf("%+v", m), n) {
			t.Fatalf("Mask shows %s", n)
		}
	})
}
