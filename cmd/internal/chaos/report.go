package chaos

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
)

// ReportSchema names the JSON layout of report.json.
const ReportSchema = "slotmesh.chaos/v1"

// FaultResult is one fault: what was killed, the load during and after, and
// the reconciliation once it was back.
type FaultResult struct {
	Name        string         `json:"name"`
	Target      string         `json:"target"`
	Signal      string         `json:"signal"`
	Skipped     string         `json:"skipped,omitempty"` // why it did not run
	Error       string         `json:"error,omitempty"`
	KilledAt    time.Time      `json:"killed_at"`
	RestartedAt time.Time      `json:"restarted_at"`
	ReadyAt     time.Time      `json:"ready_at"`
	During      Window         `json:"during"` // from the kill until 5 s after it was back
	After       Window         `json:"after"`  // the rest of the phase
	Reconcile   Reconciliation `json:"reconciliation"`
}

// Report is a chaos run, written as report.json and report.md.
type Report struct {
	Schema        string          `json:"schema"`
	StartedAt     time.Time       `json:"started_at"`
	LoadStartedAt time.Time       `json:"load_started_at"` // Seconds[i] is the i-th second after it
	Machine       string          `json:"machine"`
	Cores         int             `json:"cores"`
	RunDir        string          `json:"run_dir"`
	Postgres      string          `json:"postgres"`
	Rate          float64         `json:"rate"`
	PhaseS        float64         `json:"phase_s"`
	DownS         float64         `json:"down_s"`
	DrainS        float64         `json:"drain_s"`
	LoadS         float64         `json:"load_s"`
	Scale         float64         `json:"scale"`
	Replicas      int             `json:"replicas"`
	Baseline      Window          `json:"baseline"`
	Faults        []FaultResult   `json:"faults"`
	Final         Reconciliation  `json:"final"`
	Seconds       []Second        `json:"seconds"`
	Load          *loadgen.Report `json:"load,omitempty"`
	OK            bool            `json:"ok"`
	Skipped       []string        `json:"skipped"`
	WallS         float64         `json:"wall_s"`
}

func (rep *Report) finish() {
	rep.OK = rep.Final.OK && rep.impossibleRaces() == 0
	rep.Skipped = []string{}
	for _, f := range rep.Faults {
		if f.Skipped != "" {
			rep.Skipped = append(rep.Skipped, f.Name+": "+f.Skipped)
			continue
		}
		rep.OK = rep.OK && f.Reconcile.OK && f.Error == ""
	}
	rep.WallS = time.Since(rep.StartedAt).Seconds()
}

// impossibleRaces is how many races of the load ended in an outcome no
// interleaving allows (e.g. one booking cancelled under two keys).
func (rep *Report) impossibleRaces() int64 {
	if rep.Load == nil || rep.Load.Races == nil {
		return 0
	}
	return rep.Load.Races.ImpossibleRaces()
}

func mark(c Check) string {
	switch {
	case !c.Required:
		return fmt.Sprintf("%d", c.Value)
	case c.OK:
		return fmt.Sprintf("%d", c.Value)
	default:
		return fmt.Sprintf("%d !!", c.Value)
	}
}

