// Package redis reads bookingdata_cache: the booking service's indexes of
// the current bookings of each user and vendor (layout in contracts/booking),
// and warms a cold one.
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"math"

	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/bookingquery/app"
	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
)

// Index implements app.Index.
type Index struct{ c *cache.Cache }

// New returns the index reader on the platform cache (same prefix as the
// booking service's).
func New(c *cache.Cache) *Index { return &Index{c: c} }

func (x *Index) of(o app.Owner) cache.Index {
	if o.VendorID != "" {
		return x.c.Index(booking.CacheService, booking.CacheEntityVendorCurrent, o.VendorID)
	}
	return x.c.Index(booking.CacheService, booking.CacheEntityUserCurrent, o.UserID)
}

// Page implements app.Index.
func (x *Index) Page(ctx context.Context, o app.Owner, q app.CurrentQuery) ([]booking.Booking, error) {
	r := cache.Range{Min: math.Inf(-1), Max: math.Inf(1), Limit: q.Limit}
	if q.To != nil { // start < To
		r.Max = math.Nextafter(unix(q.To.UnixNano()), math.Inf(-1))
	}
	if q.After != nil {
		r.AfterScore, r.AfterID = float64(q.After.Start.Unix()), q.After.ID
	}
	var out []booking.Booking
	var bad error
	r.Keep = func(payload []byte) bool {
		var b booking.Booking
		if err := json.Unmarshal(payload, &b); err != nil {
			bad = err
			return false
		}
		if !q.Keep(b) {
			return false
		}
		out = append(out, b)
		return true
	}
	_, err := x.of(o).Page(ctx, r)
	switch {
	case errors.Is(err, cache.ErrCold):
		return nil, app.ErrCold
	case err != nil:
		return nil, err
	case bad != nil:
		return nil, bad // an entry we cannot read: let the booking service answer
	}
	return out, nil
}

// Warm implements app.Index.
func (x *Index) Warm(ctx context.Context, o app.Owner, load func(context.Context) ([]booking.Booking, error)) (bool, error) {
	return x.of(o).Warm(ctx, func(ctx context.Context) ([]cache.IndexEntry, error) {
		bs, err := load(ctx)
		if err != nil {
			return nil, err
		}
		es := make([]cache.IndexEntry, 0, len(bs))
		for _, b := range bs {
			p, err := json.Marshal(b)
			if err != nil {
				return nil, err
			}
			es = append(es, cache.IndexEntry{ID: b.ID, Score: float64(b.Start.Unix()), Version: b.Version, Payload: p, Present: booking.Active(b.Status)})
		}
		return es, nil
	})
}

func unix(ns int64) float64 { return float64(ns) / 1e9 }
