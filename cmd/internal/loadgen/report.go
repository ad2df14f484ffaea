package loadgen

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// ReportSchema names the report's JSON layout; bump it on a breaking change.
const ReportSchema = "slotmesh.load/v1"

// Recorder collects per-operation latencies and outcomes. Safe for
// concurrent use.
type Recorder struct {
	mu    sync.Mutex
	ops   map[string]*opStats
	races *raceStats // nil until a race was fired
}

type errKey struct {
	status int
	code   string
}

type opStats struct {
	hist    *Histogram
	ok      int64
	skipped int64
	errs    map[errKey]int64
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{ops: map[string]*opStats{}} }

func (r *Recorder) op(name string) *opStats {
	s := r.ops[name]
	if s == nil {
		s = &opStats{hist: NewHistogram(), errs: map[errKey]int64{}}
		r.ops[name] = s
	}
	return s
}

// Record adds one answered (or failed) request: its latency from its
// scheduled start, its HTTP status (0: no answer) and, when not 2xx, the API
// error code (or what went wrong on the way).
func (r *Recorder) Record(op string, latency time.Duration, status int, code string) {
	r.mu.Lock()
	s := r.op(op)
	if status >= 200 && status < 300 {
		s.ok++
	} else {
		s.errs[errKey{status, code}]++
	}
	r.mu.Unlock()
	s.hist.Record(latency)
}

// Skip counts an arrival that sent nothing (e.g. a change before any booking).
func (r *Recorder) Skip(op string) {
	r.mu.Lock()
	r.op(op).skipped++
	r.mu.Unlock()
}

// OpReport is one operation's outcome.
type OpReport struct {
	Requests int64   `json:"requests"`
	OK       int64   `json:"ok"`
	Errors   int64   `json:"errors"`
	Skipped  int64   `json:"skipped,omitempty"`
	Rate     float64 `json:"rate"` // requests a second over the schedule
	Latency  Latency `json:"latency_ms"`
}

// ErrorCount is how often an operation got one status and error code.
type ErrorCount struct {
	Op     string `json:"op"`
	Status int    `json:"status"` // 0: no HTTP answer (code says why)
	Code   string `json:"code"`
	Count  int64  `json:"count"`
}

