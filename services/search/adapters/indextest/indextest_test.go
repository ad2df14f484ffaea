package indextest_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/slotmesh/slotmesh/services/search/adapters/indextest"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// mem is a brute-force reference index: the suite is checked against it.
type mem struct {
	mu   sync.Mutex
	docs map[string]app.Doc
}

func (m *mem) Upsert(_ context.Context, docs []app.Doc) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range docs {
		if old, ok := m.docs[d.VendorID]; ok && old.Version > d.Version {
			continue
		}
		m.docs[d.VendorID] = d
	}
	return nil
}

func (m *mem) Nearest(_ context.Context, q app.GeoQuery) ([]app.Hit, error) {
	if !(q.RadiusKm > 0) || q.Limit <= 0 || !(q.Lat >= -90 && q.Lat <= 90) || !(q.Lng >= -180 && q.Lng <= 180) {
		return nil, fmt.Errorf("%w: %+v", app.ErrBadQuery, q)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var hits []app.Hit
	for _, d := range m.docs {
		dist := indextest.Haversine(q.Lat, q.Lng, d.Lat, d.Lng)
		if !d.Active || dist > q.RadiusKm || (q.Kind != "" && q.Kind != d.Kind) || !anyTag(d.Tags, q.Tags) || !text(d.Name, q.Text) {
			continue
		}
		if a := q.After; a != nil && (dist < a.DistanceKm || dist == a.DistanceKm && d.VendorID <= a.VendorID) {
			continue
		}
		hits = append(hits, app.Hit{VendorID: d.VendorID, Name: d.Name, Kind: d.Kind, Tags: d.Tags, DistanceKm: dist})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].DistanceKm != hits[j].DistanceKm {
			return hits[i].DistanceKm < hits[j].DistanceKm
		}
		return hits[i].VendorID < hits[j].VendorID
	})
	return hits[:min(len(hits), q.Limit)], nil
}

func anyTag(have, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return true
			}
		}
	}
	return false
}

func text(name, q string) bool {
	words := strings.Fields(strings.ToLower(name))
next:
	for _, p := range strings.Fields(strings.ToLower(q)) {
		for _, w := range words {
			if strings.HasPrefix(w, p) {
				continue next
			}
		}
		return false
	}
	return true
}

func (m *mem) Count(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.docs)), nil
}

func (m *mem) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.docs = map[string]app.Doc{}
	return nil
}

func TestReference(t *testing.T) {
	ix := &mem{docs: map[string]app.Doc{}}
	indextest.Run(t, func(*testing.T) app.Index { return ix })
}

func TestHaversineDestination(t *testing.T) {
	for _, km := range []float64{0, 0.001, 1, 25, 400} {
		for _, b := range []float64{0, 45, 90, 200, 359} {
			lat, lng := indextest.Destination(48.85, 2.35, b, km)
			if got := indextest.Haversine(48.85, 2.35, lat, lng); math.Abs(got-km) > 1e-9 {
				t.Fatalf("%g km at %g°: measured %.12f", km, b, got)
			}
		}
	}
	// Paris–London, the usual check (~343.9 km on the mean sphere).
	if d := indextest.Haversine(48.8566, 2.3522, 51.5074, -0.1278); math.Abs(d-343.9) > 0.5 {
		t.Fatalf("Paris–London %.3f km", d)
	}
}
