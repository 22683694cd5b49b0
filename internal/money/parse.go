package money

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseDecimal parses a non-negative decimal amount such as "10", "10.5",
// "10.00" or "0.01" into minor units of c ("10.5" EUR is 1050).
//
// The accepted syntax is digits with an optional '.' and fraction digits,
// nothing else. Rejected, with CodeInvalidFormat unless noted:
//   - empty input, spaces, a leading '+', ',' (as decimal or thousands
//     separator), exponents ("1e3"), any other non-digit;
//   - a leading or trailing dot (".5", "10."), because such input is
//     usually truncated or mistyped;
//   - leading zeros ("007", "00.5"); a single "0" before the dot is fine;
//   - any '-' sign, with CodeNegative (even "-0": the sign itself is not
//     allowed here; use ParseSignedDecimal for adjustments);
//   - more fraction digits than c allows, with CodeTooManyDecimals. This is
//     about the written digits, not the value: "10.000" is rejected for
//     EUR, because a client sending three decimals for EUR is confused
//     about the currency and should be told so;
//   - values beyond math.MaxInt64 minor units, with CodeOverflow.
//
// Zero is accepted; see RequirePositive. Only integer arithmetic is used.
func ParseDecimal(s string, c Currency) (int64, error) {
	return parseDecimal(s, c, false)
}

// ParseSignedDecimal is like ParseDecimal but also accepts a leading '-',
// for adjustments and reversals that may be negative. "-0" and "-0.00"
// parse to 0. The valid range is math.MinInt64 to math.MaxInt64 minor
// units, so the smallest EUR amount is "-92233720368547758.08".
func ParseSignedDecimal(s string, c Currency) (int64, error) {
	return parseDecimal(s, c, true)
}

func parseDecimal(s string, c Currency, allowNegative bool) (int64, error) {
	if err := c.valid(); err != nil {
		return 0, err
	}
	if err := checkDecimalSyntax(s); err != nil {
		return 0, err
	}
	neg := s[0] == '-'
	body := s
	if neg {
		body = s[1:]
		if !allowNegative {
			return 0, newError(CodeNegative, "amount must not be negative")
		}
	}
	intPart, frac, _ := strings.Cut(body, ".")
	if len(frac) > c.digits {
		return 0, tooManyDecimals(int64(len(frac)), c)
	}

	// Accumulate the magnitude in uint64 so that the negative limit,
	// 2^63, is reachable: it is one more than math.MaxInt64.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var mag uint64
	add := func(d uint64) bool {
		if mag > (limit-d)/10 {
			return false
		}
		mag = mag*10 + d
		return true
	}
	for i := 0; i < len(intPart); i++ {
		if !add(uint64(intPart[i] - '0')) {
			return 0, overflow(neg, c)
		}
	}
	for i := 0; i < len(frac); i++ {
		if !add(uint64(frac[i] - '0')) {
			return 0, overflow(neg, c)
		}
	}
	// Scale up for fraction digits the input left out ("10.5" EUR).
	for i := len(frac); i < c.digits; i++ {
		if !add(0) {
			return 0, overflow(neg, c)
		}
	}
	if neg {
		// -mag as uint64 then converted is exact for all mag <= 2^63,
		// including 2^63 itself (math.MinInt64).
		return int64(-mag), nil
	}
	return int64(mag), nil
}

