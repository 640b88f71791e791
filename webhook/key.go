// Package webhook delivers webhooks: each webhook's subscription, read
// from the event log by a cursor of its own, POSTed to its URL signed as
// the Standard Webhooks specification says, at least once and in log
// order, retried with backoff, by one instance at a time.
package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Box seals webhook secrets at rest with AES-256-GCM under the server's
// webhook key.
type Box struct{ aead cipher.AEAD }

// sealedPrefix marks a sealed secret (and its format).
const sealedPrefix = "gcm1:"

// KeyFile is the generated key's name in the data directory.
const KeyFile = "webhook-key"

// NewBox returns a box for a key given as base64 of 32 bytes.
func NewBox(key string) (*Box, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
	if err != nil || len(raw) != 32 {
		return nil, errors.New("the webhook key must be base64 of 32 bytes (openssl rand -base64 32)")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// LoadBox returns the box for key, or when key is empty for the key kept
// in dataDir, generating it (mode 0600) when there is none. generated
// reports that it did.
func LoadBox(key, dataDir string) (box *Box, generated bool, err error) {
	if key != "" {
		box, err = NewBox(key)
		return box, false, err
	}
	path := filepath.Join(dataDir, KeyFile)
	if b, err := os.ReadFile(path); err == nil {
		box, err := NewBox(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return box, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key = base64.StdEncoding.EncodeToString(raw)
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process made it first
			return LoadBox("", dataDir)
		}
		return nil, false, err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	box, err = NewBox(key)
	return box, true, err
}

// Seal encrypts a secret.
func (b *Box) Seal(secret string) string {
	nonce := make([]byte, b.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.StdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(secret), nil))
}

// Open decrypts a sealed secret.
func (b *Box) Open(sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, sealedPrefix))
	n := b.aead.NonceSize()
	if err != nil || !strings.HasPrefix(sealed, sealedPrefix) || len(raw) < n {
		return "", errors.New("not a sealed webhook secret")
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errors.New("the webhook secret does not open with this key: every instance needs the same webhook key")
	}
	return string(plain), nil
}
