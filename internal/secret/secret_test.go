package secret

import (
	"bytes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustKeyring(t *testing.T, primary []byte, old ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(primary, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var aadRow = []byte("payout_method:0190c8a8-7d4e-7b3a-9c1e-2f5a6b7c8d9e")

func TestSealOpenRoundTrip(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	for _, plain := range [][]byte{nil, {}, []byte("GB82WEST12345698765432"), bytes.Repeat([]byte{0, 255}, 5000)} {
		for _, ad := range [][]byte{nil, aadRow} {
			sealed, err := k.Seal(plain, ad)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sealed, "v1:"+k.PrimaryKeyID()+":") {
				t.Fatalf("sealed = %q, want prefix v1:%s:", sealed, k.PrimaryKeyID())
			}
			body := strings.TrimPrefix(sealed, "v1:"+k.PrimaryKeyID()+":")
			if strings.ContainsAny(body, "+/=:") {
				t.Fatalf("body %q is not unpadded base64url", body)
			}
			got, err := k.Open(sealed, ad)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("Open(Seal(%d bytes)) = %d bytes, %v", len(plain), len(got), err)
			}
		}
	}
}

func TestKeyID(t *testing.T) {
	key := testKey(7)
	k := mustKeyring(t, key)
	sum := sha256.Sum256(key)
	if got, want := k.PrimaryKeyID(), hex.EncodeToString(sum[:4]); got != want {
		t.Fatalf("PrimaryKeyID = %q, want the first 8 hex digits of SHA-256(key) %q", got, want)
	}
	sealed, _ := k.Seal([]byte("x"), nil)
	if id, err := SealedKeyID(sealed); err != nil || id != k.PrimaryKeyID() {
		t.Fatalf("SealedKeyID = %q, %v", id, err)
	}
	if _, err := SealedKeyID("nope"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("SealedKeyID(nope) error = %v", err)
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	seen := map[string]bool{}
	for range 1000 {
		s, err := k.Seal([]byte("same plaintext"), aadRow)
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatalf("Seal gave %q twice", s)
		}
		seen[s] = true
	}
}

func TestTamperingFails(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	// Three lengths so that the base64 text ends with 0, 2 and 4 unused bits.
	for _, plain := range []string{"12345678", "123456789", "1234567890"} {
		t.Run(plain, func(t *testing.T) { testTampering(t, k, plain) })
	}
}

func testTampering(t *testing.T, k *Keyring, plain string) {
	sealed, err := k.Seal([]byte(plain), aadRow)
	if err != nil {
		t.Fatal(err)
	}
	// Every character of the string replaced by every other character that can appear in
	// it: no change opens, and none opens to something else.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:v"
	for i := range len(sealed) {
		for _, c := range []byte(alphabet) {
			if c == sealed[i] {
				continue
			}
			tampered := sealed[:i] + string(c) + sealed[i+1:]
			if got, err := k.Open(tampered, aadRow); err == nil {
				t.Fatalf("Open(%q) with byte %d changed to %q = %q, want an error", tampered, i, c, got)
			}
		}
	}
	// Truncated, extended, or with bits flipped in the decoded ciphertext.
	for _, s := range []string{sealed[:len(sealed)-1], sealed + "A", sealed[:20], "", "v1", "v1::", "v2" + sealed[2:]} {
		if _, err := k.Open(s, aadRow); err == nil {
			t.Fatalf("Open(%q) succeeded", s)
		}
	}
	prefix, body := sealed[:12], sealed[12:]
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			flipped := bytes.Clone(raw)
			flipped[i] ^= 1 << bit
			_, err := k.Open(prefix+base64.RawURLEncoding.EncodeToString(flipped), aadRow)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("byte %d bit %d flipped: error %v, want ErrDecrypt", i, bit, err)
			}
		}
	}
}