// GeneratorUsage is what the generator itself cost: it must not be the
// bottleneck.
type GeneratorUsage struct {
	CPUSeconds  float64 `json:"cpu_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	Cores       int     `json:"cores"`
	// CPUFraction is CPU time / (wall time × cores): the share of the machine
	// the process used (the whole process: when the system under test runs in
	// the same process, as in tests, it is included).
	CPUFraction   float64 `json:"cpu_fraction"`
	LagP99Ms      float64 `json:"schedule_lag_p99_ms"` // how late requests started
	LagMaxMs      float64 `json:"schedule_lag_max_ms"`
	MaxInFlight   int64   `json:"max_in_flight"`
	InFlightCap   int     `json:"in_flight_cap"`
	Dropped       int64   `json:"dropped"` // arrivals not sent: the cap was reached
	InSameProcess bool    `json:"in_same_process,omitempty"`
}

// Report is a load run's result, written as report.json and report.md.
type Report struct {
	Schema       string              `json:"schema"`
	Target       string              `json:"target"`
	StartedAt    time.Time           `json:"started_at"`
	DurationS    float64             `json:"duration_s"` // the schedule's length
	WallS        float64             `json:"wall_s"`     // until the last answer
	Mix          map[string]int      `json:"mix"`
	OfferedRate  float64             `json:"offered_rate"`  // arrivals a second asked for
	AchievedRate float64             `json:"achieved_rate"` // requests sent a second
	AnsweredRate float64             `json:"answered_rate"` // 2xx answers a second of wall time
	Scheduled    int64               `json:"scheduled"`
	Sent         int64               `json:"sent"`
	Skipped      int64               `json:"skipped"`
	Dropped      int64               `json:"dropped"`
	Ops          map[string]OpReport `json:"ops"`
	All          OpReport            `json:"all"`
	Errors       []ErrorCount        `json:"errors"`
	Status5xx    int64               `json:"status_5xx"`
	Generator    GeneratorUsage      `json:"generator"`
	Catalogue    CatalogueInfo       `json:"catalogue"`
	Races        *RaceReport         `json:"races,omitempty"` // when the mix has races
}

// CatalogueInfo is what the generator worked over.
type CatalogueInfo struct {
	Users            int `json:"users"`
	VendorsKnown     int `json:"vendors_known"` // discovered before and during the run
	BookingsLeftOpen int `json:"bookings_left_open"`
}

// build fills the per-operation part of a report from the recorder.
func (r *Recorder) build(rep *Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep.Ops = map[string]OpReport{}
	all := NewHistogram()
	dur := max(rep.DurationS, 1e-9)
	for name, s := range r.ops {
		var nerr int64
		for k, n := range s.errs {
			nerr += n
			rep.Errors = append(rep.Errors, ErrorCount{Op: name, Status: k.status, Code: k.code, Count: n})
			if k.status >= 500 {
				rep.Status5xx += n
			}
		}
		o := OpReport{Requests: s.ok + nerr, OK: s.ok, Errors: nerr, Skipped: s.skipped, Latency: s.hist.Summary()}
		o.Rate = float64(o.Requests) / dur
		rep.Ops[name] = o
		rep.All.Requests += o.Requests
		rep.All.OK += o.OK
		rep.All.Errors += o.Errors
		rep.All.Skipped += o.Skipped
		all.Merge(s.hist)
	}
	rep.All.Rate = float64(rep.All.Requests) / dur
	rep.All.Latency = all.Summary()
	rep.Skipped = rep.All.Skipped
	slices.SortFunc(rep.Errors, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Op, b.Op), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Code, b.Code))
	})
	if rep.Errors == nil {
		rep.Errors = []ErrorCount{}
	}
	rep.Races = r.races.report()
}

// opOrder is the order of operations in the Markdown table.
var opOrder = []string{OpSearch, OpAvailability, OpBook, OpUpdate, OpCancel, OpRace}

// Markdown renders the report for humans.
func (rep *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# slotmesh load run, %s\n\n", rep.StartedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Open loop against %s: %.0f requests/s offered for %.0f s (mix %s), %.1f/s sent, %.1f/s answered 2xx. "+
		"Latency is from each request's scheduled start (queueing behind a slow answer counts).\n\n",
		rep.Target, rep.OfferedRate, rep.DurationS, mixString(rep.Mix), rep.AchievedRate, rep.AnsweredRate)
	b.WriteString("| op | requests | ok | errors | skipped | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, o OpReport) {
		l := o.Latency
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
			name, o.Requests, o.OK, o.Errors, o.Skipped, l.P50, l.P90, l.P99, l.P999, l.Max)
	}
	names := slices.Clone(opOrder)
	for name := range rep.Ops {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range names {
		if o, ok := rep.Ops[name]; ok {
			row(name, o)
		}
	}
	row("**all**", rep.All)
	if len(rep.Errors) > 0 {
		b.WriteString("\n| op | status | code | count |\n|---|---:|---|---:|\n")
		for _, e := range rep.Errors {
			fmt.Fprintf(&b, "| %s | %d | %s | %d |\n", e.Op, e.Status, e.Code, e.Count)
		}
	} else {
		b.WriteString("\nNo errors.\n")
	}
	if rep.Races != nil {
		fmt.Fprintf(&b, "\nRaces (concurrent changes of one booking): %s.\n", rep.Races.Summary())
		for _, e := range rep.Races.Examples {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	g := rep.Generator
	same := ""
	if g.InSameProcess {
		same = " (the system under test ran in the same process and is included)"
	}
	fmt.Fprintf(&b, "\nGenerator: %.2f CPU-s over %.1f s on %d cores = %.1f%% of the machine%s; "+
		"start lag p99 %.2f ms, max %.2f ms; at most %d requests in flight (cap %d), %d dropped. "+
		"%d users, %d vendors known, %d of its bookings left open.\n",
		g.CPUSeconds, g.WallSeconds, g.Cores, 100*g.CPUFraction, same, g.LagP99Ms, g.LagMaxMs, g.MaxInFlight, g.InFlightCap, g.Dropped,
		rep.Catalogue.Users, rep.Catalogue.VendorsKnown, rep.Catalogue.BookingsLeftOpen)
	return b.String()
}

func mixString(m map[string]int) string {
	var parts []string
	for _, op := range []string{OpSearch, OpAvailability, OpBook, OpChange, OpRace} {
		if w, ok := m[op]; ok {
			parts = append(parts, fmt.Sprintf("%s=%d", op, w))
		}
	}
	return strings.Join(parts, ",")
}

// Write saves report.json and report.md into dir (made if missing).
func (rep *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(rep.Markdown()), 0o644)
}
