package user

import (
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/user/adapters/postgres"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(user.Service, ConfigFromEnv, Start, postgres.Schema, postgres.Migrate)
