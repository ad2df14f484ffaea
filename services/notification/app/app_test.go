package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/notification/app"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

// memStore is an in-memory app.Store with the same once-per-(event,
// channel) and fencing rules as the Postgres one.
type memStore struct {
	mu       sync.Mutex
	rows     []domain.Delivery
	webhooks map[string]domain.Webhook
}

func (s *memStore) Insert(_ context.Context, b domain.Batch) (int, error) {
	ds := b.Deliveries
	if b.Reminder != nil {
		ds = append(ds, *b.Reminder)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
next:
	for _, d := range ds {
		for _, r := range s.rows {
			if r.EventID == d.EventID && r.Channel == d.Channel {
				continue next
			}
		}
		s.rows = append(s.rows, d)
		n++
	}
	return n, nil
}

func (s *memStore) Known(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rows {
		if r.EventID == id {
			return true, nil
		}
	}
	return false, nil
}

func (s *memStore) Claim(_ context.Context, lease time.Duration, limit int) ([]domain.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.Delivery
	for i := range s.rows {
		r := &s.rows[i]
		if r.Status == notification.StatusPending && !r.NextAttemptAt.After(time.Now()) && len(out) < limit {
			r.Attempts++
			r.NextAttemptAt = time.Now().Add(lease)
			out = append(out, *r)
		}
	}
	return out, nil
}

func (s *memStore) Finish(_ context.Context, id string, attempt int, status string, next time.Time, lastErr string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rows {
		r := &s.rows[i]
		if r.ID == id && r.Attempts == attempt && r.Status == notification.StatusPending {
			r.Status, r.NextAttemptAt, r.LastError = status, next, lastErr
			return true, nil
		}
	}
	return false, nil
}

func (s *memStore) Dead(context.Context, string, int) ([]domain.Delivery, error) { return nil, nil }
func (s *memStore) Replay(context.Context, []string, bool) (int, error)          { return 0, nil }

func (s *memStore) PutWebhook(_ context.Context, w domain.Webhook) (domain.Webhook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks[w.VendorID] = w
	return w, nil
}

func (s *memStore) Webhook(_ context.Context, id string) (domain.Webhook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.webhooks[id]
	if !ok {
		return w, apperr.E(apperr.NotFound, "no webhook")
	}
	return w, nil
}

func (s *memStore) DeleteWebhook(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.webhooks, id)
	return nil
}

func (s *memStore) get(eventID, channel string) (domain.Delivery, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rows {
		if r.EventID == eventID && r.Channel == channel {
			return r, true
		}
	}
	return domain.Delivery{}, false
}

type fakeUsers struct{ err error }

func (f fakeUsers) Contact(_ context.Context, id string) (user.Contact, error) {
	return user.Contact{ID: id, Email: "ann@example.com", Name: "Ann"}, f.err
}

type fakeVendors struct{ err error }

func (f fakeVendors) Get(_ context.Context, id string) (vendors.Vendor, error) {
	return vendors.Vendor{ID: id, Profile: vendors.Profile{Name: "Roma", Timezone: "Europe/Rome"}}, f.err
}

func (f fakeVendors) Authorize(context.Context, string, string) (vendors.AuthorizeResponse, error) {
	return vendors.AuthorizeResponse{Role: vendors.RoleOwner}, f.err
}

type fakeSender struct{ err error }

func (f fakeSender) Send(context.Context, app.Email) error                      { return f.err }
func (f fakeSender) Post(context.Context, string, string, string, []byte) error { return f.err }

func newApp(store *memStore, u fakeUsers, v fakeVendors, send fakeSender) *app.App {
	return &app.App{Store: store, Users: u, Vendors: v, Mailer: send, Poster: send,
		Options: app.Options{MaxAttempts: 3, BackoffMin: time.Hour, BackoffMax: time.Hour},
		NewID:   uuid.NewString}
}

func event(t *testing.T, id, typ string, data any) contracts.Event {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return contracts.Event{ID: id, Type: typ, AggregateID: "b1", OccurredAt: time.Now(), Data: raw}
}

var changed = booking.Changed{Booking: booking.Booking{ID: "b1", VendorID: "v1", UserID: "u1", Start: time.Now().Add(time.Hour),
	End: time.Now().Add(2 * time.Hour), PartySize: 2}}

