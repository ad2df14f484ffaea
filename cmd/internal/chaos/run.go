// Package chaos runs slotmesh as separate processes — a nats-server, a
// Kafka broker, Postgres, two replicas of every service and two gateways —
// puts open-loop load on it, and kills (SIGKILL) and restarts one part at a
// time: a booking replica, a payment replica, the bridge, nats-server, the
// Kafka broker, Postgres. After each fault, and at the end after a quiet
// drain, it reconciles the databases and Kafka (no double booking, no money
// lost or taken twice, no event missing or applied twice) and reports the
// error rate and p99 during and after each fault. `slotmesh chaos` is the
// command; Run is the whole run.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
	"github.com/slotmesh/slotmesh/cmd/internal/seed"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/mesh"
)

// The faults, in the order they run.
const (
	FaultBooking  = "booking"  // one booking replica
	FaultPayment  = "payment"  // one payment replica
	FaultBridge   = "bridge"   // the bridge: both replicas
	FaultNATS     = "nats"     // nats-server
	FaultKafka    = "kafka"    // the Kafka broker
	FaultPostgres = "postgres" // Postgres: the whole server
)

// AllFaults is every fault, in run order.
var AllFaults = []string{FaultBooking, FaultPayment, FaultBridge, FaultNATS, FaultKafka, FaultPostgres}

// DefaultMix is the load of a chaos run: more bookings than `slotmesh load`
// (money and holds are what chaos checks), changes, and races: 2-3
// concurrent changes of one booking (loadgen.OpRace), for the money must
// stay exact under any interleaving.
const DefaultMix = "search=50,availability=25,book=20,change=5,race=3"

// Config of a chaos run.
type Config struct {
	Exe      string        // the slotmesh binary the processes run
	RunDir   string        // logs, data of nats and Kafka, report.json, report.md
	Phase    time.Duration // load before the first fault and after each restart
	Down     time.Duration // how long a killed part stays down
	Drain    time.Duration // quiet time after the load before the final reconciliation
	Settle   time.Duration // how long a reconciliation may poll for its counts to come right
	Lag      time.Duration // events younger than this may still be on their way (under load)
	Rate     float64       // requests a second
	Mix      loadgen.Mix
	Scale    float64 // of the seeded catalogue (1 = 500,000 vendors)
	Users    int
	Faults   []string
	Replicas int
	// PGURL: use this server (a database of the run's own in it) instead
	// of a private cluster; KillExternalPG allows stopping it.
	PGURL          string
	KillExternalPG bool
	RedisURL       string
	Keep           bool // keep the private cluster's files
	Out            io.Writer
}

