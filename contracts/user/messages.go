package user

import "time"

// SignUpRequest creates a user.
type SignUpRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Phone    string `json:"phone,omitempty"`
}

// User is a user's public profile.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// LoginRequest exchanges credentials for a token.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginResponse carries a signed JWT (EdDSA) for the user.
type LoginResponse struct {
	Token     string    `json:"token"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// GetRequest reads one user. The caller (actor header) must be that user.
type GetRequest struct {
	ID string `json:"id"`
}

// UpdateRequest changes a user's profile; nil fields are left as they are.
// The caller (actor header) must be that user.
type UpdateRequest struct {
	ID    string  `json:"id"`
	Name  *string `json:"name,omitempty"`
	Phone *string `json:"phone,omitempty"`
}

// LookupRequest finds a user by email (for services that invite by email).
type LookupRequest struct {
	Email string `json:"email"`
}

// KeysRequest asks for the token verification keys.
type KeysRequest struct{}

// KeysResponse lists the public keys that verify the user service's tokens.
type KeysResponse struct {
	Issuer string      `json:"issuer"`
	Keys   []PublicKey `json:"keys"`
}

// PublicKey is one verification key: Alg "EdDSA", Key the raw Ed25519 public key.
type PublicKey struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
	Key []byte `json:"key"`
}

// ContactRequest asks how to reach a user (service to service: notification
// mails booking news to the booking's user). No actor is needed.
type ContactRequest struct {
	ID string `json:"id"`
}

// Contact is how to reach a user.
type Contact struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}
