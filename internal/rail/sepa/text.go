package sepa

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// latin1Fold spells the letters U+00C0..U+00FF in the SEPA basic set, indexed from U+00C0; ""
// drops the character (× and ÷ are not letters).
var latin1Fold = [64]string{
	"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
	"D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
}

// latinExtAFold spells the letters U+0100..U+017F (Latin Extended-A: Polish, Czech, Baltic,
// Hungarian, Turkish... names) in the SEPA basic set, indexed from U+0100.
var latinExtAFold = [128]string{
	"A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
	"D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
	"G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
	"I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
	"l", "L", "l", "N", "n", "N", "n", "N", "n", "n", "N", "n", "O", "o", "O", "o",
	"O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
	"S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
	"U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
}

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
		case 0xc0 <= r && r <= 0xff:
			out = latin1Fold[r-0xc0]
		case 0x100 <= r && r <= 0x17f:
			out = latinExtAFold[r-0x100]
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
