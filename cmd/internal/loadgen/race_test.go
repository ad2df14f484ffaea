package loadgen

import (
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// script is an intn that answers the given values in turn (and fails the
// test when one is out of range or the script runs out).
func script(t *testing.T, vals ...int) func(int) int {
	t.Helper()
	return func(n int) int {
		t.Helper()
		if len(vals) == 0 {
			t.Fatalf("script ran out (intn(%d))", n)
		}
		v := vals[0]
		vals = vals[1:]
		if v < 0 || v >= n {
			t.Fatalf("script value %d out of intn(%d)", v, n)
		}
		return v
	}
}

func TestPlanRace(t *testing.T) {
	t.Parallel()
	u := func(key, body int) raceStep { return raceStep{Op: OpUpdate, Key: key, Body: body} }
	c := func(key int) raceStep { return raceStep{Op: OpCancel, Key: key} }
	for _, tc := range []struct {
		name   string
		script []int // kind, 2+n, what the kind asks, then the shuffle (intn(i+1), i = len-1 .. 1)
		kind   string
		steps  []raceStep
	}{
		{"double click, twice", []int{0, 0, 0}, RaceDoubleClick, []raceStep{u(0, 0), u(0, 0)}},
		{"double click, three times", []int{0, 1, 0, 0}, RaceDoubleClick, []raceStep{u(0, 0), u(0, 0), u(0, 0)}},
		{"one PATCH under three keys", []int{1, 1, 2, 1}, RaceSamePatch, []raceStep{u(0, 0), u(1, 0), u(2, 0)}},
		{"three PATCHes, shuffled", []int{2, 1, 0, 0}, RaceOtherPatch, []raceStep{u(1, 1), u(2, 2), u(0, 0)}},
		{"PATCH against cancel", []int{3, 0, 0}, RacePatchCancel, []raceStep{c(1), u(0, 0)}},
		{"PATCH double-clicked against cancel", []int{3, 1, 0, 2, 1}, RacePatchCancel, []raceStep{u(0, 0), c(1), u(0, 0)}},
		{"cancel double-clicked against PATCH", []int{3, 1, 1, 0, 0}, RacePatchCancel, []raceStep{c(1), c(1), u(0, 0)}},
		{"two cancels", []int{4, 0, 1}, RaceTwoCancels, []raceStep{c(0), c(1)}},
		{"three cancels, three keys", []int{4, 1, 2, 2, 1}, RaceTwoCancels, []raceStep{c(0), c(1), c(2)}},
		{"two cancels, one double-clicked", []int{4, 1, 0, 2, 1}, RaceTwoCancels, []raceStep{c(0), c(1), c(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kind, steps := planRace(script(t, tc.script...))
			if kind != tc.kind {
				t.Errorf("kind %s, want %s", kind, tc.kind)
			}
			if !slices.Equal(steps, tc.steps) {
				t.Errorf("steps %+v, want %+v", steps, tc.steps)
			}
		})
	}
}

// TestPlanRaceShapes: whatever the draw, each interleaving has the shape
// its name says, 2 or 3 requests, and every interleaving comes up.
func TestPlanRaceShapes(t *testing.T) {
	t.Parallel()
	rnd := mrand.New(mrand.NewPCG(1, 13))
	seen := map[string]int{}
	for range 2000 {
		kind, steps := planRace(rnd.IntN)
		seen[kind]++
		if len(steps) < 2 || len(steps) > 3 {
			t.Fatalf("%s: %d steps", kind, len(steps))
		}
		var updates, cancels []raceStep
		keys, bodies := map[int]bool{}, map[int]bool{}
		for _, s := range steps {
			keys[s.Key] = true
			switch s.Op {
			case OpUpdate:
				updates = append(updates, s)
				bodies[s.Body] = true
			case OpCancel:
				cancels = append(cancels, s)
			default:
				t.Fatalf("%s: op %q", kind, s.Op)
			}
		}
		ok := true
		switch kind {
		case RaceDoubleClick:
			ok = len(cancels) == 0 && len(keys) == 1 && len(bodies) == 1
		case RaceSamePatch:
			ok = len(cancels) == 0 && len(keys) == len(steps) && len(bodies) == 1
		case RaceOtherPatch:
			ok = len(cancels) == 0 && len(keys) == len(steps) && len(bodies) == len(steps)
		case RacePatchCancel:
			ok = len(updates) > 0 && len(cancels) > 0 && len(keys) == 2 && len(bodies) == 1
			for _, c := range cancels {
				ok = ok && !slices.ContainsFunc(updates, func(u raceStep) bool { return u.Key == c.Key })
			}
		case RaceTwoCancels:
			ok = len(updates) == 0 && len(keys) >= 2
		}
		if !ok {
			t.Fatalf("%s: %+v", kind, steps)
		}
	}
	if len(seen) != len(RaceKinds) {
		t.Fatalf("kinds seen: %v", seen)
	}
}

func TestRaceSizes(t *testing.T) {
	t.Parallel()
	rnd := mrand.New(mrand.NewPCG(2, 3))
	for party := 1; party <= 6; party++ {
		for n := 1; n <= 3; n++ {
			for range 20 {
				sizes := raceSizes(party, n, rnd.IntN)
				if len(sizes) != n {
					t.Fatalf("raceSizes(%d, %d) = %v", party, n, sizes)
				}
				for i, s := range sizes {
					if s < 1 || s == party || slices.Contains(sizes[:i], s) {
						t.Fatalf("raceSizes(%d, %d) = %v: each must be another size, >= 1, once", party, n, sizes)
					}
				}
			}
		}
	}
	// A party of 2: one larger (a top-up) or one smaller (a refund), in any order.
	if got := raceSizes(2, 3, script(t, 0, 0)); !slices.Equal(got, []int{4, 1, 3}) {
		t.Fatalf("raceSizes(2, 3) = %v", got)
	}
}

func TestClassifyRace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		code   string
		want   string
	}{
		{200, "", RaceApplied},
		{201, "", RaceApplied},
		{409, "conflict", RaceRefused},
		{409, "invalid_state", RaceRefused},
		{409, "slot_unavailable", RaceRefused},
		{402, "payment_declined", RaceRefused},
		{0, "timeout", RaceFailed},
		{0, "connection_closed", RaceFailed},
		{500, "internal", RaceFailed},
		{503, "unavailable", RaceFailed},
		{504, "timeout", RaceFailed},
		{422, "idempotency_mismatch", RaceUnexpected}, // a double-click's same key and body
		{422, "rule_violation", RaceUnexpected},
		{409, "no_error_body", RaceUnexpected},
		{404, "not_found", RaceUnexpected},
		{403, "forbidden", RaceUnexpected},
		{400, "invalid_input", RaceUnexpected},
		{202, "", RaceUnexpected},
		{200, "bad_json", RaceUnexpected},
	} {
		if got := classifyRace(tc.status, tc.code); got != tc.want {
			t.Errorf("classifyRace(%d, %q) = %s, want %s", tc.status, tc.code, got, tc.want)
		}
	}
}

