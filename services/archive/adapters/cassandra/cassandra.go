// Package cassandra is the archive's production driver (gocql): the booking
// as JSON text in three tables written together in one logged batch —
// bookings_by_id (Get), bookings_by_user (a partition per user) and
// bookings_by_vendor (a partition per vendor and month, so a busy vendor's
// partitions stay bounded) — plus vendor_months, the months a vendor has
// partitions in. Every write carries USING TIMESTAMP = the booking version,
// so the higher version wins in any order and a repeat is a no-op. Paging
// is gocql's PageState, inside the cursor.
package cassandra

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gocql/gocql"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/app"
)

// SchemaCQL is the keyspace and tables, with {{keyspace}} and
// {{replication}} to fill in (ApplySchema does).
//
//go:embed schema.cql
var SchemaCQL string

// Config is how the driver reaches Cassandra, read from ARCHIVE_URL:
//
//	cassandra://[user:password@]host1[:port],host2/keyspace?consistency=quorum&schema=apply&replication_factor=3&timeout=5s
type Config struct {
	Hosts       []string
	Keyspace    string
	Consistency gocql.Consistency // consistency=any|one|quorum|local_quorum|all...; default LOCAL_QUORUM
	ApplySchema bool              // schema=apply: create the keyspace and tables on start
	Replication int               // replication_factor for a keyspace created by schema=apply (SimpleStrategy); default 1
	Timeout     time.Duration     // timeout: per request; default 5s
	Username    string
	Password    string // secret: never logged
}

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,47}$`)

// ParseURL reads a cassandra:// URL.
func ParseURL(s string) (Config, error) {
	// net/url cannot read a host list with ports (h1:9042,h2:9042), so the
	// hosts are cut out first and the rest is parsed with a placeholder host.
	rest, ok := strings.CutPrefix(s, "cassandra://")
	if !ok {
		return Config{}, errors.New("not a cassandra:// URL")
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	u, err := url.Parse("cassandra://" + userinfo + "hosts" + rest)
	if err != nil {
		return Config{}, errors.New("not a URL")
	}
	c := Config{Consistency: gocql.LocalQuorum, Replication: 1, Timeout: 5 * time.Second}
	var errs []error
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.Hosts = append(c.Hosts, h)
		}
	}
	if len(c.Hosts) == 0 {
		errs = append(errs, errors.New("no hosts"))
	}
	c.Keyspace = strings.Trim(u.Path, "/")
	if !identRE.MatchString(c.Keyspace) {
		errs = append(errs, fmt.Errorf("keyspace %q is not a lowercase identifier", c.Keyspace))
	}
	q := u.Query()
	if v := q.Get("consistency"); v != "" {
		if c.Consistency, err = gocql.ParseConsistencyWrapper(strings.ToUpper(v)); err != nil {
			errs = append(errs, fmt.Errorf("consistency %q is unknown", v))
		}
	}
	switch v := q.Get("schema"); v {
	case "", "none":
	case "apply":
		c.ApplySchema = true
	default:
		errs = append(errs, fmt.Errorf("schema %q is not apply or none", v))
	}
	if v := q.Get("replication_factor"); v != "" {
		if c.Replication, err = strconv.Atoi(v); err != nil || c.Replication < 1 || c.Replication > 10 {
			errs = append(errs, fmt.Errorf("replication_factor %q not in 1..10", v))
		}
	}
	if v := q.Get("timeout"); v != "" {
		if c.Timeout, err = time.ParseDuration(v); err != nil || c.Timeout <= 0 {
			errs = append(errs, fmt.Errorf("timeout %q is not a positive duration", v))
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, errors.Join(errs...)
}

// Stmt is one statement of a batch.
type Stmt struct {
	CQL  string
	Args []any
}

// Iter reads the rows of one page; *gocql.Iter is one.
type Iter interface {
	Scan(dest ...any) bool
	PageState() []byte
	Close() error
}

// Session is what the driver needs of gocql: a gocql session in production,
// a recorder in tests (so the CQL it sends is checked against golden files).
type Session interface {
	// Query runs one page of a query: at most pageSize rows (0: the
	// driver's default) from pageState (nil: the start).
	Query(ctx context.Context, stmt string, args []any, pageSize int, pageState []byte) Iter
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, stmt string, args ...any) error
	// Batch runs statements in one logged batch: all or none are applied.
	Batch(ctx context.Context, stmts []Stmt) error
	Close()
}

// Store implements app.Store on Cassandra.
type Store struct {
	s  Session
	ks string
}

var _ app.Store = (*Store)(nil)

// New returns the store on keyspace through s.
func New(s Session, keyspace string) *Store { return &Store{s: s, ks: keyspace} }

// Open connects to the cluster c names and applies the schema if asked.
func Open(ctx context.Context, c Config) (*Store, error) {
	cluster := gocql.NewCluster(c.Hosts...)
	cluster.Consistency = c.Consistency
	cluster.Timeout = c.Timeout
	cluster.ConnectTimeout = c.Timeout
	if c.Username != "" {
		cluster.Authenticator = gocql.PasswordAuthenticator{Username: c.Username, Password: c.Password}
	}
	sess, err := cluster.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("cassandra: connect to %s: %w", strings.Join(c.Hosts, ","), err)
	}
	gs := &gocqlSession{s: sess}
	if c.ApplySchema {
		if err := ApplySchema(ctx, gs, c.Keyspace, c.Replication); err != nil {
			sess.Close()
			return nil, err
		}
	}
	return New(gs, c.Keyspace), nil
}

// Close closes the session.
func (s *Store) Close() { s.s.Close() }

// ApplySchema runs SchemaCQL for keyspace, one statement at a time (every
// one is IF NOT EXISTS, so it can run on every start).
func ApplySchema(ctx context.Context, s Session, keyspace string, replication int) error {
	if !identRE.MatchString(keyspace) {
		return fmt.Errorf("cassandra: bad keyspace %q", keyspace)
	}
	for _, stmt := range SchemaStatements(keyspace, replication) {
		if err := s.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("cassandra: apply schema: %w", err)
		}
	}
	return nil
}

// SchemaStatements are SchemaCQL's statements for keyspace, comments removed.
func SchemaStatements(keyspace string, replication int) []string {
	var b strings.Builder
	for _, line := range strings.Split(SchemaCQL, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line + "\n")
	}
	text := strings.NewReplacer("{{keyspace}}", keyspace,
		"{{replication}}", fmt.Sprintf("{'class': 'SimpleStrategy', 'replication_factor': %d}", replication)).Replace(b.String())
	var out []string
	for _, s := range strings.Split(text, ";") {
		if s = strings.Join(strings.Fields(s), " "); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Month is the vendor partition of a start: yyyymm of its UTC month.
func Month(t time.Time) int {
	t = t.UTC()
	return t.Year()*100 + int(t.Month())
}

// Put writes b to the three tables in one logged batch at timestamp
// b.Version, unless a version at least as high is stored already. If a lower
// version sat under other keys (another start, user or vendor), its index
// rows are deleted in the same batch.
func (s *Store) Put(ctx context.Context, b booking.Booking) error {
	start := b.Start.UTC().Truncate(time.Millisecond) // Cassandra timestamps are milliseconds
	it := s.s.Query(ctx, `SELECT user_id, vendor_id, start_at, version FROM `+s.ks+`.bookings_by_id WHERE booking_id = ?`, []any{b.ID}, 0, nil)
	var oldUser, oldVendor string
	var oldStart time.Time
	var oldVersion int64
	found := it.Scan(&oldUser, &oldVendor, &oldStart, &oldVersion)
	if err := it.Close(); err != nil {
		return fmt.Errorf("cassandra: read booking %s: %w", b.ID, err)
	}
	if found && oldVersion >= b.Version {
		return nil // a repeat, or older than what is stored
	}
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("cassandra: encode booking %s: %w", b.ID, err)
	}
	ts, month := b.Version, Month(start)
	var stmts []Stmt
	if found {
		oldStart = oldStart.UTC()
		if oldUser != b.UserID || !oldStart.Equal(start) {
			stmts = append(stmts, Stmt{`DELETE FROM ` + s.ks + `.bookings_by_user USING TIMESTAMP ? WHERE user_id = ? AND start_at = ? AND booking_id = ?`,
				[]any{ts, oldUser, oldStart, b.ID}})
		}
		if oldVendor != b.VendorID || !oldStart.Equal(start) {
			stmts = append(stmts, Stmt{`DELETE FROM ` + s.ks + `.bookings_by_vendor USING TIMESTAMP ? WHERE vendor_id = ? AND month = ? AND start_at = ? AND booking_id = ?`,
				[]any{ts, oldVendor, Month(oldStart), oldStart, b.ID}})
		}
	}
	stmts = append(stmts,
		Stmt{`INSERT INTO ` + s.ks + `.bookings_by_id (booking_id, user_id, vendor_id, status, start_at, version, data) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
			[]any{b.ID, b.UserID, b.VendorID, b.Status, start, b.Version, string(data), ts}},
		Stmt{`INSERT INTO ` + s.ks + `.bookings_by_user (user_id, start_at, booking_id, status, version, data) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
			[]any{b.UserID, start, b.ID, b.Status, b.Version, string(data), ts}},
		Stmt{`INSERT INTO ` + s.ks + `.bookings_by_vendor (vendor_id, month, start_at, booking_id, status, version, data) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
			[]any{b.VendorID, month, start, b.ID, b.Status, b.Version, string(data), ts}},
		Stmt{`INSERT INTO ` + s.ks + `.vendor_months (vendor_id, month) VALUES (?, ?)`, []any{b.VendorID, month}},
	)
	if err := s.s.Batch(ctx, stmts); err != nil {
		return fmt.Errorf("cassandra: write booking %s: %w", b.ID, err)
	}
	return nil
}

