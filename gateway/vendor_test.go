package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/testenv"
)

// The wire shapes of API.md, written out here (not the gateway's types) so
// that a change of a JSON tag shows up as a failing test.
type hoursJSON struct {
	Weekday   string `json:"weekday"`
	Open      string `json:"open"`
	Close     string `json:"close"`
	Overnight bool   `json:"overnight,omitempty"`
}

type vendorJSON struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
	Address  string `json:"address"`
	Location struct {
		Lat float64 `json:"lat"`
		Lng float64 `json:"lng"`
	} `json:"location"`
	Tags         []string    `json:"tags"`
	OpeningHours []hoursJSON `json:"opening_hours"`
	SlotMinutes  int         `json:"slot_minutes"`
	StayMinutes  int         `json:"stay_minutes"`
	CheckIn      string      `json:"check_in"`
	CheckOut     string      `json:"check_out"`
	Deposit      struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
		Per      string `json:"per"`
	} `json:"deposit"`
	Cancellation struct {
		FreeUntilHoursBefore int `json:"free_until_hours_before"`
	} `json:"cancellation"`
	BookingHorizonDays int    `json:"booking_horizon_days"`
	Status             string `json:"status"`
	Units              struct {
		Total      int            `json:"total"`
		ByCapacity map[string]int `json:"by_capacity"`
	} `json:"units"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type unitJSON struct {
	ID        string    `json:"id"`
	VendorID  string    `json:"vendor_id"`
	Name      string    `json:"name"`
	Capacity  int       `json:"capacity"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type managerJSON struct {
	VendorID string    `json:"vendor_id"`
	UserID   string    `json:"user_id"`
	Email    string    `json:"email"`
	Role     string    `json:"role"`
	AddedAt  time.Time `json:"added_at"`
}

// decode reads a success body strictly: a field the test does not know is a
// change of the API's shape.
func decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v: %.500s", v, err, body)
	}
	return v
}

// restaurant is a valid onboarding body: Berlin, closed on Mondays, open past
// midnight on Fridays.
func restaurant() map[string]any {
	return map[string]any{
		"kind":     "restaurant",
		"name":     "Trattoria Roma",
		"timezone": "Europe/Berlin",
		"address":  "Torstraße 1, 10119 Berlin",
		"location": map[string]any{"lat": 52.5290, "lng": 13.4010},
		"tags":     []string{"Italian", " vegan "},
		"opening_hours": []map[string]any{
			{"weekday": "tuesday", "open": "12:00", "close": "15:00"},
			{"weekday": "tuesday", "open": "18:00", "close": "23:00"},
			{"weekday": "wednesday", "open": "18:00", "close": "23:00"},
			{"weekday": "thursday", "open": "18:00", "close": "23:00"},
			{"weekday": "friday", "open": "18:00", "close": "02:00", "overnight": true},
			{"weekday": "saturday", "open": "18:00", "close": "23:30"},
			{"weekday": "sunday", "open": "12:00", "close": "22:00"},
		},
		"slot_minutes": 30,
		"stay_minutes": 120,
		"deposit":      map[string]any{"amount": 1000, "currency": "EUR", "per": "guest"},
		"cancellation": map[string]any{"free_until_hours_before": 24},
	}
}

func hotel() map[string]any {
	return map[string]any{
		"kind":          "hotel",
		"name":          "Hudson Rooms",
		"timezone":      "America/New_York",
		"address":       "1 Hudson St, New York, NY 10013",
		"location":      map[string]any{"lat": 40.7193, "lng": -74.0087},
		"tags":          []string{"Boutique"},
		"opening_hours": []map[string]any{},
		"check_in":      "16:00",
		"check_out":     "10:00",
		"deposit":       map[string]any{"amount": 5000, "currency": "USD", "per": "booking"},
		"cancellation":  map[string]any{"free_until_hours_before": 48},
	}
}

func onboard(t testing.TB, c client, token string, body map[string]any) vendorJSON {
	t.Helper()
	st, raw := c.do("POST", "/v1/vendors", token, body)
	if st != http.StatusCreated {
		t.Fatalf("onboard %s: %d %s", body["name"], st, raw)
	}
	v := decode[vendorJSON](t, raw)
	if v.ID == "" || v.Status != "active" || v.Version < 1 || v.CreatedAt.IsZero() || v.UpdatedAt.IsZero() {
		t.Fatalf("onboard %s: %s", body["name"], raw)
	}
	return v
}