func TestJudgeRace(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 5, 1, 19, 0, 0, 0, time.UTC)
	u := func(key int) raceStep { return raceStep{Op: OpUpdate, Key: key} }
	c := func(key int) raceStep { return raceStep{Op: OpCancel, Key: key} }
	ok := func(version int64, status string, party int) raceAnswer {
		return raceAnswer{Status: 200, Booking: raceBooking{Status: status, Start: t0, End: t0.Add(2 * time.Hour), PartySize: party, Version: version}}
	}
	no := func(status int, code string) raceAnswer { return raceAnswer{Status: status, Code: code} }
	for _, tc := range []struct {
		name    string
		steps   []raceStep
		answers []raceAnswer
		want    []string
	}{
		{"double click: one applied, one in flight", []raceStep{u(0), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), no(409, "conflict")}, nil},
		{"double click: one applied, one replayed", []raceStep{u(0), u(0), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(3, "CONFIRMED", 6), no(409, "conflict")}, nil},
		{"double click: the replay restated later (same booking)", []raceStep{u(0), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(4, "CONFIRMED", 6)}, nil},
		{"double click: the key answered two bookings", []raceStep{u(0), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(2, "CONFIRMED", 2)}, []string{ImpossibleKeyTwoStates}},
		{"double click: changed twice", []raceStep{u(0), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(3, "CONFIRMED", 2)}, []string{ImpossibleVersionTwice, ImpossibleKeyTwoStates}},
		{"a failed double-click judges nothing", []raceStep{u(0), u(0)},
			[]raceAnswer{no(503, "unavailable"), no(0, "timeout")}, nil},
		{"PATCH then cancel", []raceStep{u(0), c(1)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(4, "CANCELLED", 6)}, nil},
		{"cancel first, the PATCH refused", []raceStep{u(0), c(1)},
			[]raceAnswer{no(409, "invalid_state"), ok(3, "CANCELLED", 2)}, nil},
		{"a PATCH of a cancelled booking", []raceStep{u(0), c(1)},
			[]raceAnswer{ok(4, "CANCELLED", 6), ok(3, "CANCELLED", 2)}, []string{ImpossibleWrongState}},
		{"the PATCH's replay shows the cancel after it", []raceStep{u(0), c(1), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(4, "CANCELLED", 6), ok(4, "CANCELLED", 6)}, nil},
		{"the PATCH's replay after a cancel whose answer was lost", []raceStep{u(0), c(1), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), no(504, "timeout"), ok(4, "CANCELLED", 6)}, nil},
		{"two cancels: one applied", []raceStep{c(0), c(1)},
			[]raceAnswer{ok(3, "CANCELLED", 2), no(409, "invalid_state")}, nil},
		{"two cancels: both applied", []raceStep{c(0), c(1)},
			[]raceAnswer{ok(3, "CANCELLED", 2), ok(4, "CANCELLED", 2)}, []string{ImpossibleTwoCancels}},
		{"a cancel replayed", []raceStep{c(0), c(1), c(0)},
			[]raceAnswer{ok(3, "CANCELLED", 2), no(409, "invalid_state"), ok(3, "CANCELLED", 2)}, nil},
		{"a cancel answered as a booking still confirmed", []raceStep{c(0), c(1)},
			[]raceAnswer{ok(2, "CONFIRMED", 2), no(409, "conflict")}, []string{ImpossibleWrongState}},
		{"two PATCHes one after the other", []raceStep{u(0), u(1)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(4, "CONFIRMED", 4)}, nil},
		{"two PATCHes making one version", []raceStep{u(0), u(1)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), ok(3, "CONFIRMED", 4)}, []string{ImpossibleVersionTwice}},
		{"refusals only", []raceStep{u(0), u(1), c(2)},
			[]raceAnswer{no(409, "slot_unavailable"), no(402, "payment_declined"), no(409, "conflict")}, nil},
		{"an unexpected answer is counted, not judged here", []raceStep{u(0), u(0)},
			[]raceAnswer{ok(3, "CONFIRMED", 6), no(422, "idempotency_mismatch")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := judgeRace(tc.steps, tc.answers); !slices.Equal(got, tc.want) {
				t.Errorf("judgeRace = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAfterRace(t *testing.T) {
	t.Parallel()
	b := booking{ID: "b", party: 2, confirmed: true}
	u := raceStep{Op: OpUpdate}
	c := raceStep{Op: OpCancel, Key: 1}
	ok := func(version int64, status string, party int) raceAnswer {
		return raceAnswer{Status: 200, Booking: raceBooking{Status: status, PartySize: party, Version: version}}
	}
	no := func(status int, code string) raceAnswer { return raceAnswer{Status: status, Code: code} }
	for _, tc := range []struct {
		name    string
		steps   []raceStep
		answers []raceAnswer
		kept    bool
		party   int
	}{
		{"PATCHes: the latest applied party", []raceStep{u, u, u}, []raceAnswer{ok(4, "CONFIRMED", 5), ok(3, "CONFIRMED", 3), no(409, "conflict")}, true, 5},
		{"PATCH unanswered: party as it was", []raceStep{u, u}, []raceAnswer{no(0, "timeout"), no(409, "conflict")}, true, 2},
		{"the cancel refused while the PATCH ran", []raceStep{u, c}, []raceAnswer{ok(3, "CONFIRMED", 3), no(409, "conflict")}, true, 3},
		{"cancelled", []raceStep{u, c}, []raceAnswer{ok(3, "CONFIRMED", 3), ok(4, "CANCELLED", 3)}, false, 0},
		{"already cancelled by the other", []raceStep{c, c}, []raceAnswer{no(409, "invalid_state"), no(0, "timeout")}, false, 0},
		{"a cancel unanswered", []raceStep{u, c}, []raceAnswer{no(409, "conflict"), no(503, "unavailable")}, false, 0},
	} {
		got, kept := afterRace(b, tc.steps, tc.answers)
		if kept != tc.kept || kept && got.party != tc.party {
			t.Errorf("%s: kept %v party %d, want %v party %d", tc.name, kept, got.party, tc.kept, tc.party)
		}
	}
}

// TestRaceReport: every answer is recorded as a request of op race (409
// and 402 as rejections, as for a change), and the races are summed in the
// report: interleavings, answer classes, unexpected answers and impossible
// outcomes with an example.
func TestRaceReport(t *testing.T) {
	t.Parallel()
	rec := NewRecorder()
	rep := &Report{Schema: ReportSchema, DurationS: 10}
	rec.build(rep)
	if rep.Races != nil || strings.Contains(rep.Markdown(), "Races") {
		t.Fatalf("races reported before any was fired: %+v", rep.Races)
	}
	two := []raceStep{{Op: OpCancel}, {Op: OpCancel, Key: 1}}
	cancelled := raceAnswer{Status: 200, Booking: raceBooking{Status: "CANCELLED", Version: 3}}
	for _, r := range []struct {
		kind    string
		steps   []raceStep
		answers []raceAnswer
	}{
		{RaceTwoCancels, two, []raceAnswer{cancelled, {Status: 409, Code: "invalid_state"}}},
		{RaceTwoCancels, two, []raceAnswer{cancelled, cancelled}},
		{RaceDoubleClick, []raceStep{{Op: OpUpdate}, {Op: OpUpdate}}, []raceAnswer{{Status: 422, Code: "idempotency_mismatch"}, {Status: 0, Code: "timeout"}}},
	} {
		for _, a := range r.answers {
			rec.Record(OpRace, time.Millisecond, a.Status, a.Code)
		}
		rec.race(r.kind, "b-"+r.kind, r.steps, r.answers)
	}
	rep = &Report{Schema: ReportSchema, DurationS: 10}
	rec.build(rep)
	want := &RaceReport{
		Fired:      map[string]int64{RaceTwoCancels: 2, RaceDoubleClick: 1},
		Answers:    map[string]int64{RaceApplied: 3, RaceRefused: 1, RaceFailed: 1, RaceUnexpected: 1},
		Unexpected: map[string]int64{"422 idempotency_mismatch": 1},
		Impossible: map[string]int64{ImpossibleTwoCancels: 1},
		Examples:   []string{"two_cancels b-two_cancels (cancelled under two keys): cancel key0: 200 v3 CANCELLED party 0, cancel key1: 200 v3 CANCELLED party 0"},
	}
	if !reflect.DeepEqual(rep.Races, want) {
		t.Fatalf("races\n%+v\nwant\n%+v", rep.Races, want)
	}
	if rep.Races.Races() != 3 || rep.Races.ImpossibleRaces() != 1 {
		t.Fatalf("races %d, impossible %d", rep.Races.Races(), rep.Races.ImpossibleRaces())
	}
	if o := rep.Ops[OpRace]; o.Requests != 6 || o.OK != 3 || o.Errors != 3 {
		t.Fatalf("op race %+v", o)
	}
	md := rep.Markdown()
	for _, k := range []string{"| race | 6 | 3 | 3 |", "Races (concurrent changes of one booking): 3 races (double_click 1, two_cancels 2)",
		"answers: applied 3, refused 1, failed 1, unexpected 1", "unexpected: 422 idempotency_mismatch: 1",
		"IMPOSSIBLE outcomes: cancelled under two keys: 1", "- two_cancels b-two_cancels"} {
		if !strings.Contains(md, k) {
			t.Errorf("Markdown lacks %q:\n%s", k, md)
		}
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"races":{"fired":{"double_click":1,"two_cancels":2}`) {
		t.Errorf("JSON lacks the races: %s", js)
	}
}

// fakeGateway answers the changes of bookings as the booking service
// does, one change of a booking at a time (singleFlight), or, broken, lets
// every change through (the bug the races are there to find).
type fakeGateway struct {
	singleFlight bool

	mu       sync.Mutex
	bookings map[string]*fakeBooking
	replays  map[string]*fakeAnswer // booking id + key -> its answer (nil body: in flight)
	requests int
	noKey    int
}

type fakeBooking struct {
	raceBooking
	busy bool
}

type fakeAnswer struct {
	status int
	body   []byte
}

func (f *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/bookings/"), "/cancel")
	cancel := strings.HasSuffix(r.URL.Path, "/cancel")
	var in struct {
		PartySize int `json:"party_size"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	key := r.Header.Get("Idempotency-Key")
	refuse := func(code string) {
		w.WriteHeader(http.StatusConflict)
		fmt.Fprintf(w, `{"error":{"code":%q}}`, code)
	}
	f.mu.Lock()
	f.requests++
	if key == "" {
		f.noKey++
	}
	b := f.bookings[id]
	if a, ok := f.replays[id+key]; ok {
		f.mu.Unlock()
		if a.body == nil {
			refuse("conflict")
			return
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
		return
	}
	switch {
	case f.singleFlight && b.busy:
		f.mu.Unlock()
		refuse("conflict")
		return
	case f.singleFlight && b.Status != "CONFIRMED":
		f.mu.Unlock()
		refuse("invalid_state")
		return
	}
	b.busy = true
	f.replays[id+key] = &fakeAnswer{}
	f.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // the change's work: its claim, its money
	f.mu.Lock()
	if cancel {
		b.Status = "CANCELLED"
	} else {
		b.PartySize = in.PartySize
	}
	b.Version++
	b.busy = false
	body, _ := json.Marshal(b.raceBooking)
	f.replays[id+key] = &fakeAnswer{status: http.StatusOK, body: body}
	f.mu.Unlock()
	_, _ = w.Write(body)
}

// TestRaceAgainstAFakeGateway fires races through HTTP at a fake gateway:
// every request carries an Idempotency-Key and every answer is recorded;
// against one change at a time no outcome is impossible, against a
// gateway that lets concurrent changes through the races find it.
func TestRaceAgainstAFakeGateway(t *testing.T) {
	t.Parallel()
	for _, singleFlight := range []bool{true, false} {
		f := &fakeGateway{singleFlight: singleFlight, bookings: map[string]*fakeBooking{}, replays: map[string]*fakeAnswer{}}
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		g, err := New(Config{BaseURL: srv.URL, Rate: 1, Duration: time.Second, Mix: Mix{Ops: []string{OpRace}, Weights: []int{1}},
			Places: []Place{{Name: "here", Timezone: "UTC"}}, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		g.tokens = []string{"token"}
		const races = 100
		for i := range races {
			id := fmt.Sprintf("b%03d", i)
			f.bookings[id] = &fakeBooking{raceBooking: raceBooking{Status: "CONFIRMED", PartySize: 2, Version: 2}}
			g.bookings = append(g.bookings, booking{ID: id, party: 2, confirmed: true})
		}
		g.bookings = append(g.bookings, booking{ID: "blocked", party: 2}) // BLOCKED: never raced
		for range races {
			g.race(t.Context(), time.Now())
		}
		rep := &Report{Schema: ReportSchema, DurationS: 1}
		g.rec.build(rep)
		if rep.Races == nil {
			t.Fatal("no race reported")
		}
		if n := rep.Races.Races() + rep.Ops[OpRace].Skipped; n != races {
			t.Errorf("%d races and skips, want %d", n, races)
		}
		if rep.Ops[OpRace].Requests != int64(f.requests) || f.noKey != 0 {
			t.Errorf("%d requests recorded, %d sent, %d without a key", rep.Ops[OpRace].Requests, f.requests, f.noKey)
		}
		if !slices.ContainsFunc(g.bookings, func(b booking) bool { return b.ID == "blocked" }) {
			t.Error("a booking not known CONFIRMED was raced")
		}
		if rep.Races.Answers[RaceFailed] != 0 || rep.Races.Answers[RaceUnexpected] != 0 {
			t.Errorf("answers %v", rep.Races.Answers)
		}
		impossible := rep.Races.ImpossibleRaces()
		if singleFlight && (impossible != 0 || rep.Races.Answers[RaceRefused] == 0) {
			t.Errorf("one change at a time: %s", rep.Races.Summary())
		}
		if !singleFlight && rep.Races.Impossible[ImpossibleTwoCancels] == 0 {
			t.Errorf("concurrent changes let through, not found: %s", rep.Races.Summary())
		}
		t.Logf("single flight %v: %s", singleFlight, rep.Races.Summary())
	}
}
