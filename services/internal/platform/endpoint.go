package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/micro"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Validator is implemented by requests that can check their own shape; the
// endpoint adapter calls it before the handler.
type Validator interface{ Validate() error }

// Handler is a typed request handler.
type Handler[Req, Resp any] func(ctx context.Context, req Req) (Resp, error)

// Endpoint is one named endpoint of a micro service group.
type Endpoint struct {
	Group   string // the operation's group; AddService refuses one that is not the service's
	Name    string // no dots; the subject is <group>.<name>
	Handler micro.Handler
}

// EndpointOptions tune the adapter.
type EndpointOptions struct {
	Log     *slog.Logger
	Timeout time.Duration // handler deadline; 0 means 5 s
}

// Handle adapts a typed handler to the micro endpoint of op, the operation
// as its contracts package declares it (so the handler's types are the
// client's). It is the only place an
// error becomes a reply: a strict JSON decode (unknown fields rejected), the
// request's Validate, the handler, then either the JSON response or
// req.Error(status, message, apperr JSON) so `nats micro stats` counts it.
// Errors that are not *apperr.Error are logged once with the request id and
// answered "internal error". A panic in the handler is recovered and answered
// the same way.
func Handle[Req, Resp any](op natsrpc.Op[Req, Resp], o EndpointOptions, h Handler[Req, Resp]) Endpoint {
	name := op.Name()
	log := o.Log
	if log == nil {
		log = Discard()
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	fn := func(r micro.Request) {
		hdr := r.Headers()
		reqID := hdr.Get(natsrpc.HeaderRequestID)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		ctx = natsrpc.WithRequestID(ctx, reqID)
		if a := hdr.Get(natsrpc.HeaderActor); a != "" {
			ctx = natsrpc.WithActor(ctx, a)
		}
		if k := hdr.Get(natsrpc.HeaderIdempotent); k != "" {
			ctx = natsrpc.WithIdempotencyKey(ctx, k)
		}
		resp, err := invoke(ctx, r.Data(), h)
		if err == nil {
			body, merr := json.Marshal(resp)
			if merr == nil {
				if rerr := r.Respond(body); rerr != nil {
					log.Warn("respond failed", KeyEndpoint, name, KeyRequestID, reqID, KeyError, rerr)
				}
				return
			}
			err = fmt.Errorf("encode response: %w", merr)
		}
		ae, ok := apperr.As(err)
		if !ok && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			ae, ok = apperr.E(apperr.Timeout, "the service did not finish in time"), true
			log.Warn("request timed out", KeyEndpoint, name, KeyRequestID, reqID, KeyError, err)
		}
		if !ok {
			log.Error("request failed", KeyEndpoint, name, KeySubject, r.Subject(), KeyRequestID, reqID, KeyError, err)
			ae = apperr.E(apperr.Internal, "internal error")
			if reqID != "" {
				ae = ae.With("request_id", reqID)
			}
		}
		body, _ := json.Marshal(ae)
		desc := ae.Message
		if desc == "" { // micro refuses an empty description and would send nothing
			desc = string(ae.Code)
		}
		if rerr := r.Error(strconv.Itoa(ae.Status()), desc, body); rerr != nil {
			log.Warn("error reply failed", KeyEndpoint, name, KeyRequestID, reqID, KeyError, rerr)
		}
	}
	return Endpoint{Group: op.Group(), Name: name, Handler: micro.HandlerFunc(fn)}
}

func invoke[Req, Resp any](ctx context.Context, data []byte, h Handler[Req, Resp]) (resp Resp, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	var req Req
	if err := DecodeStrict(data, &req); err != nil {
		return resp, err
	}
	if v, ok := any(&req).(Validator); ok {
		if err := v.Validate(); err != nil {
			return resp, err
		}
	}
	return h(ctx, req)
}

// DecodeStrict decodes one JSON value into v, rejecting unknown fields and
// trailing data, and answers apperr.InvalidInput naming what is wrong.
func DecodeStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field == "":
			return apperr.E(apperr.InvalidInput, "request body must be a JSON object")
		case errors.As(err, &typeErr):
			return apperr.Field(typeErr.Field, "must be %s", jsonType(typeErr.Type))
		case errors.As(err, &syntaxErr):
			return apperr.E(apperr.InvalidInput, "malformed JSON at byte %d", syntaxErr.Offset)
		}
		if f, ok := unknownField(err); ok {
			return apperr.Field(f, "unknown field")
		}
		return apperr.E(apperr.InvalidInput, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.E(apperr.InvalidInput, "malformed JSON: trailing data")
	}
	return nil
}

// unknownField extracts the name from encoding/json's unknown-field error
// (json: unknown field "x", the name quoted with %q).
func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	s := err.Error()
	if !strings.HasPrefix(s, prefix) {
		return "", false
	}
	name, uerr := strconv.Unquote(s[len(prefix):])
	if uerr != nil {
		return "", false
	}
	return name, true
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(t reflect.Type) string {
	if t == reflect.TypeOf(time.Time{}) {
		return "an RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return "a JSON value of another type"
}