func getVendor(t testing.TB, c client, id string) vendorJSON {
	t.Helper()
	st, raw := c.do("GET", "/v1/vendors/"+id, "", nil)
	if st != http.StatusOK {
		t.Fatalf("get vendor %s: %d %s", id, st, raw)
	}
	return decode[vendorJSON](t, raw)
}

// newUnits makes n units named prefix0001.. with capacities 2, 4, 6, 2, ...
func newUnits(prefix string, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"name": fmt.Sprintf("%s%04d", prefix, i+1), "capacity": 2 + 2*(i%3)}
	}
	return out
}

func addUnits(t testing.TB, c client, token, vendorID string, units []map[string]any) []unitJSON {
	t.Helper()
	st, raw := c.do("POST", "/v1/vendors/"+vendorID+"/units", token, map[string]any{"units": units})
	if st != http.StatusCreated {
		t.Fatalf("add %d units: %d %.1000s", len(units), st, raw)
	}
	res := decode[struct {
		Units []unitJSON `json:"units"`
	}](t, raw)
	if len(res.Units) != len(units) {
		t.Fatalf("added %d units, answer lists %d", len(units), len(res.Units))
	}
	for i, u := range res.Units {
		if u.ID == "" || u.VendorID != vendorID || u.Name != units[i]["name"] || u.Capacity != units[i]["capacity"] || !u.Active {
			t.Fatalf("unit %d: %+v, sent %v", i, u, units[i])
		}
	}
	return res.Units
}

