package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// newChange is a change of b about to be claimed, by its user.
func newChange(b domain.Booking, op, key string) domain.Change {
	t0 := now()
	return domain.Change{ID: newID(), BookingID: b.ID, Op: op, Actor: b.UserID, Key: key, Hash: []byte(op + key),
		State: domain.ChangeOpen, ExpiresAt: t0.Add(time.Minute), CreatedAt: t0}
}

// leaveOpen is the decide of a reschedule: the change stays open (with its
// top-up's key when it has one), the booking untouched.
func leaveOpen(topUp int64) func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
	return func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
		if topUp > 0 {
			c.ChargeKey, c.ChargeAmount = domain.TopUpKey(b.ID, c.ID), topUp
		}
		return nil, nil
	}
}

// notCalled is a decide that must not run.
func notCalled(t *testing.T) func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
	return func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
		t.Error("decide called")
		return nil, errors.New("decide called")
	}
}

// snapshot is what a test compares to see that nothing was written.
type snapshot struct {
	booking               domain.Booking
	holds                 []holdRow
	changes, dues, outbox int
	openChanges, aborted  int
}

func (d db) snapshot(t *testing.T, bookingID string) snapshot {
	t.Helper()
	return snapshot{
		booking:     d.get(t, bookingID),
		holds:       d.holds(t, bookingID),
		changes:     d.count(t, `SELECT count(*) FROM changes WHERE booking_id = $1`, bookingID),
		openChanges: d.count(t, `SELECT count(*) FROM changes WHERE booking_id = $1 AND state = 'open'`, bookingID),
		aborted:     d.count(t, `SELECT count(*) FROM changes WHERE booking_id = $1 AND state = 'aborted'`, bookingID),
		dues:        d.count(t, `SELECT count(*) FROM dues WHERE booking_id = $1`, bookingID),
		outbox:      d.count(t, `SELECT count(*) FROM outbox`),
	}
}

func (s snapshot) same(o snapshot) bool {
	if len(s.holds) != len(o.holds) {
		return false
	}
	for i := range s.holds {
		if s.holds[i].Unit != o.holds[i].Unit || !s.holds[i].During.Start.Equal(o.holds[i].During.Start) ||
			!s.holds[i].During.End.Equal(o.holds[i].During.End) || s.holds[i].Active != o.holds[i].Active {
			return false
		}
	}
	a, b := s.booking, o.booking
	return a.Status == b.Status && a.Version == b.Version && a.DepositStatus == b.DepositStatus &&
		a.DepositAmount == b.DepositAmount && a.PartySize == b.PartySize && a.During.Start.Equal(b.During.Start) &&
		a.During.End.Equal(b.During.End) && a.UpdatedAt.Equal(b.UpdatedAt) && a.RefundAmount == b.RefundAmount &&
		s.changes == o.changes && s.openChanges == o.openChanges && s.aborted == o.aborted && s.dues == o.dues && s.outbox == o.outbox
}

