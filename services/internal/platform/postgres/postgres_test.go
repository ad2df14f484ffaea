package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/testenv"
)

var migrations = fstest.MapFS{
	"001_things.sql": {Data: []byte(`
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE things (
    id        int PRIMARY KEY,
    email     text NOT NULL CONSTRAINT things_email_key UNIQUE,
    qty       int  NOT NULL CONSTRAINT things_qty_positive CHECK (qty > 0),
    parent_id int  CONSTRAINT things_parent_fk REFERENCES parents (id),
    during    tstzrange,
    CONSTRAINT things_no_overlap EXCLUDE USING gist (during WITH &&)
);`)},
	"002_more.sql": {Data: []byte(`ALTER TABLE things ADD COLUMN note text;`)},
}

func connect(t *testing.T, pgURL, schema string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Connect(context.Background(), pgURL, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestConnectBindsSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pgURL := testenv.Postgres(t)
	a := connect(t, pgURL, "svc_a")
	b := connect(t, pgURL, "svc_b")
	for _, p := range []struct {
		pool   *pgxpool.Pool
		schema string
	}{{a, "svc_a"}, {b, "svc_b"}} {
		var got string
		if err := p.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&got); err != nil || got != p.schema {
			t.Fatalf("current_schema %q (%v), want %q", got, err, p.schema)
		}
		if _, err := p.pool.Exec(ctx, "CREATE TABLE t (v text)"); err != nil { // unqualified: lands in the schema
			t.Fatal(err)
		}
	}
	if _, err := a.Exec(ctx, "INSERT INTO t VALUES ('a')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("svc_b sees %d rows of svc_a's table (%v)", n, err)
	}
	// Reconnecting to an existing schema is fine.
	connect(t, pgURL, "svc_a")
}

func TestConnectRejectsBadSchema(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "Bad", "1abc", "a-b", "a;drop schema public", "a b", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"} {
		if pool, err := postgres.Connect(context.Background(), testenv.PGServerURL(), s); err == nil {
			pool.Close()
			t.Errorf("Connect with schema %q succeeded, want an error", s)
		}
	}
}

// TestConcurrentMigrate: replicas starting together migrate one schema at
// the same time; all succeed and the migrations run once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	pgURL := testenv.Postgres(t)
	connect(t, pgURL, "svc_c") // the schema exists: see TestConcurrentConnect
	concurrentStart(t, pgURL, "svc_c")
}

// TestConcurrentConnect: replicas starting together on a fresh database
// create the schema at the same time.
func TestConcurrentConnect(t *testing.T) {
	t.Parallel()
	for range 10 { // the race needs a few tries to show
		concurrentStart(t, testenv.Postgres(t), "svc_c")
	}
}

