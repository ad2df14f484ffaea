package vendors_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// TestScan pages through every vendor with its units, as search's reindex
// does: id order, the count on the first page, each vendor as Get shows it,
// active units only unless asked, a page cut before the vendor that would
// pass the unit budget, and a vendor with more units than a page alone,
// continued through listunits from its units cursor.
func TestScan(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := s.newUser(t, "scan-owner@example.com")
	ctx := context.Background()

	mk := func(name string, n, capacity int) vendors.Vendor {
		t.Helper()
		v, err := s.vendors.Create(owner, vendors.CreateRequest{Profile: restaurant(name)})
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			if _, err := s.vendors.AddUnits(owner, vendors.AddUnitsRequest{VendorID: v.ID, Units: units(name, n, capacity)}); err != nil {
				t.Fatal(err)
			}
		}
		return v
	}
	a := mk("A", 3, 4)
	b := mk("B", 0, 0)
	c := mk("C", 2, 2)
	// One of A's units deactivated: a scan leaves it out unless asked.
	page, err := s.vendors.ListUnits(ctx, vendors.ListUnitsRequest{VendorID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := s.vendors.UpdateUnit(owner, vendors.UpdateUnitRequest{VendorID: a.ID, UnitID: page.Items[0].ID, Active: &off}); err != nil {
		t.Fatal(err)
	}

	all := func(r vendors.ScanRequest) (items []vendors.ScanItem, pages int, total int64) {
		t.Helper()
		for first := true; first || r.Cursor != ""; first = false {
			p, err := s.vendors.Scan(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if first {
				total = p.Total
			} else if p.Total != 0 {
				t.Fatalf("a later page counts again: %d", p.Total)
			}
			items = append(items, p.Items...)
			pages++
			r.Cursor = p.NextCursor
		}
		return items, pages, total
	}
	items, pages, total := all(vendors.ScanRequest{Limit: 2})
	if total != 3 || pages != 2 || len(items) != 3 {
		t.Fatalf("scan by 2: %d items in %d pages, total %d", len(items), pages, total)
	}
	if !slices.IsSortedFunc(items, func(x, y vendors.ScanItem) int { return strings.Compare(x.Vendor.ID, y.Vendor.ID) }) {
		t.Fatal("not in id order")
	}
	for i, want := range []vendors.Vendor{a, b, c} {
		got, err := s.vendors.Get(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		it := items[i]
		if it.Vendor.ID != got.ID || it.Vendor.Version != got.Version || it.Vendor.Units.Total != got.Units.Total ||
			it.Vendor.Name != got.Name || it.Vendor.Timezone != got.Timezone || len(it.Vendor.OpeningHours) != len(got.OpeningHours) {
			t.Fatalf("scanned %+v, get %+v", it.Vendor, got)
		}
		if len(it.Units) != got.Units.Total || it.UnitsCursor != "" {
			t.Fatalf("%s: %d units (cursor %q), %d active", got.Name, len(it.Units), it.UnitsCursor, got.Units.Total)
		}
		for _, u := range it.Units {
			if !u.Active || u.ID == "" || u.Capacity == 0 {
				t.Fatalf("%s: unit %+v", got.Name, u)
			}
		}
	}
	if items[0].Vendor.Units.Total != 2 || items[0].Vendor.Units.ByCapacity["4"] != 2 {
		t.Fatalf("A's summary after a deactivation: %+v", items[0].Vendor.Units)
	}
	items, _, _ = all(vendors.ScanRequest{IncludeInactive: true})
	if len(items[0].Units) != 3 || items[0].Units[0].Active || items[0].Units[0].ID != page.Items[0].ID {
		t.Fatalf("with inactive units: %+v", items[0].Units)
	}

	// A vendor with more units than a page may carry: the page before it
	// ends early, it comes alone and cut short, listunits continues it.
	big := mk("Big", vendors.MaxScanUnits+1, 6)
	d := mk("D", 1, 2)
	items, pages, total = all(vendors.ScanRequest{Limit: vendors.MaxScanLimit})
	if total != 5 || len(items) != 5 || pages != 3 {
		t.Fatalf("with a big vendor: %d items in %d pages, total %d", len(items), pages, total)
	}
	it := items[3]
	if it.Vendor.ID != big.ID || len(it.Units) != vendors.MaxScanUnits || it.UnitsCursor == "" || it.Vendor.Units.Total != vendors.MaxScanUnits+1 {
		t.Fatalf("big vendor: %d units, cursor %q, summary %d", len(it.Units), it.UnitsCursor, it.Vendor.Units.Total)
	}
	rest, err := s.vendors.ListUnits(ctx, vendors.ListUnitsRequest{VendorID: big.ID, Cursor: it.UnitsCursor, Limit: 1000})
	if err != nil || len(rest.Items) != 1 || rest.NextCursor != "" || slices.ContainsFunc(it.Units, func(u vendors.ScanUnit) bool { return u.ID == rest.Items[0].ID }) {
		t.Fatalf("listunits after the units cursor: %+v %v", rest, err)
	}
	if items[4].Vendor.ID != d.ID || len(items[4].Units) != 1 {
		t.Fatalf("after the big vendor: %+v", items[4])
	}

	for _, r := range []vendors.ScanRequest{{Limit: -1}, {Limit: vendors.MaxScanLimit + 1}, {Cursor: "nope"}} {
		if _, err := s.vendors.Scan(ctx, r); apperr.CodeOf(err) != apperr.InvalidInput {
			t.Fatalf("scan %+v: %v", r, err)
		}
	}
}
