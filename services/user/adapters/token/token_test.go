package token_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/slotmesh/slotmesh/services/user/adapters/token"
)

func writePEM(t *testing.T, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "k.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestJWTRotationKeys: the signer publishes its own key first and the extra
// verification keys after it (once each), and signs with its own only.
func TestJWTRotationKeys(t *testing.T) {
	t.Parallel()
	_, current, _ := ed25519.GenerateKey(rand.Reader)
	prevPub, prev, _ := ed25519.GenerateKey(rand.Reader)
	nextPub, _, _ := ed25519.GenerateKey(rand.Reader)

	// The previous key as its old private key file, the next as a public key.
	der, err := x509.MarshalPKCS8PrivateKey(prev)
	if err != nil {
		t.Fatal(err)
	}
	prevFile := writePEM(t, "PRIVATE KEY", der)
	der, err = x509.MarshalPKIXPublicKey(nextPub)
	if err != nil {
		t.Fatal(err)
	}
	nextFile := writePEM(t, "PUBLIC KEY", der)
	gotPrev, err := token.LoadPublic(prevFile)
	if err != nil || !gotPrev.Equal(prevPub) {
		t.Fatalf("previous key from its private key file: %v", err)
	}
	gotNext, err := token.LoadPublic(nextFile)
	if err != nil || !gotNext.Equal(nextPub) {
		t.Fatalf("next key from a public key file: %v", err)
	}
	for name, data := range map[string]string{"not PEM": "hello", "RSA": "-----BEGIN PUBLIC KEY-----\nMA==\n-----END PUBLIC KEY-----\n"} {
		p := filepath.Join(t.TempDir(), "bad.pem")
		_ = os.WriteFile(p, []byte(data), 0o600)
		if _, err := token.LoadPublic(p); err == nil {
			t.Errorf("%s: LoadPublic accepted it", name)
		}
	}

	s := token.New(current, time.Hour, gotPrev, gotNext, gotPrev)
	iss, keys := s.PublicKeys()
	if iss != token.Issuer || len(keys) != 3 {
		t.Fatalf("published %d keys, want 3 (current, previous, next once each): %+v", len(keys), keys)
	}
	curKID := token.KeyID(current.Public().(ed25519.PublicKey))
	if keys[0].KID != curKID || keys[1].KID != token.KeyID(prevPub) || keys[2].KID != token.KeyID(nextPub) {
		t.Fatalf("kids %s %s %s", keys[0].KID, keys[1].KID, keys[2].KID)
	}
	raw, _, err := s.Issue("u1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Parse(raw, func(tk *jwt.Token) (any, error) { return current.Public(), nil }, jwt.WithValidMethods([]string{"EdDSA"}))
	if err != nil || tok.Header["kid"] != curKID {
		t.Fatalf("token not signed by the current key with its kid: %v %v", err, tok.Header["kid"])
	}
}
