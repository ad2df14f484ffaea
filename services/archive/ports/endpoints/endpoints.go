// Package endpoints is the archive service's inbound port: its NATS micro
// endpoints, each a thin translation between contracts/archive and the app.
package endpoints

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/app"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// List returns every endpoint of the archive service.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(archive.OpList, o, a.List),
		platform.Handle(archive.OpGet, o, func(ctx context.Context, r archive.GetRequest) (booking.Booking, error) {
			return a.Get(ctx, r.ID)
		}),
	}
}
