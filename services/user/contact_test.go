package user_test

import (
	"context"
	"testing"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/user"
)

// TestContact: svc.user.v1.contact answers a user's email and name without
// an actor (service to service), and not_found / invalid_input otherwise.
func TestContact(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := context.Background()
	u, err := e.client.SignUp(ctx, user.SignUpRequest{Email: "Bea@Example.com", Password: "correct horse", Name: "Bea"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read comes from the cache
		c, err := e.client.Contact(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c != (user.Contact{ID: u.ID, Email: "bea@example.com", Name: "Bea"}) {
			t.Fatalf("contact: %+v", c)
		}
	}
	for _, tc := range []struct {
		id   string
		want apperr.Code
	}{
		{"01900000-0000-7000-8000-000000000000", apperr.NotFound},
		{"not-a-uuid", apperr.NotFound},
		{"", apperr.InvalidInput},
	} {
		if _, err := e.client.Contact(ctx, tc.id); apperr.CodeOf(err) != tc.want {
			t.Errorf("contact %q: want %s, got %v", tc.id, tc.want, err)
		}
	}
}
