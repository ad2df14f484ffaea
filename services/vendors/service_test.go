package vendors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	vendorssvc "github.com/slotmesh/slotmesh/services/vendors"
	"github.com/slotmesh/slotmesh/services/vendors/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/vendors/app"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

func restaurant(name string) vendors.Profile {
	return vendors.Profile{
		Kind: "restaurant", Name: name, Timezone: "Europe/Berlin", Address: "Hauptstr. 1, 10115 Berlin",
		Location: vendors.Location{Lat: 52.52, Lng: 13.405}, Tags: []string{"Italian", " Vegan"},
		OpeningHours: []vendors.OpeningHours{
			{Weekday: "tuesday", Open: "12:00", Close: "15:00"},
			{Weekday: "friday", Open: "18:00", Close: "02:00", Overnight: true},
		},
		Deposit:      vendors.Deposit{Amount: 1500, Currency: "EUR", Per: "guest"},
		Cancellation: vendors.Cancellation{FreeUntilHoursBefore: 24},
	}
}

type sys struct {
	*testenv.System
	nc      *nats.Conn
	vendors *vendors.Client
	users   *user.Client
}

func start(t *testing.T) sys {
	t.Helper()
	s := testenv.StartAll(t, nil)
	nc := s.Conn(t)
	return sys{System: s, nc: nc, vendors: vendors.NewClient(nc), users: user.NewClient(nc)}
}

func (s sys) newUser(t *testing.T, email string) context.Context {
	t.Helper()
	u, err := s.users.SignUp(context.Background(), user.SignUpRequest{Email: email, Password: "correct horse", Name: "U"})
	if err != nil {
		t.Fatal(err)
	}
	return natsrpc.WithActor(context.Background(), u.ID)
}

func units(prefix string, n, capacity int) []vendors.NewUnit {
	out := make([]vendors.NewUnit, n)
	for i := range out {
		out[i] = vendors.NewUnit{Name: fmt.Sprintf("%s%05d", prefix, i), Capacity: capacity}
	}
	return out
}

func TestOnboardChangeAndAuthorise(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := s.newUser(t, "owner@example.com")
	other := s.newUser(t, "other@example.com")

	v, err := s.vendors.Create(owner, vendors.CreateRequest{Profile: restaurant("Trattoria")})
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || v.Status != "active" || v.SlotMinutes != 15 || v.StayMinutes != 90 || len(v.Tags) != 2 || v.Tags[0] != "italian" {
		t.Fatalf("created %+v", v)
	}
	if _, err := s.vendors.Create(context.Background(), vendors.CreateRequest{Profile: restaurant("X")}); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("create without actor: %v", err)
	}
	got, err := s.vendors.Get(context.Background(), v.ID) // public
	if err != nil || got.Name != "Trattoria" || got.OpeningHours[1].Close != "02:00" || !got.OpeningHours[1].Overnight {
		t.Fatalf("get: %+v %v", got, err)
	}

	name := "Osteria"
	if _, err := s.vendors.Update(other, vendors.UpdateRequest{ID: v.ID, Name: &name}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("update by a stranger: %v", err)
	}
	if _, err := s.vendors.AddUnits(other, vendors.AddUnitsRequest{VendorID: v.ID, Units: units("T", 2, 4)}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("add units by a stranger: %v", err)
	}
	if _, err := s.vendors.AddManager(other, vendors.AddManagerRequest{VendorID: v.ID, Email: "other@example.com"}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("stranger adds themselves: %v", err)
	}
	if _, err := s.vendors.Update(owner, vendors.UpdateRequest{ID: "01900000-0000-7000-8000-000000000000", Name: &name}); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("update unknown vendor: %v", err)
	}
	m, err := s.vendors.AddManager(owner, vendors.AddManagerRequest{VendorID: v.ID, Email: "Other@Example.com"})
	if err != nil || m.Role != "manager" || m.Email != "other@example.com" {
		t.Fatalf("add manager: %+v %v", m, err)
	}
	if _, err := s.vendors.AddManager(owner, vendors.AddManagerRequest{VendorID: v.ID, Email: "other@example.com"}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("add manager twice: %v", err)
	}
	if _, err := s.vendors.AddManager(owner, vendors.AddManagerRequest{VendorID: v.ID, Email: "nobody@example.com"}); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("add unknown email: %v", err)
	}
	third := s.newUser(t, "third@example.com")
	_ = third
	if _, err := s.vendors.AddManager(other, vendors.AddManagerRequest{VendorID: v.ID, Email: "third@example.com"}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("a manager adds a manager: %v", err)
	}
	upd, err := s.vendors.Update(other, vendors.UpdateRequest{ID: v.ID, Name: &name}) // now a manager
	if err != nil || upd.Name != name || upd.Version != 2 {
		t.Fatalf("update by manager: %+v %v", upd, err)
	}
	ms, err := s.vendors.ListManagers(other, v.ID)
	if err != nil || len(ms.Items) != 2 || ms.Items[0].Role != "owner" {
		t.Fatalf("managers: %+v %v", ms, err)
	}
	role, err := s.vendors.Authorize(context.Background(), v.ID, m.UserID)
	if err != nil || role.Role != "manager" {
		t.Fatalf("authorize: %+v %v", role, err)
	}
}

