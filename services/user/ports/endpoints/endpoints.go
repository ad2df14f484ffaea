// Package endpoints is the user service's inbound port: its NATS micro
// endpoints, each a thin translation between contracts/user and the app.
package endpoints

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/user/app"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// List returns every endpoint of the user service.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(user.OpSignUp, o, func(ctx context.Context, r user.SignUpRequest) (user.User, error) {
			u, err := a.SignUp(ctx, r)
			return toWire(u), err
		}),
		platform.Handle(user.OpLogin, o, func(ctx context.Context, r user.LoginRequest) (user.LoginResponse, error) {
			tok, u, exp, err := a.Login(ctx, r)
			return user.LoginResponse{Token: tok, UserID: u.ID, ExpiresAt: exp}, err
		}),
		platform.Handle(user.OpGet, o, func(ctx context.Context, r user.GetRequest) (user.User, error) {
			u, err := a.GetProfile(ctx, r.ID)
			return toWire(u), err
		}),
		platform.Handle(user.OpUpdate, o, func(ctx context.Context, r user.UpdateRequest) (user.User, error) {
			u, err := a.UpdateProfile(ctx, r)
			return toWire(u), err
		}),
		platform.Handle(user.OpLookup, o, func(ctx context.Context, r user.LookupRequest) (user.User, error) {
			u, err := a.Lookup(ctx, r.Email)
			return toWire(u), err
		}),
		platform.Handle(user.OpContact, o, func(ctx context.Context, r user.ContactRequest) (user.Contact, error) {
			u, err := a.Contact(ctx, r.ID)
			return user.Contact{ID: u.ID, Email: u.Email, Name: u.Name}, err
		}),
		platform.Handle(user.OpKeys, o, func(ctx context.Context, _ user.KeysRequest) (user.KeysResponse, error) {
			iss, keys := a.Tokens.PublicKeys()
			out := user.KeysResponse{Issuer: iss}
			for _, k := range keys {
				out.Keys = append(out.Keys, user.PublicKey{KID: k.KID, Alg: k.Alg, Key: k.Key})
			}
			return out, nil
		}),
	}
}

func toWire(u domain.User) user.User {
	return user.User{ID: u.ID, Email: u.Email, Name: u.Name, Phone: u.Phone, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}
