package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// ErrorBody is the one error body of API.md:
// {"error": {"code": ..., "message": ..., "details": {...}}}.
type ErrorBody struct {
	Err    apperr.Error `json:"error"`
	status int
}

// Error implements error.
func (e *ErrorBody) Error() string { return e.Err.Error() }

// GetStatus implements huma.StatusError.
func (e *ErrorBody) GetStatus() int { return e.status }

// fromAppErr is the status of an *apperr.Error from the one table in contracts.
func fromAppErr(e *apperr.Error) *ErrorBody {
	return &ErrorBody{Err: *e, status: e.Status()}
}

// fail is what a handler returns for an error it got (from a service, or
// its own): an *apperr.Error keeps its code (status from the shared table);
// anything else is a bug, logged once with the request id and answered 500
// "internal error".
func (s *Server) fail(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ae, ok := apperr.As(err); ok {
		return fromAppErr(ae)
	}
	id := natsrpc.RequestID(ctx)
	s.log.Error("request failed", "request_id", id, "error", err)
	return fromAppErr(apperr.E(apperr.Internal, "internal error").With("request_id", id))
}

// newHumaError replaces huma.NewError so that errors raised by huma itself
// (validation, body limits, malformed JSON, unknown routes) use the API.md
// body too. Huma reports schema validation as 422; API.md says 400 with the
// field named, so validation problems become invalid_input.
func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	for _, err := range errs { // the gateway's own middleware passes its error along
		if ae, ok := apperr.As(err); ok {
			return fromAppErr(ae)
		}
	}
	var fields apperr.Fields
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			problem(&fields, d.Location, d.Message)
			continue
		}
		if ed, ok := err.(huma.ErrorDetailer); ok {
			dd := ed.ErrorDetail()
			problem(&fields, dd.Location, dd.Message)
		}
	}
	switch {
	case status == http.StatusRequestEntityTooLarge:
		return fromAppErr(apperr.E(apperr.BodyTooLarge, "%s", msg))
	case status == http.StatusUnprocessableEntity || (status == http.StatusBadRequest && len(fields) > 0):
		if err := fields.Err(); err != nil {
			ae, _ := apperr.As(err)
			return fromAppErr(ae)
		}
		return fromAppErr(apperr.E(apperr.InvalidInput, "%s", msg))
	case status == http.StatusBadRequest:
		return fromAppErr(apperr.E(apperr.InvalidInput, "%s", msg))
	case status == http.StatusUnauthorized:
		return fromAppErr(apperr.E(apperr.Unauthenticated, "%s", msg))
	case status == http.StatusForbidden:
		return fromAppErr(apperr.E(apperr.Forbidden, "%s", msg))
	case status == http.StatusNotFound:
		return fromAppErr(apperr.E(apperr.NotFound, "%s", msg))
	case status == http.StatusTooManyRequests:
		return fromAppErr(apperr.E(apperr.RateLimited, "%s", msg))
	case status == http.StatusServiceUnavailable:
		return fromAppErr(apperr.E(apperr.Unavailable, "%s", msg))
	case status == http.StatusGatewayTimeout:
		return fromAppErr(apperr.E(apperr.Timeout, "%s", msg))
	case status >= 500:
		return &ErrorBody{Err: apperr.Error{Code: apperr.Internal, Message: "internal error"}, status: status}
	}
	code := apperr.Code(strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_"))
	if code == "" {
		code = apperr.Code(fmt.Sprintf("http_%d", status))
	}
	return &ErrorBody{Err: apperr.Error{Code: code, Message: msg}, status: status}
}

// problem names the field of one huma error detail; a missing required
// property is reported by huma on the parent object, so take its name from
// the message.
func problem(f *apperr.Fields, loc, msg string) {
	const missing = "expected required property "
	if rest, ok := strings.CutPrefix(msg, missing); ok {
		name, _, _ := strings.Cut(rest, " ")
		field := fieldName(loc)
		if field == "body" {
			field = name
		} else {
			field += "." + name
		}
		f.Add(field, "is required")
		return
	}
	f.Add(fieldName(loc), "%s", msg)
}

// fieldName turns huma's "body.location.lat" into "location.lat".
func fieldName(loc string) string {
	for _, p := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(loc, p) {
			return loc[len(p):]
		}
	}
	if loc == "body" {
		return "body"
	}
	return loc
}

// writeError writes an API.md error body outside huma (middleware, mux).
func writeError(w http.ResponseWriter, e *apperr.Error) {
	writeJSON(w, e.Status(), &ErrorBody{Err: *e, status: e.Status()})
}
