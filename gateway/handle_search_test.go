package gateway

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/search"
)

// The gateway passes the search service's Result JSON on as the body, so
// the Result must be the API's body field for field: decoded strictly into
// the documented shape and encoded again, it is the same JSON.
func TestSearchBodyIsTheResult(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 19, 30, 0, 0, time.UTC)
	for _, res := range []search.Result{
		{Items: []search.Item{}},
		{Items: []search.Item{
			{VendorID: "v1", Name: "Trattoria <Roma> & co", Kind: "restaurant", DistanceKm: 0.42, Tags: []string{"italian"}, Available: []time.Time{at, at.Add(30 * time.Minute)}},
			{VendorID: "v2", Name: "Hotel", Kind: "hotel", DistanceKm: 1.5, Tags: []string{}},
		}, NextCursor: "YzE6e30"},
	} {
		wire, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		var doc searchBodyDoc
		dec := json.NewDecoder(bytes.NewReader(wire))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", wire, err)
		}
		api, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(api, wire) {
			t.Errorf("the API body differs from the service's Result:\napi  %s\nwire %s", api, wire)
		}
		out, err := json.Marshal(searchOutput{Body: wire}.Body)
		if err != nil || !bytes.Equal(out, wire) {
			t.Errorf("passed on as %s, %v; want %s", out, err, wire)
		}
	}
}
