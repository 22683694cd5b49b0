package payment

import (
	"errors"
	"testing"
	"time"
)

func TestEveryTransition(t *testing.T) {
	all := []Status{Pending, Processing, Succeeded, Failed, Canceled, Expired}
	legal := map[[2]Status]bool{
		{Pending, Processing}: true, {Pending, Canceled}: true, {Pending, Expired}: true, {Pending, Failed}: true,
		{Processing, Succeeded}: true, {Processing, Failed}: true,
	}
	n := 0
	for _, from := range all {
		for _, to := range all {
			p := Payment{ID: "pay_1", Status: from}
			_, err := p.Move(to, "", time.Now(), func() string { n++; return "t" })
			if legal[[2]Status{from, to}] {
				if err != nil || p.Status != to {
					t.Errorf("%s -> %s refused: %v", from, to, err)
				}
			} else if !errors.Is(err, ErrIllegalTransition) || p.Status != from {
				t.Errorf("%s -> %s allowed (status now %s)", from, to, p.Status)
			}
		}
	}
	for _, s := range []Status{Succeeded, Failed, Canceled, Expired} {
		if !s.Final() {
			t.Errorf("%s should be final", s)
		}
	}
}

func TestFailKeepsCodeAndSentence(t *testing.T) {
	p := Payment{ID: "pay_1", Status: Processing}
	if _, err := p.Fail(FailAccountClosed, "R02", time.Now(), func() string { return "t" }); err != nil {
		t.Fatal(err)
	}
	if p.Status != Failed || p.FailureCode != FailAccountClosed || p.FailureMessage != "The bank account is closed. (R02)" {
		t.Fatalf("%+v", p)
	}
	q := Payment{ID: "pay_2", Status: Succeeded}
	if _, err := q.Fail(FailDeclined, "", time.Now(), func() string { return "t" }); !errors.Is(err, ErrIllegalTransition) {
		t.Fatal("a succeeded payment failed")
	}
}
