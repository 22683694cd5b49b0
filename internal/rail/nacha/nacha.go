// Package nacha writes the NACHA (US ACH) files that pay recipients out, and reads the return and
// notification-of-change files that the bank sends back about them.
//
// It is pure: no database, no clock, no network. The payout engine gives it the payouts and the
// time, stores the file and the trace numbers it answers with, and later matches returns to
// payouts by those trace numbers. The record layouts, totals and checks come from
// github.com/moov-io/ach, so a file is only handed back once moov-io's File.Validate accepts it.
package nacha

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/moov-io/ach"
)

// Originator is the company sending the payouts and the bank (ODFI) that sends the file to the
// ACH network for it. The values come from the bank's onboarding letter.
type Originator struct {
	// CompanyName is the name the recipient sees on their statement (at most 16 characters).
	CompanyName string
	// CompanyID is the 10-character company identification the ODFI assigned, often "1" followed
	// by the company's EIN (e.g. "1234567890").
	CompanyID string
	// ImmediateOrigin is the 9-digit routing number of the ODFI sending the file.
	ImmediateOrigin string
	// ImmediateOriginName is the ODFI's name in the file header (at most 23 characters).
	ImmediateOriginName string
	// ImmediateDestination is the 9-digit routing number of the ACH operator or bank that
	// receives the file.
	ImmediateDestination string
	// ImmediateDestinationName is that receiver's name in the file header (at most 23 characters).
	ImmediateDestinationName string
	// ODFIIdentification is the first 8 digits of the ODFI's routing number; it starts every
	// trace number, which is how returns find their way back.
	ODFIIdentification string
	// EntryClass is the standard entry class: "PPD" for consumer accounts, "CCD" for business ones.
	EntryClass string
	// EntryDescription is the batch's company entry description shown to recipients, e.g.
	// "PAYOUT" (at most 10 characters).
	EntryDescription string
	// FirstTraceSequence is the 7-digit sequence of the file's first trace number (1 when 0).
	// Continuing the sequence from file to file keeps trace numbers, which returns quote,
	// unique across files; it wraps after 9,999,999.
	FirstTraceSequence int
}

// Credit is one payout to a US bank account.
type Credit struct {
	// PayoutID is Payport's id of the payout (e.g. "pay_..."); BuildFile answers with its trace
	// number under this key. It is not written to the file.
	PayoutID string
	// AmountCents is the amount in cents, greater than zero and at most 99,999,999.99 USD (the
	// 10-digit amount field).
	AmountCents int64
	// RoutingNumber is the recipient bank's 9-digit ABA routing number, check digit included.
	RoutingNumber string
	// AccountNumber is the recipient's account number (1 to 17 letters, digits or '-').
	AccountNumber string
	// AccountType is "checking" or "savings"; it picks the transaction code (22 or 32).
	AccountType string
	// HolderName is the account holder's name; non-ASCII letters are folded to ASCII and it is
	// cut to the 22 characters the record holds.
	HolderName string
	// IndividualID is a short reference the recipient's bank may show (at most 15 characters).
	IndividualID string
}

// CreditError says why one credit was refused. BuildFile returns every such error joined with
// errors.Join, so the engine can fail those payouts and build the file again without them.
type CreditError struct {
	// PayoutID names the refused payout.
	PayoutID string
	// Field is the Credit field at fault, e.g. "AmountCents".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *CreditError) Error() string {
	return fmt.Sprintf("nacha: payout %q: %s %s", e.PayoutID, e.Field, e.Reason)
}

const (
	// maxBatchEntries keeps batches at a size every ODFI accepts; NACHA itself has no limit, but
	// several banks reject larger batches, and the batch control's 6-digit entry count would
	// overflow at a million.
	maxBatchEntries = 10_000
	// maxEntryAmount is the largest value of the 10-digit amount field of an entry.
	maxEntryAmount = 9_999_999_999
	// maxTotalAmount is the largest value of the 12-digit total fields of the batch and file
	// control records.
	maxTotalAmount = 999_999_999_999
	// maxTraceSequence is the largest 7-digit sequence in a trace number; trace numbers are
	// unique per file, so it bounds the credits in one file.
	maxTraceSequence = 9_999_999
)

