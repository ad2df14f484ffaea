// Package postgres is the archive's default driver: archive_db as the schema
// "archive" in PG_URL's database, one row per finished booking (JSONB plus
// indexed columns), keyset-paged by (start, id).
package postgres

import (
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/app"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// Schema is the archive service's Postgres schema.
const Schema = "archive"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the archive's migrations to Schema. The archive emits no
// events, so it has no outbox.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pg.MigrateDir(ctx, pool, Schema, migrations, "migrations")
}

// Store implements app.Store on a pool bound to Schema.
type Store struct{ pool *pgxpool.Pool }

// New returns the store on pool (its search_path is Schema).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

var _ app.Store = (*Store)(nil)

// Put inserts b, or replaces the stored record when b's version is higher.
func (s *Store) Put(ctx context.Context, b booking.Booking) error {
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("archive: encode booking %s: %w", b.ID, err)
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO bookings (id, user_id, vendor_id, status, start_at, version, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, vendor_id = excluded.vendor_id,
			status = excluded.status, start_at = excluded.start_at, version = excluded.version,
			data = excluded.data, archived_at = now()
		WHERE bookings.version < excluded.version`,
		b.ID, b.UserID, b.VendorID, b.Status, b.Start, b.Version, data)
	return pg.MapError(err, "archived booking")
}

// Get reads one record.
func (s *Store) Get(ctx context.Context, id string) (booking.Booking, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM bookings WHERE id = $1`, id).Scan(&data)
	if err != nil {
		return booking.Booking{}, pg.MapError(err, "archived booking "+id)
	}
	var b booking.Booking
	if err := json.Unmarshal(data, &b); err != nil {
		return b, fmt.Errorf("archive: decode booking %s: %w", id, err)
	}
	return b, nil
}

// List pages by (start_at, id) descending from the cursor's position, on
// the user or vendor index.
func (s *Store) List(ctx context.Context, r archive.ListRequest) (archive.Page, error) {
	col, key := "user_id", r.UserID
	if r.VendorID != "" {
		col, key = "vendor_id", r.VendorID
	}
	where := []string{col + " = $1"}
	args := []any{key}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if r.From != nil {
		add("start_at >= ?", *r.From)
	}
	if r.To != nil {
		add("start_at < ?", *r.To)
	}
	if r.Status != "" {
		add("status = ?", r.Status)
	}
	if r.Cursor != "" {
		start, id, err := decodeCursor(r.Cursor)
		if err != nil {
			return archive.Page{}, err
		}
		args = append(args, start, id)
		where = append(where, fmt.Sprintf("(start_at, id) < ($%d, $%d)", len(args)-1, len(args)))
	}
	args = append(args, r.Limit+1)
	q := `SELECT data, start_at, id FROM bookings WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY start_at DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return archive.Page{}, fmt.Errorf("archive: list: %w", err)
	}
	defer rows.Close()
	page := archive.Page{Items: []booking.Booking{}}
	var lastStart time.Time
	var lastID string
	for rows.Next() {
		var data []byte
		var start time.Time
		var id string
		if err := rows.Scan(&data, &start, &id); err != nil {
			return archive.Page{}, fmt.Errorf("archive: list: %w", err)
		}
		if len(page.Items) == r.Limit {
			page.NextCursor = encodeCursor(lastStart, lastID)
			break
		}
		var b booking.Booking
		if err := json.Unmarshal(data, &b); err != nil {
			return archive.Page{}, fmt.Errorf("archive: decode booking %s: %w", id, err)
		}
		page.Items = append(page.Items, b)
		lastStart, lastID = start, id
	}
	if err := rows.Err(); err != nil {
		return archive.Page{}, fmt.Errorf("archive: list: %w", err)
	}
	return page, nil
}

// A cursor is "pg1|<start unix micro>|<id>", base64url: the last row of the
// previous page (Postgres keeps microseconds).
const cursorPrefix = "pg1|"

func encodeCursor(start time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(start.UnixMicro(), 10) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return time.Time{}, "", app.BadCursor()
	}
	us, id, ok := strings.Cut(strings.TrimPrefix(string(raw), cursorPrefix), "|")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", app.BadCursor()
	}
	return time.UnixMicro(n).UTC(), id, nil
}
