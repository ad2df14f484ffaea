package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

const changeColumns = `id::text, booking_id::text, op, actor, coalesce(key, ''), request_hash, state, from_version,
	coalesce(to_version, 0), coalesce(charge_key, ''), charge_amount, outcome, expires_at, created_at`

func scanChange(row pgx.Row) (domain.Change, error) {
	var c domain.Change
	var outcome []byte
	err := row.Scan(&c.ID, &c.BookingID, &c.Op, &c.Actor, &c.Key, &c.Hash, &c.State, &c.FromVersion,
		&c.ToVersion, &c.ChargeKey, &c.ChargeAmount, &outcome, &c.ExpiresAt, &c.CreatedAt)
	if err != nil || len(outcome) == 0 {
		return c, err
	}
	var e apperr.Error
	if err := json.Unmarshal(outcome, &e); err != nil {
		return c, fmt.Errorf("change %s outcome: %w", c.ID, err)
	}
	c.Outcome = &e
	return c, nil
}

func outcomeJSON(c domain.Change) []byte {
	if c.Outcome == nil {
		return nil
	}
	body, _ := json.Marshal(c.Outcome)
	return body
}

// Claim opens (or applies at once) a change of a locked booking. See
// app.Changes.
func (r *Repo) Claim(ctx context.Context, c domain.Change, decide func(b *domain.Booking, c *domain.Change) (*app.Writes, error)) (domain.Booking, domain.Change, *domain.Change, error) {
	if !pg.IsUUID(c.BookingID) {
		return domain.Booking{}, c, nil, apperr.E(apperr.NotFound, "booking not found")
	}
	var out domain.Booking
	var stored domain.Change
	var prior *domain.Change
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		out, stored, prior = domain.Booking{}, domain.Change{}, nil
		b, err := lockBooking(ctx, tx, c.BookingID)
		if err != nil {
			return err
		}
		// The change the key names, and any open one, in one read.
		rows, err := tx.Query(ctx, `SELECT `+changeColumns+` FROM changes
			WHERE booking_id = $1 AND (state = 'open' OR key = $2)`, c.BookingID, c.Key)
		if err != nil {
			return fmt.Errorf("read changes: %w", err)
		}
		found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Change, error) { return scanChange(row) })
		if err != nil {
			return fmt.Errorf("read changes: %w", err)
		}
		for _, f := range found {
			if c.Key != "" && f.Key == c.Key {
				out, prior = b, &f
				return nil
			}
		}
		if len(found) > 0 {
			return domain.InFlight()
		}
		from := b.Status
		nc := c
		nc.FromVersion = b.Version
		w, err := decide(&b, &nc)
		if err != nil {
			return err
		}
		batch := &pgx.Batch{}
		if nc.State == domain.ChangeApplied && b.Version != nc.FromVersion {
			queueSave(batch, from, b)
		}
		queueInsertChange(batch, nc)
		if err := queue(batch, w); err != nil {
			return err
		}
		if err := runBatch(ctx, tx, batch); err != nil {
			if pg.IsUniqueViolation(err, "changes_one_open") || pg.IsUniqueViolation(err, "changes_key") {
				return domain.InFlight() // a change that did not take the booking's lock (none should)
			}
			return err
		}
		out, stored = b, nc
		return nil
	})
	return out, stored, prior, err
}

func queueInsertChange(batch *pgx.Batch, c domain.Change) {
	var toVersion *int64
	if c.State == domain.ChangeApplied {
		toVersion = &c.ToVersion
	}
	batch.Queue(`INSERT INTO changes (id, booking_id, op, actor, key, request_hash, state, from_version, to_version,
		charge_key, charge_amount, outcome, expires_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, $8, $9, nullif($10, ''), $11, $12, $13, $14, $14)`,
		c.ID, c.BookingID, c.Op, c.Actor, c.Key, c.Hash, c.State, c.FromVersion, toVersion,
		c.ChargeKey, c.ChargeAmount, outcomeJSON(c), c.ExpiresAt, c.CreatedAt)
}

// errAbandoned answers the step that ends a change the sweeper abandoned.
var errAbandoned = apperr.E(apperr.Unavailable, "the change took too long and was abandoned; the booking is unchanged, try again")

