// Package postgres is paymentdb: payments (one per idempotency key) and
// their refunds, in the payment service's own schema, with the outbox.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/payment/app"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// Schema is the payment service's Postgres schema.
const Schema = "paymentdb"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies paymentdb's migrations and the outbox's.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return outbox.MigrateService(ctx, pool, Schema, migrations, "migrations")
}

// Repo implements app.Repository.
type Repo struct{ pool *pgxpool.Pool }

// New returns the repository on a pool bound to Schema.
func New(pool *pgxpool.Pool) *Repo { return &Repo{pool: pool} }

var _ app.Repository = (*Repo)(nil)

const paymentColumns = `id::text, key, booking_id::text, user_id, amount, refunded, currency, method, status,
	decline_code, provider_ref, void_requested, void_reason, attempts, lease_until, created_at, updated_at`

func scanPayment(row pgx.Row) (domain.Payment, error) {
	var p domain.Payment
	err := row.Scan(&p.ID, &p.Key, &p.BookingID, &p.UserID, &p.Amount, &p.Refunded, &p.Currency, &p.Method, &p.Status,
		&p.DeclineCode, &p.ProviderRef, &p.VoidRequested, &p.VoidReason, &p.Attempts, &p.LeaseUntil, &p.CreatedAt, &p.UpdatedAt)
	p.LeaseUntil, p.CreatedAt, p.UpdatedAt = p.LeaseUntil.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

const refundColumns = `id::text, key, payment_id::text, booking_id::text, amount, requested, currency, status, reason,
	failure_code, provider_ref, attempts, lease_until, created_at, updated_at`

func scanRefund(row pgx.Row) (domain.Refund, error) {
	var r domain.Refund
	err := row.Scan(&r.ID, &r.Key, &r.PaymentID, &r.BookingID, &r.Amount, &r.Requested, &r.Currency, &r.Status, &r.Reason,
		&r.FailureCode, &r.ProviderRef, &r.Attempts, &r.LeaseUntil, &r.CreatedAt, &r.UpdatedAt)
	r.LeaseUntil, r.CreatedAt, r.UpdatedAt = r.LeaseUntil.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

func paymentArgs(p domain.Payment) []any {
	return []any{p.ID, p.Key, p.BookingID, p.UserID, p.Amount, p.Refunded, p.Currency, p.Method, p.Status,
		p.DeclineCode, p.ProviderRef, p.VoidRequested, p.VoidReason, p.Attempts, p.LeaseUntil, p.CreatedAt, p.UpdatedAt}
}

func refundArgs(r domain.Refund) []any {
	return []any{r.ID, r.Key, r.PaymentID, r.BookingID, r.Amount, r.Requested, r.Currency, r.Status, r.Reason,
		r.FailureCode, r.ProviderRef, r.Attempts, r.LeaseUntil, r.CreatedAt, r.UpdatedAt}
}

// Create inserts p with its events unless its key is taken; then it returns
// the payment stored under the key. A concurrent insert of the same key
// waits for the other transaction, so exactly one caller creates.
func (r *Repo) Create(ctx context.Context, p domain.Payment, events ...contracts.Event) (domain.Payment, bool, error) {
	created := false
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		created = false // a retry must not keep a rolled-back run's insert
		tag, err := tx.Exec(ctx, `INSERT INTO payments (`+insertColumns+`) VALUES
			($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) ON CONFLICT (key) DO NOTHING`, paymentArgs(p)...)
		if err != nil {
			return pg.MapError(err, "payment")
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		created = true
		return outbox.Add(ctx, tx, events...)
	})
	if err != nil {
		return domain.Payment{}, false, err
	}
	if created {
		return p, true, nil
	}
	stored, err := r.Get(ctx, p.Key)
	return stored, false, err
}

const insertColumns = `id, key, booking_id, user_id, amount, refunded, currency, method, status,
	decline_code, provider_ref, void_requested, void_reason, attempts, lease_until, created_at, updated_at`

// Get reads the payment with key and its refunds in one statement (one
// snapshot).
func (r *Repo) Get(ctx context.Context, key string) (domain.Payment, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+prefixed("p", paymentColumns)+`, `+prefixed("r", refundColumns)+`
		FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
		WHERE p.key = $1 ORDER BY r.created_at, r.id`, key)
	if err != nil {
		return domain.Payment{}, fmt.Errorf("get payment: %w", err)
	}
	defer rows.Close()
	var p domain.Payment
	found := false
	for rows.Next() {
		var rf nullRefund
		dest := append(paymentDest(&p), rf.dest()...)
		if err := rows.Scan(dest...); err != nil {
			return domain.Payment{}, fmt.Errorf("get payment: %w", err)
		}
		found = true
		if rf.ID != nil {
			p.Refunds = append(p.Refunds, rf.refund())
		}
	}
	if err := rows.Err(); err != nil {
		return domain.Payment{}, fmt.Errorf("get payment: %w", err)
	}
	if !found {
		return domain.Payment{}, apperr.E(apperr.NotFound, "payment not found")
	}
	p.LeaseUntil, p.CreatedAt, p.UpdatedAt = p.LeaseUntil.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

// ChargeKeyOfRefund is the key of the payment the refund belongs to.
func (r *Repo) ChargeKeyOfRefund(ctx context.Context, refundKey string) (string, error) {
	var key string
	err := r.pool.QueryRow(ctx, `SELECT p.key FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.key = $1`,
		refundKey).Scan(&key)
	return key, pg.MapError(err, "refund")
}

// Update locks the payment, then reads its refunds (after the lock, so it
// sees every refund committed by the previous holder), applies change and
// saves what changed with the events.
func (r *Repo) Update(ctx context.Context, key string, change app.Change) (domain.Payment, error) {
	var out domain.Payment
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		p, err := scanPayment(tx.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE key = $1 FOR UPDATE`, key))
		if err != nil {
			return pg.MapError(err, "payment")
		}
		if p.Refunds, err = refundsOf(ctx, tx, p.ID); err != nil {
			return err
		}
		before := p
		before.Refunds = append([]domain.Refund(nil), p.Refunds...)
		events, err := change(&p)
		if err != nil {
			return err
		}
		if err := p.Check(); err != nil {
			return err
		}
		if err := save(ctx, tx, before, p); err != nil {
			return err
		}
		out = p
		return outbox.Add(ctx, tx, events...)
	})
	return out, err
}

func refundsOf(ctx context.Context, tx pgx.Tx, paymentID string) ([]domain.Refund, error) {
	rows, err := tx.Query(ctx, `SELECT `+refundColumns+` FROM refunds WHERE payment_id = $1 ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, fmt.Errorf("refunds: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Refund, error) { return scanRefund(row) })
}

// save writes the payment row if it changed, and new or changed refunds.
func save(ctx context.Context, tx pgx.Tx, before, after domain.Payment) error {
	b, a := before, after
	b.Refunds, a.Refunds = nil, nil
	if !reflect.DeepEqual(b, a) {
		if _, err := tx.Exec(ctx, `UPDATE payments SET refunded=$2, status=$3, decline_code=$4, provider_ref=$5,
			void_requested=$6, void_reason=$7, attempts=$8, lease_until=$9, updated_at=$10 WHERE id=$1`,
			a.ID, a.Refunded, a.Status, a.DeclineCode, a.ProviderRef, a.VoidRequested, a.VoidReason, a.Attempts,
			a.LeaseUntil, a.UpdatedAt); err != nil {
			return pg.MapError(err, "payment")
		}
	}
	old := make(map[string]domain.Refund, len(before.Refunds))
	for _, rf := range before.Refunds {
		old[rf.ID] = rf
	}
	for _, rf := range after.Refunds {
		prev, ok := old[rf.ID]
		switch {
		case !ok:
			_, err := tx.Exec(ctx, `INSERT INTO refunds (id, key, payment_id, booking_id, amount, requested, currency,
				status, reason, failure_code, provider_ref, attempts, lease_until, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`, refundArgs(rf)...)
			if pg.IsUniqueViolation(err, "refunds_key_key") {
				return apperr.E(apperr.IdempotencyKey, "this refund key was used for another charge").With("field", "key")
			}
			if err != nil {
				return pg.MapError(err, "refund")
			}
		case prev != rf:
			if _, err := tx.Exec(ctx, `UPDATE refunds SET status=$2, failure_code=$3, provider_ref=$4, attempts=$5,
				lease_until=$6, updated_at=$7 WHERE id=$1`,
				rf.ID, rf.Status, rf.FailureCode, rf.ProviderRef, rf.Attempts, rf.LeaseUntil, rf.UpdatedAt); err != nil {
				return pg.MapError(err, "refund")
			}
		}
	}
	return nil
}

// Due lists keys of payments with work whose lease ran out before now.
func (r *Repo) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := r.pool.Query(ctx, `SELECT key FROM (
			SELECT key, lease_until FROM payments WHERE status = 'pending' AND lease_until <= $1
			UNION ALL
			SELECT p.key, r.lease_until FROM refunds r JOIN payments p ON p.id = r.payment_id
				WHERE r.status = 'pending' AND r.lease_until <= $1
			UNION ALL
			SELECT p.key, p.lease_until FROM payments p
				WHERE p.status = 'succeeded' AND p.void_requested AND p.lease_until <= $1
				AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id AND r.status = 'pending')
		) due GROUP BY key ORDER BY min(lease_until) LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due payments: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Ledger reads a booking's payments and refunds in one snapshot.
func (r *Repo) Ledger(ctx context.Context, bookingID string) ([]domain.Payment, error) {
	var out []domain.Payment
	err := pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+paymentColumns+` FROM payments WHERE booking_id = $1 ORDER BY created_at, id`, bookingID)
		if err != nil {
			return fmt.Errorf("ledger payments: %w", err)
		}
		if out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Payment, error) { return scanPayment(row) }); err != nil {
			return fmt.Errorf("ledger payments: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT `+refundColumns+` FROM refunds WHERE booking_id = $1 ORDER BY created_at, id`, bookingID)
		if err != nil {
			return fmt.Errorf("ledger refunds: %w", err)
		}
		refunds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Refund, error) { return scanRefund(row) })
		if err != nil {
			return fmt.Errorf("ledger refunds: %w", err)
		}
		at := make(map[string]int, len(out))
		for i, p := range out {
			at[p.ID] = i
		}
		for _, rf := range refunds {
			if i, ok := at[rf.PaymentID]; ok {
				out[i].Refunds = append(out[i].Refunds, rf)
			}
		}
		return nil
	})
	return out, err
}

