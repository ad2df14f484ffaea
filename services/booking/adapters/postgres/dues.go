package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// queueDue writes a due (once per key: the same due written twice is one).
func queueDue(batch *pgx.Batch, d domain.Due) {
	batch.Queue(`INSERT INTO dues (key, booking_id, kind, amount, reason, settles, attempts, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING`,
		d.Key, d.BookingID, d.Kind, d.Amount, d.Reason, d.Settles, d.Attempts, d.NextAttemptAt, d.CreatedAt)
}

const dueColumns = `key, booking_id::text, kind, amount, reason, settles, attempts, next_attempt_at, last_error, created_at`

func scanDue(row pgx.CollectableRow) (domain.Due, error) {
	var d domain.Due
	err := row.Scan(&d.Key, &d.BookingID, &d.Kind, &d.Amount, &d.Reason, &d.Settles, &d.Attempts, &d.NextAttemptAt,
		&d.LastError, &d.CreatedAt)
	return d, err
}

// Take claims at most limit due rows, oldest due first, skipping rows
// another replica holds locked, and leases them until lease (their
// next_attempt_at) in the same statement. See app.Dues.
func (r *Repo) Take(ctx context.Context, now, lease time.Time, limit int) ([]domain.Due, error) {
	rows, err := r.pool.Query(ctx, `UPDATE dues d SET next_attempt_at = $2
		FROM (SELECT key FROM dues WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
		WHERE d.key = due.key
		RETURNING d.key, d.booking_id::text, d.kind, d.amount, d.reason, d.settles, d.attempts, d.next_attempt_at, d.last_error, d.created_at`,
		now, lease, limit)
	if err != nil {
		return nil, fmt.Errorf("take dues: %w", err)
	}
	return pgx.CollectRows(rows, scanDue)
}

// Paid drops a due that payment answered for good and, for a due that
// settles its booking's deposit, settles it in the same transaction.
func (r *Repo) Paid(ctx context.Context, d domain.Due, paymentStatus string, settle app.BookingChange) (domain.Booking, error) {
	var out domain.Booking
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		out = domain.Booking{}
		if _, err := tx.Exec(ctx, `DELETE FROM dues WHERE key = $1`, d.Key); err != nil {
			return fmt.Errorf("due paid: %w", err)
		}
		if !d.Settles {
			return nil
		}
		b, err := lockBooking(ctx, tx, d.BookingID)
		if err != nil {
			return err
		}
		from := b.Status
		w, err := settle(&b)
		if err != nil || w == nil {
			return err
		}
		batch := &pgx.Batch{}
		queueSave(batch, from, b)
		if err := queue(batch, w); err != nil {
			return err
		}
		if err := runBatch(ctx, tx, batch); err != nil {
			return err
		}
		out = b
		return nil
	})
	return out, err
}

// NotYet counts a failed attempt at a due, keeps why, and puts the next at
// next.
func (r *Repo) NotYet(ctx context.Context, key string, next time.Time, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	// Postgres takes only valid UTF-8: a cut inside a character (or bytes
	// a provider sent) would fail the statement and the attempt would not
	// be counted.
	reason = strings.ToValidUTF8(reason, "")
	if _, err := r.pool.Exec(ctx, `UPDATE dues SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE key = $1`,
		key, next, reason); err != nil {
		return fmt.Errorf("due not yet paid: %w", err)
	}
	return nil
}

// Expired lists BLOCKED bookings past their expiry (and past any put-off
// of a failed release), oldest first.
func (r *Repo) Expired(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := r.pool.Query(ctx, `SELECT id::text FROM bookings WHERE status = 'BLOCKED' AND expires_at < $1
		AND (sweep_at IS NULL OR sweep_at <= $1) ORDER BY expires_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("expired holds: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ExpireLater puts an expired hold whose release failed back until next.
func (r *Repo) ExpireLater(ctx context.Context, id string, next time.Time) error {
	if _, err := r.pool.Exec(ctx, `UPDATE bookings SET sweep_at = $2 WHERE id = $1`, id, next); err != nil {
		return fmt.Errorf("put off expired hold: %w", err)
	}
	return nil
}

// DueReport is what an operator sees of the dues: every one, the stuck
// (past domain.DueStuckAfter attempts) first.
type DueReport struct {
	Total, Stuck int
	Dues         []domain.Due // at most the limit asked, stuck first, then by next attempt
}

// ReportDues lists the dues for an operator (slotmesh booking dues).
func (r *Repo) ReportDues(ctx context.Context, stuckOnly bool, limit int) (DueReport, error) {
	var rep DueReport
	if err := r.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE attempts >= $1) FROM dues`,
		domain.DueStuckAfter).Scan(&rep.Total, &rep.Stuck); err != nil {
		return rep, fmt.Errorf("count dues: %w", err)
	}
	rows, err := r.pool.Query(ctx, `SELECT `+dueColumns+` FROM dues WHERE NOT $1 OR attempts >= $2
		ORDER BY attempts >= $2 DESC, next_attempt_at LIMIT $3`, stuckOnly, domain.DueStuckAfter, limit)
	if err != nil {
		return rep, fmt.Errorf("list dues: %w", err)
	}
	rep.Dues, err = pgx.CollectRows(rows, scanDue)
	return rep, err
}

// RetryDues makes dues due now (all of them, or the stuck ones), for an
// operator who fixed what kept them from being paid; it returns how many.
func (r *Repo) RetryDues(ctx context.Context, stuckOnly bool) (int64, error) {
	tag, err := r.pool.Exec(ctx, `UPDATE dues SET next_attempt_at = now() WHERE NOT $1 OR attempts >= $2`, stuckOnly, domain.DueStuckAfter)
	if err != nil {
		return 0, fmt.Errorf("retry dues: %w", err)
	}
	return tag.RowsAffected(), nil
}
