package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/notification"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/notification/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/notification/domain"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

func store(t *testing.T) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	pool, err := pg.Connect(ctx, testenv.Postgres(t), postgres.Schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(ctx, pool); err != nil { // idempotent
		t.Fatal(err)
	}
	return postgres.New(pool)
}

func delivery(eventID, channel string) domain.Delivery {
	now := time.Now().UTC()
	return domain.Delivery{ID: uuid.Must(uuid.NewV7()).String(), EventID: eventID, EventType: "evt.booking.booking.confirmed.v1",
		Channel: channel, VendorID: "v", Recipient: "a@example.com", Subject: "s", Body: "b",
		Status: notification.StatusPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
}

func batch(ds ...domain.Delivery) domain.Batch { return domain.Batch{Deliveries: ds} }

// TestInsertOncePerEventAndChannel: a repeated (event, channel) writes nothing.
func TestInsertOncePerEventAndChannel(t *testing.T) {
	t.Parallel()
	s := store(t)
	ctx := context.Background()
	n, err := s.Insert(ctx, batch(delivery("e1", notification.ChannelEmail), delivery("e1", notification.ChannelWebhook)))
	if err != nil || n != 2 {
		t.Fatalf("first insert: %d %v", n, err)
	}
	n, err = s.Insert(ctx, batch(delivery("e1", notification.ChannelEmail), delivery("e1", notification.ChannelWebhook), delivery("e2", notification.ChannelEmail)))
	if err != nil || n != 1 {
		t.Fatalf("second insert: %d %v (want only e2 written)", n, err)
	}
	if ok, err := s.Known(ctx, "e1"); err != nil || !ok {
		t.Fatalf("known e1: %v %v", ok, err)
	}
	if ok, err := s.Known(ctx, "e3"); err != nil || ok {
		t.Fatalf("known e3: %v %v", ok, err)
	}
}

// TestConcurrentClaimsNeverShareARow: replicas claiming at once each get
// different rows, every row is claimed exactly once, and a claimed row is
// not due again until its lease runs out.
func TestConcurrentClaimsNeverShareARow(t *testing.T) {
	t.Parallel()
	s := store(t)
	ctx := context.Background()
	const rows = 200
	var ds []domain.Delivery
	for i := range rows {
		ds = append(ds, delivery(uuid.NewString(), []string{notification.ChannelEmail, notification.ChannelWebhook}[i%2]))
	}
	if _, err := s.Insert(ctx, batch(ds...)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.Claim(ctx, time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					claimed[d.ID]++
					if d.Attempts != 1 {
						t.Errorf("attempts %d after one claim", d.Attempts)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != rows {
		t.Fatalf("%d rows claimed, want %d", len(claimed), rows)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("row %s claimed %d times", id, n)
		}
	}
}

// TestLeaseAndFencing: an expired lease makes the row due again; the first
// claimant's late outcome is then ignored (fenced by the attempt number).
func TestLeaseAndFencing(t *testing.T) {
	t.Parallel()
	s := store(t)
	ctx := context.Background()
	if _, err := s.Insert(ctx, batch(delivery("e1", notification.ChannelEmail))); err != nil {
		t.Fatal(err)
	}
	first, err := s.Claim(ctx, 200*time.Millisecond, 10)
	if err != nil || len(first) != 1 {
		t.Fatalf("first claim: %v %v", first, err)
	}
	if again, err := s.Claim(ctx, time.Hour, 10); err != nil || len(again) != 0 {
		t.Fatalf("claim during the lease: %d rows, %v", len(again), err)
	}
	var second []domain.Delivery
	poll.Eventually(t, 10*time.Second, "the row to come due again", func() error {
		if second, err = s.Claim(ctx, time.Hour, 10); err != nil {
			t.Fatal(err)
		}
		if len(second) == 0 {
			return errors.New("nothing to claim")
		}
		return nil
	})
	if second[0].Attempts != 2 {
		t.Fatalf("attempts %d, want 2", second[0].Attempts)
	}
	ok, err := s.Finish(ctx, first[0].ID, first[0].Attempts, notification.StatusSent, time.Now(), "")
	if err != nil || ok {
		t.Fatalf("stale finish: %v %v (want ignored)", ok, err)
	}
	ok, err = s.Finish(ctx, second[0].ID, second[0].Attempts, notification.StatusDead, time.Now(), "refused")
	if err != nil || !ok {
		t.Fatalf("finish: %v %v", ok, err)
	}
	dead, err := s.Dead(ctx, "", 10)
	if err != nil || len(dead) != 1 || dead[0].LastError != "refused" || dead[0].Status != notification.StatusDead {
		t.Fatalf("dead: %+v %v", dead, err)
	}
	if n, err := s.Replay(ctx, []string{"not-a-uuid", dead[0].ID}, false); err != nil || n != 1 {
		t.Fatalf("replay: %d %v", n, err)
	}
	back, err := s.Claim(ctx, time.Hour, 10)
	if err != nil || len(back) != 1 || back[0].Attempts != 1 {
		t.Fatalf("claim after replay: %+v %v", back, err)
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	s := store(t)
	ctx := context.Background()
	if _, err := s.Webhook(ctx, "v1"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("missing: %v", err)
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	w, err := s.PutWebhook(ctx, domain.Webhook{VendorID: "v1", URL: "https://a", Secret: "s1", CreatedAt: t0, UpdatedAt: t0})
	if err != nil || w.URL != "https://a" || !w.CreatedAt.Equal(t0) {
		t.Fatalf("put: %+v %v", w, err)
	}
	t1 := t0.Add(time.Minute)
	w, err = s.PutWebhook(ctx, domain.Webhook{VendorID: "v1", URL: "https://b", Secret: "s2", CreatedAt: t1, UpdatedAt: t1})
	if err != nil || w.URL != "https://b" || w.Secret != "s2" || !w.CreatedAt.Equal(t0) || !w.UpdatedAt.Equal(t1) {
		t.Fatalf("replace: %+v %v", w, err)
	}
	if err := s.DeleteWebhook(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhook(ctx, "v1"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("second delete: %v", err)
	}
}

// TestReminderRules: a booking's reminder follows its newest version; its
// end cancels every pending reminder and blocks late ones.
func TestReminderRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pg.Connect(ctx, testenv.Postgres(t), postgres.Schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	s := postgres.New(pool)
	batch := func(eventID string, version int64) domain.Batch {
		r := delivery(eventID, notification.ChannelReminder)
		r.BookingID, r.Version, r.NextAttemptAt = "b1", version, time.Now().Add(time.Hour)
		e := delivery(eventID, notification.ChannelEmail)
		e.BookingID, e.Version = "b1", version
		return domain.Batch{BookingID: "b1", Version: version, EventID: eventID, Deliveries: []domain.Delivery{e}, Reminder: &r}
	}
	insert := func(b domain.Batch, want int) {
		t.Helper()
		if n, err := s.Insert(ctx, b); err != nil || n != want {
			t.Fatalf("insert %s: %d rows, %v (want %d)", b.EventID, n, err, want)
		}
	}
	pending := func() []string {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT event_id FROM deliveries WHERE channel = 'reminder' AND status = 'pending' ORDER BY event_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	insert(batch("e2", 2), 2)
	insert(batch("e3", 3), 2)      // email + reminder; e2's reminder is cancelled
	insert(batch("e2-late", 2), 1) // a newer version is known: the email only
	if p := pending(); len(p) != 1 || p[0] != "e3" {
		t.Fatalf("pending reminders %v, want [e3]", p)
	}
	insert(domain.Batch{BookingID: "b1", Version: 4, Final: true, EventID: "e4", EventType: "cancelled"}, 1) // the marker
	if p := pending(); len(p) != 0 {
		t.Fatalf("pending reminders after the end: %v", p)
	}
	insert(batch("e3-late", 3), 1) // the email only
	if p := pending(); len(p) != 0 {
		t.Fatalf("pending reminders after a late event: %v", p)
	}
	if ok, err := s.Known(ctx, "e4"); err != nil || !ok {
		t.Fatalf("the final event is known by its marker: %v %v", ok, err)
	}
}