// Run is one chaos run. The report is returned (and written into RunDir)
// even when a count is off; err says so.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	if cfg.Replicas < 1 {
		cfg.Replicas = 2
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	// A run starts from nothing: NATS and Kafka data, logs and the report
	// of an earlier run in the same dir would be judged as this run's (the
	// old events are in no outbox of the new database).
	for _, stale := range []string{"nats", "kafka", "logs", "report.json", "report.md"} {
		if err := os.RemoveAll(filepath.Join(cfg.RunDir, stale)); err != nil {
			return nil, fmt.Errorf("chaos: clearing the run dir: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(cfg.RunDir, "logs"), 0o755); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, out: cfg.Out, id: strconv.FormatInt(time.Now().Unix(), 36)}
	defer r.cleanup()
	rep, err = r.run(ctx)
	if rep != nil && err != nil && rep.WallS == 0 { // stopped early
		if r.secs != nil {
			rep.Seconds = r.secs.All()
		}
		rep.finish()
		rep.OK = false
	}
	if rep != nil {
		if werr := rep.Write(cfg.RunDir); werr != nil && err == nil {
			err = werr
		}
	}
	return rep, err
}

type runner struct {
	cfg      Config
	out      io.Writer
	id       string
	env      []string
	pg       *Postgres
	nats     *Proc
	kafka    *Proc
	services map[string][]*Proc
	gateways []*Proc
	all      []*Proc // in start order (Postgres apart)
	natsURL  string
	broker   string
	gwURLs   []string
	secs     *Seconds
	start    time.Time
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.out, "chaos %6.1fs  "+format+"\n", append([]any{time.Since(processStart).Seconds()}, args...)...)
}

var processStart = time.Now()

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (r *runner) logFile(name string) string { return filepath.Join(r.cfg.RunDir, "logs", name+".log") }

func (r *runner) run(ctx context.Context) (*Report, error) {
	cfg := r.cfg
	rep := &Report{Schema: ReportSchema, StartedAt: time.Now(), RunDir: cfg.RunDir, Rate: cfg.Rate, PhaseS: cfg.Phase.Seconds(),
		DownS: cfg.Down.Seconds(), DrainS: cfg.Drain.Seconds(), Scale: cfg.Scale, Replicas: cfg.Replicas,
		Cores: runtime.NumCPU(), Faults: []FaultResult{}}
	host, _ := os.Hostname()
	rep.Machine = fmt.Sprintf("%s %s/%s, %d cores", host, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())

	// Postgres.
	ports := map[string]int{}
	for _, p := range []string{"pg", "nats", "kafka"} {
		n, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[p] = n
	}
	dbName := "slotmesh_chaos_" + r.id
	var err error
	if cfg.PGURL == "" {
		r.pg, err = StartPrivatePostgres(ctx, ports["pg"], r.logFile("postgres"), dbName)
		if err != nil {
			return nil, fmt.Errorf("private Postgres cluster: %w (or pass -pg-url to use a running server)", err)
		}
		r.logf("postgres: private cluster in %s on port %d (the fault SIGKILLs its process group)", r.pg.DataDir(), ports["pg"])
	} else {
		if r.pg, err = ExternalPostgres(cfg.PGURL, dbName, cfg.KillExternalPG); err != nil {
			return nil, err
		}
		r.logf("postgres: external server, database %s", dbName)
		if r.pg.SkipReason != "" {
			r.logf("postgres: NOTE the Postgres fault will be SKIPPED: %s", r.pg.SkipReason)
		}
	}
	rep.Postgres = "private cluster (SIGKILL of its process group)"
	if !r.pg.Private {
		rep.Postgres = "external server"
	}

	// NATS and Kafka, each a process of its own.
	r.natsURL = fmt.Sprintf("nats://127.0.0.1:%d", ports["nats"])
	r.broker = fmt.Sprintf("127.0.0.1:%d", ports["kafka"])
	r.nats = &Proc{Name: "nats", Path: cfg.Exe, Args: []string{"nats", "-port", strconv.Itoa(ports["nats"]), "-dir", filepath.Join(cfg.RunDir, "nats")},
		Env: os.Environ(), Log: r.logFile("nats"), Ready: "nats listening"}
	r.kafka = &Proc{Name: "kafka", Path: cfg.Exe, Args: []string{"kafka", "-port", strconv.Itoa(ports["kafka"]), "-dir", filepath.Join(cfg.RunDir, "kafka")},
		Env: os.Environ(), Log: r.logFile("kafka"), Ready: "kafka listening"}
	for _, p := range []*Proc{r.nats, r.kafka} {
		if err := r.startProc(ctx, p); err != nil {
			return nil, err
		}
	}
	r.logf("nats-server %s, Kafka broker %s", r.natsURL, r.broker)

	r.env = append(os.Environ(),
		"NATS_URL="+r.natsURL, "KAFKA_BROKERS="+r.broker, "PG_URL="+r.pg.URL,
		"REDIS_URL="+cfg.RedisURL, "REDIS_PREFIX=chaos-"+r.id+":",
		"RATE_LIMITS=off", "JWT_PRIVATE_KEY_FILE="+filepath.Join(cfg.RunDir, "jwt_ed25519.pem"), "JWT_GENERATE_KEY=true",
		// Short enough to settle inside a run: holds expire, the payment
		// reconciler re-drives, a dead bridge replica's pin moves on.
		"HOLD_TTL=20s", "PAYMENT_RECONCILE_INTERVAL=1s", "PAYMENT_RECONCILE_GRACE=3s",
		"BRIDGE_PINNED_TTL=15s", "BRIDGE_ACK_WAIT=20s", "BRIDGE_MAX_BACKOFF=2s", "NOTIFY_REMINDER_BEFORE=0",
		// Small: two cores run all of it.
		"SERVICE_WORKERS=4", "BOOKING_WORKERS=4", "BOOKINGQUERY_WORKERS=2", "PG_MAX_CONNS=6",
		"SEARCH_CONSUMERS=1", "ARCHIVE_CONSUMERS=1", "NOTIFY_PARALLEL=2", "LOG_FORMAT=text", "LOG_LEVEL=info",
	)
	migrate := exec.CommandContext(ctx, cfg.Exe, "migrate")
	migrate.Env = r.env
	if out, err := migrate.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("migrate: %w: %s", err, out)
	}
	r.services = map[string][]*Proc{}
	for _, name := range serviceNames {
		for i := range cfg.Replicas {
			p := &Proc{Name: fmt.Sprintf("%s-%d", name, i+1), Path: cfg.Exe, Args: []string{"serve", name}, Env: r.env,
				Log: r.logFile(fmt.Sprintf("%s-%d", name, i+1)), Ready: name + " serving on"}
			r.services[name] = append(r.services[name], p)
		}
	}
	for i := range cfg.Replicas {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		p := &Proc{Name: fmt.Sprintf("gateway-%d", i+1), Path: cfg.Exe, Args: []string{"serve", "gateway"},
			Env: append(slices.Clone(r.env), fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", port)),
			Log: r.logFile(fmt.Sprintf("gateway-%d", i+1)), Ready: "gateway listening"}
		r.gateways = append(r.gateways, p)
		r.gwURLs = append(r.gwURLs, fmt.Sprintf("http://127.0.0.1:%d", port))
	}
	// The first replica of each in dependency order (the user service
	// writes the shared JWT key), then the others side by side.
	t0 := time.Now()
	for _, name := range serviceNames {
		if err := r.startProc(ctx, r.services[name][0]); err != nil {
			return nil, err
		}
	}
	var rest []*Proc
	for _, name := range serviceNames {
		rest = append(rest, r.services[name][1:]...)
	}
	rest = append(rest, r.gateways...)
	if err := r.startAll(ctx, rest); err != nil {
		return nil, err
	}
	r.logf("%d service processes and %d gateways up in %s (logs in %s)", len(serviceNames)*cfg.Replicas, len(r.gateways), time.Since(t0).Round(100*time.Millisecond), filepath.Join(cfg.RunDir, "logs"))

	// A small catalogue, through NATS.
	if err := r.seed(ctx); err != nil {
		return nil, err
	}

	// Open-loop load over both gateways, all along.
	places := make([]loadgen.Place, len(seed.Cities))
	for i, c := range seed.Cities {
		places[i] = loadgen.Place{Name: c.Name, Lat: c.Lat, Lng: c.Lng, Timezone: c.Timezone}
	}
	var rr atomic.Uint64
	client := &http.Client{Transport: &roundRobin{hosts: r.gwURLs, next: &rr, base: &http.Transport{MaxIdleConnsPerHost: 512, IdleConnTimeout: 30 * time.Second}}}
	var secs *Seconds
	g, err := loadgen.New(loadgen.Config{
		BaseURL: r.gwURLs[0], Rate: cfg.Rate, Duration: 24 * time.Hour, Mix: cfg.Mix, Users: cfg.Users, Places: places,
		Cuisines: seed.Cuisines, Facilities: seed.Facilities, Timeout: 10 * time.Second, DiscoverTimeout: 90 * time.Second,
		Client: client,
		Observe: func(op string, at time.Time, lat time.Duration, status int, code string) {
			secs.Observe(op, at, lat, status, code)
		},
	})
	if err != nil {
		return nil, err
	}
	r.logf("load: preparing %d users, finding vendors through search ...", cfg.Users)
	if err := g.Prepare(ctx); err != nil {
		return nil, err
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	r.start = time.Now()
	secs = NewSeconds(r.start)
	r.secs = secs
	rep.LoadStartedAt = r.start
	var loadRep *loadgen.Report
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		loadRep, _ = g.Run(loadCtx)
	}()
	r.logf("load: %.0f requests/s (mix %s) over %d gateways", cfg.Rate, cfg.Mix, len(r.gwURLs))

	if err := sleep(ctx, cfg.Phase); err != nil {
		return rep, err
	}
	rep.Baseline = secs.Window(r.start, time.Now())
	r.logf("baseline: %d requests, %d errors, p99 %.1f ms", rep.Baseline.Requests, rep.Baseline.Errors, rep.Baseline.P99Ms)

	for _, f := range cfg.Faults {
		fr := r.fault(ctx, f)
		rep.Faults = append(rep.Faults, fr)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}

	stopLoad()
	<-loadDone
	loadEnd := time.Now()
	rep.Load = loadRep
	r.logf("load stopped; quiet drain for %s", cfg.Drain)
	if err := sleep(ctx, cfg.Drain); err != nil {
		return rep, err
	}
	rep.Final = r.reconcile(ctx, Options{Cutoff: time.Now(), ExpiryGrace: 5 * time.Second, Final: true})
	rep.Seconds = secs.All()
	rep.LoadS = loadEnd.Sub(r.start).Seconds()
	rep.finish()
	r.logf("final reconciliation: %s after %d polls", okWord(rep.Final.OK), rep.Final.Attempts)
	fmt.Fprint(r.out, "\n"+rep.Table())
	if !rep.OK {
		return rep, errors.New("chaos: some reconciliation counts are off (see the table and " + filepath.Join(cfg.RunDir, "report.md") + ")")
	}
	return rep, nil
}

func okWord(ok bool) string {
	if ok {
		return "all counts as required"
	}
	return "COUNTS OFF"
}

// serviceNames are the services run as replicas (the gateway apart), in
// dependency order: the mesh's registry.
var serviceNames = func() []string {
	out := make([]string, len(mesh.Components))
	for i, c := range mesh.Components {
		out[i] = c.Name
	}
	return out
}()

func (r *runner) startProc(ctx context.Context, p *Proc) error {
	if err := p.Start(ctx, 90*time.Second); err != nil {
		return err
	}
	if p.Starts == 1 {
		r.all = append(r.all, p)
	}
	return nil
}

func (r *runner) startAll(ctx context.Context, ps []*Proc) error {
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 3) // two cores: a few at a time
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = p.Start(ctx, 90*time.Second)
		}()
	}
	wg.Wait()
	for _, p := range ps {
		if p.Starts > 0 && !slices.Contains(r.all, p) {
			r.all = append(r.all, p)
		}
	}
	return errors.Join(errs...)
}

