// Package identity is a recipient's identity for onboarding (seed 004's KYC): the details a
// person or a business gives, a verification provider that checks them (the sandbox by
// default, whose outcome is chosen by documented magic values), and the status that results.
package identity

import (
	"context"
	"strings"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// Kind is who the recipient is.
type Kind string

// Kinds.
const (
	Individual Kind = "individual"
	Business   Kind = "business"
)

// Status is where verification stands.
type Status string

// Statuses: unverified -> pending -> verified | rejected. A rejected identity may be submitted
// again (its reason says what to fix).
const (
	Unverified Status = "unverified"
	Pending    Status = "pending"
	Verified   Status = "verified"
	Rejected   Status = "rejected"
)

// Rejection reasons, stable for platforms to branch on.
const (
	ReasonDocumentMismatch      = "document_mismatch"
	ReasonMoreInformationNeeded = "more_information_needed"
)

// Details are what the recipient enters. They are personal data: the app stores them sealed.
type Details struct {
	Kind               Kind   `json:"kind"`
	LegalName          string `json:"legal_name"`
	DateOfBirth        string `json:"date_of_birth,omitempty"`       // individuals, YYYY-MM-DD
	RegistrationNumber string `json:"registration_number,omitempty"` // businesses
	AddressLine1       string `json:"address_line1"`
	City               string `json:"city"`
	PostalCode         string `json:"postal_code"`
	Country            string `json:"country"`
}

// FieldError names the field a detail is wrong in.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Normalize trims the details and checks them; the first problem names its field.
func (d *Details) Normalize(now time.Time) error {
	for _, p := range []*string{&d.LegalName, &d.DateOfBirth, &d.RegistrationNumber, &d.AddressLine1, &d.City, &d.PostalCode, &d.Country} {
		*p = strings.TrimSpace(*p)
	}
	d.Country = strings.ToUpper(d.Country)
	switch d.Kind {
	case Individual, Business:
	default:
		return &FieldError{"kind", "choose individual or business"}
	}
	if d.LegalName == "" || len(d.LegalName) > 140 {
		return &FieldError{"legal_name", "enter the legal name (at most 140 characters)"}
	}
	if d.Kind == Individual {
		dob, err := time.Parse("2006-01-02", d.DateOfBirth)
		if err != nil {
			return &FieldError{"date_of_birth", "enter the date of birth as YYYY-MM-DD"}
		}
		if dob.After(now.AddDate(-18, 0, 0)) || dob.Before(now.AddDate(-120, 0, 0)) {
			return &FieldError{"date_of_birth", "the person must be at least 18 years old"}
		}
		d.RegistrationNumber = ""
	} else {
		if d.RegistrationNumber == "" || len(d.RegistrationNumber) > 40 {
			return &FieldError{"registration_number", "enter the company registration number"}
		}
		d.DateOfBirth = ""
	}
	if d.AddressLine1 == "" || len(d.AddressLine1) > 200 {
		return &FieldError{"address_line1", "enter the street address"}
	}
	if d.City == "" || len(d.City) > 100 {
		return &FieldError{"city", "enter the city"}
	}
	if d.PostalCode == "" || len(d.PostalCode) > 20 {
		return &FieldError{"postal_code", "enter the postal code"}
	}
	if len(d.Country) != 2 || strings.Trim(d.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return &FieldError{"country", "enter the two-letter country code, such as DE"}
	}
	return nil
}

// Outcome is a provider's answer.
type Outcome struct {
	Status Status
	Reason string
	// Reference is the provider's id of the check.
	Reference string
}

// Verifier checks details. Verify may be slow (a real provider): the app calls it from a job.
type Verifier interface {
	Name() string
	Verify(ctx context.Context, recipientID string, d Details) (Outcome, error)
}

// Sandbox decides by the legal name's last word (docs/SANDBOX.md): "Rejected" rejects with
// document_mismatch, "Review" asks for more information, anything else is verified.
type Sandbox struct{}

// Name implements Verifier.
func (Sandbox) Name() string { return "sandbox" }

// Verify implements Verifier.
func (Sandbox) Verify(_ context.Context, recipientID string, d Details) (Outcome, error) {
	words := strings.Fields(d.LegalName)
	last := ""
	if len(words) > 0 {
		last = strings.ToLower(words[len(words)-1])
	}
	ref := "sbx_idv_" + recipientID
	switch last {
	case "rejected":
		return Outcome{Status: Rejected, Reason: ReasonDocumentMismatch, Reference: ref}, nil
	case "review":
		return Outcome{Status: Rejected, Reason: ReasonMoreInformationNeeded, Reference: ref}, nil
	}
	return Outcome{Status: Verified, Reference: ref}, nil
}

// Record is a stored identity: its details sealed, its status in the clear.
type Record struct {
	RecipientID       string
	Scope             tenant.Scope
	Kind              Kind
	Country           string
	SealedDetails     string
	Status            Status
	Reason            string
	Provider          string
	ProviderReference string
	SubmittedAt       time.Time
	UpdatedAt         time.Time
}
