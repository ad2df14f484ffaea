package memory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/slotmesh/slotmesh/services/search/app"
)

// first picks the same k candidates, in the same order, as a full sort,
// ties on distance broken by vendor id.
func TestFirstIsTheSortedPrefix(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		n, k := r.IntN(500), 1+r.IntN(60)
		cs := make([]cand, n)
		for i := range cs {
			cs[i] = cand{e: &entry{doc: app.Doc{VendorID: fmt.Sprintf("v%03d", r.IntN(1000))}}, d: float64(r.IntN(50)) / 10}
		}
		want := slices.Clone(cs)
		slices.SortFunc(want, compare)
		want = want[:min(n, k)]
		got := first(slices.Clone(cs), k)
		if len(got) != len(want) {
			t.Fatalf("n=%d k=%d: %d candidates, want %d", n, k, len(got), len(want))
		}
		for i := range got {
			if compare(got[i], want[i]) != 0 {
				t.Fatalf("n=%d k=%d: at %d %v, want %v", n, k, i, got[i], want[i])
			}
		}
	}
}
