package booking

import (
	"context"
	"fmt"

	"github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// DueReport is what bookings owe and payment has not given back yet.
type DueReport = postgres.DueReport

// ReportDues reads bookingdata_db's dues for an operator (slotmesh booking
// dues): every one, or only the stuck (asked of payment at least
// domain.DueStuckAfter times), at most limit, the stuck first.
func ReportDues(ctx context.Context, cfg Config, stuckOnly bool, limit int) (DueReport, error) {
	pool, err := pg.ConnectN(ctx, cfg.PGURL, postgres.Schema, 2, nil)
	if err != nil {
		return DueReport{}, fmt.Errorf("booking dues: %w", err)
	}
	defer pool.Close()
	return postgres.New(pool).ReportDues(ctx, stuckOnly, limit)
}

// RetryDues makes dues (all, or the stuck ones) due now, for an operator
// who fixed what kept payment from paying them; the running sweepers take
// them within a second. It returns how many.
func RetryDues(ctx context.Context, cfg Config, stuckOnly bool) (int64, error) {
	pool, err := pg.ConnectN(ctx, cfg.PGURL, postgres.Schema, 2, nil)
	if err != nil {
		return 0, fmt.Errorf("booking dues: %w", err)
	}
	defer pool.Close()
	return postgres.New(pool).RetryDues(ctx, stuckOnly)
}
