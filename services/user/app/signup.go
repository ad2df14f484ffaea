package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// SignUp validates the input, hashes the password and creates the user with
// its created event. A taken email is apperr.Conflict (the unique index
// decides, so concurrent sign-ups with one email make exactly one user).
func (a *App) SignUp(ctx context.Context, r user.SignUpRequest) (domain.User, error) {
	u, err := domain.NewUser(a.NewID(), r.Email, r.Name, r.Phone, r.Password, a.Clock.Now())
	if err != nil {
		return domain.User{}, err
	}
	if u.PasswordHash, err = a.Hasher.Hash(r.Password); err != nil {
		return domain.User{}, err
	}
	evt, err := outbox.NewEvent(user.Service, user.EventUserCreated, "user", u.ID, natsrpc.RequestID(ctx),
		user.SchemaVersion, user.UserCreated{ID: u.ID, Email: u.Email, Name: u.Name})
	if err != nil {
		return domain.User{}, err
	}
	if err := a.Repo.Create(ctx, u, evt); err != nil {
		return domain.User{}, err
	}
	a.Relay.Notify()
	a.Cache.Put(ctx, u)
	return u, nil
}
