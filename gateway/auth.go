package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
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
//
// A token whose signature checked out is remembered (by its SHA-256, up to
// maxVerified of them) with its subject, key id and validity window: an app
// sends the same token with every call, and the signature check is most of
// the gateway's own CPU on a booking. A remembered token is still refused
// once it expires, and once its key is no longer among the keys.
type verifier struct {
	fetch        keySource
	refreshEvery time.Duration

	mu      sync.Mutex
	issuer  string
	keys    map[string]ed25519.PublicKey
	fetched time.Time

	vmu      sync.Mutex
	verified map[[sha256.Size]byte]verifiedToken

	now func() time.Time // time.Now; tests move it
}

// verifiedToken is what is remembered of a token that verified.
type verifiedToken struct {
	subject, kid string
	notBefore    time.Time // the token's nbf less the leeway (zero: none)
	notAfter     time.Time // its exp plus the leeway
}

const (
	tokenLeeway = 30 * time.Second
	maxVerified = 50_000 // ~5 MB; the map starts again empty when full
)

func newVerifier(fetch keySource) *verifier {
	return &verifier{fetch: fetch, refreshEvery: 5 * time.Second, now: time.Now}
}

var errBadToken = errors.New("invalid or expired token")

// Verify returns the user id of a valid token.
func (v *verifier) Verify(ctx context.Context, raw string) (string, error) {
	sum := sha256.Sum256([]byte(raw))
	now := v.now()
	v.vmu.Lock()
	t, ok := v.verified[sum]
	v.vmu.Unlock()
	if ok && now.Before(t.notAfter) && !now.Before(t.notBefore) && v.hasKey(t.kid) {
		return t.subject, nil
	}
	sub, t, err := v.verify(ctx, raw)
	if err != nil {
		return "", err
	}
	v.vmu.Lock()
	if v.verified == nil || len(v.verified) >= maxVerified {
		v.verified = make(map[[sha256.Size]byte]verifiedToken)
	}
	v.verified[sum] = t
	v.vmu.Unlock()
	return sub, nil
}

// hasKey reports whether kid is among the keys as last fetched.
func (v *verifier) hasKey(kid string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.keys[kid]
	return ok
}

// verify checks a token's signature and claims.
func (v *verifier) verify(ctx context.Context, raw string) (string, verifiedToken, error) {
	claims := jwt.RegisteredClaims{}
	var kid string
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		k, iss, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		if claims.Issuer != iss {
			return nil, errBadToken
		}
		return k, nil
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithExpirationRequired(), jwt.WithLeeway(tokenLeeway), jwt.WithTimeFunc(v.now))
	if err != nil {
		var unavailable *keysUnavailable
		if errors.As(err, &unavailable) {
			return "", verifiedToken{}, unavailable
		}
		return "", verifiedToken{}, errBadToken
	}
	if claims.Subject == "" || claims.ExpiresAt == nil {
		return "", verifiedToken{}, errBadToken
	}
	t := verifiedToken{subject: claims.Subject, kid: kid, notAfter: claims.ExpiresAt.Add(tokenLeeway)}
	if claims.NotBefore != nil {
		t.notBefore = claims.NotBefore.Add(-tokenLeeway)
	}
	return claims.Subject, t, nil
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