// Get reads one record from bookings_by_id.
func (s *Store) Get(ctx context.Context, id string) (booking.Booking, error) {
	it := s.s.Query(ctx, `SELECT data FROM `+s.ks+`.bookings_by_id WHERE booking_id = ?`, []any{id}, 0, nil)
	var data string
	found := it.Scan(&data)
	if err := it.Close(); err != nil {
		return booking.Booking{}, fmt.Errorf("cassandra: read booking %s: %w", id, err)
	}
	if !found {
		return booking.Booking{}, apperr.E(apperr.NotFound, "archived booking %s not found", id)
	}
	var b booking.Booking
	if err := json.Unmarshal([]byte(data), &b); err != nil {
		return b, fmt.Errorf("cassandra: decode booking %s: %w", id, err)
	}
	return b, nil
}

// List reads the user's partition, or the vendor's month partitions newest
// first, a page at a time until the page is full. The status filter runs
// server-side inside one partition (ALLOW FILTERING bounded by the
// partition key), so a page may need several round trips.
func (s *Store) List(ctx context.Context, r archive.ListRequest) (archive.Page, error) {
	cur, err := decodeCursor(r.Cursor)
	if err != nil {
		return archive.Page{}, err
	}
	buckets := []int{0} // a user's one partition
	if r.UserID != "" && cur.ok && cur.month != 0 {
		return archive.Page{}, app.BadCursor()
	}
	if r.VendorID != "" {
		if buckets, err = s.months(ctx, r, cur); err != nil {
			return archive.Page{}, err
		}
	}
	page := archive.Page{Items: []booking.Booking{}}
	for i, bucket := range buckets {
		var state []byte
		if cur.ok && i == 0 {
			state = cur.state
		}
		stmt, args := s.listStmt(r, bucket)
		for {
			it := s.s.Query(ctx, stmt, args, r.Limit-len(page.Items), state)
			var data string
			for it.Scan(&data) {
				var b booking.Booking
				if err := json.Unmarshal([]byte(data), &b); err != nil {
					_ = it.Close()
					return archive.Page{}, fmt.Errorf("cassandra: decode booking: %w", err)
				}
				page.Items = append(page.Items, b)
			}
			next := it.PageState()
			if err := it.Close(); err != nil {
				if cur.ok && isInvalid(err) {
					return archive.Page{}, app.BadCursor()
				}
				return archive.Page{}, fmt.Errorf("cassandra: list: %w", err)
			}
			if len(next) == 0 {
				break // this partition is done
			}
			state = next
			if len(page.Items) >= r.Limit {
				page.NextCursor = encodeCursor(bucket, state)
				return page, nil
			}
		}
		if len(page.Items) >= r.Limit {
			if i+1 < len(buckets) {
				page.NextCursor = encodeCursor(buckets[i+1], nil)
			}
			return page, nil
		}
	}
	return page, nil
}

