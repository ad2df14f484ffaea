package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/app"
)

type fakeStore struct{ put []booking.Booking }

func (f *fakeStore) Put(_ context.Context, b booking.Booking) error {
	f.put = append(f.put, b)
	return nil
}
func (f *fakeStore) List(context.Context, archive.ListRequest) (archive.Page, error) {
	return archive.Page{}, nil
}
func (f *fakeStore) Get(context.Context, string) (booking.Booking, error) {
	return booking.Booking{}, nil
}

func ev(data any) contracts.Event {
	raw, _ := json.Marshal(data)
	return contracts.Event{ID: "e1", Type: booking.EventAvailed, Data: raw}
}

func TestArchive(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("CET", 3600)
	ok := booking.Booking{ID: "b", UserID: "u", VendorID: "v", Status: booking.StatusNoShow, Start: time.Date(2026, 1, 2, 20, 0, 0, 0, zone), Version: 3}
	for _, c := range []struct {
		name   string
		e      contracts.Event
		stored bool
	}{
		{"final", ev(booking.Changed{Booking: ok}), true},
		{"undecodable", contracts.Event{ID: "e", Type: booking.EventAvailed, Data: []byte(`[1,2]`)}, false},
		{"not final", ev(booking.Changed{Booking: func() booking.Booking { b := ok; b.Status = booking.StatusConfirmed; return b }()}), false},
		{"no user", ev(booking.Changed{Booking: func() booking.Booking { b := ok; b.UserID = ""; return b }()}), false},
		{"empty", ev(map[string]any{}), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeStore{}
			err := (&app.App{Store: f}).Archive(context.Background(), c.e)
			if c.stored {
				if err != nil || len(f.put) != 1 || f.put[0].Start.Location() != time.UTC || !f.put[0].Start.Equal(ok.Start) {
					t.Fatalf("err %v, stored %+v", err, f.put)
				}
				return
			}
			if !apperr.Is(err, apperr.InvalidInput) || len(f.put) != 0 {
				t.Fatalf("err %v (want invalid_input), stored %d", err, len(f.put))
			}
		})
	}
}

func TestValidateList(t *testing.T) {
	t.Parallel()
	r := archive.ListRequest{UserID: " u "}
	if err := app.ValidateList(&r); err != nil || r.Limit != archive.DefaultLimit || r.UserID != "u" {
		t.Fatalf("%+v %v", r, err)
	}
	r = archive.ListRequest{VendorID: "v", Limit: archive.MaxLimit, Status: booking.StatusExpired}
	if err := app.ValidateList(&r); err != nil {
		t.Fatal(err)
	}
}
