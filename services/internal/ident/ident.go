// Package ident checks the identifiers the services accept from outside.
package ident

import "github.com/google/uuid"

// IsUUID reports a UUID in the canonical 8-4-4-4-12 hex form (either case),
// the only form the services write and accept; the urn:, {} and undashed
// forms uuid.Validate also allows are refused.
func IsUUID(s string) bool { return len(s) == 36 && uuid.Validate(s) == nil }
