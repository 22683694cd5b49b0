package sepa

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParsePain002ReadsAcceptedAndRejectedTransactions(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "pain.002.001.10-status-report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParsePain002(f)
	if err != nil {
		t.Fatal(err)
	}
	want := Report{
		MessageID:         "STS20260303091244-000187",
		OriginalMessageID: "PP-LIVE-20260302-0001",
		GroupStatus:       "PART",
		PaymentInfos: []PaymentInfoStatus{
			{OriginalPaymentInfoID: "PP-LIVE-20260302-0001", Status: "PART"},
		},
		Transactions: []TransactionStatus{
			{EndToEndID: "pay-0193c5e8a1f27c3d9b4e6a8f0c2d4e6", Status: "ACCP", AmountCents: 125000},
			{EndToEndID: "pay-0193c5e8a1f27c3d9b4e6a8f0c2d4e7", Status: "RJCT", ReasonCode: "AC04",
				AdditionalInfo: "Creditor account closed", AmountCents: 50050},
			{EndToEndID: "pay-0193c5e8a1f27c3d9b4e6a8f0c2d4e8", Status: "RJCT", ReasonCode: "AC01",
				AdditionalInfo: "Incorrect account number: IBAN unknown at beneficiary bank", AmountCents: 5025},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	var failures []string
	for _, tx := range got.Transactions {
		if tx.Status == "RJCT" {
			failures = append(failures, MapReasonCode(tx.ReasonCode))
		}
	}
	if strings.Join(failures, ",") != "account_closed,invalid_account_number" {
		t.Errorf("rejections map to %v", failures)
	}
}

func TestParsePain002ReadsGroupRejectionAndProprietaryReasons(t *testing.T) {
	const report = `<?xml version="1.0" encoding="ISO-8859-1"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>R-1</MsgId><CreDtTm>2026-03-03T08:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts>
   <OrgnlMsgId>PP-LIVE-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>
   <StsRsnInf><Rsn><Cd>FF01</Cd></Rsn><AddtlInf>Fichier refus` + "\xe9" + `</AddtlInf></StsRsnInf>
  </OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts>
   <OrgnlPmtInfId>PP-LIVE-1</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts>
   <StsRsnInf><Rsn><Prtry>BANK42</Prtry></Rsn></StsRsnInf>
  </OrgnlPmtInfAndSts>
 </CstmrPmtStsRpt>
</Document>`
	got, err := ParsePain002(strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	if got.GroupStatus != "RJCT" || got.GroupReasonCode != "FF01" || len(got.Transactions) != 0 ||
		len(got.PaymentInfos) != 1 || got.PaymentInfos[0].Status != "RJCT" || got.PaymentInfos[0].ReasonCode != "BANK42" {
		t.Errorf("got %+v", got)
	}
}

func TestParsePain002RefusesWhatIsNoStatusReport(t *testing.T) {
	pain001, err := BuildPain001(testDebtor(), testTransfers(), testExec, "m1", testNow)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ input, want string }{
		"empty":      {"", "holds no XML element"},
		"garbage":    {"this is not XML at all", "holds no XML element"},
		"binary":     {"\x00\x01\x02<\xff", "invalid XML"},
		"truncated":  {`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt><GrpHdr>`, "invalid XML"},
		"html":       {"<html><body>502 Bad Gateway</body></html>", `root element is "html"`},
		"a pain.001": {string(pain001), "pain.001.001.09"},
		"no report":  {`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>`, "no CstmrPmtStsRpt"},
		"no msg ids": {`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt/></Document>`, "OrgnlMsgId is missing"},
		"bad amount": {`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt><GrpHdr><MsgId>R</MsgId></GrpHdr>` +
			`<OrgnlGrpInfAndSts><OrgnlMsgId>M</OrgnlMsgId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>M</OrgnlPmtInfId>` +
			`<TxInfAndSts><OrgnlEndToEndId>pay-1</OrgnlEndToEndId><TxSts>RJCT</TxSts><OrgnlTxRef><Amt><InstdAmt Ccy="EUR">1,50</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>` +
			`</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`, `transaction "pay-1": amount`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePain002(strings.NewReader(c.input))
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if !strings.HasPrefix(err.Error(), "sepa: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want one containing %q", err, c.want)
			}
		})
	}
}

func TestMapReasonCode(t *testing.T) {
	want := map[string]string{
		"AC01": "invalid_account_number",
		"AC04": "account_closed",
		"AC06": "account_frozen",
		"AM04": "insufficient_funds",
		"AG01": "declined", "AG02": "declined", "RR01": "declined", "RR04": "declined",
		"MD07": "could_not_process",
		"MS03": "could_not_process", "FF01": "could_not_process", "": "could_not_process",
		"ac04": "account_closed",
	}
	for code, failure := range want {
		if got := MapReasonCode(code); got != failure {
			t.Errorf("MapReasonCode(%q) = %q, want %q", code, got, failure)
		}
	}
}
