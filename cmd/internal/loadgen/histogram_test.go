package loadgen

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHistogramPercentiles(t *testing.T) {
	t.Parallel()
	within := func(got, want float64) bool { return math.Abs(got-want) <= want*0.002+0.001 }
	for _, tc := range []struct {
		name                     string
		values                   []time.Duration
		p50, p90, p99, p999, max float64 // ms
		mean                     float64
	}{
		{"1..1000 ms", seq(1000, time.Millisecond), 500, 900, 990, 999, 1000, 500.5},
		{"one value", []time.Duration{42 * time.Millisecond}, 42, 42, 42, 42, 42, 42},
		{"99 fast, 1 slow: p99 fast, p99.9 slow", append(repeat(99, time.Millisecond), 5*time.Second), 1, 1, 1, 5000, 5000, 50.99},
		{"sub-microsecond clamps to 1 µs", []time.Duration{10 * time.Nanosecond}, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001},
		{"beyond an hour clamps to an hour", []time.Duration{2 * time.Hour}, 3.6e6, 3.6e6, 3.6e6, 3.6e6, 3.6e6, 3.6e6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := NewHistogram()
			for _, v := range tc.values {
				h.Record(v)
			}
			s := h.Summary()
			if s.Count != int64(len(tc.values)) {
				t.Fatalf("count %d", s.Count)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"p50", s.P50, tc.p50}, {"p90", s.P90, tc.p90}, {"p99", s.P99, tc.p99}, {"p99.9", s.P999, tc.p999}, {"max", s.Max, tc.max}, {"mean", s.Mean, tc.mean}} {
				if !within(c.got, c.want) {
					t.Errorf("%s = %v ms, want %v (±0.2%%)", c.name, c.got, c.want)
				}
			}
		})
	}
}

func seq(n int, unit time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * unit
	}
	return out
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestHistogramMergeAndConcurrency(t *testing.T) {
	t.Parallel()
	a, b := NewHistogram(), NewHistogram()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				if w%2 == 0 {
					a.Record(time.Duration(i+1) * time.Millisecond)
				} else {
					b.Record(time.Duration(i+1) * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	a.Merge(b)
	s := a.Summary()
	if s.Count != 8000 || math.Abs(s.P50-500) > 1 || math.Abs(s.Max-1000) > 1 {
		t.Fatalf("merged %+v", s)
	}
}

func TestMix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, err string
	}{
		{DefaultMix, ""},
		{"search=1", ""},
		{"search=1,book=0", ""},
		{"search=50,availability=25,book=20,change=5,race=3", ""},
		{"search", "want op=weight"},
		{"browse=5", "unknown operation"},
		{"search=-1", "whole number"},
		{"search=1,search=2", "given twice"},
		{"search=0", "no operation"},
	} {
		_, err := ParseMix(tc.in)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseMix(%q) = %v, want %q", tc.in, err, tc.err)
		}
	}
	m, _ := ParseMix(DefaultMix)
	p := NewPicker(m)
	counts := map[string]int{}
	for range 1000 {
		counts[p.Next()]++
	}
	if counts[OpSearch] != 600 || counts[OpAvailability] != 300 || counts[OpBook] != 80 || counts[OpChange] != 20 {
		t.Fatalf("1000 picks of %s: %v", m, counts)
	}
	// Spread evenly: the first 50 picks already hold every operation.
	p = NewPicker(m)
	first := map[string]int{}
	for range 50 {
		first[p.Next()]++
	}
	if len(first) != 4 {
		t.Fatalf("first 50 picks: %v", first)
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	rec := NewRecorder()
	for i := range 100 {
		rec.Record(OpSearch, time.Duration(i+1)*time.Millisecond, 200, "")
	}
	rec.Record(OpBook, 30*time.Millisecond, 201, "")
	rec.Record(OpBook, 20*time.Millisecond, 409, "slot_unavailable")
	rec.Record(OpBook, 5*time.Second, 503, "unavailable")
	rec.Record(OpSearch, time.Second, 0, "timeout")
	rec.Skip(OpChange)
	rep := &Report{Schema: ReportSchema, DurationS: 10, Mix: map[string]int{OpSearch: 1}}
	rec.build(rep)
	if rep.Ops[OpSearch].Requests != 101 || rep.Ops[OpSearch].OK != 100 || rep.Ops[OpBook].Errors != 2 ||
		rep.Ops[OpChange].Skipped != 1 || rep.All.Requests != 104 || rep.Status5xx != 1 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Errors[0].Count != 1 || len(rep.Errors) != 3 {
		t.Fatalf("errors %+v", rep.Errors)
	}
	if r := rep.Ops[OpSearch].Rate; math.Abs(r-10.1) > 1e-9 {
		t.Fatalf("rate %v", r)
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"schema":"slotmesh.load/v1"`, `"latency_ms":{"count":101`, `"p99_9":`, `"status_5xx":1`, `"code":"slot_unavailable"`} {
		if !strings.Contains(string(js), k) {
			t.Errorf("JSON lacks %s: %s", k, js)
		}
	}
	md := rep.Markdown()
	for _, k := range []string{"| search | 101 | 100 | 1 |", "| book | 3 | 1 | 2 |", "| book | 409 | slot_unavailable | 1 |", "Generator:"} {
		if !strings.Contains(md, k) {
			t.Errorf("Markdown lacks %q:\n%s", k, md)
		}
	}
}
