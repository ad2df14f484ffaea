// Package user is the user service: sign-up, login (EdDSA JWTs), profiles.
// userdb in Postgres, userdata_cache in Redis, events through the outbox to
// USER_EVENTS. It is the reference every other service copies.
package user

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/user/adapters/argon"
	"github.com/slotmesh/slotmesh/services/user/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/user/adapters/redis"
	"github.com/slotmesh/slotmesh/services/user/adapters/token"
	"github.com/slotmesh/slotmesh/services/user/app"
	"github.com/slotmesh/slotmesh/services/user/ports/endpoints"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running user service.
type Service struct{ *platform.Running }

// Start connects, migrates and begins answering on svc.user.v1.*.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	run, log := platform.NewRunning(user.Service, log)
	key, err := token.LoadOrCreate(cfg.JWTKeyFile, cfg.JWTGenerateKey)
	if err != nil {
		return nil, run.Fail(err)
	}
	var verify []ed25519.PublicKey
	for _, f := range cfg.JWTVerifyKeys {
		k, err := token.LoadPublic(f)
		if err != nil {
			return nil, run.Fail(fmt.Errorf("JWT_VERIFY_KEY_FILES: %w", err))
		}
		verify = append(verify, k)
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: user.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
		Stream:  &contracts.StreamUser,
	}, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	a := &app.App{
		Repo:   postgres.New(deps.Pool),
		Cache:  redis.New(deps.Cache, log),
		Hasher: argon.New(argon.Params{MemoryKiB: uint32(cfg.ArgonMemoryKiB), Time: uint32(cfg.ArgonTime), Threads: 1}),
		Tokens: token.New(key, cfg.TokenTTL, verify...),
		Relay:  deps.Relay,
		NewID:  func() string { return uuid.Must(uuid.NewV7()).String() },
	}
	spec := platform.ServiceSpec{Version: Version, Group: user.Group, Workers: cfg.Workers,
		Description: "users, credentials and profiles"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	return &Service{run}, nil
}
