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
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/services/user/app"
)

// Issuer is the iss claim of slotmesh tokens.
const Issuer = "slotmesh"

// Signer implements app.Tokens.
type Signer struct {
	key ed25519.PrivateKey
	kid string
	ttl time.Duration
}

// New returns a signer with key, issuing tokens valid for ttl.
func New(key ed25519.PrivateKey, ttl time.Duration) *Signer {
	sum := sha256.Sum256(key.Public().(ed25519.PublicKey))
	return &Signer{key: key, kid: hex.EncodeToString(sum[:8]), ttl: ttl}
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

// PublicKeys returns the verification key.
func (s *Signer) PublicKeys() (string, []app.PublicKey) {
	return Issuer, []app.PublicKey{{KID: s.kid, Alg: "EdDSA", Key: []byte(s.key.Public().(ed25519.PublicKey))}}
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
