package nacha

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moov-io/ach"

	"github.com/payport/payport/internal/payment"
)

// Return is one entry of a return or notification-of-change (NOC) file, tied to the payout by the
// trace number BuildFile gave its original entry.
type Return struct {
	// TraceNumber is the trace number of the original entry (the one in BuildFile's answer),
	// not the trace the bank gave the return itself.
	TraceNumber string
	// Code is the return reason code, e.g. "R01"; empty for a notification of change.
	Code string
	// Reason is the NACHA title of Code or ChangeCode, e.g. "Insufficient Funds".
	Reason string
	// AmountCents is the amount of the returned entry in cents; a notification of change carries
	// no money and has 0.
	AmountCents int64
	// IsNotificationOfChange is true for a NOC (addenda 98): the payout was paid, but the bank
	// asks that the recipient's details be corrected before the next one.
	IsNotificationOfChange bool
	// ChangeCode is the NOC change code, e.g. "C01" (incorrect account number).
	ChangeCode string
	// CorrectedData is the corrected value the bank supplies with a NOC, e.g. the new account
	// number for C01.
	CorrectedData string
}

// ParseReturns reads a return or notification-of-change file from the ODFI and answers with one
// Return per entry, in file order.
//
// Return entries carry an addenda 99 record, NOC entries (COR batches) an addenda 98. Return
// codes outside the NACHA table (some banks use private ones such as R97) are accepted, because
// refusing the file would hide every other return in it; their Reason says they are
// non-standard. A file that is not valid NACHA, or that holds an entry with neither addenda (a
// forward file given by mistake), is refused with an error that says which.
func ParseReturns(r io.Reader) ([]Return, error) {
	reader := ach.NewReader(r)
	reader.SetValidation(&ach.ValidateOpts{CustomReturnCodes: true})
	file, err := reader.Read()
	if err != nil {
		return nil, fmt.Errorf("nacha: not a readable return file: %w", err)
	}
	var out []Return
	for _, batch := range file.Batches {
		for _, e := range batch.GetEntries() {
			ret, ok := entryReturn(e.Addenda99, e.Addenda98, e.Amount)
			if !ok {
				return nil, fmt.Errorf("nacha: not a return file: entry %s of batch %d has no return (99) or change (98) addenda",
					e.TraceNumber, batch.GetHeader().BatchNumber)
			}
			out = append(out, ret)
		}
	}
	// Payport only sends domestic entries, but a bank may use IAT batches to return entries
	// that crossed a gateway; they are read the same way.
	for _, batch := range file.IATBatches {
		for _, e := range batch.Entries {
			ret, ok := entryReturn(e.Addenda99, e.Addenda98, e.Amount)
			if !ok {
				return nil, fmt.Errorf("nacha: not a return file: IAT entry %s of batch %d has no return (99) or change (98) addenda",
					e.TraceNumber, batch.GetHeader().BatchNumber)
			}
			out = append(out, ret)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("nacha: return file holds no entries")
	}
	return out, nil
}

// entryReturn turns an entry's return or NOC addenda into a Return; ok is false when it has none.
func entryReturn(a99 *ach.Addenda99, a98 *ach.Addenda98, amount int) (ret Return, ok bool) {
	switch {
	case a99 != nil:
		code := strings.ToUpper(strings.TrimSpace(a99.ReturnCode))
		return Return{
			TraceNumber: strings.TrimSpace(a99.OriginalTrace),
			Code:        code,
			Reason:      returnReason(code),
			AmountCents: int64(amount),
		}, true
	case a98 != nil:
		code := strings.ToUpper(strings.TrimSpace(a98.ChangeCode))
		return Return{
			TraceNumber:            strings.TrimSpace(a98.OriginalTrace),
			Reason:                 changeReason(code),
			AmountCents:            int64(amount),
			IsNotificationOfChange: true,
			ChangeCode:             code,
			CorrectedData:          strings.TrimSpace(a98.CorrectedData),
		}, true
	}
	return Return{}, false
}

// Payport failure codes that returns map to; they are the ones the payout API reports.
const (
	failureInsufficientFunds    = payment.FailInsufficientFunds
	failureAccountClosed        = payment.FailAccountClosed
	failureNoAccount            = payment.FailNoAccount
	failureInvalidAccountNumber = payment.FailInvalidAccountNumber
	failureAccountFrozen        = payment.FailAccountFrozen
	failureDeclined             = payment.FailDeclined
	failureCouldNotProcess      = payment.FailCouldNotProcess
)

// MapReturnCode gives the Payport failure code for a NACHA return reason code:
//
//	R01, R09             insufficient_funds
//	R02                  account_closed
//	R03                  no_account
//	R04, R20             invalid_account_number (R20: the account cannot take payments)
//	R16                  account_frozen
//	R05, R07, R10, R29   declined
//	anything else        could_not_process
//
// Notifications of change are not failures and have no return code; do not map them.
func MapReturnCode(code string) (failureCode string) {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "R01", "R09":
		return failureInsufficientFunds
	case "R02":
		return failureAccountClosed
	case "R03":
		return failureNoAccount
	case "R04", "R20":
		return failureInvalidAccountNumber
	case "R16":
		return failureAccountFrozen
	case "R05", "R07", "R10", "R23", "R29":
		return failureDeclined
	}
	return failureCouldNotProcess
}

