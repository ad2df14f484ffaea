package chaos

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bridge"
)

// Check is one reconciliation count and the value it must have.
type Check struct {
	Name     string `json:"name"`
	Value    int64  `json:"value"`
	Want     int64  `json:"want"`
	Required bool   `json:"required"` // false: reported, not judged (e.g. Kafka duplicates)
	OK       bool   `json:"ok"`
	Detail   string `json:"detail,omitempty"` // a few examples when off
}

// Reconciliation is every check at one moment.
type Reconciliation struct {
	At       time.Time `json:"at"`
	Cutoff   time.Time `json:"cutoff"` // events and money older than this must have settled
	Checks   []Check   `json:"checks"`
	OK       bool      `json:"ok"`
	Attempts int       `json:"attempts"` // polls until OK (or until the settle time ran out)
	WaitS    float64   `json:"wait_s"`
	Events   int       `json:"events"` // outbox events considered
	Kafka    int       `json:"kafka_messages"`
}

func (r *Reconciliation) add(name string, value int64, required bool, examples []string) {
	c := Check{Name: name, Value: value, Required: required, OK: !required || value == 0}
	if value != 0 && len(examples) > 0 {
		c.Detail = fmt.Sprint(examples[:min(len(examples), 3)])
	}
	r.Checks = append(r.Checks, c)
}

