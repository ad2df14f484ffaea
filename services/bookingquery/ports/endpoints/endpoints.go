// Package endpoints is booking management's inbound request port.
package endpoints

import (
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/services/bookingquery/app"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// List returns every endpoint of booking management.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(bookingquery.OpUser, o, a.User),
		platform.Handle(bookingquery.OpVendor, o, a.Vendor),
	}
}
