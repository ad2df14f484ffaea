package bookingquery

import (
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(bookingquery.Service, ConfigFromEnv, Start, "", nil)