// checkDecimalSyntax reports the first syntax problem in s, explaining the
// most likely mistake rather than just "invalid".
func checkDecimalSyntax(s string) error {
	if s == "" {
		return newError(CodeInvalidFormat, "amount is empty")
	}
	if s[0] == '+' {
		return newError(CodeInvalidFormat, "amount must not start with a '+' sign")
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return newError(CodeInvalidFormat, "amount must not contain spaces")
	}
	if strings.IndexByte(s, ',') >= 0 {
		return newError(CodeInvalidFormat,
			"amount must use '.' as the decimal separator and must not contain ',' or other separators")
	}
	if strings.ContainsAny(s, "eE") {
		return newError(CodeInvalidFormat, "amount must not use exponent notation")
	}
	body := strings.TrimPrefix(s, "-")
	if body == "" {
		return newError(CodeInvalidFormat, "amount has no digits")
	}
	for i := 0; i < len(body); {
		b := body[i]
		if b >= '0' && b <= '9' || b == '.' {
			i++
			continue
		}
		r, _ := utf8.DecodeRuneInString(body[i:])
		if r == utf8.RuneError {
			return newError(CodeInvalidFormat, "amount contains invalid byte 0x%02x", b)
		}
		return newError(CodeInvalidFormat, "amount contains invalid character %q", r)
	}
	if strings.Count(body, ".") > 1 {
		return newError(CodeInvalidFormat, "amount must not contain more than one '.'")
	}
	if body[0] == '.' {
		return newError(CodeInvalidFormat, "amount must have a digit before the decimal point")
	}
	if body[len(body)-1] == '.' {
		return newError(CodeInvalidFormat, "amount must have a digit after the decimal point")
	}
	if len(body) > 1 && body[0] == '0' && body[1] != '.' {
		return newError(CodeInvalidFormat, "amount must not have leading zeros")
	}
	return nil
}

// ParseJSONNumber parses a raw JSON number token, exactly as it appears in
// a JSON document (for example a json.RawMessage, or the bytes passed to an
// UnmarshalJSON method), into minor units of c. It exists because decoding
// a JSON number into float64 silently rounds; here the decimal text is read
// digit by digit.
//
// The token must follow the JSON number grammar (RFC 8259) with no
// surrounding whitespace. Unlike ParseDecimal, a JSON number is judged by
// its value, not its spelling, because JSON encoders are free to choose
// the spelling: exponents are accepted and trailing zeros are harmless, as
// long as the value is exact in c's minor units. So for EUR, 12.5, 1.5e1,
// 1.50E+1 and 15.000 are all fine (1250, 1500, 1500, 1500 minor units),
// while 1e-3 fails with CodeTooManyDecimals.
//
// JSON strings, true, false, null, objects and arrays are rejected with
// CodeInvalidFormat; a caller that wants to accept quoted amounts should
// unquote them and use ParseDecimal. Negative numbers (including -0) are
// rejected with CodeNegative, and values beyond math.MaxInt64 minor units
// with CodeOverflow. Zero is accepted; see RequirePositive.
func ParseJSONNumber(raw []byte, c Currency) (int64, error) {
	if err := c.valid(); err != nil {
		return 0, err
	}
	s := string(raw)
	if s == "" {
		return 0, newError(CodeInvalidFormat, "amount is empty")
	}
	switch {
	case s[0] == '"':
		return 0, newError(CodeInvalidFormat, "amount must be a JSON number, not a string")
	case s == "true" || s == "false":
		return 0, newError(CodeInvalidFormat, "amount must be a JSON number, not a boolean")
	case s == "null":
		return 0, newError(CodeInvalidFormat, "amount must be a JSON number, not null")
	case s[0] == '{':
		return 0, newError(CodeInvalidFormat, "amount must be a JSON number, not an object")
	case s[0] == '[':
		return 0, newError(CodeInvalidFormat, "amount must be a JSON number, not an array")
	}
	num, ok := scanJSONNumber(s)
	if !ok {
		return 0, newError(CodeInvalidFormat, "amount is not a valid JSON number")
	}
	if num.neg {
		return 0, newError(CodeNegative, "amount must not be negative")
	}

	// The value is mant * 10^exp10. Normalise mant to its significant
	// digits: drop leading zeros, and move trailing zeros into exp10, so
	// that mant is not divisible by 10 and exp10 alone decides whether
	// the value has a fractional part beyond the currency's digits.
	mant := strings.TrimLeft(num.intPart+num.frac, "0")
	if mant == "" {
		return 0, nil // Zero, whatever the exponent.
	}
	trimmed := strings.TrimRight(mant, "0")
	trailingZeros := len(mant) - len(trimmed)
	mant = trimmed

	if num.expHuge {
		// |exponent| >= 10^15 while the token itself is far shorter, so
		// the value is either astronomically large or below one minor unit.
		if num.expNeg {
			return 0, newError(CodeTooManyDecimals,
				"amount has more decimal places than %s allows (%s)", c.code, allowedDecimals(c))
		}
		return 0, overflow(false, c)
	}
	exp10 := num.exp - int64(len(num.frac)) + int64(trailingZeros)
	// scale is the power of ten that turns the value into minor units.
	scale := exp10 + int64(c.digits)
	if scale < 0 {
		return 0, tooManyDecimals(-exp10, c)
	}
	// mant >= 10^(len(mant)-1), so the result is at least
	// 10^(len(mant)-1+scale); 10^19 already exceeds math.MaxInt64.
	if int64(len(mant))+scale > 19 {
		return 0, overflow(false, c)
	}
	// At most 19 digits: fits in uint64 (max 19-digit number < 2^64).
	var mag uint64
	for i := 0; i < len(mant); i++ {
		mag = mag*10 + uint64(mant[i]-'0')
	}
	for ; scale > 0; scale-- {
		if mag > math.MaxInt64/10 {
			return 0, overflow(false, c)
		}
		mag *= 10
	}
	if mag > math.MaxInt64 {
		return 0, overflow(false, c)
	}
	return int64(mag), nil
}

