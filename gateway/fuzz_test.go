package gateway_test

// Fuzz targets for every request decoder and query parser of the gateway:
// JSON bodies of the mutating routes, query strings, path ids and headers.
// The invariant is API.md's: no panic, never a 5xx for any input, and every
// 4xx carries {"error": {"code", "message", "details"}}.
//
// Under plain `go test` (go tool task test) the seeds run as tests against
// the real mesh (testenv.StartAll, once per target), so the services' own
// parsers (cursors, dates, ids, timezones) see them too. Under -fuzz, the
// targets whose inputs only the gateway parses run against a stand-in NATS
// responder (fast to start, thousands of inputs a second); the query
// targets, whose values the services parse, keep the real mesh. Either way
// the request goes through the real gateway handler, in-process.
//
//	go tool task fuzz                 # every target, FUZZTIME (10s) each
//	go test -run '^$' -fuzz '^FuzzSearchQuery$' -fuzztime 1m ./gateway/

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/gateway"
	"github.com/slotmesh/slotmesh/testenv"
)

// fuzzEnv is a gateway handler to fuzz and objects that exist behind it.
type fuzzEnv struct {
	h                     http.Handler
	token                 string // a valid bearer token: the vendor's owner
	vendor, unit, booking string // ids of real objects (random ones on the stand-in)
	real                  bool
}

// fuzzing reports whether the test binary runs with -fuzz (coordinator or worker).
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// newFuzzEnv starts what a target fuzzes against: the real mesh, or, when
// fuzzing and meshWhenFuzzing is false, the gateway on a stand-in responder.
func newFuzzEnv(f *testing.F, meshWhenFuzzing bool) *fuzzEnv {
	f.Helper()
	if fuzzing() && !meshWhenFuzzing {
		return standInEnv(f)
	}
	sys := testenv.StartAll(f, nil)
	c := client{f, sys.URL}
	_, owner := signUp(f, c, "fuzz-owner@example.com")
	v := onboard(f, c, owner, allWeek(0))
	units := addUnits(f, c, owner, v.ID, newUnits("F", 4))
	st, raw := c.book(owner, "fuzz-fixture", bookingBody(v.ID, slotAt(2, 12, 0), 2))
	b := wantBooking(f, http.StatusCreated, st, raw)
	return &fuzzEnv{h: sys.Mesh.Gateway, token: owner, vendor: v.ID, unit: units[0].ID, booking: b.ID, real: true}
}

// standInEnv is the gateway on an embedded NATS where one subscriber
// answers every service request: the token keys for svc.user.v1.keys, and
// an empty success ({}) for everything else, so that every decoder and the
// answer path run, without the mesh's cost.
func standInEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	n := testenv.StartNATS(f)
	nc := n.Connect(f)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	keys, _ := json.Marshal(user.KeysResponse{Issuer: "slotmesh", Keys: []user.PublicKey{{KID: "fuzz", Alg: "EdDSA", Key: pub}}})
	sub, err := nc.Subscribe("svc.>", func(m *nats.Msg) {
		if m.Subject == user.OpKeys.Subject() {
			_ = m.Respond(keys)
			return
		}
		_ = m.Respond([]byte("{}"))
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = sub.Unsubscribe() })
	tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{Issuer: "slotmesh", Subject: uuid.NewString(),
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(24 * time.Hour))})
	tk.Header["kid"] = "fuzz"
	token, err := tk.SignedString(key)
	if err != nil {
		f.Fatal(err)
	}
	gw := gateway.NewServer(gateway.DefaultConfig(), nc, slog.New(slog.DiscardHandler))
	return &fuzzEnv{h: gw, token: token, vendor: uuid.NewString(), unit: uuid.NewString(), booking: uuid.NewString()}
}

// fill puts the env's object ids into a path template.
func (e *fuzzEnv) fill(path string) string {
	return strings.NewReplacer("{vendor}", e.vendor, "{unit}", e.unit, "{booking}", e.booking).Replace(path)
}

