package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

var (
	jpy = MustCurrency("JPY")
	eur = MustCurrency("EUR")
	usd = MustCurrency("USD")
	bhd = MustCurrency("BHD")
	clf = MustCurrency("CLF") // 4 digits
)

// errCode returns the Code of err, "" for nil, and fails the test if err
// is not an *Error.
func errCode(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var merr *Error
	if !errors.As(err, &merr) {
		t.Fatalf("error %v (%T) is not a *money.Error", err, err)
	}
	if merr.Message == "" || merr.Error() != merr.Message {
		t.Fatalf("error %#v has a bad message", merr)
	}
	return merr.Code
}

func TestLookupCurrency(t *testing.T) {
	tests := []struct {
		code   string
		digits int
		err    string
	}{
		{"JPY", 0, ""},
		{"EUR", 2, ""},
		{"USD", 2, ""},
		{"BHD", 3, ""},
		{"KWD", 3, ""},
		{"CLF", 4, ""},
		{"", 0, CodeInvalidCurrencyCode},
		{"eur", 0, CodeInvalidCurrencyCode},
		{"Eur", 0, CodeInvalidCurrencyCode},
		{"EU", 0, CodeInvalidCurrencyCode},
		{"EURO", 0, CodeInvalidCurrencyCode},
		{" EUR", 0, CodeInvalidCurrencyCode},
		{"EUR ", 0, CodeInvalidCurrencyCode},
		{"E1R", 0, CodeInvalidCurrencyCode},
		{"ÉUR", 0, CodeInvalidCurrencyCode},
		{"ABC", 0, CodeUnknownCurrency},
		{"ZZZ", 0, CodeUnknownCurrency},
		{"BTC", 0, CodeUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c, err := LookupCurrency(tt.code)
			if got := errCode(t, err); got != tt.err {
				t.Fatalf("LookupCurrency(%q) error code = %q (%v), want %q", tt.code, got, err, tt.err)
			}
			if err != nil {
				if c != (Currency{}) {
					t.Errorf("LookupCurrency(%q) returned non-zero Currency %#v with error", tt.code, c)
				}
				return
			}
			if c.Code() != tt.code || c.String() != tt.code || c.Digits() != tt.digits {
				t.Errorf("LookupCurrency(%q) = %q/%q/%d, want digits %d", tt.code, c.Code(), c.String(), c.Digits(), tt.digits)
			}
			if c != MustCurrency(tt.code) {
				t.Errorf("Currency values for %q are not comparable-equal", tt.code)
			}
		})
	}
}

func TestLookupCurrencyLongCodeMessageTruncated(t *testing.T) {
	_, err := LookupCurrency(strings.Repeat("X", 10000))
	if errCode(t, err) != CodeInvalidCurrencyCode || len(err.Error()) > 200 {
		t.Fatalf("unexpected error for long code: %v", err)
	}
}

func TestMustCurrencyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MustCurrency(\"XYZ\") did not panic")
		}
	}()
	MustCurrency("XYZ")
}

type parseCase struct {
	in   string
	c    Currency
	want int64
	err  string
}

