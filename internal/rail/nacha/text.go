package nacha

import (
	"strings"

	"github.com/payport/payport/internal/rail/latin"
)

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
		default:
			out, _ = latin.Fold(r)
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
