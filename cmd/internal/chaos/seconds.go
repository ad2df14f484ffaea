package chaos

import (
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
)

// Seconds buckets the load generator's requests by the second they were
// scheduled in: a latency histogram and error counts per second, from which
// any window (during a fault, after it) is summed.
type Seconds struct {
	mu    sync.Mutex
	start time.Time
	secs  []*second
}

type second struct {
	hist     *loadgen.Histogram
	requests int64
	errors   int64 // no answer or 5xx
	rejected int64 // 4xx (e.g. 409 unavailable: a business answer, not a failure)
	codes    map[string]int64
}

// NewSeconds starts the clock at start.
func NewSeconds(start time.Time) *Seconds { return &Seconds{start: start} }

// Observe is loadgen.Config.Observe.
func (s *Seconds) Observe(op string, at time.Time, latency time.Duration, status int, code string) {
	i := int(at.Sub(s.start) / time.Second)
	if i < 0 {
		i = 0
	}
	s.mu.Lock()
	for len(s.secs) <= i {
		s.secs = append(s.secs, &second{hist: loadgen.NewHistogram(), codes: map[string]int64{}})
	}
	b := s.secs[i]
	b.requests++
	switch {
	case status == 0 || status >= 500:
		b.errors++
		b.codes[statusCode(status, code)]++
	case status >= 400:
		b.rejected++
		b.codes[statusCode(status, code)]++
	}
	s.mu.Unlock()
	if status != 0 || code != "dropped_in_flight_cap" {
		b.hist.Record(latency)
	}
}

func statusCode(status int, code string) string {
	if status == 0 {
		return "0 " + code
	}
	return strconv.Itoa(status) + " " + code
}

// Window is the load over a span of time.
type Window struct {
	From       float64          `json:"from_s"` // seconds since the load started
	To         float64          `json:"to_s"`
	Requests   int64            `json:"requests"`
	Errors     int64            `json:"errors"` // no answer or 5xx
	Rejected   int64            `json:"rejected"`
	ErrorRate  float64          `json:"error_rate"`
	P50Ms      float64          `json:"p50_ms"`
	P99Ms      float64          `json:"p99_ms"`
	MaxMs      float64          `json:"max_ms"`
	Codes      map[string]int64 `json:"codes,omitempty"`
	RatePerSec float64          `json:"rate"`
}

// Second is one second of the run in the JSON report (for plots).
type Second struct {
	T        int              `json:"t"` // seconds since the load started
	Requests int64            `json:"requests"`
	Errors   int64            `json:"errors"`
	Rejected int64            `json:"rejected"`
	P50Ms    float64          `json:"p50_ms"`
	P90Ms    float64          `json:"p90_ms"`
	P99Ms    float64          `json:"p99_ms"`
	MaxMs    float64          `json:"max_ms"`
	Codes    map[string]int64 `json:"codes,omitempty"`
}

// Window sums the seconds scheduled in [from, to).
func (s *Seconds) Window(from, to time.Time) Window {
	a, b := from.Sub(s.start).Seconds(), to.Sub(s.start).Seconds()
	w := Window{From: a, To: b, Codes: map[string]int64{}}
	h := loadgen.NewHistogram()
	s.mu.Lock()
	for i, sec := range s.secs {
		if float64(i)+1 <= a || float64(i) >= b {
			continue
		}
		w.Requests += sec.requests
		w.Errors += sec.errors
		w.Rejected += sec.rejected
		for k, v := range sec.codes {
			w.Codes[k] += v
		}
		h.Merge(sec.hist)
	}
	s.mu.Unlock()
	if w.Requests > 0 {
		w.ErrorRate = float64(w.Errors) / float64(w.Requests)
	}
	if b > a {
		w.RatePerSec = float64(w.Requests) / (b - a)
	}
	l := h.Summary()
	w.P50Ms, w.P99Ms, w.MaxMs = l.P50, l.P99, l.Max
	return w
}

// All is every second so far.
func (s *Seconds) All() []Second {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Second, len(s.secs))
	for i, sec := range s.secs {
		l := sec.hist.Summary()
		out[i] = Second{T: i, Requests: sec.requests, Errors: sec.errors, Rejected: sec.rejected,
			P50Ms: l.P50, P90Ms: l.P90, P99Ms: l.P99, MaxMs: l.Max, Codes: maps.Clone(sec.codes)}
	}
	return out
}
