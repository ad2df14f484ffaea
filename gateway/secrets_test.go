package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/services/mesh"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// TestSecretsStayOutOfLogs runs the whole mesh with every log line at debug
// level going to a buffer (not testenv.StartAll: it logs to t), with a
// Stripe key (stripe-mock) and a search engine key in the config, then signs
// up and logs in with a password, uses the token, sets a webhook, books with
// a deposit charged through Stripe and lets the webhook be delivered, signed
// with its secret. None of those secrets may appear in any log line.
func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	stripeKey := "sk_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	searchKey := "search-key-" + uuid.NewString()
	n, r, k, mail := testenv.StartNATS(t), testenv.StartRedis(t), testenv.StartKafka(t), testenv.StartSMTP(t)
	vars := map[string]string{
		"KAFKA_BROKERS": k.Addr, "KAFKA_PARTITIONS": "3", "NATS_URL": n.URL, "PG_URL": testenv.Postgres(t),
		"REDIS_URL": r.URL, "REDIS_PREFIX": r.Prefix, "JWT_PRIVATE_KEY_FILE": t.TempDir() + "/jwt.pem", "JWT_GENERATE_KEY": "true",
		"ARGON2_MEMORY_KIB": "1024", "ARGON2_TIME": "1", "LOG_LEVEL": "debug", "SMTP_URL": mail.URL(),
		"NOTIFY_BACKOFF_MIN": "50ms", "NOTIFY_BACKOFF_MAX": "1s", "NOTIFY_POLL_INTERVAL": "50ms",
		"PAYMENT_PROVIDER": "stripe", "STRIPE_API_KEY": stripeKey, "STRIPE_API_BASE": testenv.StartStripeMock(t),
		"SEARCH_API_KEY": searchKey,
	}
	cfg, err := mesh.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	m, err := mesh.Start(context.Background(), cfg, mesh.NewLogger(&logs, "debug", "json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Gateway)
	t.Cleanup(func() {
		srv.Close()
		m.Stop()
	})
	c := client{t, srv.URL}

	// A webhook receiver, to know when a signed delivery happened.
	var delivered atomic.Int32
	var signature atomic.Value
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		signature.Store(r.Header.Get("Slotmesh-Signature"))
		delivered.Add(1)
	}))
	t.Cleanup(hook.Close)

	password := "pw-" + uuid.NewString()
	st, raw := c.do("POST", "/v1/users", "", map[string]any{"email": "secret@example.com", "password": password, "name": "S"})
	if st != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", st, raw)
	}
	st, raw = c.do("POST", "/v1/sessions", "", map[string]any{"email": "secret@example.com", "password": password})
	var sess struct {
		Token string `json:"token"`
	}
	if st != http.StatusOK || json.Unmarshal(raw, &sess) != nil || sess.Token == "" {
		t.Fatalf("login: %d %s", st, raw)
	}
	c.do("POST", "/v1/sessions", "", map[string]any{"email": "secret@example.com", "password": password + "-wrong"})
	c.do("GET", "/v1/users/me", sess.Token+"x", nil) // a bad token is not logged either
	v := onboard(t, c, sess.Token, allWeek(1500))
	addUnits(t, c, sess.Token, v.ID, newUnits("S", 2))
	st, raw = c.do("PUT", "/v1/vendors/"+v.ID+"/webhook", sess.Token, map[string]any{"url": hook.URL + "/hook"})
	var wh struct {
		Secret string `json:"secret"`
	}
	if st != http.StatusOK || json.Unmarshal(raw, &wh) != nil || wh.Secret == "" {
		t.Fatalf("webhook: %d %s", st, raw)
	}
	st, raw = c.book(sess.Token, "secret-1", bookingBody(v.ID, slotAt(3, 19, 0), 2))
	if b := wantBooking(t, http.StatusCreated, st, raw); b.Deposit.Status != "charged" {
		t.Fatalf("deposit not charged through Stripe: %s", raw)
	}
	poll.Eventually(t, 20*time.Second, "the webhook delivered", func() error {
		if delivered.Load() == 0 {
			return errors.New("no webhook request yet")
		}
		return nil
	})

	out := logs.String()
	// Enough lines to judge, debug ones among them (about 18 with the
	// redelivery-free consumers: no log line is guaranteed beyond these).
	if strings.Count(out, "\n") < 10 || !strings.Contains(out, `"level":"DEBUG"`) {
		t.Fatalf("too few log lines to judge (%d), or no debug lines", strings.Count(out, "\n"))
	}
	parts := strings.Split(sess.Token, ".")
	sig, _ := signature.Load().(string)
	_, mac, _ := strings.Cut(sig, "v1=")
	for name, secret := range map[string]string{
		"password": password, "token": sess.Token, "token signature": parts[len(parts)-1],
		"webhook secret": wh.Secret, "webhook signature": mac, "Stripe key": stripeKey, "search key": searchKey,
		"password hash": "$argon2id$",
	} {
		if secret == "" {
			t.Fatalf("%s: nothing to look for", name)
		}
		if i := strings.Index(out, secret); i >= 0 {
			start := strings.LastIndex(out[:i], "\n") + 1
			end := strings.Index(out[i:], "\n")
			if end < 0 {
				end = len(out) - i
			}
			t.Errorf("the %s is in the logs: %.600s", name, out[start:i+end])
		}
	}
}
