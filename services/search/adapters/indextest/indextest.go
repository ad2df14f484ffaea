// Package indextest is the conformance suite every search index driver
// (app.Index) passes, as go-cloud's drivertest is for its drivers: upsert and
// find, kind, tag, radius and text filters, (distance, vendor id) order,
// keyset paging, inactive docs, the version guard, Count and Reset, and a few
// hundred docs in two cities.
//
// Every case works around its own random point with its own random vendor
// ids, so the cases run in parallel on one index, and several runs (or
// drivers) may share one server and one index; only the last case, Count and
// Reset, empties the index and needs it to itself while it runs.
//
// Besides app.Index, a driver must make an Upsert that returned visible to
// the next Nearest and Count (read your writes): an engine with a refresh
// interval refreshes or waits for it before Upsert returns.
//
// Distances are great-circle (haversine, R = 6371.0088 km, the mean Earth
// radius Elasticsearch's arc distance also uses); a reported distance may be
// off by at most Tolerance, and a vendor Tolerance inside the radius is a
// hit, one Tolerance outside it is not.
package indextest

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/search/app"
)

// EarthRadiusKm is the mean Earth radius the suite measures with.
const EarthRadiusKm = 6371.0088

// Tolerance is how far (km) a reported distance may be from the haversine
// distance, and how close to the radius the boundary cases are: 1 m.
const Tolerance = 0.001

// Run runs the suite. open is called once per case and may return the same
// index (or indexes on one store) every time.
func Run(t *testing.T, open func(t *testing.T) app.Index) {
	t.Run("group", func(t *testing.T) {
		for _, c := range []struct {
			name string
			fn   func(*testing.T, app.Index)
		}{
			{"UpsertAndFind", testUpsertAndFind},
			{"KindFilter", testKind},
			{"AnyOfTags", testTags},
			{"Radius", testRadius},
			{"OrderedByDistanceThenID", testOrder},
			{"KeysetPaging", testPaging},
			{"TextPrefix", testText},
			{"InactiveNeverHits", testInactive},
			{"VersionGuard", testVersion},
			{"BadQuery", testBadQuery},
			{"TwoCities", testTwoCities},
		} {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.fn(t, open(t))
			})
		}
	})
	// Count and Reset touch the whole index: they run alone, after the rest.
	t.Run("CountAndReset", func(t *testing.T) { testCountReset(t, open(t)) })
}

// Haversine is the great-circle distance in km between two points: the
// suite's own, on purpose not the drivers' (search/domain), so a wrong
// formula there cannot pass by agreeing with itself.
func Haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Destination is the point km away from (lat, lng) on the initial bearing
// (degrees clockwise from north), on the same sphere as Haversine.
func Destination(lat, lng, bearingDeg, km float64) (float64, float64) {
	const rad = math.Pi / 180
	d := km / EarthRadiusKm
	φ1, λ1, θ := lat*rad, lng*rad, bearingDeg*rad
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(d) + math.Cos(φ1)*math.Sin(d)*math.Cos(θ))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(d)*math.Cos(φ1), math.Cos(d)-math.Sin(φ1)*math.Sin(φ2))
	lng2 := math.Mod(λ2/rad+540, 360) - 180
	return φ2 / rad, lng2
}

// world is one case's own corner of the index: a random point and a random
// vendor id prefix.
type world struct {
	t        *testing.T
	ix       app.Index
	prefix   string
	lat, lng float64
	rnd      *rand.Rand
	n        int
}

func newWorld(t *testing.T, ix app.Index) *world {
	var seed [16]byte
	_, _ = crand.Read(seed[:])
	w := &world{
		t: t, ix: ix,
		prefix: "it-" + hex.EncodeToString(seed[:5]),
		rnd:    rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))),
	}
	// Away from the poles and the antimeridian, which no case is about.
	w.lat = -55 + 110*w.rnd.Float64()
	w.lng = -170 + 340*w.rnd.Float64()
	t.Logf("case vendor ids %s-*, center %.6f,%.6f", w.prefix, w.lat, w.lng)
	return w
}

// id is the case's i-th vendor id; ids sort in i order.
func (w *world) id(i int) string { return fmt.Sprintf("%s-%05d", w.prefix, i) }

