// Package acquirer collects payins by card. An Acquirer charges a card once per payment; the
// sandbox is the default and the only one so far, and a real acquirer is another
// implementation of the same interface. Card numbers pass through in memory only: Payport
// keeps the brand and the last four digits, never the number or the security code.
package acquirer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Card is what the payer typed, validated by ParseCard.
type Card struct {
	Number   string // digits only
	ExpMonth int
	ExpYear  int // four digits
	CVC      string
	Holder   string
}

// Brand names the card network from the number's prefix.
func (c Card) Brand() string {
	switch {
	case strings.HasPrefix(c.Number, "4"):
		return "Visa"
	case len(c.Number) >= 2 && c.Number[0] == '5' && c.Number[1] >= '1' && c.Number[1] <= '5',
		strings.HasPrefix(c.Number, "2"):
		return "Mastercard"
	case strings.HasPrefix(c.Number, "34"), strings.HasPrefix(c.Number, "37"):
		return "American Express"
	}
	return "Card"
}

// Last4 is the only part of the number that is kept.
func (c Card) Last4() string { return c.Number[len(c.Number)-4:] }

// Summary describes the card without revealing it.
func (c Card) Summary() string { return c.Brand() + " •••• " + c.Last4() }

// FieldError names the form field a card detail is wrong in.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ParseCard validates card details as typed: the number (spaces and dashes allowed, 12 to 19
// digits, Luhn check), expiry "MM/YY" or "MM/YYYY" not in the past, a 3 or 4 digit CVC.
func ParseCard(number, expiry, cvc, holder string, now time.Time) (Card, error) {
	var c Card
	digits := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(number))
	if len(digits) < 12 || len(digits) > 19 || strings.Trim(digits, "0123456789") != "" {
		return c, &FieldError{"card_number", "Enter the 12 to 19 digits of the card number."}
	}
	if !Luhn(digits) {
		return c, &FieldError{"card_number", "This card number is not valid: check it for typing errors."}
	}
	m, y, ok := strings.Cut(strings.ReplaceAll(strings.TrimSpace(expiry), " ", ""), "/")
	month, err1 := strconv.Atoi(m)
	year, err2 := strconv.Atoi(y)
	if !ok || err1 != nil || err2 != nil || month < 1 || month > 12 || (len(y) != 2 && len(y) != 4) {
		return c, &FieldError{"card_expiry", "Enter the expiry date as MM/YY."}
	}
	if len(y) == 2 {
		year += 2000
	}
	// A card works until the end of its expiry month.
	if !time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC).After(now) {
		return c, &FieldError{"card_expiry", "This card has expired."}
	}
	cvc = strings.TrimSpace(cvc)
	if (len(cvc) != 3 && len(cvc) != 4) || strings.Trim(cvc, "0123456789") != "" {
		return c, &FieldError{"card_cvc", "Enter the 3 or 4 digit security code from the back of the card."}
	}
	holder = strings.TrimSpace(holder)
	if holder == "" || len(holder) > 140 {
		return c, &FieldError{"card_holder", "Enter the name on the card."}
	}
	return Card{Number: digits, ExpMonth: month, ExpYear: year, CVC: cvc, Holder: holder}, nil
}

// Luhn reports whether a digit string passes the Luhn (mod 10) check.
func Luhn(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Charge is one attempt to take money from a card.
type Charge struct {
	PaymentID string
	Amount    int64
	Currency  string
	Card      Card
}

// Result is the acquirer's answer: approved with its reference, or declined with a code
// (the payment package's failure codes).
type Result struct {
	Approved    bool
	Reference   string
	FailureCode string
}

// Acquirer charges cards. Charge must be idempotent by payment id: a retry after a crash
// never charges twice.
type Acquirer interface {
	Name() string
	Charge(ctx context.Context, c Charge) (Result, error)
}

// ErrUnavailable is a temporary failure worth retrying.
var ErrUnavailable = errors.New("acquirer unavailable")

// Sandbox approves or declines by test card number (docs/SANDBOX.md), deterministically and
// without any network.
type Sandbox struct{}

// SandboxCards maps the documented test numbers to their outcome ("" approves).
var SandboxCards = map[string]string{
	"4242424242424242": "",
	"5555555555554444": "",
	"4000000000000002": "card_declined",
	"4000000000009995": "insufficient_funds",
	"4000000000000069": "expired_card",
	"4000000000000127": "incorrect_cvc",
	"4000000000000119": "processing_error",
}

// Name implements Acquirer.
func (Sandbox) Name() string { return "sandbox_acquirer" }

// Charge implements Acquirer: the test numbers decide, and any other valid number is approved.
func (Sandbox) Charge(_ context.Context, c Charge) (Result, error) {
	if code := SandboxCards[c.Card.Number]; code != "" {
		return Result{FailureCode: code}, nil
	}
	return Result{Approved: true, Reference: fmt.Sprintf("sbx_ch_%s", strings.TrimPrefix(c.PaymentID, "pay_"))}, nil
}