// returnReason gives the NACHA title of a return reason code.
func returnReason(code string) string {
	if r, ok := returnReasons[code]; ok {
		return r
	}
	return "Non-standard return reason code " + code
}

// changeReason gives the NACHA title of a notification-of-change code.
func changeReason(code string) string {
	if r, ok := changeReasons[code]; ok {
		return r
	}
	return "Non-standard change code " + code
}

// returnReasons holds the titles of the NACHA Operating Rules' return reason codes (Appendix
// Four), so that an operator reading a failed payout sees what the bank meant.
var returnReasons = map[string]string{
	"R01": "Insufficient Funds",
	"R02": "Account Closed",
	"R03": "No Account/Unable to Locate Account",
	"R04": "Invalid Account Number Structure",
	"R05": "Unauthorized Debit to Consumer Account Using Corporate SEC Code",
	"R06": "Returned per ODFI's Request",
	"R07": "Authorization Revoked by Customer",
	"R08": "Payment Stopped",
	"R09": "Uncollected Funds",
	"R10": "Customer Advises Originator is Not Known to Receiver and/or Originator is Not Authorized by Receiver to Debit Receiver's Account",
	"R11": "Customer Advises Entry Not in Accordance with the Terms of the Authorization",
	"R12": "Account Sold to Another DFI",
	"R13": "Invalid ACH Routing Number",
	"R14": "Representative Payee Deceased or Unable to Continue in That Capacity",
	"R15": "Beneficiary or Account Holder (Other Than a Representative Payee) Deceased",
	"R16": "Account Frozen/Entry Returned per OFAC Instruction",
	"R17": "File Record Edit Criteria/Entry with Invalid Account Number Initiated Under Questionable Circumstances",
	"R18": "Improper Effective Entry Date",
	"R19": "Amount Field Error",
	"R20": "Non-Transaction Account",
	"R21": "Invalid Company Identification",
	"R22": "Invalid Individual ID Number",
	"R23": "Credit Entry Refused by Receiver",
	"R24": "Duplicate Entry",
	"R25": "Addenda Error",
	"R26": "Mandatory Field Error",
	"R27": "Trace Number Error",
	"R28": "Routing Number Check Digit Error",
	"R29": "Corporate Customer Advises Not Authorized",
	"R30": "RDFI Not Participant in Check Truncation Program",
	"R31": "Permissible Return Entry (CCD and CTX only)",
	"R32": "RDFI Non-Settlement",
	"R33": "Return of XCK Entry",
	"R34": "Limited Participation DFI",
	"R35": "Return of Improper Debit Entry",
	"R36": "Return of Improper Credit Entry",
	"R37": "Source Document Presented for Payment",
	"R38": "Stop Payment on Source Document",
	"R39": "Improper Source Document/Source Document Presented for Payment",
	"R40": "Return of ENR Entry by Federal Government Agency",
	"R41": "Invalid Transaction Code",
	"R42": "Routing Number/Check Digit Error",
	"R43": "Invalid DFI Account Number",
	"R44": "Invalid Individual ID Number/Identification Number",
	"R45": "Invalid Individual Name/Company Name",
	"R46": "Invalid Representative Payee Indicator",
	"R47": "Duplicate Enrollment",
	"R50": "State Law Affecting RCK Acceptance",
	"R51": "Item Related to RCK Entry is Ineligible or RCK Entry is Improper",
	"R52": "Stop Payment on Item Related to RCK Entry",
	"R53": "Item and RCK Entry Presented for Payment",
	"R61": "Misrouted Return",
	"R62": "Return of Erroneous or Reversing Debit",
	"R67": "Duplicate Return",
	"R68": "Untimely Return",
	"R69": "Field Error(s)",
	"R70": "Permissible Return Entry Not Accepted/Return Not Requested by ODFI",
	"R71": "Misrouted Dishonored Return",
	"R72": "Untimely Dishonored Return",
	"R73": "Timely Original Return",
	"R74": "Corrected Return",
	"R75": "Return Not a Duplicate",
	"R76": "No Errors Found",
	"R77": "Non-Acceptance of R62 Dishonored Return",
	"R80": "IAT Entry Coding Error",
	"R81": "Non-Participant in IAT Program",
	"R82": "Invalid Foreign Receiving DFI Identification",
	"R83": "Foreign Receiving DFI Unable to Settle",
	"R84": "Entry Not Processed by Gateway",
	"R85": "Incorrectly Coded Outbound International Payment",
}

// changeReasons holds the titles of the NACHA notification-of-change codes.
var changeReasons = map[string]string{
	"C01": "Incorrect DFI Account Number",
	"C02": "Incorrect Routing Number",
	"C03": "Incorrect Routing Number and Incorrect DFI Account Number",
	"C04": "Incorrect Individual Name/Receiving Company Name",
	"C05": "Incorrect Transaction Code",
	"C06": "Incorrect DFI Account Number and Incorrect Transaction Code",
	"C07": "Incorrect Routing Number, Incorrect DFI Account Number, and Incorrect Transaction Code",
	"C08": "Incorrect Receiving DFI Identification (IAT Only)",
	"C09": "Incorrect Individual Identification Number",
	"C10": "Incorrect Company Name",
	"C11": "Incorrect Company Identification",
	"C12": "Incorrect Company Name and Company Identification",
	"C13": "Addenda Format Error",
	"C14": "Incorrect SEC Code for Outbound International Payment",
}
