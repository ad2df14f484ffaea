package payment_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/payment"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := payment.ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Provider != payment.ProviderSim || c.ReconcileInterval != 5*time.Second || c.ReconcileGrace != 10*time.Second ||
		c.MaxAttempts != 5 || c.Workers != platform.DefaultWorkers || c.StripeBase != "https://api.stripe.com" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"PAYMENT_PROVIDER":           "stripe",
		"STRIPE_API_BASE":            "not a url",
		"PAYMENT_RECONCILE_INTERVAL": "soon",
		"PAYMENT_RECONCILE_GRACE":    "1ns",
		"PAYMENT_MAX_ATTEMPTS":       "0",
		"SERVICE_WORKERS":            "0",
	}
	_, err := payment.ConfigFromEnv(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("accepted")
	}
	for _, name := range []string{"STRIPE_API_KEY", "STRIPE_API_BASE", "PAYMENT_RECONCILE_INTERVAL", "PAYMENT_RECONCILE_GRACE",
		"PAYMENT_MAX_ATTEMPTS", "SERVICE_WORKERS"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("no word about %s in %v", name, err)
		}
	}
	env = map[string]string{"PAYMENT_PROVIDER": "paypal"}
	if _, err := payment.ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "PAYMENT_PROVIDER") {
		t.Fatalf("unknown provider: %v", err)
	}
	env = map[string]string{"PAYMENT_PROVIDER": "stripe", "STRIPE_API_KEY": "sk_test_x", "STRIPE_API_BASE": "http://127.0.0.1:12111"}
	if _, err := payment.ConfigFromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("stripe-mock config: %v", err)
	}
}
