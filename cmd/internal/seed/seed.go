package seed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// Target is where a seed writes: the gateway's public HTTP API (HTTP) or the
// user and vendor services through their typed NATS clients (NATS). Owner o
// is signed up (or logged in, when it exists) on first use.
type Target interface {
	CreateVendor(ctx context.Context, owner int, r vendors.CreateRequest) (id string, err error)
	AddUnits(ctx context.Context, owner int, vendorID string, units []vendors.NewUnit) error
}

// Existing is what exists of a catalogue vendor.
type Existing struct {
	ID    string
	Units int
}

// Options of a run.
type Options struct {
	Plan     Plan
	Target   Target
	Existing map[int]Existing // from Lookup: vendors already written
	Workers  int              // concurrent vendors; default 16
	// CallTimeout bounds each write. Writes in flight when ctx ends run to
	// their end (within CallTimeout), so an interrupted run leaves no vendor
	// whose creation it did not see.
	CallTimeout time.Duration
	// Progress, when set, is called once before the first write and after
	// every vendor, with the vendors this run has to write (todo), those it
	// wrote so far, and the catalogue's units that exist so far.
	Progress func(done, todo, units int64)
}

// Stats of a run.
type Stats struct {
	Vendors, Units         int64 // written by this run
	ExistingVendors        int64 // found complete before this run
	ExistingUnits          int64
	CompletedVendors       int64 // found without their units, units added now
	PlannedVendors         int64
	PlannedUnits           int64
	Elapsed                time.Duration
	VendorsDone, UnitsDone int64 // all of the catalogue that now exists
}

// Run writes what of the plan does not exist yet. It returns ctx's error
// when interrupted (what was written stays; run again to continue).
func Run(ctx context.Context, o Options) (Stats, error) {
	start := time.Now()
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 60 * time.Second
	}
	st := Stats{PlannedVendors: int64(o.Plan.Vendors), PlannedUnits: o.Plan.TotalUnits()}
	var doneV, doneU atomic.Int64
	var todo []int
	for i := range o.Plan.Vendors {
		e, ok := o.Existing[i]
		if !ok {
			todo = append(todo, i)
			continue
		}
		_, want := o.Plan.kindAndUnits(i)
		switch {
		case e.Units == want:
			st.ExistingVendors++
			st.ExistingUnits += int64(want)
			doneV.Add(1)
			doneU.Add(int64(want))
		case e.Units == 0:
			todo = append(todo, i)
		default:
			// Units go in one all-or-none call, so this is not the seed's doing.
			return st, fmt.Errorf("vendor %s (catalogue #%d) has %d units, the catalogue says %d: not touching it", e.ID, i, e.Units, want)
		}
	}
	var thisRun atomic.Int64
	if o.Progress != nil {
		o.Progress(0, int64(len(todo)), doneU.Load())
	}

	jobs := make(chan int)
	stop := make(chan struct{})
	var stopOnce sync.Once
	var firstErr error
	var errMu sync.Mutex
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		stopOnce.Do(func() { close(stop) })
	}
	go func() {
		defer close(jobs)
		for _, i := range todo {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var written, writtenUnits, completed atomic.Int64
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if ctx.Err() != nil {
					return
				}
				spec := o.Plan.Vendor(i)
				// Not ctx: a write in flight finishes, so that what it did is
				// visible to the next run's lookup.
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.CallTimeout)
				id, isNew, err := ensureVendor(cctx, o, spec)
				if err == nil {
					err = addUnits(cctx, o.Target, spec, id)
				}
				cancel()
				if err != nil {
					fail(fmt.Errorf("catalogue vendor #%d: %w", i, err))
					return
				}
				if isNew {
					written.Add(1)
				} else {
					completed.Add(1)
				}
				writtenUnits.Add(int64(len(spec.Units)))
				doneV.Add(1)
				u := doneU.Add(int64(len(spec.Units)))
				n := thisRun.Add(1)
				if o.Progress != nil {
					o.Progress(n, int64(len(todo)), u)
				}
			}
		}()
	}
	wg.Wait()
	st.Vendors, st.Units, st.CompletedVendors = written.Load(), writtenUnits.Load(), completed.Load()
	st.VendorsDone, st.UnitsDone = doneV.Load(), doneU.Load()
	st.Elapsed = time.Since(start)
	if firstErr != nil {
		return st, firstErr
	}
	if err := ctx.Err(); err != nil && st.VendorsDone < st.PlannedVendors {
		return st, err
	}
	return st, nil
}

func ensureVendor(ctx context.Context, o Options, spec Spec) (string, bool, error) {
	if e, ok := o.Existing[spec.Index]; ok {
		return e.ID, false, nil
	}
	// Not retried: a create whose answer was lost may have happened; the
	// next run's lookup finds it.
	id, err := o.Target.CreateVendor(ctx, spec.Owner, spec.Req)
	if err != nil {
		return "", false, fmt.Errorf("create: %w", err)
	}
	return id, true, nil
}

// addUnits adds a vendor's units in one all-or-none call. A retry after a
// lost answer meets the unit names taken (conflict): they are there.
func addUnits(ctx context.Context, t Target, spec Spec, id string) error {
	var err error
	for attempt := range 4 {
		err = t.AddUnits(ctx, spec.Owner, id, spec.Units)
		switch {
		case err == nil:
			return nil
		case attempt > 0 && apperr.Is(err, apperr.Conflict):
			return nil
		case !retryable(err):
			return fmt.Errorf("add units: %w", err)
		}
		select {
		case <-time.After(time.Duration(200<<attempt) * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("add units: %w", errors.Join(err, ctx.Err()))
		}
	}
	return fmt.Errorf("add units: %w", err)
}

func retryable(err error) bool {
	c := apperr.CodeOf(err)
	return c == apperr.Unavailable || c == apperr.Timeout || c == apperr.RateLimited
}

// Lookup reads what of the catalogue exists, from the vendor service's scan
// (every vendor with its units, in id order). Vendors whose names carry no
// catalogue key are not the seed's and are ignored; dups counts catalogue
// indices found more than once (the first is kept).
func Lookup(ctx context.Context, vc *vendors.Client, progress func(done, total int64)) (found map[int]Existing, dups int, err error) {
	found = map[int]Existing{}
	var cursor string
	var total, seen int64
	for {
		page, err := vc.Scan(ctx, vendors.ScanRequest{Cursor: cursor, Limit: vendors.MaxScanLimit, IncludeInactive: true})
		if err != nil {
			return nil, 0, fmt.Errorf("scan vendors: %w", err)
		}
		if cursor == "" {
			total = page.Total
		}
		for _, it := range page.Items {
			seen++
			i := IndexOf(it.Vendor.Name)
			if i < 0 {
				continue
			}
			n := len(it.Units)
			for uc := it.UnitsCursor; uc != ""; {
				up, err := vc.ListUnits(ctx, vendors.ListUnitsRequest{VendorID: it.Vendor.ID, Cursor: uc, Limit: 1000, IncludeInactive: true})
				if err != nil {
					return nil, 0, fmt.Errorf("list units of %s: %w", it.Vendor.ID, err)
				}
				n += len(up.Items)
				uc = up.NextCursor
			}
			if _, dup := found[i]; dup {
				dups++
				continue
			}
			found[i] = Existing{ID: it.Vendor.ID, Units: n}
		}
		if progress != nil {
			progress(seen, total)
		}
		if page.NextCursor == "" {
			return found, dups, nil
		}
		cursor = page.NextCursor
	}
}
