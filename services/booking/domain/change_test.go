package domain

import (
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

func TestChangeReplay(t *testing.T) {
	t.Parallel()
	h := []byte{1, 2, 3}
	base := Change{Op: OpUpdate, Actor: "u", Key: "k", Hash: h}
	with := func(f func(*Change)) Change { c := base; f(&c); return c }
	declined := apperr.E(apperr.PaymentDeclined, "declined")
	tests := []struct {
		name      string
		c         Change
		op, actor string
		hash      []byte
		want      apperr.Code // "" answers the booking
	}{
		{"applied, the same request", with(func(c *Change) { c.State = ChangeApplied }), OpUpdate, "u", h, ""},
		{"still open", with(func(c *Change) { c.State = ChangeOpen }), OpUpdate, "u", h, apperr.Conflict},
		{"aborted answers its outcome", with(func(c *Change) { c.State = ChangeAborted; c.Outcome = declined }), OpUpdate, "u", h, apperr.PaymentDeclined},
		{"aborted without an outcome", with(func(c *Change) { c.State = ChangeAborted }), OpUpdate, "u", h, apperr.Conflict},
		{"another body", with(func(c *Change) { c.State = ChangeApplied }), OpUpdate, "u", []byte{9}, apperr.IdempotencyKey},
		{"another operation", with(func(c *Change) { c.State = ChangeApplied }), OpCancel, "u", h, apperr.IdempotencyKey},
		{"another caller", with(func(c *Change) { c.State = ChangeApplied }), OpUpdate, "v", h, apperr.IdempotencyKey},
		{"migrated ending (no hash)", with(func(c *Change) { c.State = ChangeApplied; c.Op = OpCancel; c.Hash = nil }), OpCancel, "u", h, ""},
		{"migrated ending replayed by a manager", with(func(c *Change) { c.State = ChangeApplied; c.Op = OpAvail; c.Hash = nil }), OpAvail, "manager", h, ""},
		{"migrated ending, another operation", with(func(c *Change) { c.State = ChangeApplied; c.Op = OpAvail; c.Hash = nil }), OpCancel, "u", h, apperr.IdempotencyKey},
	}
	for _, tt := range tests {
		err := tt.c.Replay(tt.op, tt.actor, tt.hash)
		if apperr.CodeOf(err) != tt.want && !(tt.want == "" && err == nil) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	c := base
	c.Abort(nil)
	if c.State != ChangeAborted || c.Outcome == nil || c.Outcome.Code != apperr.Unavailable {
		t.Errorf("abort without an error: %+v", c)
	}
	c = base
	c.Apply(7)
	if c.State != ChangeApplied || c.ToVersion != 7 {
		t.Errorf("apply: %+v", c)
	}
	if k := TopUpKey("b", "c"); k != "booking:b:change:c" || ChangeRefundKey("b", "c") != k+":refund" {
		t.Errorf("keys %q", k)
	}
}

func TestDueBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempts int
		r        float64
		want     time.Duration
	}{
		{1, 0, time.Second}, {1, 0.999999, 2 * time.Second},
		{2, 0, 2 * time.Second}, {3, 0.5, 6 * time.Second},
		{9, 0, 256 * time.Second},
		{10, 0, 5 * time.Minute}, {10, 0.999999999, 10 * time.Minute},
		{60, 0, 5 * time.Minute}, {1000, 0.5, 7*time.Minute + 30*time.Second},
	}
	for _, tt := range tests {
		got := DueBackoff(tt.attempts, tt.r)
		if d := got - tt.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("DueBackoff(%d, %v) = %s, want %s", tt.attempts, tt.r, got, tt.want)
		}
		if got > DueMaxRetry || got < DueFirstRetry/2 {
			t.Errorf("DueBackoff(%d, %v) = %s out of bounds", tt.attempts, tt.r, got)
		}
	}
	if (Due{Attempts: DueStuckAfter - 1}).Stuck() || !(Due{Attempts: DueStuckAfter}).Stuck() {
		t.Error("stuck after DueStuckAfter attempts")
	}
}

func TestReliedOn(t *testing.T) {
	t.Parallel()
	const dep = "booking:b:deposit"
	applied, aborted := TopUpKey("b", "c1"), TopUpKey("b", "c2")
	charges := []Charge{{Key: dep, Left: 3000}, {Key: "booking:b:update:4", Left: 1500}, {Key: "booking:b:update:4:revert"},
		{Key: applied, Left: 6000}, {Key: aborted, Left: 6000}, {Key: "booking:other:deposit", Left: 100}}
	got := ReliedOn(charges, dep, []string{applied})
	var keys []string
	for _, c := range got {
		keys = append(keys, c.Key)
	}
	want := []string{dep, "booking:b:update:4", applied}
	if len(keys) != len(want) {
		t.Fatalf("relied on %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("relied on %v, want %v", keys, want)
		}
	}
}
