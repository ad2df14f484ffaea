package vendors

import (
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/vendors/adapters/postgres"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(vendors.Service, ConfigFromEnv, Start, postgres.Schema, postgres.Migrate)
