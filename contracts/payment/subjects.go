// Package payment is the wire contract of the payment service: deposits
// (charges), refunds and voids, each protected by an idempotency key, kept in
// a ledger; events for every outcome.
package payment

import "github.com/slotmesh/slotmesh/contracts/natsrpc"

// Service is the micro service name (nats micro ls).
const Service = "payment"

// Group is the micro endpoint group; requests go to Group + "." + an
// operation's name.
const Group = "svc.payment.v1"

// Operations: the endpoints serve them, the Client calls them.
var (
	OpCharge = natsrpc.NewOp[ChargeRequest, Payment](Group, "charge")
	OpRefund = natsrpc.NewOp[RefundRequest, Refund](Group, "refund")
	// OpVoid: no charge may land for the key any more.
	OpVoid = natsrpc.NewOp[VoidRequest, Payment](Group, "void")
	OpGet  = natsrpc.NewOp[GetRequest, Ledger](Group, "get")
)

// Event subjects, on stream contracts.StreamPayment.
const (
	EventSucceeded = "evt.payment.payment.succeeded.v1" // data: Payment
	EventFailed    = "evt.payment.payment.failed.v1"    // data: Payment
	EventRefunded  = "evt.payment.refund.succeeded.v1"  // data: Refund
	EventVoided    = "evt.payment.payment.voided.v1"    // data: Payment
)
