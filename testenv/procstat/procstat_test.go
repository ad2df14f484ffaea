package procstat

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/procfs"
)

// procWith is a /proc holding only a stat file with the given content.
func procWith(t *testing.T, stat string) procfs.FS {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := procfs.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestTimes(t *testing.T) {
	t.Parallel()
	const hz = 100 // /proc/stat counts in USER_HZ ticks; procfs gives seconds
	tests := []struct {
		name        string
		stat        string
		busy, total float64 // ticks
		ok          bool
	}{
		{"idle and iowait are not busy", "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5\n", 150, 1000, true},
		{"guest time is already in user", "cpu  100 10 50 800 40 5 5 0 30 7\n", 170, 1010, true},
		{"only per-cpu lines", "cpu0 1 2 3 4 5 6\n", 0, 0, false},
		{"garbage", "cpu  a b c d e f\n", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			busy, total, ok := times(procWith(t, tt.stat))
			if math.Abs(busy*hz-tt.busy) > 1e-6 || math.Abs(total*hz-tt.total) > 1e-6 || ok != tt.ok {
				t.Fatalf("times = %v %v %v (seconds), want %v %v %v (ticks)", busy, total, ok, tt.busy, tt.total, tt.ok)
			}
		})
	}
}

func TestBusyUnreadable(t *testing.T) {
	t.Parallel()
	fs, err := procfs.NewFS(t.TempDir()) // no stat file
	if err != nil {
		t.Fatal(err)
	}
	if b := busy(context.Background(), fs, time.Millisecond); b != -1 {
		t.Fatalf("busy without /proc/stat = %v, want -1", b)
	}
}

func TestWaitQuietStopsAtMax(t *testing.T) {
	t.Parallel()
	// Nothing is ever at most -0.5 busy: it must give up at max, not hang.
	_, waited := WaitQuiet(context.Background(), -0.5, time.Second)
	if waited < time.Second {
		t.Fatalf("gave up after %s, before max (1 s)", waited)
	}
}