func TestUnitsAllOrNoneListAndDeactivate(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := s.newUser(t, "units@example.com")
	v, err := s.vendors.Create(owner, vendors.CreateRequest{Profile: restaurant("Units")})
	if err != nil {
		t.Fatal(err)
	}
	added, err := s.vendors.AddUnits(owner, vendors.AddUnitsRequest{VendorID: v.ID, Units: append(units("T", 240, 2), units("L", 10, 8)...)})
	if err != nil || len(added.Units) != 250 {
		t.Fatalf("add: %d %v", len(added.Units), err)
	}
	// One bad unit (a taken name) among good ones: none is added.
	batch := append(units("N", 9, 4), vendors.NewUnit{Name: "T00003", Capacity: 4})
	if _, err := s.vendors.AddUnits(owner, vendors.AddUnitsRequest{VendorID: v.ID, Units: batch}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("taken name: %v", err)
	}
	// One invalid capacity: invalid_input naming it, none added.
	batch = append(units("M", 9, 4), vendors.NewUnit{Name: "M-bad", Capacity: 101})
	_, err = s.vendors.AddUnits(owner, vendors.AddUnitsRequest{VendorID: v.ID, Units: batch})
	if e, ok := apperr.As(err); !ok || e.Details["field"] != "units[9].capacity" {
		t.Fatalf("bad capacity: %v", err)
	}
	got, err := s.vendors.Get(context.Background(), v.ID)
	if err != nil || got.Units.Total != 250 || got.Units.ByCapacity["2"] != 240 || got.Units.ByCapacity["8"] != 10 {
		t.Fatalf("summary after failed additions: %+v %v", got.Units, err)
	}
	// Page through, no duplicates.
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := s.vendors.ListUnits(context.Background(), vendors.ListUnitsRequest{VendorID: v.ID, Cursor: cursor, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Items {
			if seen[u.ID] {
				t.Fatalf("unit %s listed twice", u.ID)
			}
			seen[u.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 5 {
			t.Fatal("too many pages")
		}
	}
	if len(seen) != 250 {
		t.Fatalf("listed %d units", len(seen))
	}
	// Deactivate one: gone from the summary and the default list, kept in facts.
	off := false
	u, err := s.vendors.UpdateUnit(owner, vendors.UpdateUnitRequest{VendorID: v.ID, UnitID: added.Units[0].ID, Active: &off})
	if err != nil || u.Active {
		t.Fatalf("deactivate: %+v %v", u, err)
	}
	got, _ = s.vendors.Get(context.Background(), v.ID)
	if got.Units.Total != 249 {
		t.Fatalf("total after deactivation %d", got.Units.Total)
	}
	facts, err := s.vendors.Facts(context.Background(), v.ID)
	if err != nil || len(facts.Units) != 250 || facts.Vendor.Version != got.Version {
		t.Fatalf("facts: %d units, version %d vs %d, %v", len(facts.Units), facts.Vendor.Version, got.Version, err)
	}
	dup := "T00005"
	if _, err := s.vendors.UpdateUnit(owner, vendors.UpdateUnitRequest{VendorID: v.ID, UnitID: added.Units[1].ID, Name: &dup}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("rename onto a taken name: %v", err)
	}
}

// TestEventsExactlyOncePerChange reads VENDOR_EVENTS with a real JetStream
// consumer: one event per change, 3 parts for 2,500 units, no duplicates.
func TestEventsExactlyOncePerChange(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := s.newUser(t, "events@example.com")
	s.newUser(t, "helper@example.com")
	v, err := s.vendors.Create(owner, vendors.CreateRequest{Profile: restaurant("Events")})
	if err != nil {
		t.Fatal(err)
	}
	name := "Events II"
	if _, err := s.vendors.Update(owner, vendors.UpdateRequest{ID: v.ID, Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.vendors.Update(owner, vendors.UpdateRequest{ID: v.ID, Name: &name}); err != nil { // no change: no event
		t.Fatal(err)
	}
	added, err := s.vendors.AddUnits(owner, vendors.AddUnitsRequest{VendorID: v.ID, Units: units("T", 2500, 4)})
	if err != nil {
		t.Fatal(err)
	}
	cap6 := 6
	if _, err := s.vendors.UpdateUnit(owner, vendors.UpdateUnitRequest{VendorID: v.ID, UnitID: added.Units[0].ID, Capacity: &cap6}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.vendors.AddManager(owner, vendors.AddManagerRequest{VendorID: v.ID, Email: "helper@example.com"}); err != nil {
		t.Fatal(err)
	}
	want := []string{vendors.EventVendorCreated, vendors.EventVendorUpdated, vendors.EventUnitsChanged, vendors.EventUnitsChanged,
		vendors.EventUnitsChanged, vendors.EventUnitsChanged, vendors.EventManagerAdded}

	js, err := jetstream.New(s.nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, contracts.StreamVendor.Name, jetstream.ConsumerConfig{
		Durable: "test_vendor_events", AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []contracts.Event
	ids := map[string]bool{}
	poll.Eventually(t, 20*time.Second, fmt.Sprintf("%d vendor events", len(want)), func() error {
		batch, err := cons.Fetch(len(want)-len(got), jetstream.FetchMaxWait(500*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			var e contracts.Event
			if err := platform.DecodeStrict(m.Data(), &e); err != nil {
				t.Fatal(err)
			}
			if ids[e.ID] {
				t.Fatalf("event %s delivered twice", e.ID)
			}
			ids[e.ID] = true
			got = append(got, e)
			_ = m.Ack()
		}
		if len(got) < len(want) {
			return fmt.Errorf("got %d events", len(got))
		}
		return nil
	})
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i, e := range got {
		if e.Type != want[i] || e.AggregateID != v.ID {
			t.Fatalf("event %d: %s on %s, want %s", i, e.Type, e.AggregateID, want[i])
		}
	}
	// Nothing more arrives: the relay has marked everything (no pending rows),
	// so no re-publish can follow.
	info, err := cons.Info(ctx)
	if err != nil || info.NumPending != 0 {
		t.Fatalf("pending after reading all: %+v %v", info, err)
	}
	var parts vendors.UnitsChanged
	total := 0
	for _, e := range got[2:5] {
		if err := e.Decode(&parts); err != nil {
			t.Fatal(err)
		}
		total += len(parts.Units)
		if parts.Parts != 3 || parts.Summary.Total != 2500 || parts.Summary.ByCapacity["4"] != 2500 {
			t.Fatalf("units event: part %d/%d, summary %+v", parts.Part, parts.Parts, parts.Summary)
		}
	}
	if total != 2500 {
		t.Fatalf("units events carry %d units", total)
	}
	var created vendors.VendorChanged
	if err := got[0].Decode(&created); err != nil || created.Vendor.Timezone != "Europe/Berlin" || len(created.Vendor.OpeningHours) != 2 {
		t.Fatalf("created event lacks what search and booking need: %+v %v", created, err)
	}
}

// countingRepo counts database reads of a vendor.
type countingRepo struct {
	app.Repository
	gets atomic.Int64
}

func (r *countingRepo) Get(ctx context.Context, id string) (app.Snapshot, error) {
	r.gets.Add(1)
	return r.Repository.Get(ctx, id)
}

func openApp(t *testing.T) (*app.App, *countingRepo, *platform.Deps) {
	t.Helper()
	n := testenv.StartNATS(t)
	r := testenv.StartRedis(t)
	cfg, err := vendorssvc.ConfigFromEnv(func(k string) string {
		return map[string]string{"NATS_URL": n.URL, "PG_URL": testenv.Postgres(t), "REDIS_URL": r.URL, "REDIS_PREFIX": r.Prefix}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	deps, err := platform.OpenDeps(context.Background(), cfg.Config, platform.DepsSpec{
		Service: "vendor", Schema: postgres.Schema, Migrate: postgres.Migrate, Stream: &contracts.StreamVendor,
	}, platform.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(deps.Close)
	a := vendorssvc.NewApp(deps, platform.Discard())
	repo := &countingRepo{Repository: a.Repo}
	a.Repo = repo
	return a, repo, deps
}

func TestSecondReadIsServedFromRedis(t *testing.T) {
	t.Parallel()
	a, repo, deps := openApp(t)
	ctx := natsrpc.WithActor(context.Background(), "01900000-0000-7000-8000-0000000000aa")
	s, err := a.Onboard(ctx, restaurant("Cached"))
	if err != nil {
		t.Fatal(err)
	}
	// Start cold: drop what onboarding cached.
	if err := deps.Cache.Drop(ctx, deps.Cache.Key("vendor", "vendor", s.Vendor.ID)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		got, err := a.Get(ctx, s.Vendor.ID)
		if err != nil || got.Vendor.Name != "Cached" {
			t.Fatalf("read %d: %+v %v", i, got, err)
		}
	}
	if n := repo.gets.Load(); n != 1 {
		t.Fatalf("three reads made %d database reads, want 1 (then Redis)", n)
	}
}

// TestConcurrentUpdatesNeverLeaveCacheBehind updates one vendor from many
// goroutines while others read; afterwards the cache holds exactly the
// database's version.
func TestConcurrentUpdatesNeverLeaveCacheBehind(t *testing.T) {
	t.Parallel()
	a, _, _ := openApp(t)
	ctx := natsrpc.WithActor(context.Background(), "01900000-0000-7000-8000-0000000000bb")
	s, err := a.Onboard(ctx, restaurant("Race"))
	if err != nil {
		t.Fatal(err)
	}
	id := s.Vendor.ID
	const writers, updates = 6, 10
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 3; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := a.Get(ctx, id); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < updates; i++ {
				name := fmt.Sprintf("Race %d-%d", w, i)
				if _, err := a.Update(ctx, vendors.UpdateRequest{ID: id, Name: &name}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	db, err := a.Repo.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	cached, ok := a.Cache.Get(ctx, id)
	if !ok {
		t.Fatal("nothing cached")
	}
	if want := int64(1 + writers*updates); db.Vendor.Version != want {
		t.Fatalf("database version %d, want %d", db.Vendor.Version, want)
	}
	if cached.Vendor.Version != db.Vendor.Version || cached.Vendor.Name != db.Vendor.Name {
		t.Fatalf("cache v%d %q, database v%d %q", cached.Vendor.Version, cached.Vendor.Name, db.Vendor.Version, db.Vendor.Name)
	}
}

// BenchmarkAddUnits10k onboards 10,000 units in one request through NATS.
func BenchmarkAddUnits10k(b *testing.B) {
	s := testenv.StartAll(b, nil)
	nc := s.Conn(b)
	vc, uc := vendors.NewClient(nc), user.NewClient(nc)
	u, err := uc.SignUp(context.Background(), user.SignUpRequest{Email: "bench@example.com", Password: "correct horse", Name: "B"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := natsrpc.WithActor(context.Background(), u.ID)
	v, err := vc.Create(ctx, vendors.CreateRequest{Profile: restaurant("Bench")})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		res, err := vc.AddUnits(cctx, vendors.AddUnitsRequest{VendorID: v.ID, Units: units(fmt.Sprintf("B%d-", i), 10000, 4)})
		cancel()
		if err != nil || len(res.Units) != 10000 {
			b.Fatalf("%d units, %v", len(res.Units), err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/time.Since(start).Seconds(), "units/s")
}

// TestBookingHorizon: a vendor's booking horizon is set at onboarding (the
// default when left out) and by a patch, and Get, Facts (booking's copy),
// Scan and the vendor's events all carry it; out of range is invalid_input
// naming booking_horizon_days, through the typed client.
func TestBookingHorizon(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := s.newUser(t, "horizon@example.com")
	ctx := context.Background()

	p := restaurant("Horizon")
	p.BookingHorizonDays = 60
	v, err := s.vendors.Create(owner, vendors.CreateRequest{Profile: p})
	if err != nil || v.BookingHorizonDays != 60 {
		t.Fatalf("create with 60 days: %d days, %v", v.BookingHorizonDays, err)
	}
	if got, err := s.vendors.Get(ctx, v.ID); err != nil || got.BookingHorizonDays != 60 {
		t.Fatalf("read back: %d days, %v", got.BookingHorizonDays, err)
	}
	d, err := s.vendors.Create(owner, vendors.CreateRequest{Profile: restaurant("Default horizon")})
	if err != nil || d.BookingHorizonDays != vendors.DefaultBookingHorizonDays {
		t.Fatalf("create without a horizon: %d days, %v; want %d", d.BookingHorizonDays, err, vendors.DefaultBookingHorizonDays)
	}

	wantField := func(what string, err error) {
		t.Helper()
		if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidInput || e.Details["field"] != "booking_horizon_days" {
			t.Fatalf("%s: want invalid_input on booking_horizon_days, got %v", what, err)
		}
	}
	p.BookingHorizonDays = vendors.MaxBookingHorizonDays + 1
	_, err = s.vendors.Create(owner, vendors.CreateRequest{Profile: p})
	wantField("create with 731 days", err)
	for _, bad := range []int{0, -1, vendors.MaxBookingHorizonDays + 1} {
		_, err := s.vendors.Update(owner, vendors.UpdateRequest{ID: v.ID, BookingHorizonDays: &bad})
		wantField(fmt.Sprintf("patch to %d days", bad), err)
	}

	longest := vendors.MaxBookingHorizonDays
	upd, err := s.vendors.Update(owner, vendors.UpdateRequest{ID: v.ID, BookingHorizonDays: &longest})
	if err != nil || upd.BookingHorizonDays != longest || upd.Version != v.Version+1 || upd.Name != v.Name {
		t.Fatalf("patch to %d days: %d days at version %d, %v", longest, upd.BookingHorizonDays, upd.Version, err)
	}
	if got, err := s.vendors.Get(ctx, v.ID); err != nil || got.BookingHorizonDays != longest {
		t.Fatalf("read after the patch: %d days, %v", got.BookingHorizonDays, err)
	}
	facts, err := s.vendors.Facts(ctx, v.ID)
	if err != nil || facts.Vendor.BookingHorizonDays != longest || facts.Vendor.Version != upd.Version {
		t.Fatalf("facts: %d days at version %d, %v", facts.Vendor.BookingHorizonDays, facts.Vendor.Version, err)
	}
	page, err := s.vendors.Scan(ctx, vendors.ScanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	scanned := map[string]int{}
	for _, it := range page.Items {
		scanned[it.Vendor.ID] = it.Vendor.BookingHorizonDays
	}
	if scanned[v.ID] != longest || scanned[d.ID] != vendors.DefaultBookingHorizonDays {
		t.Fatalf("scan: %v", scanned)
	}

	// The events: created (60), created (default), updated (730), in order.
	js, err := jetstream.New(s.nc)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(cctx, contracts.StreamVendor.Name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{vendors.EventVendorCreated, vendors.EventVendorUpdated},
	})
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		id   string
		days int
	}
	want := []seen{{v.ID, 60}, {d.ID, vendors.DefaultBookingHorizonDays}, {v.ID, longest}}
	var got []seen
	poll.Eventually(t, 20*time.Second, fmt.Sprintf("%d vendor events", len(want)), func() error {
		batch, err := cons.Fetch(len(want)-len(got), jetstream.FetchMaxWait(500*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			var e contracts.Event
			if err := platform.DecodeStrict(m.Data(), &e); err != nil {
				t.Fatal(err)
			}
			var changed vendors.VendorChanged
			if err := e.Decode(&changed); err != nil {
				t.Fatal(err)
			}
			got = append(got, seen{changed.Vendor.ID, changed.Vendor.BookingHorizonDays})
		}
		if len(got) < len(want) {
			return fmt.Errorf("got %v", got)
		}
		return nil
	})
	if !slices.Equal(got, want) {
		t.Fatalf("vendor events carry %v, want %v", got, want)
	}
}

// TestCachedVendorWithoutHorizonIsAMiss: a snapshot cached by a release
// before the booking horizon existed (no such field) is not served as a
// horizon of 0 days: the read goes to the database.
func TestCachedVendorWithoutHorizonIsAMiss(t *testing.T) {
	t.Parallel()
	a, repo, deps := openApp(t)
	ctx := natsrpc.WithActor(context.Background(), "01900000-0000-7000-8000-0000000000cc")
	p := restaurant("Old cache")
	p.BookingHorizonDays = 45
	s, err := a.Onboard(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// The entry as the older release wrote it: the same version, no field.
	var old map[string]map[string]any
	b, err := json.Marshal(s)
	if err == nil {
		err = json.Unmarshal(b, &old)
	}
	if err != nil {
		t.Fatal(err)
	}
	delete(old["Vendor"], "HorizonDays")
	if b, err = json.Marshal(old); err != nil {
		t.Fatal(err)
	}
	key := deps.Cache.Key("vendor", "vendor", s.Vendor.ID)
	if err := deps.Cache.Drop(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Cache.Put(ctx, key, s.Vendor.Version, b); err != nil {
		t.Fatal(err)
	}
	got, err := a.Get(ctx, s.Vendor.ID)
	if err != nil || got.Vendor.HorizonDays != 45 || got.Vendor.Name != "Old cache" {
		t.Fatalf("read: %d days %q, %v; want 45 days", got.Vendor.HorizonDays, got.Vendor.Name, err)
	}
	if n := repo.gets.Load(); n != 1 {
		t.Fatalf("%d database reads, want 1 (the old entry is a miss)", n)
	}
}
