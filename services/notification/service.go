// Package notification is the notification service: a Kafka consumer group
// on the booking topics that records, once per event and channel, an email
// to the booking's user and a signed webhook request to the vendor; a sender
// that delivers them with retries and back-off and keeps what it gave up on
// as dead letters; and a NATS micro service for vendors' webhook
// configuration and the operator's dead-letter list and replay. See
// docs/adr/0011-notification.md.
package notification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	wire "github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/services/notification/adapters/logmail"
	"github.com/slotmesh/slotmesh/services/notification/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/notification/adapters/smtp"
	"github.com/slotmesh/slotmesh/services/notification/adapters/webhook"
	"github.com/slotmesh/slotmesh/services/notification/app"
	"github.com/slotmesh/slotmesh/services/notification/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/notification/ports/events"
	"github.com/slotmesh/slotmesh/services/notification/ports/sender"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running notification service.
type Service struct {
	deps     *platform.Deps
	svcs     platform.Services
	consumer *kafka.Consumer
	sender   *sender.Sender
	log      *slog.Logger
}

// Start connects, migrates, answers on svc.notification.v1.*, joins the
// notification consumer group and starts the sender.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (s *Service, err error) {
	log = log.With(platform.KeyService, wire.Service)
	mailer, err := NewMailer(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("notification: %w", err)
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: wire.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("notification: %w", err)
	}
	s = &Service{deps: deps, sender: sender.New(), log: log}
	defer func() {
		if err != nil {
			_ = s.Stop()
			s = nil
		}
	}()
	a := &app.App{
		Store:   postgres.New(deps.Pool),
		Users:   user.NewClient(deps.NC),
		Vendors: vendors.NewClient(deps.NC),
		Mailer:  mailer,
		Poster:  webhook.New(),
		Waker:   s.sender,
		Options: app.Options{
			MaxAttempts: cfg.MaxAttempts,
			BackoffMin:  cfg.BackoffMin,
			BackoffMax:  cfg.BackoffMax,
			SendTimeout: cfg.SendTimeout,
			Lease:       cfg.Lease,
			Parallel:    cfg.Parallel,

			ReminderBefore: cfg.ReminderBefore,
		},
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() },
	}
	if s.svcs, err = platform.AddServices(deps.NC, platform.ServiceSpec{
		Name:        wire.Service,
		Version:     Version,
		Description: "booking news by email and signed webhooks; webhook configuration; dead letters and replay",
		Group:       wire.Group,
		Endpoints:   endpoints.List(a, platform.EndpointOptions{Log: log, Timeout: cfg.CallTimeout}),
		Instances:   cfg.Instances,
	}); err != nil {
		return nil, fmt.Errorf("notification: %w", err)
	}
	if s.consumer, err = events.Consume(ctx, a, cfg.Kafka, cfg.Members, log); err != nil {
		return nil, fmt.Errorf("notification: %w", err)
	}
	s.sender.Start(a, cfg.PollInterval, log)
	log.Info("notification service started", "instances", len(s.svcs), "mailer", fmt.Sprintf("%T", mailer))
	return s, nil
}

// NewMailer is the email driver cfg names: SMTP when SMTP_URL is set, the
// log otherwise.
func NewMailer(cfg Config, log *slog.Logger) (app.Mailer, error) {
	if cfg.SMTPURL == "" {
		return &logmail.Mailer{From: cfg.From, Log: log}, nil
	}
	return smtp.New(smtp.Config{URL: cfg.SMTPURL, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword,
		From: cfg.From, Timeout: cfg.SendTimeout})
}

// Stop leaves the consumer group, lets sends in flight finish and be
// recorded, stops taking requests and closes.
func (s *Service) Stop() error {
	var errs []error
	if s.consumer != nil {
		errs = append(errs, s.consumer.Stop())
	}
	s.sender.Stop()
	if s.svcs != nil {
		errs = append(errs, s.svcs.Stop())
	}
	s.deps.Close()
	s.log.Info("notification service stopped")
	return errors.Join(errs...)
}
