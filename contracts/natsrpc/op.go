package natsrpc

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
)

// Op is one request-reply operation of a service: its micro group, its
// endpoint name and the types of its request and answer. A contracts
// package declares each of its operations once, as an Op; the service's
// endpoint (platform.Handle) and every caller (Op.Call) use that same value,
// so a name, a subject or a message type cannot differ between the two ends
// (docs/adr/0020-contracts-ops.md).
type Op[Req, Resp any] struct {
	group, name string
}

// NewOp declares an operation. It panics on a name with a dot or a space or
// on an empty group: subjects are <group>.<name> and micro refuses dotted
// endpoint names (a contracts package is wrong, not a request).
func NewOp[Req, Resp any](group, name string) Op[Req, Resp] {
	if group == "" || name == "" || strings.ContainsAny(name, ". \t*>") {
		panic(fmt.Sprintf("natsrpc.NewOp: bad operation %q in group %q", name, group))
	}
	return Op[Req, Resp]{group: group, name: name}
}

// Group is the micro endpoint group, e.g. svc.payment.v1.
func (o Op[Req, Resp]) Group() string { return o.group }

// Name is the endpoint name, e.g. charge.
func (o Op[Req, Resp]) Name() string { return o.name }

// Subject is where requests go: Group + "." + Name.
func (o Op[Req, Resp]) Subject() string { return o.group + "." + o.name }

// Call sends req to the operation and decodes its answer (see Call).
func (o Op[Req, Resp]) Call(ctx context.Context, nc *nats.Conn, req Req) (Resp, error) {
	return Call[Req, Resp](ctx, nc, o.Subject(), req)
}

// CallRaw is Call for a caller that passes the answer on as it came (see CallRaw).
func (o Op[Req, Resp]) CallRaw(ctx context.Context, nc *nats.Conn, req Req) ([]byte, error) {
	return CallRaw(ctx, nc, o.Subject(), req)
}
