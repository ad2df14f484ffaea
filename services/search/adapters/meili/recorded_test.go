package meili_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/search/adapters/meili"
	"github.com/slotmesh/slotmesh/services/search/app"
)

var update = flag.Bool("update", false, "rewrite testdata/req_* from what the driver sends")

// exchange is one request the driver must send and the recorded
// Meilisearch answer it gets.
type exchange struct {
	method, path string // path with the query string
	req          string // golden request body testdata/req_<req>.json; "" = no body
	status       int
	answer       string // recorded answer testdata/<answer>.json
	body         string // or the answer itself
}

type server struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	plan []exchange
	seen int
}

func play(t *testing.T, plan ...exchange) *server {
	s := &server{t: t, plan: plan}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.seen != len(s.plan) {
			t.Errorf("driver sent %d of the %d expected requests; next expected %s %s", s.seen, len(s.plan), s.plan[s.seen].method, s.plan[s.seen].path)
		}
	})
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if s.seen >= len(s.plan) {
		s.t.Errorf("unexpected request %s %s\n%s", r.Method, r.URL.RequestURI(), body)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	x := s.plan[s.seen]
	s.seen++
	if r.Method != x.method || r.URL.RequestURI() != x.path {
		s.t.Errorf("request %d: got %s %s, want %s %s", s.seen, r.Method, r.URL.RequestURI(), x.method, x.path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer test-key" {
		s.t.Errorf("request %d: Authorization %q", s.seen, got)
	}
	if x.req == "" && len(body) > 0 {
		s.t.Errorf("request %d %s: unexpected body %s", s.seen, x.path, body)
	}
	if x.req != "" {
		golden(s.t, x.req, body)
	}
	answer := []byte(x.body)
	if x.answer != "" {
		var err error
		if answer, err = os.ReadFile(filepath.Join("testdata", x.answer+".json")); err != nil {
			s.t.Errorf("answer: %v", err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(x.status)
	_, _ = w.Write(answer)
}

func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var got bytes.Buffer
	if err := json.Indent(&got, bytes.TrimSpace(body), "", "  "); err != nil {
		t.Errorf("%s: body is not JSON: %s", name, body)
		return
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", "req_"+name+".json")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Error(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v (run go test -update to record)", err)
		return
	}
	if got.String() != string(want) {
		t.Errorf("request body differs from %s:\n--- got\n%s--- want\n%s", path, got.String(), want)
	}
}

func x(method, path, req string, status int, answer string) exchange {
	return exchange{method: method, path: path, req: req, status: status, answer: answer}
}

// opened is what Open sends to an existing index: create (already exists),
// then the settings.
var opened = []exchange{
	x("POST", "/indexes", "create_index", 202, "task1_enqueued"),
	x("GET", "/tasks/1", "", 200, "task1_exists"),
	x("PATCH", "/indexes/vendors/settings", "settings", 202, "task2_enqueued"),
	x("GET", "/tasks/2", "", 200, "task2_succeeded"),
}

func open(t *testing.T, s *server) *meili.Index {
	t.Helper()
	ix, err := meili.Open(context.Background(), strings.Replace(s.srv.URL, "http://", "meili://", 1), "test-key", "vendors", meili.WithPoll(time.Millisecond))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return ix
}

func plan(more ...exchange) []exchange { return append(append([]exchange{}, opened...), more...) }

func TestOpenCreatesIndex(t *testing.T) {
	s := play(t,
		x("POST", "/indexes", "create_index", 202, "task1_enqueued"),
		x("GET", "/tasks/1", "", 200, "task1_processing"),
		x("GET", "/tasks/1", "", 200, "task1_succeeded"),
		x("PATCH", "/indexes/vendors/settings", "settings", 202, "task2_enqueued"),
		x("GET", "/tasks/2", "", 200, "task2_succeeded"),
	)
	open(t, s)
}

func TestOpenExistingIndex(t *testing.T) { open(t, play(t, plan()...)) }

func TestOpenURL(t *testing.T) {
	for _, u := range []string{"postgres://x", "meili://k:secret@localhost:7700", "meili://", "localhost:7700"} {
		if _, err := meili.Open(context.Background(), u, "", "vendors"); err == nil {
			t.Errorf("Open(%q) accepted", u)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q): error shows the key: %v", u, err)
		}
	}
	if _, err := meili.Open(context.Background(), "meili://localhost:1", "", "ven dors"); err == nil || !strings.Contains(err.Error(), "bad index uid") {
		t.Errorf("bad uid: %v", err)
	}
}

func docs() []app.Doc {
	return []app.Doc{
		{VendorID: "v-1", Kind: "restaurant", Name: "Trattoria Da Mario", Tags: []string{"italian", "pizza"}, Lat: 48.8566, Lng: 2.3522, Active: true, Version: 5},
		{VendorID: "v-2", Kind: "hotel", Name: `Hôtel "Lutetia" & Spa`, Tags: []string{"spa"}, Lat: 48.851, Lng: 2.3272, Active: true, Version: 3},
		{VendorID: "v-3", Kind: "restaurant", Name: "Closed For Now", Lat: 48.86, Lng: 2.34, Active: false, Version: 1},
		{VendorID: "v-1", Kind: "restaurant", Name: "Trattoria Da Mario (v4, late in the batch)", Lat: 48.8566, Lng: 2.3522, Active: true, Version: 4},
	}
}

// The version guard: stored versions are read first; v-2 (7 stored) is
// older and left out, v-1 (5 stored, 5 sent) is written again, the late v4
// of v-1 in the batch loses to its v5.
func TestUpsertVersionGuard(t *testing.T) {
	s := play(t, plan(
		x("POST", "/indexes/vendors/documents/fetch", "fetch_versions", 200, "fetch_versions"),
		x("POST", "/indexes/vendors/documents?primaryKey=vendor_id", "add_documents", 202, "task3_enqueued"),
		x("GET", "/tasks/3", "", 200, "task3_succeeded"),
	)...)
	if err := open(t, s).Upsert(context.Background(), docs()); err != nil {
		t.Fatal(err)
	}
}

func TestUpsertAllOlderWritesNothing(t *testing.T) {
	s := play(t, plan(x("POST", "/indexes/vendors/documents/fetch", "fetch_versions", 200, "fetch_all_newer"))...)
	if err := open(t, s).Upsert(context.Background(), docs()); err != nil {
		t.Fatal(err)
	}
}

func TestUpsertNew(t *testing.T) {
	s := play(t, plan(
		x("POST", "/indexes/vendors/documents/fetch", "fetch_versions", 200, "fetch_none"),
		x("POST", "/indexes/vendors/documents?primaryKey=vendor_id", "add_documents_all", 202, "task3_enqueued"),
		x("GET", "/tasks/3", "", 200, "task3_succeeded"),
	)...)
	if err := open(t, s).Upsert(context.Background(), docs()); err != nil {
		t.Fatal(err)
	}
}

func TestUpsertFailedTaskIsAnError(t *testing.T) {
	s := play(t, plan(
		x("POST", "/indexes/vendors/documents/fetch", "fetch_versions", 200, "fetch_none"),
		x("POST", "/indexes/vendors/documents?primaryKey=vendor_id", "add_documents_all", 202, "task3_enqueued"),
		x("GET", "/tasks/3", "", 200, "task3_failed_geo"),
	)...)
	err := open(t, s).Upsert(context.Background(), docs())
	var te *meili.TaskError
	if !errors.As(err, &te) || te.Code != "invalid_document_geo_field" {
		t.Fatalf("Upsert: %v, want the failed task's invalid_document_geo_field", err)
	}
}

func TestUpsertBadDocSendsNothing(t *testing.T) {
	ix := open(t, play(t, plan()...))
	for _, d := range []app.Doc{{VendorID: "v/1"}, {VendorID: ""}, {VendorID: "v", Lng: 181}} {
		if err := ix.Upsert(context.Background(), []app.Doc{d}); err == nil {
			t.Errorf("Upsert %+v accepted", d)
		}
	}
	if err := ix.Upsert(context.Background(), nil); err != nil {
		t.Errorf("Upsert of nothing: %v", err)
	}
}

func TestNearestPages(t *testing.T) {
	s := play(t, plan(
		x("POST", "/indexes/vendors/search", "search_page1", 200, "search_page1"),
		x("POST", "/indexes/vendors/search", "search_page2", 200, "search_page2"),
	)...)
	ix := open(t, s)
	q := app.GeoQuery{Kind: "restaurant", Tags: []string{"italian", `pi"zza`}, Lat: 48.8566, Lng: 2.3522, RadiusKm: 5, Text: " Trat ", Limit: 3}
	hits, err := ix.Nearest(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	at := func(lat, lng float64) float64 { return meili.Haversine(q.Lat, q.Lng, lat, lng) }
	want := []app.Hit{
		{VendorID: "v-17", Name: "Trattoria Da Mario", Kind: "restaurant", Tags: []string{"italian", "pizza"}, DistanceKm: at(48.8581577, 2.3535669)},
		{VendorID: "v-03", Name: "Trattoria Toscana", Kind: "restaurant", Tags: []string{"italian"}, DistanceKm: at(48.8447686, 2.3456566)},
		{VendorID: "v-09", Name: "La Trattoria", Kind: "restaurant", Tags: []string{}, DistanceKm: at(48.8447686, 2.3456566)},
	}
	if fmt.Sprintf("%+v", hits) != fmt.Sprintf("%+v", want) {
		t.Fatalf("hits:\n got %+v\nwant %+v", hits, want)
	}
	if math.Abs(hits[0].DistanceKm-0.2) > 1e-5 {
		t.Fatalf("distance of v-17 = %v, want 0.2 km", hits[0].DistanceKm)
	}
	// Page 2: the server answers from a little before the cursor; the
	// driver cuts at (distance, vendor id) exactly and drops v-42 at
	// 5.01 km, which Meilisearch's widened radius let in.
	last := hits[len(hits)-1]
	q.After = &app.After{DistanceKm: last.DistanceKm, VendorID: last.VendorID}
	hits, err = ix.Nearest(context.Background(), q)
	if err != nil || len(hits) != 1 || hits[0].VendorID != "v-11" || math.Abs(hits[0].DistanceKm-4.97) > 1e-5 {
		t.Fatalf("page 2: %+v, %v", hits, err)
	}
}

// When a window comes back full, only the hits clearly nearer than its
// last one are trusted; if that is not enough, a larger window is asked.
func TestNearestWidensAFullWindow(t *testing.T) {
	var full, more []string
	for i := range 19 {
		full = append(full, fmt.Sprintf(`{"vendor_id":"w-%02d","name":"W","kind":"hotel","tags":[],"_geo":{"lat":1.0,"lng":%.7f}}`, i, 1.0+0.009+float64(i)*1e-7))
	}
	for i := range 5 {
		more = append(more, fmt.Sprintf(`{"vendor_id":"w-%02d","name":"W","kind":"hotel","tags":[],"_geo":{"lat":1.0,"lng":%.7f}}`, i, 1.0+0.009+float64(i)*1e-7))
	}
	s := play(t, plan(
		exchange{method: "POST", path: "/indexes/vendors/search", req: "search_window1", status: 200, body: `{"hits":[` + strings.Join(full, ",") + `],"query":"","processingTimeMs":0,"limit":19,"offset":0,"estimatedTotalHits":24}`},
		exchange{method: "POST", path: "/indexes/vendors/search", req: "search_window2", status: 200, body: `{"hits":[` + strings.Join(more, ",") + `],"query":"","processingTimeMs":0,"limit":76,"offset":0,"estimatedTotalHits":5}`},
	)...)
	hits, err := open(t, s).Nearest(context.Background(), app.GeoQuery{Lat: 1, Lng: 1, RadiusKm: 2, Limit: 3})
	if err != nil || len(hits) != 3 || hits[0].VendorID != "w-00" || hits[2].VendorID != "w-02" {
		t.Fatalf("hits %+v, %v", hits, err)
	}
}

func TestNearestErrors(t *testing.T) {
	s := play(t, plan(
		x("POST", "/indexes/vendors/search", "search_plain", 404, "index_not_found"),
		x("POST", "/indexes/vendors/search", "search_plain", 400, "invalid_filter"),
	)...)
	ix := open(t, s)
	q := app.GeoQuery{Lat: -33.9, Lng: 151.2, RadiusKm: 0.25, Limit: 5}
	if _, err := ix.Nearest(context.Background(), q); err == nil || !strings.Contains(err.Error(), "index_not_found") {
		t.Fatalf("missing index: %v", err)
	}
	if _, err := ix.Nearest(context.Background(), q); err == nil || !strings.Contains(err.Error(), "invalid_search_filter") || errors.Is(err, app.ErrBadQuery) {
		t.Fatalf("bad filter: %v", err)
	}
	for _, bad := range []app.GeoQuery{{Lat: 1, Lng: 1, RadiusKm: 0, Limit: 1}, {Lat: 1, Lng: 1, RadiusKm: 1}, {Lat: 95, Lng: 1, RadiusKm: 1, Limit: 1}} {
		if _, err := ix.Nearest(context.Background(), bad); !errors.Is(err, app.ErrBadQuery) {
			t.Errorf("Nearest %+v: %v, want ErrBadQuery", bad, err)
		}
	}
}

// 429 (Meilisearch Cloud's back-pressure) is retried by the client.
func TestNearestBackPressureRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("the client backs off a whole second")
	}
	s := play(t, plan(
		x("POST", "/indexes/vendors/search", "search_plain", 429, "too_many_requests"),
		x("POST", "/indexes/vendors/search", "search_plain", 200, "search_empty"),
	)...)
	hits, err := open(t, s).Nearest(context.Background(), app.GeoQuery{Lat: -33.9, Lng: 151.2, RadiusKm: 0.25, Limit: 5})
	if err != nil || len(hits) != 0 {
		t.Fatalf("%+v, %v", hits, err)
	}
}

