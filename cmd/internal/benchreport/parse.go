// Package benchreport runs the module's benchmarks and the side-by-side
// comparisons of issue 7, and renders docs/benchmarks.md with its plots: it
// parses `go test -bench` output (text or -json, custom ReportMetric units
// included), reads the machine it ran on, the load ladder's figures and the
// latest chaos run's per-second latencies.
package benchreport

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

// Metric is one value of a benchmark line: "31822 ns/op", "12.5 p99_ms".
type Metric struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Result is one benchmark line of `go test -bench` output.
type Result struct {
	Pkg   string `json:"pkg"`   // import path, from the "pkg:" line or the JSON event
	Name  string `json:"name"`  // without the -GOMAXPROCS suffix, e.g. BenchmarkRoundTrip/bare_nats
	Procs int    `json:"procs"` // GOMAXPROCS, 1 when the name had no suffix
	N     int64  `json:"n"`     // iterations
	// Metrics in the order printed.
	Metrics []Metric `json:"metrics"`
	// At is when the line was printed (the JSON event's time, or when it was
	// read); Load1 and Load5 the machine's load average then (0: unknown).
	At    time.Time `json:"at"`
	Load1 float64   `json:"load1"`
	Load5 float64   `json:"load5"`
}

// Metric returns the value of unit and whether the line has it.
func (r Result) Metric(unit string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Unit == unit {
			return m.Value, true
		}
	}
	return 0, false
}

// ParseLine reads one benchmark result line:
//
//	BenchmarkRoundTrip/bare_nats-2   6331   31822 ns/op   31425 req/s
//
// It returns false for any other line (a name printed alone by -v, logs).
func ParseLine(line string) (Result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return Result{}, false
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n <= 0 {
		return Result{}, false
	}
	r := Result{N: n, Procs: 1, Name: f[0]}
	if i := strings.LastIndexByte(f[0], '-'); i > 0 {
		if p, err := strconv.Atoi(f[0][i+1:]); err == nil && p > 0 {
			r.Name, r.Procs = f[0][:i], p
		}
	}
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return Result{}, false
		}
		r.Metrics = append(r.Metrics, Metric{Value: v, Unit: f[i+1]})
	}
	return r, true
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Time       time.Time
	ImportPath string // build-output, build-fail
	Action     string
	Package    string
	Test       string
	Output     string
}

// Output is what a parse saw besides the results: every output line by
// package (for figures benchmarks print rather than report) and the
// packages that failed.
type Output struct {
	Lines  map[string][]string `json:"-"`
	Failed []string            `json:"failed,omitempty"`
}

// Parser turns `go test -bench` output into results. Feed it with Parse.
type Parser struct {
	// OnResult, when set, sees each result as it is parsed (to stamp the
	// load average, or print progress); it may change it.
	OnResult func(*Result)
	// OnLine, when set, sees each output line (without its newline).
	OnLine func(pkg, line string)
	// Now stamps results of text input; default time.Now.
	Now func() time.Time

	Results []Result
	Out     Output
	partial map[string]string // JSON output not ended by a newline yet, by package
	pending map[string]string // a benchmark's name printed alone, by package
	pkg     string            // text input: the last "pkg:" line
}

// Parse reads r to its end: `go test -json` events when the first byte that
// is not a space is '{', else go test's text output.
func (p *Parser) Parse(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if b[0] == ' ' || b[0] == '\n' || b[0] == '\t' || b[0] == '\r' {
			_, _ = br.ReadByte()
			continue
		}
		if b[0] == '{' {
			return p.parseJSON(br)
		}
		return p.parseText(br)
	}
}

func (p *Parser) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Parser) parseText(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if pkg, ok := strings.CutPrefix(line, "pkg: "); ok {
			p.pkg = strings.TrimSpace(pkg)
		}
		if f := strings.Fields(line); len(f) >= 2 && (f[0] == "FAIL" || f[0] == "---") && strings.Contains(f[1], ".") {
			p.Out.Failed = append(p.Out.Failed, f[1])
		}
		p.line(p.pkg, line, p.now())
	}
	return sc.Err()
}

func (p *Parser) parseJSON(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var e event
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		switch e.Action {
		case "output":
			p.jsonOutput(e)
		case "build-output":
			e.Package = e.ImportPath
			p.jsonOutput(e)
		case "fail":
			if e.Test == "" && e.Package != "" {
				p.Out.Failed = append(p.Out.Failed, e.Package)
			}
		}
	}
	for pkg, rest := range p.partial {
		if rest != "" {
			p.line(pkg, rest, p.now())
		}
	}
	p.partial = nil
	return nil
}

func (p *Parser) jsonOutput(e event) {
	if p.partial == nil {
		p.partial = map[string]string{}
	}
	at := e.Time
	if at.IsZero() {
		at = p.now()
	}
	text := p.partial[e.Package] + e.Output
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		p.line(e.Package, text[:i], at)
		text = text[i+1:]
	}
	p.partial[e.Package] = text
}

func (p *Parser) line(pkg, line string, at time.Time) {
	line = strings.TrimRight(line, "\r")
	// A progress bar redraws with \r: only what it drew last counts.
	if i := strings.LastIndexByte(line, '\r'); i >= 0 {
		line = line[i+1:]
	}
	if p.Out.Lines == nil {
		p.Out.Lines = map[string][]string{}
	}
	p.Out.Lines[pkg] = append(p.Out.Lines[pkg], line)
	if p.OnLine != nil {
		p.OnLine(pkg, line)
	}
	r, ok := ParseLine(line)
	if !ok {
		// Without -v, go test prints a benchmark's name, then whatever the
		// benchmark prints, then its figures on a line of their own.
		f := strings.Fields(line)
		switch {
		case len(f) == 1 && strings.HasPrefix(f[0], "Benchmark"):
			if p.pending == nil {
				p.pending = map[string]string{}
			}
			p.pending[pkg] = f[0]
			return
		case len(f) >= 3 && p.pending[pkg] != "" && (line[0] == ' ' || line[0] == '\t'):
			if r, ok = ParseLine(p.pending[pkg] + " " + line); !ok {
				return
			}
		default:
			return
		}
	}
	delete(p.pending, pkg)
	r.Pkg, r.At = pkg, at
	if p.OnResult != nil {
		p.OnResult(&r)
	}
	p.Results = append(p.Results, r)
}
