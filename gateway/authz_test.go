package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/testenv"
)

// The authorisation matrix: every operation of the gateway's own OpenAPI
// document (GET /openapi.json) × every kind of caller, with the status
// API.md specifies. An operation without a row fails the test, so a new
// route cannot be forgotten.

// The callers. For a vendor route the object is vendor V (owner, manager);
// for a booking route it is a booking of booker's at V.
const (
	anon     = "no token"
	booker   = "booking's user"
	owner    = "V's owner"
	manager  = "V's manager"
	stranger = "other user"
	otherMgr = "other vendor's manager"
)

var actors = []string{anon, booker, owner, manager, stranger, otherMgr}

// authzRow is what one operation answers to each caller, and to its first
// allowed caller for an object that does not exist (missing, 0: no object).
type authzRow struct {
	want    map[string]int
	missing int
	body    func(fx *authzFixture, actor string) any // nil: no body
	fresh   bool                                     // a new booking for every call (the call changes it)
	setup   func(fx *authzFixture)                   // before every call
	query   string
}

// public: everyone, with or without a token.
func public(st int) map[string]int {
	return map[string]int{anon: st, booker: st, owner: st, manager: st, stranger: st, otherMgr: st}
}

// signedIn: any token; no token is 401.
func signedIn(st int) map[string]int {
	m := public(st)
	m[anon] = http.StatusUnauthorized
	return m
}

// only: the callers named get st, every other token 403, no token 401.
func only(st int, who ...string) map[string]int {
	m := signedIn(http.StatusForbidden)
	for _, a := range who {
		m[a] = st
	}
	return m
}

type authzFixture struct {
	t       *testing.T
	c       client
	tokens  map[string]string
	emails  map[string]string
	vendor  string
	unit    string
	slot    int
	n       int
	booking string
}

func (fx *authzFixture) newBooking() string {
	fx.t.Helper()
	fx.slot++
	start := slotAt(2+fx.slot/40, 1+(fx.slot%40)/2, 30*(fx.slot%2))
	st, raw := fx.c.book(fx.tokens[booker], fmt.Sprint("authz-", fx.slot), bookingBody(fx.vendor, start, 2))
	return wantBooking(fx.t, http.StatusCreated, st, raw).ID
}

func (fx *authzFixture) unique(prefix string) string {
	fx.n++
	return fmt.Sprintf("%s%d", prefix, fx.n)
}

func (fx *authzFixture) setWebhook() {
	fx.t.Helper()
	st, raw := fx.c.send("PUT", "/v1/vendors/"+fx.vendor+"/webhook", fx.tokens[owner], nil, map[string]any{"url": "https://vendor.example/hook"})
	if st != http.StatusOK {
		fx.t.Fatalf("set webhook: %d %s", st, raw)
	}
}

func authzRows() map[string]authzRow {
	name := func(fx *authzFixture, _ string) any { return map[string]any{"name": fx.unique("Renamed ")} }
	return map[string]authzRow{
		"GET /healthz": {want: public(200)},
		"GET /readyz":  {want: public(200)},
		"POST /v1/users": {want: public(201), body: func(fx *authzFixture, _ string) any {
			return map[string]any{"email": fx.unique("new") + "@example.com", "password": "correct horse", "name": "N"}
		}},
		"POST /v1/sessions": {want: public(200), body: func(fx *authzFixture, _ string) any {
			return map[string]any{"email": fx.emails[booker], "password": "correct horse"}
		}},
		"GET /v1/users/me":          {want: signedIn(200)},
		"PATCH /v1/users/me":        {want: signedIn(200), body: name},
		"GET /v1/users/me/bookings": {want: signedIn(200)},
		"GET /v1/search":            {want: public(200), query: "lat=52.52&lng=13.4"},
		"POST /v1/vendors":          {want: signedIn(201), body: func(*authzFixture, string) any { return allWeek(0) }},
		"GET /v1/vendors/{id}":      {want: public(200), missing: 404},
		"PATCH /v1/vendors/{id}":    {want: only(200, owner, manager), missing: 404, body: name},
		"POST /v1/vendors/{id}/units": {want: only(201, owner, manager), missing: 404, body: func(fx *authzFixture, _ string) any {
			return map[string]any{"units": []map[string]any{{"name": fx.unique("U"), "capacity": 2}}}
		}},
		"GET /v1/vendors/{id}/units":             {want: public(200), missing: 404},
		"PATCH /v1/vendors/{id}/units/{unit_id}": {want: only(200, owner, manager), missing: 404, body: func(*authzFixture, string) any { return map[string]any{"capacity": 4} }},
		"POST /v1/vendors/{id}/managers": {want: only(201, owner), missing: 404, body: func(fx *authzFixture, _ string) any {
			email := fx.unique("mgr") + "@example.com"
			signUp(fx.t, fx.c, email)
			return map[string]any{"email": email}
		}},
		"GET /v1/vendors/{id}/managers":        {want: only(200, owner, manager), missing: 404},
		"GET /v1/vendors/{id}/availability":    {want: public(200), missing: 404, query: "date=" + slotAt(3, 0, 0).Format("2006-01-02") + "&party_size=2"},
		"GET /v1/vendors/{id}/bookings":        {want: only(200, owner, manager), missing: 404},
		"GET /v1/vendors/{id}/bookings/stream": {want: only(200, owner, manager), missing: 404},
		"PUT /v1/vendors/{id}/webhook":         {want: only(200, owner, manager), missing: 404, body: func(*authzFixture, string) any { return map[string]any{"url": "https://vendor.example/hook"} }},
		"GET /v1/vendors/{id}/webhook":         {want: only(200, owner, manager), missing: 404, setup: (*authzFixture).setWebhook},
		"DELETE /v1/vendors/{id}/webhook":      {want: only(204, owner, manager), missing: 404, setup: (*authzFixture).setWebhook},
		"POST /v1/bookings": {want: signedIn(201), body: func(fx *authzFixture, _ string) any {
			fx.slot++
			return bookingBody(fx.vendor, slotAt(2+fx.slot/40, 1+(fx.slot%40)/2, 30*(fx.slot%2)), 2)
		}},
		"GET /v1/bookings/{id}":         {want: only(200, booker, owner, manager), missing: 404},
		"PATCH /v1/bookings/{id}":       {want: only(200, booker), missing: 404, fresh: true, body: func(*authzFixture, string) any { return map[string]any{"party_size": 3} }},
		"POST /v1/bookings/{id}/cancel": {want: only(200, booker, owner, manager), missing: 404, fresh: true},
		"POST /v1/bookings/{id}/avail":  {want: only(200, owner, manager), missing: 404, fresh: true},
		// Managers may, but not before the start: 409 invalid_state shows they got past the check.
		"POST /v1/bookings/{id}/no-show": {want: only(409, owner, manager), missing: 404, fresh: true},
	}
}

