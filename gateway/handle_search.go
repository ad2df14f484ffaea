package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/slotmesh/slotmesh/contracts/search"
)

// The search service judges every value (ranges, defaults, the cursor) and
// names the field at fault; the schema below checks types and caps sizes.

// SearchItemOut is one vendor found.
type SearchItemOut struct {
	VendorID   string      `json:"vendor_id" doc:"Vendor id (UUID)"`
	Name       string      `json:"name" example:"Trattoria Roma"`
	Kind       string      `json:"kind" doc:"restaurant | hotel"`
	DistanceKm float64     `json:"distance_km" doc:"Great-circle distance from lat/lng, km, to the metre" example:"0.42"`
	Tags       []string    `json:"tags" nullable:"false"`
	Available  []time.Time `json:"available,omitempty" doc:"With start: the free start times within 90 minutes of it on the vendor's grid (a hotel: the check-in of start's date), in time order"`
}

type searchInput struct {
	Kind      string    `query:"kind" maxLength:"32" doc:"restaurant | hotel; absent for both" example:"restaurant"`
	Tags      string    `query:"tags" maxLength:"1000" doc:"Comma-separated; a vendor with any of them matches; at most 10" example:"italian,vegan"`
	Lat       float64   `query:"lat" required:"true" doc:"Latitude in degrees, -90..90" example:"52.52"`
	Lng       float64   `query:"lng" required:"true" doc:"Longitude in degrees, -180..180" example:"13.405"`
	RadiusKm  float64   `query:"radius_km" doc:"More than 0, at most 100; default 5" example:"5"`
	Start     time.Time `query:"start" doc:"RFC 3339: only vendors open then with a free unit for party_size (a hotel: a free room that night)"`
	PartySize int       `query:"party_size" doc:"Guests, 1..100, with start; default 2" example:"2"`
	Limit     int       `query:"limit" doc:"Page size, 1..100; default 20"`
	Cursor    string    `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page (same query)"`
	Q         string    `query:"q" maxLength:"1000" doc:"Words the name must have, each as a word prefix, case-insensitive" example:"trat"`
}

type searchOutput struct {
	Body searchBody
}

// searchBodyDoc is the body's shape, for the OpenAPI document (anonymous,
// as huma named it SearchOutputBody when it was the body). It is the search
// service's contracts/search Result, field for field.
type searchBodyDoc = struct {
	Items      []SearchItemOut `json:"items" nullable:"false" doc:"Nearest first"`
	NextCursor string          `json:"next_cursor,omitempty" doc:"Absent on the last page"`
}

// searchBody is the search service's Result JSON as it came over NATS: its
// shape is the API's (searchBodyDoc; TestSearchBodyIsTheResult), so the
// gateway passes it on instead of decoding a page of vendors with their
// free times and encoding it again (about a tenth of a search's CPU).
type searchBody []byte

// MarshalJSON is the service's JSON.
func (b searchBody) MarshalJSON() ([]byte, error) { return b, nil }

// Schema is searchBodyDoc's, under the name huma gave the body before.
func (searchBody) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[searchBodyDoc](), true, "SearchOutputBody")
}

func (s *Server) handleSearch(ctx context.Context, in *searchInput) (*searchOutput, error) {
	r := search.SearchRequest{Kind: in.Kind, Lat: in.Lat, Lng: in.Lng, RadiusKm: in.RadiusKm, PartySize: in.PartySize,
		Text: in.Q, Limit: in.Limit, Cursor: in.Cursor}
	for _, t := range strings.Split(in.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			r.Tags = append(r.Tags, t)
		}
	}
	if !in.Start.IsZero() {
		r.Start = &in.Start
	}
	// Judged here too, so a bad request costs no hop; the service judges again.
	if err := r.Validate(); err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := search.NewClient(s.nc).SearchJSON(ctx, r)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if !json.Valid(res) { // never pass on what is not JSON
		return nil, s.fail(ctx, fmt.Errorf("search: a reply that is not JSON: %.100q", res))
	}
	return &searchOutput{Body: res}, nil
}