func TestWrongAssociatedDataFails(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	sealed, _ := k.Seal([]byte("12345678"), []byte("payout_method:1"))
	for _, ad := range [][]byte{[]byte("payout_method:2"), []byte("payout_method:1 "), []byte("payout_method:"), nil} {
		if _, err := k.Open(sealed, ad); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Open with AAD %q: error %v, want ErrDecrypt", ad, err)
		}
	}
	// No AAD at seal time is distinct from an empty row id.
	sealed, _ = k.Seal([]byte("x"), nil)
	if _, err := k.Open(sealed, []byte("a")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("error %v, want ErrDecrypt", err)
	}
}

func TestWrongKeyFails(t *testing.T) {
	a, b := mustKeyring(t, testKey(1)), mustKeyring(t, testKey(2))
	sealed, _ := a.Seal([]byte("12345678"), aadRow)
	if _, err := b.Open(sealed, aadRow); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("other keyring: error %v, want ErrUnknownKey", err)
	}
	// A different key presented under the original's id still fails authentication.
	forged := "v1:" + a.PrimaryKeyID() + ":" + strings.SplitN(sealed, ":", 3)[2]
	bUnderA := &Keyring{ring: &ring{primary: a.PrimaryKeyID(), aeads: map[string]cipher.AEAD{a.PrimaryKeyID(): b.ring.aeads[b.PrimaryKeyID()]}}}
	if _, err := bUnderA.Open(forged, aadRow); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong key with matching id: error %v, want ErrDecrypt", err)
	}
}

func TestRotation(t *testing.T) {
	old := mustKeyring(t, testKey(1))
	sealedOld, _ := old.Seal([]byte("old secret"), aadRow)

	rotated := mustKeyring(t, testKey(2), testKey(1))
	if rotated.PrimaryKeyID() == old.PrimaryKeyID() {
		t.Fatal("primary did not change")
	}
	if got, err := rotated.Open(sealedOld, aadRow); err != nil || string(got) != "old secret" {
		t.Fatalf("rotated keyring opens the old value: %q, %v", got, err)
	}
	sealedNew, _ := rotated.Seal([]byte("new secret"), aadRow)
	if id, _ := SealedKeyID(sealedNew); id != rotated.PrimaryKeyID() {
		t.Fatalf("new value sealed under %s, want the primary %s", id, rotated.PrimaryKeyID())
	}
	if _, err := old.Open(sealedNew, aadRow); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old keyring on a new value: %v", err)
	}
	// Repeating a key is harmless.
	if _, err := NewKeyring(testKey(2), testKey(2), testKey(1)); err != nil {
		t.Fatal(err)
	}
}

func TestNewKeyringRejectsBadKeys(t *testing.T) {
	for _, tc := range []struct {
		primary []byte
		old     [][]byte
	}{
		{nil, nil},
		{make([]byte, 16), nil},
		{make([]byte, 33), nil},
		{testKey(1), [][]byte{make([]byte, 31)}},
	} {
		if _, err := NewKeyring(tc.primary, tc.old...); err == nil {
			t.Errorf("NewKeyring(%d bytes, %d old) succeeded", len(tc.primary), len(tc.old))
		}
	}
}

func TestJSON(t *testing.T) {
	type account struct {
		IBAN   string `json:"iban"`
		Holder string `json:"holder"`
	}
	k := mustKeyring(t, testKey(1))
	in := account{IBAN: "DE89370400440532013000", Holder: "Ada"}
	sealed, err := k.SealJSON(in, aadRow)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "DE89") {
		t.Fatal("plaintext visible")
	}
	var out account
	if err := k.OpenJSON(sealed, aadRow, &out); err != nil || out != in {
		t.Fatalf("OpenJSON = %+v, %v", out, err)
	}
	if err := k.OpenJSON(sealed, []byte("payout_method:other"), &out); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("OpenJSON with wrong AAD: %v", err)
	}
	var wrongType int
	if err := k.OpenJSON(sealed, aadRow, &wrongType); err == nil || strings.Contains(err.Error(), "DE89") {
		t.Fatalf("OpenJSON into int: %v", err)
	}
	if _, err := k.SealJSON(func() {}, nil); err == nil {
		t.Fatal("SealJSON of a func succeeded")
	}
}