// Table is the reconciliation (a column per fault, and the final one) and
// the load around each fault, as aligned text.
func (rep *Report) Table() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	var cols []string
	var recs []Reconciliation
	for _, f := range rep.Faults {
		if f.Skipped == "" {
			cols = append(cols, "after "+f.Name)
			recs = append(recs, f.Reconcile)
		}
	}
	cols = append(cols, "final")
	recs = append(recs, rep.Final)
	fmt.Fprintf(tw, "reconciliation (required: 0)\t%s\t\n", strings.Join(cols, "\t"))
	for _, c := range rep.Final.Checks {
		name := c.Name
		if !c.Required && c.Name != CheckMoneyInFlight && c.Name != CheckRefundsPending { // judged at the end
			name += " [info]"
		}
		row := []string{}
		for _, r := range recs {
			row = append(row, mark(r.Check(c.Name)))
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", name, strings.Join(row, "\t"))
	}
	evs, kaf, waits := []string{}, []string{}, []string{}
	for _, r := range recs {
		evs = append(evs, fmt.Sprint(r.Events))
		kaf = append(kaf, fmt.Sprint(r.Kafka))
		waits = append(waits, fmt.Sprintf("%.0fs/%d", r.WaitS, r.Attempts))
	}
	fmt.Fprintf(tw, "outbox events checked\t%s\t\n", strings.Join(evs, "\t"))
	fmt.Fprintf(tw, "Kafka messages read\t%s\t\n", strings.Join(kaf, "\t"))
	fmt.Fprintf(tw, "settled after (time/polls)\t%s\t\n", strings.Join(waits, "\t"))
	tw.Flush()

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintf(tw, "load\tdown s\treq during\terr%% during\tp99 ms during\treq after\terr%% after\tp99 ms after\t\n")
	fmt.Fprintf(tw, "baseline\t-\t%d\t%.2f\t%.0f\t-\t-\t-\t\n", rep.Baseline.Requests, 100*rep.Baseline.ErrorRate, rep.Baseline.P99Ms)
	for _, f := range rep.Faults {
		if f.Skipped != "" {
			fmt.Fprintf(tw, "%s\tSKIPPED\t-\t-\t-\t-\t-\t-\t\n", f.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%d\t%.2f\t%.0f\t%d\t%.2f\t%.0f\t\n", f.Name, f.ReadyAt.Sub(f.KilledAt).Seconds(),
			f.During.Requests, 100*f.During.ErrorRate, f.During.P99Ms, f.After.Requests, 100*f.After.ErrorRate, f.After.P99Ms)
	}
	tw.Flush()
	for _, s := range rep.Skipped {
		fmt.Fprintf(&b, "SKIPPED %s\n", s)
	}
	for _, f := range rep.Faults {
		if f.Error != "" {
			fmt.Fprintf(&b, "FAULT ERROR %s: %s\n", f.Name, f.Error)
		}
	}
	for _, r := range recs {
		for _, c := range r.Checks {
			if !c.OK && c.Detail != "" {
				fmt.Fprintf(&b, "off at %s: %s = %d, e.g. %s\n", r.At.Format("15:04:05"), c.Name, c.Value, c.Detail)
			}
		}
	}
	switch {
	case rep.Load != nil && rep.Load.Races != nil:
		fmt.Fprintf(&b, "races (concurrent changes of one booking; an impossible outcome fails the run): %s\n", rep.Load.Races.Summary())
		for _, e := range rep.Load.Races.Examples {
			fmt.Fprintf(&b, "impossible race: %s\n", e)
		}
	case rep.Load != nil && rep.Load.Mix[loadgen.OpRace] > 0:
		b.WriteString("races (concurrent changes of one booking): none fired (no CONFIRMED booking of the load's own yet)\n")
	}
	verdict := "OK: every reconciliation count at its required value"
	if !rep.OK {
		verdict = "FAILED: a reconciliation count is off, a fault did not run as planned or a race ended impossibly"
	}
	fmt.Fprintf(&b, "\n%s (%.0f s in all, load %.0f s at %.0f/s; %s)\n", verdict, rep.WallS, rep.LoadS, rep.Rate, rep.Machine)
	return b.String()
}

// Markdown is the report for humans (report.md).
func (rep *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# slotmesh chaos run, %s\n\n", rep.StartedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "%d replicas of every service and %d gateways as processes, nats-server and the Kafka broker as processes, Postgres: %s. "+
		"Open-loop load at %.0f requests/s; each fault: SIGKILL, %.0f s down, restart, %.0f s of load, reconciliation. Machine: %s.\n\n",
		rep.Replicas, rep.Replicas, rep.Postgres, rep.Rate, rep.DownS, rep.PhaseS, rep.Machine)
	b.WriteString("```\n")
	b.WriteString(rep.Table())
	b.WriteString("```\n\nPer-second latency percentiles and error counts are in report.json (`seconds`, from `load_started_at`).\n")
	return b.String()
}

// Write saves report.json and report.md into dir.
func (rep *Report) Write(dir string) error {
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(rep.Markdown()), 0o644)
}
