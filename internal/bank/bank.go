// Package bank holds the bank account details a recipient is paid to, and the rules that make
// them safe to store and pay: every number is checked (IBAN mod-97, ABA check digit, exact
// lengths) when it is entered, because a typo found then costs a form error while a typo found
// by a bank costs a returned payout, fees and days.
//
// Each payment scheme (IBAN, UK sort code, US ACH...) is one entry in an internal table that
// says which fields it uses and how to check, mask and fingerprint them, so another scheme
// (a PayPal email, a mobile wallet) is one more entry and one more file, not a new code path
// through Normalize, Mask and Fingerprint.
//
// The package is pure: no storage, no HTTP. Account numbers are secrets at rest (see package
// secret); Mask says what may be shown once they are stored.
package bank

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/payport/payport/internal/money"
)

// Scheme is the way an account is addressed, and so which fields of Details identify it. Its
// value is what the API calls the method's "type".
type Scheme string

// The supported schemes.
const (
	// IBAN is an International Bank Account Number, optionally with the bank's BIC (SEPA and
	// the other countries of the SWIFT IBAN registry).
	IBAN Scheme = "iban"
	// UKSortCode is a UK domestic account: 6-digit sort code and 8-digit account number
	// (Faster Payments, Bacs).
	UKSortCode Scheme = "uk_sort_code"
	// USACH is a US domestic account reached through ACH: ABA routing number, account number
	// and account type.
	USACH Scheme = "us_ach"
)

// US ACH account types.
const (
	Checking = "checking"
	Savings  = "savings"
)

// MaxHolderNameLength is the longest holder name accepted, in characters (SEPA allows 140).
const MaxHolderNameLength = 140

// Details are the bank details of one payout method. Only the fields of its Scheme may be set;
// Normalize rejects the others so that a stored method never carries a stray number nobody
// validated.
type Details struct {
	Scheme     Scheme
	HolderName string
	// Country is the ISO 3166-1 alpha-2 code of the bank's country. Normalize derives it from
	// the scheme (or the IBAN); a given value must agree.
	Country string
	// Currency is the ISO 4217 code the account is paid in; Normalize defaults it per scheme.
	Currency string

	// IBAN scheme.
	IBAN string
	BIC  string // optional

	// UK sort code scheme (SortCode, AccountNumber) and US ACH (RoutingNumber, AccountNumber,
	// AccountType).
	SortCode      string
	AccountNumber string
	RoutingNumber string
	AccountType   string
}

// FieldError says which input field is wrong and why, in a sentence that can be shown to the
// person who typed it.
type FieldError struct {
	// Field is the JSON name of the field: "type", "holder_name", "country", "currency",
	// "iban", "bic", "sort_code", "account_number", "routing_number" or "account_type".
	Field   string
	Message string
}

// Error returns the field name and the message, for logs; show Message to people.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldError(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// detailField is one scheme-specific field of Details, named as in the API.
type detailField struct {
	name  string
	label string // how a message calls it
	ptr   func(*Details) *string
}

// detailFields lists every scheme-specific field, in the order Normalize reports errors.
var detailFields = []detailField{
	{"iban", "an IBAN", func(d *Details) *string { return &d.IBAN }},
	{"bic", "a BIC", func(d *Details) *string { return &d.BIC }},
	{"sort_code", "a sort code", func(d *Details) *string { return &d.SortCode }},
	{"routing_number", "a routing number", func(d *Details) *string { return &d.RoutingNumber }},
	{"account_number", "an account number", func(d *Details) *string { return &d.AccountNumber }},
	{"account_type", "an account type", func(d *Details) *string { return &d.AccountType }},
}

// schemeRules is everything the package knows about one scheme. Adding a scheme means adding
// one of these to schemes.
type schemeRules struct {
	label string // for messages: "UK sort code"
	// fields are the names (see detailFields) of the fields the scheme uses; the others must
	// be empty.
	fields []string
	// country is the bank country when the scheme fixes it; "" when normalize sets it.
	country string
	// defaultCurrency applies when none is given; currencies, when set, are the only ones the
	// scheme can move (domestic rails are single-currency).
	defaultCurrency string
	currencies      []string
	// normalize checks and canonicalises the scheme's fields in place.
	normalize func(d *Details) error
	// account is the secret number Mask shortens to its last digits.
	account func(d Details) string
	// bankCode is the public code of the bank (or branch), shown in full by Mask.
	bankCode func(d Details) string
	// identity is the canonical values that identify the account, for Fingerprint. It must
	// canonicalise on its own, as Fingerprint may be given details that skipped Normalize.
	identity func(d Details) []string
}

