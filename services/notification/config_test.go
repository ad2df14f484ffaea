package notification_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/notification"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := notification.ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPURL != "" || c.From != notification.DefaultFrom || c.MaxAttempts != 8 || c.BackoffMin != 2*time.Second ||
		c.BackoffMax != 15*time.Minute || len(c.Kafka.Brokers) != 1 || c.ReminderBefore != 24*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SMTP_URL":               "http://mail.example",
		"SMTP_USERNAME":          "me",
		"NOTIFY_FROM":            "not an address",
		"NOTIFY_MAX_ATTEMPTS":    "0",
		"NOTIFY_BACKOFF_MIN":     "soon",
		"NOTIFY_LEASE":           "1s",
		"NOTIFY_REMINDER_BEFORE": "5s",
	}
	_, err := notification.ConfigFromEnv(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("want errors")
	}
	for _, name := range []string{"SMTP_URL", "SMTP_PASSWORD", "NOTIFY_FROM", "NOTIFY_MAX_ATTEMPTS", "NOTIFY_BACKOFF_MIN", "NOTIFY_LEASE", "NOTIFY_REMINDER_BEFORE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("no problem reported for %s in:\n%v", name, err)
		}
	}
}
