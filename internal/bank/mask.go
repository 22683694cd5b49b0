package bank

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Masked is what may be shown about stored bank details: enough for a person to recognise
// their account, never enough to pay from it or to reconstruct it.
type Masked struct {
	Scheme     Scheme
	HolderName string
	Country    string
	Currency   string
	// Last4 is the end of the IBAN or account number: 4 characters, or fewer when the number
	// is so short that 4 would be more than half of it (a 4-digit US account would otherwise
	// be shown whole).
	Last4 string
	// BankCode is the BIC, sort code or routing number: they identify the bank or branch,
	// are printed on public documents, and help a person pick the right account.
	BankCode    string
	AccountType string
}

// Mask returns what may be shown about d after it is stored. d should come from Normalize.
func Mask(d Details) Masked {
	m := Masked{Scheme: d.Scheme, HolderName: d.HolderName, Country: d.Country, Currency: d.Currency,
		AccountType: d.AccountType}
	if rules, ok := schemes[d.Scheme]; ok {
		m.Last4 = lastDigits(rules.account(d))
		m.BankCode = rules.bankCode(d)
	}
	return m
}

// lastDigits returns at most 4 trailing characters and never more than half of s.
func lastDigits(s string) string {
	n := min(4, len(s)/2)
	return s[len(s)-n:]
}

// Fingerprint is the SHA-256 (hex) of the scheme and the canonical fields that identify the
// account (the IBAN; the sort code and account number; the routing and account numbers), so
// that a duplicate method is found by comparing fingerprints instead of decrypting every
// stored account. Holder name, currency, BIC and account type are left out: they do not
// change which account money lands in. Separators and case are ignored, so details that
// skipped Normalize still match their normalised form.
//
// A fingerprint is not a secret but it is not safe to publish either: account numbers are
// short enough to be found from it by trying them all, so store it beside the ciphertext and
// show it to no one.
func Fingerprint(d Details) string {
	parts := []string{"payport.bank.v1", string(d.Scheme)}
	if rules, ok := schemes[d.Scheme]; ok {
		parts = append(parts, rules.identity(d)...)
	} else {
		// No rules to say what identifies the account: use every field, so that two
		// different unknown-scheme details still get different fingerprints.
		for _, f := range detailFields {
			parts = append(parts, compactUpper(*f.ptr(&d)))
		}
	}
	// Length-prefixed so that no two different lists of parts hash the same bytes, whatever
	// characters un-normalised input brings.
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
