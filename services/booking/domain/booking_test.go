package domain

import (
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

func TestStateMachine(t *testing.T) {
	t.Parallel()
	all := []string{Blocked, Confirmed, Failed, Expired, Cancelled, Availed, NoShow}
	allowed := map[[2]string]bool{
		{Blocked, Confirmed}: true, {Blocked, Failed}: true, {Blocked, Expired}: true,
		{Confirmed, Cancelled}: true, {Confirmed, Availed}: true, {Confirmed, NoShow}: true,
	}
	for _, from := range all {
		for _, to := range all {
			b := Booking{Status: from}
			err := b.Move(to, time.Now())
			if allowed[[2]string{from, to}] != (err == nil) {
				t.Errorf("%s -> %s: err %v", from, to, err)
			}
			if err != nil && !apperr.Is(err, apperr.InvalidState) {
				t.Errorf("%s -> %s: want invalid_state, got %v", from, to, err)
			}
		}
	}
	start := time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)
	if CheckNoShow(start, start.Add(10*time.Minute)) == nil || CheckNoShow(start, start.Add(16*time.Minute)) != nil {
		t.Error("no-show grace")
	}
}

// TestScheduleDelegation: booking's vendor answers exactly what the shared
// schedule answers (the cases live in services/internal/schedule).
func TestScheduleDelegation(t *testing.T) {
	t.Parallel()
	v := Vendor{ID: "v", Kind: Restaurant, Timezone: "Europe/Berlin", SlotMinutes: 30, StayMinutes: 90, Active: true,
		Hours: []Interval{{Weekday: 4, Open: 1200, Close: 1560}}}
	got, err := v.Slots(2026, 12, 5)
	want, err2 := v.Schedule().Slots(2026, 12, 5)
	if err != nil || err2 != nil || len(got) != 2 || len(got) != len(want) ||
		!got[0].Start.Equal(want[0].Start) || !got[1].End.Equal(want[1].End) {
		t.Fatalf("Slots %v %v, schedule %v %v", got, err, want, err2)
	}
	start := got[0].Start
	r, err := v.Resolve(start, nil, start.Add(-time.Hour))
	if err != nil || !r.Start.Equal(got[0].Start) || !r.End.Equal(got[0].End) {
		t.Fatalf("Resolve %v %v", r, err)
	}
	if _, err := (Vendor{ID: "x", Timezone: "Nowhere/Land"}).Location(); err == nil {
		t.Fatal("bad zone accepted")
	}
}
