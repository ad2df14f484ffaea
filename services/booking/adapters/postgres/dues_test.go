package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// insertDues writes n refund dues of one booking due at due, in one
// transaction (the way a change writes them).
func (d db) insertDues(t *testing.T, prefix string, n int, due time.Time) []string {
	t.Helper()
	ctx := context.Background()
	bookingID := newID()
	var keys []string
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		for i := range n {
			k := fmt.Sprintf("%s:%04d", prefix, i)
			keys = append(keys, k)
			if _, err := tx.Exec(ctx, `INSERT INTO dues (key, booking_id, kind, amount, reason, next_attempt_at, created_at)
				VALUES ($1, $2, 'refund', 100, 'test', $3, $3)`, k, bookingID, due); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func keysOf(ds []domain.Due) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Key
	}
	return out
}

// TestDuesCannotBeStarved: 250 dues a provider keeps refusing, each put off
// by its own back-off, never hold up a due written after them.
func TestDuesCannotBeStarved(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	t0 := now()
	d.insertDues(t, "stuck", 250, t0.Add(-time.Hour))

	taken, err := d.repo.Take(ctx, t0, t0.Add(domain.DueLease), 200)
	if err != nil || len(taken) != 200 {
		t.Fatalf("first take: %d dues, %v", len(taken), err)
	}
	for _, due := range taken {
		if !due.NextAttemptAt.Equal(t0.Add(domain.DueLease)) {
			t.Fatalf("due %s taken with next attempt %s, want the lease %s", due.Key, due.NextAttemptAt, t0.Add(domain.DueLease))
		}
		// The provider refuses: the next attempt is a while ahead.
		if err := d.repo.NotYet(ctx, due.Key, t0.Add(10*time.Minute), "provider refused"); err != nil {
			t.Fatal(err)
		}
	}
	fresh := d.insertDues(t, "fresh", 1, t0)[0]

	next, err := d.repo.Take(ctx, t0, t0.Add(domain.DueLease), 200)
	if err != nil {
		t.Fatal(err)
	}
	got := keysOf(next)
	if len(got) != 51 || !containsKey(got, fresh) {
		t.Fatalf("second take: %d dues (fresh one in it: %v), want the 50 never tried and the new one", len(got), containsKey(got, fresh))
	}
	refused := map[string]bool{}
	for _, due := range taken {
		refused[due.Key] = true
	}
	for _, k := range got {
		if refused[k] {
			t.Fatalf("due %s was refused and put off, yet taken again before its next attempt", k)
		}
	}

	// All 250 refused now; a new due is still the next one taken, even one
	// at a time.
	for _, due := range next {
		if err := d.repo.NotYet(ctx, due.Key, t0.Add(10*time.Minute), "provider refused"); err != nil {
			t.Fatal(err)
		}
	}
	newest := d.insertDues(t, "newest", 1, t0)[0]
	one, err := d.repo.Take(ctx, t0.Add(time.Second), t0.Add(time.Second+domain.DueLease), 1)
	if err != nil || len(one) != 1 || one[0].Key != newest {
		t.Fatalf("take one: %v %v, want %s", keysOf(one), err, newest)
	}
	var attempts int
	var lastError string
	if err := d.pool.QueryRow(ctx, `SELECT attempts, last_error FROM dues WHERE key = $1`, taken[0].Key).Scan(&attempts, &lastError); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || lastError != "provider refused" {
		t.Fatalf("a refused due: %d attempts, last error %q", attempts, lastError)
	}
	// Past the lease, before the back-off: only the new one is due again.
	afterLease := t0.Add(time.Second + domain.DueLease)
	if again, err := d.repo.Take(ctx, afterLease, afterLease.Add(domain.DueLease), 500); err != nil || len(again) != 1 || again[0].Key != newest {
		t.Fatalf("after the lease: %d dues %v, want only %s (the refused ones wait for their back-off)", len(again), err, newest)
	}
	// Once their back-off has passed, the refused ones come back.
	back, err := d.repo.Take(ctx, t0.Add(10*time.Minute), t0.Add(10*time.Minute+domain.DueLease), 500)
	if err != nil || len(back) != 252 {
		t.Fatalf("after the back-off: %d dues, %v; want all 252", len(back), err)
	}
}

