package portal

import (
	"net/http"

	"github.com/payport/payport/internal/texts"
)

// The portal's words live in internal/texts; these names keep the portal's code short.

// Texts is one language's words (texts.Texts).
type Texts = texts.Texts

// English is the default catalogue.
var English = texts.English

// catalogues are the languages spoken.
var catalogues = texts.Catalogues

// textsFor picks the request's language (texts.For).
func textsFor(r *http.Request) *Texts { return texts.For(r) }