func TestParseDecimal(t *testing.T) {
	tests := []parseCase{
		// Valid.
		{"10.00", eur, 1000, ""},
		{"10", eur, 1000, ""},
		{"10.5", eur, 1050, ""},
		{"0.01", eur, 1, ""},
		{"0.50", eur, 50, ""},
		{"0", eur, 0, ""},
		{"0.0", eur, 0, ""},
		{"0.00", eur, 0, ""},
		{"1234567.89", usd, 123456789, ""},
		{"1000", jpy, 1000, ""},
		{"0", jpy, 0, ""},
		{"1.234", bhd, 1234, ""},
		{"1.2", bhd, 1200, ""},
		{"0.001", bhd, 1, ""},
		{"12.3456", clf, 123456, ""},

		// MaxInt64 boundaries.
		{"92233720368547758.07", eur, math.MaxInt64, ""},
		{"92233720368547758.08", eur, 0, CodeOverflow},
		{"92233720368547758.1", eur, 0, CodeOverflow},
		{"92233720368547759", eur, 0, CodeOverflow},
		{"100000000000000000", eur, 0, CodeOverflow},
		{"92233720368547758.07", usd, math.MaxInt64, ""},
		{"9223372036854775807", jpy, math.MaxInt64, ""},
		{"9223372036854775808", jpy, 0, CodeOverflow},
		{"18446744073709551615", jpy, 0, CodeOverflow},
		{"18446744073709551616", jpy, 0, CodeOverflow},
		{"99999999999999999999999999999999", jpy, 0, CodeOverflow},
		{"9223372036854775.807", bhd, math.MaxInt64, ""},
		{"9223372036854775.808", bhd, 0, CodeOverflow},
		{"9223372036854776", bhd, 0, CodeOverflow},
		{"922337203685477.5807", clf, math.MaxInt64, ""},
		{"922337203685477.5808", clf, 0, CodeOverflow},

		// Too many decimals, by spelling.
		{"10.001", eur, 0, CodeTooManyDecimals},
		{"10.000", eur, 0, CodeTooManyDecimals},
		{"1.5", jpy, 0, CodeTooManyDecimals},
		{"1.0", jpy, 0, CodeTooManyDecimals},
		{"1.2345", bhd, 0, CodeTooManyDecimals},
		{"0.001", usd, 0, CodeTooManyDecimals},

		// Negative.
		{"-1", eur, 0, CodeNegative},
		{"-0.01", eur, 0, CodeNegative},
		{"-0", eur, 0, CodeNegative},
		{"-0.00", eur, 0, CodeNegative},
		{"-10.001", eur, 0, CodeNegative},
		{"-92233720368547758.08", eur, 0, CodeNegative},

		// Format.
		{"", eur, 0, CodeInvalidFormat},
		{"-", eur, 0, CodeInvalidFormat},
		{"+1", eur, 0, CodeInvalidFormat},
		{"+0.50", eur, 0, CodeInvalidFormat},
		{" 1", eur, 0, CodeInvalidFormat},
		{"1 ", eur, 0, CodeInvalidFormat},
		{"1 000", eur, 0, CodeInvalidFormat},
		{"1\t", eur, 0, CodeInvalidFormat},
		{"1\u00a0000", eur, 0, CodeInvalidFormat},
		{"1,00", eur, 0, CodeInvalidFormat},
		{"1,000.00", eur, 0, CodeInvalidFormat},
		{"1e2", eur, 0, CodeInvalidFormat},
		{"1E2", eur, 0, CodeInvalidFormat},
		{"1.5e1", eur, 0, CodeInvalidFormat},
		{"10.", eur, 0, CodeInvalidFormat},
		{".5", eur, 0, CodeInvalidFormat},
		{"-.5", eur, 0, CodeInvalidFormat},
		{".", eur, 0, CodeInvalidFormat},
		{"007", eur, 0, CodeInvalidFormat},
		{"00", eur, 0, CodeInvalidFormat},
		{"00.5", eur, 0, CodeInvalidFormat},
		{"01.50", eur, 0, CodeInvalidFormat},
		{"1.2.3", eur, 0, CodeInvalidFormat},
		{"1..2", eur, 0, CodeInvalidFormat},
		{"abc", eur, 0, CodeInvalidFormat},
		{"10 EUR", eur, 0, CodeInvalidFormat},
		{"€10", eur, 0, CodeInvalidFormat},
		{"0x10", eur, 0, CodeInvalidFormat},
		{"1_000", eur, 0, CodeInvalidFormat},
		{"--1", eur, 0, CodeInvalidFormat},
		{"1-", eur, 0, CodeInvalidFormat},
		{"NaN", eur, 0, CodeInvalidFormat},
		{"Inf", eur, 0, CodeInvalidFormat},
		{"\xff", eur, 0, CodeInvalidFormat},
		{"١٢", eur, 0, CodeInvalidFormat}, // Arabic-Indic digits.
		// Syntax errors win over overflow and decimals.
		{"99999999999999999999x", eur, 0, CodeInvalidFormat},
		{"1.001x", eur, 0, CodeInvalidFormat},

		// Unset currency.
		{"1", Currency{}, 0, CodeUnknownCurrency},
	}
	runParseCases(t, "ParseDecimal", ParseDecimal, tests)
}

