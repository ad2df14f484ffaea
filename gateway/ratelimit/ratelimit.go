// Package ratelimit keeps the gateway's request budgets: a Rate says how
// many requests a key may make, a Limiter takes them one at a time. Redis
// is the Limiter every gateway replica shares (GCRA in one Lua script per
// request). It knows nothing of HTTP: the gateway's middleware picks the
// keys (client address, user, account) and answers 429.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Rate is at most N requests per Per, paced by GCRA with a burst of N: a
// client that waited may spend the whole budget at once, then one request
// every Per/N. N = 0 turns the limit off.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.N <= 0 }

func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return fmt.Sprintf("%d per %s", r.N, r.Per)
}

// Limiter takes one request from key's budget. A refusal says when to retry.
// An error means the limiter could not decide; the caller then lets the
// request through (fails open) and logs it.
type Limiter interface {
	Allow(ctx context.Context, key string, r Rate) (allowed bool, retryAfter time.Duration, err error)
	// Refund gives one request back to key's budget.
	Refund(ctx context.Context, key string, r Rate) error
}
