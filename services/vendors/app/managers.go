package app

import (
	"context"
	"encoding/base64"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
)

// AddManager lets the owner add a manager by email.
func (a *App) AddManager(ctx context.Context, r vendors.AddManagerRequest) (Manager, string, error) {
	if err := a.requireRole(ctx, r.VendorID, true); err != nil {
		return Manager{}, "", err
	}
	userID, email, err := a.Users.Lookup(ctx, r.Email)
	if apperr.Is(err, apperr.NotFound) {
		return Manager{}, "", apperr.E(apperr.NotFound, "no user with that email").With("field", "email")
	}
	if err != nil {
		return Manager{}, "", err
	}
	m := Manager{VendorID: r.VendorID, UserID: userID, Role: vendors.RoleManager, AddedAt: a.Clock.Now()}
	err = a.Repo.AddManager(ctx, m, func(s *Snapshot) ([]contracts.Event, error) {
		evt, err := outbox.NewEvent(vendors.Service, vendors.EventManagerAdded, "vendor", r.VendorID, natsrpc.RequestID(ctx),
			vendors.SchemaVersion, vendors.ManagerAdded{VendorID: r.VendorID, UserID: userID, Role: m.Role})
		return []contracts.Event{evt}, err
	})
	if err != nil {
		return Manager{}, "", err
	}
	a.Relay.Notify()
	return m, email, nil
}

// ListManagers lists a vendor's managers (managers only).
func (a *App) ListManagers(ctx context.Context, vendorID string) ([]Manager, error) {
	if err := a.requireRole(ctx, vendorID, false); err != nil {
		return nil, err
	}
	return a.Repo.ListManagers(ctx, vendorID)
}

// Role is the user's role at a vendor ("" when none); not_found if the vendor
// does not exist.
func (a *App) Role(ctx context.Context, vendorID, userID string) (string, error) {
	return a.Repo.Role(ctx, vendorID, userID)
}

// requireRole checks the actor manages the vendor (is its owner, if
// ownerOnly). Unknown vendors are not_found for everyone.
func (a *App) requireRole(ctx context.Context, vendorID string, ownerOnly bool) error {
	actor := natsrpc.Actor(ctx)
	if actor == "" {
		return apperr.E(apperr.Unauthenticated, "authentication required")
	}
	role, err := a.Repo.Role(ctx, vendorID, actor)
	if err != nil {
		return err
	}
	switch {
	case role == "":
		return apperr.E(apperr.Forbidden, "you do not manage this vendor")
	case ownerOnly && role != vendors.RoleOwner:
		return apperr.E(apperr.Forbidden, "only the owner may do this")
	}
	return nil
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) != 36 {
		return "", apperr.Field("cursor", "is not a cursor this API gave out")
	}
	return string(b), nil
}
