package cassandra_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/adapters/archivetest"
	"github.com/slotmesh/slotmesh/services/archive/adapters/cassandra"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from what the driver sends")

// page is a canned answer to one Query.
type page struct {
	rows  [][]any
	state []byte
	err   error
}

// recorder is a cassandra.Session that writes down every statement and its
// arguments and answers queries from canned pages, in order.
type recorder struct {
	t     *testing.T
	log   strings.Builder
	pages []page
}

func (r *recorder) Query(_ context.Context, stmt string, args []any, pageSize int, pageState []byte) cassandra.Iter {
	fmt.Fprintf(&r.log, "QUERY page_size=%d page_state=%q\n  %s\n  args: %s\n", pageSize, pageState, stmt, fmtArgs(args))
	if len(r.pages) == 0 {
		r.t.Fatalf("unexpected query %s", stmt)
	}
	p := r.pages[0]
	r.pages = r.pages[1:]
	return &iter{t: r.t, page: p}
}

func (r *recorder) Exec(_ context.Context, stmt string, args ...any) error {
	fmt.Fprintf(&r.log, "EXEC\n  %s\n  args: %s\n", stmt, fmtArgs(args))
	return nil
}

func (r *recorder) Batch(_ context.Context, stmts []cassandra.Stmt) error {
	fmt.Fprintf(&r.log, "BATCH LOGGED\n")
	for _, s := range stmts {
		fmt.Fprintf(&r.log, "  %s\n    args: %s\n", s.CQL, fmtArgs(s.Args))
	}
	return nil
}

func (r *recorder) Close() {}

func fmtArgs(args []any) string {
	var out []string
	for _, a := range args {
		switch v := a.(type) {
		case time.Time:
			out = append(out, "timestamp "+v.UTC().Format(time.RFC3339Nano))
		case string:
			out = append(out, fmt.Sprintf("%q", v))
		case []byte:
			out = append(out, "blob "+base64.StdEncoding.EncodeToString(v))
		default:
			out = append(out, fmt.Sprintf("%T %v", v, v))
		}
	}
	return "[" + strings.Join(out, ", ") + "]"
}

type iter struct {
	t    *testing.T
	page page
	i    int
}

func (it *iter) Scan(dest ...any) bool {
	if it.i >= len(it.page.rows) {
		return false
	}
	row := it.page.rows[it.i]
	it.i++
	if len(row) != len(dest) {
		it.t.Fatalf("scan into %d values, row has %d", len(dest), len(row))
	}
	for i, v := range row {
		reflect.ValueOf(dest[i]).Elem().Set(reflect.ValueOf(v))
	}
	return true
}

func (it *iter) PageState() []byte { return it.page.state }
func (it *iter) Close() error      { return it.page.err }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to record)", err)
	}
	if got != string(want) {
		t.Fatalf("CQL sent differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

var start = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

func sample(version int64, start time.Time) booking.Booking {
	b := archivetest.Booking("b-1", "u-1", "v-1", start, booking.StatusAvailed, version)
	return b
}

func data(t *testing.T, b booking.Booking) string {
	j, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

func TestPutRecorded(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		existing [][]any
		put      booking.Booking
	}{
		{"put_new", nil, sample(3, start)},
		{"put_repeat", [][]any{{"u-1", "v-1", start, int64(3)}}, sample(3, start)},
		{"put_older", [][]any{{"u-1", "v-1", start, int64(5)}}, sample(3, start)},
		{"put_newer_same_keys", [][]any{{"u-1", "v-1", start, int64(2)}}, sample(3, start)},
		{"put_newer_moved", [][]any{{"u-1", "v-1", start.AddDate(0, -1, 0), int64(2)}}, sample(3, start.Add(1500*time.Microsecond))},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{t: t, pages: []page{{rows: c.existing}}}
			if err := cassandra.New(rec, "archive").Put(ctx, c.put); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, rec.log.String())
		})
	}
}