func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	fx := &authzFixture{t: t, c: c, tokens: map[string]string{}, emails: map[string]string{}}
	for _, a := range actors[1:] {
		fx.emails[a] = strings.ReplaceAll(strings.ReplaceAll(a, " ", "-"), "'", "") + "@example.com"
		_, fx.tokens[a] = signUp(t, c, fx.emails[a])
	}
	v := onboard(t, c, fx.tokens[owner], allWeek(0))
	fx.vendor = v.ID
	fx.unit = addUnits(t, c, fx.tokens[owner], v.ID, newUnits("A", 8))[0].ID
	if st, raw := c.do("POST", "/v1/vendors/"+v.ID+"/managers", fx.tokens[owner], map[string]any{"email": fx.emails[manager]}); st != http.StatusCreated {
		t.Fatalf("add manager: %d %s", st, raw)
	}
	onboard(t, c, fx.tokens[otherMgr], allWeek(0))
	fx.booking = fx.newBooking()

	rows := authzRows()
	doc := openAPI(t, sys.Mesh.Gateway)
	seen := map[string]bool{}
	for _, op := range doc.operations() {
		key := op.Method + " " + op.Path
		seen[key] = true
		row, ok := rows[key]
		if !ok {
			t.Errorf("%s (%s) has no row in the authorisation matrix: add what each caller must get", key, op.ID)
			continue
		}
		if op.Auth != (row.want[anon] == http.StatusUnauthorized) {
			t.Errorf("%s: OpenAPI says bearer=%v, the matrix expects %d without a token", key, op.Auth, row.want[anon])
		}
		for _, a := range actors {
			if row.setup != nil {
				row.setup(fx)
			}
			bookingID := fx.booking
			if row.fresh {
				bookingID = fx.newBooking()
			}
			st, raw := fx.call(op, row, a, fx.vendor, fx.unit, bookingID)
			if st != row.want[a] {
				t.Errorf("%s as %s: %d, want %d: %.300s", key, a, st, row.want[a], raw)
			} else if st >= 400 {
				code := map[int]string{401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "invalid_state"}[st]
				client{t: t}.wantError(st, raw, st, code, "")
			}
		}
		if row.missing != 0 && strings.Contains(op.Path, "{") {
			who := firstAllowed(row.want)
			if row.setup != nil {
				row.setup(fx)
			}
			vendor, unit, booking := fx.vendor, fx.unit, fx.booking
			switch {
			case strings.Contains(op.Path, "{unit_id}"):
				unit = uuid.NewString()
			case strings.HasPrefix(op.Path, "/v1/bookings/"):
				booking = uuid.NewString()
			default:
				vendor = uuid.NewString()
			}
			if st, raw := fx.call(op, row, who, vendor, unit, booking); st != row.missing {
				t.Errorf("%s as %s for an object that does not exist: %d, want %d: %.300s", key, who, st, row.missing, raw)
			}
		}
	}
	t.Logf("%d operations × %d callers checked", len(seen), len(actors))
	for key := range rows {
		if !seen[key] {
			t.Logf("matrix row %s has no operation in the OpenAPI document (stale?)", key)
		}
	}
}

// firstAllowed is the caller a missing-object check uses: one that would
// get a 2xx (or the 409 of no-show) for an object that exists.
func firstAllowed(want map[string]int) string {
	for _, a := range []string{booker, owner, manager, stranger, otherMgr} {
		if want[a] != http.StatusForbidden && want[a] != http.StatusUnauthorized {
			return a
		}
	}
	return owner
}

// call sends op as actor; a stream is cut once its status is known.
func (fx *authzFixture) call(op apiOp, row authzRow, actor, vendor, unit, booking string) (int, []byte) {
	fx.t.Helper()
	path := strings.ReplaceAll(op.Path, "{unit_id}", unit)
	if strings.HasPrefix(op.Path, "/v1/bookings/") {
		path = strings.ReplaceAll(path, "{id}", booking)
	}
	path = strings.ReplaceAll(path, "{id}", vendor)
	if row.query != "" {
		path += "?" + row.query
	}
	var body any
	if row.body != nil {
		body = row.body(fx, actor)
	}
	h := map[string]string{}
	if op.Method == "POST" && op.Path == "/v1/bookings" {
		h["Idempotency-Key"] = uuid.NewString()
	}
	token := fx.tokens[actor]
	if strings.HasSuffix(op.Path, "/stream") {
		return fx.stream(path, token)
	}
	return fx.c.send(op.Method, path, token, h, body)
}

func (fx *authzFixture) stream(path, token string) (int, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fx.c.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, nil
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}
