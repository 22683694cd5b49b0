package acquirer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLuhn(t *testing.T) {
	for number, want := range map[string]bool{
		"4242424242424242": true, "5555555555554444": true, "4000000000000002": true, "378282246310005": true,
		"4242424242424241": false, "1234567812345678": false, "0000000000000001": false,
	} {
		if got := Luhn(number); got != want {
			t.Errorf("Luhn(%s) = %v, want %v", number, got, want)
		}
	}
	for number := range SandboxCards {
		if !Luhn(number) {
			t.Errorf("documented test card %s fails the Luhn check", number)
		}
	}
}

func TestParseCard(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c, err := ParseCard(" 4242 4242-4242 4242 ", "11/26", "123", " Ada Lovelace ", now)
	if err != nil || c.Number != "4242424242424242" || c.ExpYear != 2026 || c.ExpMonth != 11 || c.Holder != "Ada Lovelace" {
		t.Fatalf("%+v %v", c, err)
	}
	if c.Summary() != "Visa •••• 4242" || c.Last4() != "4242" {
		t.Fatalf("summary %q", c.Summary())
	}
	if b := (Card{Number: "5555555555554444"}).Brand(); b != "Mastercard" {
		t.Errorf("brand %s", b)
	}
	if b := (Card{Number: "378282246310005"}).Brand(); b != "American Express" {
		t.Errorf("brand %s", b)
	}
	for _, c := range []struct{ number, expiry, cvc, holder, field string }{
		{"4242", "12/30", "123", "A", "card_number"},
		{"4242x24242424242", "12/30", "123", "A", "card_number"},
		{"4242424242424241", "12/30", "123", "A", "card_number"},
		{"4242424242424242", "10/26", "123", "A", "card_expiry"}, // ended with October
		{"4242424242424242", "13/30", "123", "A", "card_expiry"},
		{"4242424242424242", "1230", "123", "A", "card_expiry"},
		{"4242424242424242", "12/2030", "12", "A", "card_cvc"},
		{"4242424242424242", "12/30", "12a", "A", "card_cvc"},
		{"4242424242424242", "12/30", "123", " ", "card_holder"},
	} {
		_, err := ParseCard(c.number, c.expiry, c.cvc, c.holder, now)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: got %v, want an error on %s", c, err, c.field)
		}
	}
	// A card works to the end of its expiry month.
	if _, err := ParseCard("4242424242424242", "11/26", "123", "A", now.AddDate(0, 0, 8)); err != nil {
		t.Errorf("on the month's last day: %v", err)
	}
}

func TestSandboxOutcomes(t *testing.T) {
	s := Sandbox{}
	for number, code := range SandboxCards {
		res, err := s.Charge(context.Background(), Charge{PaymentID: "pay_1", Amount: 100, Currency: "EUR", Card: Card{Number: number}})
		if err != nil || res.Approved != (code == "") || res.FailureCode != code {
			t.Errorf("%s: %+v %v", number, res, err)
		}
	}
	res, _ := s.Charge(context.Background(), Charge{PaymentID: "pay_abc", Card: Card{Number: "378282246310005"}})
	if !res.Approved || res.Reference != "sbx_ch_abc" {
		t.Errorf("any other card: %+v", res)
	}
}

// FuzzParseCard: an accepted card number is 12 to 19 digits passing the Luhn check, its CVC 3
// or 4 digits, and its expiry a real month.
//
//	go test -run '^$' -fuzz FuzzParseCard -fuzztime 60s ./internal/acquirer/
func FuzzParseCard(f *testing.F) {
	f.Add("4242 4242 4242 4242", "12/30", "123", "Ada")
	f.Add("4242-4242-4242-4241", "1/2031", "1234", " ")
	f.Add("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "12/30", "١٢٣", "Ada")
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, number, expiry, cvc, holder string) {
		c, err := ParseCard(number, expiry, cvc, holder, now)
		if err != nil {
			return
		}
		if len(c.Number) < 12 || len(c.Number) > 19 || strings.Trim(c.Number, "0123456789") != "" || !Luhn(c.Number) {
			t.Fatalf("accepted number %q", c.Number)
		}
		if (len(c.CVC) != 3 && len(c.CVC) != 4) || strings.Trim(c.CVC, "0123456789") != "" {
			t.Fatalf("accepted CVC %q", c.CVC)
		}
		if c.ExpMonth < 1 || c.ExpMonth > 12 || c.Holder == "" {
			t.Fatalf("accepted %+v", c)
		}
	})
}
