// Package postgres is the notification service's store: the delivery log
// (one row per event and channel, with its retry schedule) and vendors'
// webhooks, in the schema "notification".
package postgres

import (
	"context"
	"embed"
	"errors"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/notification"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/notification/app"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

// Schema is the notification service's Postgres schema.
const Schema = "notification"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the notification schema's migrations (the service emits
// no events, so it has no outbox).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pg.MigrateDir(ctx, pool, Schema, migrations, "migrations")
}

// Store implements app.Store.
type Store struct{ pool *pgxpool.Pool }

// New returns the store on a pool bound to Schema.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

var _ app.Store = (*Store)(nil)

const columns = `id::text, event_id, event_type, channel, vendor_id, booking_id, booking_version, recipient, subject, body,
	status, attempts, next_attempt_at, not_after, last_error, sent_at, created_at, updated_at`

// claimedColumns is columns qualified for Claim's UPDATE ... FROM.
const claimedColumns = `d.id::text, d.event_id, d.event_type, d.channel, d.vendor_id, d.booking_id, d.booking_version,
	d.recipient, d.subject, d.body, d.status, d.attempts, d.next_attempt_at, d.not_after, d.last_error, d.sent_at,
	d.created_at, d.updated_at`

func scan(row pgx.Row) (domain.Delivery, error) {
	var d domain.Delivery
	err := row.Scan(&d.ID, &d.EventID, &d.EventType, &d.Channel, &d.VendorID, &d.BookingID, &d.Version, &d.Recipient,
		&d.Subject, &d.Body, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.NotAfter, &d.LastError, &d.SentAt,
		&d.CreatedAt, &d.UpdatedAt)
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = d.NextAttemptAt.UTC(), d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	if d.SentAt != nil {
		t := d.SentAt.UTC()
		d.SentAt = &t
	}
	return d, err
}