// doc is a new active restaurant v1 with a fresh id, km away from the
// center on bearing.
func (w *world) doc(bearing, km float64, tags ...string) app.Doc {
	lat, lng := Destination(w.lat, w.lng, bearing, km)
	w.n++
	if tags == nil {
		tags = []string{}
	}
	return app.Doc{
		VendorID: w.id(w.n), Kind: "restaurant", Name: fmt.Sprintf("Vendor %d", w.n),
		Tags: tags, Lat: lat, Lng: lng, Active: true, Version: 1,
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func (w *world) upsert(docs ...app.Doc) {
	w.t.Helper()
	if err := w.ix.Upsert(ctx(w.t), docs); err != nil {
		w.t.Fatalf("Upsert %d docs: %v", len(docs), err)
	}
}

// query is a query around the center.
func (w *world) query(radiusKm float64) app.GeoQuery {
	return app.GeoQuery{Lat: w.lat, Lng: w.lng, RadiusKm: radiusKm, Limit: 100}
}

func (w *world) nearest(q app.GeoQuery) []app.Hit {
	w.t.Helper()
	hits, err := w.ix.Nearest(ctx(w.t), q)
	if err != nil {
		w.t.Fatalf("Nearest %+v: %v", q, err)
	}
	if len(hits) > q.Limit {
		w.t.Fatalf("Nearest returned %d hits, over the limit %d", len(hits), q.Limit)
	}
	return hits
}

func ids(hits []app.Hit) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.VendorID)
	}
	return out
}

func docIDs(docs []app.Doc) []string {
	out := make([]string, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.VendorID)
	}
	return out
}

func equalIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// expect is what a correct index answers for q over docs (brute force):
// the docs in (distance, vendor id) order.
func expect(docs []app.Doc, q app.GeoQuery) []app.Doc {
	type dd struct {
		d   float64
		doc app.Doc
	}
	var all []dd
	for _, d := range docs {
		if !d.Active || (q.Kind != "" && d.Kind != q.Kind) {
			continue
		}
		if len(q.Tags) > 0 && !slices.ContainsFunc(q.Tags, func(tag string) bool { return slices.Contains(d.Tags, tag) }) {
			continue
		}
		if q.Text != "" && !textMatch(d.Name, q.Text) {
			continue
		}
		dist := Haversine(q.Lat, q.Lng, d.Lat, d.Lng)
		if dist > q.RadiusKm {
			continue
		}
		if q.After != nil && (dist < q.After.DistanceKm || (dist == q.After.DistanceKm && d.VendorID <= q.After.VendorID)) {
			continue
		}
		all = append(all, dd{dist, d})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].doc.VendorID < all[j].doc.VendorID
	})
	out := make([]app.Doc, 0, len(all))
	for _, x := range all {
		if len(out) == q.Limit {
			break
		}
		out = append(out, x.doc)
	}
	return out
}

// textMatch: every word of text is a prefix of some word of name.
func textMatch(name, text string) bool {
	words := strings.Fields(strings.ToLower(name))
	for _, q := range strings.Fields(strings.ToLower(text)) {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, q) }) {
			return false
		}
	}
	return true
}

// check asserts hits are exactly want, in order, with the right fields and
// distances from the query point, ordered by (distance, vendor id).
func check(t *testing.T, what string, q app.GeoQuery, hits []app.Hit, want []app.Doc) {
	t.Helper()
	equalIDs(t, what, ids(hits), docIDs(want))
	for i, h := range hits {
		d := want[i]
		if h.Name != d.Name || h.Kind != d.Kind {
			t.Fatalf("%s: hit %d = %+v, want name %q kind %q", what, i, h, d.Name, d.Kind)
		}
		gotTags, wantTags := slices.Clone(h.Tags), slices.Clone(d.Tags)
		slices.Sort(gotTags)
		slices.Sort(wantTags)
		if !slices.Equal(gotTags, wantTags) {
			t.Fatalf("%s: hit %s tags %v, want %v", what, h.VendorID, h.Tags, d.Tags)
		}
		if exact := Haversine(q.Lat, q.Lng, d.Lat, d.Lng); math.Abs(h.DistanceKm-exact) > Tolerance {
			t.Fatalf("%s: hit %s at %.6f km, want %.6f km (±1 m)", what, h.VendorID, h.DistanceKm, exact)
		}
		if i > 0 {
			p := hits[i-1]
			if h.DistanceKm < p.DistanceKm || (h.DistanceKm == p.DistanceKm && h.VendorID <= p.VendorID) {
				t.Fatalf("%s: hit %d (%s, %.9f) not after hit %d (%s, %.9f)", what, i, h.VendorID, h.DistanceKm, i-1, p.VendorID, p.DistanceKm)
			}
		}
	}
}

