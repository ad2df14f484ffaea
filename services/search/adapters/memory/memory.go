// Package memory is an app.Index held in the search replica's own memory:
// the cells design of ADR 0013 (a vendor filed under (kind, tag, level,
// cell), cell ids from services/search/domain) in Go maps instead of a
// Postgres btree, so a lookup costs microseconds and no round trip. It is
// rebuilt from the read model when a replica starts and kept current by
// the replica's writes (see postgres.Replica); it passes adapters/indextest.
package memory

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// anyTag files every findable vendor for queries without tags.
const anyTag = ""

// class is a (kind, tag) pair: the cells of one level are filed per class,
// then per cell id, so a query looks its classes up once and each cell by
// its integer id.
type class struct{ kind, tag string }

type entry struct {
	doc   app.Doc // tags normalised
	lower string  // lower-case name, for text matches
}

// Index implements app.Index in memory; it is safe for concurrent use.
type Index struct {
	mu    sync.RWMutex
	docs  map[string]*entry
	cells [2]map[class]map[int64][]filed // per level
}

// filed is an entry in a cell's list, with its point: a walk computes
// every distance from the list alone, and follows the pointer only for
// the few it keeps (an entry read from all over a 0.5 GiB heap is a cache
// miss each).
type filed struct {
	lat, lng float64
	e        *entry
}

var _ app.Index = (*Index)(nil)

// New returns an empty index.
func New() *Index {
	x := &Index{}
	x.reset()
	return x
}

func (x *Index) reset() {
	x.docs = map[string]*entry{}
	for l := range x.cells {
		x.cells[l] = map[class]map[int64][]filed{}
	}
}

