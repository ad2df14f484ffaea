// Package argon hashes passwords with argon2id (RFC 9106), in the PHC string
// format: $argon2id$v=19$m=..,t=..,p=..$salt$hash.
package argon

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// OWASP is the OWASP Password Storage Cheat Sheet's minimum for argon2id.
var OWASP = Params{MemoryKiB: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// Hasher implements app.Hasher.
type Hasher struct {
	p     Params
	dummy string // verified against when the user does not exist
}

// New returns a hasher with p (zero fields take OWASP's values).
func New(p Params) *Hasher {
	if p.MemoryKiB == 0 {
		p.MemoryKiB = OWASP.MemoryKiB
	}
	if p.Time == 0 {
		p.Time = OWASP.Time
	}
	if p.Threads == 0 {
		p.Threads = OWASP.Threads
	}
	h := &Hasher{p: p}
	h.dummy, _ = h.Hash("slotmesh-dummy-password")
	return h
}

// Hash returns the PHC-encoded argon2id hash of password with a random salt.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.MemoryKiB, h.p.Time, h.p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, using the parameters
// stored in encoded (so costs can be raised without invalidating old hashes).
// An empty or malformed encoded is checked against a dummy hash and fails.
func (h *Hasher) Verify(password, encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		p, salt, key, _ = decode(h.dummy)
		got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
		_ = subtle.ConstantTimeCompare(got, key)
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, fmt.Errorf("argon: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("argon: bad version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, fmt.Errorf("argon: bad params")
	}
	if p.MemoryKiB == 0 || p.Time == 0 || p.Threads == 0 || p.MemoryKiB > 1<<21 || p.Time > 64 {
		return Params{}, nil, nil, fmt.Errorf("argon: params out of range")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("argon: bad salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return Params{}, nil, nil, fmt.Errorf("argon: bad key")
	}
	return p, salt, key, nil
}
