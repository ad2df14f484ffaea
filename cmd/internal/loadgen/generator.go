package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the places' time zones on minimal images too
)

// Place is a city the generator searches around (the seeded cities).
type Place struct {
	Name     string
	Lat, Lng float64
	Timezone string
}

// Config of a load run against the gateway.
type Config struct {
	BaseURL     string        // the gateway, e.g. http://localhost:8080
	Rate        float64       // arrivals a second
	Duration    time.Duration // of the schedule
	Mix         Mix
	Users       int     // signed up (or logged in) before the run; default 20
	Places      []Place // where to search and find vendors
	Cuisines    []string
	Facilities  []string
	MaxInFlight int           // default 10,000
	Timeout     time.Duration // per request; default 30 s
	// DiscoverTimeout is how long Prepare waits for search to find vendors
	// (a fresh seed is indexed within seconds); default 30 s.
	DiscoverTimeout time.Duration
	Client          *http.Client // default: a pooled client
	// SameProcess says the system under test runs in this process (tests),
	// so the CPU fraction includes it.
	SameProcess bool
	// Observe, when set, also sees every measured request (and every arrival
	// dropped at the in-flight cap, with status 0): its scheduled start, its
	// latency from then, its status and error code. Chaos runs bucket these
	// per second. Called concurrently.
	Observe func(op string, at time.Time, latency time.Duration, status int, code string)
}

type vendorRef struct {
	ID    string
	Kind  string
	Place int
}

type slot struct {
	Start, End time.Time // End zero: the vendor's default
}

type freeSlots struct {
	vendor vendorRef
	party  int
	slots  []slot
}

type booking struct {
	ID        string
	user      int
	vendor    vendorRef
	party     int
	confirmed bool // answered CONFIRMED (not BLOCKED: its payment's outcome unknown)
}

// Generator runs a load. Prepare it, then Run it once.
type Generator struct {
	cfg    Config
	client *http.Client
	tokens []string
	rec    *Recorder
	locs   []*time.Location // of the places

	mu       sync.Mutex
	vendors  []vendorRef
	known    map[string]bool
	free     []freeSlots // a ring of recently seen free slots, for bookings
	freeNext int
	bookings []booking
}

const (
	maxKnownVendors = 100_000
	freeRing        = 4096
)

