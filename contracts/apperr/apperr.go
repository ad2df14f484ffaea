// Package apperr is the one error type of slotmesh. It travels unchanged from a
// service's domain code, through the NATS micro error headers, to the gateway,
// which writes it as the API.md error body with the HTTP status of its code.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a stable, snake_case error code. Clients switch on it; never rename one.
type Code string

// The codes. Each maps to exactly one HTTP status (see Status).
const (
	InvalidInput    Code = "invalid_input"        // 400: a field is missing or malformed
	BodyTooLarge    Code = "body_too_large"       // 400: request body over the limit
	Unauthenticated Code = "unauthenticated"      // 401: no or bad credentials/token
	PaymentDeclined Code = "payment_declined"     // 402
	Forbidden       Code = "forbidden"            // 403: authenticated, but not yours
	NotFound        Code = "not_found"            // 404
	Conflict        Code = "conflict"             // 409: e.g. unique key taken
	SlotUnavailable Code = "slot_unavailable"     // 409
	InvalidState    Code = "invalid_state"        // 409: the state does not allow it
	RuleViolation   Code = "rule_violation"       // 422: valid JSON but a business rule is broken
	IdempotencyKey  Code = "idempotency_mismatch" // 422: same key, different request
	RateLimited     Code = "rate_limited"         // 429
	Internal        Code = "internal"             // 500: a bug; never for bad input
	Unavailable     Code = "unavailable"          // 503: a dependency is down, retryable
	Timeout         Code = "timeout"              // 504: a dependency did not answer in time
)

var statusOf = map[Code]int{
	InvalidInput:    http.StatusBadRequest,
	BodyTooLarge:    http.StatusBadRequest,
	Unauthenticated: http.StatusUnauthorized,
	PaymentDeclined: http.StatusPaymentRequired,
	Forbidden:       http.StatusForbidden,
	NotFound:        http.StatusNotFound,
	Conflict:        http.StatusConflict,
	SlotUnavailable: http.StatusConflict,
	InvalidState:    http.StatusConflict,
	RuleViolation:   http.StatusUnprocessableEntity,
	IdempotencyKey:  http.StatusUnprocessableEntity,
	RateLimited:     http.StatusTooManyRequests,
	Internal:        http.StatusInternalServerError,
	Unavailable:     http.StatusServiceUnavailable,
	Timeout:         http.StatusGatewayTimeout,
}

// Status is the HTTP status for a code; unknown codes are 500.
func (c Code) Status() int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Codes lists every code, for documentation and tests.
func Codes() []Code {
	out := make([]Code, 0, len(statusOf))
	for c := range statusOf {
		out = append(out, c)
	}
	return out
}

// Error is an expected failure, safe to show to the caller.
type Error struct {
	Code    Code           `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Status is the HTTP status of the error's code.
func (e *Error) Status() int { return e.Code.Status() }

// E makes an *Error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with one more detail.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// Field makes an invalid_input error naming the offending field.
func Field(field, format string, args ...any) *Error {
	return E(InvalidInput, "%s: %s", field, fmt.Sprintf(format, args...)).With("field", field)
}

// FieldProblem is one invalid field, for errors that name several.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Fields collects field problems; Err returns nil when there are none, one
// invalid_input error naming every field otherwise.
type Fields []FieldProblem

// Add records a problem with field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err is nil when no problem was added.
func (f Fields) Err() error {
	switch len(f) {
	case 0:
		return nil
	case 1:
		return Field(f[0].Field, "%s", f[0].Message).With("fields", []FieldProblem(f))
	}
	e := E(InvalidInput, "%s: %s (and %d more)", f[0].Field, f[0].Message, len(f)-1)
	return e.With("field", f[0].Field).With("fields", []FieldProblem(f))
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf is the code of err: its *Error's code, or Internal.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