func TestParseSignedDecimal(t *testing.T) {
	tests := []parseCase{
		{"10.00", eur, 1000, ""},
		{"-3.50", eur, -350, ""},
		{"-3.5", eur, -350, ""},
		{"-0.01", eur, -1, ""},
		{"-0", eur, 0, ""},
		{"-0.00", eur, 0, ""},
		{"-0", jpy, 0, ""},
		{"-1000", jpy, -1000, ""},
		{"-1.234", bhd, -1234, ""},
		{"-92233720368547758.07", eur, -math.MaxInt64, ""},
		{"-92233720368547758.08", eur, math.MinInt64, ""},
		{"-92233720368547758.09", eur, 0, CodeOverflow},
		{"-92233720368547759", eur, 0, CodeOverflow},
		{"92233720368547758.08", eur, 0, CodeOverflow},
		{"-9223372036854775808", jpy, math.MinInt64, ""},
		{"-9223372036854775809", jpy, 0, CodeOverflow},
		{"-9223372036854775.808", bhd, math.MinInt64, ""},
		{"-9223372036854775.809", bhd, 0, CodeOverflow},
		{"-10.001", eur, 0, CodeTooManyDecimals},
		{"-1.5", jpy, 0, CodeTooManyDecimals},
		{"-", eur, 0, CodeInvalidFormat},
		{"--1", eur, 0, CodeInvalidFormat},
		{"- 1", eur, 0, CodeInvalidFormat},
		{"-.5", eur, 0, CodeInvalidFormat},
		{"-5.", eur, 0, CodeInvalidFormat},
		{"-007", eur, 0, CodeInvalidFormat},
		{"+1", eur, 0, CodeInvalidFormat},
		{"-1e2", eur, 0, CodeInvalidFormat},
		{"-1", Currency{}, 0, CodeUnknownCurrency},
	}
	runParseCases(t, "ParseSignedDecimal", ParseSignedDecimal, tests)
}