// Check returns the named check (zero when absent).
func (r Reconciliation) Check(name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

// The checks, by name.
const (
	CheckOverlappingHolds   = "overlapping active holds"
	CheckConfirmedNoCharge  = "confirmed bookings without a successful charge"
	CheckChargeNoBooking    = "charges without a booking or refund"
	CheckMoreThanDeposit    = "bookings holding more money than their deposit"
	CheckLessThanDeposit    = "bookings holding less money than their deposit"
	CheckAppliedReverted    = "changes both applied and reverted"
	CheckExpiredBlocked     = "holds past expiry still BLOCKED"
	CheckLeakedHolds        = "active holds of finished bookings"
	CheckMoneyInFlight      = "money still in flight (pending charges/refunds)"
	CheckRefundsPending     = "refunds pending past the drain"
	CheckUnpublished        = "outbox events not yet published"
	CheckMissingKafka       = "outbox events missing on Kafka"
	CheckPhantomKafka       = "Kafka events in no outbox"
	CheckDuplicateKafka     = "duplicate event copies on Kafka (at-least-once; consumers dedupe)"
	CheckMissingArchive     = "final booking events missing in the archive"
	CheckArchiveAhead       = "archive rows no outbox event explains"
	CheckMissingNotify      = "notifying events without their email delivery"
	CheckNotifyTwice        = "events delivered (stored) more than once"
	CheckSearchBehind       = "bookings behind in the search read model"
	CheckSearchAhead        = "search read-model rows no outbox event explains"
	CheckUserEventsOutboxed = "user events (stay in NATS, not bridged)"
)

// Options of one reconciliation.
type Options struct {
	// Cutoff: events created and money moved before it must have gone all
	// the way; later ones may still be on their way (load is running).
	Cutoff time.Time
	// ExpiryGrace is how late the sweeper may be with an expired hold.
	ExpiryGrace time.Duration
	// Final: no load any more, everything must have settled (money too).
	Final bool
}

// outboxEvent is one row of a service's outbox.
type outboxEvent struct {
	ID        string
	Source    string
	Type      string
	Aggregate string
	Version   int64 // the booking's version it carries (booking events)
	Created   time.Time
	Published bool
	Restated  bool // data.from = data.booking.status: a restatement (a settled deposit), not announced
}

// KafkaSeen is what was read from the bridged topics: event id -> the topic
// of each copy.
type KafkaSeen map[string][]string

// Reconcile runs every check against the database (all services' schemas;
// one Postgres in this run) and the Kafka messages read just before.
func Reconcile(ctx context.Context, conn *pgx.Conn, kafka KafkaSeen, o Options) (Reconciliation, error) {
	r := Reconciliation{At: time.Now(), Cutoff: o.Cutoff}
	for _, q := range moneyChecks(o) {
		ids, err := examples(ctx, conn, q.sql, q.args...)
		if err != nil {
			return r, fmt.Errorf("%s: %w", q.name, err)
		}
		r.add(q.name, int64(len(ids)), q.required, ids)
	}
	if err := reconcileEvents(ctx, conn, kafka, o, &r); err != nil {
		return r, err
	}
	r.OK = true
	for _, c := range r.Checks {
		r.OK = r.OK && c.OK
	}
	return r, nil
}

// moneyCheck is one check of the money and the holds: a query whose rows
// are the offenders, and whether a row fails the reconciliation.
type moneyCheck struct {
	name     string
	sql      string
	required bool
	args     []any
}

// moneyChecks are the checks of the money and the holds under o: what
// may still move while load runs is judged at the end only (Final).
func moneyChecks(o Options) []moneyCheck {
	return []moneyCheck{
		{CheckOverlappingHolds, SQLOverlappingHolds, true, nil},
		{CheckConfirmedNoCharge, SQLConfirmedWithoutCharge, true, nil},
		{CheckChargeNoBooking, SQLChargesWithoutBooking, true, []any{o.Cutoff}},
		{CheckMoreThanDeposit, SQLMoreThanDeposit, true, []any{o.Cutoff}},
		{CheckLessThanDeposit, SQLLessThanDeposit, true, []any{o.Cutoff}},
		{CheckAppliedReverted, SQLAppliedAndReverted, true, []any{o.Cutoff}},
		{CheckExpiredBlocked, SQLExpiredStillBlocked, true, []any{o.ExpiryGrace.String()}},
		{CheckLeakedHolds, SQLLeakedHolds, true, []any{o.Cutoff}},
		{CheckMoneyInFlight, SQLMoneyInFlight, o.Final, []any{o.Cutoff}},
		{CheckRefundsPending, SQLRefundsPending, o.Final, nil},
	}
}

// The money and hold checks: each query returns the ids of the offending
// rows (its count is the check's value).
const (
	// Two active holds of one unit whose ranges overlap: the exclusion
	// constraint holds_no_overlap forbids it; this looks anyway.
	SQLOverlappingHolds = `SELECT a.booking_id::text || '/' || b.booking_id::text FROM bookingdb.holds a JOIN bookingdb.holds b
		ON a.unit_id = b.unit_id AND a.booking_id < b.booking_id AND a.active AND b.active AND a.during && b.during`
	// A booking that is (or was) confirmed, or says its deposit was taken,
	// with no succeeded (or since refunded) payment of its deposit key.
	SQLConfirmedWithoutCharge = `SELECT b.id::text FROM bookingdb.bookings b
		WHERE b.deposit_amount > 0
		  AND (b.status IN ('CONFIRMED', 'AVAILED', 'NO_SHOW') OR b.deposit_status IN ('charged', 'kept', 'refund_pending', 'refunded'))
		  AND NOT EXISTS (SELECT 1 FROM paymentdb.payments p WHERE p.booking_id = b.id AND p.status IN ('succeeded', 'refunded'))`
	// Money taken and not given back, whose booking is missing or does not
	// hold it (its deposit is neither charged nor kept). Rows touched after
	// the cutoff may still be on their way ($1).
	SQLChargesWithoutBooking = `SELECT p.id::text FROM paymentdb.payments p
		WHERE p.status = 'succeeded' AND p.refunded < p.amount AND p.updated_at < $1
		  AND NOT EXISTS (SELECT 1 FROM bookingdb.bookings b WHERE b.id = p.booking_id AND b.deposit_status IN ('charged', 'kept'))`
	// A booking whose deposit is charged (or kept) while its payments hold
	// more than that deposit: charged twice, or a difference (a larger
	// party's top-up, a smaller party's refund) that was not settled. Rows
	// touched after the cutoff may still be on their way ($1).
	SQLMoreThanDeposit = `SELECT b.id::text FROM bookingdb.bookings b JOIN paymentdb.payments p ON p.booking_id = b.id
		WHERE p.status IN ('succeeded', 'refunded') AND b.deposit_status IN ('charged', 'kept') AND b.updated_at < $1
		GROUP BY b.id, b.deposit_amount HAVING sum(p.amount - p.refunded) > b.deposit_amount AND max(p.updated_at) < $1`
	// A booking whose deposit is charged (or kept) while its payments hold
	// less than that deposit (none at all counts as 0): a top-up the
	// booking relies on was reverted or voided, or never charged. Rows
	// touched after the cutoff may still be on their way ($1): the booking,
	// and any payment of it (a top-up landing).
	SQLLessThanDeposit = `SELECT b.id::text FROM bookingdb.bookings b
		LEFT JOIN paymentdb.payments p ON p.booking_id = b.id AND p.status IN ('succeeded', 'refunded')
		WHERE b.deposit_status IN ('charged', 'kept') AND b.updated_at < $1
		  AND NOT EXISTS (SELECT 1 FROM paymentdb.payments q WHERE q.booking_id = b.id AND q.updated_at >= $1)
		GROUP BY b.id, b.deposit_amount HAVING COALESCE(sum(p.amount - p.refunded), 0) < b.deposit_amount`
	// A change (bookingdb.changes) ends applied or aborted, never both, and
	// its top-up (charge_key, a payment key of its own) follows it:
	// - applied: the booking relies on the top-up, so it is never voided,
	//   and never refunded except by a later applied change of the booking
	//   (a smaller party, a cancel: claimed before its refund was asked); a
	//   refund asked before any later change was claimed is a revert;
	// - aborted: the top-up holds nothing (once its void due is paid: a
	//   void still owed is money in flight, judged at the end).
	// Changes and payments touched after the cutoff may still be on their
	// way ($1).
	SQLAppliedAndReverted = `SELECT 'applied ' || c.id::text || ' ' || c.charge_key FROM bookingdb.changes c
		JOIN paymentdb.payments p ON p.key = c.charge_key
		WHERE c.state = 'applied' AND c.updated_at < $1 AND p.updated_at < $1
		  AND (p.void_requested OR EXISTS (SELECT 1 FROM paymentdb.refunds r WHERE r.payment_id = p.id
		    AND NOT EXISTS (SELECT 1 FROM bookingdb.changes l WHERE l.booking_id = c.booking_id AND l.state = 'applied'
		      AND l.to_version > c.to_version AND l.created_at <= r.created_at)))
		UNION ALL SELECT 'aborted ' || c.id::text || ' ' || c.charge_key FROM bookingdb.changes c
		JOIN paymentdb.payments p ON p.key = c.charge_key
		WHERE c.state = 'aborted' AND c.updated_at < $1 AND p.updated_at < $1
		  AND p.status IN ('succeeded', 'refunded') AND p.amount - p.refunded > 0
		  AND NOT EXISTS (SELECT 1 FROM bookingdb.dues d WHERE d.key = c.charge_key)`
	// The sweeper releases an expired hold within about a second; $1 is
	// the grace (an interval).
	SQLExpiredStillBlocked = `SELECT id::text FROM bookingdb.bookings
		WHERE status = 'BLOCKED' AND expires_at < now() - $1::interval`
	// A finished booking holds nothing.
	SQLLeakedHolds = `SELECT DISTINCT h.booking_id::text FROM bookingdb.holds h JOIN bookingdb.bookings b ON b.id = h.booking_id
		WHERE h.active AND b.status NOT IN ('BLOCKED', 'CONFIRMED') AND b.updated_at < $1`
	// Charges, refunds, deposits and dues still moving, and changes left
	// open past their expiry (the sweeper aborts those) (judged at the end
	// only).
	SQLMoneyInFlight = `SELECT 'payment ' || id::text FROM paymentdb.payments WHERE status = 'pending' AND updated_at < $1
		UNION ALL SELECT 'refund ' || id::text FROM paymentdb.refunds WHERE status = 'pending' AND updated_at < $1
		UNION ALL SELECT 'booking ' || id::text FROM bookingdb.bookings
		  WHERE deposit_status IN ('pending', 'refund_pending', 'void_pending') AND status <> 'BLOCKED' AND updated_at < $1
		UNION ALL SELECT 'due ' || kind || ' ' || key FROM bookingdb.dues WHERE created_at < $1
		UNION ALL SELECT 'open change ' || id::text FROM bookingdb.changes WHERE state = 'open' AND expires_at < $1`
	// After the drain nothing is owed any more (judged at the end only): no
	// due (refund or void) left, no refund payment has not answered, no
	// booking waiting for its refund or void.
	SQLRefundsPending = `SELECT 'due ' || kind || ' ' || key FROM bookingdb.dues
		UNION ALL SELECT 'refund ' || id::text FROM paymentdb.refunds WHERE status = 'pending'
		UNION ALL SELECT 'booking ' || id::text || ' ' || deposit_status FROM bookingdb.bookings
		  WHERE deposit_status IN ('refund_pending', 'void_pending')`
)

// SQLOutbox reads every service's outbox (the booking's version from the
// event data of booking events).
const SQLOutbox = `SELECT src, event_id::text, subject, created_at, published_at IS NOT NULL, convert_from(payload, 'UTF8')::jsonb->>'aggregate_id',
		COALESCE((convert_from(payload, 'UTF8')::jsonb->'data'->'booking'->>'version')::bigint, 0),
		COALESCE(convert_from(payload, 'UTF8')::jsonb->'data'->>'from' = convert_from(payload, 'UTF8')::jsonb->'data'->'booking'->>'status', false)
	FROM (SELECT 'user' AS src, * FROM userdb.outbox
	      UNION ALL SELECT 'vendor', * FROM vendordb.outbox
	      UNION ALL SELECT 'booking', * FROM bookingdb.outbox
	      UNION ALL SELECT 'payment', * FROM paymentdb.outbox) o`

func examples(ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func reconcileEvents(ctx context.Context, conn *pgx.Conn, kafka KafkaSeen, o Options, r *Reconciliation) error {
	rows, err := conn.Query(ctx, SQLOutbox)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (outboxEvent, error) {
		var e outboxEvent
		var agg *string
		err := row.Scan(&e.Source, &e.ID, &e.Type, &e.Created, &e.Published, &agg, &e.Version, &e.Restated)
		if agg != nil {
			e.Aggregate = *agg
		}
		return e, err
	})
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	archive, err := versions(ctx, conn, `SELECT id, version FROM archive.bookings`)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	search, err := versions(ctx, conn, `SELECT booking_id, version FROM search.bookings`)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	deliveries, err := versions(ctx, conn, `SELECT event_id, count(*) FROM notification.deliveries WHERE channel = 'email' GROUP BY event_id`)
	if err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	compareEvents(events, kafka, archive, search, deliveries, o, r)
	return nil
}

func versions(ctx context.Context, conn *pgx.Conn, sql string) (map[string]int64, error) {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	var k string
	var v int64
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error { out[k] = v; return nil })
	return out, err
}

