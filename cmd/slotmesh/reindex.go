package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/slotmesh/slotmesh/services/mesh"
	"github.com/slotmesh/slotmesh/services/search"
)

// reindexCmd is `slotmesh search reindex [-reset]`: rebuild the search index
// from the vendor and booking services, with a progress bar on stderr.
func reindexCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("search reindex", "[-reset]", `
Rebuild the search index (SEARCH_URL) from the vendor and booking services, reached over
NATS_URL, with a progress bar on stderr. Safe to repeat, and to interrupt.`, stdout, stderr)
	reset := f.Bool("reset", false, "empty the index first (a new engine, or a corrupted index); searches find less until done")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	cfg, err := search.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	log := mesh.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	var bar *progressbar.ProgressBar
	progress := func(done, total int64) {
		if bar == nil {
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("reindexing"),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("docs"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
			)
		}
		if total != bar.GetMax64() {
			bar.ChangeMax64(total)
		}
		_ = bar.Set64(done)
	}
	st, err := search.Reindex(ctx, cfg, log, search.ReindexOptions{Reset: *reset, Progress: progress})
	if bar != nil && err == nil {
		_ = bar.Finish()
	} else if bar != nil {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Not context.Canceled: an interrupted reindex is a failure.
			return fmt.Errorf("search reindex interrupted after %d of %d (run it again; it is safe to repeat)",
				st.Vendors+st.Bookings+st.Skipped, st.Total)
		}
		return err
	}
	rate := 0.0
	if secs := st.Elapsed.Seconds(); secs > 0 {
		rate = float64(st.Vendors+st.Bookings) / secs
	}
	fmt.Fprintf(stdout, "search reindexed in %s: %d vendors (%d units), %d current bookings, %d skipped (%.0f/s)\n",
		st.Elapsed.Round(time.Millisecond), st.Vendors, st.Units, st.Bookings, st.Skipped, rate)
	return nil
}