func (d db) mustBeUnchanged(t *testing.T, before snapshot, what string) {
	t.Helper()
	if after := d.snapshot(t, before.booking.ID); !before.same(after) {
		t.Fatalf("%s wrote something:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

// storedChange reads a change's row.
func (d db) storedChange(t *testing.T, id string) (state string, toVersion *int64, key *string, outcome *string) {
	t.Helper()
	if err := d.pool.QueryRow(context.Background(), `SELECT state, to_version, key, outcome->>'code' FROM changes WHERE id = $1`, id).
		Scan(&state, &toVersion, &key, &outcome); err != nil {
		t.Fatal(err)
	}
	return state, toVersion, key, outcome
}

// TestClaimOneChangeAtATime: while a change is open, another is refused
// (409 conflict) without writing; the same key finds its change; a decide
// that fails writes nothing.
func TestClaimOneChangeAtATime(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	v, _ := d.vendor(t, 1)
	b := d.book(t, v, at(0), 2)

	first := newChange(b, domain.OpUpdate, "k1")
	got, stored, prior, err := d.repo.Claim(ctx, first, leaveOpen(1500))
	if err != nil || prior != nil || stored.State != domain.ChangeOpen || stored.FromVersion != b.Version || got.Version != b.Version {
		t.Fatalf("first claim: %+v %+v %+v %v", got, stored, prior, err)
	}
	if state, to, key, _ := d.storedChange(t, first.ID); state != domain.ChangeOpen || to != nil || key == nil || *key != "k1" {
		t.Fatalf("stored change: %s %v %v", state, to, key)
	}
	topUps, err := d.repo.TopUps(ctx, b.ID)
	if err != nil || len(topUps) != 0 {
		t.Fatalf("an open change's top-up is relied on: %v %v", topUps, err)
	}

	before := d.snapshot(t, b.ID)
	for _, key := range []string{"", "k2"} {
		_, _, prior, err = d.repo.Claim(ctx, newChange(b, domain.OpCancel, key), notCalled(t))
		if !apperr.Is(err, apperr.Conflict) || prior != nil {
			t.Fatalf("a second change (key %q) while one is open: %v %+v, want conflict", key, err, prior)
		}
		d.mustBeUnchanged(t, before, "a refused claim")
	}

	again := newChange(b, domain.OpUpdate, "k1")
	got, _, prior, err = d.repo.Claim(ctx, again, notCalled(t))
	if err != nil || prior == nil || prior.ID != first.ID || prior.State != domain.ChangeOpen || got.ID != b.ID {
		t.Fatalf("the same key: %+v %v", prior, err)
	}
	if prior.Replay(domain.OpUpdate, b.UserID, again.Hash) == nil {
		t.Fatal("the replay of an open change answered the booking")
	}
	d.mustBeUnchanged(t, before, "a claim with a used key")

	// Ended, the change no longer holds the booking; its key still finds it.
	first.Abort(apperr.E(apperr.PaymentDeclined, "declined"))
	if ok, err := d.repo.Abort(ctx, first, nil); err != nil || !ok {
		t.Fatalf("abort: %v %v", ok, err)
	}
	_, _, prior, err = d.repo.Claim(ctx, newChange(b, domain.OpUpdate, "k1"), notCalled(t))
	if err != nil || prior == nil || prior.State != domain.ChangeAborted || prior.Outcome == nil || prior.Outcome.Code != apperr.PaymentDeclined {
		t.Fatalf("the key of an aborted change: %+v %v", prior, err)
	}

	before = d.snapshot(t, b.ID)
	refused := apperr.E(apperr.InvalidState, "no")
	_, _, _, err = d.repo.Claim(ctx, newChange(b, domain.OpCancel, "k3"), func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
		b.Status, b.Version = domain.Cancelled, b.Version+1
		c.Apply(b.Version)
		return &app.Writes{Events: []contracts.Event{event(t, booking.EventCancelled, *b)}}, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("a failing decide: %v", err)
	}
	d.mustBeUnchanged(t, before, "a failing decide")

	if _, _, _, err := d.repo.Claim(ctx, newChange(domain.Booking{ID: newID()}, domain.OpCancel, ""), notCalled(t)); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a missing booking: %v", err)
	}
}

// TestConcurrentClaims: of N changes claimed at once, exactly one is
// opened; the others are 409 conflict.
func TestConcurrentClaims(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	v, _ := d.vendor(t, 1)
	for round := range 3 {
		b := d.book(t, v, at(float64(2*round)), 2)
		const n = 8
		errs := make([]error, n)
		stored := make([]domain.Change, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			key := ""
			if i%2 == 0 {
				key = newID()
			}
			wg.Go(func() {
				<-start
				_, stored[i], _, errs[i] = d.repo.Claim(ctx, newChange(b, domain.OpUpdate, key), leaveOpen(0))
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil && stored[i].State == domain.ChangeOpen:
				won++
			case apperr.Is(err, apperr.Conflict):
			default:
				t.Fatalf("claim %d: %+v %v", i, stored[i], err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d claims opened a change, want 1", round, won)
		}
		if n := d.count(t, `SELECT count(*) FROM changes WHERE booking_id = $1`, b.ID); n != 1 {
			t.Fatalf("round %d: %d changes stored, want 1", round, n)
		}
	}

	// A double click: the same key N times at once opens one change; the
	// others find it (and are answered as it stands: in flight).
	b := d.book(t, v, at(8), 2)
	const n = 8
	key := newID()
	stored := make([]domain.Change, n)
	priors := make([]*domain.Change, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, stored[i], priors[i], errs[i] = d.repo.Claim(ctx, newChange(b, domain.OpUpdate, key), leaveOpen(0))
		})
	}
	close(start)
	wg.Wait()
	var winner string
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("claim %d with the same key: %v", i, errs[i])
		}
		if priors[i] == nil {
			if winner != "" {
				t.Fatalf("two changes opened with one key: %s and %s", winner, stored[i].ID)
			}
			winner = stored[i].ID
		}
	}
	for i := range n {
		if priors[i] != nil && priors[i].ID != winner {
			t.Fatalf("claim %d found change %s, want %s", i, priors[i].ID, winner)
		}
	}
	if winner == "" || d.count(t, `SELECT count(*) FROM changes WHERE booking_id = $1`, b.ID) != 1 {
		t.Fatalf("same key: winner %q", winner)
	}
}

// TestClaimAppliedAtOnce: an ending (cancel) saves the booking, the
// change applied, its dues and events in one transaction — all of them or,
// when one write fails, none.
func TestClaimAppliedAtOnce(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	v, _ := d.vendor(t, 2)
	t0 := now()

	cancel := func(refund func(b domain.Booking) int64, evID *string) func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
		return func(b *domain.Booking, c *domain.Change) (*app.Writes, error) {
			e, err := b.PlanCancel(true, t0)
			if err != nil {
				return nil, err
			}
			if err := b.End(e, t0); err != nil {
				return nil, err
			}
			c.Apply(b.Version)
			ev := event(t, booking.EventCancelled, *b)
			*evID = ev.ID
			return &app.Writes{Events: []contracts.Event{ev}, Dues: []domain.Due{{Key: b.RefundKey(), BookingID: b.ID,
				Kind: domain.DueRefund, Amount: refund(*b), Reason: b.RefundReason, Settles: true,
				NextAttemptAt: t0.Add(domain.DueLease), CreatedAt: t0}}}, nil
		}
	}

	b := d.book(t, v, at(0), 3)
	var ev string
	c := newChange(b, domain.OpCancel, "end-1")
	got, stored, prior, err := d.repo.Claim(ctx, c, cancel(func(b domain.Booking) int64 { return b.RefundAmount }, &ev))
	if err != nil || prior != nil {
		t.Fatalf("cancel: %v %+v", err, prior)
	}
	if got.Status != domain.Cancelled || got.Version != b.Version+1 || stored.State != domain.ChangeApplied || stored.ToVersion != got.Version {
		t.Fatalf("cancel answered %s v%d, change %s to v%d", got.Status, got.Version, stored.State, stored.ToVersion)
	}
	saved := d.get(t, b.ID)
	if saved.Status != domain.Cancelled || saved.Version != b.Version+1 || saved.DepositStatus != domain.DepositRefundPending ||
		saved.RefundAmount != b.DepositAmount || saved.RefundReason == "" {
		t.Fatalf("saved %s v%d %s refund %d %q", saved.Status, saved.Version, saved.DepositStatus, saved.RefundAmount, saved.RefundReason)
	}
	if h := d.holds(t, b.ID); len(h) != 1 || h[0].Active {
		t.Fatalf("a cancelled booking keeps its unit: %+v", h)
	}
	if state, to, key, _ := d.storedChange(t, c.ID); state != domain.ChangeApplied || to == nil || *to != saved.Version || key == nil || *key != "end-1" {
		t.Fatalf("stored change %s to %v key %v", state, to, key)
	}
	var amount int64
	var settles bool
	if err := d.pool.QueryRow(ctx, `SELECT amount, settles FROM dues WHERE key = $1 AND booking_id = $2 AND kind = 'refund'`,
		b.RefundKey(), b.ID).Scan(&amount, &settles); err != nil || amount != b.DepositAmount || !settles {
		t.Fatalf("the refund due: %d %v %v", amount, settles, err)
	}
	if d.events(t, ev) != 1 {
		t.Fatal("the cancel's event is not in the outbox")
	}
	// The same request again finds the change and writes nothing.
	before := d.snapshot(t, b.ID)
	got, _, prior, err = d.repo.Claim(ctx, newChange(b, domain.OpCancel, "end-1"), notCalled(t))
	if err != nil || prior == nil || prior.ID != c.ID || prior.Replay(domain.OpCancel, b.UserID, c.Hash) != nil || got.Version != saved.Version {
		t.Fatalf("the same cancel again: %+v %v", prior, err)
	}
	d.mustBeUnchanged(t, before, "a replayed cancel")

	// One write of the transaction fails (a refund of nothing breaks the
	// dues' check): the booking, the change and the event are not written.
	other := d.book(t, v, at(0), 2)
	before = d.snapshot(t, other.ID)
	_, _, _, err = d.repo.Claim(ctx, newChange(other, domain.OpCancel, "end-2"), cancel(func(domain.Booking) int64 { return 0 }, &ev))
	if err == nil {
		t.Fatal("a due breaking its check was written")
	}
	d.mustBeUnchanged(t, before, "a failed cancel")
	if d.events(t, ev) != 0 {
		t.Fatal("the failed cancel's event is in the outbox")
	}
}

