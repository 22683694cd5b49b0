package nacha

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseReturns: a bank's return file is outside input: parsing answers an error or returns,
// and never panics.
//
//	go test -run '^$' -fuzz FuzzParseReturns -fuzztime 60s ./internal/rail/nacha/
func FuzzParseReturns(f *testing.F) {
	for _, name := range []string{"return-WEB.ach", "return-PPD-custom-reason-code.ach", "cor-example.ach"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("101"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := ParseReturns(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.Code != "" && MapReturnCode(r.Code) == "" {
				t.Fatalf("return code %q maps to no failure code", r.Code)
			}
		}
	})
}