// BuildFile writes a NACHA file that pays every credit, and returns it with each payout's trace
// number (payoutID -> 15-digit trace).
//
// Payout files only push money, so every batch has service class 220 (credits only) and no
// offsetting debit: the ODFI settles the total against the originator's account. Batches hold at
// most 10,000 entries; trace numbers are the ODFI identification followed by a 7-digit sequence
// that runs over the whole file, so they are unique in the file and ascending in each batch (a
// batch also ends where the sequence wraps from 9,999,999 to 1).
//
// effectiveDate is the day the credits should settle (only its calendar date is used, and it may
// not be before now's). fileIDModifier ("A"-"Z" or "0"-"9") tells apart files sent to the same
// destination on the same day. now sets the file creation date and time, as given (pass it in
// the time zone the bank expects).
//
// Invalid credits are refused with *CreditError values joined together; nothing is written then.
func BuildFile(o Originator, credits []Credit, effectiveDate time.Time, fileIDModifier string, now time.Time) (content []byte, traces map[string]string, err error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	if !validFileIDModifier(fileIDModifier) {
		return nil, nil, fmt.Errorf("nacha: file ID modifier %q must be one upper-case letter or digit", fileIDModifier)
	}
	if effectiveDate.IsZero() {
		return nil, nil, errors.New("nacha: effective date is missing")
	}
	if dateOnly(effectiveDate).Before(dateOnly(now)) {
		return nil, nil, fmt.Errorf("nacha: effective date %s is before the file creation date %s",
			effectiveDate.Format(time.DateOnly), now.Format(time.DateOnly))
	}
	if len(credits) == 0 {
		return nil, nil, errors.New("nacha: no credits to pay")
	}
	if len(credits) > maxTraceSequence {
		return nil, nil, fmt.Errorf("nacha: %d credits exceed the %d trace numbers one file can hold; split them into several files",
			len(credits), maxTraceSequence)
	}

	// Validate every credit before building anything, so the caller learns about all bad
	// payouts at once rather than one per attempt.
	var problems []error
	seen := make(map[string]struct{}, len(credits))
	var fileTotal int64
	for i := range credits {
		c := &credits[i]
		if _, dup := seen[c.PayoutID]; dup && c.PayoutID != "" {
			problems = append(problems, &CreditError{c.PayoutID, "PayoutID", "appears twice in the file"})
			continue
		}
		seen[c.PayoutID] = struct{}{}
		if err := c.validate(); err != nil {
			problems = append(problems, err)
			continue
		}
		fileTotal += c.AmountCents
	}
	if len(problems) > 0 {
		return nil, nil, errors.Join(problems...)
	}
	if fileTotal > maxTotalAmount {
		return nil, nil, fmt.Errorf("nacha: total of %d cents exceeds the 12-digit file control total; split the credits into several files", fileTotal)
	}

	header := ach.NewFileHeader()
	header.ImmediateDestination = o.ImmediateDestination
	header.ImmediateDestinationName = asciiText(o.ImmediateDestinationName, 23)
	header.ImmediateOrigin = o.ImmediateOrigin
	header.ImmediateOriginName = asciiText(o.ImmediateOriginName, 23)
	header.FileCreationDate = now.Format("060102")
	header.FileCreationTime = now.Format("1504")
	header.FileIDModifier = fileIDModifier

	file := ach.NewFile()
	file.SetHeader(header)

	traces = make(map[string]string, len(credits))
	effective := effectiveDate.Format("060102")
	// The index of the credit whose trace sequence wraps back to 1: trace numbers ascend in a
	// batch, so it starts a new one.
	wrap := maxTraceSequence - (max(o.FirstTraceSequence, 1) - 1)
	for start, number := 0, 1; start < len(credits); number++ {
		end := min(start+maxBatchEntries, len(credits))
		if start < wrap && wrap < end {
			end = wrap
		}
		bh := ach.NewBatchHeader()
		bh.ServiceClassCode = ach.CreditsOnly
		bh.CompanyName = o.CompanyName
		bh.CompanyIdentification = o.CompanyID
		bh.StandardEntryClassCode = o.EntryClass
		bh.CompanyEntryDescription = o.EntryDescription
		bh.EffectiveEntryDate = effective
		bh.ODFIIdentification = o.ODFIIdentification
		bh.OriginatorStatusCode = 1 // 1: the originator's entries are sent by a depository financial institution
		bh.BatchNumber = number

		batch, err := ach.NewBatch(bh)
		if err != nil {
			return nil, nil, fmt.Errorf("nacha: batch %d: %w", bh.BatchNumber, err)
		}
		for i := start; i < end; i++ {
			c := &credits[i]
			entry := ach.NewEntryDetail()
			entry.TransactionCode = transactionCode(c.AccountType)
			entry.SetRDFI(c.RoutingNumber)
			entry.DFIAccountNumber = c.AccountNumber
			entry.Amount = int(c.AmountCents)
			entry.IdentificationNumber = c.IndividualID
			entry.IndividualName = asciiText(c.HolderName, 22)
			entry.TraceNumber = o.TraceNumber(i)
			entry.Category = ach.CategoryForward
			batch.AddEntry(entry)
			traces[c.PayoutID] = entry.TraceNumber
		}
		if err := batch.Create(); err != nil {
			return nil, nil, fmt.Errorf("nacha: batch %d: %w", bh.BatchNumber, err)
		}
		file.AddBatch(batch)
		start = end
	}
	if err := file.Create(); err != nil {
		return nil, nil, fmt.Errorf("nacha: assembling file: %w", err)
	}
	if err := file.Validate(); err != nil {
		return nil, nil, fmt.Errorf("nacha: file fails NACHA validation: %w", err)
	}

	var buf bytes.Buffer
	// 95 bytes a record (94 and the newline), plus headers, controls and the block padding.
	buf.Grow((len(credits) + 2*len(file.Batches) + 12) * 95)
	w := ach.NewWriter(&buf)
	// Validate just ran above; running it a second time inside Write would double the cost of
	// a large file for nothing.
	w.BypassValidation = true
	if err := w.Write(file); err != nil {
		return nil, nil, fmt.Errorf("nacha: writing file: %w", err)
	}
	return buf.Bytes(), traces, nil
}

