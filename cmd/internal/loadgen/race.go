package loadgen

import (
	"context"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// A race is 2 or 3 changes of one of the generator's CONFIRMED bookings
// sent at the same instant, in one of these interleavings (a diner's:
// avail and no-show are a manager's, and the generator has no manager).
// The booking service takes one change of a booking at a time: a second
// one while the first is in flight is 409 conflict, the same request under
// the same Idempotency-Key answers as the first left the booking, a cancel
// of a booking already cancelled under another key is 409 invalid_state.
const (
	RaceDoubleClick = "double_click" // the same PATCH under the same key, 2-3 times
	RaceSamePatch   = "same_patch"   // the same PATCH under different keys
	RaceOtherPatch  = "other_patch"  // PATCHes to different sizes or times
	RacePatchCancel = "patch_cancel" // a PATCH against a cancel (and a double-click of either)
	RaceTwoCancels  = "two_cancels"  // cancels under different keys (and a double-click of one)
)

// RaceKinds is every interleaving, in the order they are reported.
var RaceKinds = []string{RaceDoubleClick, RaceSamePatch, RaceOtherPatch, RacePatchCancel, RaceTwoCancels}

// raceStep is one request of a race.
type raceStep struct {
	Op   string // OpUpdate (PATCH) or OpCancel
	Key  int    // steps with the same Key send the same Idempotency-Key
	Body int    // PATCHes with the same Body send the same body
}

// planRace picks an interleaving and its requests, in the order they are
// started (all at once). intn is math/rand/v2's IntN (a fixed sequence in
// tests).
func planRace(intn func(int) int) (string, []raceStep) {
	kind := RaceKinds[intn(len(RaceKinds))]
	n := 2 + intn(2)
	var steps []raceStep
	switch kind {
	case RaceDoubleClick:
		for range n {
			steps = append(steps, raceStep{Op: OpUpdate})
		}
	case RaceSamePatch:
		for i := range n {
			steps = append(steps, raceStep{Op: OpUpdate, Key: i})
		}
	case RaceOtherPatch:
		for i := range n {
			steps = append(steps, raceStep{Op: OpUpdate, Key: i, Body: i})
		}
	case RacePatchCancel:
		steps = []raceStep{{Op: OpUpdate, Key: 0}, {Op: OpCancel, Key: 1}}
		if n == 3 {
			steps = append(steps, steps[intn(2)]) // one of them clicked twice
		}
	case RaceTwoCancels:
		steps = []raceStep{{Op: OpCancel, Key: 0}, {Op: OpCancel, Key: 1}}
		if n == 3 {
			steps = append(steps, raceStep{Op: OpCancel, Key: intn(3)}) // a third key, or one clicked twice
		}
	}
	for i := len(steps) - 1; i > 0; i-- {
		j := intn(i + 1)
		steps[i], steps[j] = steps[j], steps[i]
	}
	return kind, steps
}

// raceSizes are n different party sizes for a booking of party (n <= 3):
// larger ones (a per-guest deposit's top-up) and a smaller one (its refund).
func raceSizes(party, n int, intn func(int) int) []int {
	sizes := []int{party + 1, party + 2, party + 3}
	if party > 1 {
		sizes[2] = party - 1
	}
	for i := len(sizes) - 1; i > 0; i-- {
		j := intn(i + 1)
		sizes[i], sizes[j] = sizes[j], sizes[i]
	}
	return sizes[:n]
}

// Classes of a race's answers.
const (
	RaceApplied    = "applied"    // 200/201: the change was made, or its key's replay
	RaceRefused    = "refused"    // 402, 409 conflict | invalid_state | slot_unavailable: what a race may answer
	RaceFailed     = "failed"     // no answer or 5xx: an error, as for any request
	RaceUnexpected = "unexpected" // any other answer (e.g. 422 idempotency_mismatch for a double-click)
)

// classifyRace says what one answer of a race is.
func classifyRace(status int, code string) string {
	switch {
	case (status == http.StatusOK || status == http.StatusCreated) && code == "":
		return RaceApplied
	case status == http.StatusPaymentRequired,
		status == http.StatusConflict && (code == "conflict" || code == "invalid_state" || code == "slot_unavailable"):
		return RaceRefused
	case status == 0 || status >= 500:
		return RaceFailed
	}
	return RaceUnexpected
}

// raceBooking is the booking as an answer of a race showed it.
type raceBooking struct {
	Status    string    `json:"status"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	PartySize int       `json:"party_size"`
	Version   int64     `json:"version"`
}

func (b raceBooking) sameState(o raceBooking) bool {
	return b.Status == o.Status && b.Start.Equal(o.Start) && b.End.Equal(o.End) && b.PartySize == o.PartySize
}

// raceAnswer is one answer of a race.
type raceAnswer struct {
	Status  int
	Code    string
	Booking raceBooking // when applied
}

func (a raceAnswer) String() string {
	if classifyRace(a.Status, a.Code) == RaceApplied {
		return fmt.Sprintf("%d v%d %s party %d", a.Status, a.Booking.Version, a.Booking.Status, a.Booking.PartySize)
	}
	return fmt.Sprintf("%d %s", a.Status, a.Code)
}

// Outcomes of a race no interleaving allows, whatever the timing (an
// answer lost to a fault makes none of them).
const (
	ImpossibleTwoCancels   = "cancelled under two keys"                       // one cancel ends it, the other is 409
	ImpossibleWrongState   = "a change answered a state it does not make"     // a PATCH not CONFIRMED, a cancel not CANCELLED
	ImpossibleKeyTwoStates = "one key answered two different bookings"        // its replay answers as the change left it
	ImpossibleVersionTwice = "one version answered as two different bookings" // two changes made the same version
)

// judgeRace lists what should never happen in a race's answers (each
// outcome once). A key used by one request only answers what its change
// made; a key used twice may answer a later state (its replay can show
// the booking as it is now), so its answers are compared only when every
// other key was refused (none of them can have changed the booking).
func judgeRace(steps []raceStep, answers []raceAnswer) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	uses := map[int]int{}
	for _, s := range steps {
		uses[s.Key]++
	}
	othersRefused := func(key int) bool {
		for j, b := range answers {
			if steps[j].Key != key && classifyRace(b.Status, b.Code) != RaceRefused {
				return false
			}
		}
		return true
	}
	cancelKeys := map[int]bool{}
	for i, a := range answers {
		if classifyRace(a.Status, a.Code) != RaceApplied {
			continue
		}
		s := steps[i]
		if s.Op == OpCancel {
			cancelKeys[s.Key] = true
		}
		want := "CONFIRMED"
		if s.Op == OpCancel {
			want = "CANCELLED"
		}
		if uses[s.Key] == 1 && a.Booking.Status != want {
			add(ImpossibleWrongState)
		}
		for j := range i {
			b := answers[j]
			if classifyRace(b.Status, b.Code) != RaceApplied || a.Booking.sameState(b.Booking) {
				continue
			}
			if a.Booking.Version == b.Booking.Version {
				add(ImpossibleVersionTwice)
			}
			if steps[j].Key == s.Key && othersRefused(s.Key) {
				add(ImpossibleKeyTwoStates)
			}
		}
	}
	if len(cancelKeys) > 1 {
		add(ImpossibleTwoCancels)
	}
	return out
}

// afterRace is the booking as the generator keeps it after a race, and
// whether it is still CONFIRMED for sure: no cancel was made or may have
// been (each cancel was refused because another change was in flight).
// Its party is the one of the latest applied answer.
func afterRace(b booking, steps []raceStep, answers []raceAnswer) (booking, bool) {
	var latest int64 = -1
	for i, a := range answers {
		if steps[i].Op == OpCancel && (a.Status != http.StatusConflict || a.Code != "conflict") {
			return b, false
		}
		if classifyRace(a.Status, a.Code) == RaceApplied && a.Booking.Status == "CONFIRMED" && a.Booking.Version > latest {
			latest = a.Booking.Version
			b.party = a.Booking.PartySize
		}
	}
	return b, true
}

// race fires the requests of one race at one of the generator's CONFIRMED
// bookings at the same instant, records every answer (as op "race": 409s
// and 402s are answers, not failures, as for a change) and judges them
// together.
func (g *Generator) race(ctx context.Context, at time.Time) {
	b, ok := g.takeBooking(true)
	if !ok {
		g.rec.Skip(OpRace)
		return
	}
	kind, steps := planRace(mrand.IntN)
	bodies := g.raceBodies(b, steps)
	keys := map[int]string{}
	for _, s := range steps {
		if keys[s.Key] == "" {
			keys[s.Key] = newKey()
		}
	}
	answers := make([]raceAnswer, len(steps))
	fire := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hdr := http.Header{"Idempotency-Key": {keys[s.Key]}}
			method, path, body := http.MethodPost, "/v1/bookings/"+b.ID+"/cancel", any(nil)
			if s.Op == OpUpdate {
				method, path, body = http.MethodPatch, "/v1/bookings/"+b.ID, bodies[s.Body]
			}
			var out raceBooking
			<-fire
			st, code, err := g.call(ctx, g.tokens[b.user], method, path, hdr, body, &out)
			g.record(OpRace, at, st, code, err)
			if err != nil {
				st, code = 0, transportCode(err)
			}
			answers[i] = raceAnswer{Status: st, Code: code, Booking: out}
		}()
	}
	close(fire)
	wg.Wait()
	g.rec.race(kind, b.ID, steps, answers)
	if b, ok := afterRace(b, steps, answers); ok {
		g.giveBack(b)
	}
}

// raceBodies makes the PATCH bodies a race sends (one per Body index):
// other party sizes, and at times a move to another free time of the
// vendor seen lately.
func (g *Generator) raceBodies(b booking, steps []raceStep) []map[string]any {
	n := 0
	for _, s := range steps {
		if s.Op == OpUpdate {
			n = max(n, s.Body+1)
		}
	}
	sizes := raceSizes(b.party, n, mrand.IntN)
	bodies := make([]map[string]any, n)
	for i := range n {
		bodies[i] = map[string]any{"party_size": sizes[i]}
	}
	if n > 0 && mrand.IntN(4) == 0 {
		if _, s, ok := g.takeSlot(b.vendor.ID); ok {
			bodies[0] = map[string]any{"start": s.Start}
			if !s.End.IsZero() {
				bodies[0]["end"] = s.End
			}
		}
	}
	return bodies
}

// raceStats is what the races came to.
type raceStats struct {
	fired      map[string]int64
	answers    map[string]int64
	unexpected map[string]int64
	impossible map[string]int64
	examples   []string
}

const raceExamples = 5

// race adds one race: its interleaving, its answers and what was judged
// impossible in them.
func (r *Recorder) race(kind, bookingID string, steps []raceStep, answers []raceAnswer) {
	impossible := judgeRace(steps, answers)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.races == nil {
		r.races = &raceStats{fired: map[string]int64{}, answers: map[string]int64{}, unexpected: map[string]int64{}, impossible: map[string]int64{}}
	}
	s := r.races
	s.fired[kind]++
	for _, a := range answers {
		c := classifyRace(a.Status, a.Code)
		s.answers[c]++
		if c == RaceUnexpected {
			s.unexpected[fmt.Sprintf("%d %s", a.Status, a.Code)]++
		}
	}
	for _, what := range impossible {
		s.impossible[what]++
	}
	if len(impossible) > 0 && len(s.examples) < raceExamples {
		parts := make([]string, len(steps))
		for i, st := range steps {
			parts[i] = fmt.Sprintf("%s key%d: %s", st.Op, st.Key, answers[i])
		}
		s.examples = append(s.examples, fmt.Sprintf("%s %s (%s): %s", kind, bookingID, strings.Join(impossible, "; "), strings.Join(parts, ", ")))
	}
}

// RaceReport is what the races (concurrent changes of one booking) came to.
type RaceReport struct {
	Fired      map[string]int64 `json:"fired"`                // interleaving -> races
	Answers    map[string]int64 `json:"answers"`              // class (applied, refused, failed, unexpected) -> answers
	Unexpected map[string]int64 `json:"unexpected,omitempty"` // "status code" -> answers no race should get
	Impossible map[string]int64 `json:"impossible,omitempty"` // outcome no interleaving allows -> races
	Examples   []string         `json:"examples,omitempty"`   // a few races with an impossible outcome
}

// Races is how many races were fired.
func (r *RaceReport) Races() int64 {
	var n int64
	for _, c := range r.Fired {
		n += c
	}
	return n
}

// ImpossibleRaces is how many impossible outcomes were seen.
func (r *RaceReport) ImpossibleRaces() int64 {
	var n int64
	for _, c := range r.Impossible {
		n += c
	}
	return n
}

// Summary is the races in one line.
func (r *RaceReport) Summary() string {
	var kinds []string
	for _, k := range RaceKinds {
		if n := r.Fired[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	var answers []string
	for _, c := range []string{RaceApplied, RaceRefused, RaceFailed, RaceUnexpected} {
		answers = append(answers, fmt.Sprintf("%s %d", c, r.Answers[c]))
	}
	s := fmt.Sprintf("%d races (%s); answers: %s", r.Races(), strings.Join(kinds, ", "), strings.Join(answers, ", "))
	if len(r.Unexpected) > 0 {
		s += "; unexpected: " + countsString(r.Unexpected)
	}
	if len(r.Impossible) > 0 {
		s += "; IMPOSSIBLE outcomes: " + countsString(r.Impossible)
	} else {
		s += "; no impossible outcome"
	}
	return s
}

func countsString(m map[string]int64) string {
	keys := slices.Sorted(maps.Keys(m))
	for i, k := range keys {
		keys[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(keys, ", ")
}

func (s *raceStats) report() *RaceReport {
	if s == nil {
		return nil
	}
	return &RaceReport{Fired: maps.Clone(s.fired), Answers: maps.Clone(s.answers), Unexpected: maps.Clone(s.unexpected),
		Impossible: maps.Clone(s.impossible), Examples: slices.Clone(s.examples)}
}
