package search

import (
	"slices"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// Kinds a search may ask for ("" = any).
const (
	KindRestaurant = "restaurant"
	KindHotel      = "hotel"
)

// Limits and defaults of a request.
const (
	DefaultRadiusKm  = 5.0
	MaxRadiusKm      = 100.0
	DefaultLimit     = 20
	MaxLimit         = 100
	DefaultPartySize = 2
	MaxPartySize     = 100
	MaxTags          = 10
	MaxTagLen        = 64
	MaxTextLen       = 100
	MaxCursorLen     = 512
	// Window: with a start, each item lists its free start times within
	// this much of it, on the vendor's slot grid.
	Window = 90 * time.Minute
)

// Freshness is the bound on how long a vendor may still be served as
// available after its last fitting unit was taken (or, after a
// cancellation, served as unavailable): the event path plus the query
// cache's TTL stay under it.
const Freshness = 2 * time.Second

// SearchRequest is one page of a search. Lat and Lng are required (0, 0 is
// a point, too). With Start, only vendors that are open then and have a free
// unit of capacity >= PartySize appear (a restaurant: a free slot starting
// at Start or at the first point of its slot grid after it; a hotel: a free
// room for the night of Start's local date).
type SearchRequest struct {
	Kind      string     `json:"kind,omitempty"`       // restaurant | hotel | "" (any)
	Tags      []string   `json:"tags,omitempty"`       // any of them; at most MaxTags; matched lower-case
	Lat       float64    `json:"lat"`                  // -90..90
	Lng       float64    `json:"lng"`                  // -180..180
	RadiusKm  float64    `json:"radius_km,omitempty"`  // 0 < r <= MaxRadiusKm; DefaultRadiusKm
	Start     *time.Time `json:"start,omitempty"`      // a date-time (RFC 3339)
	PartySize int        `json:"party_size,omitempty"` // 1..MaxPartySize with Start; DefaultPartySize
	Text      string     `json:"text,omitempty"`       // case-insensitive match on the name
	Limit     int        `json:"limit,omitempty"`      // 1..MaxLimit; DefaultLimit
	Cursor    string     `json:"cursor,omitempty"`     // NextCursor of the previous page, same query
}

// Validate checks r, naming every field at fault at once (invalid_input),
// and normalises it: defaults set, tags trimmed, lower-cased, de-duplicated
// and sorted, the start in UTC. It is idempotent.
func (r *SearchRequest) Validate() error {
	var f apperr.Fields
	r.Kind = strings.ToLower(strings.TrimSpace(r.Kind))
	if r.Kind != "" && r.Kind != KindRestaurant && r.Kind != KindHotel {
		f.Add("kind", "must be restaurant or hotel (or absent for both)")
	}
	if len(r.Tags) > MaxTags {
		f.Add("tags", "at most %d", MaxTags)
	} else {
		tags := make([]string, 0, len(r.Tags))
		for _, t := range r.Tags {
			t = strings.ToLower(strings.TrimSpace(t))
			switch {
			case t == "":
				continue
			case len(t) > MaxTagLen:
				f.Add("tags", "a tag is at most %d bytes", MaxTagLen)
			}
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		slices.Sort(tags)
		r.Tags = tags
		if len(r.Tags) == 0 {
			r.Tags = nil
		}
	}
	if !(r.Lat >= -90 && r.Lat <= 90) { // NaN fails too
		f.Add("lat", "must be in -90..90")
	}
	if !(r.Lng >= -180 && r.Lng <= 180) {
		f.Add("lng", "must be in -180..180")
	}
	if r.RadiusKm == 0 {
		r.RadiusKm = DefaultRadiusKm
	}
	if !(r.RadiusKm > 0 && r.RadiusKm <= MaxRadiusKm) {
		f.Add("radius_km", "must be more than 0 and at most %g", MaxRadiusKm)
	}
	if r.Start != nil {
		s := r.Start.UTC().Truncate(time.Second)
		r.Start = &s
		if r.PartySize == 0 {
			r.PartySize = DefaultPartySize
		}
		if r.PartySize < 1 || r.PartySize > MaxPartySize {
			f.Add("party_size", "must be in 1..%d", MaxPartySize)
		}
	} else if r.PartySize != 0 {
		if r.PartySize < 1 || r.PartySize > MaxPartySize {
			f.Add("party_size", "must be in 1..%d", MaxPartySize)
		}
	}
	r.Text = strings.TrimSpace(r.Text)
	if len(r.Text) > MaxTextLen {
		f.Add("text", "at most %d bytes", MaxTextLen)
	}
	if r.Limit == 0 {
		r.Limit = DefaultLimit
	}
	if r.Limit < 1 || r.Limit > MaxLimit {
		f.Add("limit", "must be in 1..%d", MaxLimit)
	}
	if len(r.Cursor) > MaxCursorLen {
		f.Add("cursor", "not a cursor of this search")
	}
	return f.Err()
}

// Item is one vendor found.
type Item struct {
	VendorID   string   `json:"vendor_id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	DistanceKm float64  `json:"distance_km"` // great-circle from the point, rounded to metres
	Tags       []string `json:"tags"`
	// Available are the free start times within Window of the requested
	// start, in time order (only with a start).
	Available []time.Time `json:"available,omitempty"`
}

// Result is one page, nearest first. NextCursor is empty on the last page;
// a page may hold fewer than Limit items and still have a NextCursor when
// the search stopped at its scan budget (many vendors near the point, few
// available): ask again with the cursor.
type Result struct {
	Items      []Item `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
