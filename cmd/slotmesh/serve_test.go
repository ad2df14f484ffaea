package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServeRenamedService: `serve bookings` (the query service's name before
// ADR 0022) still names bookingquery, with a deprecation warning; the bad
// configuration then stops it before it connects anywhere.
func TestServeRenamedService(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve", "bookings"}, func(k string) string {
		return map[string]string{"STREAM_REPLICAS": "9"}[k]
	}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), `"bookings" is deprecated, use "bookingquery"`) || !strings.Contains(errOut.String(), "STREAM_REPLICAS") {
		t.Fatalf("serve bookings: code %d, stderr %q", code, errOut.String())
	}
}