func TestEnqueue(t *testing.T) {
	down := apperr.E(apperr.Unavailable, "service unavailable")
	for _, tc := range []struct {
		name     string
		ev       contracts.Event
		users    fakeUsers
		vendors  fakeVendors
		webhook  bool
		wantCode apperr.Code // "" no error; "other": a non-apperr error
		channels []string
	}{
		{"confirmation: email and webhook", event(t, "e1", booking.EventConfirmed, changed), fakeUsers{}, fakeVendors{}, true, "",
			[]string{notification.ChannelEmail, notification.ChannelWebhook}},
		{"no webhook configured: email only", event(t, "e1", booking.EventCancelled, changed), fakeUsers{}, fakeVendors{}, false, "",
			[]string{notification.ChannelEmail}},
		{"user gone: webhook only", event(t, "e1", booking.EventAvailed, changed), fakeUsers{err: apperr.E(apperr.NotFound, "x")}, fakeVendors{}, true, "",
			[]string{notification.ChannelWebhook}},
		{"not announced", event(t, "e1", booking.EventNoShow, changed), fakeUsers{}, fakeVendors{}, true, "", nil},
		{"undecodable: poison", contracts.Event{ID: "e1", Type: booking.EventConfirmed, Data: []byte(`"x"`)}, fakeUsers{}, fakeVendors{}, true, apperr.InvalidInput, nil},
		{"unknown vendor: poison", event(t, "e1", booking.EventConfirmed, changed), fakeUsers{}, fakeVendors{err: apperr.E(apperr.NotFound, "x")}, true, apperr.InvalidInput, nil},
		{"vendor service down: retry", event(t, "e1", booking.EventConfirmed, changed), fakeUsers{}, fakeVendors{err: down}, true, apperr.Unavailable, nil},
		{"user service down: retry", event(t, "e1", booking.EventConfirmed, changed), fakeUsers{err: down}, fakeVendors{}, true, apperr.Unavailable, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{webhooks: map[string]domain.Webhook{}}
			if tc.webhook {
				store.webhooks["v1"] = domain.Webhook{VendorID: "v1", URL: "https://v.example/h", Secret: "s"}
			}
			a := newApp(store, tc.users, tc.vendors, fakeSender{})
			err := a.Enqueue(context.Background(), tc.ev)
			if tc.wantCode == "" && err != nil || tc.wantCode != "" && apperr.CodeOf(err) != tc.wantCode {
				t.Fatalf("err %v, want %q", err, tc.wantCode)
			}
			if len(store.rows) != len(tc.channels) {
				t.Fatalf("%d deliveries, want %v", len(store.rows), tc.channels)
			}
			for _, ch := range tc.channels {
				d, ok := store.get("e1", ch)
				if !ok || d.Status != notification.StatusPending || d.Subject == "" || d.Body == "" {
					t.Fatalf("%s delivery: %+v", ch, d)
				}
			}
			// The same event again writes nothing, even if the services are down now.
			a.Users, a.Vendors = fakeUsers{err: down}, fakeVendors{err: down}
			if len(store.rows) > 0 {
				if err := a.Enqueue(context.Background(), tc.ev); err != nil || len(store.rows) != len(tc.channels) {
					t.Fatalf("repeat: %v, %d rows", err, len(store.rows))
				}
			}
		})
	}
}

func TestSendOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		attempts   int // before this one
		wantStatus string
	}{
		{"sent", nil, 0, notification.StatusSent},
		{"temporary: retried later", errors.New("connection refused"), 0, notification.StatusPending},
		{"permanent: dead at once", app.Permanent(errors.New("550 no such user")), 0, notification.StatusDead},
		{"last attempt: dead", errors.New("connection refused"), 2, notification.StatusDead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{webhooks: map[string]domain.Webhook{}}
			now := time.Now()
			store.rows = []domain.Delivery{{ID: "d1", EventID: "e1", Channel: notification.ChannelEmail, Recipient: "a@example.com",
				Status: notification.StatusPending, Attempts: tc.attempts, NextAttemptAt: now}}
			a := newApp(store, fakeUsers{}, fakeVendors{}, fakeSender{err: tc.err})
			outs, err := a.SendDue(context.Background())
			if err != nil || len(outs) != 1 || outs[0].Status != tc.wantStatus || outs[0].Stale {
				t.Fatalf("outcomes %+v, %v", outs, err)
			}
			d, _ := store.get("e1", notification.ChannelEmail)
			if d.Status != tc.wantStatus || d.Attempts != tc.attempts+1 {
				t.Fatalf("row: %+v", d)
			}
			if tc.wantStatus == notification.StatusPending && d.NextAttemptAt.Before(now.Add(29*time.Minute)) {
				t.Fatalf("retry due %s: back-off not applied", d.NextAttemptAt)
			}
			if tc.err != nil && d.LastError == "" {
				t.Fatal("last error not recorded")
			}
			// Nothing is due now: a second pass sends nothing.
			if outs, _ := a.SendDue(context.Background()); len(outs) != 0 {
				t.Fatalf("second pass sent %d", len(outs))
			}
		})
	}
}

func TestWebhookRemovedBeforeSendIsDead(t *testing.T) {
	store := &memStore{webhooks: map[string]domain.Webhook{}}
	store.rows = []domain.Delivery{{ID: "d1", EventID: "e1", Channel: notification.ChannelWebhook, VendorID: "v1",
		Status: notification.StatusPending, NextAttemptAt: time.Now()}}
	a := newApp(store, fakeUsers{}, fakeVendors{}, fakeSender{})
	if outs, err := a.SendDue(context.Background()); err != nil || len(outs) != 1 || outs[0].Status != notification.StatusDead {
		t.Fatalf("outcomes %+v %v", outs, err)
	}
}
