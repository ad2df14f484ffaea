package main

import (
	"slices"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	const m = "github.com/slotmesh/slotmesh"
	tests := []struct {
		name    string
		pkg     string
		imports []string
		want    []string // the offending imports, in order
	}{
		// contracts
		{"contracts use contracts and the world", m + "/contracts/booking",
			[]string{m + "/contracts/natsrpc", m + "/contracts", "github.com/nats-io/nats.go", "net/http"}, nil},
		{"contracts root uses apperr", m + "/contracts", []string{m + "/contracts/apperr"}, nil},
		{"contracts import a service", m + "/contracts/booking",
			[]string{m + "/contracts/apperr", m + "/services/booking/domain"}, []string{m + "/services/booking/domain"}},
		{"contracts import the platform", m + "/contracts/natsrpc",
			[]string{m + "/services/internal/platform"}, []string{m + "/services/internal/platform"}},
		{"contracts import the gateway", m + "/contracts/user", []string{m + "/gateway"}, []string{m + "/gateway"}},

		// gateway
		{"gateway uses contracts", m + "/gateway",
			[]string{m + "/contracts/booking", m + "/contracts/apperr", "net/http"}, nil},
		{"gateway imports a service", m + "/gateway",
			[]string{m + "/contracts/user", m + "/services/user"}, []string{m + "/services/user"}},
		{"gateway subpackage imports the platform", m + "/gateway/auth",
			[]string{m + "/services/internal/platform"}, []string{m + "/services/internal/platform"}},

		// services
		{"service uses itself, contracts, platform", m + "/services/booking",
			[]string{m + "/services/booking/app", m + "/services/booking/adapters/postgres", m + "/services/booking/ports/endpoints",
				m + "/contracts/payment", m + "/services/internal/platform"}, nil},
		{"service imports another service", m + "/services/booking/app/command",
			[]string{m + "/services/payment/app", m + "/contracts/payment"}, []string{m + "/services/payment/app"}},
		{"service imports another service root", m + "/services/search/ports/events",
			[]string{m + "/services/vendor"}, []string{m + "/services/vendor"}},
		{"platform uses platform", m + "/services/internal/platform/outbox",
			[]string{m + "/services/internal/platform", m + "/contracts"}, nil},
		{"platform imports a service", m + "/services/internal/platform",
			[]string{m + "/services/booking/domain"}, []string{m + "/services/booking/domain"}},
		{"services root wires services", m + "/services",
			[]string{m + "/services/booking", m + "/services/user"}, nil},
		{"a name that only starts like a service", m + "/services/book",
			[]string{m + "/services/booking"}, []string{m + "/services/booking"}},

		// layers within a service
		{"app uses domain", m + "/services/booking/app/command",
			[]string{m + "/services/booking/domain", m + "/services/booking/app"}, nil},
		{"adapter uses app and domain", m + "/services/booking/adapters/postgres",
			[]string{m + "/services/booking/app", m + "/services/booking/domain", "github.com/jackc/pgx/v5"}, nil},
		{"ports use app", m + "/services/booking/ports/endpoints",
			[]string{m + "/services/booking/app/query", "github.com/nats-io/nats.go/micro"}, nil},
		{"app imports an adapter", m + "/services/booking/app",
			[]string{m + "/services/booking/adapters/postgres"}, []string{m + "/services/booking/adapters/postgres"}},
		{"app imports ports", m + "/services/booking/app/query",
			[]string{m + "/services/booking/ports/endpoints"}, []string{m + "/services/booking/ports/endpoints"}},

		// domain
		{"domain uses stdlib, contracts, other domain", m + "/services/booking/domain",
			[]string{"time", "errors", m + "/contracts/apperr", m + "/services/booking/domain/slot"}, nil},
		{"domain imports drivers", m + "/services/booking/domain",
			[]string{"time", "github.com/jackc/pgx/v5", "github.com/redis/go-redis/v9", "github.com/nats-io/nats.go",
				"github.com/segmentio/kafka-go", "net/http", "net/http/httptest", "database/sql", "database/sql/driver"},
			[]string{"github.com/jackc/pgx/v5", "github.com/redis/go-redis/v9", "github.com/nats-io/nats.go",
				"github.com/segmentio/kafka-go", "net/http", "net/http/httptest", "database/sql", "database/sql/driver"}},
		{"domain subpackage imports a driver", m + "/services/vendor/domain/hours",
			[]string{"github.com/jackc/pgx/v5/pgtype"}, []string{"github.com/jackc/pgx/v5/pgtype"}},
		{"net/httpx is not net/http", m + "/services/vendor/domain",
			[]string{"net/httpx", "net/url", "database/sqlx"}, nil},
		{"domain imports app, adapters, platform", m + "/services/booking/domain",
			[]string{m + "/services/booking/app", m + "/services/booking/adapters/postgres", m + "/services/internal/platform"},
			[]string{m + "/services/booking/app", m + "/services/booking/adapters/postgres", m + "/services/internal/platform"}},
		{"a domain outside services", m + "/contracts/domain", []string{"net/http"}, []string{"net/http"}},
		{"domainx is not a domain", m + "/services/booking/domainx", []string{"net/http"}, nil},

		// mesh
		{"mesh wires services", m + "/services/mesh",
			[]string{m + "/services/booking", m + "/services/user/adapters/postgres", m + "/services/internal/platform"}, nil},
		{"a service imports mesh", m + "/services/booking/app", []string{m + "/services/mesh"}, []string{m + "/services/mesh"}},

		// testenv
		{"cmd uses testenv", m + "/cmd/slotmesh", []string{m + "/testenv", m + "/services/booking"}, nil},
		{"testenv uses itself and services", m + "/testenv/pgtest",
			[]string{m + "/testenv", m + "/services/booking", m + "/gateway"}, nil},
		{"a service imports testenv", m + "/services/booking/adapters/postgres",
			[]string{m + "/testenv"}, []string{m + "/testenv"}},
		{"the gateway imports testenv", m + "/gateway", []string{m + "/testenv/natstest"}, []string{m + "/testenv/natstest"}},
		{"the root package imports testenv", m, []string{m + "/testenv"}, []string{m + "/testenv"}},
		{"testenvx is not testenv", m + "/services/booking", []string{m + "/testenvx"}, nil},

		// not ours
		{"another module's package", "github.com/other/thing/services/a/domain",
			[]string{"github.com/other/thing/services/b", "net/http"}, nil},
		{"a module sharing our prefix", m + "x/services/a", []string{m + "x/services/b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, v := range Check(m, Package{Path: tt.pkg, Imports: tt.imports, Files: serviceFiles}) {
				if v.Package != tt.pkg || v.Rule == "" {
					t.Errorf("bad violation %+v", v)
				}
				if v.Import != "" { // the shape has its own test
					got = append(got, v.Import)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check(%s, %v)\n got violations for %q\nwant %q", tt.pkg, tt.imports, got, tt.want)
			}
		})
	}
}

