package app

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// The fakes of the app's ports: small, in memory, and honouring what
// app.go documents of each method (the Postgres adapter is held to the same
// by its own tests).

// store is the repository: VendorCopy, Availability, Bookings, Changes and
// Dues over maps under one mutex (each method is one "transaction").
type store struct {
	mu       sync.Mutex
	vendors  map[string]domain.Vendor
	caps     map[string]map[int]int
	bookings map[string]domain.Booking
	changes  map[string]domain.Change // by id
	dues     map[string]domain.Due    // by key: what is owed now
	written  []domain.Due             // every due ever written, in order
	events   []contracts.Event
	sweepAt  map[string]time.Time // ExpireLater
	idem     map[string]Replay

	// Scripted failures.
	changeErr map[string]error  // Bookings.Change of this booking fails
	noUnits   bool              // ApplyMove finds too few free units
	onListed  func(kind string) // after Expired or Abandoned read their list
}

func newStore() *store {
	return &store{
		vendors: map[string]domain.Vendor{}, caps: map[string]map[int]int{},
		bookings: map[string]domain.Booking{}, changes: map[string]domain.Change{},
		dues: map[string]domain.Due{}, sweepAt: map[string]time.Time{}, idem: map[string]Replay{},
		changeErr: map[string]error{},
	}
}

func notFound(what string) error { return apperr.E(apperr.NotFound, "%s not found", what) }

// --- VendorCopy

func (s *store) GetVendor(_ context.Context, id string) (domain.Vendor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.vendors[id]
	if !ok {
		return domain.Vendor{}, notFound("vendor")
	}
	return v, nil
}

func (s *store) UpsertVendor(_ context.Context, v domain.Vendor) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.vendors[v.ID]; !ok || v.Version >= old.Version {
		s.vendors[v.ID] = v
	}
	return nil
}

func (s *store) UpsertUnits(context.Context, string, int64, []UnitCopy) error { return nil }

func (s *store) ReplaceFacts(_ context.Context, v domain.Vendor, units []UnitCopy) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vendors[v.ID] = v
	caps := map[int]int{}
	for _, u := range units {
		if u.Active {
			caps[u.Capacity]++
		}
	}
	s.caps[v.ID] = caps
	return nil
}

func (s *store) Capacities(_ context.Context, vendorID string) (map[int]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCaps(s.caps[vendorID]), nil
}