// Which booking events each consumer is expected to have applied.
var (
	archivedEvents = []string{booking.EventAvailed, booking.EventCancelled, booking.EventNoShow, booking.EventExpired, booking.EventFailed}
	notifiedEvents = []string{booking.EventConfirmed, booking.EventUpdated, booking.EventCancelled, booking.EventAvailed}
)

// compareEvents follows every outbox event older than the cutoff to Kafka
// (on its topic) and to the consumers that apply it: the archive (final
// events: the booking at that version or later), notification (one email
// delivery per event) and search (each booking at its latest such
// version or later).
func compareEvents(events []outboxEvent, kafka KafkaSeen, archive, search, deliveries map[string]int64, o Options, r *Reconciliation) {
	var unpublished, missingKafka, dupKafka, missingArchive, missingNotify, notifyTwice, userEvents []string
	inOutbox := map[string]bool{}
	lastVersion := map[string]int64{} // booking -> latest version of any booking event (all, for "ahead")
	lastSettled := map[string]int64{} // booking -> latest version of a settled (before cutoff) booking event
	finalVersion := map[string]int64{}
	for _, e := range events {
		inOutbox[e.ID] = true
		if e.Source == "booking" {
			lastVersion[e.Aggregate] = max(lastVersion[e.Aggregate], e.Version)
			if slices.Contains(archivedEvents, e.Type) {
				finalVersion[e.Aggregate] = max(finalVersion[e.Aggregate], e.Version)
			}
		}
		if !e.Created.Before(o.Cutoff) {
			continue
		}
		r.Events++
		if !e.Published {
			unpublished = append(unpublished, e.ID)
		}
		if e.Source == "user" {
			userEvents = append(userEvents, e.ID)
			continue
		}
		if topic := bridge.TopicOf(e.Type); topic != "" {
			copies := kafka[e.ID]
			if !slices.Contains(copies, topic) {
				missingKafka = append(missingKafka, e.Type+" "+e.ID)
			}
			if len(copies) > 1 {
				dupKafka = append(dupKafka, e.ID)
			}
		}
		if e.Source != "booking" {
			continue
		}
		lastSettled[e.Aggregate] = max(lastSettled[e.Aggregate], e.Version)
		if slices.Contains(archivedEvents, e.Type) && archive[e.Aggregate] < e.Version {
			missingArchive = append(missingArchive, e.Aggregate)
		}
		if slices.Contains(notifiedEvents, e.Type) && !e.Restated {
			switch n := deliveries[e.ID]; {
			case n == 0:
				missingNotify = append(missingNotify, e.Type+" "+e.ID)
			case n > 1:
				notifyTwice = append(notifyTwice, e.ID)
			}
		}
	}
	var phantom []string
	for id := range kafka {
		if !inOutbox[id] {
			phantom = append(phantom, id)
		}
	}
	var searchBehind, searchAhead, archiveAhead []string
	for b, v := range lastSettled {
		if search[b] < v {
			searchBehind = append(searchBehind, fmt.Sprintf("%s v%d<v%d", b, search[b], v))
		}
	}
	for b, v := range search {
		if v > lastVersion[b] {
			searchAhead = append(searchAhead, b)
		}
	}
	for b, v := range archive {
		if v > finalVersion[b] {
			archiveAhead = append(archiveAhead, b)
		}
	}
	r.Kafka = 0
	for _, c := range kafka {
		r.Kafka += len(c)
	}
	slices.Sort(missingKafka)
	r.add(CheckUnpublished, int64(len(unpublished)), true, unpublished)
	r.add(CheckMissingKafka, int64(len(missingKafka)), true, missingKafka)
	r.add(CheckPhantomKafka, int64(len(phantom)), true, phantom)
	r.add(CheckDuplicateKafka, int64(len(dupKafka)), false, dupKafka)
	r.add(CheckMissingArchive, int64(len(missingArchive)), true, missingArchive)
	r.add(CheckArchiveAhead, int64(len(archiveAhead)), true, archiveAhead)
	r.add(CheckMissingNotify, int64(len(missingNotify)), true, missingNotify)
	r.add(CheckNotifyTwice, int64(len(notifyTwice)), true, notifyTwice)
	r.add(CheckSearchBehind, int64(len(searchBehind)), true, searchBehind)
	r.add(CheckSearchAhead, int64(len(searchAhead)), true, searchAhead)
	r.add(CheckUserEventsOutboxed, int64(len(userEvents)), false, nil)
}
