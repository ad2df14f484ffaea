package domain

import (
	"fmt"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/schedule"
)

// BenchmarkAvailable is the availability step of one search with a start
// time, as BenchmarkSearchPostgres shapes it (services/search): candidates
// sharing one calendar, 1-6 units each, a third booked out at 19:00; all
// through one memory of slots. Parties of 2 (most units seat them) and 6
// (few do, so more units and holds are looked at).
func BenchmarkAvailable(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	hours := make([]schedule.Interval, 7)
	for d := range hours {
		hours[d] = schedule.Interval{Weekday: d, Open: 11 * 60, Close: 23 * 60}
	}
	at19 := time.Date(2026, 12, 1, 19, 0, 0, 0, berlin)
	now := at19.AddDate(0, 0, -3)
	facts := make([]Facts, 60)
	for i := range facts {
		s := schedule.Schedule{ID: fmt.Sprint(i), Kind: schedule.Restaurant, Timezone: "Europe/Berlin", Hours: hours,
			SlotMinutes: 30, StayMinutes: 90}
		units := make([]Unit, 1+i%6)
		var holds []Hold
		for u := range units {
			units[u] = Unit{ID: fmt.Sprintf("%d-u%d", i, u), Capacity: 2 + 2*(u%3), Active: true}
			if i%3 == 0 {
				holds = append(holds, Hold{UnitID: units[u].ID, During: schedule.Range{Start: at19.Add(-30 * time.Minute), End: at19.Add(time.Hour)}})
			}
		}
		facts[i] = Facts{Schedule: s, Units: units, Holds: holds}
	}
	for _, party := range []int{2, 6} {
		b.Run(fmt.Sprintf("party%d_60vendors", party), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				var memo Slots
				for _, f := range facts {
					if _, _, err := memo.Available(f, at19, party, now); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		// The same with the day's slots already remembered: what is left
		// is mostly the free-unit rule over every slot in the window.
		b.Run(fmt.Sprintf("party%d_60vendors_warm", party), func(b *testing.B) {
			b.ReportAllocs()
			var memo Slots
			for range b.N {
				for _, f := range facts {
					if _, _, err := memo.Available(f, at19, party, now); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
