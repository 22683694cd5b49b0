package sepa

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParsePain002: a bank's status report is outside input. Whatever bytes arrive, parsing
// answers an error or a report whose amounts are not negative; it never panics.
//
//	go test -run '^$' -fuzz FuzzParsePain002 -fuzztime 60s ./internal/rail/sepa/
func FuzzParsePain002(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "pain.002.001.10-status-report.xml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("<Document/>"))
	f.Add(bytes.Replace(seed, []byte("125000"), []byte("-1"), 1))
	f.Add(bytes.Replace(seed, []byte("1250.00"), []byte("1e308"), 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParsePain002(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, tx := range r.Transactions {
			if tx.AmountCents < 0 {
				t.Fatalf("negative amount %d from %q", tx.AmountCents, b)
			}
		}
	})
}
