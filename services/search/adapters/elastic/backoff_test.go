package elastic_test

import (
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/search/adapters/elastic"
)

func TestDefaultBackoff(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		attempt int
		d       time.Duration // ±25%
	}{
		{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {4, 800 * time.Millisecond},
		{6, 3200 * time.Millisecond}, {7, 5 * time.Second}, {40, 5 * time.Second},
	} {
		for range 50 {
			if got := elastic.DefaultBackoff(tt.attempt); got < tt.d*3/4 || got > tt.d*5/4 {
				t.Fatalf("DefaultBackoff(%d) = %s, want within 25%% of %s", tt.attempt, got, tt.d)
			}
		}
	}
}
