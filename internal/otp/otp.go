// Package otp holds the rules of emailed one-time codes: 6 digits from crypto/rand, valid 10
// minutes, 5 attempts, a resend cool-down, and issue limits per recipient and per IP address.
// Codes are stored only as a keyed hash (a plain hash of a 6-digit code is reversed in a
// millisecond), and compared in constant time.
package otp

import (
	"crypto/rand"
	"crypto/subtle"
	"math/big"
	"time"
)

// The rules.
const (
	TTL                 = 10 * time.Minute
	MaxAttempts         = 5
	ResendCooldown      = time.Minute
	PerRecipientPerHour = 5
	PerIPPerHour        = 20
	Digits              = 6
)

// Code is one issued code.
type Code struct {
	ID          string
	Subject     string
	RecipientID string
	IP          string
	CodeHash    string
	Attempts    int
	ExpiresAt   time.Time
	ConsumedAt  *time.Time
	CreatedAt   time.Time
}

// Generate returns a uniformly random 6-digit code.
func Generate() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	s := n.String()
	for len(s) < Digits {
		s = "0" + s
	}
	return s
}

// Equal compares two code hashes in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
