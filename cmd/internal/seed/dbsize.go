package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SchemaSize is the on-disk size of one schema (tables, indexes, TOAST).
type SchemaSize struct {
	Schema string
	Bytes  int64
}

// DatabaseSize returns pg_database_size of pgURL's database and the size of
// each of its non-system schemas, biggest first.
func DatabaseSize(ctx context.Context, pgURL string) (db string, total int64, schemas []SchemaSize, err error) {
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return "", 0, nil, fmt.Errorf("database size: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, `SELECT current_database(), pg_database_size(current_database())`).Scan(&db, &total); err != nil {
		return "", 0, nil, fmt.Errorf("database size: %w", err)
	}
	rows, err := conn.Query(ctx, `
		SELECT n.nspname, coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
		GROUP BY n.nspname ORDER BY 2 DESC, 1`)
	if err != nil {
		return "", 0, nil, fmt.Errorf("schema sizes: %w", err)
	}
	schemas, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (SchemaSize, error) {
		var s SchemaSize
		return s, r.Scan(&s.Schema, &s.Bytes)
	})
	return db, total, schemas, err
}

// HumanBytes prints n in binary units (12.3 MiB).
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