// months are the vendor's partitions the request can see, newest first,
// starting at the cursor's.
func (s *Store) months(ctx context.Context, r archive.ListRequest, cur cursor) ([]int, error) {
	stmt := `SELECT month FROM ` + s.ks + `.vendor_months WHERE vendor_id = ?`
	args := []any{r.VendorID}
	if r.From != nil {
		stmt += ` AND month >= ?`
		args = append(args, Month(*r.From))
	}
	upper, bounded := 0, false
	if r.To != nil {
		upper, bounded = Month(r.To.Add(-time.Millisecond)), true
	}
	if cur.ok && (!bounded || cur.month < upper) {
		upper, bounded = cur.month, true
	}
	if bounded {
		stmt += ` AND month <= ?`
		args = append(args, upper)
	}
	it := s.s.Query(ctx, stmt, args, 0, nil)
	var out []int
	var m int
	for it.Scan(&m) {
		out = append(out, m)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("cassandra: vendor months: %w", err)
	}
	if cur.ok && (len(out) == 0 || out[0] != cur.month) {
		return nil, app.BadCursor() // not a partition of this vendor and window
	}
	return out, nil
}

func (s *Store) listStmt(r archive.ListRequest, month int) (string, []any) {
	stmt := `SELECT data FROM ` + s.ks + `.bookings_by_user WHERE user_id = ?`
	args := []any{r.UserID}
	if r.VendorID != "" {
		stmt = `SELECT data FROM ` + s.ks + `.bookings_by_vendor WHERE vendor_id = ? AND month = ?`
		args = []any{r.VendorID, month}
	}
	if r.From != nil {
		stmt += ` AND start_at >= ?`
		args = append(args, r.From.UTC())
	}
	if r.To != nil {
		stmt += ` AND start_at < ?`
		args = append(args, r.To.UTC())
	}
	if r.Status != "" {
		stmt += ` AND status = ? ALLOW FILTERING`
		args = append(args, r.Status)
	}
	return stmt, args
}

