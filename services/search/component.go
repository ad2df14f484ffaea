package search

import (
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(search.Service, ConfigFromEnv, Start, postgres.Schema, postgres.Migrate)
