// Package token issues EdDSA (Ed25519) JWTs for signed-in users and publishes
// the public key so the gateway can verify them without the secret.
package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/services/user/app"
)

// Issuer is the iss claim of slotmesh tokens.
const Issuer = "slotmesh"

// Signer implements app.Tokens.
type Signer struct {
	key    ed25519.PrivateKey
	kid    string
	ttl    time.Duration
	verify []ed25519.PublicKey // published too: the previous key, the next one
}

// New returns a signer with key, issuing tokens valid for ttl. verify are
// further public keys it publishes for verification but never signs with:
// during a rotation the previous key (until the tokens it signed expire) and
// the next one (so every verifier knows it before any token carries it).
func New(key ed25519.PrivateKey, ttl time.Duration, verify ...ed25519.PublicKey) *Signer {
	return &Signer{key: key, kid: KeyID(key.Public().(ed25519.PublicKey)), ttl: ttl, verify: verify}
}

// KeyID is the kid of a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Issue signs a token for userID.
func (s *Signer) Issue(userID string, now time.Time) (string, time.Time, error) {
	exp := now.Add(s.ttl).Truncate(time.Second)
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{
		Issuer:    Issuer,
		Subject:   userID,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-30 * time.Second)),
		ExpiresAt: jwt.NewNumericDate(exp),
		ID:        uuid.NewString(),
	})
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: sign: %w", err)
	}
	return signed, exp, nil
}

// PublicKeys returns the verification keys: the signing key's first.
func (s *Signer) PublicKeys() (string, []app.PublicKey) {
	keys := []app.PublicKey{{KID: s.kid, Alg: "EdDSA", Key: []byte(s.key.Public().(ed25519.PublicKey))}}
	for _, k := range s.verify {
		kid := KeyID(k)
		if slices.ContainsFunc(keys, func(p app.PublicKey) bool { return p.KID == kid }) {
			continue
		}
		keys = append(keys, app.PublicKey{KID: kid, Alg: "EdDSA", Key: []byte(k)})
	}
	return Issuer, keys
}

// LoadPublic reads an Ed25519 public key from a PEM file: a PKIX "PUBLIC
// KEY", or a PKCS#8 "PRIVATE KEY" whose public half is taken (so the old
// key file itself may be kept as the previous key).
func LoadPublic(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token: read public key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("token: %s: no PEM block", path)
	}
	if block.Type == "PRIVATE KEY" {
		k, err := ParsePEM(data)
		if err != nil {
			return nil, fmt.Errorf("token: %s: %w", path, err)
		}
		return k.Public().(ed25519.PublicKey), nil
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("token: %s: parse public key: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("token: %s: key is %T, want Ed25519", path, k)
	}
	return pub, nil
}

// ParsePEM reads a PKCS#8 PEM Ed25519 private key.
func ParsePEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("token: no PEM block in key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("token: parse key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("token: key is %T, want Ed25519", k)
	}
	return ek, nil
}

// LoadOrCreate reads the key in path; when it does not exist and create is
// true it generates one and writes it there (mode 0600) — the dev key made on
// first run.
func LoadOrCreate(path string, create bool) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return ParsePEM(data)
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("token: read key: %w", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("token: key dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process made it first
		return LoadOrCreate(path, false)
	}
	if err != nil {
		return nil, fmt.Errorf("token: write key: %w", err)
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, fmt.Errorf("token: write key: %w", err)
	}
	return key, nil
}
