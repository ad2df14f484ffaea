package rolecache

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRole(t *testing.T) {
	t.Parallel()
	errDown := errors.New("vendor service down")
	type step struct {
		after    time.Duration // clock advance before the call
		answer   string        // what the lookup says now
		err      error
		want     string
		wantCall bool // the lookup was asked
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a role is remembered within the TTL", []step{
			{answer: "owner", want: "owner", wantCall: true},
			{after: 29 * time.Second, answer: "", want: "owner"},
		}},
		{"a role is asked again after the TTL", []step{
			{answer: "manager", want: "manager", wantCall: true},
			{after: 31 * time.Second, answer: "manager", want: "manager", wantCall: true},
		}},
		{"no role is never remembered: a manager just added gets in at once", []step{
			{answer: "", want: "", wantCall: true},
			{answer: "manager", want: "manager", wantCall: true},
			{answer: "", want: "manager"},
		}},
		{"an error is passed on and not remembered", []step{
			{err: errDown, want: "", wantCall: true},
			{answer: "owner", want: "owner", wantCall: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := time.Unix(1_700_000_000, 0)
			var answer string
			var err error
			called := false
			c := &Cache{Now: func() time.Time { return now }}
			lookup := func(_ context.Context, v, u string) (string, error) {
				if v != "v1" || u != "u1" {
					t.Fatalf("lookup of %s/%s", v, u)
				}
				called = true
				return answer, err
			}
			for i, s := range tt.steps {
				now = now.Add(s.after)
				answer, err, called = s.answer, s.err, false
				got, gotErr := c.Role(context.Background(), "v1", "u1", lookup)
				if got != s.want || called != s.wantCall || !errors.Is(gotErr, s.err) {
					t.Fatalf("step %d: role %q (want %q), asked %v (want %v), err %v (want %v)", i, got, s.want, called, s.wantCall, gotErr, s.err)
				}
			}
		})
	}
}

func TestRoleKeysByVendorAndUser(t *testing.T) {
	t.Parallel()
	var c Cache
	lookup := func(_ context.Context, v, u string) (string, error) {
		if v == "v1" && u == "u1" {
			return "owner", nil
		}
		return "", nil
	}
	ctx := context.Background()
	if r, _ := c.Role(ctx, "v1", "u1", lookup); r != "owner" {
		t.Fatalf("v1/u1: %q", r)
	}
	for _, k := range [][2]string{{"v1", "u2"}, {"v2", "u1"}} {
		if r, _ := c.Role(ctx, k[0], k[1], lookup); r != "" {
			t.Fatalf("%v: %q, want none", k, r)
		}
	}
}