func TestViolationString(t *testing.T) {
	t.Parallel()
	v := Check("m", Package{Path: "m/gateway", Imports: []string{"m/services/user"}})
	if len(v) != 1 {
		t.Fatalf("got %d violations, want 1", len(v))
	}
	const want = "m/gateway imports m/services/user: the gateway reaches services only through contracts/"
	if got := v[0].String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestShape(t *testing.T) {
	t.Parallel()
	const m = "github.com/slotmesh/slotmesh"
	tests := []struct {
		name  string
		pkg   string
		files []string
		want  int // shape violations
	}{
		{"a service with its three files", m + "/services/booking", []string{"component.go", "config.go", "service.go", "dues.go"}, 0},
		{"a service without its component", m + "/services/booking", []string{"config.go", "service.go"}, 1},
		{"a service with none of them", m + "/services/newsvc", []string{"newsvc.go"}, 3},
		{"a layer", m + "/services/booking/adapters/postgres", []string{"postgres.go"}, 0},
		{"a package beside the layers", m + "/services/booking/util", []string{"util.go"}, 1},
		{"a package beside the layers, deeper", m + "/services/booking/helpers/x", []string{"x.go"}, 1},
		{"the platform is not a service", m + "/services/internal/platform", []string{"service.go"}, 0},
		{"the mesh is not a service", m + "/services/mesh", []string{"mesh.go"}, 0},
		{"not under services", m + "/gateway", []string{"server.go"}, 0},
		{"a contract with its layout", m + "/contracts/payment", []string{"client.go", "events.go", "messages.go", "subjects.go"}, 0},
		{"a contract in one file", m + "/contracts/payment", []string{"payment.go"}, 3},
		{"a contract without a client", m + "/contracts/search", []string{"messages.go", "subjects.go"}, 1},
		{"the shared error table", m + "/contracts/apperr", []string{"apperr.go"}, 0},
		{"the rpc package", m + "/contracts/natsrpc", []string{"natsrpc.go", "op.go"}, 0},
		{"the contracts root", m + "/contracts", []string{"streams.go", "event.go"}, 0},
	}
	for _, tt := range tests {
		n := 0
		for _, v := range Check(m, Package{Path: tt.pkg, Files: tt.files}) {
			if v.Import == "" {
				n++
				if !strings.Contains(v.String(), tt.pkg+": ") {
					t.Errorf("%s: %q", tt.name, v.String())
				}
			}
		}
		if n != tt.want {
			t.Errorf("%s: %d shape violations, want %d", tt.name, n, tt.want)
		}
	}
}