// moveSetup is two bookings of a party at 19:00 on a vendor's two units,
// and an open change of the first.
type moveSetup struct {
	d          db
	v          domain.Vendor
	units      []string
	a, b       domain.Booking
	change     domain.Change
	owed, back domain.Due
}

func newMoveSetup(t *testing.T) moveSetup {
	t.Helper()
	d := newDB(t)
	v, units := d.vendor(t, 2)
	a := d.book(t, v, at(0), 3)
	b := d.book(t, v, at(0), 2)
	if a.Units[0].ID != units[0] || b.Units[0].ID != units[1] {
		t.Fatalf("units %v: a holds %v, b %v", units, a.Units, b.Units)
	}
	_, c, _, err := d.repo.Claim(context.Background(), newChange(a, domain.OpUpdate, newID()), leaveOpen(1500))
	if err != nil || c.State != domain.ChangeOpen {
		t.Fatalf("claim: %+v %v", c, err)
	}
	t0 := now()
	return moveSetup{d: d, v: v, units: units, a: a, b: b, change: c,
		owed: domain.Due{Key: domain.ChangeRefundKey(a.ID, c.ID), BookingID: a.ID, Kind: domain.DueRefund, Amount: 1500,
			Reason: "smaller party", NextAttemptAt: t0.Add(domain.DueLease), CreatedAt: t0},
		back: domain.Due{Key: c.ChargeKey, BookingID: a.ID, Kind: domain.DueVoid, Reason: "booking change not made",
			NextAttemptAt: t0.Add(domain.DueLease), CreatedAt: t0}}
}