// isInvalid reports Cassandra refusing a request as invalid (as it does a
// paging state it did not make).
func isInvalid(err error) bool {
	var re gocql.RequestError
	return errors.As(err, &re) && (re.Code() == gocql.ErrCodeInvalid || re.Code() == gocql.ErrCodeProtocol)
}

// A cursor is "cq1|<month>|<base64 page state>", base64url: the partition
// to go on in and where in it (no page state: its start).
const cursorPrefix = "cq1|"

type cursor struct {
	ok    bool
	month int
	state []byte
}

func encodeCursor(month int, state []byte) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(month) + "|" + base64.RawStdEncoding.EncodeToString(state)))
}

func decodeCursor(c string) (cursor, error) {
	if c == "" {
		return cursor{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return cursor{}, app.BadCursor()
	}
	m, st, ok := strings.Cut(strings.TrimPrefix(string(raw), cursorPrefix), "|")
	month, err1 := strconv.Atoi(m)
	state, err2 := base64.RawStdEncoding.DecodeString(st)
	if !ok || err1 != nil || err2 != nil || month < 0 {
		return cursor{}, app.BadCursor()
	}
	return cursor{ok: true, month: month, state: state}, nil
}

// gocqlSession is Session on a gocql session.
type gocqlSession struct{ s *gocql.Session }

func (g *gocqlSession) Query(ctx context.Context, stmt string, args []any, pageSize int, pageState []byte) Iter {
	q := g.s.Query(stmt, args...).WithContext(ctx).PageState(pageState)
	if pageSize > 0 {
		q = q.PageSize(pageSize)
	}
	return q.Iter()
}

func (g *gocqlSession) Exec(ctx context.Context, stmt string, args ...any) error {
	return g.s.Query(stmt, args...).WithContext(ctx).Exec()
}

func (g *gocqlSession) Batch(ctx context.Context, stmts []Stmt) error {
	b := g.s.NewBatch(gocql.LoggedBatch).WithContext(ctx)
	for _, st := range stmts {
		b.Query(st.CQL, st.Args...)
	}
	return g.s.ExecuteBatch(b)
}

func (g *gocqlSession) Close() { g.s.Close() }

// Exec runs one statement on the store's session (tests: drop a keyspace).
func (s *Store) Exec(ctx context.Context, stmt string, args ...any) error {
	return s.s.Exec(ctx, stmt, args...)
}
