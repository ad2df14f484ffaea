package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// Source is where a rebuild reads the truth: the vendor service's scan (and
// listunits, for a vendor with more units than a scan page carries) and the
// booking service's scan of current bookings.
type Source interface {
	ScanVendors(ctx context.Context, r vendors.ScanRequest) (vendors.ScanPage, error)
	ListUnits(ctx context.Context, r vendors.ListUnitsRequest) (vendors.UnitPage, error)
	ScanBookings(ctx context.Context, r booking.ScanRequest) (booking.ScanPage, error)
}

// RebuildOptions tune a rebuild.
type RebuildOptions struct {
	// Reset empties the index first (a new engine, or a corrupted index);
	// searches find less until the rebuild is done. Without it documents
	// are rewritten in place.
	Reset bool
	// Workers is how many vendors (then bookings) are applied at once;
	// default 8.
	Workers int
	// Progress, if set, is told after every vendor and booking applied how
	// many are done of the total the services counted (vendors + current
	// bookings). Calls are serialised.
	Progress func(done, total int64)
	// Skip, if set, is told of a vendor or booking whose data cannot be
	// applied (the rebuild goes on, as the consumer would dead-letter it).
	Skip func(kind, id string, err error)
}

// RebuildStats count what a rebuild applied.
type RebuildStats struct {
	Vendors  int64 // vendors applied
	Units    int64 // their units
	Bookings int64 // current bookings applied
	Skipped  int64 // vendors and bookings whose data could not be applied
	Total    int64 // vendors + bookings the services counted at the start
}

const unitsPerApply = 1000 // like the vendor service's units events

// Rebuild rebuilds the read model and the index from the vendor and booking
// services: every vendor with its units, then every current booking, each
// handed to Apply as the event the vendor or booking service would emit for
// its current state, so the index is written one way only. Every step is
// version-guarded, so a rebuild is safe while the live consumer runs: a
// newer state applied by either one wins. Both services are asked before
// anything is reset, so an unreachable service leaves the index alone.
func (a *App) Rebuild(ctx context.Context, src Source, o RebuildOptions) (RebuildStats, error) {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	var st RebuildStats
	vpage, err := src.ScanVendors(ctx, vendors.ScanRequest{Limit: vendors.DefaultScanLimit, IncludeInactive: true})
	if err != nil {
		return st, fmt.Errorf("scan vendors: %w", err)
	}
	bpage, err := src.ScanBookings(ctx, booking.ScanRequest{Limit: booking.DefaultScanLimit})
	if err != nil {
		return st, fmt.Errorf("scan bookings: %w", err)
	}
	st.Total = vpage.Total + bpage.Total
	if o.Reset {
		if err := a.Index.Reset(ctx); err != nil {
			return st, fmt.Errorf("reset index: %w", err)
		}
	}
	r := &rebuild{a: a, src: src, o: o, st: &st}
	if err := r.vendors(ctx, vpage); err != nil {
		return st, err
	}
	if err := r.bookings(ctx, bpage); err != nil {
		return st, err
	}
	return st, nil
}

type rebuild struct {
	a   *App
	src Source
	o   RebuildOptions

	mu   sync.Mutex // guards st and progress calls
	st   *RebuildStats
	done int64
}

// vendors applies every vendor page, fetching the next page while the
// workers apply the current one.
func (r *rebuild) vendors(ctx context.Context, page vendors.ScanPage) error {
	return pages(ctx, r.o.Workers, page,
		func(p vendors.ScanPage) ([]vendors.ScanItem, string) { return p.Items, p.NextCursor },
		func(ctx context.Context, cursor string) (vendors.ScanPage, error) {
			p, err := r.src.ScanVendors(ctx, vendors.ScanRequest{Cursor: cursor, Limit: vendors.DefaultScanLimit, IncludeInactive: true})
			if err != nil {
				return p, fmt.Errorf("scan vendors: %w", err)
			}
			return p, nil
		},
		r.vendor)
}

func (r *rebuild) bookings(ctx context.Context, page booking.ScanPage) error {
	return pages(ctx, r.o.Workers, page,
		func(p booking.ScanPage) ([]booking.Booking, string) { return p.Items, p.NextCursor },
		func(ctx context.Context, cursor string) (booking.ScanPage, error) {
			p, err := r.src.ScanBookings(ctx, booking.ScanRequest{Cursor: cursor, Limit: booking.DefaultScanLimit})
			if err != nil {
				return p, fmt.Errorf("scan bookings: %w", err)
			}
			return p, nil
		},
		r.booking)
}