// cleanup stops every child: gateways and services first, then Kafka, NATS
// and a private Postgres (an external one is left running).
func (r *runner) cleanup() {
	var wg sync.WaitGroup
	for _, p := range slices.Backward(r.all) {
		if p == r.nats || p == r.kafka {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.Stop(10 * time.Second) }()
	}
	wg.Wait()
	r.kafka.stopIf()
	r.nats.stopIf()
	if r.pg != nil {
		r.pg.Close(r.cfg.Keep)
	}
}

func (p *Proc) stopIf() {
	if p != nil {
		p.Stop(10 * time.Second)
	}
}

func (r *runner) seed(ctx context.Context) error {
	plan, err := seed.NewPlan(r.cfg.Scale)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(r.natsURL, nats.Name("slotmesh-chaos-seed"))
	if err != nil {
		return err
	}
	defer nc.Close()
	t0 := time.Now()
	existing, _, err := seed.Lookup(ctx, vendors.NewClient(nc), nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	st, err := seed.Run(ctx, seed.Options{Plan: plan, Target: seed.NewNATS(nc), Existing: existing, Workers: 4})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	r.logf("seed: %d vendors, %d units in %s", st.VendorsDone, st.UnitsDone, time.Since(t0).Round(100*time.Millisecond))
	return nil
}

// fault kills one part with SIGKILL, keeps it down, restarts it, lets the
// load run for a phase, and reconciles.
func (r *runner) fault(ctx context.Context, name string) FaultResult {
	fr := FaultResult{Name: name, Signal: "SIGKILL"}
	var kill func() error
	var restart func() error
	switch name {
	case FaultBooking, FaultPayment:
		reps := r.services[name]
		p := reps[0]
		if name == FaultPayment {
			p = reps[len(reps)-1]
		}
		fr.Target = p.Name + " (one of " + strconv.Itoa(len(reps)) + " replicas)"
		kill = func() error { return p.Signal(syscall.SIGKILL, true) }
		restart = func() error { return p.Start(ctx, 90*time.Second) }
	case FaultBridge:
		reps := r.services["bridge"]
		fr.Target = "every bridge replica (" + strconv.Itoa(len(reps)) + ")"
		kill = func() error {
			var errs []error
			for _, p := range reps {
				errs = append(errs, p.Signal(syscall.SIGKILL, true))
			}
			return errors.Join(errs...)
		}
		restart = func() error { return r.startAll(ctx, reps) }
	case FaultNATS:
		fr.Target = "nats-server (JetStream, sync always)"
		kill = func() error { return r.nats.Signal(syscall.SIGKILL, true) }
		restart = func() error { return r.nats.Start(ctx, 90*time.Second) }
	case FaultKafka:
		fr.Target = "the Kafka broker (kfake, DataDir written through per batch)"
		kill = func() error { return r.kafka.Signal(syscall.SIGKILL, true) }
		restart = func() error { return r.kafka.Start(ctx, 90*time.Second) }
	case FaultPostgres:
		fr.Target = "Postgres: " + map[bool]string{true: "the private cluster's postmaster and backends", false: "the external cluster (pg_ctlcluster stop -m immediate)"}[r.pg.Private]
		if !r.pg.Private {
			fr.Signal = "pg_ctlcluster stop -m immediate"
		}
		if r.pg.SkipReason != "" {
			fr.Skipped = r.pg.SkipReason
		}
		kill = r.pg.Kill
		restart = func() error { return r.pg.Start(ctx) }
	default:
		fr.Skipped = "unknown fault " + strconv.Quote(name)
	}
	if fr.Skipped != "" {
		r.logf("fault %-8s SKIPPED: %s", name, fr.Skipped)
		return fr
	}
	fr.KilledAt = time.Now()
	r.logf("fault %-8s kill -9 %s", name, fr.Target)
	if err := kill(); err != nil {
		fr.Error = "kill: " + err.Error()
	}
	if err := sleep(ctx, r.cfg.Down); err != nil {
		return fr
	}
	fr.RestartedAt = time.Now()
	if err := restart(); err != nil {
		fr.Error = strings.TrimPrefix(fr.Error+"; restart: "+err.Error(), "; ")
		r.logf("fault %-8s restart FAILED: %v", name, err)
	}
	fr.ReadyAt = time.Now()
	r.logf("fault %-8s back after %.1fs down (restart took %.1fs)", name, fr.ReadyAt.Sub(fr.KilledAt).Seconds(), fr.ReadyAt.Sub(fr.RestartedAt).Seconds())
	settle := min(5*time.Second, r.cfg.Phase/2)
	if err := sleep(ctx, r.cfg.Phase); err != nil {
		return fr
	}
	end := time.Now()
	fr.During = r.secs.Window(fr.KilledAt, fr.ReadyAt.Add(settle))
	fr.After = r.secs.Window(fr.ReadyAt.Add(settle), end)
	fr.Reconcile = r.reconcile(ctx, Options{ExpiryGrace: 10 * time.Second})
	r.logf("fault %-8s during: %d req, %.1f%% errors, p99 %.0f ms; after: %d req, %.1f%% errors, p99 %.0f ms; reconciliation %s (%.1fs)",
		name, fr.During.Requests, 100*fr.During.ErrorRate, fr.During.P99Ms, fr.After.Requests, 100*fr.After.ErrorRate, fr.After.P99Ms,
		okWord(fr.Reconcile.OK), fr.Reconcile.WaitS)
	return fr
}

// reconcile polls until every required count is right or Settle has
// passed. Without Final, the cutoff moves with the clock: events younger
// than Lag may still be on their way.
func (r *runner) reconcile(ctx context.Context, o Options) Reconciliation {
	t0 := time.Now()
	var last Reconciliation
	final := o.Final
	for attempt := 1; ; attempt++ {
		if !final {
			o.Cutoff = time.Now().Add(-r.cfg.Lag)
		}
		rec, err := r.reconcileOnce(ctx, o)
		rec.Attempts = attempt
		rec.WaitS = time.Since(t0).Seconds()
		if err != nil {
			rec.Checks = append(rec.Checks, Check{Name: "reconciliation ran", Value: 1, Required: true, Detail: err.Error()})
			rec.OK = false
		}
		last = rec
		if rec.OK || time.Since(t0) > r.cfg.Settle || ctx.Err() != nil {
			return last
		}
		if sleep(ctx, 2*time.Second) != nil {
			return last
		}
	}
}

func (r *runner) reconcileOnce(ctx context.Context, o Options) (Reconciliation, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// Kafka first: an event on Kafka is then also in the outbox read after.
	seen, err := ReadKafka(ctx, r.broker, bridge.Topics())
	if err != nil {
		return Reconciliation{At: time.Now()}, fmt.Errorf("read Kafka: %w", err)
	}
	conn, err := pgx.Connect(ctx, r.pg.URL)
	if err != nil {
		return Reconciliation{At: time.Now()}, fmt.Errorf("connect Postgres: %w", err)
	}
	defer conn.Close(context.Background())
	return Reconcile(ctx, conn, seen, o)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// roundRobin sends each request to the next gateway.
type roundRobin struct {
	hosts []string
	next  *atomic.Uint64
	base  http.RoundTripper
}

func (rr *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	h := rr.hosts[int(rr.next.Add(1))%len(rr.hosts)]
	req = req.Clone(req.Context())
	req.URL.Host = strings.TrimPrefix(h, "http://")
	req.Host = req.URL.Host
	return rr.base.RoundTrip(req)
}