func collect(rows pgx.Rows, err error) ([]domain.Delivery, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Delivery
	for rows.Next() {
		d, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Insert records a batch in one transaction, serialised per booking (an
// advisory lock), so events of one booking arriving on different topics at
// once cannot both decide about its reminder.
func (s *Store) Insert(ctx context.Context, b domain.Batch) (int, error) {
	n := 0
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0 // a retry must not count a rolled-back run's rows
		ds := b.Deliveries
		if b.BookingID != "" {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('notification.booking.' || $1))`, b.BookingID); err != nil {
				return err
			}
			var err error
			if ds, err = s.reminders(ctx, tx, b); err != nil {
				return err
			}
		}
		if len(ds) == 0 {
			return nil
		}
		batch := &pgx.Batch{}
		for _, d := range ds {
			batch.Queue(`INSERT INTO deliveries (id, event_id, event_type, channel, vendor_id, booking_id, booking_version,
				recipient, subject, body, status, attempts, next_attempt_at, not_after, last_error, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,0,$12,$13,'',$14,$15) ON CONFLICT (event_id, channel) DO NOTHING`,
				d.ID, d.EventID, d.EventType, d.Channel, d.VendorID, d.BookingID, d.Version,
				d.Recipient, d.Subject, d.Body, d.Status, d.NextAttemptAt, d.NotAfter, d.CreatedAt, d.UpdatedAt)
		}
		br := tx.SendBatch(ctx, batch)
		for range ds {
			tag, err := br.Exec()
			if err != nil {
				_ = br.Close()
				return pg.MapError(err, "delivery")
			}
			n += int(tag.RowsAffected())
		}
		return br.Close()
	})
	return n, err
}

// reminders applies the batch's reminder rules and returns the rows to
// insert. A final event cancels the booking's pending reminders and leaves
// a cancelled reminder row of its version as a marker. Any other event, if
// no newer version of the booking is known, cancels the pending reminders
// of older versions and schedules its own reminder, if it has one.
func (s *Store) reminders(ctx context.Context, tx pgx.Tx, b domain.Batch) ([]domain.Delivery, error) {
	ds := b.Deliveries
	cancel := func(below int64) error {
		_, err := tx.Exec(ctx, `UPDATE deliveries SET status = 'cancelled', updated_at = clock_timestamp()
			WHERE booking_id = $1 AND channel = 'reminder' AND status = 'pending' AND booking_version < $2`, b.BookingID, below)
		return err
	}
	if b.Final {
		if err := cancel(math.MaxInt64); err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		marker := domain.Delivery{ID: uuid.Must(uuid.NewV7()).String(), EventID: b.EventID, EventType: b.EventType,
			Channel: notification.ChannelReminder, VendorID: b.VendorID, BookingID: b.BookingID, Version: b.Version,
			Status: notification.StatusCancelled, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
		return append(ds, marker), nil
	}
	var newer bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE booking_id = $1 AND booking_version > $2)`,
		b.BookingID, b.Version).Scan(&newer); err != nil {
		return nil, err
	}
	if newer {
		return ds, nil
	}
	if err := cancel(b.Version); err != nil {
		return nil, err
	}
	if b.Reminder != nil {
		ds = append(ds, *b.Reminder)
	}
	return ds, nil
}

// Known reports whether the event has any delivery.
func (s *Store) Known(ctx context.Context, eventID string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE event_id = $1)`, eventID).Scan(&ok)
	return ok, pg.MapError(err, "delivery")
}

// Claim leases due pending rows. SKIP LOCKED lets replicas claim at once
// without waiting on (or taking) each other's rows; the claim commits
// before any send, and moving next_attempt_at to the end of the lease is
// what keeps other replicas off the row while it is being sent.
func (s *Store) Claim(ctx context.Context, lease time.Duration, limit int) ([]domain.Delivery, error) {
	return collect(s.pool.Query(ctx, `
		UPDATE deliveries d SET attempts = d.attempts + 1,
			next_attempt_at = clock_timestamp() + make_interval(secs => $1), updated_at = clock_timestamp()
		FROM (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
			ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
		WHERE d.id = due.id
		RETURNING `+claimedColumns, lease.Seconds(), limit))
}

// Finish records an attempt's outcome, fenced by the attempt number.
func (s *Store) Finish(ctx context.Context, id string, attempt int, status string, next time.Time, lastErr string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE deliveries SET status = $3, next_attempt_at = $4, last_error = $5, updated_at = clock_timestamp(),
			sent_at = CASE WHEN $3 = 'sent' THEN clock_timestamp() END
		WHERE id = $1 AND attempts = $2 AND status = 'pending'`, id, attempt, status, next, lastErr)
	if err != nil {
		return false, pg.MapError(err, "delivery")
	}
	return tag.RowsAffected() == 1, nil
}

// Dead lists dead deliveries after afterID, in id (creation) order.
func (s *Store) Dead(ctx context.Context, afterID string, limit int) ([]domain.Delivery, error) {
	if afterID != "" && !pg.IsUUID(afterID) {
		return nil, apperr.Field("cursor", "not a cursor from this endpoint")
	}
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	return collect(s.pool.Query(ctx, `SELECT `+columns+` FROM deliveries
		WHERE status = 'dead' AND id > $1 ORDER BY id LIMIT $2`, afterID, limit))
}

// Replay puts dead rows back to pending, due now, attempts reset.
func (s *Store) Replay(ctx context.Context, ids []string, all bool) (int, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if pg.IsUUID(id) {
			valid = append(valid, id)
		}
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = clock_timestamp(),
			updated_at = clock_timestamp()
		WHERE status = 'dead' AND ($1 OR id = ANY($2::uuid[]))`, all, valid)
	if err != nil {
		return 0, pg.MapError(err, "delivery")
	}
	return int(tag.RowsAffected()), nil
}

// PutWebhook creates or replaces a vendor's webhook; a replacement keeps
// the first created_at.
func (s *Store) PutWebhook(ctx context.Context, w domain.Webhook) (domain.Webhook, error) {
	return scanWebhook(s.pool.QueryRow(ctx, `
		INSERT INTO webhooks (vendor_id, url, secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (vendor_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = EXCLUDED.updated_at
		RETURNING vendor_id, url, secret, created_at, updated_at`, w.VendorID, w.URL, w.Secret, w.CreatedAt, w.UpdatedAt))
}

// Webhook reads a vendor's webhook.
func (s *Store) Webhook(ctx context.Context, vendorID string) (domain.Webhook, error) {
	return scanWebhook(s.pool.QueryRow(ctx, `SELECT vendor_id, url, secret, created_at, updated_at
		FROM webhooks WHERE vendor_id = $1`, vendorID))
}

// DeleteWebhook removes a vendor's webhook.
func (s *Store) DeleteWebhook(ctx context.Context, vendorID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhooks WHERE vendor_id = $1`, vendorID)
	if err != nil {
		return pg.MapError(err, "webhook")
	}
	if tag.RowsAffected() == 0 {
		return apperr.E(apperr.NotFound, "no webhook is set for this vendor")
	}
	return nil
}

func scanWebhook(row pgx.Row) (domain.Webhook, error) {
	var w domain.Webhook
	err := row.Scan(&w.VendorID, &w.URL, &w.Secret, &w.CreatedAt, &w.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return w, apperr.E(apperr.NotFound, "no webhook is set for this vendor")
	}
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, pg.MapError(err, "webhook")
}
