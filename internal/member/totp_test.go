package member

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238, appendix B: the SHA-1 vectors (8 digits there; a 6-digit code is the last six).
func TestTOTPCodeRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, c := range []struct {
		unix int64
		want string
	}{{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"}, {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}} {
		if got := TOTPCode(secret, TOTPStep(time.Unix(c.unix, 0))); got != c.want[2:] {
			t.Errorf("at %d: %s, want %s", c.unix, got, c.want[2:])
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	secret := NewTOTPSecret()
	now := time.Unix(1_700_000_000, 0)
	step := TOTPStep(now)
	for _, d := range []int64{-1, 0, 1} {
		got, ok := CheckTOTP(secret, TOTPCode(secret, step+d), now, 0)
		if !ok || got != step+d {
			t.Errorf("a code %d steps off: %d %v", d, got, ok)
		}
	}
	for _, d := range []int64{-2, 2} {
		if _, ok := CheckTOTP(secret, TOTPCode(secret, step+d), now, 0); ok {
			t.Errorf("a code %d steps off was accepted", d)
		}
	}
	// Used once: the same code (or an older one) is refused.
	if _, ok := CheckTOTP(secret, TOTPCode(secret, step), now, step); ok {
		t.Error("a used code was accepted again")
	}
	if _, ok := CheckTOTP(secret, "12345", now, 0); ok {
		t.Error("a short code was accepted")
	}
	code := TOTPCode(secret, step)
	if _, ok := CheckTOTP(secret, " "+code[:3]+" "+code[3:]+" ", now, 0); !ok {
		t.Error("a code with spaces was refused")
	}
}

func TestTOTPURI(t *testing.T) {
	u := TOTPURI("Payport", "ada@example.com", []byte("12345678901234567890"))
	if !strings.HasPrefix(u, "otpauth://totp/Payport:ada@example.com?") || !strings.Contains(u, "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") {
		t.Fatal(u)
	}
	if k := TOTPKey([]byte("12345678901234567890")); k != "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ" {
		t.Fatal(k)
	}
}
