package benchreport

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/procfs"
	"github.com/slotmesh/slotmesh/testenv/procstat"
)

// Machine is what the figures came from.
type Machine struct {
	Host      string     `json:"host"`
	CPU       string     `json:"cpu"`
	Cores     int        `json:"cores"`
	MemGiB    float64    `json:"mem_gib"`
	Go        string     `json:"go"`
	OS        string     `json:"os"`
	Kernel    string     `json:"kernel"`
	Postgres  string     `json:"postgres"`
	PgbenchV  string     `json:"pgbench"`
	Started   time.Time  `json:"started"`
	Finished  time.Time  `json:"finished"`
	LoadStart [3]float64 `json:"load_start"` // 1, 5 and 15 minutes, when the run started
	LoadEnd   [3]float64 `json:"load_end"`
	// BusyStart is the share of all cores busy over one second just before
	// the run (a shared box is busy before we start), 0..1; -1 unknown.
	BusyStart float64 `json:"busy_start"`
}

// LoadAvg reads /proc/loadavg: the 1, 5 and 15 minute load averages.
func LoadAvg() ([3]float64, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return [3]float64{}, err
	}
	return loadAvg(fs)
}

func loadAvg(fs procfs.FS) ([3]float64, error) {
	l, err := fs.LoadAvg()
	if err != nil {
		return [3]float64{}, err
	}
	return [3]float64{l.Load1, l.Load5, l.Load15}, nil
}

// readProc fills in what /proc says: the load average, the CPU model, the
// memory and the kernel. What it cannot read it leaves as it was.
func (m *Machine) readProc(fs procfs.FS) {
	m.LoadStart, _ = loadAvg(fs)
	if cpus, err := fs.CPUInfo(); err == nil && len(cpus) > 0 {
		m.CPU = strings.TrimSpace(cpus[0].ModelName)
	}
	if mem, err := fs.Meminfo(); err == nil && mem.MemTotal != nil {
		m.MemGiB = float64(*mem.MemTotal) / (1 << 20) // kB
	}
	if rel, err := fs.SysctlStrings("kernel.osrelease"); err == nil {
		m.Kernel = strings.Join(rel, " ")
	}
}

// Probe reads the machine: CPU model and cores, memory, OS and kernel, the
// Go toolchain that runs the benchmarks (goCmd), the Postgres server at
// pgURL and pgbench's version. What it cannot read it leaves empty.
func Probe(ctx context.Context, goCmd, pgURL string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Started: time.Now().UTC()}
	m.Host, _ = os.Hostname()
	if fs, err := procfs.NewDefaultFS(); err == nil {
		m.readProc(fs)
	}
	if raw, err := os.ReadFile("/etc/os-release"); err == nil {
		m.OS = osPrettyName(string(raw))
	}
	if m.OS == "" {
		m.OS = runtime.GOOS
	}
	m.Go = runtime.Version()
	if out, err := exec.CommandContext(ctx, goCmd, "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	m.Go += " " + runtime.GOOS + "/" + runtime.GOARCH
	if out, err := exec.CommandContext(ctx, "pgbench", "--version").Output(); err == nil {
		m.PgbenchV = strings.TrimSpace(string(out))
	}
	if pgURL != "" {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if conn, err := pgx.Connect(cctx, pgURL); err == nil {
			var v string
			if conn.QueryRow(cctx, `SHOW server_version`).Scan(&v) == nil {
				m.Postgres = "PostgreSQL " + v
			}
			_ = conn.Close(cctx)
		}
		cancel()
	}
	m.BusyStart = procstat.Busy(ctx, time.Second)
	return m
}

func osPrettyName(osRelease string) string {
	for line := range strings.Lines(osRelease) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// String is the machine in one line.
func (m Machine) String() string {
	return fmt.Sprintf("%s, %d cores, %.0f GiB RAM, %s, %s", orUnknown(m.CPU), m.Cores, m.MemGiB, orUnknown(m.OS), m.Go)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
