package notification

import (
	"errors"
	"fmt"
	"net/mail"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/services/notification/adapters/smtp"
)

// DefaultFrom is the sender of every email unless NOTIFY_FROM says otherwise.
const DefaultFrom = "slotmesh <no-reply@slotmesh.local>"

// Config of the notification service.
type Config struct {
	platform.Config
	Kafka        kafka.Config
	Workers      int           // SERVICE_WORKERS: concurrent handlers per process (ADR 0021)
	Members      int           // NOTIFY_KAFKA_MEMBERS: consumer-group members per process
	SMTPURL      string        // SMTP_URL: smtp://host:port (STARTTLS when offered) or smtps://host:port; empty: the log driver
	SMTPUsername string        // SMTP_USERNAME: optional
	SMTPPassword string        // SMTP_PASSWORD: optional (secret: never logged)
	From         string        // NOTIFY_FROM: the From of every email
	MaxAttempts  int           // NOTIFY_MAX_ATTEMPTS: attempts before a delivery is dead
	BackoffMin   time.Duration // NOTIFY_BACKOFF_MIN: wait after the first failed attempt
	BackoffMax   time.Duration // NOTIFY_BACKOFF_MAX: longest wait between attempts
	SendTimeout  time.Duration // NOTIFY_SEND_TIMEOUT: one SMTP or webhook attempt
	Lease        time.Duration // NOTIFY_LEASE: how long a claimed delivery is kept from other replicas (>= 2 x send timeout)
	PollInterval time.Duration // NOTIFY_POLL_INTERVAL: how often the sender looks for due retries
	Parallel     int           // NOTIFY_PARALLEL: sends at once per process
	// ReminderBefore (NOTIFY_REMINDER_BEFORE) schedules a reminder email this
	// long before a confirmed booking starts; 0 turns reminders off.
	ReminderBefore time.Duration
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	e := platform.Env(getenv)
	c := Config{
		Config:         platform.BaseFromEnv(getenv, &errs),
		Kafka:          kafka.FromEnv(getenv, &errs),
		Workers:        e.Workers("SERVICE_WORKERS", "SERVICE_INSTANCES", platform.DefaultWorkers, &errs),
		Members:        e.Int("NOTIFY_KAFKA_MEMBERS", 1, &errs),
		SMTPURL:        e.Str("SMTP_URL", ""),
		SMTPUsername:   e.Str("SMTP_USERNAME", ""),
		SMTPPassword:   e.Str("SMTP_PASSWORD", ""),
		From:           e.Str("NOTIFY_FROM", DefaultFrom),
		MaxAttempts:    e.Int("NOTIFY_MAX_ATTEMPTS", 8, &errs),
		BackoffMin:     e.Duration("NOTIFY_BACKOFF_MIN", 2*time.Second, &errs),
		BackoffMax:     e.Duration("NOTIFY_BACKOFF_MAX", 15*time.Minute, &errs),
		SendTimeout:    e.Duration("NOTIFY_SEND_TIMEOUT", 15*time.Second, &errs),
		Lease:          e.Duration("NOTIFY_LEASE", time.Minute, &errs),
		PollInterval:   e.Duration("NOTIFY_POLL_INTERVAL", time.Second, &errs),
		Parallel:       e.Int("NOTIFY_PARALLEL", 8, &errs),
		ReminderBefore: e.Duration("NOTIFY_REMINDER_BEFORE", 24*time.Hour, &errs),
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate(), c.Kafka.Validate()}
	if c.Workers < 1 || c.Workers > platform.MaxWorkers {
		errs = append(errs, fmt.Errorf("SERVICE_WORKERS: %d not in 1..%d", c.Workers, platform.MaxWorkers))
	}
	if c.Members < 1 || c.Members > 64 {
		errs = append(errs, fmt.Errorf("NOTIFY_KAFKA_MEMBERS: %d not in 1..64", c.Members))
	}
	if c.SMTPURL != "" {
		if _, _, _, err := smtp.ParseURL(c.SMTPURL); err != nil {
			errs = append(errs, err)
		}
	}
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		errs = append(errs, errors.New("SMTP_USERNAME and SMTP_PASSWORD: set both or neither"))
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("NOTIFY_FROM: not an address: %q", c.From))
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 100 {
		errs = append(errs, fmt.Errorf("NOTIFY_MAX_ATTEMPTS: %d not in 1..100", c.MaxAttempts))
	}
	if c.BackoffMin < time.Millisecond || c.BackoffMin > time.Hour {
		errs = append(errs, fmt.Errorf("NOTIFY_BACKOFF_MIN: %s not in 1ms..1h", c.BackoffMin))
	}
	if c.BackoffMax < c.BackoffMin || c.BackoffMax > 24*time.Hour {
		errs = append(errs, fmt.Errorf("NOTIFY_BACKOFF_MAX: %s not in NOTIFY_BACKOFF_MIN..24h", c.BackoffMax))
	}
	if c.SendTimeout < 100*time.Millisecond || c.SendTimeout > 5*time.Minute {
		errs = append(errs, fmt.Errorf("NOTIFY_SEND_TIMEOUT: %s not in 100ms..5m", c.SendTimeout))
	}
	if c.Lease < 2*c.SendTimeout || c.Lease > time.Hour {
		errs = append(errs, fmt.Errorf("NOTIFY_LEASE: %s not in 2 x NOTIFY_SEND_TIMEOUT..1h", c.Lease))
	}
	if c.PollInterval < 10*time.Millisecond || c.PollInterval > time.Minute {
		errs = append(errs, fmt.Errorf("NOTIFY_POLL_INTERVAL: %s not in 10ms..1m", c.PollInterval))
	}
	if c.Parallel < 1 || c.Parallel > 256 {
		errs = append(errs, fmt.Errorf("NOTIFY_PARALLEL: %d not in 1..256", c.Parallel))
	}
	if c.ReminderBefore != 0 && (c.ReminderBefore < time.Minute || c.ReminderBefore > 30*24*time.Hour) {
		errs = append(errs, fmt.Errorf("NOTIFY_REMINDER_BEFORE: %s not 0 (off) or in 1m..720h", c.ReminderBefore))
	}
	return errors.Join(errs...)
}
