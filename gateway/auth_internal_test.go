package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/slotmesh/slotmesh/contracts/user"
)

// TestVerifierRemembersVerifiedTokens: a token that verified is not checked
// again, but it is still refused after it expires, before it is valid, and
// once its key is gone; a token that failed is never remembered.
func TestVerifierRemembersVerifiedTokens(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	var fetches atomic.Int32
	keys := []user.PublicKey{{KID: "k1", Alg: "EdDSA", Key: pub}}
	v := newVerifier(func(context.Context) (user.KeysResponse, error) {
		fetches.Add(1)
		return user.KeysResponse{Issuer: "slotmesh", Keys: keys}, nil
	})
	v.refreshEvery = 0
	clock := time.Now()
	v.now = func() time.Time { return clock }
	sign := func(key ed25519.PrivateKey, sub string, nbf, exp time.Time) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{
			Subject: sub, Issuer: "slotmesh", NotBefore: jwt.NewNumericDate(nbf), ExpiresAt: jwt.NewNumericDate(exp)})
		tok.Header["kid"] = "k1"
		raw, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	ctx := context.Background()

	good := sign(priv, "u1", clock.Add(-time.Minute), clock.Add(10*time.Minute))
	for i := range 3 {
		if sub, err := v.Verify(ctx, good); err != nil || sub != "u1" {
			t.Fatalf("call %d: %q %v", i, sub, err)
		}
	}
	if len(v.verified) != 1 {
		t.Fatalf("%d tokens remembered, want 1", len(v.verified))
	}
	// A forged token (another key, same kid) is refused, and not remembered.
	forged := sign(otherPriv, "u2", clock.Add(-time.Minute), clock.Add(10*time.Minute))
	for range 2 {
		if _, err := v.Verify(ctx, forged); !errors.Is(err, errBadToken) {
			t.Fatalf("forged token: %v", err)
		}
	}
	if len(v.verified) != 1 {
		t.Fatalf("%d tokens remembered after a forgery, want 1", len(v.verified))
	}
	// Expiry still counts for a remembered token (with the 30 s leeway).
	clock = clock.Add(10*time.Minute + 20*time.Second)
	if sub, err := v.Verify(ctx, good); err != nil || sub != "u1" {
		t.Fatalf("inside the leeway: %q %v", sub, err)
	}
	clock = clock.Add(15 * time.Second)
	if _, err := v.Verify(ctx, good); !errors.Is(err, errBadToken) {
		t.Fatalf("expired remembered token: %v", err)
	}
	// Not-before too.
	clock = time.Now()
	early := sign(priv, "u3", clock.Add(time.Hour), clock.Add(2*time.Hour))
	if _, err := v.Verify(ctx, early); !errors.Is(err, errBadToken) {
		t.Fatalf("token not valid yet: %v", err)
	}
	// A remembered token of a key that is rotated out is refused once the
	// keys are fetched again.
	fresh := sign(priv, "u4", clock.Add(-time.Minute), clock.Add(time.Hour))
	if _, err := v.Verify(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	keys = []user.PublicKey{{KID: "k2", Alg: "EdDSA", Key: pub}}
	other := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{Subject: "u5", Issuer: "slotmesh",
		ExpiresAt: jwt.NewNumericDate(clock.Add(time.Hour))})
	other.Header["kid"] = "k2"
	raw, _ := other.SignedString(priv)
	if _, err := v.Verify(ctx, raw); err != nil { // names an unknown kid: the keys are fetched again
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := v.Verify(ctx, fresh); !errors.Is(err, errBadToken) {
		t.Fatalf("remembered token of a rotated-out key: %v", err)
	}
	if n := fetches.Load(); n != 3 {
		t.Fatalf("keys fetched %d times, want 3 (first use, the unknown k2, then k1 once gone)", n)
	}
}