// New returns a generator for cfg, with defaults filled in.
func New(cfg Config) (*Generator, error) {
	if cfg.BaseURL == "" || cfg.Rate <= 0 || cfg.Duration <= 0 || len(cfg.Mix.Ops) == 0 || len(cfg.Places) == 0 {
		return nil, errors.New("loadgen: BaseURL, Rate, Duration, Mix and Places are required")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Users <= 0 {
		cfg.Users = 20
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 10_000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.DiscoverTimeout <= 0 {
		cfg.DiscoverTimeout = 30 * time.Second
	}
	c := cfg.Client
	if c == nil {
		c = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        0,
			MaxIdleConnsPerHost: 2048,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	g := &Generator{cfg: cfg, client: c, rec: NewRecorder(), known: map[string]bool{}}
	for _, p := range cfg.Places {
		l, err := time.LoadLocation(p.Timezone)
		if err != nil {
			return nil, fmt.Errorf("loadgen: place %s: %w", p.Name, err)
		}
		g.locs = append(g.locs, l)
	}
	return g, nil
}

// UserEmail is the email of load user i.
func UserEmail(i int) string { return fmt.Sprintf("load-user-%04d@load.slotmesh.example", i) }

const userPassword = "load-user-password"

// Prepare signs the users up (or logs them in: a second run), finds vendors
// through search in every place, and looks up some availability to book from.
// None of it is measured.
func (g *Generator) Prepare(ctx context.Context) error {
	g.tokens = make([]string, g.cfg.Users)
	errs := make([]error, g.cfg.Users)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range g.cfg.Users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			g.tokens[i], errs[i] = g.login(ctx, i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("loadgen: users: %w", err)
	}

	deadline := time.Now().Add(g.cfg.DiscoverTimeout)
	for {
		// Five searches around each place, 8 at a time.
		var dwg sync.WaitGroup
		for p := range g.cfg.Places {
			for k := range 5 {
				dwg.Add(1)
				sem <- struct{}{}
				go func() {
					defer dwg.Done()
					defer func() { <-sem }()
					lat, lng := g.near(p, float64(k))
					q := url.Values{"lat": {ff(lat)}, "lng": {ff(lng)}, "radius_km": {"20"}, "limit": {"100"}}
					var out searchOut
					if st, _, err := g.call(ctx, "", http.MethodGet, "/v1/search?"+q.Encode(), nil, nil, &out); err == nil && st == 200 {
						g.learn(p, out)
					}
				}()
			}
		}
		dwg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(g.vendors) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("loadgen: search found no vendor near any of %d places within %s (run slotmesh seed first)", len(g.cfg.Places), g.cfg.DiscoverTimeout)
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for range min(64, len(g.vendors)*2) {
		g.availability(ctx, time.Now(), false)
	}
	return nil
}

func (g *Generator) login(ctx context.Context, i int) (string, error) {
	body := map[string]string{"email": UserEmail(i), "password": userPassword, "name": fmt.Sprintf("Load User %d", i)}
	st, code, err := g.call(ctx, "", http.MethodPost, "/v1/users", nil, body, nil)
	if err != nil {
		return "", err
	}
	if st != 201 && st != 409 {
		return "", fmt.Errorf("sign up %s: HTTP %d %s%s", UserEmail(i), st, code, rateHint(st))
	}
	var s struct {
		Token string `json:"token"`
	}
	st, code, err = g.call(ctx, "", http.MethodPost, "/v1/sessions", nil, map[string]string{"email": UserEmail(i), "password": userPassword}, &s)
	if err != nil {
		return "", err
	}
	if st != 200 {
		return "", fmt.Errorf("log in %s: HTTP %d %s%s", UserEmail(i), st, code, rateHint(st))
	}
	return s.Token, nil
}

func rateHint(status int) string {
	if status == http.StatusTooManyRequests {
		return " (the gateway's rate limits: run it with RATE_SIGNUP_PER_HOUR=0 RATE_LOGIN_PER_MIN=0 RATE_BOOK_PER_MIN=0 RATE_BOOK_IP_PER_MIN=0 for load tests)"
	}
	return ""
}

// Run runs the schedule and returns the report.
func (g *Generator) Run(ctx context.Context) (*Report, error) {
	if g.tokens == nil {
		return nil, errors.New("loadgen: Run before Prepare")
	}
	picker := NewPicker(g.cfg.Mix)
	ops := make([]string, 0, 1024)
	var opsMu sync.Mutex
	next := func(seq int64) string {
		opsMu.Lock()
		defer opsMu.Unlock()
		for int64(len(ops)) <= seq {
			ops = append(ops, picker.Next())
		}
		return ops[seq]
	}
	sched := Schedule{Rate: g.cfg.Rate, Duration: g.cfg.Duration, MaxInFlight: g.cfg.MaxInFlight}
	cpu0 := processCPU()
	started := time.Now()
	st := sched.Run(ctx, WallClock{}, func(a Arrival) {
		g.do(ctx, next(a.Seq), a.At)
	}, func(a Arrival) {
		op := next(a.Seq)
		g.rec.Record(op, 0, 0, "dropped_in_flight_cap")
		if g.cfg.Observe != nil {
			g.cfg.Observe(op, a.At, 0, 0, "dropped_in_flight_cap")
		}
	})
	wall := time.Since(started)
	cpu := processCPU() - cpu0

	rep := &Report{
		Schema: ReportSchema, Target: g.cfg.BaseURL, StartedAt: started, DurationS: g.cfg.Duration.Seconds(),
		WallS: wall.Seconds(), Mix: g.cfg.Mix.Map(), OfferedRate: g.cfg.Rate,
		Scheduled: st.Scheduled, Dropped: st.Dropped,
	}
	g.rec.build(rep)
	rep.Sent = rep.All.Requests - st.Dropped
	rep.AchievedRate = float64(rep.Sent) / rep.DurationS
	rep.AnsweredRate = float64(rep.All.OK) / max(rep.WallS, 1e-9)
	lag := st.Lag.Summary()
	cores := runtime.NumCPU()
	rep.Generator = GeneratorUsage{
		CPUSeconds: cpu.Seconds(), WallSeconds: wall.Seconds(), Cores: cores,
		CPUFraction: cpu.Seconds() / (wall.Seconds() * float64(cores)),
		LagP99Ms:    lag.P99, LagMaxMs: lag.Max, MaxInFlight: st.MaxInFlight, InFlightCap: g.cfg.MaxInFlight,
		Dropped: st.Dropped, InSameProcess: g.cfg.SameProcess,
	}
	g.mu.Lock()
	rep.Catalogue = CatalogueInfo{Users: len(g.tokens), VendorsKnown: len(g.vendors), BookingsLeftOpen: len(g.bookings)}
	g.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

// do runs one operation due at `at` and records it.
func (g *Generator) do(ctx context.Context, op string, at time.Time) {
	switch op {
	case OpSearch:
		g.search(ctx, at)
	case OpAvailability:
		g.availability(ctx, at, true)
	case OpBook:
		g.book(ctx, at)
	case OpChange:
		g.change(ctx, at)
	case OpRace:
		g.race(ctx, at)
	}
}

type searchOut struct {
	Items []struct {
		VendorID  string      `json:"vendor_id"`
		Kind      string      `json:"kind"`
		Available []time.Time `json:"available"`
	} `json:"items"`
}

func (g *Generator) search(ctx context.Context, at time.Time) {
	p := mrand.IntN(len(g.cfg.Places))
	lat, lng := g.near(p, 2)
	q := url.Values{"lat": {ff(lat)}, "lng": {ff(lng)}, "radius_km": {strconv.Itoa(1 + mrand.IntN(10))}, "limit": {"20"}}
	tags := g.cfg.Cuisines
	switch n := mrand.IntN(100); {
	case n < 45:
		q.Set("kind", "restaurant")
	case n < 60:
		q.Set("kind", "hotel")
		tags = g.cfg.Facilities
	}
	if len(tags) > 0 && mrand.IntN(2) == 0 {
		t := []string{tags[mrand.IntN(len(tags))]}
		if mrand.IntN(3) == 0 {
			t = append(t, tags[mrand.IntN(len(tags))])
		}
		q.Set("tags", strings.Join(t, ","))
	}
	party := 0
	if mrand.IntN(100) < 40 {
		party = 2 + mrand.IntN(5)
		q.Set("start", g.evening(p, 1+mrand.IntN(14)).Format(time.RFC3339))
		q.Set("party_size", strconv.Itoa(party))
	}
	var out searchOut
	st, code, err := g.call(ctx, "", http.MethodGet, "/v1/search?"+q.Encode(), nil, nil, &out)
	g.record(OpSearch, at, st, code, err)
	if st == 200 {
		g.learn(p, out)
		if party > 0 {
			for _, it := range out.Items {
				if len(it.Available) > 0 {
					ss := make([]slot, len(it.Available))
					for i, t := range it.Available {
						ss[i] = slot{Start: t}
					}
					g.remember(freeSlots{vendor: vendorRef{ID: it.VendorID, Kind: it.Kind, Place: p}, party: party, slots: ss})
				}
			}
		}
	}
}

func (g *Generator) availability(ctx context.Context, at time.Time, measured bool) {
	v, ok := g.randomVendor()
	if !ok {
		if measured {
			g.rec.Skip(OpAvailability)
		}
		return
	}
	party := 2 + mrand.IntN(5)
	if v.Kind == "hotel" {
		party = 1 + mrand.IntN(3)
	}
	date := g.localNow(v.Place).AddDate(0, 0, 1+mrand.IntN(14)).Format("2006-01-02")
	q := url.Values{"date": {date}, "party_size": {strconv.Itoa(party)}}
	var out struct {
		Slots []slot `json:"slots"`
	}
	st, code, err := g.call(ctx, "", http.MethodGet, "/v1/vendors/"+v.ID+"/availability?"+q.Encode(), nil, nil, &out)
	if measured {
		g.record(OpAvailability, at, st, code, err)
	}
	if st == 200 && len(out.Slots) > 0 {
		g.remember(freeSlots{vendor: v, party: party, slots: out.Slots})
	}
}

type bookingOut struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func (g *Generator) book(ctx context.Context, at time.Time) {
	fs, s, ok := g.takeSlot("")
	if !ok {
		g.rec.Skip(OpBook)
		return
	}
	u := mrand.IntN(len(g.tokens))
	body := map[string]any{"vendor_id": fs.vendor.ID, "start": s.Start, "party_size": fs.party, "payment_method": "pm_card_visa"}
	if !s.End.IsZero() {
		body["end"] = s.End
	}
	var out bookingOut
	st, code, err := g.call(ctx, g.tokens[u], http.MethodPost, "/v1/bookings", http.Header{"Idempotency-Key": {newKey()}}, body, &out)
	g.record(OpBook, at, st, code, err)
	if (st == 201 || st == 202) && out.ID != "" {
		g.mu.Lock()
		g.bookings = append(g.bookings, booking{ID: out.ID, user: u, vendor: fs.vendor, party: fs.party, confirmed: out.Status == "CONFIRMED"})
		g.mu.Unlock()
	}
}

// change updates or cancels one of the generator's bookings, half and half.
func (g *Generator) change(ctx context.Context, at time.Time) {
	b, ok := g.takeBooking(false)
	if !ok {
		g.rec.Skip(OpChange)
		return
	}

	if mrand.IntN(2) == 0 {
		st, code, err := g.call(ctx, g.tokens[b.user], http.MethodPost, "/v1/bookings/"+b.ID+"/cancel", nil, nil, nil)
		g.record(OpCancel, at, st, code, err)
		return
	}
	// Move it to another free time of the same vendor if one was seen,
	// else make the party one smaller (or larger when alone).
	body := map[string]any{}
	if _, s, ok := g.takeSlot(b.vendor.ID); ok {
		body["start"] = s.Start
		if !s.End.IsZero() {
			body["end"] = s.End
		}
	} else if b.party > 1 {
		b.party--
		body["party_size"] = b.party
	} else {
		b.party++
		body["party_size"] = b.party
	}
	var out bookingOut
	st, code, err := g.call(ctx, g.tokens[b.user], http.MethodPatch, "/v1/bookings/"+b.ID, nil, body, &out)
	g.record(OpUpdate, at, st, code, err)
	if st == 200 || st == 409 { // 409: unchanged, still the user's
		b.confirmed = b.confirmed || out.Status == "CONFIRMED"
		g.giveBack(b)
	}
}

// takeBooking takes one of the generator's bookings at random (only the
// ones answered CONFIRMED when confirmed is set) out of its list, so no
// other operation changes it meanwhile; giveBack returns it.
func (g *Generator) takeBooking(confirmed bool) (booking, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := len(g.bookings)
	if n == 0 {
		return booking{}, false
	}
	start := mrand.IntN(n)
	for i := range n {
		k := (start + i) % n
		if b := g.bookings[k]; b.confirmed || !confirmed {
			g.bookings[k] = g.bookings[n-1]
			g.bookings = g.bookings[:n-1]
			return b, true
		}
	}
	return booking{}, false
}

func (g *Generator) giveBack(b booking) {
	g.mu.Lock()
	g.bookings = append(g.bookings, b)
	g.mu.Unlock()
}

func (g *Generator) record(op string, at time.Time, status int, code string, err error) {
	if err != nil {
		status, code = 0, transportCode(err)
	}
	lat := time.Since(at)
	g.rec.Record(op, lat, status, code)
	if g.cfg.Observe != nil {
		g.cfg.Observe(op, at, lat, status, code)
	}
}

func transportCode(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection_closed"
	default:
		return "transport_error"
	}
}

// call sends one request and reads the whole answer: its status, the API
// error code when not 2xx, and out decoded from a 2xx body.
func (g *Generator) call(ctx context.Context, token, method, path string, hdr http.Header, in, out any) (int, string, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, "", err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, g.cfg.BaseURL+path, body)
	if err != nil {
		return 0, "", err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" {
			e.Error.Code = "no_error_body"
		}
		return resp.StatusCode, e.Error.Code, nil
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, "bad_json", nil
		}
	}
	return resp.StatusCode, "", nil
}

func (g *Generator) learn(p int, out searchOut) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, it := range out.Items {
		if g.known[it.VendorID] || len(g.vendors) >= maxKnownVendors {
			continue
		}
		g.known[it.VendorID] = true
		g.vendors = append(g.vendors, vendorRef{ID: it.VendorID, Kind: it.Kind, Place: p})
	}
}

