package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// ScanBudget is how many index candidates one page may examine for
// availability. A page that reaches it ends early with a cursor at the last
// candidate examined, so a sold-out city costs bounded work per request.
const ScanBudget = 2000

// maxBatch caps one Nearest call while over-fetching.
const maxBatch = 400

// Search answers one page: the index's candidates in (distance, vendor id)
// order, filtered by availability when a start is given, over-fetching in
// growing batches until Limit results, the radius is exhausted, or
// ScanBudget candidates were examined. Results are cached for the cache's
// short TTL under a hash of the normalised request.
func (a *App) Search(ctx context.Context, r search.SearchRequest) (search.Result, error) {
	if err := r.Validate(); err != nil {
		return search.Result{}, err
	}
	after, err := DecodeCursor(r.Cursor)
	if err != nil {
		return search.Result{}, err
	}
	// Only a request this replica answered lately (PopularWindow) goes to
	// the cache: a one-off would cost a GET and a SET and never hit.
	var key string
	if a.Cache != nil {
		sum := cacheSum(r)
		if a.recent.seen(binary.LittleEndian.Uint64(sum[:8]), a.Clock.Now()) {
			key = hex.EncodeToString(sum[:])
		}
	}
	if key != "" {
		if b, ok, err := a.Cache.Get(ctx, key); err == nil && ok {
			var res search.Result
			if json.Unmarshal(b, &res) == nil {
				return res, nil
			}
		}
	}
	res, err := a.search(ctx, r, after)
	if err != nil {
		return search.Result{}, err
	}
	if key != "" {
		if b, err := json.Marshal(res); err == nil {
			_ = a.Cache.Put(ctx, key, b) // a miss next time at worst
		}
	}
	return res, nil
}

func (a *App) search(ctx context.Context, r search.SearchRequest, after *After) (search.Result, error) {
	need := r.Limit + 1 // one more than a page tells whether another page exists
	q := GeoQuery{Kind: r.Kind, Tags: r.Tags, Lat: r.Lat, Lng: r.Lng, RadiusKm: r.RadiusKm, Text: r.Text, After: after, Limit: need}
	if r.Start != nil {
		q.Limit = min(max(2*need, 32), maxBatch)
	}
	type found struct {
		item search.Item
		at   After
	}
	items := make([]found, 0, need)
	scanned := 0
	var stoppedAt *After // set when the scan budget ended the page early
	now := a.Clock.Now()
	var slots domain.Slots // the day's slots of calendars candidates share
	var ids []string
	for {
		hits, err := a.Index.Nearest(ctx, q)
		if err != nil {
			if errors.Is(err, ErrBadQuery) {
				return search.Result{}, apperr.E(apperr.InvalidInput, "%v", err)
			}
			return search.Result{}, fmt.Errorf("search: index: %w", err)
		}
		var facts map[string]domain.Facts
		if r.Start != nil && len(hits) > 0 {
			ids = ids[:0]
			for _, h := range hits {
				ids = append(ids, h.VendorID)
			}
			if facts, err = a.Store.Facts(ctx, ids, r.PartySize, domain.HoldSpan(*r.Start)); err != nil {
				return search.Result{}, fmt.Errorf("search: facts: %w", err)
			}
		}
		for _, h := range hits {
			it := search.Item{VendorID: h.VendorID, Name: h.Name, Kind: h.Kind, DistanceKm: math.Round(h.DistanceKm*1000) / 1000, Tags: h.Tags}
			if it.Tags == nil {
				it.Tags = []string{}
			}
			if r.Start != nil {
				f, ok := facts[h.VendorID]
				if !ok {
					continue // indexed, but its calendar has not arrived: nothing to offer
				}
				avail, hit, err := slots.Available(f, *r.Start, r.PartySize, now)
				if err != nil || !hit {
					continue // a vendor whose zone cannot load offers nothing
				}
				it.Available = avail
			}
			items = append(items, found{it, After{DistanceKm: h.DistanceKm, VendorID: h.VendorID}})
			if len(items) == need {
				break
			}
		}
		scanned += len(hits)
		if len(items) >= need || len(hits) < q.Limit {
			break // enough, or the radius is exhausted
		}
		last := hits[len(hits)-1]
		q.After = &After{DistanceKm: last.DistanceKm, VendorID: last.VendorID}
		if scanned >= ScanBudget {
			stoppedAt = q.After
			break
		}
		q.Limit = min(q.Limit*2, maxBatch)
	}
	res := search.Result{Items: make([]search.Item, 0, min(len(items), r.Limit))}
	for i := 0; i < len(items) && i < r.Limit; i++ {
		res.Items = append(res.Items, items[i].item)
	}
	switch {
	case len(items) > r.Limit:
		res.NextCursor = EncodeCursor(items[r.Limit-1].at)
	case stoppedAt != nil:
		res.NextCursor = EncodeCursor(*stoppedAt)
	}
	return res, nil
}

// cursorVersion prefixes the cursor's JSON so its format can change.
const cursorVersion = "c1:"

// EncodeCursor makes the opaque cursor of a position.
func EncodeCursor(a After) string {
	b, _ := json.Marshal(a)
	return base64.RawURLEncoding.EncodeToString(append([]byte(cursorVersion), b...))
}

// DecodeCursor reads a cursor ("" is the first page); one it cannot read is
// invalid_input on field cursor.
func DecodeCursor(c string) (*After, error) {
	if c == "" {
		return nil, nil
	}
	bad := apperr.Field("cursor", "not a cursor of this search")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(raw) < len(cursorVersion) || string(raw[:len(cursorVersion)]) != cursorVersion {
		return nil, bad
	}
	var a After
	if err := json.Unmarshal(raw[len(cursorVersion):], &a); err != nil || a.VendorID == "" ||
		a.DistanceKm < 0 || math.IsNaN(a.DistanceKm) || math.IsInf(a.DistanceKm, 0) {
		return nil, bad
	}
	return &a, nil
}

// CacheKey is the searchdata_cache key of a normalised request: a hash of
// its JSON (Validate has trimmed, lower-cased, sorted and defaulted it).
func CacheKey(r search.SearchRequest) string {
	sum := cacheSum(r)
	return hex.EncodeToString(sum[:])
}

func cacheSum(r search.SearchRequest) [16]byte {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}