func concurrentStart(t *testing.T, pgURL, schema string) {
	t.Helper()
	ctx := context.Background()
	const replicas = 8
	pools := make([]*pgxpool.Pool, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			pool, err := postgres.Connect(ctx, pgURL, schema)
			if err != nil {
				errs[i] = err
				return
			}
			pools[i] = pool
			errs[i] = postgres.Migrate(ctx, pool, schema, "schema_version", migrations)
		})
	}
	wg.Wait()
	// Close each round's pools at once: 20 rounds of 8 pools held to the end
	// would exceed the server's max_connections.
	defer func() {
		for _, p := range pools {
			if p != nil {
				p.Close()
			}
		}
	}()
	for i := range pools {
		if errs[i] != nil {
			t.Errorf("replica %d: %v", i, errs[i])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	var version int
	if err := pools[0].QueryRow(ctx, "SELECT version FROM "+schema+".schema_version").Scan(&version); err != nil || version != 2 {
		t.Fatalf("schema version %d (%v), want 2", version, err)
	}
	// Migrating again is a no-op.
	if err := postgres.Migrate(ctx, pools[0], schema, "schema_version", migrations); err != nil {
		t.Fatal(err)
	}
}

func TestMapError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := connect(t, testenv.Postgres(t), "svc_m")
	if err := postgres.Migrate(ctx, pool, "svc_m", "schema_version", migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO parents VALUES (1);
		INSERT INTO things (id, email, qty, parent_id, during) VALUES (1, 'a@x', 1, 1, tstzrange(now(), now() + interval '1 hour'))`); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string) error {
		_, err := pool.Exec(ctx, sql)
		return err
	}
	var dummy int
	cases := []struct {
		name       string
		err        error
		code       apperr.Code // "" means not an *apperr.Error
		constraint string
		unique     bool
		exclusion  bool
	}{
		{"no rows", pool.QueryRow(ctx, "SELECT id FROM things WHERE id = 99").Scan(&dummy), apperr.NotFound, "", false, false},
		{"unique", exec(`INSERT INTO things (id, email, qty) VALUES (2, 'a@x', 1)`), apperr.Conflict, "things_email_key", true, false},
		{"primary key", exec(`INSERT INTO things (id, email, qty) VALUES (1, 'b@x', 1)`), apperr.Conflict, "things_pkey", true, false},
		{"exclusion", exec(`INSERT INTO things (id, email, qty, during) VALUES (3, 'c@x', 1, tstzrange(now(), now() + interval '1 minute'))`),
			apperr.Conflict, "things_no_overlap", false, true},
		{"foreign key", exec(`INSERT INTO things (id, email, qty, parent_id) VALUES (4, 'd@x', 1, 42)`), apperr.NotFound, "things_parent_fk", false, false},
		{"check", exec(`INSERT INTO things (id, email, qty) VALUES (5, 'e@x', 0)`), apperr.InvalidInput, "things_qty_positive", false, false},
		{"not null", exec(`INSERT INTO things (id, qty) VALUES (6, 1)`), "", "", false, false},
		{"syntax", exec(`SELEC 1`), "", "", false, false},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Fatalf("%s: the statement did not fail", c.name)
		}
		got := postgres.MapError(c.err, "thing")
		if postgres.IsUniqueViolation(c.err, "") != c.unique || postgres.IsExclusionViolation(c.err) != c.exclusion {
			t.Errorf("%s: IsUniqueViolation=%v IsExclusionViolation=%v", c.name, postgres.IsUniqueViolation(c.err, ""), postgres.IsExclusionViolation(c.err))
		}
		if c.unique && (!postgres.IsUniqueViolation(c.err, c.constraint) || postgres.IsUniqueViolation(c.err, "other")) {
			t.Errorf("%s: IsUniqueViolation does not match on the constraint name", c.name)
		}
		ae, ok := apperr.As(got)
		if c.code == "" {
			if ok {
				t.Errorf("%s: MapError = %v, want a plain wrapped error", c.name, got)
			} else if !errors.Is(got, c.err) {
				t.Errorf("%s: MapError = %v does not wrap the driver error", c.name, got)
			}
			continue
		}
		if !ok || ae.Code != c.code {
			t.Errorf("%s: MapError = %v, want %s", c.name, got, c.code)
			continue
		}
		if c.constraint != "" && ae.Details["constraint"] != c.constraint {
			t.Errorf("%s: constraint %v, want %s", c.name, ae.Details["constraint"], c.constraint)
		}
	}
	if postgres.MapError(nil, "thing") != nil {
		t.Fatal("MapError(nil) != nil")
	}
}

func TestIsRetryable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := connect(t, testenv.Postgres(t), "svc_r")
	if _, err := pool.Exec(ctx, `CREATE TABLE acct (id int PRIMARY KEY, n int); INSERT INTO acct VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	// Two serializable transactions that read what the other writes: one of
	// them must fail with a serialization failure.
	opts := pgx.TxOptions{IsoLevel: pgx.Serializable}
	tx1, err := pool.BeginTx(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	tx2, err := pool.BeginTx(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	var s int
	for _, tx := range []pgx.Tx{tx1, tx2} {
		if err := tx.QueryRow(ctx, "SELECT sum(n) FROM acct").Scan(&s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx1.Exec(ctx, "UPDATE acct SET n = n + 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx2.Exec(ctx, "UPDATE acct SET n = n + 1 WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	err1 := tx1.Commit(ctx)
	err2 := tx2.Commit(ctx)
	if (err1 == nil) == (err2 == nil) {
		t.Fatalf("commits: %v, %v; want exactly one serialization failure", err1, err2)
	}
	if failed := errors.Join(err1, err2); !postgres.IsRetryable(failed) {
		t.Fatalf("IsRetryable(%v) = false", failed)
	}
	if postgres.IsRetryable(errors.New("other")) || postgres.IsRetryable(nil) {
		t.Fatal("IsRetryable is true for a non-Postgres error")
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := connect(t, testenv.Postgres(t), "svc_t")
	if _, err := pool.Exec(ctx, `CREATE TABLE t (v int)`); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want the callback's error", err)
	}
	if err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO t VALUES (2)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := pool.QueryRow(ctx, "SELECT coalesce(sum(v), 0) FROM t").Scan(&sum); err != nil || sum != 2 {
		t.Fatalf("sum %d (%v): want only the committed row (2)", sum, err)
	}
}

// TestIsRetryableCodes: exactly the codes Postgres asks to retry, found
// through wrapping.
func TestIsRetryableCodes(t *testing.T) {
	t.Parallel()
	pgErr := func(code string) error { return &pgconn.PgError{Code: code} }
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"serialization failure", pgErr("40001"), true},
		{"deadlock", pgErr("40P01"), true},
		{"lock not available", pgErr("55P03"), true},
		{"wrapped deadlock", fmt.Errorf("save: %w", pgErr("40P01")), true},
		{"joined lock timeout", errors.Join(errors.New("other"), pgErr("55P03")), true},
		{"unique violation", pgErr("23505"), false},
		{"exclusion violation", pgErr("23P01"), false},
		{"query canceled", pgErr("57014"), false},
		{"transaction rollback (class 40, not retried)", pgErr("40000"), false},
		{"no rows", pgx.ErrNoRows, false},
		{"context canceled", context.Canceled, false},
		{"plain error", errors.New("40001"), false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		if got := postgres.IsRetryable(c.err); got != c.want {
			t.Errorf("%s: IsRetryable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestInTxRetries: a retryable error runs fn again, up to the bound, and
// the last error comes back as Postgres gave it; any other error is
// returned after one run; a ctx that ends stops the retries.
func TestInTxRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := connect(t, testenv.Postgres(t), "svc_x")
	failing := func(code string, runs *int) func(pgx.Tx) error {
		return func(tx pgx.Tx) error {
			*runs++
			return fmt.Errorf("step: %w", &pgconn.PgError{Code: code})
		}
	}
	cases := []struct {
		code string
		runs int
	}{
		{"40001", postgres.TxAttempts},
		{"40P01", postgres.TxAttempts},
		{"55P03", postgres.TxAttempts},
		{"23505", 1},
		{"57014", 1},
	}
	for _, c := range cases {
		runs := 0
		err := postgres.InTx(ctx, pool, failing(c.code, &runs))
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != c.code {
			t.Errorf("%s: InTx = %v, want the callback's *pgconn.PgError", c.code, err)
		}
		if runs != c.runs {
			t.Errorf("%s: fn ran %d times, want %d", c.code, runs, c.runs)
		}
	}

	// A retryable failure that fails once, then succeeds: two runs, nil.
	runs := 0
	if err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		runs++
		if runs == 1 {
			return &pgconn.PgError{Code: "40P01"}
		}
		return nil
	}); err != nil || runs != 2 {
		t.Errorf("InTx = %v after %d runs, want nil after 2", err, runs)
	}

	// A ctx cancelled during a run: no retry; both errors are there.
	cctx, cancel := context.WithCancel(ctx)
	runs = 0
	err := postgres.InTx(cctx, pool, func(tx pgx.Tx) error {
		runs++
		cancel()
		return &pgconn.PgError{Code: "40001"}
	})
	if runs != 1 || !postgres.IsRetryable(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("InTx with a cancelled ctx = %v after %d runs, want the serialization failure and context.Canceled after 1", err, runs)
	}
}

// TestInTxRetriesDeadlock: two transactions lock rows 1 and 2 in opposite
// orders, each taking its first lock before either asks for its second, so
// they truly cross: Postgres breaks the deadlock by aborting one of them
// (40P01), and InTx runs that one again. Both succeed, both updates stand.
func TestInTxRetriesDeadlock(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool := connect(t, testenv.Postgres(t), "svc_d")
	if _, err := pool.Exec(ctx, `CREATE TABLE acct (id int PRIMARY KEY, n int NOT NULL); INSERT INTO acct VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	locked := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var runs [2]int
	var errs [2]error
	// tx i adds add to row first, waits until the other transaction holds
	// its first row, then adds to second.
	cross := func(i, first, second, add int) func(pgx.Tx) error {
		return func(tx pgx.Tx) error {
			runs[i]++
			if _, err := tx.Exec(ctx, `SET LOCAL deadlock_timeout = '20ms'`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE acct SET n = n + $2 WHERE id = $1`, first, add); err != nil {
				return err
			}
			if runs[i] == 1 {
				close(locked[i])
			}
			select { // closed for good after the other's first run
			case <-locked[1-i]:
			case <-ctx.Done():
				return ctx.Err()
			}
			_, err := tx.Exec(ctx, `UPDATE acct SET n = n + $2 WHERE id = $1`, second, add)
			return err
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = postgres.InTx(ctx, pool, cross(0, 1, 2, 1)) })
	wg.Go(func() { errs[1] = postgres.InTx(ctx, pool, cross(1, 2, 1, 10)) })
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i+1, err)
		}
	}
	// At least one run was a deadlock's victim and ran again. A victim's
	// new run can take its first row back before the winner wakes and so
	// cross it again: more runs are fine, as long as both end applied once.
	if runs[0]+runs[1] < 3 || runs[0] > postgres.TxAttempts || runs[1] > postgres.TxAttempts {
		t.Errorf("runs %v: want a deadlock's victim run again (within %d runs each)", runs, postgres.TxAttempts)
	}
	var n1, n2 int
	if err := pool.QueryRow(ctx, `SELECT (SELECT n FROM acct WHERE id = 1), (SELECT n FROM acct WHERE id = 2)`).Scan(&n1, &n2); err != nil {
		t.Fatal(err)
	}
	if n1 != 11 || n2 != 11 {
		t.Fatalf("rows 1 and 2 hold %d and %d, want 11 each (both transactions applied once)", n1, n2)
	}
}

func TestEnsureDatabase(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := testenv.PGServerURL()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "slotmesh_t_ensure_" + hex.EncodeToString(b)
	u.Path = "/" + name
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	for range 2 { // the second call finds it
		if err := postgres.EnsureDatabase(ctx, u.String()); err != nil {
			t.Fatal(err)
		}
	}
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect to the ensured database: %v", err)
	}
	_ = c.Close(ctx)

	bad := *u
	bad.Path = "/Bad-Name"
	if err := postgres.EnsureDatabase(ctx, bad.String()); err == nil {
		t.Fatal("EnsureDatabase with a bad name succeeded")
	}
	for _, p := range []string{"", "/", "/postgres"} {
		noop := *u
		noop.Path = p
		if err := postgres.EnsureDatabase(ctx, noop.String()); err != nil {
			t.Fatalf("EnsureDatabase(%s) = %v, want a no-op", fmt.Sprint(noop.Redacted()), err)
		}
	}
}
