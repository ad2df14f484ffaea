package notification_test

import (
	"errors"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/notification"
)

func TestSignVerify(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_760_000_000, 0)
	body := []byte(`{"event_id":"e1"}`)
	good := notification.Sign("s3cret", at, body)
	if want := "t=1760000000,v1="; good[:len(want)] != want || len(good) != len(want)+64 {
		t.Fatalf("header shape: %q", good)
	}
	for _, tc := range []struct {
		name      string
		secret    string
		header    string
		body      string
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"valid", "s3cret", good, string(body), at, 5 * time.Minute, nil},
		{"valid, no tolerance check", "s3cret", good, string(body), at.Add(48 * time.Hour), 0, nil},
		{"second v1 matches (rotation)", "s3cret", "t=1760000000,v1=00ff," + good[len("t=1760000000,"):], string(body), at, time.Minute, nil},
		{"other secret", "other", good, string(body), at, time.Minute, notification.ErrSignatureMismatch},
		{"body changed", "s3cret", good, `{"event_id":"e2"}`, at, time.Minute, notification.ErrSignatureMismatch},
		{"timestamp changed", "s3cret", "t=1760000001" + good[len("t=1760000000"):], string(body), at, time.Minute, notification.ErrSignatureMismatch},
		{"too old", "s3cret", good, string(body), at.Add(6 * time.Minute), 5 * time.Minute, notification.ErrSignatureTooOld},
		{"from the future", "s3cret", good, string(body), at.Add(-6 * time.Minute), 5 * time.Minute, notification.ErrSignatureTooOld},
		{"no v1", "s3cret", "t=1760000000", string(body), at, time.Minute, notification.ErrBadSignatureHeader},
		{"no t", "s3cret", good[len("t=1760000000,"):], string(body), at, time.Minute, notification.ErrBadSignatureHeader},
		{"garbage", "s3cret", "nonsense", string(body), at, time.Minute, notification.ErrBadSignatureHeader},
		{"v1 not hex", "s3cret", "t=1760000000,v1=zz", string(body), at, time.Minute, notification.ErrBadSignatureHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := notification.Verify(tc.secret, tc.header, []byte(tc.body), tc.now, tc.tolerance); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}
