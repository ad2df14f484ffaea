// Package app holds the search service's use cases and the ports they need.
package app

import (
	"context"
	"errors"
)

// Doc is what a geo/tag index knows about one vendor: enough to find it by
// kind, tag, place and name, and to show it in a result list. Availability is
// not in the index (see Availability); the index answers "which vendors of
// this kind, with any of these tags, lie within this radius, nearest first".
type Doc struct {
	VendorID string   `json:"vendor_id"`
	Kind     string   `json:"kind"` // restaurant | hotel
	Name     string   `json:"name"`
	Tags     []string `json:"tags"` // lower-case, deduplicated
	Lat      float64  `json:"lat"`
	Lng      float64  `json:"lng"`
	// Active is false for a suspended vendor, or one with no active unit: it
	// stays in the index but is never a hit.
	Active bool `json:"active"`
	// Version is the vendor's version (contracts/vendors Vendor.Version). An
	// index never lets a lower version overwrite a higher one, so a replayed
	// or reordered event is harmless.
	Version int64 `json:"version"`
}

// After is a keyset cursor: hits strictly after (DistanceKm, VendorID) in
// the (distance, vendor id) order.
type After struct {
	DistanceKm float64 `json:"d"`
	VendorID   string  `json:"v"`
}

// GeoQuery asks an index for the nearest vendors.
type GeoQuery struct {
	Kind     string   // "" = any kind
	Tags     []string // any of them; empty = any tags
	Lat, Lng float64
	RadiusKm float64 // > 0
	Text     string  // optional: case-insensitive match on the name (prefix of a word at least)
	After    *After  // nil = from the nearest
	Limit    int     // > 0
}

// Hit is one vendor found by an index.
type Hit struct {
	VendorID   string   `json:"vendor_id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Tags       []string `json:"tags"`
	DistanceKm float64  `json:"distance_km"` // great-circle (haversine, R = 6371.0088 km)
}

// Index is the geo/tag index port. Drivers: postgres (the default, the
// service's own read model in grid cells), elastic, meili. Every driver
// passes the shared conformance suite (adapters/indextest).
type Index interface {
	// Upsert stores docs, each only if its Version is higher than (or equal
	// to) the stored one; it is idempotent.
	Upsert(ctx context.Context, docs []Doc) error
	// Nearest returns at most q.Limit active hits within q.RadiusKm of the
	// point, matching q.Kind, any of q.Tags and q.Text, ordered by
	// (DistanceKm, VendorID), strictly after q.After.
	Nearest(ctx context.Context, q GeoQuery) ([]Hit, error)
	// Count is how many docs (active or not) the index holds, for reindex
	// progress and tests.
	Count(ctx context.Context) (int64, error)
	// Reset empties the index (reindex from scratch).
	Reset(ctx context.Context) error
}

// ErrBadQuery is returned (wrapped) by an index for a query it cannot run.
var ErrBadQuery = errors.New("search: bad query")