// find runs q and checks the answer against the brute-force one over docs.
func (w *world) find(what string, q app.GeoQuery, docs []app.Doc) []app.Hit {
	w.t.Helper()
	hits := w.nearest(q)
	check(w.t, what, q, hits, expect(docs, q))
	return hits
}

func testUpsertAndFind(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	w.upsert() // nothing to store is not an error
	a := w.doc(0, 0.2, "italian", "pizza")
	a.Name = "Trattoria Da Mario"
	b := w.doc(90, 0.7, "sushi")
	b.Kind, b.Name = "hotel", "Hotel Sakura"
	w.upsert(a, b)
	w.find("both", w.query(1), []app.Doc{a, b})

	// A newer version replaces the doc: name, tags and place.
	a.Version, a.Name, a.Tags = 2, "Trattoria Da Luigi", []string{"italian"}
	a.Lat, a.Lng = Destination(w.lat, w.lng, 180, 0.9)
	w.upsert(a)
	w.find("after moving a", w.query(1), []app.Doc{a, b})
	w.find("old tag gone", app.GeoQuery{Lat: w.lat, Lng: w.lng, RadiusKm: 1, Tags: []string{"pizza"}, Limit: 10}, []app.Doc{a, b})

	q := w.query(1)
	q.Limit = 1
	w.find("limit 1", q, []app.Doc{a, b})
}

func testKind(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	var docs []app.Doc
	for i := range 10 {
		d := w.doc(float64(i*36), 0.1+0.1*float64(i))
		if i%3 == 0 {
			d.Kind = "hotel"
		}
		docs = append(docs, d)
	}
	w.upsert(docs...)
	for _, kind := range []string{"", "restaurant", "hotel", "spa"} {
		q := w.query(2)
		q.Kind = kind
		w.find("kind "+kind, q, docs)
	}
}

func testTags(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	docs := []app.Doc{
		w.doc(10, 0.1, "italian"),
		w.doc(20, 0.2, "italian", "pizza"),
		w.doc(30, 0.3, "sushi"),
		w.doc(40, 0.4),
		w.doc(50, 0.5, "vegan", "sushi", "wine-bar"),
		w.doc(60, 0.6, "pizza"),
	}
	w.upsert(docs...)
	for _, tags := range [][]string{
		nil, {"italian"}, {"pizza"}, {"sushi", "pizza"}, {"wine-bar"}, {"thai"}, {"thai", "vegan"},
	} {
		q := w.query(1)
		q.Tags = tags
		hits := w.find(fmt.Sprintf("tags %v", tags), q, docs)
		if len(tags) > 0 {
			for _, h := range hits {
				if !slices.ContainsFunc(h.Tags, func(s string) bool { return slices.Contains(tags, s) }) {
					t.Fatalf("tags %v: hit %s has tags %v", tags, h.VendorID, h.Tags)
				}
			}
		}
	}
}

func testRadius(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	var docs []app.Doc
	for _, r := range []float64{0.5, 3, 25} {
		in := w.doc(w.rnd.Float64()*360, r-Tolerance)
		in.Name = "Inside"
		out := w.doc(w.rnd.Float64()*360, r+Tolerance)
		out.Name = "Outside"
		docs = append(docs, in, out)
	}
	w.upsert(docs...)
	for _, r := range []float64{0.5, 3, 25} {
		hits := w.find(fmt.Sprintf("radius %g km", r), w.query(r), docs)
		for _, h := range hits {
			if h.DistanceKm > r {
				t.Fatalf("radius %g: hit %s at %.6f km", r, h.VendorID, h.DistanceKm)
			}
		}
	}
	// The center itself is a hit at distance 0.
	c := w.doc(0, 0)
	w.upsert(c)
	q := w.query(0.01)
	hits := w.find("at the center", q, append(docs, c))
	if len(hits) != 1 || hits[0].DistanceKm > Tolerance {
		t.Fatalf("at the center: %+v", hits)
	}
}

