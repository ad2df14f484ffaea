package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// LoadVendor is one vendor of a bulk load, with all its units.
type LoadVendor struct {
	Vendor domain.Vendor
	Units  []domain.Unit
}

// LoadOptions tune Load.
type LoadOptions struct {
	// Index also fills the cells index (docs and cells), as the postgres
	// engine's Upsert would; leave it false when another engine is used.
	Index bool
	// Progress, when set, is called (from one goroutine) with the number of
	// vendors handed to Postgres since its last call.
	Progress func(vendors int)
}

// LoadStats counts the rows Load wrote.
type LoadStats struct {
	Vendors, Units, Bookings, Holds, Docs, Cells int64
}

// loadBatch is how many rows travel from the producer to a COPY at once.
const loadBatch = 1024

// Load bulk-loads an EMPTY read model (and with o.Index the cells index)
// with COPY: each of vendors (a sequence ranged over once, each vendor at
// most once) with its units, and each of bookings (each at most once). It
// is for a new or reset model only (a bench, a reindex after Reset): every
// table it writes must be empty, or it fails and writes nothing. The rows
// are those the event path would leave after, per vendor, ApplyVendor(v),
// ApplyUnits(v.ID, v.Version, units, v.ActiveUnits) and Upsert(DocOf(v)),
// and per booking ApplyBooking(b): the vendor, its units and its document
// at v.Version, cells only for a findable vendor, the booking at its
// version, holds only for a holding booking's distinct units. Later events
// are then applied with the usual version guards.
//
// Each table is written by its own COPY on its own connection in its own
// transaction, all in parallel (a pool of at least 6 connections lets them
// run at once); each transaction first locks its table against writers
// (SHARE ROW EXCLUSIVE: readers go on) and checks that it is empty, and
// all are committed only when every COPY has succeeded.
func (s *Store) Load(ctx context.Context, vendors iter.Seq[LoadVendor], bookings iter.Seq[domain.Booking], o LoadOptions) (LoadStats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var st LoadStats
	vendorRows := newCopy("vendors", []string{"vendor_id", "version", "kind", "name", "tags", "lat", "lng", "active",
		"active_units", "timezone", "hours", "slot_minutes", "stay_minutes", "check_in", "check_out"}, &st.Vendors)
	unitRows := newCopy("units", []string{"vendor_id", "unit_id", "capacity", "active", "version"}, &st.Units)
	docRows := newCopy("docs", []string{"vendor_id", "kind", "name", "tags", "lat", "lng", "active", "version"}, &st.Docs)
	cellRows := newCopy("cells", []string{"kind", "tag", "level", "cell", "vendor_id", "lat", "lng"}, &st.Cells)
	bookingRows := newCopy("bookings", []string{"booking_id", "vendor_id", "version", "status", "end_at"}, &st.Bookings)
	holdRows := newCopy("holds", []string{"booking_id", "unit_id", "vendor_id", "during"}, &st.Holds)
	copies := []*copyStream{vendorRows, unitRows, bookingRows, holdRows}
	if o.Index {
		copies = append(copies, docRows, cellRows)
	}

	// The COPYs: each leaves its transaction open for the commit below.
	txs := make([]pgx.Tx, len(copies))
	var wg sync.WaitGroup
	for i, c := range copies {
		wg.Go(func() {
			tx, err := c.run(ctx, s)
			if err != nil {
				cancel(fmt.Errorf("search load: %s: %w", c.table, err))
				c.drain()
			}
			txs[i] = tx
		})
	}
	// The producers: one pass over vendors, one over bookings.
	var prod sync.WaitGroup
	prod.Go(func() {
		defer func() {
			for _, c := range []*copyStream{vendorRows, unitRows, docRows, cellRows} {
				c.close(ctx)
			}
		}()
		pending := 0
		for lv := range vendors {
			if err := vendorRow(ctx, vendorRows, unitRows, lv); err != nil {
				cancel(err)
				return
			}
			if o.Index {
				d := app.DocOf(lv.Vendor)
				docRows.add(ctx, []any{d.VendorID, d.Kind, d.Name, app.NormTags(d.Tags), d.Lat, d.Lng, d.Active, d.Version})
				if d.Active {
					for _, r := range appendCells(nil, d) {
						cellRows.add(ctx, r)
					}
				}
			}
			if pending++; o.Progress != nil && pending == loadBatch {
				o.Progress(pending)
				pending = 0
			}
			if ctx.Err() != nil {
				return
			}
		}
		if o.Progress != nil && pending > 0 {
			o.Progress(pending)
		}
	})
	prod.Go(func() {
		defer bookingRows.close(ctx)
		defer holdRows.close(ctx)
		for b := range bookings {
			if b.ID == "" || b.VendorID == "" {
				cancel(fmt.Errorf("search load: a booking without id or vendor_id"))
				return
			}
			bookingRows.add(ctx, []any{b.ID, b.VendorID, b.Version, b.Status, b.During.End})
			if b.Holding {
				seen := make([]string, 0, len(b.Units))
				for _, u := range b.Units {
					if slices.Contains(seen, u) {
						continue
					}
					seen = append(seen, u)
					holdRows.add(ctx, []any{b.ID, u, b.VendorID, pgRange(b)})
				}
			}
			if ctx.Err() != nil {
				return
			}
		}
	})
	prod.Wait()
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		for _, tx := range txs {
			if tx != nil {
				_ = tx.Rollback(context.WithoutCancel(ctx))
			}
		}
		return LoadStats{}, err
	}
	// Every COPY succeeded: commit them all.
	var errs []error
	for i, tx := range txs {
		if err := tx.Commit(ctx); err != nil {
			errs = append(errs, fmt.Errorf("search load: commit %s: %w", copies[i].table, err))
		}
	}
	if !o.Index {
		st.Docs, st.Cells = 0, 0
	}
	return st, errors.Join(errs...)
}