// vendor applies one vendor as its updated event, then its units (all of
// them, inactive ones too, so a stale active unit is corrected) as units
// events at the vendor's version.
func (r *rebuild) vendor(ctx context.Context, it vendors.ScanItem) error {
	v := it.Vendor
	err := r.apply(ctx, vendors.EventVendorUpdated, "vendor", v.ID, vendors.VendorChanged{Vendor: v})
	var units int64
	if err == nil {
		units, err = r.units(ctx, v, it.Units, it.UnitsCursor)
	}
	return r.count("vendor", v.ID, err, func(st *RebuildStats) { st.Vendors++; st.Units += units })
}

func (r *rebuild) units(ctx context.Context, v vendors.Vendor, first []vendors.ScanUnit, cursor string) (int64, error) {
	var n int64
	batch := make([]vendors.Unit, 0, min(len(first), unitsPerApply))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := r.apply(ctx, vendors.EventUnitsChanged, "vendor", v.ID, vendors.UnitsChanged{
			VendorID: v.ID, Version: v.Version, Units: batch, Summary: v.Units, Part: 1, Parts: 1})
		n += int64(len(batch))
		batch = batch[:0]
		return err
	}
	add := func(u vendors.Unit) error {
		batch = append(batch, u)
		if len(batch) == unitsPerApply {
			return flush()
		}
		return nil
	}
	for _, u := range first {
		if err := add(vendors.Unit{ID: u.ID, VendorID: v.ID, Capacity: u.Capacity, Active: u.Active}); err != nil {
			return n, err
		}
	}
	for cursor != "" {
		p, err := r.src.ListUnits(ctx, vendors.ListUnitsRequest{VendorID: v.ID, Cursor: cursor, Limit: unitsPerApply, IncludeInactive: true})
		if err != nil {
			return n, fmt.Errorf("list units of vendor %s: %w", v.ID, err)
		}
		for _, u := range p.Items {
			if err := add(vendors.Unit{ID: u.ID, VendorID: v.ID, Capacity: u.Capacity, Active: u.Active}); err != nil {
				return n, err
			}
		}
		cursor = p.NextCursor
	}
	return n, flush()
}

// booking applies one current booking as the event of its status.
func (r *rebuild) booking(ctx context.Context, b booking.Booking) error {
	typ := booking.EventConfirmed
	if b.Status == booking.StatusBlocked {
		typ = booking.EventBlocked
	}
	err := r.apply(ctx, typ, "booking", b.ID, booking.Changed{Booking: b})
	return r.count("booking", b.ID, err, func(st *RebuildStats) { st.Bookings++ })
}

// apply hands Apply the event the owning service would emit for this state.
func (r *rebuild) apply(ctx context.Context, typ, aggregate, id string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", aggregate, id, err)
	}
	return r.a.Apply(ctx, contracts.Event{ID: "reindex:" + id, Type: typ, Source: "search-reindex",
		AggregateType: aggregate, AggregateID: id, OccurredAt: time.Now().UTC(), SchemaVersion: 1, Data: raw})
}

// count records one vendor or booking: applied, skipped (data Apply
// refuses), or failed (the rebuild stops).
func (r *rebuild) count(kind, id string, err error, applied func(*RebuildStats)) error {
	if err != nil && !apperr.Is(err, apperr.InvalidInput) {
		return fmt.Errorf("%s %s: %w", kind, id, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.st.Skipped++
		if r.o.Skip != nil {
			r.o.Skip(kind, id, err)
		}
	} else {
		applied(r.st)
	}
	r.done++
	if r.o.Progress != nil {
		r.o.Progress(r.done, max(r.st.Total, r.done))
	}
	return nil
}

// pages walks a keyset-paged scan from its first page: the next page is
// fetched while workers apply the items of the current one. The first
// error stops it.
func pages[P, T any](ctx context.Context, workers int, first P, split func(P) ([]T, string),
	next func(context.Context, string) (P, error), apply func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	items := make(chan T, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				if ctx.Err() != nil {
					continue // drain
				}
				if err := apply(ctx, it); err != nil {
					cancel(err)
				}
			}
		}()
	}
	err := func() error {
		page := first
		for {
			batch, cursor := split(page)
			for _, it := range batch {
				select {
				case items <- it:
				case <-ctx.Done():
					return nil
				}
			}
			if cursor == "" {
				return nil
			}
			p, err := next(ctx, cursor)
			if err != nil {
				return err
			}
			page = p
		}
	}()
	close(items)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}