func paymentDest(p *domain.Payment) []any {
	return []any{&p.ID, &p.Key, &p.BookingID, &p.UserID, &p.Amount, &p.Refunded, &p.Currency, &p.Method, &p.Status,
		&p.DeclineCode, &p.ProviderRef, &p.VoidRequested, &p.VoidReason, &p.Attempts, &p.LeaseUntil, &p.CreatedAt, &p.UpdatedAt}
}

// nullRefund scans the refund side of an outer join.
type nullRefund struct {
	ID, Key, PaymentID, BookingID                      *string
	Amount, Requested                                  *int64
	Currency, Status, Reason, FailureCode, ProviderRef *string
	Attempts                                           *int
	LeaseUntil, CreatedAt, UpdatedAt                   *time.Time
}

func (n *nullRefund) dest() []any {
	return []any{&n.ID, &n.Key, &n.PaymentID, &n.BookingID, &n.Amount, &n.Requested, &n.Currency, &n.Status, &n.Reason,
		&n.FailureCode, &n.ProviderRef, &n.Attempts, &n.LeaseUntil, &n.CreatedAt, &n.UpdatedAt}
}

func (n *nullRefund) refund() domain.Refund {
	return domain.Refund{
		ID: *n.ID, Key: *n.Key, PaymentID: *n.PaymentID, BookingID: *n.BookingID, Amount: *n.Amount, Requested: *n.Requested,
		Currency: *n.Currency, Status: *n.Status, Reason: *n.Reason, FailureCode: *n.FailureCode, ProviderRef: *n.ProviderRef,
		Attempts: *n.Attempts, LeaseUntil: n.LeaseUntil.UTC(), CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC(),
	}
}

// prefixed qualifies each column of a column list with alias.
func prefixed(alias, columns string) string {
	out := make([]byte, 0, len(columns)+64)
	start := true
	for i := 0; i < len(columns); i++ {
		c := columns[i]
		if start && c != ' ' && c != '\t' && c != '\n' {
			out = append(out, alias...)
			out = append(out, '.')
			start = false
		}
		out = append(out, c)
		if c == ',' {
			start = true
		}
	}
	return string(out)
}
