// Package endpoints is the search service's inbound request port: its NATS
// micro endpoint, a thin translation between contracts/search and the app.
package endpoints

import (
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// List returns every endpoint of the search service.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(search.OpQuery, o, a.Search),
	}
}