func cloneCaps(m map[int]int) map[int]int {
	out := make(map[int]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// --- Availability: nothing is free (the tests that need nearby times do
// not read them).

func (s *store) FreeUnits(context.Context, string, int, domain.Range) ([]string, map[string][]domain.Range, error) {
	return nil, nil, nil
}

// --- Bookings

func (s *store) Get(_ context.Context, id string) (domain.Booking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bookings[id]
	if !ok {
		return domain.Booking{}, notFound("booking")
	}
	return b, nil
}

func (s *store) Hold(_ context.Context, idem Idem, b domain.Booking, events Events, _ func() error) (domain.Booking, *Replay, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idem.UserID + "\x00" + idem.Key
	if r, ok := s.idem[k]; ok {
		return domain.Booking{}, &r, nil
	}
	evs, err := events(b, "")
	if err != nil {
		return domain.Booking{}, nil, err
	}
	s.bookings[b.ID] = b
	s.events = append(s.events, evs...)
	s.idem[k] = Replay{BookingID: b.ID}
	return b, nil, nil
}

func (s *store) RecordOutcome(_ context.Context, idem Idem, outcome error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idem.UserID + "\x00" + idem.Key
	r := s.idem[k]
	r.Err = outcome
	s.idem[k] = r
	return nil
}

func (s *store) Change(_ context.Context, id string, change BookingChange) (domain.Booking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.changeErr[id]; err != nil {
		return domain.Booking{}, err
	}
	b, ok := s.bookings[id]
	if !ok {
		return domain.Booking{}, notFound("booking")
	}
	w, err := change(&b)
	if err != nil || w == nil {
		return b, err
	}
	s.bookings[id] = b
	s.write(w)
	return b, nil
}

func (s *store) List(context.Context, ListQuery) ([]domain.Booking, error) { return nil, nil }

func (s *store) Scan(context.Context, string, int, time.Time, bool) ([]domain.Booking, int64, error) {
	return nil, 0, nil
}

// write stores what a change writes (s.mu held). A due already owed under
// its key stays as it is (ON CONFLICT DO NOTHING).
func (s *store) write(w *Writes) {
	if w == nil {
		return
	}
	s.events = append(s.events, w.Events...)
	s.writeDues(w.Dues)
}

func (s *store) writeDues(dues []domain.Due) {
	for _, d := range dues {
		s.written = append(s.written, d)
		if _, ok := s.dues[d.Key]; !ok {
			s.dues[d.Key] = d
		}
	}
}

// --- Changes

func (s *store) Claim(_ context.Context, c domain.Change, decide func(b *domain.Booking, c *domain.Change) (*Writes, error)) (domain.Booking, domain.Change, *domain.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bookings[c.BookingID]
	if !ok {
		return domain.Booking{}, c, nil, notFound("booking")
	}
	open := false
	for _, f := range s.changes {
		if f.BookingID != c.BookingID {
			continue
		}
		if c.Key != "" && f.Key == c.Key {
			return b, domain.Change{}, &f, nil
		}
		open = open || f.State == domain.ChangeOpen
	}
	if open {
		return domain.Booking{}, domain.Change{}, nil, domain.InFlight()
	}
	nc := c
	nc.FromVersion = b.Version
	nb := b
	w, err := decide(&nb, &nc)
	if err != nil {
		return domain.Booking{}, domain.Change{}, nil, err
	}
	switch nc.State {
	case domain.ChangeOpen:
		if !reflect.DeepEqual(nb, b) {
			return domain.Booking{}, domain.Change{}, nil, fmt.Errorf("claim: an open change changed its booking: %+v", nb)
		}
	case domain.ChangeApplied:
		s.bookings[nb.ID] = nb
	default:
		return domain.Booking{}, domain.Change{}, nil, fmt.Errorf("claim: change stored %s", nc.State)
	}
	s.changes[nc.ID] = nc
	s.write(w)
	return nb, nc, nil, nil
}

// errAbandoned is the adapter's answer to ending a change no longer open.
var errAbandoned = apperr.E(apperr.Unavailable, "the change took too long and was abandoned")

func (s *store) ApplyMove(_ context.Context, m Move) (domain.Booking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.changes[m.Change.ID]
	if !ok {
		return domain.Booking{}, notFound("change")
	}
	if c.State != domain.ChangeOpen {
		return domain.Booking{}, errAbandoned
	}
	b := s.bookings[c.BookingID]
	c = m.Change
	if b.Version != c.FromVersion || b.Status != domain.Confirmed {
		outcome := apperr.E(apperr.Conflict, "the booking changed meanwhile")
		c.Abort(outcome)
		s.changes[c.ID] = c
		s.writeDues(m.Revert)
		return domain.Booking{}, outcome
	}
	if s.noUnits {
		outcome := apperr.E(apperr.SlotUnavailable, "no free unit at that time")
		c.Abort(outcome)
		s.changes[c.ID] = c
		s.writeDues(m.Revert)
		return domain.Booking{}, outcome
	}
	moved := b
	moved.Reschedule(m.Plan, m.Now)
	evs, err := m.Events(moved)
	if err != nil {
		return domain.Booking{}, err
	}
	c.Apply(moved.Version)
	s.changes[c.ID] = c
	s.bookings[moved.ID] = moved
	s.write(&Writes{Events: evs, Dues: m.Owed})
	return moved, nil
}

func (s *store) Abort(_ context.Context, c domain.Change, dues []domain.Due) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.changes[c.ID]
	if !ok {
		return false, notFound("change")
	}
	if cur.State != domain.ChangeOpen {
		return false, nil
	}
	if c.State != domain.ChangeAborted {
		return false, fmt.Errorf("abort: change is %s", c.State)
	}
	s.changes[c.ID] = c
	s.writeDues(dues)
	return true, nil
}

func (s *store) Abandoned(_ context.Context, now time.Time, limit int) ([]domain.Change, error) {
	defer s.listed("abandoned")
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.Change
	for _, c := range s.changes {
		if c.State == domain.ChangeOpen && c.ExpiresAt.Before(now) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ExpiresAt.Before(out[j].ExpiresAt) })
	return out[:min(limit, len(out))], nil
}

func (s *store) TopUps(_ context.Context, bookingID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.changes {
		if c.BookingID == bookingID && c.State == domain.ChangeApplied && c.ChargeKey != "" {
			out = append(out, c.ChargeKey)
		}
	}
	return out, nil
}

