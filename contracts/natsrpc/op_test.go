package natsrpc_test

import (
	"testing"

	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

func TestOp(t *testing.T) {
	t.Parallel()
	op := natsrpc.NewOp[struct{}, struct{}]("svc.x.v1", "charge")
	if op.Subject() != "svc.x.v1.charge" || op.Group() != "svc.x.v1" || op.Name() != "charge" {
		t.Fatalf("op = %q %q %q", op.Group(), op.Name(), op.Subject())
	}
	for _, c := range []struct{ group, name string }{
		{"svc.x.v1", "a.b"}, {"svc.x.v1", ""}, {"", "a"}, {"svc.x.v1", "a b"}, {"svc.x.v1", ">"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewOp(%q, %q) did not panic", c.group, c.name)
				}
			}()
			natsrpc.NewOp[struct{}, struct{}](c.group, c.name)
		}()
	}
}
