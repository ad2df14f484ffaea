// Package natsrpc is the client half of slotmesh's request-reply calls: it sends
// a JSON request to a NATS micro endpoint and decodes either the JSON response or
// the *apperr.Error carried by the micro error headers.
package natsrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// Headers every call may carry. The micro error headers are the ones defined by
// nats.go/micro (ADR-32); they are repeated here so clients need not import micro.
const (
	HeaderRequestID  = "Slotmesh-Request-Id"
	HeaderActor      = "Slotmesh-Actor" // the authenticated user id, set by the gateway
	HeaderIdempotent = "Idempotency-Key"
	HeaderError      = "Nats-Service-Error"
	HeaderErrorCode  = "Nats-Service-Error-Code"
)

// DefaultTimeout bounds a call whose context has no deadline.
const DefaultTimeout = 5 * time.Second

type ctxKey int

const (
	requestIDKey ctxKey = iota
	actorKey
	idempotencyKey
)

// WithRequestID returns ctx carrying the request id that calls forward.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID is the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// WithActor returns ctx carrying the authenticated user id that calls forward.
func WithActor(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, actorKey, userID)
}

// Actor is the authenticated user id in ctx, or "".
func Actor(ctx context.Context) string {
	s, _ := ctx.Value(actorKey).(string)
	return s
}

// WithIdempotencyKey returns ctx carrying the caller's idempotency key.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey, key)
}

// IdempotencyKey is the idempotency key in ctx, or "".
func IdempotencyKey(ctx context.Context) string {
	s, _ := ctx.Value(idempotencyKey).(string)
	return s
}

// Call sends req as JSON to subject and decodes the answer into Resp. A micro
// error reply becomes the *apperr.Error it carries; no responders becomes
// apperr.Unavailable and a timeout apperr.Timeout.
func Call[Req, Resp any](ctx context.Context, nc *nats.Conn, subject string, req Req) (Resp, error) {
	var zero Resp
	data, err := CallRaw(ctx, nc, subject, req)
	if err != nil {
		return zero, err
	}
	var out Resp
	if err := json.Unmarshal(data, &out); err != nil {
		return zero, fmt.Errorf("natsrpc: decode %s response: %w", subject, err)
	}
	return out, nil
}

// CallRaw is Call for a caller that passes the answer on as it came: the
// reply's JSON, undecoded, or the error Call would return.
func CallRaw[Req any](ctx context.Context, nc *nats.Conn, subject string, req Req) ([]byte, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("natsrpc: encode %s request: %w", subject, err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = body
	if id := RequestID(ctx); id != "" {
		msg.Header.Set(HeaderRequestID, id)
	}
	if a := Actor(ctx); a != "" {
		msg.Header.Set(HeaderActor, a)
	}
	if k := IdempotencyKey(ctx); k != "" {
		msg.Header.Set(HeaderIdempotent, k)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	reply, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return nil, transportError(subject, err)
	}
	if err := ReplyError(reply); err != nil {
		return nil, err
	}
	return reply.Data, nil
}

// ReplyError rebuilds the *apperr.Error of a micro error reply; nil when the
// reply is not an error.
func ReplyError(reply *nats.Msg) error {
	code := reply.Header.Get(HeaderErrorCode)
	if code == "" {
		return nil
	}
	var body apperr.Error
	if err := json.Unmarshal(reply.Data, &body); err == nil && body.Code != "" {
		return &body
	}
	// Not one of ours (e.g. a framework error): keep what it said.
	e := apperr.E(apperr.Internal, "%s", reply.Header.Get(HeaderError))
	if status, err := strconv.Atoi(code); err == nil {
		e = e.With("status", status)
		if status == 400 {
			e.Code = apperr.InvalidInput
		}
	}
	return e
}

func transportError(subject string, err error) error {
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return apperr.E(apperr.Unavailable, "service unavailable").With("subject", subject)
	case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return apperr.E(apperr.Timeout, "service did not answer in time").With("subject", subject)
	case errors.Is(err, context.Canceled):
		return err
	}
	return apperr.E(apperr.Unavailable, "messaging unavailable: %v", err)
}