// validate checks the originator's fields against the record layouts, because moov-io would
// otherwise cut or pad them silently and the bank would reject the file days later.
// Validate checks the originator's fields against the NACHA formats.
func (o Originator) Validate() error {
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, fmt.Errorf("nacha: originator %s %s", field, fmt.Sprintf(format, args...)))
	}
	if o.CompanyName == "" || len(o.CompanyName) > 16 || !printableASCII(o.CompanyName) {
		bad("CompanyName", "%q must be 1 to 16 printable ASCII characters", o.CompanyName)
	}
	if len(o.CompanyID) != 10 || !printableASCII(o.CompanyID) {
		bad("CompanyID", "%q must be 10 printable ASCII characters", o.CompanyID)
	}
	if err := checkRouting(o.ImmediateOrigin); err != nil {
		bad("ImmediateOrigin", "%q %v", o.ImmediateOrigin, err)
	}
	if err := checkRouting(o.ImmediateDestination); err != nil {
		bad("ImmediateDestination", "%q %v", o.ImmediateDestination, err)
	}
	if len(o.ODFIIdentification) != 8 || !allDigits(o.ODFIIdentification) {
		bad("ODFIIdentification", "%q must be 8 digits (the routing number without its check digit)", o.ODFIIdentification)
	}
	if o.EntryClass != ach.PPD && o.EntryClass != ach.CCD {
		bad("EntryClass", "%q must be PPD or CCD", o.EntryClass)
	}
	if o.EntryDescription == "" || len(o.EntryDescription) > 10 || !printableASCII(o.EntryDescription) {
		bad("EntryDescription", "%q must be 1 to 10 printable ASCII characters", o.EntryDescription)
	}
	return errors.Join(problems...)
}

// validate checks one credit; the limits are the NACHA field widths.
func (c *Credit) validate() error {
	bad := func(field, format string, args ...any) error {
		return &CreditError{PayoutID: c.PayoutID, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.PayoutID == "":
		return bad("PayoutID", "is missing")
	case c.AmountCents <= 0:
		return bad("AmountCents", "must be greater than zero, got %d", c.AmountCents)
	case c.AmountCents > maxEntryAmount:
		return bad("AmountCents", "%d exceeds the largest ACH entry amount (%d cents)", c.AmountCents, maxEntryAmount)
	}
	if err := checkRouting(c.RoutingNumber); err != nil {
		return bad("RoutingNumber", "%q %v", c.RoutingNumber, err)
	}
	if !validAccountNumber(c.AccountNumber) {
		return bad("AccountNumber", "must be 1 to 17 letters, digits or '-'")
	}
	if transactionCode(c.AccountType) == 0 {
		return bad("AccountType", "%q must be checking or savings", c.AccountType)
	}
	if asciiText(c.HolderName, 22) == "" {
		return bad("HolderName", "has no letters or digits that can be written in an ACH file")
	}
	if len(c.IndividualID) > 15 || !printableASCII(c.IndividualID) {
		return bad("IndividualID", "%q must be at most 15 printable ASCII characters", c.IndividualID)
	}
	return nil
}

// transactionCode returns the credit transaction code for an account type, or 0 when unknown.
func transactionCode(accountType string) int {
	switch accountType {
	case "checking":
		return ach.CheckingCredit
	case "savings":
		return ach.SavingsCredit
	}
	return 0
}

// checkRouting checks a 9-digit ABA routing number and its check digit, because a mistyped
// routing number is otherwise only found when the entry is returned days later.
func checkRouting(s string) error {
	if len(s) != 9 || !allDigits(s) {
		return errors.New("must be 9 digits")
	}
	if ach.CheckRoutingNumber(s) != nil {
		return errors.New("has a wrong check digit")
	}
	return nil
}

func validAccountNumber(s string) bool {
	if s == "" || len(s) > 17 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('0' <= b && b <= '9' || 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || b == '-') {
			return false
		}
	}
	return true
}

func validFileIDModifier(s string) bool {
	return len(s) == 1 && ('A' <= s[0] && s[0] <= 'Z' || '0' <= s[0] && s[0] <= '9')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// zeroPad7 formats the trace sequence; strconv and a fixed pad avoid fmt's cost on 100,000 entries.
// TraceNumber is the trace number BuildFile gives the i-th credit (from 0) of a file built
// with o: the ODFI identification and a 7-digit sequence from o.FirstTraceSequence, which
// wraps from 9,999,999 back to 1. A caller may record the traces while the file is built.
func (o Originator) TraceNumber(i int) string {
	return o.ODFIIdentification + zeroPad7((max(o.FirstTraceSequence, 1)-1+i)%maxTraceSequence+1)
}

func zeroPad7(n int) string {
	s := strconv.Itoa(n)
	return "0000000"[len(s):] + s
}

// dateOnly keeps the calendar date of t in its own location.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
