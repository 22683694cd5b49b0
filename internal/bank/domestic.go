package bank

import (
	"strconv"
	"strings"
)

func normalizeUK(d *Details) error {
	sc := compactDigits(d.SortCode)
	if sc == "" {
		return fieldError("sort_code", "sort code is required")
	}
	if len(sc) != 6 || !allDigits(sc) {
		return fieldError("sort_code", "a sort code has 6 digits, such as 12-34-56")
	}
	acct, err := digitField("account_number", "a UK account number", d.AccountNumber, 8, 8)
	if err != nil {
		return err
	}
	d.SortCode, d.AccountNumber = sc, acct
	return nil
}

func normalizeUS(d *Details) error {
	rn := compactDigits(d.RoutingNumber)
	switch {
	case rn == "":
		return fieldError("routing_number", "routing number is required")
	case len(rn) != 9 || !allDigits(rn):
		return fieldError("routing_number", "a routing number has 9 digits, this one has %s", countChars(rn))
	case !achPrefix(rn):
		return fieldError("routing_number", "a routing number for ACH starts with 01 to 12, 21 to 32 or 61 to 72: check the number on a cheque or with the bank")
	case !abaChecksumOK(rn):
		return fieldError("routing_number", "routing number check digit is wrong: check for a typo")
	}
	acct, err := digitField("account_number", "a US account number", d.AccountNumber, 4, 17)
	if err != nil {
		return err
	}
	switch d.AccountType {
	case Checking, Savings:
	case "":
		return fieldError("account_type", "account type is required: checking or savings")
	default:
		return fieldError("account_type", "account type must be checking or savings")
	}
	d.RoutingNumber, d.AccountNumber = rn, acct
	return nil
}

// achPrefix reports whether the first two digits are a Federal Reserve district a bank can
// receive ACH credits in: 01-12 (banks), 21-32 (thrifts), 61-72 (electronic). 00 (the US
// government) and 80 (traveller's cheques) exist but cannot receive a payout, and without this
// check 000000000 would pass the checksum.
func achPrefix(rn string) bool {
	p, _ := strconv.Atoi(rn[:2])
	return 1 <= p && p <= 12 || 21 <= p && p <= 32 || 61 <= p && p <= 72
}

// abaChecksumOK is the ABA check digit: weights 3, 7, 1 repeated, sum divisible by 10.
func abaChecksumOK(rn string) bool {
	sum := 0
	for i := range 9 {
		sum += int(rn[i]-'0') * [3]int{3, 7, 1}[i%3]
	}
	return sum%10 == 0
}

// digitField checks a number of min to max digits, written with or without spaces and hyphens.
func digitField(field, what, s string, min, max int) (string, error) {
	v := compactDigits(s)
	switch {
	case v == "":
		return "", fieldError(field, "%s is required", strings.ReplaceAll(field, "_", " "))
	case !allDigits(v):
		return "", fieldError(field, "%s contains only digits", what)
	case min == max && len(v) != min:
		return "", fieldError(field, "%s has %d digits, this one has %d", what, min, len(v))
	case len(v) < min || len(v) > max:
		return "", fieldError(field, "%s has %d to %d digits, this one has %d", what, min, max, len(v))
	}
	return v, nil
}

func countChars(s string) string {
	if allDigits(s) {
		return strconv.Itoa(len(s))
	}
	return "characters other than digits"
}
