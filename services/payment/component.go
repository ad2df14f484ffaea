package payment

import (
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/payment/adapters/postgres"
)

// Component is the service as the mesh runs it (services/mesh's registry).
var Component = platform.NewComponent(payment.Service, ConfigFromEnv, Start, postgres.Schema, postgres.Migrate)
