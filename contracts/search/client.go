package search

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Client calls the search service over NATS.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// Search runs one page of a search.
func (c *Client) Search(ctx context.Context, r SearchRequest) (Result, error) {
	return OpQuery.Call(ctx, c.nc, r)
}

// SearchJSON runs one page of a search and returns the Result's JSON as the
// service sent it, for a caller that only passes it on.
func (c *Client) SearchJSON(ctx context.Context, r SearchRequest) ([]byte, error) {
	return OpQuery.CallRaw(ctx, c.nc, r)
}
