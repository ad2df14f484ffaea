package user

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Client calls the user service over NATS.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// SignUp creates a user.
func (c *Client) SignUp(ctx context.Context, r SignUpRequest) (User, error) {
	return natsrpc.Call[SignUpRequest, User](ctx, c.nc, SubjectSignUp, r)
}

// Login checks credentials and returns a token.
func (c *Client) Login(ctx context.Context, r LoginRequest) (LoginResponse, error) {
	return natsrpc.Call[LoginRequest, LoginResponse](ctx, c.nc, SubjectLogin, r)
}

// Get reads a user; ctx must carry the actor (natsrpc.WithActor).
func (c *Client) Get(ctx context.Context, id string) (User, error) {
	return natsrpc.Call[GetRequest, User](ctx, c.nc, SubjectGet, GetRequest{ID: id})
}

// Update changes a profile; ctx must carry the actor.
func (c *Client) Update(ctx context.Context, r UpdateRequest) (User, error) {
	return natsrpc.Call[UpdateRequest, User](ctx, c.nc, SubjectUpdate, r)
}

// Lookup finds a user by email.
func (c *Client) Lookup(ctx context.Context, email string) (User, error) {
	return natsrpc.Call[LookupRequest, User](ctx, c.nc, SubjectLookup, LookupRequest{Email: email})
}

// Keys returns the token verification keys.
func (c *Client) Keys(ctx context.Context) (KeysResponse, error) {
	return natsrpc.Call[KeysRequest, KeysResponse](ctx, c.nc, SubjectKeys, KeysRequest{})
}

// Contact returns a user's email and name (service to service).
func (c *Client) Contact(ctx context.Context, id string) (Contact, error) {
	return natsrpc.Call[ContactRequest, Contact](ctx, c.nc, SubjectContact, ContactRequest{ID: id})
}