// --- Dues

func (s *store) Take(_ context.Context, now, lease time.Time, limit int) ([]domain.Due, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.Due
	for _, d := range s.dues {
		if !d.NextAttemptAt.After(now) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NextAttemptAt.Before(out[j].NextAttemptAt) })
	out = out[:min(limit, len(out))]
	for i := range out {
		out[i].NextAttemptAt = lease
		s.dues[out[i].Key] = out[i]
	}
	return out, nil
}

func (s *store) Paid(_ context.Context, d domain.Due, _ string, settle BookingChange) (domain.Booking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !d.Settles {
		delete(s.dues, d.Key)
		return domain.Booking{}, nil
	}
	b, ok := s.bookings[d.BookingID]
	if !ok {
		return domain.Booking{}, notFound("booking")
	}
	w, err := settle(&b)
	if err != nil {
		return domain.Booking{}, err // rolled back: the due stays
	}
	delete(s.dues, d.Key)
	if w == nil {
		return domain.Booking{}, nil
	}
	s.bookings[b.ID] = b
	s.write(w)
	return b, nil
}

func (s *store) NotYet(_ context.Context, key string, next time.Time, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dues[key]
	if !ok {
		return nil // UPDATE of no row
	}
	d.Attempts++
	d.NextAttemptAt = next
	d.LastError = reason
	s.dues[key] = d
	return nil
}

func (s *store) Expired(_ context.Context, now time.Time, limit int) ([]string, error) {
	defer s.listed("expired")
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.Booking
	for _, b := range s.bookings {
		at, later := s.sweepAt[b.ID]
		if b.Status == domain.Blocked && b.ExpiresAt != nil && b.ExpiresAt.Before(now) && (!later || !at.After(now)) {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ExpiresAt.Before(*out[j].ExpiresAt) })
	ids := make([]string, 0, len(out))
	for _, b := range out[:min(limit, len(out))] {
		ids = append(ids, b.ID)
	}
	return ids, nil
}

// listed runs the onListed hook (outside the lock, after the list is read):
// a test changes rows there as if another request did between the read and
// the row's own transaction.
func (s *store) listed(kind string) {
	s.mu.Lock()
	hook := s.onListed
	s.mu.Unlock()
	if hook != nil {
		hook(kind)
	}
}

func (s *store) ExpireLater(_ context.Context, id string, next time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepAt[id] = next
	return nil
}

// --- reads for the tests

func (s *store) booking(t *testing.T, id string) domain.Booking {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bookings[id]
	if !ok {
		t.Fatalf("booking %s not stored", id)
	}
	return b
}

func (s *store) changesOf(id string) []domain.Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.Change
	for _, c := range s.changes {
		if c.BookingID == id {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *store) due(key string) (domain.Due, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dues[key]
	return d, ok
}

func (s *store) writtenDues() []domain.Due {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.written)
}

func (s *store) owed() map[string]domain.Due {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]domain.Due, len(s.dues))
	for k, d := range s.dues {
		out[k] = d
	}
	return out
}

// --- Payments

// answer is a scripted reply of payment.
type answer struct {
	status, decline string
	err             error
	landed          bool // a charge: taken, though the caller hears err
}

// payCall is one call payment received.
type payCall struct {
	op             string // charge, refund, void, charges
	key, chargeKey string
	bookingID      string
	amount         int64
	deadline       bool          // the call's context had one
	left           time.Duration // how long it had then
}

// payments answers each key as scripted (by default: charged, refunded,
// voided) and keeps a ledger of what it took and gave back, so a refund is
// split across real charges.
type payments struct {
	mu      sync.Mutex
	answers map[string]answer // by op + " " + key
	calls   []payCall
	ledger  map[string][]domain.Charge // by booking: charges oldest first
	owner   map[string]string          // charge key -> booking
	// onCharge runs (outside the lock) as a charge arrives, before it is
	// answered: another request can interleave here.
	onCharge func(key string)
}

func newPayments() *payments {
	return &payments{answers: map[string]answer{}, ledger: map[string][]domain.Charge{}, owner: map[string]string{}}
}

// script sets the answer of op ("charge", "refund", "void") for key.
func (p *payments) script(op, key string, a answer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers[op+" "+key] = a
}

