package gateway

import "testing"

func TestRateClientKey(t *testing.T) {
	t.Parallel()
	trusted, err := parseTrustedProxies("10.0.0.0/8, 127.0.0.1 ,::1")
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
