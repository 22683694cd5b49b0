// Package latin spells accented Latin letters in plain ASCII, for bank files whose formats
// carry ASCII only (NACHA) or a basic Latin set (SEPA): a name like "Zoë Ærø" must reach the
// bank as "Zoe AEro", not be refused or shift a fixed-width record.
package latin

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

// Fold returns the ASCII spelling of r if r is a letter of Latin-1 or Latin Extended-A
// (U+00C0..U+017F), and false otherwise. The spelling may be empty (× and ÷ are dropped).
func Fold(r rune) (string, bool) {
	switch {
	case 0xc0 <= r && r <= 0xff:
		return latin1Fold[r-0xc0], true
	case 0x100 <= r && r <= 0x17f:
		return latinExtAFold[r-0x100], true
	}
	return "", false
}
