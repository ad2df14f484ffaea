// Package user is the wire contract of the user service: subjects, requests,
// responses, events and a typed client.
package user

import "github.com/slotmesh/slotmesh/contracts/natsrpc"

// Service is the micro service name (nats micro ls).
const Service = "user"

// Group is the micro endpoint group; requests go to Group + "." + op.
const Group = "svc.user.v1"

// Operations: the endpoints serve them, the Client calls them.
var (
	OpSignUp = natsrpc.NewOp[SignUpRequest, User](Group, "signup")
	OpLogin  = natsrpc.NewOp[LoginRequest, LoginResponse](Group, "login")
	OpGet    = natsrpc.NewOp[GetRequest, User](Group, "get")
	OpUpdate = natsrpc.NewOp[UpdateRequest, User](Group, "update")
	OpLookup = natsrpc.NewOp[LookupRequest, User](Group, "lookup")
	OpKeys   = natsrpc.NewOp[KeysRequest, KeysResponse](Group, "keys")
	// OpContact is service to service (notification).
	OpContact = natsrpc.NewOp[ContactRequest, Contact](Group, "contact")
)

// Event subjects, on stream contracts.StreamUser.
const (
	EventUserCreated = "evt.user.user.created.v1"
	EventUserUpdated = "evt.user.user.updated.v1"
)
