package user

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Client calls the user service over NATS.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// SignUp creates a user.
func (c *Client) SignUp(ctx context.Context, r SignUpRequest) (User, error) {
	return OpSignUp.Call(ctx, c.nc, r)
}

// Login checks credentials and returns a token.
func (c *Client) Login(ctx context.Context, r LoginRequest) (LoginResponse, error) {
	return OpLogin.Call(ctx, c.nc, r)
}

// Get reads a user; ctx must carry the actor (natsrpc.WithActor).
func (c *Client) Get(ctx context.Context, id string) (User, error) {
	return OpGet.Call(ctx, c.nc, GetRequest{ID: id})
}

// Update changes a profile; ctx must carry the actor.
func (c *Client) Update(ctx context.Context, r UpdateRequest) (User, error) {
	return OpUpdate.Call(ctx, c.nc, r)
}

// Lookup finds a user by email.
func (c *Client) Lookup(ctx context.Context, email string) (User, error) {
	return OpLookup.Call(ctx, c.nc, LookupRequest{Email: email})
}

// Keys returns the token verification keys.
func (c *Client) Keys(ctx context.Context) (KeysResponse, error) {
	return OpKeys.Call(ctx, c.nc, KeysRequest{})
}

// Contact returns a user's email and name (service to service).
func (c *Client) Contact(ctx context.Context, id string) (Contact, error) {
	return OpContact.Call(ctx, c.nc, ContactRequest{ID: id})
}