var snakeCode = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// serve runs one request through the gateway and checks API.md's invariant.
// A stream (Server-Sent Events) that was let in is cut after streamFor.
func (e *fuzzEnv) serve(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	if strings.HasSuffix(req.URL.Path, "/stream") {
		ctx, cancel := context.WithTimeout(req.Context(), streamFor)
		defer cancel()
		req = req.WithContext(ctx)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	checkAnswer(t, req, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	return rec
}

const streamFor = 200 * time.Millisecond

func checkAnswer(t *testing.T, req *http.Request, status int, ctype string, body []byte) {
	t.Helper()
	if status < 300 && strings.HasPrefix(ctype, "text/event-stream") {
		return
	}
	what := req.Method + " " + req.URL.RequestURI()
	if status >= 500 {
		t.Fatalf("%s: %d (never a 5xx for input): %.500s", what, status, body)
	}
	if status >= 400 {
		var e struct {
			Error struct {
				Code    string         `json:"code"`
				Message string         `json:"message"`
				Details map[string]any `json:"details"`
			} `json:"error"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || !snakeCode.MatchString(e.Error.Code) || e.Error.Message == "" {
			t.Fatalf("%s: %d without the API.md error body (%v): %.500s", what, status, err, body)
		}
		return
	}
	if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
		t.Fatalf("%s: %d with a body that is not JSON: %.500s", what, status, body)
	}
}

// validHeader is what net/http would let through to a handler.
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// request builds a request with a raw request URI, as the server would
// parse it off the wire; ok is false when the server would have refused it
// before any handler.
func request(method, rawURI string, body []byte) (*http.Request, bool) {
	u, err := url.ParseRequestURI(rawURI)
	if err != nil || !strings.HasPrefix(rawURI, "/") {
		return nil, false
	}
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.URL, req.RequestURI = u, rawURI
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	return req, true
}

// route is one operation a target exercises; path holds {vendor}, {unit},
// {booking}.
type route struct {
	op, method, path string
	auth             bool
}

// Body targets: every operation with a JSON body, by resource.
var (
	userBodyRoutes = []route{
		{"signUp", "POST", "/v1/users", false},
		{"createSession", "POST", "/v1/sessions", false},
		{"updateMe", "PATCH", "/v1/users/me", true},
	}
	vendorBodyRoutes = []route{
		{"createVendor", "POST", "/v1/vendors", true},
		{"updateVendor", "PATCH", "/v1/vendors/{vendor}", true},
		{"addUnits", "POST", "/v1/vendors/{vendor}/units", true},
		{"updateUnit", "PATCH", "/v1/vendors/{vendor}/units/{unit}", true},
		{"addManager", "POST", "/v1/vendors/{vendor}/managers", true},
		{"setVendorWebhook", "PUT", "/v1/vendors/{vendor}/webhook", true},
	}
	bookingBodyRoutes = []route{
		{"createBooking", "POST", "/v1/bookings", true},
		{"updateBooking", "PATCH", "/v1/bookings/{booking}", true},
	}
	listRoutes = []route{
		{"listUnits", "GET", "/v1/vendors/{vendor}/units", false},
		{"listMyBookings", "GET", "/v1/users/me/bookings", true},
		{"listVendorBookings", "GET", "/v1/vendors/{vendor}/bookings", true},
	}
)

// pathRoute is an operation with the path parameter a target replaces.
type pathRoute struct {
	route
	param string // the placeholder the fuzzed id replaces
}

// pathRoutes: every operation with an id in its path, once per id.
var pathRoutes = []pathRoute{
	{route{"getVendor", "GET", "/v1/vendors/{vendor}", false}, "{vendor}"},
	{route{"updateVendor", "PATCH", "/v1/vendors/{vendor}", true}, "{vendor}"},
	{route{"addUnits", "POST", "/v1/vendors/{vendor}/units", true}, "{vendor}"},
	{route{"listUnits", "GET", "/v1/vendors/{vendor}/units", false}, "{vendor}"},
	{route{"updateUnit", "PATCH", "/v1/vendors/{vendor}/units/{unit}", true}, "{vendor}"},
	{route{"updateUnit", "PATCH", "/v1/vendors/{vendor}/units/{unit}", true}, "{unit}"},
	{route{"addManager", "POST", "/v1/vendors/{vendor}/managers", true}, "{vendor}"},
	{route{"listManagers", "GET", "/v1/vendors/{vendor}/managers", true}, "{vendor}"},
	{route{"getAvailability", "GET", "/v1/vendors/{vendor}/availability?date=2030-01-01&party_size=2", false}, "{vendor}"},
	{route{"listVendorBookings", "GET", "/v1/vendors/{vendor}/bookings", true}, "{vendor}"},
	{route{"setVendorWebhook", "PUT", "/v1/vendors/{vendor}/webhook", true}, "{vendor}"},
	{route{"getVendorWebhook", "GET", "/v1/vendors/{vendor}/webhook", true}, "{vendor}"},
	{route{"streamVendorBookings", "GET", "/v1/vendors/{vendor}/bookings/stream", true}, "{vendor}"},
	{route{"deleteVendorWebhook", "DELETE", "/v1/vendors/{vendor}/webhook", true}, "{vendor}"},
	{route{"getBooking", "GET", "/v1/bookings/{booking}", true}, "{booking}"},
	{route{"updateBooking", "PATCH", "/v1/bookings/{booking}", true}, "{booking}"},
	{route{"cancelBooking", "POST", "/v1/bookings/{booking}/cancel", true}, "{booking}"},
	{route{"availBooking", "POST", "/v1/bookings/{booking}/avail", true}, "{booking}"},
	{route{"noShowBooking", "POST", "/v1/bookings/{booking}/no-show", true}, "{booking}"},
}

// fuzzBodies is the body of the three body targets: route picks the
// operation, body is sent as it is.
func fuzzBodies(f *testing.F, routes []route, seeds map[string][]string) {
	for i, r := range routes {
		for _, s := range append(seeds[r.op], trickyBodies...) {
			f.Add(uint8(i), []byte(s))
		}
	}
	e := newFuzzEnv(f, false)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r := routes[int(which)%len(routes)]
		if bytes.Contains(body, []byte("{vendor}")) {
			body = []byte(e.fill(string(body)))
		}
		req, _ := request(r.method, e.fill(r.path), body)
		if r.auth {
			req.Header.Set("Authorization", "Bearer "+e.token)
		}
		if r.op == "createBooking" { // the same body, the same key: a retry, not a new booking
			sum := sha256.Sum256(body)
			req.Header.Set("Idempotency-Key", "fuzz-"+hex.EncodeToString(sum[:12]))
		}
		e.serve(t, req)
	})
}

// trickyBodies go to every body route.
var trickyBodies = []string{
	``, ` `, `{}`, `null`, `[]`, `""`, `0`, `true`, `{`, `}`, `{}{}`, `{} x`, "\ufeff{}", `{"a":1}`,
	`{"name":null}`, `{"name":{}}`, `{"name":[]}`, `{"name":1e400}`, `{"name":"\u0000"}`, `{"name":"\ud800"}`,
	"{\"name\":\"\xff\xfe\"}", `{"name":"a","name":"b"}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`{"party_size":-1}`, `{"party_size":1e10}`, `{"party_size":9223372036854775808}`, `{"party_size":"2"}`, `{"party_size":2.5}`,
	`{"start":"2030-02-30T19:00:00Z"}`, `{"start":"0000-01-01T00:00:00Z"}`, `{"start":"9999-12-31T23:59:59+14:00"}`, `{"start":1}`,
	`{"location":{"lat":"NaN","lng":1}}`, `{"location":{"lat":1e309,"lng":-0}}`, `{"tags":[null]}`, `{"units":[{}]}`,
	`{"email":"` + strings.Repeat("a", 300) + `@example.com"}`, `{"url":"javascript:alert(1)"}`,
}

func FuzzUserBodies(f *testing.F) {
	fuzzBodies(f, userBodyRoutes, map[string][]string{
		"signUp": {`{"email":"fuzz@example.com","password":"correct horse","name":"Fuzz"}`,
			`{"email":"fuzz2@example.com","password":"correct horse","name":"Fuzz","phone":"+4930123456"}`,
			`{"email":"FUZZ@EXAMPLE.COM ","password":"        ","name":" "}`,
			`{"email":"a@b","password":"` + strings.Repeat("p", 128) + `","name":"` + strings.Repeat("n", 400) + `"}`},
		"createSession": {`{"email":"fuzz-owner@example.com","password":"correct horse"}`, `{"email":"fuzz-owner@example.com","password":""}`,
			`{"email":"","password":"x"}`, `{"email":"nobody@example.com","password":"` + strings.Repeat("x", 1024) + `"}`},
		"updateMe": {`{"name":"Renamed"}`, `{"phone":""}`, `{"phone":"+4930123456"}`, `{"phone":"12"}`, `{"name":""}`},
	})
}

func FuzzVendorBodies(f *testing.F) {
	valid, _ := json.Marshal(allWeek(500))
	hotelBody, _ := json.Marshal(hotel())
	fuzzBodies(f, vendorBodyRoutes, map[string][]string{
		"createVendor": {string(valid), string(hotelBody),
			`{"kind":"restaurant","name":"X","timezone":"Mars/Olympus","address":"a","location":{"lat":91,"lng":181},"tags":[],"opening_hours":[{"weekday":"funday","open":"25:00","close":"24:01"}],"deposit":{"amount":-1,"currency":"eur","per":"nobody"},"cancellation":{"free_until_hours_before":-5}}`},
		"updateVendor": {`{"name":"Renamed"}`, `{"timezone":"Asia/Kathmandu"}`, `{"opening_hours":[]}`, `{"tags":[]}`,
			`{"status":"suspended"}`, `{"status":"active"}`, `{"slot_minutes":7}`, `{"check_in":"25:61"}`, `{"deposit":{"amount":1,"currency":"XXX","per":"guest"}}`},
		"addUnits": {`{"units":[{"name":"Z1","capacity":2}]}`, `{"units":[]}`, `{"units":[{"name":"","capacity":0}]}`,
			`{"units":[{"name":"Z2","capacity":2},{"name":"Z2","capacity":2}]}`, `{"units":[{"name":"Z3","capacity":101}]}`},
		"updateUnit":       {`{"name":"T-renamed"}`, `{"capacity":6}`, `{"active":false}`, `{"active":true}`, `{"capacity":0}`},
		"addManager":       {`{"email":"fuzz-owner@example.com"}`, `{"email":"nobody@example.com"}`, `{"email":"not an email"}`},
		"setVendorWebhook": {`{"url":"https://vendor.example/hook"}`, `{"url":"http://user:pw@vendor.example/"}`, `{"url":"ftp://x"}`, `{"url":"https://127.0.0.1:1/x"}`},
	})
}

func FuzzBookingBodies(f *testing.F) {
	start := slotAt(3, 19, 0).Format(time.RFC3339)
	fuzzBodies(f, bookingBodyRoutes, map[string][]string{
		"createBooking": {
			`{"vendor_id":"{vendor}","start":"` + start + `","party_size":2,"payment_method":"pm_card_visa"}`,
			`{"vendor_id":"{vendor}","start":"` + start + `","party_size":2,"quantity":3,"payment_method":"pm_card_chargeDeclined"}`,
			`{"vendor_id":"{vendor}","start":"` + start + `","end":"2000-01-01T00:00:00Z","party_size":2,"payment_method":"pm_card_visa"}`,
			`{"vendor_id":"00000000-0000-0000-0000-000000000000","start":"` + start + `","party_size":2,"payment_method":"pm_card_visa"}`,
			`{"vendor_id":"not-a-uuid","start":"2030-01-01T19:00:00Z","party_size":0,"quantity":-1,"payment_method":""}`,
		},
		"updateBooking": {`{"party_size":3}`, `{"start":"` + start + `"}`, `{"start":"2000-01-01T00:00:00Z"}`, `{"party_size":1000}`, `{"end":"` + start + `"}`},
	})
}

// FuzzSearchQuery: GET /v1/search with any query string (kind, tags, lat,
// lng, radius_km, start, party_size, limit, cursor, q). The search service
// parses the cursor: the real mesh even when fuzzing.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{
		"lat=52.52&lng=13.405", "lat=52.52&lng=13.405&radius_km=2.5&kind=restaurant&tags=italian,vegan&q=trat&limit=5",
		"lat=52.52&lng=13.405&start=2030-01-01T19:00:00%2B01:00&party_size=4", "lat=52.52&lng=13.405&cursor=abc",
		"lat=52.52&lng=13.405&cursor=eyJ4IjoxfQ", "lat=52.52&lng=13.405&cursor=%00%ff", "lat=NaN&lng=Inf", "lat=1e400&lng=-1e400",
		"lat=90&lng=180&radius_km=100&limit=100", "lat=-90.0000001&lng=0", "lat=0&lng=0&radius_km=0", "lat=0&lng=0&limit=-1",
		"lat=0&lng=0&party_size=99999999999999999999", "lat=0&lng=0&start=2030-13-45T25:61:00Z", "lat=0&lng=0&start=",
		"lat=0&lng=0&tags=" + strings.Repeat("t,", 400), "lat=0&lng=0&kind=spaceship", "lat=1&lat=2&lng=3", "lng=1", "",
		"lat=%zz&lng=1", "lat=0x1p-2&lng=1_0", "lat=0&lng=0&q=%E2%80%AE", "lat=0&lng=0&q=" + strings.Repeat("%C3%A9", 300),
	} {
		f.Add(s)
	}
	e := newFuzzEnv(f, true)
	f.Fuzz(func(t *testing.T, query string) {
		if req, ok := request("GET", "/v1/search?"+query, nil); ok {
			e.serve(t, req)
		}
	})
}

// FuzzAvailabilityQuery: GET /v1/vendors/{id}/availability?date=&party_size=
// with any vendor id and query; the booking service parses both.
func FuzzAvailabilityQuery(f *testing.F) {
	for _, s := range []struct{ id, q string }{
		{"{vendor}", "date=2030-01-01&party_size=2"}, {"{vendor}", "date=" + slotAt(2, 0, 0).Format("2006-01-02") + "&party_size=4"},
		{"{vendor}", "date=2030-02-30&party_size=2"}, {"{vendor}", "date=1999-01-01&party_size=2"}, {"{vendor}", "date=9999-12-31&party_size=100"},
		{"{vendor}", "date=2030-1-1&party_size=2"}, {"{vendor}", "date=&party_size="}, {"{vendor}", "party_size=-1"},
		{"{vendor}", "date=2030-01-01&party_size=1e3"}, {"{vendor}", "date=2030-01-01T00:00:00Z"}, {"{vendor}", ""},
		{"not-a-uuid", "date=2030-01-01&party_size=2"}, {"00000000-0000-0000-0000-000000000000", "date=2030-01-01&party_size=2"},
		{"%2e%2e", "date=2030-01-01&party_size=2"}, {strings.Repeat("a", 65), ""},
	} {
		f.Add(s.id, s.q)
	}
	e := newFuzzEnv(f, true)
	f.Fuzz(func(t *testing.T, id, query string) {
		if req, ok := request("GET", "/v1/vendors/"+e.fill(id)+"/availability?"+query, nil); ok {
			e.serve(t, req)
		}
	})
}

// FuzzListQueries: the paged lists (units, my bookings, a vendor's
// bookings) with any query: cursor, limit, scope, status, from, to,
// include_inactive. The services decode the cursors: the real mesh.
func FuzzListQueries(f *testing.F) {
	for i := range listRoutes {
		for _, q := range []string{
			"", "limit=1", "limit=0", "limit=1001", "limit=-5", "limit=abc", "cursor=abc", "cursor=", "cursor=%00",
			"cursor=eyJpZCI6IjEifQ", "cursor=" + strings.Repeat("A", 512), "scope=past", "scope=current&status=CONFIRMED",
			"scope=future", "status=CANCELLED", "status=nonsense", "from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z",
			"from=yesterday", "include_inactive=true", "include_inactive=maybe", "limit=1&limit=2",
		} {
			f.Add(uint8(i), q)
		}
	}
	e := newFuzzEnv(f, true)
	// A real next_cursor of each list, to mutate.
	for i, r := range listRoutes {
		req, _ := request("GET", e.fill(r.path)+"?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &page) == nil && page.NextCursor != "" {
			f.Add(uint8(i), "limit=1&cursor="+url.QueryEscape(page.NextCursor))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		r := listRoutes[int(which)%len(listRoutes)]
		req, ok := request(r.method, e.fill(r.path)+"?"+query, nil)
		if !ok {
			return
		}
		if r.auth {
			req.Header.Set("Authorization", "Bearer "+e.token)
		}
		e.serve(t, req)
	})
}

// FuzzPathIDs puts any string where a route takes an id.
func FuzzPathIDs(f *testing.F) {
	for i := range pathRoutes {
		for _, id := range []string{"{vendor}", "{unit}", "{booking}", "00000000-0000-0000-0000-000000000000", "not-a-uuid", "",
			"%2F", "..", "%2e%2e%2f", "a%00b", "%ff%fe", strings.Repeat("1", 64), strings.Repeat("1", 65), "' OR 1=1 --",
			"0189ab3c-7d2e-7000-8000-00000000000g", "{id}", "%7Bid%7D", "me"} {
			f.Add(uint8(i), id)
		}
	}
	e := newFuzzEnv(f, false)
	f.Fuzz(func(t *testing.T, which uint8, id string) {
		r := pathRoutes[int(which)%len(pathRoutes)]
		path := e.fill(strings.Replace(r.path, r.param, e.fill(id), 1))
		body := []byte(`{}`)
		if r.method == "GET" || r.method == "DELETE" {
			body = nil
		}
		req, ok := request(r.method, path, body)
		if !ok {
			return
		}
		if r.auth {
			req.Header.Set("Authorization", "Bearer "+e.token)
		}
		e.serve(t, req)
	})
}

// FuzzHeaders: Authorization on an authenticated read, and Idempotency-Key,
// X-Request-Id and Content-Type on a booking, a cancellation and a change.
func FuzzHeaders(f *testing.F) {
	for _, s := range [][4]string{
		{"Bearer {token}", "key-1", "req-1", "application/json"},
		{"bearer {token}", "", "", ""}, {"Bearer  {token} ", " ", "x", "application/json; charset=utf-8"},
		{"Bearer", "k", strings.Repeat("r", 65), "text/plain"}, {"Basic dXNlcjpwYXNz", strings.Repeat("k", 201), "", "application/x-www-form-urlencoded"},
		{"Bearer a.b.c", strings.Repeat("k", 1025), "../../etc", "application/cbor"}, {"Bearer eyJhbGciOiJub25lIn0.e30.", "ключ", "", "application/*"},
		{"Bearer " + strings.Repeat("A", 8000), "\t", "", "multipart/form-data; boundary=x"}, {"", "", "", "application/json;;;"},
		{"Bearer {token}x", "k\u00e9", "id with spaces", "APPLICATION/JSON"}, {"Token {token}", "k", "", "application/merge-patch+json"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	e := newFuzzEnv(f, false)
	body, _ := json.Marshal(bookingBody(e.vendor, slotAt(5, 20, 0), 2))
	f.Fuzz(func(t *testing.T, auth, idem, reqID, ctype string) {
		auth = strings.ReplaceAll(auth, "{token}", e.token)
		if !validHeader(auth) || !validHeader(idem) || !validHeader(reqID) || !validHeader(ctype) {
			return
		}
		set := func(req *http.Request) {
			for k, v := range map[string]string{"Authorization": auth, "Idempotency-Key": idem, "X-Request-Id": reqID, "Content-Type": ctype} {
				if v != "" {
					req.Header.Set(k, v)
				}
			}
		}
		me, _ := request("GET", "/v1/users/me", nil)
		set(me)
		e.serve(t, me)
		book, _ := request("POST", "/v1/bookings", body)
		set(book)
		e.serve(t, book)
		cancel, _ := request("POST", e.fill("/v1/bookings/{booking}/cancel"), nil)
		set(cancel)
		e.serve(t, cancel)
		patch, _ := request("PATCH", e.fill("/v1/bookings/{booking}"), []byte(`{"party_size":3}`))
		set(patch)
		e.serve(t, patch)
	})
}

// TestFuzzTargetsCoverEveryInput reads the gateway's OpenAPI document and
// fails for an operation with a body, query, path or header parameter that
// no fuzz target sends: a new route cannot be left out.
func TestFuzzTargetsCoverEveryInput(t *testing.T) {
	t.Parallel()
	doc := openAPI(t, gateway.NewServer(gateway.DefaultConfig(), nil, slog.New(slog.DiscardHandler)))
	has := func(rs []route, op string) bool {
		return slices.ContainsFunc(rs, func(r route) bool { return r.op == op })
	}
	bodies := slices.Concat(userBodyRoutes, vendorBodyRoutes, bookingBodyRoutes)
	var missing []string
	for _, o := range doc.operations() {
		if o.Body && !has(bodies, o.ID) {
			missing = append(missing, o.ID+": body (add it to a Fuzz*Bodies route list)")
		}
		for _, p := range o.Params {
			switch p.In {
			case "path":
				n := 0
				for _, r := range pathRoutes {
					if r.op == o.ID {
						n++
					}
				}
				if n < strings.Count(o.Path, "{") {
					missing = append(missing, fmt.Sprintf("%s: path %s (add it to pathRoutes)", o.ID, p.Name))
				}
			case "query":
				if !has(listRoutes, o.ID) && o.ID != "search" && o.ID != "getAvailability" {
					missing = append(missing, fmt.Sprintf("%s: query %s (add it to listRoutes or a target of its own)", o.ID, p.Name))
				}
			case "header":
				if !slices.Contains([]string{"createBooking", "updateBooking", "cancelBooking", "availBooking", "noShowBooking"}, o.ID) || p.Name != "Idempotency-Key" {
					missing = append(missing, fmt.Sprintf("%s: header %s (add it to FuzzHeaders)", o.ID, p.Name))
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("inputs no fuzz target sends:\n%s", strings.Join(missing, "\n"))
	}
}

// apiDoc is the part of the OpenAPI document the tests read.
type apiDoc struct {
	Paths map[string]map[string]struct {
		OperationID string                `json:"operationId"`
		Security    []map[string][]string `json:"security"`
		Parameters  []struct {
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		RequestBody *struct{} `json:"requestBody"`
	} `json:"paths"`
}

type apiOp struct {
	ID, Method, Path string
	Auth, Body       bool
	Params           []struct{ Name, In string }
}

func (d apiDoc) operations() []apiOp {
	var out []apiOp
	for path, item := range d.Paths {
		for method, op := range item {
			o := apiOp{ID: op.OperationID, Method: strings.ToUpper(method), Path: path, Auth: len(op.Security) > 0, Body: op.RequestBody != nil}
			for _, p := range op.Parameters {
				o.Params = append(o.Params, struct{ Name, In string }{p.Name, p.In})
			}
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b apiOp) int { return strings.Compare(a.Method+" "+a.Path, b.Method+" "+b.Path) })
	return out
}

// openAPI is GET /openapi.json of h.
func openAPI(t testing.TB, h http.Handler) apiDoc {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	body, _ := io.ReadAll(rec.Body)
	var d apiDoc
	if rec.Code != http.StatusOK || json.Unmarshal(body, &d) != nil || len(d.Paths) == 0 {
		t.Fatalf("GET /openapi.json: %d %.300s", rec.Code, body)
	}
	return d
}