// jsonNumber is a syntactically valid JSON number split into its parts.
type jsonNumber struct {
	neg     bool
	intPart string // digits before '.', never empty
	frac    string // digits after '.', possibly empty
	exp     int64  // exponent value, valid unless expHuge
	expNeg  bool   // exponent sign
	expHuge bool   // |exponent| has more than 15 significant digits
}

// scanJSONNumber splits s according to the RFC 8259 number grammar:
//
//	number = [ "-" ] int [ "." 1*DIGIT ] [ ("e" / "E") [ "+" / "-" ] 1*DIGIT ]
//	int    = "0" / ( %x31-39 *DIGIT )
func scanJSONNumber(s string) (jsonNumber, bool) {
	var n jsonNumber
	i := 0
	if i < len(s) && s[i] == '-' {
		n.neg = true
		i++
	}
	start := i
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return n, false
	}
	n.intPart = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		i = skipDigits(s, i)
		if i == start {
			return n, false
		}
		n.frac = s[start:i]
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			n.expNeg = s[i] == '-'
			i++
		}
		start = i
		i = skipDigits(s, i)
		if i == start {
			return n, false
		}
		digits := strings.TrimLeft(s[start:i], "0")
		if len(digits) > 15 {
			n.expHuge = true
		} else {
			for j := 0; j < len(digits); j++ {
				n.exp = n.exp*10 + int64(digits[j]-'0')
			}
			if n.expNeg {
				n.exp = -n.exp
			}
		}
	}
	return n, i == len(s)
}

func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func tooManyDecimals(places int64, c Currency) *Error {
	noun := "places"
	if places == 1 {
		noun = "place"
	}
	return newError(CodeTooManyDecimals, "amount has %d decimal %s but %s", places, noun, allowedDecimalsSentence(c))
}

func allowedDecimalsSentence(c Currency) string {
	if c.digits == 0 {
		return c.code + " does not allow decimal places"
	}
	return c.code + " allows at most " + strconv.Itoa(c.digits)
}

func allowedDecimals(c Currency) string {
	if c.digits == 0 {
		return "none"
	}
	return "at most " + strconv.Itoa(c.digits)
}

func overflow(neg bool, c Currency) *Error {
	if neg {
		return newError(CodeOverflow, "amount is too small: the minimum for %s is %s",
			c.code, Format(math.MinInt64, c))
	}
	return newError(CodeOverflow, "amount is too large: the maximum for %s is %s",
		c.code, Format(math.MaxInt64, c))
}