func TestPrintingShowsNoKey(t *testing.T) {
	key := testKey(0xAB)
	k := mustKeyring(t, key)
	forms := []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), fmt.Sprintf("%v %+v %#v", *k, *k, *k)}
	for _, s := range forms {
		for _, enc := range []string{string(key), hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), "ab ab ab", "171 171 171"} {
			if strings.Contains(strings.ToLower(s), enc) {
				t.Fatalf("printed keyring %q contains the key", s)
			}
		}
	}
	if got := k.String(); !strings.Contains(got, k.PrimaryKeyID()) {
		t.Errorf("String() = %q, want the key id", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ad := []byte(fmt.Sprint("row:", i))
			for range 100 {
				s, err := k.Seal(ad, ad)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := k.Open(s, ad); err != nil || !bytes.Equal(got, ad) {
					t.Errorf("round trip: %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Key files.

func TestOpenCreatesKeyFileAndReusesIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	k1, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode %04o, want 0600", perm)
		}
		if dinfo, _ := os.Stat(dir); dinfo.Mode().Perm() != 0o700 {
			t.Errorf("data dir mode %04o, want 0700", dinfo.Mode().Perm())
		}
	}
	data, _ := os.ReadFile(path)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != KeySize {
		t.Fatalf("key file holds %d bytes (%v), want %d in base64", len(key), err, KeySize)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only the key file", len(entries))
	}

	sealed, _ := k1.Seal([]byte("12345678"), aadRow)
	k2, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if k2.PrimaryKeyID() != k1.PrimaryKeyID() {
		t.Fatalf("second Open has key %s, first had %s", k2.PrimaryKeyID(), k1.PrimaryKeyID())
	}
	if got, err := k2.Open(sealed, aadRow); err != nil || string(got) != "12345678" {
		t.Fatalf("second keyring opens the first's value: %q, %v", got, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, data) {
		t.Fatal("second Open rewrote the key file")
	}
}

func TestOpenConcurrentFirstStartAgreesOnOneKey(t *testing.T) {
	dir := t.TempDir()
	ids := make([]string, 16)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			k, err := Open(dir, "")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = k.PrimaryKeyID()
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent first Opens got different keys: %v", ids)
		}
	}
	k, err := Open(dir, "")
	if err != nil || k.PrimaryKeyID() != ids[0] {
		t.Fatalf("key on disk is not the one handed out: %v", err)
	}
}

func writeKeyFile(t *testing.T, dir string, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, KeyFileName)
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // WriteFile's mode is subject to the umask
		t.Fatal(err)
	}
	return path
}

func TestOpenRefusesKeyFileOthersCanRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	key := base64.StdEncoding.EncodeToString(testKey(3))
	for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606, 0o700, 0o666} {
		dir := t.TempDir()
		path := writeKeyFile(t, dir, key+"\n", perm)
		_, err := Open(dir, "")
		if err == nil {
			t.Fatalf("mode %04o accepted", perm)
		}
		msg := err.Error()
		if !strings.Contains(msg, path) || !strings.Contains(msg, "chmod 600 "+path) || !strings.Contains(msg, fmt.Sprintf("%04o", perm)) {
			t.Errorf("mode %04o: error %q does not name the file, its mode and the chmod to run", perm, msg)
		}
		if strings.Contains(msg, key) {
			t.Errorf("error contains the key: %q", msg)
		}
	}
	// Narrower than 0600 is fine.
	dir := t.TempDir()
	writeKeyFile(t, dir, key, 0o400)
	if _, err := Open(dir, ""); err != nil {
		t.Fatalf("mode 0400: %v", err)
	}
}

