package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/payment/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/payment/domain"
	"github.com/slotmesh/slotmesh/testenv"
)

const booking = "01900000-0000-7000-8000-00000000b00c"

func open(t *testing.T) (*postgres.Repo, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool, err := pg.Connect(ctx, testenv.Postgres(t), postgres.Schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for range 2 { // migrations apply once, then are a no-op
		if err := postgres.Migrate(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	return postgres.New(pool), pool
}

var (
	idMu sync.Mutex
	idN  int
)

func id() string {
	idMu.Lock()
	defer idMu.Unlock()
	idN++
	return fmt.Sprintf("01900000-0000-7000-8000-%012d", idN)
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func pending(key string, lease time.Time) domain.Payment {
	return domain.NewPayment(id(), domain.Charge{Key: key, BookingID: booking, Amount: 1500, Currency: "EUR", Method: "pm_card_visa"}, now(), lease)
}

func TestCreateIsOncePerKey(t *testing.T) {
	t.Parallel()
	repo, _ := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, ids := 0, map[string]bool{}
	for range 20 {
		wg.Go(func() {
			p, ok, err := repo.Create(ctx, pending("same", now().Add(time.Minute)))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				created++
			}
			ids[p.ID] = true
		})
	}
	wg.Wait()
	if created != 1 || len(ids) != 1 {
		t.Fatalf("%d created, %d ids", created, len(ids))
	}
}

func TestUpdateSavesThePaymentRefundsAndEvents(t *testing.T) {
	t.Parallel()
	repo, pool := open(t)
	ctx := context.Background()
	p, _, err := repo.Create(ctx, pending("k", now()))
	if err != nil {
		t.Fatal(err)
	}
	ev := contracts.Event{ID: id(), Type: "evt.payment.test.v1", Data: []byte(`{}`)}
	got, err := repo.Update(ctx, "k", func(p *domain.Payment) ([]contracts.Event, error) {
		p.Settle("ch_1", "", now())
		_, err := p.RequestRefund(id(), domain.RefundRequest{Key: "r1", Amount: 500, Reason: "why"}, now(), now())
		return []contracts.Event{ev}, err
	})
	if err != nil || got.Status != domain.Succeeded || len(got.Refunds) != 1 {
		t.Fatalf("update: %+v %v", got, err)
	}
	if _, err := repo.Update(ctx, "k", func(p *domain.Payment) ([]contracts.Event, error) {
		p.SettleRefund("r1", "re_1", now())
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	read, err := repo.Get(ctx, "k")
	if err != nil || read.Refunded != 500 || read.ID != p.ID || len(read.Refunds) != 1 || read.Refunds[0].Status != domain.RefundSucceeded ||
		read.Refunds[0].Reason != "why" || read.Refunds[0].ProviderRef != "re_1" {
		t.Fatalf("read back: %+v %v", read, err)
	}
	if k, err := repo.ChargeKeyOfRefund(ctx, "r1"); err != nil || k != "k" {
		t.Fatalf("charge of r1: %q %v", k, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE event_id = $1`, ev.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("outbox rows: %d %v", n, err)
	}
	l, err := repo.Ledger(ctx, booking)
	if err != nil || len(l) != 1 || len(l[0].Refunds) != 1 {
		t.Fatalf("ledger: %+v %v", l, err)
	}
	if _, err := repo.Get(ctx, "nope"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("get unknown: %v", err)
	}
	if _, err := repo.Update(ctx, "nope", nil); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("update unknown: %v", err)
	}
	// A change that breaks the ledger is refused before anything is written.
	if _, err := repo.Update(ctx, "k", func(p *domain.Payment) ([]contracts.Event, error) {
		p.Refunded = 900
		return nil, nil
	}); apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("inconsistent change: %v", err)
	}
}

func TestRefundKeyOfAnotherPaymentIsAMismatch(t *testing.T) {
	t.Parallel()
	repo, _ := open(t)
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, _, err := repo.Create(ctx, pending(k, now())); err != nil {
			t.Fatal(err)
		}
		_, err := repo.Update(ctx, k, func(p *domain.Payment) ([]contracts.Event, error) {
			p.Settle("ch_"+k, "", now())
			_, err := p.RequestRefund(id(), domain.RefundRequest{Key: "shared", Amount: 100}, now(), now())
			return nil, err
		})
		if k == "b" && apperr.CodeOf(err) != apperr.IdempotencyKey {
			t.Fatalf("second use of a refund key: %v", err)
		}
	}
}

// TestConstraintsKeepTheLedgerExplainable: even a write that bypasses the
// domain cannot give back more than was taken or void a charge.
func TestConstraintsKeepTheLedgerExplainable(t *testing.T) {
	t.Parallel()
	repo, pool := open(t)
	ctx := context.Background()
	if _, _, err := repo.Create(ctx, pending("k", now())); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`UPDATE payments SET refunded = 1 WHERE key = 'k'`,                                              // pending: nothing taken
		`UPDATE payments SET status = 'succeeded' WHERE key = 'k'`,                                      // no provider ref
		`UPDATE payments SET status = 'succeeded', provider_ref = 'x', refunded = 1501 WHERE key = 'k'`, // more than taken
		`UPDATE payments SET status = 'refunded', provider_ref = 'x', refunded = 10 WHERE key = 'k'`,    // refunded, not in full
		`UPDATE payments SET status = 'voided', void_requested = true WHERE key = 'k'`,                  // voided with an amount
		`UPDATE payments SET status = 'failed' WHERE key = 'k'`,                                         // failed without a code
	} {
		if _, err := pool.Exec(ctx, bad); err == nil {
			t.Errorf("accepted: %s", bad)
		}
	}
	v := domain.NewVoided(id(), domain.VoidRequest{Key: "v", BookingID: booking}, now())
	if _, created, err := repo.Create(ctx, v); err != nil || !created {
		t.Fatalf("voided row: %v", err)
	}
}

func TestDueListsExpiredWorkOnly(t *testing.T) {
	t.Parallel()
	repo, _ := open(t)
	ctx := context.Background()
	t0 := now()
	mustCreate := func(p domain.Payment) {
		if _, _, err := repo.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(pending("expired", t0.Add(-time.Second)))
	mustCreate(pending("leased", t0.Add(time.Hour)))
	mustCreate(pending("refund-due", t0.Add(time.Hour)))
	if _, err := repo.Update(ctx, "refund-due", func(p *domain.Payment) ([]contracts.Event, error) {
		p.Settle("ch", "", t0)
		_, err := p.RequestRefund(id(), domain.RefundRequest{Key: "r", Amount: 10}, t0, t0.Add(-time.Second))
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	mustCreate(pending("void-owed", t0.Add(-time.Second)))
	if _, err := repo.Update(ctx, "void-owed", func(p *domain.Payment) ([]contracts.Event, error) {
		p.Settle("ch", "", t0)
		p.RequestVoid("x", t0)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	keys, err := repo.Due(ctx, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"expired": true, "refund-due": true, "void-owed": true}
	if len(keys) != len(want) {
		t.Fatalf("due %v, want %v", keys, want)
	}
	for _, k := range keys {
		if !want[k] {
			t.Fatalf("due %v, want %v", keys, want)
		}
	}
}
