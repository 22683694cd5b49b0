package member

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6238's default, the one every authenticator app supports
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Time-based one-time passwords (RFC 6238), the optional second factor of an authenticator
// app: HMAC-SHA1, 30-second steps, 6 digits, the parameters every app takes by default.
const (
	// TOTPPeriod is the length of one step.
	TOTPPeriod = 30 * time.Second
	// TOTPDigits is the length of a code.
	TOTPDigits = 6
	// TOTPSkew is how many steps before and after the current one are accepted, for clocks
	// that differ and codes typed at the end of their step.
	TOTPSkew = 1
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random 160-bit secret (RFC 4226 recommends the HMAC's size).
func NewTOTPSecret() []byte {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// TOTPKey is the secret as people type it into an app: base32 in groups of four.
func TOTPKey(secret []byte) string {
	s := totpEncoding.EncodeToString(secret)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// TOTPURI is the otpauth:// link authenticator apps open (the Key URI format).
func TOTPURI(issuer, account string, secret []byte) string {
	v := url.Values{"secret": {totpEncoding.EncodeToString(secret)}, "issuer": {issuer}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(TOTPDigits)}, "period": {fmt.Sprint(int(TOTPPeriod / time.Second))}}
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// TOTPStep is the step a time falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode is the code of a step (RFC 4226's HOTP with the step as counter).
func TOTPCode(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", TOTPDigits, n%1_000_000)
}

// CheckTOTP checks a code against the steps around now and returns the step it belongs to.
// A step at or before last (the last one used) is refused, so that a code seen once cannot
// be used again.
func CheckTOTP(secret []byte, code string, now time.Time, last int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := TOTPStep(now)
	for step := cur - TOTPSkew; step <= cur+TOTPSkew; step++ {
		if step > last && subtle.ConstantTimeCompare([]byte(TOTPCode(secret, step)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
