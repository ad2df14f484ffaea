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
	wire "github.com/slotmesh/slotmesh/contracts/user"
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
type Service struct {
	deps *platform.Deps
	svcs platform.Services
	log  *slog.Logger
}

// Start connects, migrates and begins answering on svc.user.v1.*.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	log = log.With(platform.KeyService, wire.Service)
	key, err := token.LoadOrCreate(cfg.JWTKeyFile, cfg.JWTGenerateKey)
	if err != nil {
		return nil, err
	}
	var verify []ed25519.PublicKey
	for _, f := range cfg.JWTVerifyKeys {
		k, err := token.LoadPublic(f)
		if err != nil {
			return nil, fmt.Errorf("user: JWT_VERIFY_KEY_FILES: %w", err)
		}
		verify = append(verify, k)
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: wire.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
		Stream:  &contracts.StreamUser,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	a := &app.App{
		Repo:   postgres.New(deps.Pool),
		Cache:  redis.New(deps.Cache, log),
		Hasher: argon.New(argon.Params{MemoryKiB: uint32(cfg.ArgonMemoryKiB), Time: uint32(cfg.ArgonTime), Threads: 1}),
		Tokens: token.New(key, cfg.TokenTTL, verify...),
		Relay:  deps.Relay,
		NewID:  func() string { return uuid.Must(uuid.NewV7()).String() },
	}
	svcs, err := platform.AddServices(deps.NC, platform.ServiceSpec{
		Name:        wire.Service,
		Version:     Version,
		Description: "users, credentials and profiles",
		Group:       wire.Group,
		Endpoints:   endpoints.List(a, platform.EndpointOptions{Log: log, Timeout: cfg.CallTimeout}),
		Instances:   cfg.Instances,
	})
	if err != nil {
		deps.Close()
		return nil, fmt.Errorf("user: %w", err)
	}
	log.Info("user service started", "instances", len(svcs))
	return &Service{deps: deps, svcs: svcs, log: log}, nil
}

// Stop stops taking requests, lets in-flight ones finish, stops the relay and
// closes connections.
func (s *Service) Stop() error {
	err := s.svcs.Stop()
	s.deps.Close()
	s.log.Info("user service stopped")
	return err
}