func (s moveSetup) move(t *testing.T, to domain.Range, party int, evID *string) app.Move {
	t.Helper()
	plan, err := s.a.PlanReschedule(to, party)
	if err != nil {
		t.Fatal(err)
	}
	return app.Move{Change: s.change, Plan: plan, Now: now(), Owed: []domain.Due{s.owed}, Revert: []domain.Due{s.back}, Retries: 2,
		Events: func(b domain.Booking) ([]contracts.Event, error) {
			e := event(t, booking.EventUpdated, b)
			*evID = e.ID
			return []contracts.Event{e}, nil
		}}
}

func (d db) hasDue(t *testing.T, key string) bool {
	t.Helper()
	return d.count(t, `SELECT count(*) FROM dues WHERE key = $1`, key) == 1
}

// TestApplyMove: the booking moves to the new range on units free then
// (its own count as free), the change is applied at its new version, and
// what it owes is written.
func TestApplyMove(t *testing.T) {
	t.Parallel()
	s := newMoveSetup(t)
	d, ctx := s.d, context.Background()
	to := at(0.5) // 19:30: b holds the other unit, only a's own is free
	var ev string
	moved, err := d.repo.ApplyMove(ctx, s.move(t, to, 2, &ev))
	if err != nil {
		t.Fatal(err)
	}
	saved := d.get(t, s.a.ID)
	if !saved.During.Start.Equal(to.Start) || saved.PartySize != 2 || saved.DepositAmount != 3000 || saved.Version != s.a.Version+1 ||
		moved.Version != saved.Version || len(moved.Units) != 1 || moved.Units[0].ID != s.units[0] {
		t.Fatalf("moved %+v, saved %+v", moved, saved)
	}
	if h := d.holds(t, s.a.ID); len(h) != 1 || h[0].Unit != s.units[0] || !h[0].During.Start.Equal(to.Start) || !h[0].During.End.Equal(to.End) || !h[0].Active {
		t.Fatalf("holds after the move: %+v", h)
	}
	if state, toVersion, _, _ := d.storedChange(t, s.change.ID); state != domain.ChangeApplied || toVersion == nil || *toVersion != saved.Version {
		t.Fatalf("change %s to %v, want applied at v%d", state, toVersion, saved.Version)
	}
	if !d.hasDue(t, s.owed.Key) || d.hasDue(t, s.back.Key) || d.events(t, ev) != 1 {
		t.Fatalf("owed written %v, revert written %v, event %d", d.hasDue(t, s.owed.Key), d.hasDue(t, s.back.Key), d.events(t, ev))
	}
	if topUps, err := d.repo.TopUps(ctx, s.a.ID); err != nil || len(topUps) != 1 || topUps[0] != s.change.ChargeKey {
		t.Fatalf("top-ups %v %v", topUps, err)
	}
	// The change is over: the booking takes another.
	if _, c, _, err := d.repo.Claim(ctx, newChange(saved, domain.OpUpdate, ""), leaveOpen(0)); err != nil || c.FromVersion != saved.Version {
		t.Fatalf("a claim after the move: %+v %v", c, err)
	}
}

