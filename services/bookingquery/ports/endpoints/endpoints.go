// Package endpoints is booking management's inbound request port.
package endpoints

import (
	"github.com/slotmesh/slotmesh/services/bookings/app"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// List returns every endpoint of booking management.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle("user", o, a.User),
		platform.Handle("vendor", o, a.Vendor),
	}
}
