package schedule

import (
	"testing"
	"time"
)

func TestFree(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC) // slot 19:00-20:30
	at := func(h, m int) time.Time {
		return base.Add(time.Duration(h-18)*time.Hour + time.Duration(m)*time.Minute)
	}
	slot := Range{Start: at(19, 0), End: at(20, 30)}
	now := at(12, 0)
	t1 := Unit{ID: "t1", Capacity: 4, Active: true}
	t2 := Unit{ID: "t2", Capacity: 4, Active: true}
	t3 := Unit{ID: "t3", Capacity: 6, Active: true}
	small := Unit{ID: "s", Capacity: 2, Active: true}
	off := Unit{ID: "off", Capacity: 8}
	hold := func(id string, fh, fm, th, tm int) Hold {
		return Hold{UnitID: id, During: Range{Start: at(fh, fm), End: at(th, tm)}}
	}
	cases := []struct {
		name     string
		units    []Unit
		holds    []Hold
		party    int
		quantity int
		now      time.Time
		want     bool
	}{
		{"one free unit", []Unit{t1}, nil, 2, 1, now, true},
		{"no units", nil, nil, 2, 1, now, false},
		{"a party the unit seats exactly", []Unit{t1}, nil, 4, 1, now, true},
		{"a unit smaller than the party does not count", []Unit{small}, nil, 3, 1, now, false},
		{"an inactive unit does not count", []Unit{off}, nil, 2, 1, now, false},
		{"an inactive unit does not count toward quantity", []Unit{t1, off}, nil, 2, 2, now, false},
		{"a small unit does not count toward quantity", []Unit{t1, small}, nil, 4, 2, now, false},
		{"start equal to now is not free", []Unit{t1}, nil, 2, 1, at(19, 0), false},
		{"start before now is not free", []Unit{t1}, nil, 2, 1, at(19, 30), false},
		{"start just after now is free", []Unit{t1}, nil, 2, 1, at(18, 59), true},
		{"a hold over the whole slot takes the unit", []Unit{t1}, []Hold{hold("t1", 19, 0, 20, 30)}, 2, 1, now, false},
		{"a hold overlapping the slot's end takes the unit", []Unit{t1}, []Hold{hold("t1", 20, 29, 22, 0)}, 2, 1, now, false},
		{"a hold overlapping the slot's start takes the unit", []Unit{t1}, []Hold{hold("t1", 17, 30, 19, 1)}, 2, 1, now, false},
		{"a hold inside the slot takes the unit", []Unit{t1}, []Hold{hold("t1", 19, 30, 19, 45)}, 2, 1, now, false},
		{"a hold ending at the slot's start frees nothing", []Unit{t1}, []Hold{hold("t1", 17, 30, 19, 0)}, 2, 1, now, true},
		{"a hold starting at the slot's end frees nothing", []Unit{t1}, []Hold{hold("t1", 20, 30, 22, 0)}, 2, 1, now, true},
		{"a hold on another unit leaves this one free", []Unit{t1, t2}, []Hold{hold("t2", 19, 0, 20, 30)}, 2, 1, now, true},
		{"a hold on a unit not listed is ignored", []Unit{t1}, []Hold{hold("zz", 19, 0, 20, 30)}, 2, 1, now, true},
		{"holds on every unit", []Unit{t1, t2}, []Hold{hold("t1", 19, 0, 20, 30), hold("t2", 20, 0, 21, 0)}, 2, 1, now, false},
		{"quantity 2 of 2 free", []Unit{t1, t2}, nil, 2, 2, now, true},
		{"quantity 3 of 2 units", []Unit{t1, t2}, nil, 2, 3, now, false},
		{"quantity 2 with one held", []Unit{t1, t2}, []Hold{hold("t1", 19, 0, 20, 30)}, 2, 2, now, false},
		{"quantity 2 with one held and a third free", []Unit{t1, t2, t3}, []Hold{hold("t1", 19, 0, 20, 30)}, 2, 2, now, true},
		{"quantity 2: two holds on one unit take one unit", []Unit{t1, t2, t3}, []Hold{hold("t1", 19, 0, 19, 30), hold("t1", 20, 0, 20, 30)}, 2, 2, now, true},
		{"quantity 2: held and too small leave one", []Unit{t1, small, t3}, []Hold{hold("t3", 19, 0, 20, 30)}, 4, 2, now, false},
		{"quantity 2 in the past", []Unit{t1, t2}, nil, 2, 2, at(19, 0), false},
		{"quantity 0 counts as 1: free", []Unit{t1}, nil, 2, 0, now, true},
		{"quantity 0 counts as 1: nothing free", []Unit{t1}, []Hold{hold("t1", 19, 0, 20, 30)}, 2, 0, now, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Free(c.units, c.holds, slot, c.party, c.quantity, c.now); got != c.want {
				t.Errorf("Free(party %d, quantity %d) = %v, want %v", c.party, c.quantity, got, c.want)
			}
		})
	}
}

func TestUnitSeats(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		u     Unit
		party int
		want  bool
	}{
		{Unit{Capacity: 4, Active: true}, 4, true},
		{Unit{Capacity: 4, Active: true}, 5, false},
		{Unit{Capacity: 4}, 2, false},
	} {
		if got := c.u.Seats(c.party); got != c.want {
			t.Errorf("%+v.Seats(%d) = %v, want %v", c.u, c.party, got, c.want)
		}
	}
}

func TestFreeAllocates(t *testing.T) {
	units := []Unit{{ID: "a", Capacity: 4, Active: true}, {ID: "b", Capacity: 4, Active: true}}
	holds := []Hold{{UnitID: "a", During: Range{Start: time.Unix(100, 0), End: time.Unix(200, 0)}}}
	slot := Range{Start: time.Unix(150, 0), End: time.Unix(250, 0)}
	if n := testing.AllocsPerRun(100, func() { Free(units, holds, slot, 2, 1, time.Unix(0, 0)) }); n != 0 {
		t.Errorf("Free allocates %v times", n)
	}
}
