package booking

import (
	"strings"
	"testing"
	"time"
)

// TestChangeTTL: an open change is abandoned only once no request can
// still be making it — the default follows a longer call deadline, and a
// shorter setting is refused naming the variable.
func TestChangeTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env     map[string]string
		want    time.Duration
		wantErr string
	}{
		{nil, time.Minute, ""},
		{map[string]string{"CALL_TIMEOUT": "60s"}, 2 * time.Minute, ""},
		{map[string]string{"CHANGE_TTL": "5m"}, 5 * time.Minute, ""},
		{map[string]string{"CHANGE_TTL": "15s"}, 0, "CHANGE_TTL"},
		{map[string]string{"CHANGE_TTL": "soon"}, 0, "CHANGE_TTL"},
	}
	for _, tt := range tests {
		c, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err %v, want one naming %s", tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.ChangeTTL != tt.want {
			t.Errorf("%v: CHANGE_TTL %s (%v), want %s", tt.env, c.ChangeTTL, err, tt.want)
		}
	}
}
