package app

import (
	"context"

	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// Store is the search read model: search's own copy of vendors (profile and
// calendar), their units and the holds of current bookings, kept from the
// Kafka events. Every Apply is idempotent and version-guarded, so a
// replayed or reordered event is harmless. The postgres adapter implements
// it whatever the Index engine.
type Store interface {
	// ApplyVendor stores v unless a higher version is stored, and returns
	// the stored vendor (v, or the newer one).
	ApplyVendor(ctx context.Context, v domain.Vendor) (domain.Vendor, error)
	// ApplyUnits stores the units as of version (a unit whose stored version
	// is higher stays) and, when version is higher than the vendor's, the
	// vendor's count of active units and version. It returns the stored
	// vendor, and false when the vendor is not known yet.
	ApplyUnits(ctx context.Context, vendorID string, version int64, units []domain.Unit, activeUnits int) (domain.Vendor, bool, error)
	// ApplyBooking stores a booking's holds at its version unless a higher
	// version is stored: a holding booking takes its units for its range,
	// any other status frees them.
	ApplyBooking(ctx context.Context, b domain.Booking) error
	// Facts reads, for each known vendor of ids, its calendar, its active
	// units (at least those that seat party; others may come too, so the
	// caller checks capacity), and the holds on those that seat party
	// overlapping span. The result is read-only: it may share memory.
	Facts(ctx context.Context, ids []string, party int, span schedule.Range) (map[string]domain.Facts, error)
}

// Cache holds recent query results (searchdata_cache). Entries live for a
// short TTL and are never invalidated: the TTL is part of the freshness
// bound. Errors are treated as misses.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// App is the search service's use cases.
type App struct {
	Index Index
	Store Store
	Cache Cache       // nil: no cache; used for popular requests only (PopularWindow)
	Clock clock.Clock // nil: the system clock

	recent recent // the requests answered lately: which are popular
}
