package gateway

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/slotmesh/slotmesh/contracts/user"
)

// keySource returns the user service's verification keys.
type keySource func(ctx context.Context) (user.KeysResponse, error)

// verifier checks access tokens against the user service's public keys. The
// keys are fetched over NATS on first use and again when a token names an
// unknown key id (rotation), at most once per refreshEvery: that bounds what
// tokens with made-up key ids cost the user service, and how long a token of
// a freshly rotated key can be refused.
type verifier struct {
	fetch        keySource
	refreshEvery time.Duration

	mu      sync.Mutex
	issuer  string
	keys    map[string]ed25519.PublicKey
	fetched time.Time
}

func newVerifier(fetch keySource) *verifier {
	return &verifier{fetch: fetch, refreshEvery: 5 * time.Second}
}

var errBadToken = errors.New("invalid or expired token")

// Verify returns the user id of a valid token.
func (v *verifier) Verify(ctx context.Context, raw string) (string, error) {
	claims := jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, iss, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		if claims.Issuer != iss {
			return nil, errBadToken
		}
		return k, nil
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithExpirationRequired(), jwt.WithLeeway(30*time.Second))
	if err != nil {
		var unavailable *keysUnavailable
		if errors.As(err, &unavailable) {
			return "", unavailable
		}
		return "", errBadToken
	}
	if claims.Subject == "" {
		return "", errBadToken
	}
	return claims.Subject, nil
}

type keysUnavailable struct{ err error }

func (k *keysUnavailable) Error() string { return "token keys unavailable: " + k.err.Error() }
func (k *keysUnavailable) Unwrap() error { return k.err }

func (v *verifier) key(ctx context.Context, kid string) (ed25519.PublicKey, string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, v.issuer, nil
	}
	if !v.fetched.IsZero() && time.Since(v.fetched) < v.refreshEvery {
		return nil, "", errBadToken
	}
	res, err := v.fetch(ctx)
	if err != nil {
		return nil, "", &keysUnavailable{err}
	}
	keys := make(map[string]ed25519.PublicKey, len(res.Keys))
	for _, k := range res.Keys {
		if k.Alg == "EdDSA" && len(k.Key) == ed25519.PublicKeySize {
			keys[k.KID] = ed25519.PublicKey(k.Key)
		}
	}
	v.keys, v.issuer, v.fetched = keys, res.Issuer, time.Now()
	if k, ok := keys[kid]; ok {
		return k, v.issuer, nil
	}
	return nil, "", fmt.Errorf("%w: unknown key id", errBadToken)
}
