package gateway_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/services/user"
	"github.com/slotmesh/slotmesh/services/user/adapters/token"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// sign makes a slotmesh-shaped token with key under kid.
func sign(t *testing.T, key ed25519.PrivateKey, kid string, claims jwt.RegisteredClaims) string {
	t.Helper()
	tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tk.Header["kid"] = kid
	s, err := tk.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	head, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		KID string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.KID
}

// TestJWTExpiryAndUnknownKeys: only an unexpired token of the issuer, signed
// by a key the user service publishes, gets through; every other is 401
// unauthenticated in the API.md body.
func TestJWTExpiryAndUnknownKeys(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "jwt.pem")
	sys := testenv.StartAll(t, map[string]string{"JWT_PRIVATE_KEY_FILE": keyFile})
	c := client{t, sys.URL}
	id, genuine := signUp(t, c, "jwt@example.com")
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := token.ParsePEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	kid := token.KeyID(key.Public().(ed25519.PublicKey))
	if kidOf(t, genuine) != kid {
		t.Fatalf("the service signs with kid %s, the key file's is %s", kidOf(t, genuine), kid)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	valid := func(mod func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := jwt.RegisteredClaims{Issuer: token.Issuer, Subject: id, IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), ID: uuid.NewString()}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	// A token made here with the service's key is accepted: the cases below
	// differ from it in one thing each.
	if st, raw := c.do("GET", "/v1/users/me", sign(t, key, kid, valid(nil)), nil); st != http.StatusOK {
		t.Fatalf("well-made token: %d %s", st, raw)
	}
	cases := map[string]string{
		"expired (beyond the 30 s leeway)": sign(t, key, kid, valid(func(c *jwt.RegisteredClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-25 * time.Hour))
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
		})),
		"no expiry":              sign(t, key, kid, valid(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })),
		"not yet valid":          sign(t, key, kid, valid(func(c *jwt.RegisteredClaims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) })),
		"other issuer":           sign(t, key, kid, valid(func(c *jwt.RegisteredClaims) { c.Issuer = "evil" })),
		"no subject":             sign(t, key, kid, valid(func(c *jwt.RegisteredClaims) { c.Subject = "" })),
		"unknown key":            sign(t, stranger, token.KeyID(stranger.Public().(ed25519.PublicKey)), valid(nil)),
		"unknown key, known kid": sign(t, stranger, kid, valid(nil)),
		"no kid":                 sign(t, stranger, "", valid(nil)),
	}
	for name, tok := range cases {
		st, raw := c.do("GET", "/v1/users/me", tok, nil)
		if st != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", name, st, raw)
			continue
		}
		c.wantError(http.StatusUnauthorized, raw, st, "unauthenticated", "")
	}
	// The genuine token is unaffected by the forged ones.
	if st, raw := c.do("GET", "/v1/users/me", genuine, nil); st != http.StatusOK {
		t.Fatalf("genuine token: %d %s", st, raw)
	}
}

// TestJWTKeyRotation rotates the user service's signing key the way the
// README says (new key file, the old one in JWT_VERIFY_KEY_FILES until its
// tokens expire): old tokens stay valid, tokens of the new key are accepted
// by a gateway that had only known the old key (it refetches the keys when
// it meets an unknown key id, at most every few seconds).
func TestJWTKeyRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	oldKey, newKey := filepath.Join(dir, "old.pem"), filepath.Join(dir, "new.pem")
	sys := testenv.StartAll(t, map[string]string{"JWT_PRIVATE_KEY_FILE": oldKey})
	c := client{t, sys.URL}
	_, before := signUp(t, c, "rotate@example.com")
	if st, raw := c.do("GET", "/v1/users/me", before, nil); st != http.StatusOK { // the gateway now knows the old key
		t.Fatalf("before rotation: %d %s", st, raw)
	}
	if _, err := token.LoadOrCreate(newKey, true); err != nil {
		t.Fatal(err)
	}

	// Rotate: the user service restarts on the new key, publishing the old one too.
	if err := sys.Mesh.StopService("user"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NATS_URL": sys.NATS.URL, "PG_URL": sys.PGURL, "REDIS_URL": sys.Redis.URL, "REDIS_PREFIX": sys.Redis.Prefix,
		"ARGON2_MEMORY_KIB": "1024", "ARGON2_TIME": "1", "JWT_PRIVATE_KEY_FILE": newKey, "JWT_VERIFY_KEY_FILES": oldKey}
	cfg, err := user.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	svc, err := user.Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })

	st, raw := c.do("POST", "/v1/sessions", "", map[string]any{"email": "rotate@example.com", "password": "correct horse"})
	if st != http.StatusOK {
		t.Fatalf("login after rotation: %d %s", st, raw)
	}
	after := decode[struct {
		Token     string    `json:"token"`
		UserID    string    `json:"user_id"`
		ExpiresAt time.Time `json:"expires_at"`
	}](t, raw).Token
	if kidOf(t, after) == kidOf(t, before) {
		t.Fatalf("the new token has the old key id %s", kidOf(t, after))
	}
	// The old token still works.
	if st, raw := c.do("GET", "/v1/users/me", before, nil); st != http.StatusOK {
		t.Fatalf("old token after rotation: %d %s", st, raw)
	}
	// The new one is accepted as soon as the gateway may refetch the keys.
	took := poll.Eventually(t, 10*time.Second, "the new token accepted", func() error {
		st, raw := c.do("GET", "/v1/users/me", after, nil)
		switch st {
		case http.StatusOK:
			return nil
		case http.StatusUnauthorized:
			return fmt.Errorf("%d %s", st, raw)
		}
		t.Fatalf("new token: %d %s", st, raw)
		return nil
	})
	t.Logf("new key accepted after %s", took.Round(time.Millisecond))
	if st, raw := c.do("GET", "/v1/users/me", before, nil); st != http.StatusOK {
		t.Fatalf("old token after the refetch: %d %s", st, raw)
	}
}
