package sepa

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/payment"
)

// Report is what a pain.002 customer payment status report says about one pain.001 message.
//
// Statuses are the ISO 20022 codes as the bank wrote them: RCVD (received), ACTC (technically
// valid), ACCP (accepted), ACSP (settlement in process), ACSC (settled), ACWC (accepted with
// change), PDNG (pending), PART (partly accepted, group or block only), RJCT (rejected).
type Report struct {
	// MessageID is the report's own message id.
	MessageID string
	// OriginalMessageID is the MsgId of the pain.001 the report is about.
	OriginalMessageID string
	// GroupStatus is the status of the whole message; empty when the bank reports only
	// blocks or transactions.
	GroupStatus string
	// GroupReasonCode is the reason code of a group status, e.g. FF01 (invalid file format).
	GroupReasonCode string
	// PaymentInfos lists the status of payment information blocks. A rejected block without
	// transaction entries means every transaction in it is rejected.
	PaymentInfos []PaymentInfoStatus
	// Transactions lists the statuses of single transactions, in report order.
	Transactions []TransactionStatus
}

// PaymentInfoStatus is the status of one payment information block (PmtInf) of the original
// message.
type PaymentInfoStatus struct {
	// OriginalPaymentInfoID is the PmtInfId of the block (the message id, in files BuildPain001
	// writes).
	OriginalPaymentInfoID string
	// Status is the block's status; empty when only its transactions have one.
	Status string
	// ReasonCode is the ISO 20022 reason code of the status.
	ReasonCode string
}

// TransactionStatus is the status of one credit transfer.
type TransactionStatus struct {
	// EndToEndID is the transaction's OrgnlEndToEndId: the payout id, for files BuildPain001
	// writes. Empty if the bank left it out, in which case it cannot be matched.
	EndToEndID string
	// Status is TxSts, e.g. ACCP, ACSC, PDNG or RJCT.
	Status string
	// ReasonCode is StsRsnInf/Rsn/Cd (or the proprietary reason when there is no code), e.g.
	// AC04; map it with MapReasonCode.
	ReasonCode string
	// AdditionalInfo is the bank's free text about the status, if any.
	AdditionalInfo string
	// AmountCents is the original instructed amount in euro cents when the report repeats it
	// (OrgnlTxRef/Amt/InstdAmt), otherwise 0.
	AmountCents int64
}

// pain002NamespacePrefix is shared by every pain.002 version (001.03 to 001.14); the elements
// read here have the same names and places in all of them.
const pain002NamespacePrefix = "urn:iso:std:iso:20022:tech:xsd:pain.002."

// ParsePain002 reads a pain.002 customer payment status report (any version; written for
// pain.002.001.10). Input that is not XML, not a pain.002 document, or lacks the message ids every
// report must carry is refused with an error saying so.
func ParsePain002(r io.Reader) (Report, error) {
	var doc pain002Document
	dec := xml.NewDecoder(r)
	dec.CharsetReader = latin1Reader
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Report{}, errors.New("sepa: not a pain.002 status report: the input holds no XML element")
		}
		return Report{}, fmt.Errorf("sepa: not a pain.002 status report: invalid XML: %w", err)
	}
	if doc.XMLName.Local != "Document" || !strings.HasPrefix(doc.XMLName.Space, pain002NamespacePrefix) {
		return Report{}, fmt.Errorf("sepa: not a pain.002 status report: root element is %q in namespace %q, want Document in %s*",
			doc.XMLName.Local, doc.XMLName.Space, pain002NamespacePrefix)
	}
	rpt := doc.Report
	if rpt == nil {
		return Report{}, errors.New("sepa: not a pain.002 status report: no CstmrPmtStsRpt element")
	}
	out := Report{
		MessageID:         strings.TrimSpace(rpt.GrpHdr.MsgId),
		OriginalMessageID: strings.TrimSpace(rpt.OrgnlGrpInfAndSts.OrgnlMsgId),
		GroupStatus:       strings.TrimSpace(rpt.OrgnlGrpInfAndSts.GrpSts),
		GroupReasonCode:   firstReason(rpt.OrgnlGrpInfAndSts.StsRsnInf),
	}
	if out.MessageID == "" || out.OriginalMessageID == "" {
		return Report{}, errors.New("sepa: invalid pain.002 status report: GrpHdr/MsgId or OrgnlGrpInfAndSts/OrgnlMsgId is missing")
	}
	for _, p := range rpt.OrgnlPmtInfAndSts {
		out.PaymentInfos = append(out.PaymentInfos, PaymentInfoStatus{
			OriginalPaymentInfoID: strings.TrimSpace(p.OrgnlPmtInfId),
			Status:                strings.TrimSpace(p.PmtInfSts),
			ReasonCode:            firstReason(p.StsRsnInf),
		})
		for _, tx := range p.TxInfAndSts {
			ts := TransactionStatus{
				EndToEndID:     strings.TrimSpace(tx.OrgnlEndToEndId),
				Status:         strings.TrimSpace(tx.TxSts),
				ReasonCode:     firstReason(tx.StsRsnInf),
				AdditionalInfo: additionalInfo(tx.StsRsnInf),
			}
			if a := tx.OrgnlTxRef.Amt.InstdAmt; strings.TrimSpace(a.Value) != "" {
				cents, err := parseAmount(a.Ccy, a.Value)
				if err != nil {
					return Report{}, fmt.Errorf("sepa: invalid pain.002 status report: transaction %q: amount %q %s: %w",
						ts.EndToEndID, a.Value, a.Ccy, err)
				}
				ts.AmountCents = cents
			}
			out.Transactions = append(out.Transactions, ts)
		}
	}
	return out, nil
}