func containsKey(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// TestConcurrentTakesShareTheWork: replicas taking at the same moment get
// different dues (SKIP LOCKED), and between them every due once.
func TestConcurrentTakesShareTheWork(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	for round := range 5 {
		t0 := now()
		keys := d.insertDues(t, fmt.Sprintf("r%d", round), 250, t0)
		const takers = 2
		got := make([][]domain.Due, takers)
		errs := make([]error, takers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range takers {
			wg.Go(func() {
				<-start
				got[i], errs[i] = d.repo.Take(ctx, t0, t0.Add(time.Hour), 200)
			})
		}
		close(start)
		wg.Wait()
		seen := map[string]int{}
		for i := range takers {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			for _, due := range got[i] {
				seen[due.Key]++
			}
		}
		for _, k := range keys {
			if seen[k] != 1 {
				t.Fatalf("round %d: due %s taken %d times (takers got %d and %d)", round, k, seen[k], len(got[0]), len(got[1]))
			}
		}
		if len(seen) != len(keys) {
			t.Fatalf("round %d: %d keys taken, want %d", round, len(seen), len(keys))
		}
		if _, err := d.pool.Exec(ctx, `DELETE FROM dues`); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTakeSkipsLockedDues: a due another replica holds locked (its Take
// not yet committed) is skipped, not waited for.
func TestTakeSkipsLockedDues(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	t0 := now()
	keys := d.insertDues(t, "locked", 20, t0)
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT key FROM dues WHERE key = ANY($1) FOR UPDATE`, keys[:5]); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := d.repo.Take(tctx, t0, t0.Add(domain.DueLease), 100)
	if err != nil {
		t.Fatalf("take beside a locked due: %v", err)
	}
	if len(got) != 15 {
		t.Fatalf("took %d dues, want the 15 not locked", len(got))
	}
	for _, due := range got {
		if containsKey(keys[:5], due.Key) {
			t.Fatalf("took %s, which another transaction holds", due.Key)
		}
	}
}

// TestTakenDueIsLeased: a due taken is not taken again until its lease
// (next_attempt_at) has passed; then it is.
func TestTakenDueIsLeased(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	t0 := now()
	keys := d.insertDues(t, "leased", 3, t0)
	lease := t0.Add(domain.DueLease)
	first, err := d.repo.Take(ctx, t0, lease, 10)
	if err != nil || len(first) != 3 {
		t.Fatalf("take: %v %v", keysOf(first), err)
	}
	later := d.insertDues(t, "later", 1, t0.Add(time.Second))[0]
	during, err := d.repo.Take(ctx, lease.Add(-time.Microsecond), lease.Add(time.Hour), 10)
	if err != nil || len(during) != 1 || during[0].Key != later {
		t.Fatalf("take during the lease: %v %v, want only %s", keysOf(during), err, later)
	}
	after, err := d.repo.Take(ctx, lease, lease.Add(domain.DueLease), 10)
	if err != nil || len(after) != 3 {
		t.Fatalf("take when the lease ends: %v %v, want %v", keysOf(after), err, keys)
	}
	for _, due := range after {
		if !containsKey(keys, due.Key) || due.Attempts != 0 {
			t.Fatalf("took %+v", due)
		}
	}
}

// TestNotYetKeepsALongReason: a reason cut to fit is still text Postgres
// takes (cut on a character, not inside one).
func TestNotYetKeepsALongReason(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	t0 := now()
	key := d.insertDues(t, "long", 1, t0)[0]
	reason := strings.Repeat("x", 499) + strings.Repeat("é", 100) // é is two bytes: byte 500 is inside one
	if err := d.repo.NotYet(ctx, key, t0.Add(time.Minute), reason); err != nil {
		t.Fatalf("not yet with a long reason: %v", err)
	}
	var attempts int
	var next time.Time
	var lastError string
	if err := d.pool.QueryRow(ctx, `SELECT attempts, next_attempt_at, last_error FROM dues WHERE key = $1`, key).Scan(&attempts, &next, &lastError); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || !next.Equal(t0.Add(time.Minute)) || !strings.HasPrefix(reason, lastError) || len(lastError) > 500 || len(lastError) < 490 {
		t.Fatalf("attempts %d, next %s, reason of %d bytes", attempts, next, len(lastError))
	}
}

// TestPaidSettles: a paid due is dropped; one that settles its booking
// settles it in the same transaction (deposit status, version, event); one
// that does not leaves the booking alone.
func TestPaidSettles(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	v, _ := d.vendor(t, 2)
	t0 := now()

	// A cancelled booking waiting for its refund.
	b := d.book(t, v, at(0), 2)
	var refund domain.Due
	ended, _, _, err := d.repo.Claim(ctx, newChange(b, domain.OpCancel, ""), func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
		e, err := b.PlanCancel(true, t0)
		if err != nil {
			return nil, err
		}
		if err := b.End(e, t0); err != nil {
			return nil, err
		}
		c.Apply(b.Version)
		refund = domain.Due{Key: b.RefundKey(), BookingID: b.ID, Kind: domain.DueRefund, Amount: b.RefundAmount,
			Reason: b.RefundReason, Settles: true, NextAttemptAt: t0, CreatedAt: t0}
		return &app.Writes{Dues: []domain.Due{refund}}, nil
	})
	if err != nil || ended.DepositStatus != domain.DepositRefundPending {
		t.Fatalf("cancel: %+v %v", ended, err)
	}
	// A smaller party's refund of another booking: it settles nothing.
	other := d.book(t, v, at(0), 3)
	owed := domain.Due{Key: "booking:" + other.ID + ":change:x:refund", BookingID: other.ID, Kind: domain.DueRefund,
		Amount: 1500, Reason: "smaller party", NextAttemptAt: t0, CreatedAt: t0}
	if _, err := d.pool.Exec(ctx, `INSERT INTO dues (key, booking_id, kind, amount, reason, next_attempt_at)
		VALUES ($1, $2, 'refund', $3, $4, $5)`, owed.Key, owed.BookingID, owed.Amount, owed.Reason, owed.NextAttemptAt); err != nil {
		t.Fatal(err)
	}

	// A settle that fails writes nothing: the due is not dropped either.
	if _, err := d.repo.Paid(ctx, refund, app.PaySucceeded, func(b *domain.Booking) (*app.Writes, error) {
		b.DepositStatus = "broken"
		return nil, fmt.Errorf("boom")
	}); err == nil {
		t.Fatal("a failing settle: no error")
	}
	if n := d.count(t, `SELECT count(*) FROM dues WHERE key = $1`, refund.Key); n != 1 {
		t.Fatalf("a failing settle dropped the due (%d left)", n)
	}

	var ev string
	settled, err := d.repo.Paid(ctx, refund, app.PaySucceeded, func(b *domain.Booking) (*app.Writes, error) {
		if !b.SettleDeposit(refund.Kind, app.PaySucceeded, t0) {
			t.Errorf("the locked booking is %s, not refund_pending", b.DepositStatus)
			return nil, nil
		}
		e := event(t, booking.EventCancelled, *b)
		ev = e.ID
		return &app.Writes{Events: []contracts.Event{e}}, nil
	})
	if err != nil || settled.DepositStatus != domain.DepositRefunded || settled.Version != ended.Version+1 {
		t.Fatalf("paid: %+v %v", settled, err)
	}
	if got := d.get(t, b.ID); got.DepositStatus != domain.DepositRefunded || got.Version != ended.Version+1 || got.Status != domain.Cancelled {
		t.Fatalf("stored after paid: %s %s v%d", got.Status, got.DepositStatus, got.Version)
	}
	if d.count(t, `SELECT count(*) FROM dues WHERE key = $1`, refund.Key) != 0 || d.events(t, ev) != 1 {
		t.Fatal("the due is still there, or the settling event is missing")
	}

	before := d.get(t, other.ID)
	out, err := d.repo.Paid(ctx, owed, app.PaySucceeded, func(b *domain.Booking) (*app.Writes, error) {
		t.Error("settle called for a due that settles nothing")
		return nil, nil
	})
	if err != nil || out.ID != "" {
		t.Fatalf("paid owed: %+v %v", out, err)
	}
	if d.count(t, `SELECT count(*) FROM dues WHERE key = $1`, owed.Key) != 0 {
		t.Fatal("the owed refund was not dropped")
	}
	if after := d.get(t, other.ID); after.Version != before.Version || after.DepositStatus != before.DepositStatus || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("a due that settles nothing touched its booking: %+v", after)
	}
}

// TestExpiredPutOff: an expired hold put off by ExpireLater is not listed
// until then; the others still are.
func TestExpiredPutOff(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	v, _ := d.vendor(t, 3)
	t0 := now()
	var ids []string
	for i := range 3 {
		b := d.book(t, v, at(0), 2)
		exp := t0.Add(-time.Duration(3-i) * time.Minute) // oldest first
		if _, err := d.pool.Exec(ctx, `UPDATE bookings SET status = 'BLOCKED', deposit_status = 'pending', expires_at = $2 WHERE id = $1`, b.ID, exp); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	got, err := d.repo.Expired(ctx, t0, 10)
	if err != nil || strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("expired: %v %v, want %v", got, err, ids)
	}
	if err := d.repo.ExpireLater(ctx, ids[0], t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err = d.repo.Expired(ctx, t0, 10)
	if err != nil || strings.Join(got, ",") != strings.Join(ids[1:], ",") {
		t.Fatalf("expired after putting off the first: %v %v, want %v", got, err, ids[1:])
	}
	if got, err := d.repo.Expired(ctx, t0, 1); err != nil || len(got) != 1 || got[0] != ids[1] {
		t.Fatalf("one at a time: %v %v, want %s (the put-off one must not take the only place)", got, err, ids[1])
	}
	got, err = d.repo.Expired(ctx, t0.Add(time.Minute), 10)
	if err != nil || strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("expired once the put-off is over: %v %v, want %v", got, err, ids)
	}
	// Expiring it (a save) clears the put-off: a booking no longer BLOCKED
	// is not listed at all.
	if _, err := d.repo.Change(ctx, ids[1], func(b *domain.Booking) (*app.Writes, error) {
		if err := b.Move(domain.Expired, t0); err != nil {
			return nil, err
		}
		return &app.Writes{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := d.repo.Expired(ctx, t0.Add(time.Minute), 10); err != nil || containsKey(got, ids[1]) || len(got) != 2 {
		t.Fatalf("after expiring one: %v %v", got, err)
	}
	if h := d.holds(t, ids[1]); len(h) != 1 || h[0].Active {
		t.Fatalf("an expired hold keeps its unit: %+v", h)
	}
}
