package gateway_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/gateway"
	"github.com/slotmesh/slotmesh/testenv"
)

// TestSearchRoute: GET /v1/search turns its query parameters into the
// contract's request (a stand-in search service echoes what it got) and
// answers 400 naming the field for bad input, without a token.
func TestSearchRoute(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	nc := n.Connect(t)
	var got search.SearchRequest
	svc, err := micro.AddService(nc, micro.Config{Name: search.Service, Version: "0.0.0-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	err = svc.AddGroup(search.Group).AddEndpoint("query", micro.HandlerFunc(func(r micro.Request) {
		got = search.SearchRequest{}
		if err := json.Unmarshal(r.Data(), &got); err != nil {
			t.Error(err)
		}
		if got.Text == "fail" {
			e := apperr.Field("cursor", "not a cursor of this search")
			b, _ := json.Marshal(e)
			_ = r.Error("400", e.Message, b)
			return
		}
		_ = r.RespondJSON(search.Result{Items: []search.Item{{VendorID: "v1", Name: "Uno", Kind: "restaurant", DistanceKm: 0.5,
			Tags: []string{"italian"}, Available: []time.Time{time.Date(2030, 1, 1, 18, 0, 0, 0, time.UTC)}}}, NextCursor: "next"})
	}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gateway.NewServer(gateway.DefaultConfig(), nc, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	c := client{t: t, base: srv.URL}

	q := url.Values{"kind": {"restaurant"}, "tags": {"Italian, vegan,,"}, "lat": {"52.52"}, "lng": {"13.405"}, "radius_km": {"2.5"},
		"start": {"2030-01-01T19:00:00+01:00"}, "party_size": {"4"}, "limit": {"10"}, "cursor": {"abc"}, "q": {"trat"}}
	status, body := c.do(http.MethodGet, "/v1/search?"+q.Encode(), "", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	start := time.Date(2030, 1, 1, 18, 0, 0, 0, time.UTC)
	if got.Kind != "restaurant" || !slices.Equal(got.Tags, []string{"italian", "vegan"}) || got.Lat != 52.52 || got.Lng != 13.405 ||
		got.RadiusKm != 2.5 || got.Start == nil || !got.Start.Equal(start) || got.PartySize != 4 || got.Limit != 10 ||
		got.Cursor != "abc" || got.Text != "trat" {
		t.Fatalf("service got %+v", got)
	}
	var out struct {
		Items []struct {
			VendorID   string      `json:"vendor_id"`
			Name       string      `json:"name"`
			Kind       string      `json:"kind"`
			DistanceKm float64     `json:"distance_km"`
			Tags       []string    `json:"tags"`
			Available  []time.Time `json:"available"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Items) != 1 || out.Items[0].VendorID != "v1" ||
		out.Items[0].DistanceKm != 0.5 || len(out.Items[0].Available) != 1 || out.NextCursor != "next" {
		t.Fatalf("body %s (%v)", body, err)
	}
	// Defaults are the service's: a bare point.
	if status, body = c.do(http.MethodGet, "/v1/search?lat=0&lng=0", "", nil); status != http.StatusOK || got.RadiusKm != 5 || got.Limit != 20 || got.Start != nil {
		t.Fatalf("defaults: %d %s %+v", status, body, got)
	}
	for _, bad := range []struct{ query, field string }{
		{"lng=13", "lat"},
		{"lat=52", "lng"},
		{"lat=abc&lng=13", "lat"},
		{"lat=95&lng=13", "lat"},
		{"lat=52&lng=190", "lng"},
		{"lat=52&lng=13&radius_km=-1", "radius_km"},
		{"lat=52&lng=13&radius_km=500", "radius_km"},
		{"lat=52&lng=13&kind=spa", "kind"},
		{"lat=52&lng=13&start=tomorrow", "start"},
		{"lat=52&lng=13&start=2030-01-01T19:00:00Z&party_size=101", "party_size"},
		{"lat=52&lng=13&limit=1000", "limit"},
		{"lat=52&lng=13&tags=a,b,c,d,e,f,g,h,i,j,k", "tags"},
		{"lat=52&lng=13&q=fail", "cursor"}, // the service's own verdict, passed on
	} {
		status, body := c.do(http.MethodGet, "/v1/search?"+bad.query, "", nil)
		c.wantError(http.StatusBadRequest, body, status, "invalid_input", bad.field)
	}
}
