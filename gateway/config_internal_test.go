package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/gateway/ratelimit"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := ConfigFromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.RequestTimeout != 10*time.Second || c.StreamTimeout != 10*time.Minute || c.MaxBodyBytes != 8<<20 ||
		len(c.Services) != len(DefaultConfig().Services) {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Rate.Login != (ratelimit.Rate{N: 20, Per: time.Minute}) || c.Rate.LoginFails != (ratelimit.Rate{N: 10, Per: time.Hour}) ||
		c.Rate.SignUp != (ratelimit.Rate{N: 20, Per: time.Hour}) || c.Rate.Book != (ratelimit.Rate{N: 10, Per: time.Minute}) ||
		c.Rate.BookIP != (ratelimit.Rate{N: 60, Per: time.Minute}) || c.RedisURL != "redis://127.0.0.1:6379/0" || len(c.Rate.TrustedProxies) != 0 {
		t.Fatalf("defaults: %+v %q", c.Rate, c.RedisURL)
	}
	c, err = ConfigFromEnv(env(map[string]string{"HTTP_ADDR": "127.0.0.1:0", "REQUEST_TIMEOUT": "60s", "STREAM_TIMEOUT": "1m",
		"MAX_BODY_BYTES": "1048576", "RATE_LOGIN_PER_MIN": "3", "RATE_LOGIN_FAILS_PER_HOUR": "5", "RATE_SIGNUP_PER_HOUR": "0",
		"RATE_BOOK_PER_MIN": "2", "RATE_BOOK_IP_PER_MIN": "9", "TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1",
		"REDIS_URL": "redis://r:6379/2", "REDIS_PREFIX": "p:"}))
	if err != nil || c.Addr != "127.0.0.1:0" || c.RequestTimeout != time.Minute || c.StreamTimeout != time.Minute || c.MaxBodyBytes != 1<<20 ||
		c.Rate.Login.N != 3 || c.Rate.LoginFails.N != 5 || c.Rate.SignUp.N != 0 || c.Rate.Book.N != 2 || c.Rate.BookIP.N != 9 ||
		len(c.Rate.TrustedProxies) != 2 || c.RedisURL != "redis://r:6379/2" || c.RedisPrefix != "p:" {
		t.Fatalf("set: %+v %v", c, err)
	}
	if c, err := ConfigFromEnv(env(map[string]string{"RATE_LIMITS": "off", "REDIS_URL": "redis://r:6379/2"})); err != nil || c.RedisURL != "" {
		t.Fatalf("off: %q %v", c.RedisURL, err)
	}
	// Every problem at once, each naming its variable.
	_, err = ConfigFromEnv(env(map[string]string{"RATE_LOGIN_PER_MIN": "-1", "RATE_BOOK_PER_MIN": "x", "RATE_BOOK_IP_PER_MIN": "1000001",
		"TRUSTED_PROXIES": "10.0.0.0/33", "RATE_LIMITS": "maybe", "HTTP_ADDR": "8080", "REQUEST_TIMEOUT": "0s", "STREAM_TIMEOUT": "soon",
		"MAX_BODY_BYTES": "-5"}))
	for _, name := range []string{"RATE_LOGIN_PER_MIN", "RATE_BOOK_PER_MIN", "RATE_BOOK_IP_PER_MIN", "TRUSTED_PROXIES", "RATE_LIMITS",
		"HTTP_ADDR", "REQUEST_TIMEOUT", "STREAM_TIMEOUT", "MAX_BODY_BYTES"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
	if _, err := ConfigFromEnv(env(map[string]string{"REDIS_URL": "mysql://x"})); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("a bad REDIS_URL: %v", err)
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig: %v", err)
	}
}