func TestOpenRejectsBadKeyFile(t *testing.T) {
	for name, content := range map[string]string{
		"empty":     "",
		"short":     base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"not a key": "correct horse battery staple",
	} {
		dir := t.TempDir()
		path := writeKeyFile(t, dir, content, 0o600)
		_, err := Open(dir, "")
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s key file: error %v, want one naming %s", name, err, path)
		}
		if after, _ := os.ReadFile(path); string(after) != content {
			t.Errorf("%s key file was rewritten", name)
		}
	}
	// A directory where the key file should be.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, KeyFileName), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, ""); err == nil {
		t.Error("a directory named master.key was accepted")
	}
}

func TestEnvKeyOverridesFile(t *testing.T) {
	fileKey, envKey := testKey(4), testKey(5)
	dir := t.TempDir()
	writeKeyFile(t, dir, base64.StdEncoding.EncodeToString(fileKey), 0o600)
	want := mustKeyring(t, envKey).PrimaryKeyID()
	for name, env := range map[string]string{
		"std":        base64.StdEncoding.EncodeToString(envKey),
		"url":        base64.URLEncoding.EncodeToString(envKey),
		"raw std":    base64.RawStdEncoding.EncodeToString(envKey),
		"raw url":    base64.RawURLEncoding.EncodeToString(envKey),
		"hex":        "hex:" + hex.EncodeToString(envKey),
		"hex upper":  "hex:" + strings.ToUpper(hex.EncodeToString(envKey)),
		"whitespace": " " + base64.StdEncoding.EncodeToString(envKey) + "\n",
	} {
		k, err := Open(dir, env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if k.PrimaryKeyID() != want {
			t.Errorf("%s: key %s, want the env key %s", name, k.PrimaryKeyID(), want)
		}
	}
	// URL-safe alphabet proper: a key whose encoding has - and _.
	urlKey := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:KeySize]
	k, err := Open(dir, base64.RawURLEncoding.EncodeToString(urlKey))
	if err != nil || k.PrimaryKeyID() != mustKeyring(t, urlKey).PrimaryKeyID() {
		t.Fatalf("URL-safe key: %v", err)
	}

	// With the env key set, nothing is created on disk.
	empty := filepath.Join(t.TempDir(), "unused")
	if _, err := Open(empty, base64.StdEncoding.EncodeToString(envKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("Open with an env key touched the data dir: %v", err)
	}
}

func TestEnvKeyRejected(t *testing.T) {
	key := testKey(6)
	for name, env := range map[string]string{
		"16 bytes":       base64.StdEncoding.EncodeToString(key[:16]),
		"33 bytes":       base64.StdEncoding.EncodeToString(append(bytes.Clone(key), 1)),
		"hex short":      "hex:" + hex.EncodeToString(key[:31]),
		"hex bad digit":  "hex:" + hex.EncodeToString(key)[:63] + "g",
		"hex no prefix":  hex.EncodeToString(key),
		"passphrase":     "my secret passphrase",
		"base64 garbage": "!!!!",
	} {
		_, err := Open(t.TempDir(), env)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), EnvVar) {
			t.Errorf("%s: error %q does not name %s", name, err, EnvVar)
		}
		if strings.Contains(err.Error(), strings.TrimPrefix(env, "hex:")) {
			t.Errorf("%s: error %q contains the key", name, err)
		}
	}
}

func TestFingerprintIsKeyed(t *testing.T) {
	k1, _ := NewKeyring(bytes.Repeat([]byte{1}, KeySize))
	k1again, _ := NewKeyring(bytes.Repeat([]byte{1}, KeySize))
	k2, _ := NewKeyring(bytes.Repeat([]byte{2}, KeySize))
	data := []byte("uk_sort_code:123456:12345678")
	if k1.Fingerprint(data) != k1again.Fingerprint(data) {
		t.Fatal("the same key gave two fingerprints")
	}
	if k1.Fingerprint(data) == k2.Fingerprint(data) {
		t.Fatal("another key gave the same fingerprint")
	}
	plain := sha256.Sum256(data)
	if k1.Fingerprint(data) == hex.EncodeToString(plain[:]) {
		t.Fatal("the fingerprint is a plain hash")
	}
}