func TestParseJSONNumber(t *testing.T) {
	tests := []parseCase{
		{"12.5", eur, 1250, ""},
		{"12", eur, 1200, ""},
		{"0", eur, 0, ""},
		{"0.0", eur, 0, ""},
		{"1e2", eur, 10000, ""},
		{"1E2", eur, 10000, ""},
		{"1e+2", eur, 10000, ""},
		{"1.5e1", eur, 1500, ""},
		{"1.50E+1", eur, 1500, ""},
		{"15.000", eur, 1500, ""}, // Judged by value, not spelling.
		{"1250e-2", eur, 1250, ""},
		{"1e-2", eur, 1, ""},
		{"0.01", eur, 1, ""},
		{"100e-4", eur, 1, ""},
		{"0.0100", eur, 1, ""},
		{"0e-999", eur, 0, ""},
		{"0e999", eur, 0, ""},
		{"0.000e99999999999999999999", eur, 0, ""},
		{"1e-3", eur, 0, CodeTooManyDecimals},
		{"0.001", eur, 0, CodeTooManyDecimals},
		{"1.001", eur, 0, CodeTooManyDecimals},
		{"1e-99999999999999999999", eur, 0, CodeTooManyDecimals},
		{"1000", jpy, 1000, ""},
		{"1e3", jpy, 1000, ""},
		{"100.0", jpy, 100, ""},
		{"1.5", jpy, 0, CodeTooManyDecimals},
		{"15e-1", jpy, 0, CodeTooManyDecimals},
		{"1.234", bhd, 1234, ""},
		{"1234e-3", bhd, 1234, ""},
		{"1.2345", bhd, 0, CodeTooManyDecimals},
		{"1.234e1", usd, 1234, ""},

		// Boundaries.
		{"92233720368547758.07", eur, math.MaxInt64, ""},
		{"9223372036854775807e-2", eur, math.MaxInt64, ""},
		{"9.223372036854775807e16", eur, math.MaxInt64, ""},
		{"92233720368547758.070000", eur, math.MaxInt64, ""},
		{"92233720368547758.08", eur, 0, CodeOverflow},
		{"9223372036854775808e-2", eur, 0, CodeOverflow},
		{"9223372036854775807", jpy, math.MaxInt64, ""},
		{"9223372036854775808", jpy, 0, CodeOverflow},
		{"1e17", eur, 0, CodeOverflow},
		{"1e16", eur, 1e18, ""},
		{"9e16", eur, 9e18, ""},
		{"1e18", jpy, 1e18, ""},
		{"1e19", jpy, 0, CodeOverflow},
		{"1e999", eur, 0, CodeOverflow},
		{"1e99999999999999999999", eur, 0, CodeOverflow},
		{"123456789012345678901234567890", eur, 0, CodeOverflow},
		{"0.0000000000000000000000000000001e31", eur, 100, ""},

		// Negative.
		{"-1", eur, 0, CodeNegative},
		{"-0", eur, 0, CodeNegative},
		{"-1e-9", eur, 0, CodeNegative},

		// Not a number / bad syntax.
		{`"12.50"`, eur, 0, CodeInvalidFormat},
		{`"12`, eur, 0, CodeInvalidFormat},
		{"true", eur, 0, CodeInvalidFormat},
		{"false", eur, 0, CodeInvalidFormat},
		{"null", eur, 0, CodeInvalidFormat},
		{"{}", eur, 0, CodeInvalidFormat},
		{"[1]", eur, 0, CodeInvalidFormat},
		{"", eur, 0, CodeInvalidFormat},
		{" 1", eur, 0, CodeInvalidFormat},
		{"1 ", eur, 0, CodeInvalidFormat},
		{"+1", eur, 0, CodeInvalidFormat},
		{"01", eur, 0, CodeInvalidFormat},
		{"1.", eur, 0, CodeInvalidFormat},
		{".5", eur, 0, CodeInvalidFormat},
		{"1e", eur, 0, CodeInvalidFormat},
		{"1e+", eur, 0, CodeInvalidFormat},
		{"1.e2", eur, 0, CodeInvalidFormat},
		{"1,5", eur, 0, CodeInvalidFormat},
		{"-", eur, 0, CodeInvalidFormat},
		{"NaN", eur, 0, CodeInvalidFormat},
		{"Infinity", eur, 0, CodeInvalidFormat},
		{"0x10", eur, 0, CodeInvalidFormat},
		{"1e2.5", eur, 0, CodeInvalidFormat},

		{"1", Currency{}, 0, CodeUnknownCurrency},
	}
	runParseCases(t, "ParseJSONNumber", func(s string, c Currency) (int64, error) {
		return ParseJSONNumber([]byte(s), c)
	}, tests)
}

