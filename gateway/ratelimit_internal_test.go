package gateway

import (
	"strings"
	"testing"
	"time"
)

func TestRateClientKey(t *testing.T) {
	t.Parallel()
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 127.0.0.1 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote, xff string
		trusted           bool
		want              string
	}{
		{"peer", "198.51.100.1:5000", "", true, "198.51.100.1"},
		{"untrusted peer's XFF is ignored", "198.51.100.1:5000", "203.0.113.5", true, "198.51.100.1"},
		{"no proxies configured", "127.0.0.1:5000", "203.0.113.5", false, "127.0.0.1"},
		{"trusted peer names the client", "10.1.2.3:5000", "203.0.113.5", true, "203.0.113.5"},
		{"right-most untrusted hop", "10.1.2.3:5000", "1.1.1.1, 203.0.113.5, 10.4.4.4", true, "203.0.113.5"},
		{"garbage hop stops the walk", "10.1.2.3:5000", "203.0.113.5, nonsense", true, "10.1.2.3"},
		{"all hops trusted", "10.1.2.3:5000", "10.7.7.7", true, "10.7.7.7"},
		{"IPv4-mapped IPv6", "[::ffff:198.51.100.1]:5000", "", true, "198.51.100.1"},
		{"IPv6 by /64", "[2001:db8:1:2:3:4:5:6]:5000", "", true, "2001:db8:1:2::/64"},
		{"IPv6 via XFF by /64", "[::1]:5000", "2001:db8:1:2::99", true, "2001:db8:1:2::/64"},
		{"no port", "198.51.100.1", "", true, "198.51.100.1"},
		{"not an address", "pipe", "", true, "unknown"},
	}
	for _, tc := range cases {
		tr := trusted
		if !tc.trusted {
			tr = nil
		}
		if got := clientKey(tc.remote, tc.xff, tr); got != tc.want {
			t.Errorf("%s: clientKey(%q, %q) = %q, want %q", tc.name, tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestRateLimitsFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c := DefaultConfig()
	if err := c.LimitsFromEnv(env(nil)); err != nil {
		t.Fatal(err)
	}
	if c.Rate.Login != (Rate{20, time.Minute}) || c.Rate.SignUp != (Rate{20, time.Hour}) || c.Rate.Book != (Rate{10, time.Minute}) ||
		c.Rate.BookIP != (Rate{60, time.Minute}) || c.RedisURL != "redis://127.0.0.1:6379/0" || len(c.Rate.TrustedProxies) != 0 {
		t.Fatalf("defaults: %+v %q", c.Rate, c.RedisURL)
	}
	c = DefaultConfig()
	err := c.LimitsFromEnv(env(map[string]string{"RATE_LOGIN_PER_MIN": "3", "RATE_SIGNUP_PER_HOUR": "0", "RATE_BOOK_PER_MIN": "2",
		"RATE_BOOK_IP_PER_MIN": "9", "TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1", "REDIS_URL": "redis://r:6379/2", "REDIS_PREFIX": "p:"}))
	if err != nil || c.Rate.Login.N != 3 || c.Rate.SignUp.N != 0 || c.Rate.Book.N != 2 || c.Rate.BookIP.N != 9 ||
		len(c.Rate.TrustedProxies) != 2 || c.RedisURL != "redis://r:6379/2" || c.RedisPrefix != "p:" {
		t.Fatalf("set: %+v %q %q %v", c.Rate, c.RedisURL, c.RedisPrefix, err)
	}
	c = DefaultConfig()
	if err := c.LimitsFromEnv(env(map[string]string{"RATE_LIMITS": "off"})); err != nil || c.RedisURL != "" {
		t.Fatalf("off: %q %v", c.RedisURL, err)
	}
	c = DefaultConfig()
	err = c.LimitsFromEnv(env(map[string]string{"RATE_LOGIN_PER_MIN": "-1", "RATE_BOOK_PER_MIN": "x", "TRUSTED_PROXIES": "10.0.0.0/33",
		"RATE_LIMITS": "maybe"}))
	for _, name := range []string{"RATE_LOGIN_PER_MIN", "RATE_BOOK_PER_MIN", "TRUSTED_PROXIES", "RATE_LIMITS"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}