func TestCount(t *testing.T) {
	s := play(t, plan(x("GET", "/indexes/vendors/stats", "", 200, "stats"))...)
	n, err := open(t, s).Count(context.Background())
	if err != nil || n != 1234 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}

func TestReset(t *testing.T) {
	s := play(t, plan(
		x("DELETE", "/indexes/vendors/documents", "", 202, "task4_enqueued"),
		x("GET", "/tasks/4", "", 200, "task4_succeeded"),
	)...)
	if err := open(t, s).Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestFilter(t *testing.T) {
	for _, c := range []struct {
		q    app.GeoQuery
		want string
	}{
		{app.GeoQuery{Lat: 48.85, Lng: 2.35, RadiusKm: 1}, `active = true AND _geoRadius(48.85, 2.35, 1007)`},
		{app.GeoQuery{Kind: "hotel", Tags: []string{"spa", `a\"b`}, Lat: -1.5, Lng: -0.25, RadiusKm: 0.001, After: &app.After{DistanceKm: 0.5}},
			`active = true AND kind = "hotel" AND tags IN ["spa", "a\\\"b"] AND _geoRadius(-1.5, -0.25, 4) AND NOT _geoRadius(-1.5, -0.25, 495)`},
		{app.GeoQuery{Lat: 0, Lng: 0, RadiusKm: 3, After: &app.After{DistanceKm: 0.001}}, `active = true AND _geoRadius(0, 0, 3017)`},
	} {
		if got := meili.Filter(c.q); got != c.want {
			t.Errorf("Filter(%+v)\n got %s\nwant %s", c.q, got, c.want)
		}
	}
}

// SEARCH_URL's form: meili+http(s)://host/<index>.
func TestOpenSearchURL(t *testing.T) {
	s := play(t, plan()...)
	u := strings.Replace(s.srv.URL, "http://", "meili+http://", 1) + "/vendors"
	if _, err := meili.Open(context.Background(), u, "test-key", "", meili.WithPoll(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := meili.Open(context.Background(), u, "test-key", "other"); err == nil {
		t.Fatal("index in the URL and another from the caller: accepted")
	}
}
