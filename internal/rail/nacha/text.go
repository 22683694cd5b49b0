package nacha

import "strings"

// latin1Fold spells the letters U+00C0..U+00FF in ASCII, indexed from U+00C0; "" drops the
// character (× and ÷ are not letters).
var latin1Fold = [64]string{
	"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
	"D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
}

// latinExtAFold spells the letters U+0100..U+017F (Latin Extended-A: Polish, Czech, Turkish,
// Hungarian... names) in ASCII, indexed from U+0100.
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

// asciiText makes s fit an alphanumeric NACHA field of width runes: accented Latin letters lose
// their accents, other characters outside printable ASCII are dropped, runs of spaces become one,
// and the result is trimmed and cut to width. NACHA records are fixed-width ASCII, so a single
// "é" (two bytes in UTF-8) would shift every later field of the record.
func asciiText(s string, width int) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		var out string
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == 0xa0:
			if b.Len() > 0 {
				space = true
			}
			continue
		case 0x20 < r && r < 0x7f:
			out = string(r)
		case 0xc0 <= r && r <= 0xff:
			out = latin1Fold[r-0xc0]
		case 0x100 <= r && r <= 0x17f:
			out = latinExtAFold[r-0x100]
		}
		if out == "" {
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
