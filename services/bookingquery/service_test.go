package bookingquery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	bookingquerysvc "github.com/slotmesh/slotmesh/services/bookingquery"
	"github.com/slotmesh/slotmesh/testenv"
)

func as(user, key string) context.Context {
	ctx := natsrpc.WithActor(context.Background(), user)
	if key != "" {
		ctx = natsrpc.WithIdempotencyKey(ctx, key)
	}
	return ctx
}

func slot(days, hour int) time.Time {
	loc, _ := time.LoadLocation("Europe/Berlin")
	n := time.Now().In(loc).AddDate(0, 0, days)
	return time.Date(n.Year(), n.Month(), n.Day(), hour, 0, 0, 0, loc)
}

type world struct {
	*testenv.System
	bookings *booking.Client
	manage   *bookingquery.Client
	vendorID string
	owner    string
}

func setup(t *testing.T) world {
	t.Helper()
	s := testenv.StartAll(t, nil)
	nc := s.Conn(t)
	w := world{System: s, bookings: booking.NewClient(nc), manage: bookingquery.NewClient(nc), owner: uuid.NewString()}
	var hours []vendors.OpeningHours
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		hours = append(hours, vendors.OpeningHours{Weekday: d, Open: "00:00", Close: "24:00"})
	}
	vc := vendors.NewClient(nc)
	v, err := vc.Create(as(w.owner, ""), vendors.CreateRequest{Profile: vendors.Profile{
		Kind: "restaurant", Name: "Test", Timezone: "Europe/Berlin", Address: "Somewhere 1",
		Location: vendors.Location{Lat: 52.5, Lng: 13.4}, Tags: []string{"italian"}, OpeningHours: hours,
		SlotMinutes: 30, StayMinutes: 90, Deposit: vendors.Deposit{Currency: "EUR", Per: "booking"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vc.AddUnits(as(w.owner, ""), vendors.AddUnitsRequest{VendorID: v.ID, Units: []vendors.NewUnit{{Name: "T1", Capacity: 4}, {Name: "T2", Capacity: 4}}}); err != nil {
		t.Fatal(err)
	}
	w.vendorID = v.ID
	return w
}

func (w world) book(t *testing.T, user string, at time.Time) booking.Booking {
	t.Helper()
	b, err := w.bookings.Create(as(user, uuid.NewString()), booking.CreateRequest{VendorID: w.vendorID, Start: at, PartySize: 2, PaymentMethod: "pm_card_visa"})
	if err != nil || b.Status != booking.StatusConfirmed {
		t.Fatalf("book %s: %+v %v", at, b, err)
	}
	return b
}

func ids(p booking.Page) []string {
	out := []string{}
	for _, b := range p.Items {
		out = append(out, b.ID)
	}
	return out
}

func (w world) current(t *testing.T, user string, r bookingquery.ListRequest) booking.Page {
	t.Helper()
	p, err := w.manage.User(as(user, ""), r)
	if err != nil {
		t.Fatalf("list %+v: %v", r, err)
	}
	return p
}

// Current bookings come from bookingdata_cache: warmed from the booking
// service on first read, kept in step by every change, readable while the
// booking service is down.
func TestCurrentFromCacheStaysInStep(t *testing.T) {
	t.Parallel()
	w := setup(t)
	diner := uuid.NewString()
	b2 := w.book(t, diner, slot(3, 19))
	b1 := w.book(t, diner, slot(2, 19))
	b3 := w.book(t, diner, slot(4, 19))

	if got := ids(w.current(t, diner, bookingquery.ListRequest{})); !slices.Equal(got, []string{b1.ID, b2.ID, b3.ID}) {
		t.Fatalf("current, soonest first: %v", got)
	}
	warm := w.Redis.Prefix + booking.CacheService + ":" + booking.CacheEntityUserCurrent + ":{" + diner + "}:data"
	if n := w.Redis.Client.Exists(context.Background(), warm).Val(); n != 1 {
		t.Fatalf("the user's index is not warm after a read (%s)", warm)
	}
	// Changes show at once (the booking service keeps the warm index in step).
	if _, err := w.bookings.Cancel(as(diner, uuid.NewString()), b2.ID); err != nil {
		t.Fatal(err)
	}
	b4 := w.book(t, diner, slot(5, 12))
	if got := ids(w.current(t, diner, bookingquery.ListRequest{})); !slices.Equal(got, []string{b1.ID, b3.ID, b4.ID}) {
		t.Fatalf("current after a cancel and a booking: %v", got)
	}
	// A page at a time.
	var paged []string
	r := bookingquery.ListRequest{Limit: 1}
	for range 5 {
		p := w.current(t, diner, r)
		paged = append(paged, ids(p)...)
		if p.NextCursor == "" {
			break
		}
		r.Cursor = p.NextCursor
	}
	if !slices.Equal(paged, []string{b1.ID, b3.ID, b4.ID}) {
		t.Fatalf("paged: %v", paged)
	}
	// The vendor's view (managers only), with a time window.
	from, to := slot(3, 0), slot(5, 0)
	p, err := w.manage.Vendor(as(w.owner, ""), bookingquery.ListRequest{VendorID: w.vendorID, From: &from, To: &to})
	if err != nil || !slices.Equal(ids(p), []string{b3.ID}) {
		t.Fatalf("vendor window: %v %v", ids(p), err)
	}
	if _, err := w.manage.Vendor(as(diner, ""), bookingquery.ListRequest{VendorID: w.vendorID}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("a diner lists the vendor's bookings: %v", err)
	}
	// With the booking service down, current lists still answer from Redis.
	if err := w.Mesh.StopService("booking"); err != nil {
		t.Fatal(err)
	}
	if got := ids(w.current(t, diner, bookingquery.ListRequest{})); !slices.Equal(got, []string{b1.ID, b3.ID, b4.ID}) {
		t.Fatalf("current with booking down: %v", got)
	}
}

// When Redis cannot answer, the booking service does.
func TestCurrentFallsBackToBookingWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	w := setup(t)
	diner := uuid.NewString()
	b1 := w.book(t, diner, slot(2, 20))
	if err := w.Mesh.StopService(bookingquery.Service); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NATS_URL": w.NATS.URL, "PG_URL": w.PGURL, "REDIS_URL": "redis://127.0.0.1:1/0"}
	cfg, err := bookingquerysvc.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	svc, err := bookingquerysvc.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	if got := ids(w.current(t, diner, bookingquery.ListRequest{})); !slices.Equal(got, []string{b1.ID}) {
		t.Fatalf("current without Redis: %v", got)
	}
}

func TestListValidation(t *testing.T) {
	t.Parallel()
	w := setup(t)
	diner := uuid.NewString()
	later, earlier := slot(3, 0), slot(2, 0)
	for _, tc := range []struct {
		r     bookingquery.ListRequest
		field string
	}{
		{bookingquery.ListRequest{Scope: "someday"}, "scope"},
		{bookingquery.ListRequest{Status: "LOST"}, "status"},
		{bookingquery.ListRequest{Scope: "current", Status: "CANCELLED"}, "status"},
		{bookingquery.ListRequest{Scope: "past", Status: "CONFIRMED"}, "status"},
		{bookingquery.ListRequest{Limit: 201}, "limit"},
		{bookingquery.ListRequest{Cursor: "nope"}, "cursor"},
		{bookingquery.ListRequest{From: &later, To: &earlier}, "to"},
		{bookingquery.ListRequest{VendorID: w.vendorID}, "vendor_id"},
	} {
		t.Run(fmt.Sprintf("%+v", tc.r), func(t *testing.T) {
			_, err := w.manage.User(as(diner, ""), tc.r)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput || fmt.Sprint(e.Details["field"]) != tc.field {
				t.Fatalf("want invalid_input on %s, got %v", tc.field, err)
			}
		})
	}
	if _, err := w.manage.User(context.Background(), bookingquery.ListRequest{}); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("no actor: %v", err)
	}
	if _, err := w.manage.Vendor(as(w.owner, ""), bookingquery.ListRequest{VendorID: uuid.NewString()}); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown vendor: %v", err)
	}
}
