// Package payment is the payment service: deposits (charges), refunds and
// voids, each idempotent by key, in a ledger in paymentdb; provider calls
// (the built-in simulator or Stripe) outside any transaction; events for
// every outcome through the outbox to PAYMENT_EVENTS; and a reconciler that
// settles what a provider left unanswered, so no voided key keeps money.
package payment

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/payment/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/payment/adapters/sim"
	"github.com/slotmesh/slotmesh/services/payment/adapters/stripe"
	"github.com/slotmesh/slotmesh/services/payment/app"
	"github.com/slotmesh/slotmesh/services/payment/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/payment/ports/jobs"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running payment service.
type Service struct {
	*platform.Running
	app *app.App
}

// Start connects, migrates, begins answering on svc.payment.v1.* and starts
// the reconciler, with the provider cfg names.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	return StartWithProvider(ctx, cfg, log, NewProvider(cfg))
}

// StartWithProvider is Start with a given provider (tests: a provider that
// loses answers, or a shared simulator).
func StartWithProvider(ctx context.Context, cfg Config, log *slog.Logger, provider app.Provider) (*Service, error) {
	run, log := platform.NewRunning(payment.Service, log)
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: payment.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
		Stream:  &contracts.StreamPayment,
	}, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	a := NewApp(deps, cfg, provider)
	run.Defer(platform.StartJob(jobs.Reconcile(a, cfg.ReconcileInterval, a.Options.ProviderTimeout, log), log))
	log.Info("payment provider", "provider", fmt.Sprintf("%T", provider))
	spec := platform.ServiceSpec{Version: Version, Group: payment.Group, Workers: cfg.Workers,
		Description: "deposits, refunds and voids, idempotent by key, in a ledger"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	return &Service{Running: run, app: a}, nil
}

// NewApp wires the application layer on open dependencies.
func NewApp(deps *platform.Deps, cfg Config, provider app.Provider) *app.App {
	return &app.App{
		Repo:     postgres.New(deps.Pool),
		Provider: provider,
		Relay:    deps.Relay,
		Options: app.Options{
			Lease:           max(cfg.ReconcileGrace, cfg.CallTimeout),
			ProviderTimeout: cfg.CallTimeout,
			MaxAttempts:     cfg.MaxAttempts,
		},
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() },
	}
}

// NewProvider is the payment provider cfg names.
func NewProvider(cfg Config) app.Provider {
	if cfg.Provider == ProviderStripe {
		return stripe.New(stripe.Config{Key: cfg.StripeKey, BaseURL: cfg.StripeBase})
	}
	return sim.New()
}

// Provider is the service's payment provider (tests read the simulator's
// counters through it).
func (s *Service) Provider() app.Provider { return s.app.Provider }
