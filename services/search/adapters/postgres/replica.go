package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/adapters/memory"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// Replica is the read model with the search replica's memory in front of
// it (the "memory" engine, ADR 0013): every vendor's index document
// (memory.Index), calendar, active units and holds live in memory, rebuilt
// from the read model by Warm and kept current by this replica's own
// writes (ApplyVendor, ApplyUnits and ApplyBooking re-read the vendor they
// touched) and by Follow (what other replicas stored: every write touches
// its vendor's updated_at). So a search reads no Postgres at all; a
// booking another replica consumed is seen here within one Follow
// interval. Index is the app.Index to use with it.
type Replica struct {
	*Store
	Index *memory.Index

	mu     sync.RWMutex
	facts  map[string]*vendorFacts
	hours  map[string][]schedule.Interval // interned opening hours
	warmed time.Time                      // the database's now() when Warm began: where Follow starts
}

type vendorFacts struct {
	version  int64
	updated  time.Time // the row's updated_at when read
	schedule schedule.Schedule
	units    []domain.Unit // active ones only: an inactive unit never seats anyone
	// holds are the vendor's holds, pointer-free (the garbage collector
	// never scans them); unit indexes holdUnits.
	holds     []memHold
	holdUnits []string
}

// memHold is a hold in memory: a unit of the vendor's holdUnits, taken for
// [from, to) in Unix microseconds (tstzrange's precision).
type memHold struct {
	unit     int32
	from, to int64
}

var _ app.Store = (*Replica)(nil)

// NewReplica returns an empty replica of the read model on pool; Warm fills it.
func NewReplica(pool *pgxpool.Pool) *Replica {
	return &Replica{Store: NewStore(pool), Index: memory.New(), facts: map[string]*vendorFacts{}, hours: map[string][]schedule.Interval{}}
}

// Warm reads every vendor and its active units from the read model into
// memory (a replica starting, or after a bulk Load); it returns the number
// of vendors.
func (r *Replica) Warm(ctx context.Context) (int, error) {
	n := 0
	docs := make([]app.Doc, 0, 4096)
	if err := r.pool.QueryRow(ctx, `SELECT now()`).Scan(&r.warmed); err != nil {
		return 0, fmt.Errorf("search replica: warm: %w", err)
	}
	rows, err := r.pool.Query(ctx, `SELECT updated_at, `+vendorCols+` FROM vendors`)
	if err != nil {
		return 0, fmt.Errorf("search replica: warm: %w", err)
	}
	var updated time.Time
	for rows.Next() {
		v, err := scanVendorAfter(rows, &updated)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("search replica: warm: %w", err)
		}
		r.putVendor(v, updated, nil, nil, false)
		if docs = append(docs, app.DocOf(v)); len(docs) == cap(docs) {
			_ = r.Index.Upsert(ctx, docs)
			docs = docs[:0]
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("search replica: warm: %w", err)
	}
	_ = r.Index.Upsert(ctx, docs)
	rows, err = r.pool.Query(ctx, `SELECT vendor_id, unit_id, capacity FROM units WHERE active`)
	if err != nil {
		return 0, fmt.Errorf("search replica: warm units: %w", err)
	}
	var vid, uid string
	var capacity int
	r.mu.Lock()
	_, err = pgx.ForEachRow(rows, []any{&vid, &uid, &capacity}, func() error {
		if f, ok := r.facts[vid]; ok {
			f.units = append(f.units, domain.Unit{ID: uid, Capacity: capacity, Active: true})
		}
		return nil
	})
	r.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("search replica: warm units: %w", err)
	}
	rows, err = r.pool.Query(ctx, `SELECT vendor_id, unit_id, lower(during), upper(during) FROM holds`)
	if err != nil {
		return 0, fmt.Errorf("search replica: warm holds: %w", err)
	}
	var from, to time.Time
	r.mu.Lock()
	_, err = pgx.ForEachRow(rows, []any{&vid, &uid, &from, &to}, func() error {
		if f, ok := r.facts[vid]; ok {
			f.addHold(uid, from, to)
		}
		return nil
	})
	r.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("search replica: warm holds: %w", err)
	}
	return n, nil
}