func testOrder(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	var docs []app.Doc
	// Distinct distances at least 5 m apart, in random bearings, stored in
	// random order; and three docs on one spot, tied, broken by vendor id.
	perm := w.rnd.Perm(30)
	for _, k := range perm {
		docs = append(docs, w.doc(w.rnd.Float64()*360, 0.05+0.005*float64(k)))
	}
	spot := w.doc(123, 0.1025) // between two of the 5 m steps
	for range 3 {
		d := w.doc(0, 0)
		d.Lat, d.Lng = spot.Lat, spot.Lng
		docs = append(docs, d)
	}
	docs = append(docs, spot)
	w.rnd.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	w.upsert(docs[:10]...)
	w.upsert(docs[10:]...)
	hits := w.find("all", w.query(1), docs)
	var tied []app.Hit
	for _, h := range hits {
		if math.Abs(Haversine(w.lat, w.lng, spot.Lat, spot.Lng)-h.DistanceKm) <= Tolerance {
			tied = append(tied, h)
		}
	}
	if len(tied) != 4 {
		t.Fatalf("want 4 hits on one spot, got %d: %+v", len(tied), tied)
	}
	for _, h := range tied[1:] {
		if h.DistanceKm != tied[0].DistanceKm {
			t.Fatalf("docs on one spot at different distances: %+v", tied)
		}
	}
}

// pageAll pages through q with After, returning every hit.
func (w *world) pageAll(q app.GeoQuery, limit int) []app.Hit {
	w.t.Helper()
	q.Limit = limit
	var all []app.Hit
	for pages := 0; ; pages++ {
		if pages > 1000 {
			w.t.Fatal("more than 1000 pages")
		}
		hits := w.nearest(q)
		all = append(all, hits...)
		if len(hits) < limit {
			return all
		}
		last := hits[len(hits)-1]
		q.After = &app.After{DistanceKm: last.DistanceKm, VendorID: last.VendorID}
	}
}

func testPaging(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	var docs []app.Doc
	for k := range 40 {
		docs = append(docs, w.doc(w.rnd.Float64()*360, 0.05+0.01*float64(k)))
	}
	// Ties that straddle page boundaries: five spots of five docs each.
	for s := range 5 {
		spot := w.doc(72*float64(s), 0.033+0.1*float64(s))
		docs = append(docs, spot)
		for range 4 {
			d := w.doc(0, 0)
			d.Lat, d.Lng = spot.Lat, spot.Lng
			docs = append(docs, d)
		}
	}
	w.upsert(docs...)
	q := w.query(1)
	q.Limit = 1000
	want := w.find("one page", q, docs)
	for _, limit := range []int{1, 3, 4, 7, 65, 66} {
		got := w.pageAll(q, limit)
		check(t, fmt.Sprintf("pages of %d", limit), q, got, expect(docs, q))
		equalIDs(t, fmt.Sprintf("pages of %d", limit), ids(got), ids(want))
	}
	// A cursor from a hit of the tie, and one between docs.
	mid := want[len(want)/2]
	q.After = &app.After{DistanceKm: mid.DistanceKm, VendorID: mid.VendorID}
	w.find("after the middle hit", q, docs)
	q.After = &app.After{DistanceKm: 0.2, VendorID: ""}
	w.find("after 200 m", q, docs)
	q.After = &app.After{DistanceKm: 5, VendorID: ""}
	if hits := w.nearest(q); len(hits) != 0 {
		t.Fatalf("after 5 km: %v", ids(hits))
	}
}

