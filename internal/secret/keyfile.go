package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// KeyFileName is the master key file Open reads from, or creates in, the data directory.
const KeyFileName = "master.key"

// EnvVar is the environment variable the binary passes to Open as envKey.
const EnvVar = "PAYPORT_MASTER_KEY"

// Open returns the keyring of a Payport installation. envKey is the value of
// PAYPORT_MASTER_KEY: when set it is the key (32 bytes in standard or URL-safe base64, or
// "hex:" and 64 hex digits) and nothing is read from or written to disk. Otherwise the key is
// <dataDir>/master.key, created on first use from crypto/rand with mode 0600 (and dataDir with
// 0700); a key file that others may read or write is refused, because a key others can read
// makes the encryption pointless.
//
// Errors never contain key material. Losing the key file loses every secret sealed under it:
// it belongs in backups, apart from the database backups.
func Open(dataDir, envKey string) (*Keyring, error) {
	if envKey != "" {
		key, err := parseKey(envKey)
		if err != nil {
			return nil, fmt.Errorf("secret: %s %w", EnvVar, err)
		}
		defer clear(key)
		return NewKeyring(key)
	}
	path := filepath.Join(dataDir, KeyFileName)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(dataDir, path)
	}
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return NewKeyring(key)
}

// parseKey decodes a key written as base64 (standard or URL-safe, padded or not) or as
// "hex:" and hex digits. Its errors say what is wrong in shape only.
func parseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(s, "hex:"); ok {
		key, err := hex.DecodeString(h)
		if err != nil || len(key) != KeySize {
			return nil, fmt.Errorf("must be hex: and %d hex digits", 2*KeySize)
		}
		return key, nil
	}
	if len(s) == 2*KeySize && isHex(s) {
		return nil, fmt.Errorf("looks like hex: write it as hex:<%d hex digits>", 2*KeySize)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("must encode %d bytes, and it encodes %d", KeySize, len(key))
			}
			return key, nil
		}
	}
	return nil, fmt.Errorf("must be %d bytes in base64 (such as the output of: openssl rand -base64 32) or hex:<%d hex digits>", KeySize, 2*KeySize)
}

// readKeyFile reads and parses the key file, refusing it when its permissions let anyone but
// its owner read or write it. The mode is taken from the open file, not the path, so the file
// checked is the file read.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret: opening the master key: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: reading the master key: %w", err)
	}
	// Windows has no Unix modes; there the directory's ACL is what protects the file.
	if perm := info.Mode().Perm(); perm&^0o600 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("secret: the master key file %s has mode %04o and must be readable by its owner only; "+
			"run: chmod 600 %s", path, perm, path)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: the master key %s is not a regular file", path)
	}
	// A key file is about 45 bytes; the limit stops a wrong path from reading a huge file.
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("secret: reading the master key: %w", err)
	}
	defer clear(data)
	key, err := parseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("secret: the master key file %s %w", path, err)
	}
	return key, nil
}

// createKeyFile generates a key and publishes it at path without ever overwriting one: it is
// written to a temporary file that is then hard-linked into place, which fails if path exists.
// Two processes starting at once on a fresh data directory thus agree on one key, and no
// reader sees a half-written file; os.WriteFile would truncate a key another process just
// wrote and lose everything sealed under it.
func createKeyFile(dataDir, path string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: creating the data directory: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: generating the master key: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, "."+KeyFileName+".*") // created with mode 0600
	if err != nil {
		return nil, fmt.Errorf("secret: creating the master key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("secret: writing the master key: %w", err)
	}
	err = os.Link(tmp.Name(), path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links: exclusive creation still never overwrites.
		err = writeExclusive(path, key)
	}
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first: use that one.
		clear(key)
		return readKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret: creating the master key: %w", err)
	}
	syncDir(dataDir)
	return key, nil
}

func writeExclusive(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// syncDir makes the new directory entry durable, so that a crash right after the first start
// cannot lose a key that has already sealed data. Best effort: not every platform can sync a
// directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}