var schemes = map[Scheme]schemeRules{
	IBAN: {
		label:           "IBAN",
		fields:          []string{"iban", "bic"},
		defaultCurrency: "EUR",
		normalize:       normalizeIBANDetails,
		account:         func(d Details) string { return compactUpper(d.IBAN) },
		bankCode:        func(d Details) string { return compactUpper(d.BIC) },
		identity:        func(d Details) []string { return []string{compactUpper(d.IBAN)} },
	},
	UKSortCode: {
		label:           "UK sort code",
		fields:          []string{"sort_code", "account_number"},
		country:         "GB",
		defaultCurrency: "GBP",
		currencies:      []string{"GBP"},
		normalize:       normalizeUK,
		account:         func(d Details) string { return compactDigits(d.AccountNumber) },
		bankCode:        func(d Details) string { return compactDigits(d.SortCode) },
		identity: func(d Details) []string {
			return []string{compactDigits(d.SortCode), compactDigits(d.AccountNumber)}
		},
	},
	USACH: {
		label:           "US ACH",
		fields:          []string{"routing_number", "account_number", "account_type"},
		country:         "US",
		defaultCurrency: "USD",
		currencies:      []string{"USD"},
		normalize:       normalizeUS,
		account:         func(d Details) string { return compactDigits(d.AccountNumber) },
		bankCode:        func(d Details) string { return compactDigits(d.RoutingNumber) },
		identity: func(d Details) []string {
			// The account type is not part of the identity: the same account entered as
			// checking and as savings is still one account.
			return []string{compactDigits(d.RoutingNumber), compactDigits(d.AccountNumber)}
		},
	},
}

// Normalize checks the details and returns them in canonical form: separators removed, letters
// upper-cased, holder name trimmed, country and currency filled in. The first problem found is
// returned as a *FieldError, together with the input unchanged.
func Normalize(in Details) (Details, error) {
	d := in
	rules, ok := schemes[d.Scheme]
	if !ok {
		if d.Scheme == "" {
			return in, fieldError("type", "type is required: one of %s", schemeList())
		}
		return in, fieldError("type", "type %q is not supported: use one of %s", string(d.Scheme), schemeList())
	}
	name, err := normalizeHolderName(d.HolderName)
	if err != nil {
		return in, err
	}
	d.HolderName = name
	for _, f := range detailFields {
		if !rules.uses(f.name) && *f.ptr(&d) != "" {
			return in, fieldError(f.name, "%s is not part of %s account details: leave %s empty", f.label, rules.label, f.name)
		}
	}
	given := d.Country
	if rules.country != "" {
		d.Country = rules.country
	}
	if err := rules.normalize(&d); err != nil {
		return in, err
	}
	if given != "" && given != d.Country {
		return in, fieldError("country", "country must be %s for %s, not %q", d.Country, rules.describe(d), given)
	}
	cur, err := normalizeCurrency(d.Currency, rules)
	if err != nil {
		return in, err
	}
	d.Currency = cur
	return d, nil
}

func (r schemeRules) uses(field string) bool {
	for _, f := range r.fields {
		if f == field {
			return true
		}
	}
	return false
}

// describe names the account for a country mismatch message.
func (r schemeRules) describe(d Details) string {
	if r.country == "" {
		return "this " + r.label
	}
	return r.label + " accounts"
}

func schemeList() string {
	return strings.Join([]string{string(IBAN), string(UKSortCode), string(USACH)}, ", ")
}

func normalizeHolderName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fieldError("holder_name", "holder name is not valid UTF-8 text")
	}
	// NFC so that the same name typed on two keyboards (é as one code point or as e plus an
	// accent) is stored, compared and sent to banks the same way.
	s = norm.NFC.String(strings.TrimSpace(s))
	if s == "" {
		return "", fieldError("holder_name", "holder name is required: the name on the bank account")
	}
	for _, r := range s {
		// Line and paragraph separators are not Cc but break bank files just as well.
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", fieldError("holder_name", "holder name must not contain control characters or line breaks")
		}
	}
	if n := utf8.RuneCountInString(s); n > MaxHolderNameLength {
		return "", fieldError("holder_name", "holder name has %d characters; the limit is %d", n, MaxHolderNameLength)
	}
	return s, nil
}

func normalizeCurrency(code string, rules schemeRules) (string, error) {
	if code == "" {
		return rules.defaultCurrency, nil
	}
	if _, err := money.LookupCurrency(code); err != nil {
		return "", fieldError("currency", "currency must be an ISO 4217 code in capitals, such as EUR")
	}
	if len(rules.currencies) > 0 && !contains(rules.currencies, code) {
		return "", fieldError("currency", "%s accounts are paid in %s, not %s", rules.label, strings.Join(rules.currencies, " or "), code)
	}
	return code, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// isCountry reports whether cc is an ISO 3166-1 alpha-2 country code in capitals, the same
// rule the API applies to a recipient's country.
func isCountry(cc string) bool {
	if len(cc) != 2 || strings.ToUpper(cc) != cc {
		return false
	}
	r, err := language.ParseRegion(cc)
	return err == nil && r.IsCountry() && r.String() == cc
}

// compact removes white space (including the no-break spaces that copying from a PDF or a
// banking app brings along) and every rune in seps.
func compact(s, seps string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune(seps, r) {
			return -1
		}
		return r
	}, s)
}

// compactUpper compacts s and upper-cases its ASCII letters only: strings.ToUpper would turn
// non-ASCII look-alikes such as the long s (ſ) into ASCII letters and let them pass as valid.
func compactUpper(s string) string {
	s = compact(s, "")
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// compactDigits compacts a digit field, which people write with spaces or hyphens
// ("12-34-56").
func compactDigits(s string) string { return compact(s, "-") }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
