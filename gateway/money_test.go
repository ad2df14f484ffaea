package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/slotmesh/slotmesh/testenv"
)

// TestDoubleClickThroughTheGateway is issue 13's trial as a user makes it:
// a per-guest deposit of 15.00 EUR, a party of 2 (30.00), and three
// identical PATCHes to 6 guests sent at once — without a key, then with
// one key on every click. Exactly one change applies (the others are 409
// conflict, or the same answer for the same key), and the payment ledger
// holds exactly the new deposit, 90.00, every time.
func TestDoubleClickThroughTheGateway(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	_, owner := signUp(t, c, "owner@example.com")
	_, diner := signUp(t, c, "diner@example.com")
	body := allWeek(1500)
	body["deposit"] = map[string]any{"amount": 1500, "currency": "EUR", "per": "guest"}
	v := onboard(t, c, owner, body)
	addUnits(t, c, owner, v.ID, []map[string]any{{"name": "T1", "capacity": 6}, {"name": "T2", "capacity": 6}})
	conn := testenv.PGConn(t, sys.PGURL)
	for trial := range 6 {
		st, raw := c.book(diner, fmt.Sprint("dc-", trial), bookingBody(v.ID, slotAt(5+trial, 19, 0), 2))
		b := wantBooking(t, http.StatusCreated, st, raw)
		if b.Deposit.Amount != 3000 {
			t.Fatalf("deposit %d, want 3000", b.Deposit.Amount)
		}
		var header map[string]string
		if trial%2 == 1 {
			header = map[string]string{"Idempotency-Key": fmt.Sprint("six-guests-", trial)}
		}
		var wg sync.WaitGroup
		status := make([]int, 3)
		raws := make([][]byte, 3)
		start := make(chan struct{})
		for i := range 3 {
			wg.Go(func() {
				<-start
				status[i], raws[i] = c.send("PATCH", "/v1/bookings/"+b.ID, diner, header, map[string]any{"party_size": 6})
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, st := range status {
			switch st {
			case http.StatusOK:
				ok++
				got := decode[bookingJSON](t, raws[i])
				if got.Version != b.Version+1 || got.Deposit.Amount != 9000 {
					t.Errorf("trial %d: answered %+v", trial, got)
				}
			case http.StatusConflict:
				var e struct {
					Error struct{ Code string } `json:"error"`
				}
				if json.Unmarshal(raws[i], &e) != nil || e.Error.Code != "conflict" {
					t.Errorf("trial %d: 409 %s", trial, raws[i])
				}
			default:
				t.Errorf("trial %d: %d %s", trial, st, raws[i])
			}
		}
		if ok == 0 {
			t.Errorf("trial %d: no click went through: %v", trial, status)
		}
		st, raw = c.do("GET", "/v1/bookings/"+b.ID, diner, nil)
		got := wantBooking(t, http.StatusOK, st, raw)
		if got.PartySize != 6 || got.Version != b.Version+1 || got.Deposit.Amount != 9000 || got.Deposit.Status != "charged" {
			t.Fatalf("trial %d: %+v, want one change to 6 guests and 9000", trial, got)
		}
		var net int64
		if err := conn.QueryRow(context.Background(), `SELECT coalesce(sum(amount - refunded), 0) FROM paymentdb.payments
			WHERE booking_id = $1 AND status IN ('succeeded', 'refunded')`, b.ID).Scan(&net); err != nil {
			t.Fatal(err)
		}
		if net != 9000 {
			t.Fatalf("trial %d: the ledger holds %d, the booking says 9000", trial, net)
		}
	}
}