// Upsert stores each doc whose version is not lower than the stored one.
func (x *Index) Upsert(_ context.Context, docs []app.Doc) error {
	for _, d := range docs {
		if d.VendorID == "" {
			return fmt.Errorf("%w: a document without vendor_id", app.ErrBadQuery)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, d := range docs {
		x.put(d)
	}
	return nil
}

func (x *Index) put(d app.Doc) {
	old, ok := x.docs[d.VendorID]
	if ok && old.doc.Version > d.Version {
		return
	}
	if ok {
		x.file(old, false)
	}
	d.Tags = app.NormTags(d.Tags)
	e := &entry{doc: d, lower: strings.ToLower(d.Name)}
	x.docs[d.VendorID] = e
	x.file(e, true)
}

// file adds (or removes) a findable entry's cell rows.
func (x *Index) file(e *entry, add bool) {
	if !e.doc.Active {
		return
	}
	for _, level := range domain.Levels {
		cell := domain.Cell(level, e.doc.Lat, e.doc.Lng)
		for i := -1; i < len(e.doc.Tags); i++ {
			tag := anyTag
			if i >= 0 {
				tag = e.doc.Tags[i]
			}
			k := class{e.doc.Kind, tag}
			cells := x.cells[level][k]
			if add {
				if cells == nil {
					cells = map[int64][]filed{}
					x.cells[level][k] = cells
				}
				cells[cell] = append(cells[cell], filed{e.doc.Lat, e.doc.Lng, e})
				continue
			}
			list := cells[cell]
			if j := slices.IndexFunc(list, func(f filed) bool { return f.e == e }); j >= 0 {
				list[j] = list[len(list)-1]
				list[len(list)-1] = filed{}
				list = list[:len(list)-1]
			}
			switch {
			case len(list) > 0:
				cells[cell] = list
			case cells != nil:
				delete(cells, cell)
				if len(cells) == 0 {
					delete(x.cells[level], k)
				}
			}
		}
	}
}

type cand struct {
	e *entry
	d float64
}

// scratch is one Nearest's working memory, reused (a dense city's query
// meets thousands of candidates: allocating them anew each time is most of
// a search's garbage).
type scratch struct {
	cands []cand
	read  map[int64]struct{}
	seen  map[*entry]struct{}
}

var scratches = sync.Pool{New: func() any {
	return &scratch{read: make(map[int64]struct{}, 64), seen: map[*entry]struct{}{}}
}}

func (s *scratch) put() {
	if cap(s.cands) > 1<<16 {
		return // an outlier: let it go
	}
	clear(s.cands[:cap(s.cands)]) // no entry kept alive by the pool
	clear(s.read)
	clear(s.seen)
	scratches.Put(s)
}

// Nearest reads the cells covering growing discs around the point (the
// postgres engine's walk, in memory), until q.Limit candidates lie within
// the disc read, then orders them by (distance, vendor id).
func (x *Index) Nearest(_ context.Context, q app.GeoQuery) ([]app.Hit, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	kinds := []string{"restaurant", "hotel"}
	if q.Kind != "" {
		kinds = []string{q.Kind}
	}
	tags := app.NormTags(q.Tags)
	if len(tags) == 0 {
		tags = []string{anyTag}
	}
	words := strings.Fields(strings.ToLower(q.Text))
	level := domain.LevelFor(q.RadiusKm)
	side := domain.CellKm[level]
	disc := side
	if q.After != nil {
		disc = max(disc, q.After.DistanceKm+side)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	// The classes to read: a vendor has one kind, so it can be met twice
	// only under two of the query's tags.
	var lists []map[int64][]filed
	for _, kind := range kinds {
		for _, tag := range tags {
			if cells := x.cells[level][class{kind, tag}]; cells != nil {
				lists = append(lists, cells)
			}
		}
	}
	sc := scratches.Get().(*scratch)
	defer sc.put()
	var seen map[*entry]struct{}
	if len(tags) > 1 {
		seen = sc.seen
	}
	read, cands := sc.read, sc.cands[:0]
	defer func() { sc.cands = cands }()
	for {
		disc = min(disc, q.RadiusKm)
		for _, c := range domain.Cover(level, q.Lat, q.Lng, disc) {
			if _, ok := read[c]; ok {
				continue
			}
			read[c] = struct{}{}
			for _, cells := range lists {
				for _, f := range cells[c] {
					d := domain.DistanceKm(q.Lat, q.Lng, f.lat, f.lng)
					if d > q.RadiusKm || (q.After != nil && d < q.After.DistanceKm) {
						continue
					}
					e := f.e
					if (q.After != nil && !after(d, e.doc.VendorID, q.After)) || (len(words) > 0 && !textMatch(e.lower, words)) {
						continue
					}
					if seen != nil {
						if _, dup := seen[e]; dup {
							continue
						}
						seen[e] = struct{}{}
					}
					cands = append(cands, cand{e, d})
				}
			}
		}
		ready := 0
		for _, c := range cands {
			if c.d <= disc {
				ready++
			}
		}
		if ready >= q.Limit || disc >= q.RadiusKm {
			break
		}
		disc *= 2
	}
	cands = slices.DeleteFunc(cands, func(c cand) bool { return c.d > disc })
	cands = first(cands, q.Limit)
	out := make([]app.Hit, 0, len(cands))
	for _, c := range cands {
		tags := c.e.doc.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, app.Hit{VendorID: c.e.doc.VendorID, Name: c.e.doc.Name, Kind: c.e.doc.Kind, Tags: slices.Clone(tags), DistanceKm: c.d})
	}
	return out, nil
}

// compare orders candidates by (distance, vendor id).
func compare(a, b cand) int {
	if a.d != b.d {
		return cmp.Compare(a.d, b.d)
	}
	return strings.Compare(a.e.doc.VendorID, b.e.doc.VendorID)
}

// first returns the k first of cs in (distance, vendor id) order, sorted,
// reordering cs: a bounded max-heap when k is much smaller than cs (a
// dense city's disc holds thousands of candidates for a page of 20),
// else a sort.
func first(cs []cand, k int) []cand {
	if len(cs) <= 4*k {
		slices.SortFunc(cs, compare)
		return cs[:min(len(cs), k)]
	}
	h := cs[:k] // a max-heap: h[0] is the last of the k best so far
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			if r := l + 1; r < k && compare(h[r], h[l]) > 0 {
				l = r
			}
			if compare(h[l], h[i]) <= 0 {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, c := range cs[k:] {
		if compare(c, h[0]) < 0 {
			h[0] = c
			down(0)
		}
	}
	slices.SortFunc(h, compare)
	return h
}

func after(d float64, id string, a *app.After) bool {
	return a == nil || d > a.DistanceKm || (d == a.DistanceKm && id > a.VendorID)
}

// textMatch reports whether every word is a prefix of a word of the
// (lower-case) name.
func textMatch(lower string, words []string) bool {
	nameWords := strings.Fields(lower)
	for _, w := range words {
		if !slices.ContainsFunc(nameWords, func(n string) bool { return strings.HasPrefix(n, w) }) {
			return false
		}
	}
	return true
}

func checkQuery(q app.GeoQuery) error {
	switch {
	case q.Limit <= 0:
		return fmt.Errorf("%w: limit %d", app.ErrBadQuery, q.Limit)
	case !(q.RadiusKm > 0) || math.IsInf(q.RadiusKm, 0):
		return fmt.Errorf("%w: radius %g", app.ErrBadQuery, q.RadiusKm)
	case !(q.Lat >= -90 && q.Lat <= 90) || !(q.Lng >= -180 && q.Lng <= 180):
		return fmt.Errorf("%w: point (%g, %g)", app.ErrBadQuery, q.Lat, q.Lng)
	}
	return nil
}

// Count is how many documents the index holds.
func (x *Index) Count(context.Context) (int64, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return int64(len(x.docs)), nil
}

// Reset empties the index.
func (x *Index) Reset(context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.reset()
	return nil
}
