package loadgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Operations of the mix.
const (
	OpSearch       = "search"
	OpAvailability = "availability"
	OpBook         = "book"
	OpChange       = "change" // an update or a cancel of one of the generator's bookings
	OpRace         = "race"   // 2-3 concurrent changes of one of its confirmed bookings (race.go)
)

// Operations as reported: a change is an update or a cancel.
const (
	OpUpdate = "update"
	OpCancel = "cancel"
)

// DefaultMix is roughly real traffic: mostly looking, a little booking.
const DefaultMix = "search=60,availability=30,book=8,change=2"

// Mix is the share of each operation, as integer weights.
type Mix struct {
	Ops     []string
	Weights []int
}

// ParseMix reads "search=60,availability=30,book=8,change=2". Operations
// left out get weight 0; weights need not add up to 100.
func ParseMix(s string) (Mix, error) {
	known := []string{OpSearch, OpAvailability, OpBook, OpChange, OpRace}
	var m Mix
	total := 0
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return Mix{}, fmt.Errorf("mix %q: want op=weight", part)
		}
		if !slices.Contains(known, name) {
			return Mix{}, fmt.Errorf("mix: unknown operation %q (known: %s)", name, strings.Join(known, ", "))
		}
		if slices.Contains(m.Ops, name) {
			return Mix{}, fmt.Errorf("mix: %s given twice", name)
		}
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 {
			return Mix{}, fmt.Errorf("mix %q: weight must be a whole number >= 0", part)
		}
		m.Ops = append(m.Ops, name)
		m.Weights = append(m.Weights, n)
		total += n
	}
	if total == 0 {
		return Mix{}, fmt.Errorf("mix %q: no operation has a weight", s)
	}
	return m, nil
}

// String is the mix in ParseMix's form.
func (m Mix) String() string {
	parts := make([]string, len(m.Ops))
	for i, op := range m.Ops {
		parts[i] = op + "=" + strconv.Itoa(m.Weights[i])
	}
	return strings.Join(parts, ",")
}

// Map is the mix as op -> weight.
func (m Mix) Map() map[string]int {
	out := map[string]int{}
	for i, op := range m.Ops {
		out[op] = m.Weights[i]
	}
	return out
}

// Picker deals operations in the mix's exact proportions, evenly spread
// (smooth weighted round robin, as nginx balances upstreams): with
// search=60,book=8 every 68 picks hold exactly 60 searches and 8 books, and a
// short run still sees every operation. Not safe for concurrent use.
type Picker struct {
	m       Mix
	current []int
	total   int
}

// NewPicker returns a picker over m.
func NewPicker(m Mix) *Picker {
	p := &Picker{m: m, current: make([]int, len(m.Ops))}
	for _, w := range m.Weights {
		p.total += w
	}
	return p
}

// Next is the next operation.
func (p *Picker) Next() string {
	best := -1
	for i, w := range p.m.Weights {
		p.current[i] += w
		if best < 0 || p.current[i] > p.current[best] {
			best = i
		}
	}
	p.current[best] -= p.total
	return p.m.Ops[best]
}
