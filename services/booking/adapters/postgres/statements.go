package postgres

import "github.com/slotmesh/slotmesh/services/internal/platform/outbox"

// The statements of the hold transaction, in the order Hold runs them. They
// are constants so the benchmark can replay exactly these with pgbench.
const (
	// $1 user, $2 key, $3 op, $4 request hash
	sqlClaimKey = `INSERT INTO idempotency (user_id, key, op, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`
	// $1 vendor, $2 min capacity, $3 range, $4 how many, $5 unit ids to skip
	sqlPickUnits = `SELECT u.id::text, u.name, u.capacity FROM units u
		WHERE u.vendor_id = $1 AND u.active AND u.capacity >= $2 AND NOT (u.id = ANY($5::uuid[]))
		AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.unit_id = u.id AND h.active AND h.during && $3)
		ORDER BY u.capacity, u.id LIMIT $4 FOR UPDATE OF u`
	sqlSkipLocked = ` SKIP LOCKED`
	// $1..$18 the booking's columns, its terms last
	sqlInsertBooking = `INSERT INTO bookings (id, vendor_id, user_id, status, during, party_size, quantity,
		deposit_amount, deposit_currency, deposit_status, payment_method, expires_at, version, created_at, updated_at,
		deposit_rate, deposit_per_guest, free_cancel_hours)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`
	// $1 booking, $2 unit, $3 vendor, $4 range
	sqlInsertHold = `INSERT INTO holds (booking_id, unit_id, vendor_id, during, active) VALUES ($1, $2, $3, $4, true)`
	// $1 user, $2 key, $3 booking
	sqlRecordBooking = `UPDATE idempotency SET booking_id = $3 WHERE user_id = $1 AND key = $2`
)

// Statement is one statement of the hold transaction.
type Statement struct {
	Name string
	SQL  string
}

// HoldStatements lists the hold transaction's statements in order, for the
// pgbench comparison benchmark.
func HoldStatements() []Statement {
	return []Statement{
		{"claim_key", sqlClaimKey},
		{"pick_units", sqlPickUnits + sqlSkipLocked},
		{"insert_booking", sqlInsertBooking},
		{"insert_hold", sqlInsertHold},
		{"outbox", outbox.InsertSQL},
		{"record_key", sqlRecordBooking},
	}
}