// seed records a charge already taken.
func (p *payments) seed(bookingID, key string, amount int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ledger[bookingID] = append(p.ledger[bookingID], domain.Charge{Key: key, Left: amount, Refunds: map[string]int64{}})
	p.owner[key] = bookingID
}

func (p *payments) record(ctx context.Context, c payCall) {
	var dl time.Time
	dl, c.deadline = ctx.Deadline()
	c.left = time.Until(dl)
	p.calls = append(p.calls, c)
}

// answer is the scripted answer of op for key, or for every key ("*").
func (p *payments) answer(op, key string) (answer, bool) {
	if a, ok := p.answers[op+" "+key]; ok {
		return a, true
	}
	a, ok := p.answers[op+" *"]
	return a, ok
}

func (p *payments) Charge(ctx context.Context, key, bookingID, _ string, amount int64, _, _ string) (string, string, error) {
	p.mu.Lock()
	p.record(ctx, payCall{op: "charge", key: key, bookingID: bookingID, amount: amount})
	hook := p.onCharge
	p.mu.Unlock()
	if hook != nil {
		hook(key)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.answer("charge", key)
	if !ok {
		a = answer{status: PaySucceeded}
	}
	if (a.landed || a.err == nil && a.status == PaySucceeded) && p.owner[key] == "" {
		p.ledger[bookingID] = append(p.ledger[bookingID], domain.Charge{Key: key, Left: amount, Refunds: map[string]int64{}})
		p.owner[key] = bookingID
	}
	return a.status, a.decline, a.err
}

func (p *payments) Refund(ctx context.Context, key, chargeKey string, amount int64, _ string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(ctx, payCall{op: "refund", key: key, chargeKey: chargeKey, amount: amount})
	a, ok := p.answer("refund", key)
	if !ok {
		a = answer{status: PaySucceeded}
	}
	if a.err != nil {
		return "", a.err
	}
	b := p.owner[chargeKey]
	for i, c := range p.ledger[b] {
		if c.Key != chargeKey {
			continue
		}
		if _, asked := c.Refunds[key]; asked {
			return PaySucceeded, nil // idempotent by key
		}
		if c.Left < amount { // as payment answers it: an error, nothing stored
			return "", apperr.E(apperr.RuleViolation, "amount %d is more than the %d left to refund", amount, c.Left)
		}
		c.Refunds[key] = amount
		if a.status == PaySucceeded {
			p.ledger[b][i].Left -= amount
		}
		return a.status, nil
	}
	return "", apperr.E(apperr.NotFound, "no charge %s", chargeKey)
}

func (p *payments) Void(ctx context.Context, key, bookingID, _ string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(ctx, payCall{op: "void", key: key, bookingID: bookingID})
	if a, ok := p.answer("void", key); ok {
		return a.status, a.err
	}
	for i, c := range p.ledger[bookingID] {
		if c.Key == key {
			p.ledger[bookingID][i].Left = 0
			return PayRefunded, nil
		}
	}
	return PayVoided, nil
}

func (p *payments) Charges(ctx context.Context, bookingID string) ([]domain.Charge, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(ctx, payCall{op: "charges", bookingID: bookingID})
	out := make([]domain.Charge, len(p.ledger[bookingID]))
	for i, c := range p.ledger[bookingID] {
		out[i] = domain.Charge{Key: c.Key, Left: c.Left, Refunds: map[string]int64{}}
		for k, v := range c.Refunds {
			out[i].Refunds[k] = v
		}
	}
	return out, nil
}

// callsOf lists the calls of op (all calls when op is "").
func (p *payments) callsOf(op string) []payCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []payCall
	for _, c := range p.calls {
		if op == "" || c.op == op {
			out = append(out, c)
		}
	}
	return out
}

// held is what the ledger holds for a booking (charged less given back).
func (p *payments) held(bookingID string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, c := range p.ledger[bookingID] {
		n += c.Left
	}
	return n
}

// --- Vendors, Cache, Notifier, Logger

type vendors struct {
	mu    sync.Mutex
	roles map[string]string // vendor + "/" + user -> role
}

func (v *vendors) Facts(context.Context, string) (domain.Vendor, []UnitCopy, error) {
	return domain.Vendor{}, nil, notFound("vendor")
}

func (v *vendors) Role(_ context.Context, vendorID, userID string) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.roles[vendorID+"/"+userID], nil
}

type nopCache struct{}

