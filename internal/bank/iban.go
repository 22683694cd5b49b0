package bank

import "regexp"

// ibanLengths is the length of an IBAN in each country of the SWIFT IBAN registry (89 countries
// as of 2025). Territories that use another country's prefix (Åland: FI; the
// French overseas territories: FR; Guernsey, Jersey, Isle of Man: GB) have no entry of their
// own because their IBANs start with that prefix. Countries that announce IBANs outside the
// registry are left out on purpose: their formats are not stable enough to reject typos by.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28,
	"BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28,
	"CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24,
	"FI": 18, "FK": 18, "FO": 18, "FR": 27,
	"GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HN": 28, "HR": 21, "HU": 28,
	"IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30,
	"KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30,
	"NI": 28, "NL": 18, "NO": 15,
	"OM": 23,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25,
	"QA": 29,
	"RO": 24, "RS": 22, "RU": 33,
	"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26,
	"UA": 29,
	"VA": 22, "VG": 24,
	"XK": 20,
	"YE": 30,
}

// bicPattern is ISO 9362: 4 letters of bank code, 2 of country, 2 alphanumerics of location,
// and an optional 3-alphanumeric branch.
var bicPattern = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)

func normalizeIBANDetails(d *Details) error {
	iban, err := normalizeIBAN(d.IBAN)
	if err != nil {
		return err
	}
	d.IBAN = iban
	d.Country = iban[:2]
	if d.BIC != "" {
		bic, err := normalizeBIC(d.BIC)
		if err != nil {
			return err
		}
		d.BIC = bic
	}
	return nil
}

// normalizeIBAN returns s in electronic format (no spaces, capitals) if it is a valid IBAN. The
// checks run from the coarsest to the finest so that the message names the most useful fix.
func normalizeIBAN(s string) (string, error) {
	iban := compactUpper(s)
	if iban == "" {
		return "", fieldError("iban", "IBAN is required")
	}
	for _, r := range iban {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return "", fieldError("iban", "IBAN may contain only letters and digits, not %q", r)
		}
	}
	if len(iban) < 2 || !isLetter(iban[0]) || !isLetter(iban[1]) {
		return "", fieldError("iban", "an IBAN starts with the two letters of its country, such as DE or FR")
	}
	cc := iban[:2]
	want, ok := ibanLengths[cc]
	switch {
	case !ok && cc == "US":
		return "", fieldError("iban", "US bank accounts have no IBAN: use type us_ach with the routing and account numbers")
	case !ok && isCountry(cc):
		return "", fieldError("iban", "%s does not use IBANs", cc)
	case !ok:
		return "", fieldError("iban", "an IBAN starts with the two letters of its country, and %s is not one", cc)
	case len(iban) != want:
		return "", fieldError("iban", "a %s IBAN has %d characters, this one has %d", cc, want, len(iban))
	case !isDigit(iban[2]) || !isDigit(iban[3]):
		return "", fieldError("iban", "the third and fourth characters of an IBAN are its check digits, and here they are not digits")
	}
	// ISO 13616 computes check digits as 98 - (n mod 97), so they are always 02 to 98. 00, 01
	// and 99 give the same remainders as 97, 98 and 02, and would otherwise pass mod-97.
	if cd := iban[2:4]; cd == "00" || cd == "01" || cd == "99" || ibanMod97(iban) != 1 {
		return "", fieldError("iban", "IBAN check digits are wrong: check for a typo")
	}
	return iban, nil
}

// ibanMod97 is the ISO 7064 MOD 97-10 remainder of an upper-case alphanumeric IBAN: the first
// four characters moved to the end, letters replaced by 10 to 35, read as one decimal number.
// That number has up to 70 digits, so the remainder is carried one character at a time instead
// of building it.
func ibanMod97(iban string) int {
	rem := 0
	for i := range len(iban) {
		c := iban[(i+4)%len(iban)]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return rem
}

func normalizeBIC(s string) (string, error) {
	bic := compactUpper(s)
	if !bicPattern.MatchString(bic) {
		return "", fieldError("bic", "a BIC has 8 or 11 characters: 4 letters for the bank, 2 for the country, 2 letters or digits for the location and an optional 3 for the branch, such as DEUTDEFF or DEUTDEFF500")
	}
	if cc := bic[4:6]; !isCountry(cc) {
		return "", fieldError("bic", "characters 5 and 6 of a BIC are its country code, and %s is not a country", cc)
	}
	return bic, nil
}

func isLetter(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
