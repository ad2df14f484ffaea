package bookings

import (
	wire "github.com/slotmesh/slotmesh/contracts/bookings"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(wire.Service, ConfigFromEnv, Start, "", nil)
