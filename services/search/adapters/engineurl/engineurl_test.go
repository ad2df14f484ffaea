package engineurl_test

import (
	"testing"

	"github.com/slotmesh/slotmesh/services/search/adapters/engineurl"
)

func TestParse(t *testing.T) {
	t.Parallel()
	httpS, httpsS := []string{"x+http", "http"}, []string{"x+https", "https"}
	for _, tc := range []struct {
		raw, index, base, want string
		bad                    bool
	}{
		{raw: "x+https://h:9200/shops", base: "https://h:9200", want: "shops"},
		{raw: "X+HTTP://h:9200", base: "http://h:9200", want: "vendors"},
		{raw: "https://h/", index: "mine", base: "https://h", want: "mine"},
		{raw: "http://h/shops", index: "shops", base: "http://h", want: "shops"},
		{raw: "http://h/shops", index: "other", bad: true},
		{raw: "y+http://h", bad: true},
		{raw: "http://u:p@h", bad: true},
		{raw: "http:///vendors", bad: true},
		{raw: "::", bad: true},
	} {
		u, index, err := engineurl.Parse("x", tc.raw, tc.index, "vendors", httpS, httpsS)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: no error", tc.raw)
			}
			continue
		}
		if err != nil || u.String() != tc.base || index != tc.want {
			t.Errorf("%q: %v %q %v; want %q %q", tc.raw, u, index, err, tc.base, tc.want)
		}
	}
}
