// Package mail sends Payport's emails through a Mailer: SMTP for real use, or the development
// outbox (the embedded default) that keeps messages in the database and shows them at
// /dev/outbox, so a fresh install works with no mail server. Every message has a text and an
// HTML part.
package mail

import (
	"context"
	"time"
)

// Message is one email.
type Message struct {
	ID        string    `json:"id"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	CreatedAt time.Time `json:"created_at"`
}

// Mailer delivers messages. Send must be safe to call again for the same message after a
// failure (the job queue retries).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}
