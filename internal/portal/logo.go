package portal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
)

// cachedLogo is an org's logo decoded from its settings (src), with a version taken from its
// bytes: pages link to /portal/logo/{org_id}?v={version}, so the image can be cached for long
// and a new logo is a new URL.
type cachedLogo struct {
	src     string
	logo    org.Logo
	version string
	ok      bool
}

// logoOf is an org's decoded logo, false when it has none (or one that no longer passes the
// checks it passed when it was saved).
func (h *Handler) logoOf(o org.Org) (cachedLogo, bool) {
	src := o.Settings.Portal.Logo
	if src == "" {
		h.logos.Delete(o.ID)
		return cachedLogo{}, false
	}
	if v, ok := h.logos.Load(o.ID); ok && v.(cachedLogo).src == src {
		c := v.(cachedLogo)
		return c, c.ok
	}
	c := cachedLogo{src: src}
	if l, err := org.ParseLogo(src); err == nil {
		sum := sha256.Sum256(l.Data)
		c.logo, c.version, c.ok = l, hex.EncodeToString(sum[:12]), true
	}
	h.logos.Store(o.ID, c)
	return c, c.ok
}

// logoCSP applies when a logo is opened as a document rather than as an <img>: an SVG may
// carry scripts or links, and this lets none of them run or load anything.
const logoCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// logo serves an org's logo. It needs no session: it is what every page of the org's portal
// shows, and org ids are not guessable.
func (h *Handler) logo(w http.ResponseWriter, r *http.Request) {
	t := textsFor(r)
	o, err := h.app.GetOrg(r.Context(), r.PathValue("org_id"))
	var ae *app.Error
	if err != nil && !(errors.As(err, &ae) && ae.Kind == app.NotFound) {
		h.log.Error("portal logo", "err", err)
		h.unavailable(w, r)
		return
	}
	c, ok := h.logoOf(o)
	if err != nil || !ok {
		h.fail(w, r, http.StatusNotFound, t.NotFoundTitle, t.LogoNotFound)
		return
	}
	w.Header().Set("Content-Type", c.logo.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", logoCSP)
	w.Header().Set("ETag", `"`+c.version+`"`)
	if r.URL.Query().Get("v") == c.version {
		// The versioned URL pages use never changes what it names.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Any other URL may see a new logo: check with the ETag on each use.
		w.Header().Set("Cache-Control", "public, no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(c.logo.Data))
}
