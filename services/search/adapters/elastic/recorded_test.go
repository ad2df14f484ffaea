package elastic_test

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

	"github.com/slotmesh/slotmesh/services/search/adapters/elastic"
	"github.com/slotmesh/slotmesh/services/search/app"
)

var update = flag.Bool("update", false, "rewrite testdata/req_* from what the driver sends")

// exchange is one request the driver must send and the recorded
// Elasticsearch 8 answer it gets.
type exchange struct {
	method, path string // path with the query string
	req          string // golden request body testdata/req_<req>.{json,ndjson}; "" = no body
	status       int
	answer       string // recorded answer testdata/<answer>.json
}

// server is an httptest server that plays exchanges in order and checks
// every request against them.
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
	if x.req == "" && len(body) > 0 {
		s.t.Errorf("request %d %s: unexpected body %s", s.seen, x.path, body)
	}
	if x.req != "" {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/x-ndjson") {
			s.t.Errorf("request %d %s: content type %q", s.seen, x.path, ct)
		}
		golden(s.t, x.req, body)
	}
	answer, err := os.ReadFile(filepath.Join("testdata", x.answer+".json"))
	if err != nil {
		s.t.Errorf("answer: %v", err)
	}
	// What every Elasticsearch 8 answer carries (the client checks it).
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/vnd.elasticsearch+json;compatible-with=8")
	w.WriteHeader(x.status)
	_, _ = w.Write(answer)
}

// golden compares a request body with testdata/req_<name>: JSON bodies
// indented, NDJSON bodies one compact document a line.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var got bytes.Buffer
	ext := ".json"
	if lines := bytes.Split(bytes.TrimSpace(body), []byte("\n")); len(lines) > 1 {
		ext = ".ndjson"
		for _, l := range lines {
			if err := json.Compact(&got, l); err != nil {
				t.Errorf("%s: line is not JSON: %s", name, l)
			}
			got.WriteByte('\n')
		}
	} else if err := json.Indent(&got, bytes.TrimSpace(body), "", "  "); err != nil {
		t.Errorf("%s: body is not JSON: %s", name, body)
	} else {
		got.WriteByte('\n')
	}
	path := filepath.Join("testdata", "req_"+name+ext)
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

var fast = elastic.WithBackoff(func(int) time.Duration { return time.Millisecond })

func open(t *testing.T, s *server) *elastic.Index {
	t.Helper()
	ix, err := elastic.Open(context.Background(), s.srv.URL, "", "vendors", fast)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return ix
}

var (
	aliasExists  = exchange{"GET", "/_alias/vendors", "", 200, "alias_one"}
	aliasMissing = exchange{"GET", "/_alias/vendors", "", 404, "alias_missing"}
	bulkPath     = "/vendors/_bulk?refresh=wait_for&require_alias=true"
)

func docs() []app.Doc {
	return []app.Doc{
		{VendorID: "v-1", Kind: "restaurant", Name: "Trattoria Da Mario", Tags: []string{"italian", "pizza"}, Lat: 48.8566, Lng: 2.3522, Active: true, Version: 5},
		{VendorID: "v-2", Kind: "hotel", Name: "Hôtel <Lutetia> & Spa", Tags: []string{"spa"}, Lat: 48.851, Lng: 2.3272, Active: true, Version: 3},
		{VendorID: "v-3", Kind: "restaurant", Name: "Closed For Now", Lat: 48.86, Lng: 2.34, Active: false, Version: 1},
	}
}

func TestOpenCreatesIndexAndAlias(t *testing.T) {
	s := play(t, aliasMissing, exchange{"PUT", "/vendors-000001", "create_with_alias", 200, "create_ok"})
	open(t, s)
}

func TestOpenExistingAlias(t *testing.T) {
	open(t, play(t, aliasExists))
}

func TestOpenRacedAnotherReplica(t *testing.T) {
	s := play(t, aliasMissing, exchange{"PUT", "/vendors-000001", "create_with_alias", 400, "resource_already_exists"})
	open(t, s)
}

func TestOpenNameTakenByAnIndex(t *testing.T) {
	s := play(t, aliasMissing, exchange{"PUT", "/vendors-000001", "create_with_alias", 400, "invalid_alias_name"})
	_, err := elastic.Open(context.Background(), s.srv.URL, "", "vendors", fast)
	var e *elastic.Error
	if !errors.As(err, &e) || e.Type != "invalid_alias_name_exception" || e.Status != 400 {
		t.Fatalf("Open over an index named like the alias: %v", err)
	}
}

func TestOpenURL(t *testing.T) {
	for _, u := range []string{"meili://localhost:7700", "http://elastic:secret@localhost:9200", "http://", "localhost:9200"} {
		if _, err := elastic.Open(context.Background(), u, "", "vendors"); err == nil {
			t.Errorf("Open(%q) accepted", u)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q): error shows the password: %v", u, err)
		}
	}
	if _, err := elastic.Open(context.Background(), "http://localhost:1", "", "Vendors"); err == nil || !strings.Contains(err.Error(), "bad index name") {
		t.Errorf("upper-case index name: %v", err)
	}
}

