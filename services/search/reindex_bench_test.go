package search_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/search"
	"github.com/slotmesh/slotmesh/testenv"
)

// BenchmarkReindex onboards SEARCH_REINDEX_VENDORS vendors (default 1,000)
// with 5 units each through the vendor service, then times `search
// reindex -reset` from the services; it reports vendors/s.
func BenchmarkReindex(b *testing.B) {
	n := 1000
	if s := os.Getenv("SEARCH_REINDEX_VENDORS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	sys := testenv.StartAll(b, nil)
	nc := sys.Conn(b)
	u, err := user.NewClient(nc).SignUp(context.Background(), user.SignUpRequest{Email: "bench@example.com", Password: "correct horse", Name: "B"})
	if err != nil {
		b.Fatal(err)
	}
	owner := natsrpc.WithActor(context.Background(), u.ID)
	vc := vendors.NewClient(nc)
	var hours []vendors.OpeningHours
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		hours = append(hours, vendors.OpeningHours{Weekday: d, Open: "11:00", Close: "23:00"})
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var failed error
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				v, err := vc.Create(owner, vendors.CreateRequest{Profile: vendors.Profile{
					Kind: "restaurant", Name: fmt.Sprintf("V%06d", i), Timezone: "Europe/Berlin", Address: "Somewhere 1",
					Location: vendors.Location{Lat: 52.3 + float64(i%100)*0.005, Lng: 13.2 + float64(i/100%100)*0.005},
					Tags:     []string{[]string{"italian", "vegan", "sushi", "bistro"}[i%4]}, OpeningHours: hours,
					Deposit: vendors.Deposit{Currency: "EUR", Per: "booking"},
				}})
				if err == nil {
					us := make([]vendors.NewUnit, 5)
					for j := range us {
						us[j] = vendors.NewUnit{Name: fmt.Sprintf("T%d", j), Capacity: 2 + 2*(j%3)}
					}
					_, err = vc.AddUnits(owner, vendors.AddUnitsRequest{VendorID: v.ID, Units: us})
				}
				if err != nil {
					once.Do(func() { failed = err })
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	cfg := reindexConfig(b, sys)
	b.ResetTimer()
	for b.Loop() {
		st, err := search.Reindex(context.Background(), cfg, platform.Discard(), search.ReindexOptions{Reset: true})
		if err != nil {
			b.Fatal(err)
		}
		if st.Vendors != int64(n) {
			b.Fatalf("reindexed %d vendors, want %d", st.Vendors, n)
		}
		b.ReportMetric(float64(st.Vendors)/st.Elapsed.Seconds(), "vendors/s")
	}
}
