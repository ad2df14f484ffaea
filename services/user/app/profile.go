package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// GetProfile reads a user, cache first; only the user may read their profile.
func (a *App) GetProfile(ctx context.Context, id string) (domain.User, error) {
	if err := a.authorize(ctx, id); err != nil {
		return domain.User{}, err
	}
	return a.load(ctx, id)
}

// load is cache-aside: hit -> cached; miss -> database, then fill the cache
// (the fill loses to any newer version already cached).
func (a *App) load(ctx context.Context, id string) (domain.User, error) {
	if u, ok := a.Cache.Get(ctx, id); ok {
		return u, nil
	}
	u, err := a.Repo.Get(ctx, id)
	if err != nil {
		return domain.User{}, err
	}
	a.Cache.Put(ctx, u)
	return u, nil
}

// UpdateProfile changes a user's own profile: database first (with the event),
// then the cache gets the new version.
func (a *App) UpdateProfile(ctx context.Context, r user.UpdateRequest) (domain.User, error) {
	if err := a.authorize(ctx, r.ID); err != nil {
		return domain.User{}, err
	}
	u, err := a.Repo.Update(ctx, r.ID, func(u *domain.User) ([]contracts.Event, error) {
		changed, err := u.Apply(domain.Patch{Name: r.Name, Phone: r.Phone}, a.Clock.Now())
		if err != nil || !changed {
			return nil, err
		}
		evt, err := outbox.NewEvent(user.Service, user.EventUserUpdated, "user", u.ID, natsrpc.RequestID(ctx),
			user.SchemaVersion, user.UserUpdated{ID: u.ID, Email: u.Email, Name: u.Name, Phone: u.Phone, Version: u.Version})
		if err != nil {
			return nil, err
		}
		return []contracts.Event{evt}, nil
	})
	if err != nil {
		return domain.User{}, err
	}
	a.Relay.Notify()
	a.Cache.Put(ctx, u)
	return u, nil
}

// Lookup finds a user by email (service-to-service; no actor needed).
func (a *App) Lookup(ctx context.Context, email string) (domain.User, error) {
	em, err := domain.NormalizeEmail(email)
	if err != nil {
		return domain.User{}, apperr.Field("email", "%s", err.Error())
	}
	return a.Repo.GetByEmail(ctx, em)
}

// Contact is how to reach a user (service-to-service; no actor needed):
// cache first, like a profile read.
func (a *App) Contact(ctx context.Context, id string) (domain.User, error) {
	if id == "" {
		return domain.User{}, apperr.Field("id", "required")
	}
	return a.load(ctx, id)
}

func (a *App) authorize(ctx context.Context, id string) error {
	actor := natsrpc.Actor(ctx)
	switch {
	case actor == "":
		return apperr.E(apperr.Unauthenticated, "authentication required")
	case actor != id:
		return apperr.E(apperr.Forbidden, "not your profile")
	}
	return nil
}