func TestUpsertBulk(t *testing.T) {
	s := play(t, aliasExists, exchange{"POST", bulkPath, "bulk", 200, "bulk_ok"})
	if err := open(t, s).Upsert(context.Background(), docs()); err != nil {
		t.Fatal(err)
	}
}

func TestUpsertNothing(t *testing.T) {
	s := play(t, aliasExists)
	if err := open(t, s).Upsert(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestUpsertBatches(t *testing.T) {
	s := play(t, aliasExists,
		exchange{"POST", bulkPath, "bulk_batch1", 200, "bulk_ok"},
		exchange{"POST", bulkPath, "bulk_batch2", 200, "bulk_one_ok"},
	)
	ix, err := elastic.Open(context.Background(), s.srv.URL, "", "vendors", fast, elastic.WithBatch(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(context.Background(), docs()); err != nil {
		t.Fatal(err)
	}
}

// An older version is refused by Elasticsearch itself (409
// version_conflict_engine_exception): a newer one is stored, not an error.
func TestUpsertVersionConflictIsNotAnError(t *testing.T) {
	s := play(t, aliasExists, exchange{"POST", bulkPath, "bulk", 200, "bulk_conflict"})
	if err := open(t, s).Upsert(context.Background(), docs()); err != nil {
		t.Fatalf("a version conflict is the guard working, not an error: %v", err)
	}
}

// Items refused with 429 are sent again, alone, after a back-off.
func TestUpsertItemBackPressureRetried(t *testing.T) {
	s := play(t, aliasExists,
		exchange{"POST", bulkPath, "bulk", 200, "bulk_item_429"},
		exchange{"POST", bulkPath, "bulk_retry", 200, "bulk_retry_ok"},
	)
	if err := open(t, s).Upsert(context.Background(), docs()); err != nil {
		t.Fatal(err)
	}
}

func TestUpsertItemBackPressureGivesUp(t *testing.T) {
	plan := []exchange{aliasExists, {"POST", bulkPath, "bulk", 200, "bulk_item_429"}}
	for range 2 {
		plan = append(plan, exchange{"POST", bulkPath, "bulk_retry", 200, "bulk_item_429_retry"})
	}
	s := play(t, plan...)
	ix, err := elastic.Open(context.Background(), s.srv.URL, "", "vendors", fast, elastic.WithRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(context.Background(), docs()); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("Upsert: %v, want still rejected (429)", err)
	}
}

// A whole request refused with 429 is retried by the client transport.
func TestUpsertRequestBackPressureRetried(t *testing.T) {
	s := play(t, aliasExists,
		exchange{"POST", bulkPath, "bulk", 429, "rejected_429"},
		exchange{"POST", bulkPath, "bulk", 429, "rejected_429"},
		exchange{"POST", bulkPath, "bulk", 200, "bulk_ok"},
	)
	if err := open(t, s).Upsert(context.Background(), docs()); err != nil {
		t.Fatal(err)
	}
}

func TestUpsertItemErrorIsAnError(t *testing.T) {
	s := play(t, aliasExists, exchange{"POST", bulkPath, "bulk", 200, "bulk_item_parse_error"})
	err := open(t, s).Upsert(context.Background(), docs())
	var e *elastic.Error
	if !errors.As(err, &e) || e.Type != "document_parsing_exception" || !strings.Contains(err.Error(), "v-2") {
		t.Fatalf("Upsert: %v, want the document_parsing_exception of v-2", err)
	}
}

func TestUpsertAliasGone(t *testing.T) {
	s := play(t, aliasExists, exchange{"POST", bulkPath, "bulk", 404, "require_alias_missing"})
	err := open(t, s).Upsert(context.Background(), docs())
	var e *elastic.Error
	if !errors.As(err, &e) || e.Type != "index_not_found_exception" {
		t.Fatalf("Upsert: %v, want index_not_found_exception", err)
	}
}

func TestUpsertBadDoc(t *testing.T) {
	s := play(t, aliasExists)
	ix := open(t, s)
	for _, d := range []app.Doc{{VendorID: ""}, {VendorID: "v", Lat: 91}, {VendorID: "v", Version: -1}} {
		if err := ix.Upsert(context.Background(), []app.Doc{d}); err == nil {
			t.Errorf("Upsert %+v accepted", d)
		}
	}
}

func TestNearestPages(t *testing.T) {
	s := play(t, aliasExists,
		exchange{"POST", "/vendors/_search", "search_page1", 200, "search_page1"},
		exchange{"POST", "/vendors/_search", "search_page2", 200, "search_page2"},
		exchange{"POST", "/vendors/_search", "search_plain", 200, "search_empty"},
	)
	ix := open(t, s)
	q := app.GeoQuery{Kind: "restaurant", Tags: []string{"italian", "pizza"}, Lat: 48.8566, Lng: 2.3522, RadiusKm: 5, Text: " Trat ", Limit: 3}
	hits, err := ix.Nearest(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := []app.Hit{
		{VendorID: "v-17", Name: "Trattoria Da Mario", Kind: "restaurant", Tags: []string{"italian", "pizza"}, DistanceKm: 0.19999999813735485},
		{VendorID: "v-03", Name: "Trattoria Toscana", Kind: "restaurant", Tags: []string{"italian"}, DistanceKm: 1.4142135563731834},
		{VendorID: "v-09", Name: "La Trattoria", Kind: "restaurant", Tags: []string{}, DistanceKm: 1.4142135563731834},
	}
	if fmt.Sprintf("%+v", hits) != fmt.Sprintf("%+v", want) {
		t.Fatalf("hits:\n got %+v\nwant %+v", hits, want)
	}
	last := hits[len(hits)-1]
	q.After = &app.After{DistanceKm: last.DistanceKm, VendorID: last.VendorID}
	hits, err = ix.Nearest(context.Background(), q)
	if err != nil || len(hits) != 1 || hits[0].VendorID != "v-11" || hits[0].DistanceKm != 4.9731 {
		t.Fatalf("page 2: %+v, %v", hits, err)
	}
	// No kind, tags or text: only the active and distance filters; a limit
	// over the window is capped.
	hits, err = ix.Nearest(context.Background(), app.GeoQuery{Lat: -33.9, Lng: 151.2, RadiusKm: 0.25, Limit: 20000})
	if err != nil || len(hits) != 0 {
		t.Fatalf("empty: %+v, %v", hits, err)
	}
}

func TestNearestIndexNotFound(t *testing.T) {
	s := play(t, aliasExists, exchange{"POST", "/vendors/_search", "search_plain", 404, "index_not_found"})
	_, err := open(t, s).Nearest(context.Background(), app.GeoQuery{Lat: -33.9, Lng: 151.2, RadiusKm: 0.25, Limit: 20000})
	var e *elastic.Error
	if !errors.As(err, &e) || e.Type != "index_not_found_exception" || e.Status != 404 || errors.Is(err, app.ErrBadQuery) {
		t.Fatalf("Nearest on a missing index: %v", err)
	}
}

func TestNearestBackPressureRetried(t *testing.T) {
	s := play(t, aliasExists,
		exchange{"POST", "/vendors/_search", "search_plain", 429, "rejected_429"},
		exchange{"POST", "/vendors/_search", "search_plain", 200, "search_empty"},
	)
	if _, err := open(t, s).Nearest(context.Background(), app.GeoQuery{Lat: -33.9, Lng: 151.2, RadiusKm: 0.25, Limit: 20000}); err != nil {
		t.Fatal(err)
	}
}

func TestNearestBadQuerySendsNothing(t *testing.T) {
	ix := open(t, play(t, aliasExists))
	for _, q := range []app.GeoQuery{
		{Lat: 1, Lng: 1, RadiusKm: 0, Limit: 1},
		{Lat: 1, Lng: 1, RadiusKm: 1, Limit: 0},
		{Lat: -91, Lng: 1, RadiusKm: 1, Limit: 1},
		{Lat: 1, Lng: 1, RadiusKm: 1, Limit: 1, After: &app.After{DistanceKm: math.NaN()}},
	} {
		if _, err := ix.Nearest(context.Background(), q); !errors.Is(err, app.ErrBadQuery) {
			t.Errorf("Nearest %+v: %v, want ErrBadQuery", q, err)
		}
	}
}

func TestCount(t *testing.T) {
	s := play(t, aliasExists, exchange{"POST", "/vendors/_count", "", 200, "count"})
	n, err := open(t, s).Count(context.Background())
	if err != nil || n != 1234 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}

// Reset makes the next concrete index and swaps the alias to it in one
// atomic _aliases call that also drops the old ones.
func TestReset(t *testing.T) {
	s := play(t, aliasExists,
		exchange{"GET", "/_alias/vendors", "", 200, "alias_two"},
		exchange{"PUT", "/vendors-000004", "create", 200, "create_ok_000004"},
		exchange{"POST", "/_aliases", "swap", 200, "acknowledged"},
	)
	if err := open(t, s).Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestResetWithoutAlias(t *testing.T) {
	s := play(t, aliasExists,
		aliasMissing,
		exchange{"PUT", "/vendors-000001", "create_with_alias", 200, "create_ok"},
	)
	if err := open(t, s).Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDrop(t *testing.T) {
	s := play(t, aliasExists,
		exchange{"GET", "/_alias/vendors", "", 200, "alias_two"},
		exchange{"DELETE", "/vendors-000002,vendors-000003", "", 200, "acknowledged_plain"},
	)
	if err := open(t, s).Drop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// SEARCH_URL's form: elastic+http(s)://host/<index>.
func TestOpenSearchURL(t *testing.T) {
	s := play(t, aliasExists)
	u := strings.Replace(s.srv.URL, "http://", "elastic+http://", 1) + "/vendors"
	if _, err := elastic.Open(context.Background(), u, "", "", fast); err != nil {
		t.Fatal(err)
	}
	if _, err := elastic.Open(context.Background(), u, "", "other"); err == nil {
		t.Fatal("index in the URL and another from the caller: accepted")
	}
}