func testText(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	names := []string{"Trattoria Da Mario", "Sushi Bar Kyoto", "Le Petit Bistro", "BISTRO MARIO", "Grand Hotel Kyoto Central", "Ocean Grill"}
	var docs []app.Doc
	for i, n := range names {
		d := w.doc(float64(i*60), 0.1*float64(i+1))
		d.Name = n
		docs = append(docs, d)
	}
	w.upsert(docs...)
	for _, text := range []string{"trat", "Trattoria", "mar", "MARIO", "bist", "kyo", "sushi", "grand", "gr", "bistro mar", "xylophone", "qqqq"} {
		q := w.query(2)
		q.Text = text
		hits := w.find(fmt.Sprintf("text %q", text), q, docs)
		for _, h := range hits {
			if !textMatch(h.Name, text) {
				t.Fatalf("text %q: hit %q", text, h.Name)
			}
		}
	}
	// Text with the other filters.
	q := w.query(2)
	q.Text, q.Tags = "mario", []string{"none"}
	w.find("text and a tag nobody has", q, docs)
}

func testInactive(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	a, b := w.doc(0, 0.1), w.doc(90, 0.2)
	b.Active = false
	w.upsert(a, b)
	w.find("b inactive", w.query(1), []app.Doc{a, b})

	a.Active, a.Version = false, 2
	w.upsert(a)
	if hits := w.nearest(w.query(1)); len(hits) != 0 {
		t.Fatalf("both inactive, still hits: %v", ids(hits))
	}
	// An older active version arriving late does not bring a back.
	old := a
	old.Active, old.Version = true, 1
	w.upsert(old)
	if hits := w.nearest(w.query(1)); len(hits) != 0 {
		t.Fatalf("older active version brought back: %v", ids(hits))
	}
	b.Active, b.Version = true, 2
	w.upsert(b)
	w.find("b active again", w.query(1), []app.Doc{a, b})
}

func testVersion(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	v5 := w.doc(0, 0.3, "italian")
	v5.Name, v5.Version = "Version Five", 5
	v3 := v5
	v3.Name, v3.Version, v3.Tags = "Version Three", 3, []string{"sushi"}
	v3.Lat, v3.Lng = Destination(w.lat, w.lng, 90, 0.1)

	w.upsert(v5)
	w.upsert(v3) // older, late: ignored
	w.find("older after newer", w.query(1), []app.Doc{v5})
	w.upsert(v5, v5) // equal: idempotent
	w.upsert(v5)
	w.find("equal version again", w.query(1), []app.Doc{v5})

	// In one batch, in either order.
	x5 := w.doc(180, 0.4)
	x5.Name, x5.Version = "Newer In Batch", 5
	x4 := x5
	x4.Name, x4.Version = "Older In Batch", 4
	y5 := w.doc(270, 0.5)
	y5.Name, y5.Version = "Newer Last", 5
	y4 := y5
	y4.Name, y4.Version = "Older First", 4
	w.upsert(x5, x4, y4, y5)
	w.find("batch", w.query(1), []app.Doc{v5, x5, y5})

	// A newer version does win.
	v6 := v5
	v6.Name, v6.Version = "Version Six", 6
	w.upsert(v6)
	w.find("newer", w.query(1), []app.Doc{v6, x5, y5})
}

func testBadQuery(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	for _, q := range []app.GeoQuery{
		{Lat: w.lat, Lng: w.lng, RadiusKm: 0, Limit: 10},
		{Lat: w.lat, Lng: w.lng, RadiusKm: -1, Limit: 10},
		{Lat: w.lat, Lng: w.lng, RadiusKm: 1, Limit: 0},
		{Lat: 91, Lng: w.lng, RadiusKm: 1, Limit: 10},
		{Lat: w.lat, Lng: 181, RadiusKm: 1, Limit: 10},
		{Lat: math.NaN(), Lng: w.lng, RadiusKm: 1, Limit: 10},
	} {
		if _, err := ix.Nearest(ctx(t), q); !errors.Is(err, app.ErrBadQuery) {
			t.Fatalf("Nearest %+v: %v, want app.ErrBadQuery", q, err)
		}
	}
}