func (nopCache) Put(context.Context, domain.Booking) {}

type nopNotifier struct{}

func (nopNotifier) Notify() {}

type logEntry struct {
	level string
	msg   string
	args  []any
}

type logger struct {
	mu      sync.Mutex
	entries []logEntry
}

func (l *logger) Warn(msg string, args ...any)  { l.add("warn", msg, args) }
func (l *logger) Error(msg string, args ...any) { l.add("error", msg, args) }

func (l *logger) add(level, msg string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, logEntry{level, msg, args})
}

func (l *logger) at(level string) []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logEntry
	for _, e := range l.entries {
		if e.level == level {
			out = append(out, e)
		}
	}
	return out
}

// arg is the value of key in a log entry's attributes.
func (e logEntry) arg(key string) any {
	for i := 0; i+1 < len(e.args); i += 2 {
		if e.args[i] == key {
			return e.args[i+1]
		}
	}
	return nil
}

// --- the world of one test

var t0 = time.Date(2030, 6, 1, 10, 0, 0, 0, time.UTC)

const (
	vendorID   = "v1"
	guestID    = "u-guest"
	managerID  = "u-manager"
	strangerID = "u-stranger"
	rate       = 1500 // per guest, EUR cents
	paymentTO  = 2 * time.Second
	jitter     = 0.5
)

type world struct {
	app   *App
	store *store
	pay   *payments
	log   *logger
	ids   int
	idsMu sync.Mutex
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{store: newStore(), pay: newPayments(), log: &logger{}}
	w.store.vendors[vendorID] = domain.Vendor{ID: vendorID, Version: 1, Kind: domain.Restaurant, Timezone: "UTC",
		SlotMinutes: 30, StayMinutes: 120, DepositAmount: rate, DepositCurrency: "EUR", DepositPerGuest: true,
		FreeCancelHours: 24, Active: true}
	w.store.caps[vendorID] = map[int]int{8: 3}
	w.app = &App{
		Vendor: w.store, Free: w.store, Bookings: w.store, Changes: w.store, Dues: w.store,
		Payments: w.pay, Vendors: &vendors{roles: map[string]string{vendorID + "/" + managerID: "manager"}},
		Cache: nopCache{}, Relay: nopNotifier{}, Log: w.log,
		Cfg:   Config{HoldTTL: 10 * time.Minute, PaymentTimeout: paymentTO, Retries: 1, ChangeTTL: time.Minute, SweepParallel: 3},
		Clock: func() time.Time { return t0 },
		Rand:  func() float64 { return jitter },
	}
	w.app.NewID = func() string {
		w.idsMu.Lock()
		defer w.idsMu.Unlock()
		w.ids++
		return fmt.Sprintf("id-%03d", w.ids)
	}
	return w
}

// confirmed stores a CONFIRMED booking of party guests starting at start,
// its per-guest deposit charged (and in the ledger), at version 3.
func (w *world) confirmed(id string, party int, start time.Time) domain.Booking {
	b := domain.Booking{
		ID: id, VendorID: vendorID, UserID: guestID, Status: domain.Confirmed,
		During: domain.Range{Start: start, End: start.Add(2 * time.Hour)}, PartySize: party, Quantity: 1,
		Terms:         domain.Terms{Rate: rate, PerGuest: true, FreeCancelHours: 24},
		DepositAmount: rate * int64(party), DepositCurrency: "EUR", DepositStatus: domain.DepositCharged,
		PaymentMethod: "pm_card_visa", Version: 3, CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0.Add(-time.Hour),
		Units: []domain.HeldUnit{{ID: "unit-1", Name: "T1", Capacity: 8}},
	}
	w.store.mu.Lock()
	w.store.bookings[id] = b
	w.store.mu.Unlock()
	w.pay.seed(id, b.ChargeKey(), b.DepositAmount)
	return b
}

// the only change of a booking.
func (w *world) onlyChange(t *testing.T, bookingID string) domain.Change {
	t.Helper()
	cs := w.store.changesOf(bookingID)
	if len(cs) != 1 {
		t.Fatalf("changes of %s: %d, want 1: %+v", bookingID, len(cs), cs)
	}
	return cs[0]
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	if !apperr.Is(err, code) {
		t.Fatalf("error %v, want %s", err, code)
	}
}

var errNoAnswer = errors.New("nats: timeout")

func ptr[T any](v T) *T { return &v }
