// Package money holds Payport's exact representation of monetary amounts.
//
// An amount is an int64 count of minor units (cents for EUR, yen for JPY,
// fils for BHD) together with a Currency that says how many of those minor
// units make one major unit. Amounts never pass through float64: binary
// floating point cannot represent most decimal fractions (0.1 EUR is not
// exactly representable), and a payouts platform must never move a
// rounding error's worth of money. Every conversion in this package is
// integer arithmetic with explicit overflow checks.
//
// Parsing is deliberately strict. Input such as "1,000.00", "+5", "1e3" in
// a form field, or "10.001" for EUR is rejected rather than guessed at,
// because a wrong guess moves real money. Every failure is an *Error whose
// Code tells the caller which rule was broken, so API layers can map it to
// a stable machine-readable error without parsing messages.
//
// The package has no Amount type on purpose: callers keep an int64 and a
// Currency side by side (for example in two database columns) and use
// these functions at the edges where text comes in or goes out.
package money

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bojanz/currency"
)

// Error codes carried in Error.Code. They are stable strings meant to be
// returned to API clients and matched by callers; the messages are not.
const (
	// CodeInvalidFormat means the text is not an amount in the accepted
	// syntax (empty, spaces, separators, stray characters, and so on).
	CodeInvalidFormat = "invalid_format"
	// CodeTooManyDecimals means the amount has more decimal places than
	// the currency's minor unit allows, so it cannot be paid exactly.
	CodeTooManyDecimals = "too_many_decimals"
	// CodeNegative means a negative amount was given where only
	// non-negative amounts are allowed.
	CodeNegative = "negative"
	// CodeZero means a zero amount was given where it is meaningless
	// (see RequirePositive).
	CodeZero = "zero"
	// CodeOverflow means the amount does not fit in int64 minor units.
	CodeOverflow = "overflow"
	// CodeUnknownCurrency means a well-formed currency code that is not a
	// known ISO 4217 currency, or an unset (zero) Currency.
	CodeUnknownCurrency = "unknown_currency"
	// CodeInvalidCurrencyCode means the currency code is not three
	// capital ASCII letters.
	CodeInvalidCurrencyCode = "invalid_currency_code"
)

// Error is the only error type returned by this package. Code is one of
// the Code* constants and identifies the rule that failed; Message is a
// human-readable sentence suitable for showing to an API client.
//
// Use errors.As to recover it:
//
//	var merr *money.Error
//	if errors.As(err, &merr) && merr.Code == money.CodeTooManyDecimals { ... }
type Error struct {
	Code    string
	Message string
}

// Error returns the human-readable message.
func (e *Error) Error() string { return e.Message }

func newError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// maxDigits is the largest number of minor-unit digits we can support:
// 10^18 is the largest power of ten that fits in an int64.
const maxDigits = 18

// Currency is an ISO 4217 currency together with the number of decimal
// digits of its minor unit. Obtain one with LookupCurrency or MustCurrency.
//
// Currency is a small comparable value and may be used as a map key. The
// zero Currency is not valid: parse functions reject it with
// CodeUnknownCurrency.
type Currency struct {
	code   string
	digits int
}

// LookupCurrency returns the Currency for an ISO 4217 alphabetic code such
// as "EUR". The code must be exactly three capital ASCII letters; it is not
// upper-cased or trimmed for the caller, so that "eur" or " EUR" in input
// surfaces as an error instead of being silently accepted. The returned
// error is an *Error with CodeInvalidCurrencyCode (bad shape) or
// CodeUnknownCurrency (well-formed but not a known currency).
func LookupCurrency(code string) (Currency, error) {
	if !isCurrencyCodeShape(code) {
		return Currency{}, newError(CodeInvalidCurrencyCode,
			"currency code %s is invalid: it must be three capital letters such as EUR", quoteShort(code))
	}
	d, ok := currency.GetDigits(code)
	if !ok || int(d) > maxDigits {
		return Currency{}, newError(CodeUnknownCurrency, "currency code %s is not a known ISO 4217 currency", code)
	}
	return Currency{code: code, digits: int(d)}, nil
}

// MustCurrency is like LookupCurrency but panics on error. It is meant for
// package-level constants and tests, never for user input.
func MustCurrency(code string) Currency {
	c, err := LookupCurrency(code)
	if err != nil {
		panic("money.MustCurrency: " + err.Error())
	}
	return c
}

// Code returns the ISO 4217 alphabetic code, e.g. "EUR".
func (c Currency) Code() string { return c.code }

// Digits returns the number of decimal digits of the minor unit:
// 0 for JPY, 2 for EUR, 3 for BHD.
func (c Currency) Digits() int { return c.digits }

// String returns the currency code, so a Currency prints naturally with
// fmt. The zero Currency prints as the empty string.
func (c Currency) String() string { return c.code }

// valid reports an error if c is the zero Currency (never looked up).
func (c Currency) valid() error {
	if c.code == "" {
		return newError(CodeUnknownCurrency, "currency is not set")
	}
	return nil
}

func isCurrencyCodeShape(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}

// quoteShort quotes user-supplied text for an error message, truncating it
// so that a huge or hostile input cannot blow up logs and responses.
func quoteShort(s string) string {
	const limit = 16
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "..."
	}
	return strconv.Quote(s)
}

// RequirePositive returns nil if minor is greater than zero, and otherwise
// an *Error with CodeZero or CodeNegative. The parse functions accept zero
// because "0.00" is a well-formed amount (a zero fee, an empty balance);
// call RequirePositive where zero is meaningless, such as a payout amount.
func RequirePositive(minor int64) error {
	switch {
	case minor == 0:
		return newError(CodeZero, "amount must be greater than zero")
	case minor < 0:
		return newError(CodeNegative, "amount must not be negative")
	}
	return nil
}

// Format renders minor units as a plain decimal string with exactly
// c.Digits() fraction digits and a '.' separator: "10.00" and "-3.50" for
// EUR, "1000" for JPY, "1.234" for BHD. There is no grouping and no symbol;
// the output is the canonical form accepted back by ParseSignedDecimal (and
// by ParseDecimal when non-negative), which makes it suitable for APIs,
// logs and storage. Every int64 is handled, including math.MinInt64.
//
// The zero Currency is formatted as if it had no minor units.
func Format(minor int64, c Currency) string {
	// Work on the magnitude as uint64: negating math.MinInt64 in int64
	// overflows, but its two's-complement negation as uint64 is exact.
	mag := uint64(minor)
	if minor < 0 {
		mag = -mag
	}
	digits := strconv.FormatUint(mag, 10)
	d := c.digits
	// Left-pad with zeros so there is at least one integer digit
	// (5 minor units of EUR is "0.05", not ".05").
	if len(digits) <= d {
		digits = strings.Repeat("0", d+1-len(digits)) + digits
	}
	sign := ""
	if minor < 0 {
		sign = "-"
	}
	if d == 0 {
		return sign + digits
	}
	split := len(digits) - d
	return sign + digits[:split] + "." + digits[split:]
}