type unitPage struct {
	Items      []unitJSON `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// listUnits follows next_cursor to the end; query is added to every page.
func listUnits(t testing.TB, c client, vendorID string, query url.Values) []unitJSON {
	t.Helper()
	var all []unitJSON
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("next_cursor never ends")
		}
		q := maps.Clone(query)
		if q == nil {
			q = url.Values{}
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		path := "/v1/vendors/" + vendorID + "/units"
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		st, raw := c.do("GET", path, "", nil)
		if st != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, st, raw)
		}
		p := decode[unitPage](t, raw)
		if p.Items == nil {
			t.Fatalf("GET %s: items must be a list: %.300s", path, raw)
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			if bytes.Contains(raw, []byte(`"next_cursor"`)) {
				t.Fatalf("last page names next_cursor: %.300s", raw)
			}
			return all
		}
		cursor = p.NextCursor
	}
}

func ids(units []unitJSON) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.ID
	}
	return out
}

func TestVendorOnboarding(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	_, token := signUp(t, c, "owner@example.com")

	// A restaurant: tags normalised, the week as sent (Monday closed, Friday
	// past midnight), restaurant defaults overridden.
	r := onboard(t, c, token, restaurant())
	if r.Kind != "restaurant" || r.Name != "Trattoria Roma" || r.Timezone != "Europe/Berlin" ||
		r.Address != "Torstraße 1, 10119 Berlin" || r.Location.Lat != 52.5290 || r.Location.Lng != 13.4010 {
		t.Errorf("restaurant profile: %+v", r)
	}
	if !slices.Equal(r.Tags, []string{"italian", "vegan"}) {
		t.Errorf("tags %q, want [italian vegan]", r.Tags)
	}
	if len(r.OpeningHours) != 7 {
		t.Errorf("opening hours %+v, want the 7 intervals sent", r.OpeningHours)
	}
	friday := hoursJSON{Weekday: "friday", Open: "18:00", Close: "02:00", Overnight: true}
	if !slices.Contains(r.OpeningHours, friday) {
		t.Errorf("opening hours %+v lack %+v", r.OpeningHours, friday)
	}
	for _, h := range r.OpeningHours {
		if h.Weekday == "monday" {
			t.Errorf("Monday is closed, got %+v", h)
		}
	}
	if r.SlotMinutes != 30 || r.StayMinutes != 120 || r.Deposit.Amount != 1000 || r.Deposit.Currency != "EUR" ||
		r.Deposit.Per != "guest" || r.Cancellation.FreeUntilHoursBefore != 24 || r.Units.Total != 0 {
		t.Errorf("restaurant policies: %+v", r)
	}
	if r.BookingHorizonDays != 365 {
		t.Errorf("booking_horizon_days %d without one sent, want the default 365", r.BookingHorizonDays)
	}

	// A hotel: check-in and check-out, no opening hours.
	hb := hotel()
	hb["booking_horizon_days"] = 90
	h := onboard(t, c, token, hb)
	if h.Kind != "hotel" || h.Timezone != "America/New_York" || h.CheckIn != "16:00" || h.CheckOut != "10:00" ||
		!slices.Equal(h.Tags, []string{"boutique"}) || h.Deposit.Currency != "USD" || h.Deposit.Per != "booking" ||
		h.Cancellation.FreeUntilHoursBefore != 48 || h.OpeningHours == nil || h.BookingHorizonDays != 90 {
		t.Errorf("hotel: %+v", h)
	}
	if h.ID == r.ID {
		t.Fatal("two vendors, one id")
	}

	// Units, then public reads (no token).
	tables := addUnits(t, c, token, r.ID, newUnits("T", 250))
	rooms := addUnits(t, c, token, h.ID, []map[string]any{{"name": "Room 101", "capacity": 2}, {"name": "Room 102", "capacity": 3}})
	got := getVendor(t, c, r.ID)
	if got.ID != r.ID || got.Name != r.Name || !slices.Equal(got.Tags, r.Tags) || !slices.Equal(got.OpeningHours, r.OpeningHours) {
		t.Errorf("public read %+v differs from the onboarding answer %+v", got, r)
	}
	if want := map[string]int{"2": 84, "4": 83, "6": 83}; got.Units.Total != 250 || !maps.Equal(got.Units.ByCapacity, want) {
		t.Errorf("units summary %+v, want 250 %v", got.Units, want)
	}
	if got := getVendor(t, c, h.ID); got.Units.Total != 2 || got.CheckIn != "16:00" {
		t.Errorf("hotel read: %+v", got)
	}

	listed := listUnits(t, c, r.ID, url.Values{"limit": {"100"}})
	if len(listed) != 250 {
		t.Fatalf("listed %d units, want 250", len(listed))
	}
	if !slices.Equal(ids(listed), ids(tables)) {
		t.Errorf("listed units are not the added ones in creation order")
	}
	seen := map[string]bool{}
	for _, u := range listed {
		if seen[u.ID] {
			t.Fatalf("unit %s listed twice", u.ID)
		}
		seen[u.ID] = true
	}
	if got := listUnits(t, c, h.ID, nil); !slices.Equal(ids(got), ids(rooms)) {
		t.Errorf("hotel units %+v, want %+v", got, rooms)
	}

	// Deactivate a table: gone from the default list and the summary, listed
	// with include_inactive.
	st, raw := c.do("PATCH", "/v1/vendors/"+r.ID+"/units/"+tables[0].ID, token, map[string]any{"active": false})
	if st != http.StatusOK {
		t.Fatalf("deactivate: %d %s", st, raw)
	}
	if u := decode[unitJSON](t, raw); u.ID != tables[0].ID || u.Active || u.Name != "T0001" {
		t.Fatalf("deactivated unit: %s", raw)
	}
	if n := len(listUnits(t, c, r.ID, url.Values{"limit": {"1000"}})); n != 249 {
		t.Errorf("active units listed: %d, want 249", n)
	}
	if n := len(listUnits(t, c, r.ID, url.Values{"include_inactive": {"true"}})); n != 250 {
		t.Errorf("units listed with include_inactive: %d, want 250", n)
	}
	if got := getVendor(t, c, r.ID); got.Units.Total != 249 {
		t.Errorf("units.total after deactivating one: %d, want 249", got.Units.Total)
	}
	st, raw = c.do("PATCH", "/v1/vendors/"+r.ID+"/units/"+tables[1].ID, token, map[string]any{"name": "Window", "capacity": 8})
	if u := decode[unitJSON](t, raw); st != http.StatusOK || u.Name != "Window" || u.Capacity != 8 || !u.Active {
		t.Fatalf("rename: %d %s", st, raw)
	}
	st, raw = c.do("PATCH", "/v1/vendors/"+r.ID+"/units/"+tables[2].ID, token, map[string]any{"name": "Window"})
	c.wantError(http.StatusConflict, raw, st, "conflict", "")
	st, raw = c.do("POST", "/v1/vendors/"+r.ID+"/units", token, map[string]any{"units": []map[string]any{{"name": "T0003", "capacity": 2}}})
	c.wantError(http.StatusConflict, raw, st, "conflict", "")
	st, raw = c.do("PATCH", "/v1/vendors/"+r.ID+"/units/"+uuid.NewString(), token, map[string]any{"active": false})
	c.wantError(http.StatusNotFound, raw, st, "not_found", "")
	// A unit of the hotel is not a unit of the restaurant.
	st, raw = c.do("PATCH", "/v1/vendors/"+r.ID+"/units/"+rooms[0].ID, token, map[string]any{"active": false})
	c.wantError(http.StatusNotFound, raw, st, "not_found", "")

	// The owner changes the profile; absent fields stay.
	st, raw = c.do("PATCH", "/v1/vendors/"+r.ID, token, map[string]any{"name": "Trattoria Roma Due", "tags": []string{"Pizza"},
		"deposit": map[string]any{"amount": 0, "currency": "EUR", "per": "booking"}})
	if st != http.StatusOK {
		t.Fatalf("patch vendor: %d %s", st, raw)
	}
	p := decode[vendorJSON](t, raw)
	if p.Name != "Trattoria Roma Due" || !slices.Equal(p.Tags, []string{"pizza"}) || p.Deposit.Amount != 0 ||
		p.Timezone != "Europe/Berlin" || !slices.Equal(p.OpeningHours, r.OpeningHours) || p.SlotMinutes != 30 ||
		p.Version <= r.Version || p.Units.Total != 249 || p.BookingHorizonDays != 365 {
		t.Errorf("after patch: %+v", p)
	}
	st, raw = c.do("PATCH", "/v1/vendors/"+r.ID, token, map[string]any{"booking_horizon_days": 730})
	if st != http.StatusOK || decode[vendorJSON](t, raw).BookingHorizonDays != 730 {
		t.Fatalf("patch booking_horizon_days: %d %s", st, raw)
	}
	st, raw = c.do("PATCH", "/v1/vendors/"+r.ID, token, map[string]any{"status": "suspended"})
	if st != http.StatusOK || decode[vendorJSON](t, raw).Status != "suspended" {
		t.Fatalf("suspend: %d %s", st, raw)
	}
	if got := getVendor(t, c, r.ID); got.Status != "suspended" || got.Name != "Trattoria Roma Due" || got.BookingHorizonDays != 730 {
		t.Errorf("read after patches: %+v", got)
	}

	// Unknown vendors.
	st, raw = c.do("GET", "/v1/vendors/"+uuid.NewString(), "", nil)
	c.wantError(http.StatusNotFound, raw, st, "not_found", "")
	st, raw = c.do("GET", "/v1/vendors/"+uuid.NewString()+"/units", "", nil)
	c.wantError(http.StatusNotFound, raw, st, "not_found", "")
	st, raw = c.do("PATCH", "/v1/vendors/"+uuid.NewString(), token, map[string]any{"name": "X"})
	c.wantError(http.StatusNotFound, raw, st, "not_found", "")
	st, raw = c.do("GET", "/v1/vendors/not-a-uuid", "", nil)
	c.wantError(http.StatusNotFound, raw, st, "not_found", "")
}

func TestVendorAuthorisation(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	ownerID, owner := signUp(t, c, "owner@example.com")
	otherID, other := signUp(t, c, "Other@Example.com")
	_, third := signUp(t, c, "third@example.com")
	v := onboard(t, c, owner, restaurant())
	units := addUnits(t, c, owner, v.ID, newUnits("T", 3))
	v = getVendor(t, c, v.ID) // adding units moves the version
	base := "/v1/vendors/" + v.ID

	calls := []struct {
		method, path string
		body         any
	}{
		{"PATCH", base, map[string]any{"name": "Mine now"}},
		{"POST", base + "/units", map[string]any{"units": []map[string]any{{"name": "X1", "capacity": 2}}}},
		{"PATCH", base + "/units/" + units[0].ID, map[string]any{"active": false}},
		{"POST", base + "/managers", map[string]any{"email": "third@example.com"}},
		{"GET", base + "/managers", nil},
	}
	for _, call := range calls {
		st, raw := c.do(call.method, call.path, other, call.body)
		c.wantError(http.StatusForbidden, raw, st, "forbidden", "")
		st, raw = c.do(call.method, call.path, "", call.body)
		c.wantError(http.StatusUnauthorized, raw, st, "unauthenticated", "")
	}
	st, raw := c.do("POST", "/v1/vendors", "", restaurant())
	c.wantError(http.StatusUnauthorized, raw, st, "unauthenticated", "")
	// Nothing changed.
	if got := getVendor(t, c, v.ID); got.Name != v.Name || got.Units.Total != 3 || got.Version != v.Version {
		t.Fatalf("vendor changed by refused calls: %+v", got)
	}

	// The owner adds the other user (email in any case) as a manager.
	st, raw = c.do("POST", base+"/managers", owner, map[string]any{"email": "other@EXAMPLE.com"})
	if st != http.StatusCreated {
		t.Fatalf("add manager: %d %s", st, raw)
	}
	m := decode[managerJSON](t, raw)
	if m.VendorID != v.ID || m.UserID != otherID || m.Role != "manager" || m.Email != "other@example.com" || m.AddedAt.IsZero() {
		t.Errorf("manager: %s", raw)
	}
	st, raw = c.do("POST", base+"/managers", owner, map[string]any{"email": "other@example.com"})
	c.wantError(http.StatusConflict, raw, st, "conflict", "")
	st, raw = c.do("POST", base+"/managers", owner, map[string]any{"email": "nobody@example.com"})
	c.wantError(http.StatusNotFound, raw, st, "not_found", "")

	// The manager manages ...
	st, raw = c.do("PATCH", base, other, map[string]any{"name": "Managed"})
	if st != http.StatusOK || decode[vendorJSON](t, raw).Name != "Managed" {
		t.Fatalf("manager patches vendor: %d %s", st, raw)
	}
	addUnits(t, c, other, v.ID, []map[string]any{{"name": "X1", "capacity": 2}})
	st, raw = c.do("PATCH", base+"/units/"+units[0].ID, other, map[string]any{"capacity": 3})
	if st != http.StatusOK {
		t.Fatalf("manager patches unit: %d %s", st, raw)
	}
	st, raw = c.do("GET", base+"/managers", other, nil)
	if st != http.StatusOK {
		t.Fatalf("manager lists managers: %d %s", st, raw)
	}
	list := decode[struct {
		Items []managerJSON `json:"items"`
	}](t, raw)
	roles := map[string]string{}
	for _, m := range list.Items {
		roles[m.UserID] = m.Role
	}
	if want := map[string]string{ownerID: "owner", otherID: "manager"}; !maps.Equal(roles, want) {
		t.Errorf("managers %s, want %v", raw, want)
	}
	// ... but only the owner adds managers.
	st, raw = c.do("POST", base+"/managers", other, map[string]any{"email": "third@example.com"})
	c.wantError(http.StatusForbidden, raw, st, "forbidden", "")
	st, raw = c.do("GET", base+"/managers", third, nil)
	c.wantError(http.StatusForbidden, raw, st, "forbidden", "")
	// Managing one vendor is not managing another.
	w := onboard(t, c, third, hotel())
	st, raw = c.do("PATCH", "/v1/vendors/"+w.ID, other, map[string]any{"name": "Not yours"})
	c.wantError(http.StatusForbidden, raw, st, "forbidden", "")
}

func TestVendorValidation(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	_, token := signUp(t, c, "owner@example.com")

	with := func(change func(b map[string]any)) map[string]any {
		b := restaurant()
		change(b)
		return b
	}
	hours := func(h ...map[string]any) func(b map[string]any) {
		return func(b map[string]any) { b["opening_hours"] = h }
	}
	manyTags := make([]string, 31)
	for i := range manyTags {
		manyTags[i] = fmt.Sprint("tag", i)
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"lat 91", with(func(b map[string]any) { b["location"] = map[string]any{"lat": 91, "lng": 0} }), 400, "invalid_input", "location.lat"},
		{"lat -91", with(func(b map[string]any) { b["location"] = map[string]any{"lat": -91, "lng": 0} }), 400, "invalid_input", "location.lat"},
		{"lng 181", with(func(b map[string]any) { b["location"] = map[string]any{"lat": 0, "lng": 181} }), 400, "invalid_input", "location.lng"},
		{"lng -181", with(func(b map[string]any) { b["location"] = map[string]any{"lat": 0, "lng": -181} }), 400, "invalid_input", "location.lng"},
		{"lat not a number", with(func(b map[string]any) { b["location"] = map[string]any{"lat": "north", "lng": 0} }), 400, "invalid_input", "location.lat"},
		{"lat missing", with(func(b map[string]any) { b["location"] = map[string]any{"lng": 0} }), 400, "invalid_input", "location.lat"},
		{"unknown time zone", with(func(b map[string]any) { b["timezone"] = "Mars/Olympus" }), 400, "invalid_input", "timezone"},
		{"empty name", with(func(b map[string]any) { b["name"] = "" }), 400, "invalid_input", "name"},
		{"blank name", with(func(b map[string]any) { b["name"] = "   " }), 400, "invalid_input", "name"},
		{"300-character name", with(func(b map[string]any) { b["name"] = strings.Repeat("n", 300) }), 400, "invalid_input", "name"},
		{"no name", with(func(b map[string]any) { delete(b, "name") }), 400, "invalid_input", "name"},
		{"unknown kind", with(func(b map[string]any) { b["kind"] = "castle" }), 400, "invalid_input", "kind"},
		{"close before open", with(hours(
			map[string]any{"weekday": "monday", "open": "12:00", "close": "15:00"},
			map[string]any{"weekday": "friday", "open": "18:00", "close": "02:00"})), 422, "rule_violation", "opening_hours[1]"},
		{"overlapping intervals", with(hours(
			map[string]any{"weekday": "friday", "open": "18:00", "close": "02:00", "overnight": true},
			map[string]any{"weekday": "saturday", "open": "01:00", "close": "03:00"})), 422, "rule_violation", "opening_hours"},
		{"negative deposit", with(func(b map[string]any) { b["deposit"] = map[string]any{"amount": -1, "currency": "EUR", "per": "guest"} }), 400, "invalid_input", "deposit.amount"},
		{"unknown currency", with(func(b map[string]any) {
			b["deposit"] = map[string]any{"amount": 100, "currency": "XYZ", "per": "guest"}
		}), 400, "invalid_input", "deposit.currency"},
		{"31 tags", with(func(b map[string]any) { b["tags"] = manyTags }), 400, "invalid_input", "tags"},
		{"bad time", with(hours(map[string]any{"weekday": "monday", "open": "12:00", "close": "25:00"})), 400, "invalid_input", "opening_hours[0].close"},
		{"unknown weekday", with(hours(map[string]any{"weekday": "funday", "open": "12:00", "close": "15:00"})), 400, "invalid_input", "opening_hours[0].weekday"},
		{"booking horizon 731 days", with(func(b map[string]any) { b["booking_horizon_days"] = 731 }), 400, "invalid_input", "booking_horizon_days"},
		{"negative booking horizon", with(func(b map[string]any) { b["booking_horizon_days"] = -1 }), 400, "invalid_input", "booking_horizon_days"},
		{"booking horizon not a number", with(func(b map[string]any) { b["booking_horizon_days"] = "a year" }), 400, "invalid_input", "booking_horizon_days"},
		{"unknown field", with(func(b map[string]any) { b["owner_id"] = uuid.NewString() }), 400, "invalid_input", "owner_id"},
		{"malformed JSON", `{"kind": "restaurant", "name": `, 400, "invalid_input", ""},
		{"not an object", `[1, 2]`, 400, "invalid_input", ""},
		{"oversized body", `{"kind":"restaurant","name":"` + strings.Repeat("x", 64<<10) + `"}`, 400, "body_too_large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := client{t, sys.URL}
			st, raw := c.do("POST", "/v1/vendors", token, tc.body)
			c.wantError(tc.status, raw, st, tc.code, tc.field)
		})
	}

	// Updates are checked the same way, and kind cannot change.
	v := onboard(t, c, token, restaurant())
	patches := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"lat 91", map[string]any{"location": map[string]any{"lat": 91, "lng": 0}}, 400, "invalid_input", "location.lat"},
		{"kind", map[string]any{"kind": "hotel"}, 400, "invalid_input", "kind"},
		{"unknown status", map[string]any{"status": "deleted"}, 400, "invalid_input", "status"},
		{"booking horizon 0", map[string]any{"booking_horizon_days": 0}, 400, "invalid_input", "booking_horizon_days"},
		{"booking horizon 731", map[string]any{"booking_horizon_days": 731}, 400, "invalid_input", "booking_horizon_days"},
		{"check_in at a restaurant", map[string]any{"check_in": "15:00"}, 400, "invalid_input", "check_in"},
		{"close before open", map[string]any{"opening_hours": []map[string]any{{"weekday": "monday", "open": "22:00", "close": "01:00"}}}, 422, "rule_violation", "opening_hours[0]"},
		{"malformed JSON", `{"name": `, 400, "invalid_input", ""},
	}
	for _, tc := range patches {
		t.Run("patch "+tc.name, func(t *testing.T) {
			c := client{t, sys.URL}
			st, raw := c.do("PATCH", "/v1/vendors/"+v.ID, token, tc.body)
			c.wantError(tc.status, raw, st, tc.code, tc.field)
		})
	}
	if got := getVendor(t, c, v.ID); got.Version != v.Version || got.Location != v.Location || got.Status != "active" {
		t.Errorf("refused patches changed the vendor: %+v", got)
	}

	// Units: all or none.
	addUnits(t, c, token, v.ID, newUnits("A", 5))
	unitCases := []struct {
		name  string
		units any
		field string
	}{
		{"capacity 0", []map[string]any{{"name": "Z1", "capacity": 0}}, "units[0].capacity"},
		{"capacity 101", []map[string]any{{"name": "Z1", "capacity": 101}}, "units[0].capacity"},
		{"one bad among ten", func() []map[string]any {
			u := newUnits("B", 10)
			u[7]["capacity"] = 101
			return u
		}(), "units[7].capacity"},
		{"empty name", []map[string]any{{"name": "", "capacity": 2}}, "units[0].name"},
		{"duplicate in request", []map[string]any{{"name": "Z1", "capacity": 2}, {"name": "Z1", "capacity": 2}}, "units[1].name"},
		{"no units", []map[string]any{}, "units"},
		{"capacity not a number", []map[string]any{{"name": "Z1", "capacity": "four"}}, "units[0].capacity"},
	}
	for _, tc := range unitCases {
		t.Run("units "+tc.name, func(t *testing.T) {
			c := client{t, sys.URL}
			st, raw := c.do("POST", "/v1/vendors/"+v.ID+"/units", token, map[string]any{"units": tc.units})
			c.wantError(http.StatusBadRequest, raw, st, "invalid_input", tc.field)
		})
	}
	st, raw := c.do("POST", "/v1/vendors/"+v.ID+"/units", token, `{"units": [{"name": "Z1", "capacity": 2},`)
	c.wantError(http.StatusBadRequest, raw, st, "invalid_input", "")
	// Nothing was half-written: still the five first units.
	if got := getVendor(t, c, v.ID); got.Units.Total != 5 {
		t.Errorf("units.total %d after refused additions, want 5", got.Units.Total)
	}
	if got := listUnits(t, c, v.ID, url.Values{"include_inactive": {"true"}}); len(got) != 5 {
		t.Errorf("%d units listed after refused additions, want 5", len(got))
	}
	// Unit patches and list queries.
	units := listUnits(t, c, v.ID, nil)
	st, raw = c.do("PATCH", "/v1/vendors/"+v.ID+"/units/"+units[0].ID, token, map[string]any{"capacity": 101})
	c.wantError(http.StatusBadRequest, raw, st, "invalid_input", "capacity")
	st, raw = c.do("GET", "/v1/vendors/"+v.ID+"/units?limit=5000", "", nil)
	c.wantError(http.StatusBadRequest, raw, st, "invalid_input", "limit")
	st, raw = c.do("GET", "/v1/vendors/"+v.ID+"/units?limit=ten", "", nil)
	c.wantError(http.StatusBadRequest, raw, st, "invalid_input", "limit")
	st, raw = c.do("GET", "/v1/vendors/"+v.ID+"/units?cursor=not-a-cursor", "", nil)
	c.wantError(http.StatusBadRequest, raw, st, "invalid_input", "cursor")
	st, raw = c.do("POST", "/v1/vendors/"+v.ID+"/managers", token, map[string]any{})
	c.wantError(http.StatusBadRequest, raw, st, "invalid_input", "email")
}

func TestTenThousandUnits(t *testing.T) {
	t.Parallel()
	// It checks that 10,000 units go in whole, not how fast (the benchmark
	// measures that): under -race on a busy two-core box the insert once
	// passed the 5 s default handler deadline.
	sys := testenv.StartAll(t, map[string]string{"REQUEST_TIMEOUT": "60s", "CALL_TIMEOUT": "60s"})
	c := client{t, sys.URL}
	_, token := signUp(t, c, "big@example.com")
	v := onboard(t, c, token, hotel())

	units := addUnits(t, c, token, v.ID, newUnits("R", 10000))
	seen := make(map[string]bool, len(units))
	for _, u := range units {
		if seen[u.ID] {
			t.Fatalf("unit id %s twice", u.ID)
		}
		seen[u.ID] = true
	}
	if got := getVendor(t, c, v.ID); got.Units.Total != 10000 {
		t.Fatalf("units.total %d, want 10000", got.Units.Total)
	}
	if got := listUnits(t, c, v.ID, url.Values{"limit": {"1000"}}); !slices.Equal(ids(got), ids(units)) {
		t.Fatalf("listed %d units, not the 10000 added in order", len(got))
	}

	// Over the per-request limits: too many units, too many bytes.
	st, raw := c.do("POST", "/v1/vendors/"+v.ID+"/units", token, map[string]any{"units": newUnits("S", 20001)})
	c.wantError(http.StatusBadRequest, raw, st, "invalid_input", "units")
	huge := `{"units": [{"name": "` + strings.Repeat("x", 5<<20) + `", "capacity": 1}]}`
	st, raw = c.do("POST", "/v1/vendors/"+v.ID+"/units", token, huge)
	c.wantError(http.StatusBadRequest, raw, st, "body_too_large", "")
	if got := getVendor(t, c, v.ID); got.Units.Total != 10000 {
		t.Fatalf("units.total %d after refused additions, want 10000", got.Units.Total)
	}
}

func TestVendorRoutesInOpenAPI(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	st, raw := c.do("GET", "/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if st != http.StatusOK || json.Unmarshal(raw, &doc) != nil {
		t.Fatalf("openapi: %d %.200s", st, raw)
	}
	for _, op := range []struct {
		method, path string
		auth         bool
	}{
		{"post", "/v1/vendors", true},
		{"get", "/v1/vendors/{id}", false},
		{"patch", "/v1/vendors/{id}", true},
		{"post", "/v1/vendors/{id}/units", true},
		{"get", "/v1/vendors/{id}/units", false},
		{"patch", "/v1/vendors/{id}/units/{unit_id}", true},
		{"post", "/v1/vendors/{id}/managers", true},
		{"get", "/v1/vendors/{id}/managers", true},
	} {
		o, ok := doc.Paths[op.path][op.method]
		if !ok {
			t.Errorf("openapi lacks %s %s", op.method, op.path)
			continue
		}
		if (len(o.Security) > 0) != op.auth {
			t.Errorf("%s %s: security %v, want auth %v", op.method, op.path, o.Security, op.auth)
		}
	}
	// booking_horizon_days is documented where it is sent and where it is read.
	var schemas struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Type        any    `json:"type"`
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &schemas); err != nil {
		t.Fatal(err)
	}
	for _, at := range []struct{ what, ref string }{
		{"POST /v1/vendors body", schemas.Paths["/v1/vendors"]["post"].RequestBody.Content["application/json"].Schema.Ref},
		{"PATCH /v1/vendors/{id} body", schemas.Paths["/v1/vendors/{id}"]["patch"].RequestBody.Content["application/json"].Schema.Ref},
		{"GET /v1/vendors/{id} answer", schemas.Paths["/v1/vendors/{id}"]["get"].Responses["200"].Content["application/json"].Schema.Ref},
	} {
		name := strings.TrimPrefix(at.ref, "#/components/schemas/")
		prop, ok := schemas.Components.Schemas[name].Properties["booking_horizon_days"]
		if !ok || !strings.Contains(prop.Description, "1..730; default 365") || fmt.Sprint(prop.Type) != "integer" {
			t.Errorf("%s (schema %q): booking_horizon_days %+v (present %v), want an integer documented as 1..730, default 365", at.what, at.ref, prop, ok)
		}
	}

	st, raw = c.do("GET", "/readyz", "", nil)
	if st != http.StatusOK || !strings.Contains(string(raw), `"vendor":"ok"`) {
		t.Fatalf("readyz %d %s", st, raw)
	}
}