// addHold appends a hold, naming its unit by an active unit's id string
// when it has one.
func (f *vendorFacts) addHold(unitID string, from, to time.Time) {
	i := slices.Index(f.holdUnits, unitID)
	if i < 0 {
		i = len(f.holdUnits)
		if j := slices.IndexFunc(f.units, func(u domain.Unit) bool { return u.ID == unitID }); j >= 0 {
			unitID = f.units[j].ID
		}
		f.holdUnits = append(f.holdUnits, unitID)
	}
	f.holds = append(f.holds, memHold{unit: int32(i), from: from.UnixMicro(), to: to.UnixMicro()})
}

// putVendor stores a vendor's facts unless newer ones are held (a higher
// version, or the same version read at a later updated_at); with units and
// holds (full) it replaces them too, else it keeps the held ones.
func (r *Replica) putVendor(v domain.Vendor, updated time.Time, units []domain.Unit, holds []domain.Hold, full bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.facts[v.ID]
	if ok && (old.version > v.Version || (old.version == v.Version && old.updated.After(updated))) {
		return
	}
	sc := v.Schedule
	key := fmt.Sprint(sc.Hours)
	if h, ok := r.hours[key]; ok {
		sc.Hours = h
	} else {
		r.hours[key] = sc.Hours
	}
	f := &vendorFacts{version: v.Version, updated: updated, schedule: sc}
	switch {
	case full:
		for _, u := range units {
			if u.Active {
				f.units = append(f.units, u)
			}
		}
		for _, h := range holds {
			f.addHold(h.UnitID, h.During.Start, h.During.End)
		}
	case ok:
		f.units, f.holds, f.holdUnits = old.units, old.holds, old.holdUnits
	}
	r.facts[v.ID] = f
}

// reload reads one vendor, its units and its holds again and stores them
// in memory (index document included); it returns the stored vendor. Its
// updated_at is read first, so what follows is at least as new.
func (r *Replica) reload(ctx context.Context, id string) (domain.Vendor, bool, error) {
	var updated time.Time
	if err := r.pool.QueryRow(ctx, `SELECT updated_at FROM vendors WHERE vendor_id = $1`, id).Scan(&updated); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Vendor{}, false, nil
		}
		return domain.Vendor{}, false, fmt.Errorf("search replica: vendor %s: %w", id, err)
	}
	v, ok, err := r.vendor(ctx, id)
	if err != nil || !ok {
		return v, ok, err
	}
	rows, err := r.pool.Query(ctx, `SELECT unit_id, capacity, active FROM units WHERE vendor_id = $1`, id)
	if err != nil {
		return v, false, fmt.Errorf("search replica: units of %s: %w", id, err)
	}
	units, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Unit, error) {
		var u domain.Unit
		err := row.Scan(&u.ID, &u.Capacity, &u.Active)
		return u, err
	})
	if err != nil {
		return v, false, fmt.Errorf("search replica: units of %s: %w", id, err)
	}
	rows, err = r.pool.Query(ctx, `SELECT unit_id, lower(during), upper(during) FROM holds WHERE vendor_id = $1`, id)
	if err != nil {
		return v, false, fmt.Errorf("search replica: holds of %s: %w", id, err)
	}
	holds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Hold, error) {
		var h domain.Hold
		err := row.Scan(&h.UnitID, &h.During.Start, &h.During.End)
		return h, err
	})
	if err != nil {
		return v, false, fmt.Errorf("search replica: holds of %s: %w", id, err)
	}
	r.putVendor(v, updated, units, holds, true)
	return v, true, r.Index.Upsert(ctx, []app.Doc{app.DocOf(v)})
}

// ApplyVendor stores v in the read model, then the stored vendor in memory.
func (r *Replica) ApplyVendor(ctx context.Context, v domain.Vendor) (domain.Vendor, error) {
	if _, err := r.Store.ApplyVendor(ctx, v); err != nil {
		return domain.Vendor{}, err
	}
	stored, ok, err := r.reload(ctx, v.ID)
	if err == nil && !ok {
		err = fmt.Errorf("search replica: vendor %s vanished", v.ID)
	}
	return stored, err
}

// ApplyUnits stores the units in the read model, then the vendor and its
// units in memory.
func (r *Replica) ApplyUnits(ctx context.Context, vendorID string, version int64, units []domain.Unit, activeUnits int) (domain.Vendor, bool, error) {
	if _, known, err := r.Store.ApplyUnits(ctx, vendorID, version, units, activeUnits); err != nil || !known {
		return domain.Vendor{}, known, err
	}
	return r.reload(ctx, vendorID)
}

