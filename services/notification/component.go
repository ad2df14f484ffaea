package notification

import (
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/notification/adapters/postgres"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(notification.Service, ConfigFromEnv, Start, postgres.Schema, postgres.Migrate)