func runParseCases(t *testing.T, name string, parse func(string, Currency) (int64, error), tests []parseCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%q", tt.c, tt.in), func(t *testing.T) {
			got, err := parse(tt.in, tt.c)
			if code := errCode(t, err); code != tt.err {
				t.Fatalf("%s(%q, %s) error code = %q (%v), want %q", name, tt.in, tt.c, code, err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("%s(%q, %s) = %d, want %d", name, tt.in, tt.c, got, tt.want)
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{second(ParseDecimal("10.001", eur)), "amount has 3 decimal places but EUR allows at most 2"},
		{second(ParseDecimal("1.5", jpy)), "amount has 1 decimal place but JPY does not allow decimal places"},
		{second(ParseJSONNumber([]byte("1e-3"), eur)), "amount has 3 decimal places but EUR allows at most 2"},
		{second(ParseDecimal("92233720368547758.08", eur)), "amount is too large: the maximum for EUR is 92233720368547758.07"},
		{second(ParseSignedDecimal("-92233720368547758.09", eur)), "amount is too small: the minimum for EUR is -92233720368547758.08"},
		{second(ParseDecimal("-1", eur)), "amount must not be negative"},
		{second(ParseDecimal("1,000", eur)), "amount must use '.' as the decimal separator and must not contain ',' or other separators"},
		{second(ParseDecimal("10.", eur)), "amount must have a digit after the decimal point"},
		{second(ParseJSONNumber([]byte("null"), eur)), "amount must be a JSON number, not null"},
		{second(LookupCurrency("eur")), `currency code "eur" is invalid: it must be three capital letters such as EUR`},
		{second(LookupCurrency("ABC")), "currency code ABC is not a known ISO 4217 currency"},
		{RequirePositive(0), "amount must be greater than zero"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("got error %v, want %q", tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestErrorsAsWrapped(t *testing.T) {
	_, err := ParseDecimal("1.001", eur)
	wrapped := fmt.Errorf("payout amount: %w", err)
	var merr *Error
	if !errors.As(wrapped, &merr) || merr.Code != CodeTooManyDecimals {
		t.Fatalf("errors.As on wrapped error failed: %v", wrapped)
	}
}

func TestRequirePositive(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{1, ""},
		{math.MaxInt64, ""},
		{0, CodeZero},
		{-1, CodeNegative},
		{math.MinInt64, CodeNegative},
	}
	for _, tt := range tests {
		if got := errCode(t, RequirePositive(tt.in)); got != tt.want {
			t.Errorf("RequirePositive(%d) code = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		minor int64
		c     Currency
		want  string
	}{
		{1000, eur, "10.00"},
		{-350, eur, "-3.50"},
		{0, eur, "0.00"},
		{1, eur, "0.01"},
		{-1, eur, "-0.01"},
		{10, eur, "0.10"},
		{100, eur, "1.00"},
		{1000, jpy, "1000"},
		{0, jpy, "0"},
		{-5, jpy, "-5"},
		{1234, bhd, "1.234"},
		{1, bhd, "0.001"},
		{-12, bhd, "-0.012"},
		{5, clf, "0.0005"},
		{math.MaxInt64, eur, "92233720368547758.07"},
		{math.MinInt64, eur, "-92233720368547758.08"},
		{math.MinInt64 + 1, eur, "-92233720368547758.07"},
		{math.MaxInt64, jpy, "9223372036854775807"},
		{math.MinInt64, jpy, "-9223372036854775808"},
		{math.MinInt64, bhd, "-9223372036854775.808"},
		{42, Currency{}, "42"},
	}
	for _, tt := range tests {
		if got := Format(tt.minor, tt.c); got != tt.want {
			t.Errorf("Format(%d, %s) = %q, want %q", tt.minor, tt.c, got, tt.want)
		}
	}
}

// TestRoundTrip checks Format(ParseDecimal(x)) == x for canonical inputs
// and that non-canonical spellings normalise as expected.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		in   string
		c    Currency
		want string
	}{
		{"10.00", eur, "10.00"},
		{"10", eur, "10.00"},
		{"10.5", eur, "10.50"},
		{"0.01", eur, "0.01"},
		{"0", eur, "0.00"},
		{"-0", eur, "0.00"},
		{"-0.00", eur, "0.00"},
		{"-3.5", eur, "-3.50"},
		{"1000", jpy, "1000"},
		{"-1000", jpy, "-1000"},
		{"1.234", bhd, "1.234"},
		{"1.2", bhd, "1.200"},
		{"99.99", usd, "99.99"},
		{"92233720368547758.07", eur, "92233720368547758.07"},
		{"-92233720368547758.08", eur, "-92233720368547758.08"},
		{"9223372036854775807", jpy, "9223372036854775807"},
		{"-9223372036854775808", jpy, "-9223372036854775808"},
	}
	for _, tt := range tests {
		v, err := ParseSignedDecimal(tt.in, tt.c)
		if err != nil {
			t.Fatalf("ParseSignedDecimal(%q, %s): %v", tt.in, tt.c, err)
		}
		if got := Format(v, tt.c); got != tt.want {
			t.Errorf("Format(ParseSignedDecimal(%q, %s)) = %q, want %q", tt.in, tt.c, got, tt.want)
		}
		if v >= 0 && !strings.HasPrefix(tt.in, "-") {
			u, err := ParseDecimal(tt.in, tt.c)
			if err != nil || u != v {
				t.Errorf("ParseDecimal(%q, %s) = %d, %v; want %d", tt.in, tt.c, u, err, v)
			}
		}
		j, err := ParseJSONNumber([]byte(tt.want), tt.c)
		if v >= 0 && (err != nil || j != v) {
			t.Errorf("ParseJSONNumber(%q, %s) = %d, %v; want %d", tt.want, tt.c, j, err, v)
		}
	}
}

// --- Fuzzing ---------------------------------------------------------------

var fuzzCurrencies = []Currency{jpy, eur, usd, bhd, clf}

var (
	decimalSyntax = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)
	jsonSyntax    = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	maxInt64Rat   = new(big.Rat).SetInt64(math.MaxInt64)
)

// ratMinor returns the exact value of s (accepted by big.Rat) times
// 10^digits, computed independently of the code under test.
func ratMinor(t *testing.T, s string, digits int) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("big.Rat rejected %q which matches the syntax", s)
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	return r.Mul(r, new(big.Rat).SetInt(scale))
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{
		"10.00", "10", "10.5", "0.01", "0", "0.50", "-0", "-0.00", "-3.50",
		"1.234", "1.2345", "92233720368547758.07", "92233720368547758.08",
		"-92233720368547758.08", "-92233720368547758.09", "9223372036854775807",
		"9223372036854775808", "18446744073709551616", "10.001", "10.", ".5",
		"007", "+1", "1,000.00", "1e2", " 1", "abc", "", "-", "1.2.3", "\xff",
	} {
		for i := range fuzzCurrencies {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, s string, ci uint8) {
		c := fuzzCurrencies[int(ci)%len(fuzzCurrencies)]
		unsigned, uerr := ParseDecimal(s, c)
		signed, serr := ParseSignedDecimal(s, c)
		ucode, scode := errCode(t, uerr), errCode(t, serr)

		// Oracle: the expected outcome of ParseSignedDecimal.
		var wantCode string
		var want *big.Rat
		switch {
		case !decimalSyntax.MatchString(s):
			wantCode = CodeInvalidFormat
		default:
			_, frac, _ := strings.Cut(s, ".")
			if len(frac) > c.Digits() {
				wantCode = CodeTooManyDecimals
				break
			}
			want = ratMinor(t, s, c.Digits())
			if !want.IsInt() {
				t.Fatalf("%q %s: scaled value %s is not an integer", s, c, want.RatString())
			}
			if !want.Num().IsInt64() {
				wantCode = CodeOverflow
			}
		}
		if scode != wantCode {
			t.Fatalf("ParseSignedDecimal(%q, %s) code = %q (%v), want %q", s, c, scode, serr, wantCode)
		}
		if serr == nil && signed != want.Num().Int64() {
			t.Fatalf("ParseSignedDecimal(%q, %s) = %d, want %s", s, c, signed, want.RatString())
		}

		// ParseDecimal agrees, except that any '-' is rejected after syntax.
		wantUCode := wantCode
		if wantCode != CodeInvalidFormat && strings.HasPrefix(s, "-") {
			wantUCode = CodeNegative
		}
		if ucode != wantUCode {
			t.Fatalf("ParseDecimal(%q, %s) code = %q (%v), want %q", s, c, ucode, uerr, wantUCode)
		}
		if uerr == nil && (unsigned != signed || unsigned < 0) {
			t.Fatalf("ParseDecimal(%q, %s) = %d, ParseSignedDecimal = %d", s, c, unsigned, signed)
		}

		if serr != nil {
			return
		}
		// Round trip through the canonical form.
		out := Format(signed, c)
		back, err := ParseSignedDecimal(out, c)
		if err != nil || back != signed {
			t.Fatalf("ParseSignedDecimal(Format(%d)=%q, %s) = %d, %v", signed, out, c, back, err)
		}
		if signed >= 0 {
			if back, err := ParseJSONNumber([]byte(out), c); err != nil || back != signed {
				t.Fatalf("ParseJSONNumber(Format(%d)=%q, %s) = %d, %v", signed, out, c, back, err)
			}
		}
		_, frac, _ := strings.Cut(s, ".")
		canonical := len(frac) == c.Digits() && !(strings.HasPrefix(s, "-") && signed == 0)
		if canonical && out != s {
			t.Fatalf("Format(ParseSignedDecimal(%q, %s)) = %q, want the input back", s, c, out)
		}
	})
}

func FuzzParseJSONNumber(f *testing.F) {
	for _, s := range []string{
		"12.5", "12", "1e2", "1.5e1", "1.50E+1", "1e-3", "1e-2", "15.000",
		"0", "-0", "-1", "0e999", "1e999", "1e-999", "0.0", "1.", ".5", "01",
		"92233720368547758.07", "9.223372036854775807e16", "9223372036854775808",
		"1e99999999999999999999", "1e-99999999999999999999",
		`"1"`, "true", "false", "null", "{}", "[]", "", " 1", "+1", "1e+", "NaN",
	} {
		for i := range fuzzCurrencies {
			f.Add([]byte(s), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, ci uint8) {
		c := fuzzCurrencies[int(ci)%len(fuzzCurrencies)]
		s := string(raw)
		got, err := ParseJSONNumber(raw, c)
		code := errCode(t, err)

		var wantCode string
		var want int64
		switch {
		case !jsonSyntax.MatchString(s):
			wantCode = CodeInvalidFormat
		case strings.HasPrefix(s, "-"):
			wantCode = CodeNegative
		default:
			mantissa, exp, _ := strings.Cut(strings.ToLower(s), "e")
			e, _ := new(big.Int).SetString(strings.TrimPrefix(exp, "+"), 10)
			if e == nil {
				e = new(big.Int)
			}
			if e.CmpAbs(big.NewInt(10000)) > 0 {
				// Too big for big.Rat to handle quickly. The input is far
				// shorter than the exponent, so a non-zero value is
				// either far above MaxInt64 or far below one minor unit.
				if len(s) > 5000 {
					t.Skip("input too long for the exponent shortcut")
				}
				switch {
				case strings.Trim(mantissa, "0.") == "":
					want = 0
				case e.Sign() > 0:
					wantCode = CodeOverflow
				default:
					wantCode = CodeTooManyDecimals
				}
				break
			}
			r := ratMinor(t, s, c.Digits())
			switch {
			case !r.IsInt():
				wantCode = CodeTooManyDecimals
			case r.Cmp(maxInt64Rat) > 0:
				wantCode = CodeOverflow
			default:
				want = r.Num().Int64()
			}
		}
		if code != wantCode {
			t.Fatalf("ParseJSONNumber(%q, %s) code = %q (%v), want %q", s, c, code, err, wantCode)
		}
		if got != want {
			t.Fatalf("ParseJSONNumber(%q, %s) = %d, want %d", s, c, got, want)
		}
		if err != nil {
			return
		}
		out := Format(got, c)
		if back, err := ParseJSONNumber([]byte(out), c); err != nil || back != got {
			t.Fatalf("ParseJSONNumber(Format(%d)=%q, %s) = %d, %v", got, out, c, back, err)
		}
		if back, err := ParseDecimal(out, c); err != nil || back != got {
			t.Fatalf("ParseDecimal(Format(%d)=%q, %s) = %d, %v", got, out, c, back, err)
		}
	})
}
