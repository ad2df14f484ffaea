package benchreport

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ChaosSchema is the layout of a chaos run's report.json this package reads
// (cmd/internal/chaos, `slotmesh chaos`).
const ChaosSchema = "slotmesh.chaos/v1"

// ChaosRun is the part of a chaos report.json the benchmark report uses.
type ChaosRun struct {
	Path          string        `json:"-"`
	Schema        string        `json:"schema"`
	StartedAt     time.Time     `json:"started_at"`
	LoadStartedAt time.Time     `json:"load_started_at"`
	Machine       string        `json:"machine"`
	Rate          float64       `json:"rate"`
	DownS         float64       `json:"down_s"`
	PhaseS        float64       `json:"phase_s"`
	Replicas      int           `json:"replicas"`
	Baseline      ChaosWindow   `json:"baseline"`
	Faults        []ChaosFault  `json:"faults"`
	Seconds       []ChaosSecond `json:"seconds"`
	Final         struct {
		OK bool `json:"ok"`
	} `json:"final"`
	OK    bool    `json:"ok"`
	WallS float64 `json:"wall_s"`
}

// ChaosFault is one fault of the run.
type ChaosFault struct {
	Name        string      `json:"name"`
	Skipped     string      `json:"skipped"`
	Error       string      `json:"error"`
	KilledAt    time.Time   `json:"killed_at"`
	RestartedAt time.Time   `json:"restarted_at"`
	ReadyAt     time.Time   `json:"ready_at"`
	During      ChaosWindow `json:"during"`
	After       ChaosWindow `json:"after"`
	Reconcile   struct {
		OK bool `json:"ok"`
	} `json:"reconciliation"`
}

// ChaosWindow is the load over part of the run.
type ChaosWindow struct {
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	ErrorRate float64 `json:"error_rate"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
}

// ChaosSecond is one second of load (T: seconds since the load started).
type ChaosSecond struct {
	T        int     `json:"t"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Rejected int64   `json:"rejected"`
	P50Ms    float64 `json:"p50_ms"`
	P90Ms    float64 `json:"p90_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

// Span is when a fault's part was down, in seconds since the load started:
// from the kill until it answered again (ReadyAt; RestartedAt when not
// ready, the kill plus DownS when neither).
func (r *ChaosRun) Span(f ChaosFault) (from, to float64) {
	from = f.KilledAt.Sub(r.LoadStartedAt).Seconds()
	switch {
	case !f.ReadyAt.IsZero():
		to = f.ReadyAt.Sub(r.LoadStartedAt).Seconds()
	case !f.RestartedAt.IsZero():
		to = f.RestartedAt.Sub(r.LoadStartedAt).Seconds()
	default:
		to = from + r.DownS
	}
	return from, max(to, from)
}

// ReadChaos reads a chaos report.json.
func ReadChaos(path string) (*ChaosRun, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r ChaosRun
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Schema != ChaosSchema {
		return nil, fmt.Errorf("%s: schema %q, want %q", path, r.Schema, ChaosSchema)
	}
	r.Path = path
	return &r, nil
}

// LatestChaos finds the newest report.json under dir/*/ (`slotmesh chaos`
// writes .chaos/<time>/report.json); "" when there is none.
func LatestChaos(dir string) (string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "report.json"))
	if err != nil {
		return "", err
	}
	type found struct {
		path string
		mod  time.Time
	}
	var fs []found
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			fs = append(fs, found{p, st.ModTime()})
		}
	}
	if len(fs) == 0 {
		return "", nil
	}
	slices.SortFunc(fs, func(a, b found) int { return b.mod.Compare(a.mod) })
	return fs[0].path, nil
}
