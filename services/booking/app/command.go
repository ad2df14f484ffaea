package app

import (
	"crypto/sha256"
	"encoding/json"
	"strings"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
)

// MaxKeyLen caps an Idempotency-Key.
const MaxKeyLen = 200

// Caller is who asks and under which Idempotency-Key: read from the request
// by the ports (the actor is the verified caller), never by this layer.
type Caller struct {
	Actor string // the user id ("" anonymous)
	Key   string // the Idempotency-Key ("" none)
}

// CreateCommand books.
type CreateCommand struct {
	Caller
	Request booking.CreateRequest
}

// UpdateCommand moves a booking or changes its party size.
type UpdateCommand struct {
	Caller
	Request booking.UpdateRequest
}

// EndCommand cancels, avails or marks a no-show.
type EndCommand struct {
	Caller
	ID string
}

// authenticated is the actor, or 401.
func (c Caller) authenticated() (string, error) {
	if c.Actor == "" {
		return "", apperr.E(apperr.Unauthenticated, "authentication required")
	}
	return c.Actor, nil
}

// checkKey validates an Idempotency-Key (required: a create must have one).
func (c Caller) checkKey(required bool) error {
	switch {
	case required && strings.TrimSpace(c.Key) == "":
		return apperr.Field("Idempotency-Key", "header is required on this call")
	case c.Key != "" && strings.TrimSpace(c.Key) == "":
		return apperr.Field("Idempotency-Key", "must not be blank")
	case len(c.Key) > MaxKeyLen:
		return apperr.Field("Idempotency-Key", "is longer than %d characters", MaxKeyLen)
	}
	return nil
}

// hash is the SHA-256 of the request a key protects (its operation is
// stored and compared beside it).
func hash(req any) ([]byte, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return sum[:], nil
}