// ApplyMove ends an open change by moving its booking. See app.Changes.
func (r *Repo) ApplyMove(ctx context.Context, m app.Move) (domain.Booking, error) {
	var out domain.Booking
	var outcome error // the change was aborted with it: committed, then returned
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		out, outcome = domain.Booking{}, nil
		b, err := lockBooking(ctx, tx, m.Change.BookingID)
		if err != nil {
			return err
		}
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM changes WHERE id = $1 FOR UPDATE`, m.Change.ID).Scan(&state); err != nil {
			return pg.MapError(err, "change")
		}
		if state != domain.ChangeOpen {
			return errAbandoned
		}
		c := m.Change
		if b.Version != c.FromVersion || b.Status != domain.Confirmed {
			// Cannot happen while the change is open; if it ever did, the
			// booking is left alone and the change's money goes back.
			outcome = apperr.E(apperr.Conflict, "the booking changed meanwhile; read it again")
			c.Abort(outcome)
			return abort(ctx, tx, c, m.Revert)
		}
		moved := b
		moved.Reschedule(m.Plan, m.Now)
		units, err := moveHolds(ctx, tx, moved, m.Retries)
		if err != nil {
			return err
		}
		if len(units) < b.Quantity {
			outcome = apperr.E(apperr.SlotUnavailable, "no free unit for %d at that time", m.Plan.PartySize)
			c.Abort(outcome)
			return abort(ctx, tx, c, m.Revert)
		}
		moved.Units = units
		evs, err := m.Events(moved)
		if err != nil {
			return err
		}
		c.Apply(moved.Version)
		batch := &pgx.Batch{}
		batch.Queue(`UPDATE bookings SET during=$2, party_size=$3, deposit_amount=$4, version=$5, updated_at=$6 WHERE id=$1`,
			moved.ID, rangeOf(moved.During), moved.PartySize, moved.DepositAmount, moved.Version, moved.UpdatedAt)
		batch.Queue(`UPDATE changes SET state = 'applied', to_version = $2, updated_at = $3 WHERE id = $1`, c.ID, c.ToVersion, m.Now)
		if err := queue(batch, &app.Writes{Events: evs, Dues: m.Owed}); err != nil {
			return err
		}
		if err := runBatch(ctx, tx, batch); err != nil {
			return err
		}
		out = moved
		return nil
	})
	if err != nil {
		return domain.Booking{}, err
	}
	if outcome != nil {
		return domain.Booking{}, outcome
	}
	return out, nil
}

// moveHolds gives a booking new holds for its new range and party within
// a savepoint: its own holds are released (its old units count as free),
// units picked and held. Too few units (or an overlap after retries)
// rolls the savepoint back — the booking keeps its old holds — and
// returns what it found.
func moveHolds(ctx context.Context, tx pgx.Tx, b domain.Booking, retries int) ([]domain.HeldUnit, error) {
	for attempt := 0; ; attempt++ {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		units, err := func() ([]domain.HeldUnit, error) {
			if _, err := sp.Exec(ctx, `DELETE FROM holds WHERE booking_id = $1`, b.ID); err != nil {
				return nil, fmt.Errorf("release holds: %w", err)
			}
			units, err := pickUnits(ctx, sp, b.VendorID, b.PartySize, b.Quantity, b.During)
			if err != nil || len(units) < b.Quantity {
				return units, err
			}
			held := b
			held.Units = units
			batch := &pgx.Batch{}
			queueHolds(batch, held)
			return units, runBatch(ctx, sp, batch)
		}()
		if err == nil && len(units) >= b.Quantity {
			return units, sp.Commit(ctx)
		}
		if rerr := sp.Rollback(ctx); rerr != nil {
			return nil, fmt.Errorf("rollback to savepoint: %w", rerr)
		}
		switch {
		case errors.Is(err, app.ErrOverlap) && attempt < retries:
			continue
		case errors.Is(err, app.ErrOverlap):
			return nil, nil // taken meanwhile, every time: unavailable
		case err != nil:
			return nil, err
		}
		return units, nil
	}
}

// abort stores an open change as aborted (c.Abort has given its outcome)
// and writes its dues.
func abort(ctx context.Context, tx pgx.Tx, c domain.Change, dues []domain.Due) error {
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE changes SET state = 'aborted', outcome = $2, updated_at = now() WHERE id = $1 AND state = 'open'`,
		c.ID, outcomeJSON(c))
	for _, d := range dues {
		queueDue(batch, d)
	}
	return runBatch(ctx, tx, batch)
}

// Abort ends an open change as not made (c.Abort has given its outcome),
// writing dues. See app.Changes.
func (r *Repo) Abort(ctx context.Context, c domain.Change, dues []domain.Due) (bool, error) {
	aborted := false
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		aborted = false
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM changes WHERE id = $1 FOR UPDATE`, c.ID).Scan(&state); err != nil {
			return pg.MapError(err, "change")
		}
		if state != domain.ChangeOpen {
			return nil
		}
		aborted = true
		return abort(ctx, tx, c, dues)
	})
	return aborted, err
}

// Abandoned lists open changes whose time ran out, oldest first.
func (r *Repo) Abandoned(ctx context.Context, now time.Time, limit int) ([]domain.Change, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+changeColumns+` FROM changes WHERE state = 'open' AND expires_at < $1
		ORDER BY expires_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("abandoned changes: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Change, error) { return scanChange(row) })
}

// TopUps are the charge keys of a booking's applied changes.
func (r *Repo) TopUps(ctx context.Context, bookingID string) ([]string, error) {
	rows, err := r.pool.Query(ctx, `SELECT charge_key FROM changes
		WHERE booking_id = $1 AND state = 'applied' AND charge_key IS NOT NULL`, bookingID)
	if err != nil {
		return nil, fmt.Errorf("top-ups: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