func TestGetRecorded(t *testing.T) {
	ctx := context.Background()
	b := sample(4, start)
	rec := &recorder{t: t, pages: []page{{rows: [][]any{{data(t, b)}}}, {}}}
	s := cassandra.New(rec, "archive")
	got, err := s.Get(ctx, "b-1")
	if err != nil || data(t, got) != data(t, b) {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	if _, err := s.Get(ctx, "b-missing"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Get of a missing id: %v, want not_found", err)
	}
	golden(t, "get", rec.log.String())
}

func rows(t *testing.T, ids ...string) [][]any {
	var out [][]any
	for _, id := range ids {
		b := sample(1, start)
		b.ID = id
		out = append(out, []any{data(t, b)})
	}
	return out
}

func ids(p archive.Page) []string {
	var out []string
	for _, b := range p.Items {
		out = append(out, b.ID)
	}
	return out
}

func TestListUserRecorded(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{t: t, pages: []page{
		{rows: rows(t, "b-3", "b-2"), state: []byte("s1")},
		{rows: rows(t, "b-1")},
	}}
	s := cassandra.New(rec, "archive")
	p1, err := s.List(ctx, archive.ListRequest{UserID: "u-1", Limit: 2})
	if err != nil || fmt.Sprint(ids(p1)) != "[b-3 b-2]" || p1.NextCursor == "" {
		t.Fatalf("page 1: %v %q %v", ids(p1), p1.NextCursor, err)
	}
	p2, err := s.List(ctx, archive.ListRequest{UserID: "u-1", Limit: 2, Cursor: p1.NextCursor})
	if err != nil || fmt.Sprint(ids(p2)) != "[b-1]" || p2.NextCursor != "" {
		t.Fatalf("page 2: %v %q %v", ids(p2), p2.NextCursor, err)
	}
	golden(t, "list_user", rec.log.String())
}

func TestListVendorRecorded(t *testing.T) {
	ctx := context.Background()
	from, to := start.AddDate(0, -2, 0), start.AddDate(0, 0, 1)
	r := archive.ListRequest{VendorID: "v-1", From: &from, To: &to, Status: booking.StatusAvailed, Limit: 3}
	rec := &recorder{t: t, pages: []page{
		{rows: [][]any{{202603}, {202602}, {202601}}},     // the vendor's months in the window
		{rows: rows(t, "b-march-2"), state: []byte("m1")}, // a short page: the status filter skipped rows
		{rows: rows(t, "b-march-1")},                      // March is done
		{rows: rows(t, "b-feb-9"), state: []byte("f1")},   // the page is full, February goes on
		{rows: [][]any{{202602}, {202601}}},               // page 2: months from the cursor's
		{rows: rows(t, "b-feb-8", "b-feb-7", "b-feb-6")},  // February ends exactly on a full page
		{rows: [][]any{{202601}}},                         // page 3
		{rows: nil},                                       // January has nothing of that status
	}}
	s := cassandra.New(rec, "archive")
	p1, err := s.List(ctx, r)
	if err != nil || fmt.Sprint(ids(p1)) != "[b-march-2 b-march-1 b-feb-9]" || p1.NextCursor == "" {
		t.Fatalf("page 1: %v %q %v", ids(p1), p1.NextCursor, err)
	}
	r.Cursor = p1.NextCursor
	p2, err := s.List(ctx, r)
	if err != nil || fmt.Sprint(ids(p2)) != "[b-feb-8 b-feb-7 b-feb-6]" || p2.NextCursor == "" {
		t.Fatalf("page 2: %v %q %v", ids(p2), p2.NextCursor, err)
	}
	r.Cursor = p2.NextCursor
	p3, err := s.List(ctx, r)
	if err != nil || len(p3.Items) != 0 || p3.NextCursor != "" {
		t.Fatalf("page 3: %v %q %v", ids(p3), p3.NextCursor, err)
	}
	golden(t, "list_vendor", rec.log.String())
}

func TestListBadCursor(t *testing.T) {
	ctx := context.Background()
	s := cassandra.New(&recorder{t: t, pages: []page{{rows: [][]any{{202602}}}}}, "archive")
	for _, r := range []archive.ListRequest{
		{UserID: "u-1", Limit: 2, Cursor: "not base64 !"},
		{UserID: "u-1", Limit: 2, Cursor: base64.RawURLEncoding.EncodeToString([]byte("pg1|1|x"))},
		{UserID: "u-1", Limit: 2, Cursor: base64.RawURLEncoding.EncodeToString([]byte("cq1|202603|"))},   // a vendor cursor
		{VendorID: "v-1", Limit: 2, Cursor: base64.RawURLEncoding.EncodeToString([]byte("cq1|202603|"))}, // a month the vendor lacks
	} {
		_, err := s.List(ctx, r)
		if ae, ok := apperr.As(err); !ok || ae.Details["field"] != "cursor" {
			t.Fatalf("%+v: %v, want invalid_input on cursor", r, err)
		}
	}
}

func TestSchema(t *testing.T) {
	rec := &recorder{t: t}
	if err := cassandra.ApplySchema(context.Background(), rec, "archive", 3); err != nil {
		t.Fatal(err)
	}
	golden(t, "schema", rec.log.String())
	if err := cassandra.ApplySchema(context.Background(), rec, "Bad-Name", 1); err == nil {
		t.Fatal("a keyspace that is not an identifier was accepted")
	}
}

func TestParseURL(t *testing.T) {
	c, err := cassandra.ParseURL("cassandra://user:secret@h1:9042,h2/slotmesh_archive?consistency=quorum&schema=apply&replication_factor=3&timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	want := cassandra.Config{Hosts: []string{"h1:9042", "h2"}, Keyspace: "slotmesh_archive", Consistency: c.Consistency,
		ApplySchema: true, Replication: 3, Timeout: 2 * time.Second, Username: "user", Password: "secret"}
	if !reflect.DeepEqual(c, want) || c.Consistency.String() != "QUORUM" {
		t.Fatalf("got %+v (%s)", c, c.Consistency)
	}
	for _, bad := range []string{
		"http://h1/ks", "cassandra:///ks", "cassandra://h1/", "cassandra://h1/Bad-KS",
		"cassandra://h1/ks?consistency=most", "cassandra://h1/ks?schema=yes", "cassandra://h1/ks?replication_factor=0",
		"cassandra://h1/ks?timeout=soon",
	} {
		if _, err := cassandra.ParseURL(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
