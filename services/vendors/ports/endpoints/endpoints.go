// Package endpoints is the vendor service's inbound port: its NATS micro
// endpoints, each a thin translation between contracts/vendors and the app.
package endpoints

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/vendors/app"
	"github.com/slotmesh/slotmesh/services/vendors/domain"
)

// List returns every endpoint of the vendor service.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(vendors.OpCreate, o, func(ctx context.Context, r vendors.CreateRequest) (vendors.Vendor, error) {
			s, err := a.Onboard(ctx, r.Profile)
			return app.ToWire(s), err
		}),
		platform.Handle(vendors.OpGet, o, func(ctx context.Context, r vendors.GetRequest) (vendors.Vendor, error) {
			s, err := a.Get(ctx, r.ID)
			return app.ToWire(s), err
		}),
		platform.Handle(vendors.OpUpdate, o, func(ctx context.Context, r vendors.UpdateRequest) (vendors.Vendor, error) {
			s, err := a.Update(ctx, r)
			return app.ToWire(s), err
		}),
		platform.Handle(vendors.OpAddUnits, o, func(ctx context.Context, r vendors.AddUnitsRequest) (vendors.AddUnitsResponse, error) {
			units, err := a.AddUnits(ctx, r)
			return vendors.AddUnitsResponse{Units: unitsToWire(units)}, err
		}),
		platform.Handle(vendors.OpListUnits, o, func(ctx context.Context, r vendors.ListUnitsRequest) (vendors.UnitPage, error) {
			units, next, err := a.ListUnits(ctx, r)
			return vendors.UnitPage{Items: unitsToWire(units), NextCursor: next}, err
		}),
		platform.Handle(vendors.OpUpdateUnit, o, func(ctx context.Context, r vendors.UpdateUnitRequest) (vendors.Unit, error) {
			u, err := a.UpdateUnit(ctx, r)
			return app.UnitToWire(u), err
		}),
		platform.Handle(vendors.OpAddManager, o, func(ctx context.Context, r vendors.AddManagerRequest) (vendors.Manager, error) {
			m, email, err := a.AddManager(ctx, r)
			out := managerToWire(m)
			out.Email = email
			return out, err
		}),
		platform.Handle(vendors.OpListManagers, o, func(ctx context.Context, r vendors.ListManagersRequest) (vendors.ManagerList, error) {
			ms, err := a.ListManagers(ctx, r.VendorID)
			out := vendors.ManagerList{Items: make([]vendors.Manager, len(ms))}
			for i, m := range ms {
				out.Items[i] = managerToWire(m)
			}
			return out, err
		}),
		platform.Handle(vendors.OpAuthorize, o, func(ctx context.Context, r vendors.AuthorizeRequest) (vendors.AuthorizeResponse, error) {
			role, err := a.Role(ctx, r.VendorID, r.UserID)
			return vendors.AuthorizeResponse{Role: role}, err
		}),
		platform.Handle(vendors.OpFacts, o, func(ctx context.Context, r vendors.FactsRequest) (vendors.Facts, error) {
			s, units, err := a.Facts(ctx, r.VendorID)
			return vendors.Facts{Vendor: app.ToWire(s), Units: unitsToWire(units)}, err
		}),
		platform.Handle(vendors.OpScan, o, func(ctx context.Context, r vendors.ScanRequest) (vendors.ScanPage, error) {
			res, next, err := a.Scan(ctx, r)
			out := vendors.ScanPage{Items: make([]vendors.ScanItem, len(res.Items)), NextCursor: next, Total: res.Total}
			for i, it := range res.Items {
				out.Items[i] = app.ScanItemToWire(it)
			}
			return out, err
		}),
	}
}

func unitsToWire(units []domain.Unit) []vendors.Unit {
	out := make([]vendors.Unit, len(units))
	for i, u := range units {
		out[i] = app.UnitToWire(u)
	}
	return out
}

func managerToWire(m app.Manager) vendors.Manager {
	return vendors.Manager{VendorID: m.VendorID, UserID: m.UserID, Role: m.Role, AddedAt: m.AddedAt}
}
