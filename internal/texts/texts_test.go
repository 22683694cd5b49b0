package texts

import (
	"net/http/httptest"
	"testing"
)

// TestLanguageChoice: Accept-Language picks a catalogue, English when none matches; adding a
// catalogue is all a new language takes.
func TestLanguageChoice(t *testing.T) {
	pseudo := English
	pseudo.Lang, pseudo.BalanceTitle = "fr", "Votre solde"
	oldCats, oldMatcher := Catalogues, matcher
	Catalogues = append([]*Texts{&English}, &pseudo)
	matcher = newMatcher(Catalogues)
	t.Cleanup(func() { Catalogues, matcher = oldCats, oldMatcher })

	for header, want := range map[string]string{"": "en", "fr-CH, fr;q=0.9, en;q=0.8": "fr", "de-DE, de;q=0.9": "en",
		"en-GB,en;q=0.9,fr;q=0.5": "en", "fr": "fr", "*": "en", "garbage;;q=x": "en"} {
		r := httptest.NewRequest("GET", "/rewards/balance", nil)
		if header != "" {
			r.Header.Set("Accept-Language", header)
		}
		if got := For(r).Lang; got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
	if For(nil) != &English {
		t.Error("no request: not English")
	}
}