// ApplyBooking stores the booking's holds in the read model, then re-reads
// its vendor's into memory.
func (r *Replica) ApplyBooking(ctx context.Context, b domain.Booking) error {
	if err := r.Store.ApplyBooking(ctx, b); err != nil {
		return err
	}
	_, _, err := r.reload(ctx, b.VendorID) // a vendor not known yet reads its holds when it comes
	return err
}

// Prune forgets finished bookings in the read model and their holds in
// memory.
func (r *Replica) Prune(ctx context.Context, endedBefore time.Time) (int64, error) {
	n, err := r.Store.Prune(ctx, endedBefore)
	if err != nil {
		return n, err
	}
	cut := endedBefore.UnixMicro()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, f := range r.facts {
		if !slices.ContainsFunc(f.holds, func(h memHold) bool { return h.to < cut }) {
			continue
		}
		g := *f // readers may hold f's slices: replace, never change in place
		g.holds = slices.DeleteFunc(slices.Clone(f.holds), func(h memHold) bool { return h.to < cut })
		r.facts[id] = &g
	}
	return n, nil
}

// Facts takes calendars, active units and the holds overlapping span from
// memory: no round trip.
func (r *Replica) Facts(_ context.Context, ids []string, party int, span schedule.Range) (map[string]domain.Facts, error) {
	out := make(map[string]domain.Facts, len(ids))
	lo, hi := span.Start.UnixMicro(), span.End.UnixMicro()
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, id := range ids {
		f, ok := r.facts[id]
		if !ok {
			continue
		}
		// All its active units, shared (never changed in place: putVendor
		// replaces them); availability picks those that seat the party.
		fc := domain.Facts{Schedule: f.schedule, Units: f.units}
		if slices.ContainsFunc(f.units, func(u domain.Unit) bool { return u.Capacity >= party }) {
			for _, h := range f.holds {
				if h.to > lo && h.from < hi {
					fc.Holds = append(fc.Holds, domain.Hold{UnitID: f.holdUnits[h.unit],
						During: schedule.Range{Start: time.UnixMicro(h.from).UTC(), End: time.UnixMicro(h.to).UTC()}})
				}
			}
		}
		out[id] = fc
	}
	return out, nil
}

// FollowOverlap is how far back each Follow poll looks before the last
// one: a vendor write committed later than its updated_at by less than
// this (a transaction's length) is still seen.
const FollowOverlap = 10 * time.Second

// Follow keeps the replica current with vendor writes of other replicas:
// every interval it reads the vendors updated since its last poll (less
// FollowOverlap) and reloads those newer than its copy. It returns when
// ctx ends.
func (r *Replica) Follow(ctx context.Context, every time.Duration, log *slog.Logger) {
	since := r.warmed // what was written while Warm read is read again
	if since.IsZero() {
		if err := r.pool.QueryRow(ctx, `SELECT now()`).Scan(&since); err != nil && ctx.Err() == nil {
			log.Warn("search replica: follow", "error", err)
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		next, err := r.poll(ctx, since.Add(-FollowOverlap))
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("search replica: follow", "error", err)
			}
			continue
		}
		since = next
	}
}

func (r *Replica) poll(ctx context.Context, since time.Time) (time.Time, error) {
	var now time.Time
	if err := r.pool.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return since, err
	}
	rows, err := r.pool.Query(ctx, `SELECT vendor_id, version, updated_at FROM vendors WHERE updated_at >= $1`, since)
	if err != nil {
		return since, err
	}
	var id string
	var version int64
	var updated time.Time
	var stale []string
	_, err = pgx.ForEachRow(rows, []any{&id, &version, &updated}, func() error {
		r.mu.RLock()
		f, ok := r.facts[id]
		r.mu.RUnlock()
		if !ok || f.version < version || (f.version == version && !f.updated.Equal(updated)) {
			stale = append(stale, id)
		}
		return nil
	})
	if err != nil {
		return since, err
	}
	for _, id := range stale {
		if _, _, err := r.reload(ctx, id); err != nil {
			return since, err
		}
	}
	return now, nil
}