// TestApplyMoveUnavailable: too few units free: the booking keeps its old
// holds and range, the change is aborted (slot_unavailable) and its revert
// written; the answer is a bare slot_unavailable (the app adds nearby times).
func TestApplyMoveUnavailable(t *testing.T) {
	t.Parallel()
	s := newMoveSetup(t)
	d, ctx := s.d, context.Background()
	later := at(2) // 21:00: both units taken
	d.book(t, s.v, later, 2)
	d.book(t, s.v, later, 2)
	before := d.snapshot(t, s.a.ID)
	var ev string
	_, err := d.repo.ApplyMove(ctx, s.move(t, domain.Range{Start: later.Start.Add(30 * time.Minute), End: later.End}, 2, &ev))
	if !apperr.Is(err, apperr.SlotUnavailable) {
		t.Fatalf("apply: %v, want slot_unavailable", err)
	}
	after := d.snapshot(t, s.a.ID)
	if len(after.holds) != 1 || after.holds[0] != before.holds[0] || !after.booking.During.Start.Equal(s.a.During.Start) ||
		after.booking.Version != s.a.Version || after.booking.PartySize != 3 || after.booking.DepositAmount != s.a.DepositAmount {
		t.Fatalf("the booking did not keep its place: before %+v after %+v", before, after)
	}
	if state, to, _, outcome := d.storedChange(t, s.change.ID); state != domain.ChangeAborted || to != nil || outcome == nil || *outcome != string(apperr.SlotUnavailable) {
		t.Fatalf("change %s to %v outcome %v, want aborted slot_unavailable", state, to, outcome)
	}
	if !d.hasDue(t, s.back.Key) || d.hasDue(t, s.owed.Key) || ev != "" || after.outbox != before.outbox {
		t.Fatalf("revert written %v, owed written %v, event %q", d.hasDue(t, s.back.Key), d.hasDue(t, s.owed.Key), ev)
	}
	// And the units it would have taken are not held by it.
	if n := d.count(t, `SELECT count(*) FROM holds WHERE booking_id = $1`, s.a.ID); n != 1 {
		t.Fatalf("%d holds", n)
	}
}

// TestApplyMoveAfterAbort: a change aborted first (the sweeper abandoned
// it) cannot be applied: an error, and nothing written. Abort is once.
func TestApplyMoveAfterAbort(t *testing.T) {
	t.Parallel()
	s := newMoveSetup(t)
	d, ctx := s.d, context.Background()
	c := s.change
	c.Abort(nil)
	if ok, err := d.repo.Abort(ctx, c, []domain.Due{s.back}); err != nil || !ok {
		t.Fatalf("abort: %v %v", ok, err)
	}
	if !d.hasDue(t, s.back.Key) {
		t.Fatal("the abort's due was not written")
	}
	before := d.snapshot(t, s.a.ID)
	var ev string
	_, err := d.repo.ApplyMove(ctx, s.move(t, at(0.5), 2, &ev))
	if !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("apply after abort: %v", err)
	}
	d.mustBeUnchanged(t, before, "applying an aborted change")
	if d.hasDue(t, s.owed.Key) || ev != "" {
		t.Fatal("applying an aborted change wrote its dues or events")
	}
	second := domain.Due{Key: "booking:" + s.a.ID + ":other", BookingID: s.a.ID, Kind: domain.DueVoid, Reason: "x",
		NextAttemptAt: now(), CreatedAt: now()}
	if ok, err := d.repo.Abort(ctx, c, []domain.Due{second}); err != nil || ok {
		t.Fatalf("a second abort: %v %v, want false", ok, err)
	}
	d.mustBeUnchanged(t, before, "a second abort")
}
