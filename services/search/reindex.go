package search

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/backoff"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// ReindexOptions tune Reindex.
type ReindexOptions struct {
	Reset    bool                    // empty the index first (a new engine, a corrupted index)
	Workers  int                     // concurrent applies; default min(8, PG_MAX_CONNS-1)
	Progress func(done, total int64) // vendors + current bookings applied, of the services' count
}

// Stats is what a reindex did.
type Stats struct {
	app.RebuildStats
	Elapsed time.Duration
}

// Reindex rebuilds the search read model and index from the vendor and
// booking services over NATS (svc.vendor.v1.scan, svc.booking.v1.scan),
// with the engine SEARCH_URL names. It is safe while search services run:
// every write is version-guarded. An unreachable NATS or service is an
// error before anything is reset.
func Reindex(ctx context.Context, cfg Config, log *slog.Logger, o ReindexOptions) (Stats, error) {
	began := time.Now()
	if err := cfg.Validate(); err != nil {
		return Stats{}, fmt.Errorf("search reindex: %w", err)
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: "search-reindex", Schema: postgres.Schema, Migrate: postgres.Migrate,
	}, log.With(platform.KeyService, "search-reindex"))
	if err != nil {
		return Stats{}, fmt.Errorf("search reindex: %w", err)
	}
	defer deps.Close()
	index, err := OpenIndex(ctx, cfg, deps.Pool)
	if err != nil {
		return Stats{}, fmt.Errorf("search reindex: %w", err)
	}
	a := &app.App{Index: index, Store: postgres.NewStore(deps.Pool)}
	workers := o.Workers
	if workers <= 0 {
		workers = min(8, max(1, cfg.PGMaxConns-1))
	}
	st, err := a.Rebuild(ctx, source{v: vendors.NewClient(deps.NC), b: booking.NewClient(deps.NC)}, app.RebuildOptions{
		Reset: o.Reset, Workers: workers, Progress: o.Progress,
		Skip: func(kind, id string, err error) {
			log.Warn("reindex: skipped", "kind", kind, "id", id, platform.KeyError, err)
		},
	})
	out := Stats{RebuildStats: st, Elapsed: time.Since(began)}
	if err != nil {
		return out, fmt.Errorf("search reindex: %w", err)
	}
	return out, nil
}

// source reads the vendor and booking services through their typed
// clients. A call that times out or finds no responder is tried again a
// few times (a replica restarting); what still fails says which service
// did not answer.
type source struct {
	v *vendors.Client
	b *booking.Client
}

// callTimeout bounds one scan call.
const callTimeout = 30 * time.Second

func (s source) ScanVendors(ctx context.Context, r vendors.ScanRequest) (vendors.ScanPage, error) {
	return retry(ctx, "vendor", vendors.OpScan.Subject(), func(ctx context.Context) (vendors.ScanPage, error) { return s.v.Scan(ctx, r) })
}

func (s source) ListUnits(ctx context.Context, r vendors.ListUnitsRequest) (vendors.UnitPage, error) {
	return retry(ctx, "vendor", vendors.OpListUnits.Subject(), func(ctx context.Context) (vendors.UnitPage, error) { return s.v.ListUnits(ctx, r) })
}

func (s source) ScanBookings(ctx context.Context, r booking.ScanRequest) (booking.ScanPage, error) {
	return retry(ctx, "booking", booking.OpScan.Subject(), func(ctx context.Context) (booking.ScanPage, error) { return s.b.Scan(ctx, r) })
}

// callBackoff is the wait after the nth failed try of a call to a service
// that does not answer: 250 ms doubling, each drawn over [d/2, d).
var callBackoff = backoff.Exp{Min: 250 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.5}

func retry[T any](ctx context.Context, service, subject string, call func(context.Context) (T, error)) (T, error) {
	const tries = 3
	for i := 1; ; i++ {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := call(cctx)
		cancel()
		code := apperr.CodeOf(err)
		if err == nil || (code != apperr.Unavailable && code != apperr.Timeout) || ctx.Err() != nil {
			return out, err
		}
		if i == tries {
			return out, fmt.Errorf("the %s service does not answer on %s (is it running, on this NATS_URL?): %w", service, subject, err)
		}
		if !clock.Sleep(ctx, callBackoff.Next(i)) {
			return out, ctx.Err()
		}
	}
}