// latin1Reader lets reports declared as ISO-8859-1, which some banks still send, be read;
// encoding/xml itself only reads UTF-8.
func latin1Reader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "l1":
	default:
		return nil, fmt.Errorf("unsupported character encoding %q", label)
	}
	data, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	runes := make([]rune, len(data))
	for i, b := range data {
		runes[i] = rune(b) // ISO-8859-1 bytes are the first 256 Unicode code points.
	}
	return strings.NewReader(string(runes)), nil
}

// parseAmount reads a euro amount exactly; Payport only sends euro, so another currency means the
// report is about some other message.
func parseAmount(ccy, value string) (int64, error) {
	if strings.TrimSpace(ccy) != "EUR" {
		return 0, errors.New("is not in EUR")
	}
	return money.ParseDecimal(strings.TrimSpace(value), eur)
}

// firstReason gives the first status reason code: the ISO code, else the proprietary one.
func firstReason(infos []stsRsnInf) string {
	for _, i := range infos {
		if c := strings.TrimSpace(i.Rsn.Cd); c != "" {
			return c
		}
		if p := strings.TrimSpace(i.Rsn.Prtry); p != "" {
			return p
		}
	}
	return ""
}

// additionalInfo joins the free texts of all status reasons, which banks split over several
// 105-character AddtlInf elements.
func additionalInfo(infos []stsRsnInf) string {
	var parts []string
	for _, i := range infos {
		for _, a := range i.AddtlInf {
			if a = strings.TrimSpace(a); a != "" {
				parts = append(parts, a)
			}
		}
	}
	return strings.Join(parts, " ")
}

// MapReasonCode gives the Payport failure code for an ISO 20022 status reason code of a rejected
// transfer:
//
//	AC01                 invalid_account_number (IBAN wrong or not valid)
//	AC04                 account_closed
//	AC06                 account_frozen (blocked)
//	AM04                 insufficient_funds
//	AG01, AG02, RR*      declined (transaction forbidden, invalid operation, regulatory reasons)
//	MD07                 could_not_process (see below)
//	anything else        could_not_process
//
// MD07 (end customer deceased) is could_not_process rather than no_account: the account may well
// exist (an estate account), so telling the recipient to fix their account number would be wrong,
// and NACHA's deceased codes (R14, R15) map the same way.
func MapReasonCode(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	switch code {
	case "AC01", "AC03":
		return payment.FailInvalidAccountNumber
	case "AC04":
		return payment.FailAccountClosed
	case "AC06":
		return payment.FailAccountFrozen
	case "AM04":
		return payment.FailInsufficientFunds
	case "AG01", "AG02":
		return payment.FailDeclined
	case "MD07":
		return payment.FailCouldNotProcess
	}
	if strings.HasPrefix(code, "RR") {
		return payment.FailDeclined
	}
	return payment.FailCouldNotProcess
}

// The types below read the pain.002 elements Payport uses. Names without a namespace match the
// elements of any pain.002 version.

type pain002Document struct {
	XMLName xml.Name
	Report  *cstmrPmtStsRpt `xml:"CstmrPmtStsRpt"`
}

type cstmrPmtStsRpt struct {
	GrpHdr struct {
		MsgId string `xml:"MsgId"`
	} `xml:"GrpHdr"`
	OrgnlGrpInfAndSts struct {
		OrgnlMsgId string      `xml:"OrgnlMsgId"`
		GrpSts     string      `xml:"GrpSts"`
		StsRsnInf  []stsRsnInf `xml:"StsRsnInf"`
	} `xml:"OrgnlGrpInfAndSts"`
	OrgnlPmtInfAndSts []struct {
		OrgnlPmtInfId string        `xml:"OrgnlPmtInfId"`
		PmtInfSts     string        `xml:"PmtInfSts"`
		StsRsnInf     []stsRsnInf   `xml:"StsRsnInf"`
		TxInfAndSts   []txInfAndSts `xml:"TxInfAndSts"`
	} `xml:"OrgnlPmtInfAndSts"`
}

type stsRsnInf struct {
	Rsn struct {
		Cd    string `xml:"Cd"`
		Prtry string `xml:"Prtry"`
	} `xml:"Rsn"`
	AddtlInf []string `xml:"AddtlInf"`
}

type txInfAndSts struct {
	OrgnlEndToEndId string      `xml:"OrgnlEndToEndId"`
	TxSts           string      `xml:"TxSts"`
	StsRsnInf       []stsRsnInf `xml:"StsRsnInf"`
	OrgnlTxRef      struct {
		Amt struct {
			InstdAmt struct {
				Ccy   string `xml:"Ccy,attr"`
				Value string `xml:",chardata"`
			} `xml:"InstdAmt"`
		} `xml:"Amt"`
	} `xml:"OrgnlTxRef"`
}
