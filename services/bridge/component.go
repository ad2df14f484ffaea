package bridge

import (
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(bridge.Service, ConfigFromEnv, Start, "", nil)