// cities is a few hundred docs in two cities dist km apart: 1–4 tags each,
// both kinds, some inactive, some on one spot.
func (w *world) cities(n int, distKm float64) (docs []app.Doc, lat2, lng2 float64) {
	lat2, lng2 = Destination(w.lat, w.lng, w.rnd.Float64()*360, distKm)
	tags := []string{"italian", "sushi", "vegan", "pizza", "wifi", "pool", "spa", "thai"}
	steps := w.rnd.Perm(4000) // distinct distances from the centers, on a 2 m grid
	for i := range n {
		clat, clng := w.lat, w.lng
		if i%3 == 2 {
			clat, clng = lat2, lng2
		}
		// No two docs closer in distance from their center than 2 m, unless
		// on one spot.
		km := 0.002 * float64(steps[i])
		lat, lng := Destination(clat, clng, w.rnd.Float64()*360, km)
		w.n++
		d := app.Doc{
			VendorID: w.id(w.n), Kind: "restaurant", Name: fmt.Sprintf("Place %d", w.n),
			Lat: lat, Lng: lng, Active: i%11 != 0, Version: int64(1 + i%3),
		}
		if i%4 == 0 {
			d.Kind = "hotel"
		}
		if i%17 == 0 && i > 0 { // on the spot of the one before
			d.Lat, d.Lng = docs[i-1].Lat, docs[i-1].Lng
		}
		for _, k := range w.rnd.Perm(len(tags))[:1+w.rnd.IntN(4)] {
			d.Tags = append(d.Tags, tags[k])
		}
		docs = append(docs, d)
	}
	return docs, lat2, lng2
}

func testTwoCities(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	docs, lat2, lng2 := w.cities(300, 40)
	for i := 0; i < len(docs); i += 70 {
		w.upsert(docs[i:min(i+70, len(docs))]...)
	}
	// Docs whose distances from a query point differ by less than an
	// engine's rounding of coordinates (~1 cm) could legally come in either
	// order, so the queries are from the two centers, where the 2 m grid
	// holds.
	for _, c := range []struct {
		name     string
		lat, lng float64
	}{{"first city", w.lat, w.lng}, {"second city", lat2, lng2}} {
		for _, q := range []app.GeoQuery{
			{RadiusKm: 10, Limit: 1000},
			{RadiusKm: 5, Limit: 20},
			{RadiusKm: 10, Kind: "hotel", Limit: 1000},
			{RadiusKm: 10, Kind: "restaurant", Tags: []string{"sushi", "thai"}, Limit: 1000},
			{RadiusKm: 3, Tags: []string{"spa"}, Limit: 5},
			{RadiusKm: 10, Text: "place", Limit: 1000},
		} {
			q.Lat, q.Lng = c.lat, c.lng
			what := fmt.Sprintf("%s %+v", c.name, q)
			w.find(what, q, docs)
			if q.Limit == 1000 {
				got := w.pageAll(q, 9)
				check(t, what+" in pages of 9", q, got, expect(docs, q))
			}
		}
	}
	// A radius around both cities finds both.
	q := app.GeoQuery{Lat: w.lat, Lng: w.lng, RadiusKm: 60, Limit: 1000}
	if hits := w.nearest(q); len(hits) != len(expect(docs, q)) {
		t.Fatalf("both cities: %d hits, want %d", len(hits), len(expect(docs, q)))
	}
}

func testCountReset(t *testing.T, ix app.Index) {
	w := newWorld(t, ix)
	before, err := ix.Count(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var docs []app.Doc
	for i := range 25 {
		d := w.doc(float64(i*14), 0.1)
		d.Active = i%5 != 0 // inactive docs count too
		docs = append(docs, d)
	}
	w.upsert(docs...)
	w.upsert(docs[:10]...) // repeats do not count twice
	count := func(want int64, what string) {
		t.Helper()
		n, err := ix.Count(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("Count %s = %d, want %d", what, n, want)
		}
	}
	count(before+25, "after 25 new docs")

	if err := ix.Reset(ctx(t)); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	count(0, "after Reset")
	if hits := w.nearest(w.query(1)); len(hits) != 0 {
		t.Fatalf("hits after Reset: %v", ids(hits))
	}
	if err := ix.Reset(ctx(t)); err != nil {
		t.Fatalf("Reset of an empty index: %v", err)
	}
	// The index works after a Reset, and a lower version than before is
	// welcome again (Reset forgets versions).
	for i := range docs {
		docs[i].Version = 1
	}
	w.upsert(docs...)
	count(25, "after Reset and 25 docs")
	w.find("after Reset", w.query(1), docs)
	if err := ix.Reset(ctx(t)); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	count(0, "after the last Reset")
}
