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
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/notification/adapters/logmail"
	"github.com/slotmesh/slotmesh/services/notification/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/notification/adapters/smtp"
	"github.com/slotmesh/slotmesh/services/notification/adapters/webhook"
	"github.com/slotmesh/slotmesh/services/notification/app"
	"github.com/slotmesh/slotmesh/services/notification/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/notification/ports/events"
	"github.com/slotmesh/slotmesh/services/notification/ports/jobs"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running notification service.
type Service struct{ *platform.Running }

// Start connects, migrates, answers on svc.notification.v1.*, joins the
// notification consumer group and starts the sender.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	run, log := platform.NewRunning(notification.Service, log)
	mailer, err := NewMailer(cfg, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: notification.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
	}, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	waker := jobs.NewWaker()
	a := &app.App{
		Store:   postgres.New(deps.Pool),
		Users:   user.NewClient(deps.NC),
		Vendors: vendors.NewClient(deps.NC),
		Mailer:  mailer,
		Poster:  webhook.New(),
		Waker:   waker,
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
	// Stopped last first: the consumer, the sender (sends in flight finish
	// and are recorded), then the endpoints.
	spec := platform.ServiceSpec{Version: Version, Group: notification.Group, Workers: cfg.Workers,
		Description: "booking news by email and signed webhooks; webhook configuration; dead letters and replay"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(platform.StartJob(jobs.Send(a, cfg.PollInterval, cfg.Lease, waker, log), log))
	consumer, err := events.Consume(ctx, a, cfg.Kafka, cfg.Members, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.DeferErr(consumer.Stop)
	log.Info("notification mailer", "mailer", fmt.Sprintf("%T", mailer))
	return &Service{run}, nil
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
