package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Postgres is the run's database server: a private throwaway cluster the
// run owns (initdb into a temporary directory, the postmaster a child
// process; the fault kills its whole process group with SIGKILL, a crash
// with recovery on restart), or an external server (PG_URL) that is only
// killed when asked (Debian's pg_ctlcluster ... stop -m immediate), because
// other work may use it.
type Postgres struct {
	URL        string // of the run's database
	Private    bool
	SkipReason string // why the Postgres fault cannot run ("" = it can)
	proc       *Proc
	dataDir    string
	cluster    [2]string // external: version, name (pg_ctlcluster)
}

// FindPGBin is the directory of initdb and postgres: the newest
// /usr/lib/postgresql/<v>/bin, else the one on PATH.
func FindPGBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(dirs, func(a, b string) int { return verOf(b) - verOf(a) })
	if len(dirs) > 0 {
		return filepath.Dir(dirs[0]), nil
	}
	p, err := exec.LookPath("initdb")
	if err != nil {
		return "", errors.New("initdb not found (neither /usr/lib/postgresql/*/bin nor PATH)")
	}
	return filepath.Dir(p), nil
}

func verOf(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// StartPrivatePostgres creates a cluster in a new temporary directory and
// starts it on port, logging to logFile. As root, the server runs as the
// postgres user (it refuses root).
func StartPrivatePostgres(ctx context.Context, port int, logFile, dbName string) (*Postgres, error) {
	bin, err := FindPGBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "slotmesh-chaos-pg-")
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	env := []string{"PATH=" + bin + ":/usr/bin:/bin", "LC_ALL=C", "HOME=" + dir}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Env = env
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	pg := &Postgres{
		Private: true, dataDir: dir,
		URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, dbName),
		proc: &Proc{
			Name: "postgres", Path: filepath.Join(bin, "postgres"), Env: env, Log: logFile, Cred: cred,
			Ready: "database system is ready to accept connections",
			Args: []string{"-D", filepath.Join(dir, "data"), "-p", strconv.Itoa(port), "-k", dir,
				"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=500", "-c", "shared_buffers=128MB",
				"-c", "logging_collector=off"},
		},
	}
	if err := pg.proc.Start(ctx, 60*time.Second); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return pg, nil
}

// ExternalPostgres uses the server of baseURL with a database of its own.
// killable: the caller allows stopping that server (pg_ctlcluster, -m
// immediate); otherwise the Postgres fault is skipped, saying why.
func ExternalPostgres(baseURL, dbName string, killable bool) (*Postgres, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("PG_URL: %w", err)
	}
	u.Path = "/" + dbName
	pg := &Postgres{URL: u.String()}
	if !killable {
		pg.SkipReason = "Postgres is external (" + u.Host + ") and may be shared: not killed (pass -kill-external-pg to stop it with pg_ctlcluster -m immediate, or let chaos make its own cluster)"
		return pg, nil
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	out, err := exec.Command("pg_lsclusters", "-h").Output()
	if err != nil {
		pg.SkipReason = "pg_lsclusters not available: cannot find the cluster to kill (" + err.Error() + ")"
		return pg, nil
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[2] == port {
			pg.cluster = [2]string{f[0], f[1]}
		}
	}
	if pg.cluster[0] == "" {
		pg.SkipReason = "no local cluster listens on port " + port + " (pg_lsclusters): cannot kill it"
	}
	return pg, nil
}

// Kill crashes the server: SIGKILL of the private cluster's process group,
// or pg_ctlcluster stop -m immediate.
func (pg *Postgres) Kill() error {
	if pg.SkipReason != "" {
		return errors.New(pg.SkipReason)
	}
	if pg.Private {
		return pg.proc.Signal(syscall.SIGKILL, true)
	}
	out, err := exec.Command("pg_ctlcluster", pg.cluster[0], pg.cluster[1], "stop", "-m", "immediate").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctlcluster stop: %w: %s", err, out)
	}
	return nil
}

// Start brings it back (crash recovery runs first).
func (pg *Postgres) Start(ctx context.Context) error {
	if pg.Private {
		return pg.proc.Start(ctx, 120*time.Second)
	}
	out, err := exec.Command("pg_ctlcluster", pg.cluster[0], pg.cluster[1], "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctlcluster start: %w: %s", err, out)
	}
	return nil
}

// Close stops a private cluster and removes its files (keep: leave them).
// An external server is left running.
func (pg *Postgres) Close(keep bool) {
	if !pg.Private {
		return
	}
	pg.proc.Stop(30 * time.Second)
	if !keep {
		os.RemoveAll(pg.dataDir)
	}
}

// DataDir is the private cluster's directory ("" for an external one).
func (pg *Postgres) DataDir() string { return pg.dataDir }