func vendorRow(ctx context.Context, vendorRows, unitRows *copyStream, lv LoadVendor) error {
	v := lv.Vendor
	if v.ID == "" {
		return fmt.Errorf("search load: a vendor without id")
	}
	hours, err := json.Marshal(v.Schedule.Hours)
	if err != nil {
		return fmt.Errorf("search load: vendor %s: encode hours: %w", v.ID, err)
	}
	tags := v.Tags
	if tags == nil {
		tags = []string{}
	}
	sc := v.Schedule
	vendorRows.add(ctx, []any{v.ID, v.Version, v.Kind, v.Name, tags, v.Lat, v.Lng, v.Active, int32(v.ActiveUnits),
		sc.Timezone, hours, int32(sc.SlotMinutes), int32(sc.StayMinutes), int32(sc.CheckIn), int32(sc.CheckOut)})
	for _, u := range lv.Units {
		if u.ID == "" {
			return fmt.Errorf("search load: vendor %s: a unit without id", v.ID)
		}
		unitRows.add(ctx, []any{v.ID, u.ID, int32(u.Capacity), u.Active, v.Version})
	}
	return nil
}

// pgRange is a holding booking's range, as ApplyBooking's tstzrange($3, $4)
// makes it: [start, end).
func pgRange(b domain.Booking) any {
	return pgtype.Range[time.Time]{Lower: b.During.Start, Upper: b.During.End,
		LowerType: pgtype.Inclusive, UpperType: pgtype.Exclusive, Valid: true}
}

// copyStream is one table's COPY fed in batches from a producer.
type copyStream struct {
	table string
	cols  []string
	ch    chan [][]any
	buf   [][]any
	count *int64
	// reading side
	cur [][]any
	pos int
}

func newCopy(table string, cols []string, count *int64) *copyStream {
	return &copyStream{table: table, cols: cols, ch: make(chan [][]any, 16), count: count}
}

// add queues a row; it drops it once ctx is done (the load is failing).
func (c *copyStream) add(ctx context.Context, row []any) {
	c.buf = append(c.buf, row)
	if len(c.buf) == loadBatch {
		c.flush(ctx)
	}
}

func (c *copyStream) flush(ctx context.Context) {
	if len(c.buf) == 0 {
		return
	}
	select {
	case c.ch <- c.buf:
	case <-ctx.Done():
	}
	c.buf = make([][]any, 0, loadBatch)
}

func (c *copyStream) close(ctx context.Context) {
	c.flush(ctx)
	close(c.ch)
}

// drain discards what the producer still sends after a failed COPY.
func (c *copyStream) drain() {
	for range c.ch {
	}
}

// Next, Values and Err make a pgx.CopyFromSource of the batches.
func (c *copyStream) Next() bool {
	c.pos++
	for c.pos >= len(c.cur) {
		b, ok := <-c.ch
		if !ok {
			return false
		}
		c.cur, c.pos = b, 0
	}
	*c.count++
	return true
}

func (c *copyStream) Values() ([]any, error) { return c.cur[c.pos], nil }
func (c *copyStream) Err() error             { return nil }

// run opens the table's transaction, checks the table is empty under a
// lock that keeps writers out, and copies every row; the transaction is
// left open for Load to commit or roll back.
func (c *copyStream) run(ctx context.Context, s *Store) (pgx.Tx, error) {
	c.pos = -1
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (pgx.Tx, error) {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+c.table+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return fail(err)
	}
	var used bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+c.table+`)`).Scan(&used); err != nil {
		return fail(err)
	}
	if used {
		return fail(fmt.Errorf("table %s is not empty: Load is for an empty or reset read model", c.table))
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, c); err != nil {
		return fail(err)
	}
	return tx, nil
}
