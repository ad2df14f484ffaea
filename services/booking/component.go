package booking

import (
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(booking.Service, ConfigFromEnv, Start, postgres.Schema, postgres.Migrate)
