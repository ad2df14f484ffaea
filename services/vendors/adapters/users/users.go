// Package users finds users through the user service (contracts/user).
package users

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/user"
)

// Directory implements app.Users over NATS.
type Directory struct{ c *user.Client }

// New returns a directory on nc.
func New(nc *nats.Conn) *Directory { return &Directory{c: user.NewClient(nc)} }

// Lookup finds a user by email.
func (d *Directory) Lookup(ctx context.Context, email string) (string, string, error) {
	u, err := d.c.Lookup(ctx, email)
	return u.ID, u.Email, err
}
