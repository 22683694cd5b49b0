package sepa

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/payport/payport/internal/rail/latin"
)

// inBasicSet reports whether b belongs to the SEPA basic Latin character set that every bank in
// the scheme must accept: a-z A-Z 0-9 / - ? : ( ) . , ' + and space.
func inBasicSet(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	switch b {
	case '/', '-', '?', ':', '(', ')', '.', ',', '\'', '+', ' ':
		return true
	}
	return false
}

// sepaText makes free text (names, remittance information) fit the SEPA basic character set and
// at most width characters. The EPC rulebook only obliges banks to carry that set, and some
// reject a whole file for one character outside it, so the file is made safe here rather than
// refused: accented Latin letters lose their accents, "&" becomes "+" (the EPC's own conversion),
// "_" becomes "-", any other character becomes a space, runs of spaces become one, and the text is
// trimmed and cut to width.
func sepaText(s string, width int) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		var out string
		switch {
		case r < 0x80 && inBasicSet(byte(r)) && r != ' ':
			out = string(r)
		case r == '&':
			out = "+"
		case r == '_':
			out = "-"
		default:
			out, _ = latin.Fold(r)
		}
		if out == "" {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteString(out)
	}
	t := b.String()
	if len(t) > width {
		t = strings.TrimRight(t[:width], " ")
	}
	return t
}

// checkID checks that s can serve as a SEPA identifier (MsgId, PmtInfId, EndToEndId): 1 to 35
// characters of the basic set without spaces, not starting or ending with "/" and without "//",
// as the EPC rulebook requires. Identifiers are not cleaned like text, because the bank echoes
// them back in status reports and they must still match the payout.
func checkID(s string) error {
	switch {
	case s == "":
		return errors.New("is empty")
	case len(s) > 35:
		return fmt.Errorf("is %d characters long, more than 35", len(s))
	case s[0] == '/' || s[len(s)-1] == '/':
		return errors.New(`starts or ends with "/"`)
	case strings.Contains(s, "//"):
		return errors.New(`contains "//"`)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || !inBasicSet(s[i]) {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return fmt.Errorf("contains %q, outside a-z A-Z 0-9 / - ? : ( ) . , ' +", r)
		}
	}
	return nil
}