func (g *Generator) randomVendor() (vendorRef, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.vendors) == 0 {
		return vendorRef{}, false
	}
	return g.vendors[mrand.IntN(len(g.vendors))], true
}

func (g *Generator) remember(fs freeSlots) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.free) < freeRing {
		g.free = append(g.free, fs)
		return
	}
	g.free[g.freeNext] = fs
	g.freeNext = (g.freeNext + 1) % freeRing
}

// takeSlot takes a free slot seen lately (of vendorID, when given) and
// forgets it, so two bookings rarely race for one slot.
func (g *Generator) takeSlot(vendorID string) (freeSlots, slot, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := len(g.free)
	if n == 0 {
		return freeSlots{}, slot{}, false
	}
	start := mrand.IntN(n)
	for k := range n {
		i := (start + k) % n
		fs := &g.free[i]
		if len(fs.slots) == 0 || vendorID != "" && fs.vendor.ID != vendorID {
			continue
		}
		j := mrand.IntN(len(fs.slots))
		s := fs.slots[j]
		fs.slots = append(fs.slots[:j:j], fs.slots[j+1:]...)
		if s.Start.Before(time.Now().Add(time.Hour)) {
			continue
		}
		return *fs, s, true
	}
	return freeSlots{}, slot{}, false
}

// near is a point about spreadKm from place p's centre.
func (g *Generator) near(p int, spreadKm float64) (float64, float64) {
	pl := g.cfg.Places[p]
	lat := pl.Lat + mrand.NormFloat64()*spreadKm/111.32
	lng := pl.Lng + mrand.NormFloat64()*spreadKm/(111.32*math.Cos(pl.Lat*math.Pi/180))
	return lat, lng
}

func (g *Generator) localNow(p int) time.Time { return time.Now().In(g.locs[p]) }

// evening is a dinner time (18:00 .. 21:30) days from now in place p.
func (g *Generator) evening(p, days int) time.Time {
	d := g.localNow(p).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 18+mrand.IntN(4), 30*mrand.IntN(2), 0, 0, d.Location())
}

func ff(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
