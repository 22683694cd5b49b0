package member

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length rules (NIST SP 800-63B: length, not composition, and a long maximum so that
// pass phrases and password managers work).
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane), which keeps a
// sign-in under about 50 ms on a server core while making each guess cost the same memory.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// ErrPassword is the family of password rule failures; the message says which rule.
var ErrPassword = errors.New("password")

// CheckPasswordRules applies the length rules and refuses a password that is the member's
// email, its name part, or the org's name (the first guesses of anyone attacking it).
func CheckPasswordRules(password, email, orgName string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return fmt.Errorf("%w: use at least %d characters", ErrPassword, MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return fmt.Errorf("%w: use at most %d characters", ErrPassword, MaxPasswordLen)
	}
	p := strings.ToLower(strings.TrimSpace(password))
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	for _, bad := range []string{strings.ToLower(email), local, strings.ToLower(strings.TrimSpace(orgName))} {
		if bad != "" && (p == bad || strings.ReplaceAll(p, " ", "") == strings.ReplaceAll(bad, " ", "")) {
			return fmt.Errorf("%w: do not use your email address or the org's name", ErrPassword)
		}
	}
	return nil
}

// HashPassword returns the PHC string of an argon2id hash with a fresh salt.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// dummyHash is checked against when there is no member, so that an unknown email costs the
// same time as a wrong password. It is made on first use: made at start, its 19 MiB argon2id
// run would stay in every process's resident memory (a server that never signs anyone in,
// and every CLI command).
var dummyHash = sync.OnceValue(func() string { return HashPassword("not a password of anyone") })

// CheckPassword reports whether password matches the stored hash, in constant time. An empty
// or malformed hash matches nothing, but still costs one argon2id run.
func CheckPassword(hash, password string) bool {
	var salt, want []byte
	var m, t uint32
	var p uint8
	ok := parseHash(hash, &m, &t, &p, &salt, &want)
	if !ok {
		_ = parseHash(dummyHash(), &m, &t, &p, &salt, &want)
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1 && ok
}

func parseHash(hash string, m, t *uint32, p *uint8, salt, key *[]byte) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", m, t, p); err != nil || *m == 0 || *t == 0 || *p == 0 || *m > 1<<20 || *t > 10 {
		return false
	}
	var err error
	if *salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return false
	}
	if *key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(*key) < 16 {
		return false
	}
	return true
}
