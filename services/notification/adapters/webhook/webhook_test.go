package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/notification/adapters/webhook"
	"github.com/slotmesh/slotmesh/services/notification/app"
)

func TestPostClassifiesAnswers(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event_id":"e-1","type":"booking.confirmed"}`)
	at := time.Unix(1_760_000_000, 0)
	for _, tc := range []struct {
		status    int
		ok        bool
		permanent bool
	}{
		{200, true, false},
		{202, true, false},
		{204, true, false},
		{301, false, true}, // redirects are not followed
		{400, false, true},
		{401, false, true},
		{404, false, true},
		{410, false, true},
		{408, false, false},
		{429, false, false},
		{500, false, false},
		{503, false, false},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			var gotSig, gotID, gotCT string
			var gotBody []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotSig, gotID, gotCT = r.Header.Get(notification.HeaderSignature), r.Header.Get(notification.HeaderEventID), r.Header.Get("Content-Type")
				gotBody, _ = io.ReadAll(r.Body)
				if tc.status == 301 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			p := webhook.New()
			p.Now = func() time.Time { return at }
			err := p.Post(context.Background(), srv.URL, "whsec_x", "e-1", body)
			if (err == nil) != tc.ok || app.IsPermanent(err) != tc.permanent {
				t.Fatalf("status %d: err %v (permanent %v)", tc.status, err, app.IsPermanent(err))
			}
			if gotID != "e-1" || gotCT != "application/json" || string(gotBody) != string(body) {
				t.Fatalf("request: id %q, content type %q, body %s", gotID, gotCT, gotBody)
			}
			if err := notification.Verify("whsec_x", gotSig, gotBody, at, time.Minute); err != nil {
				t.Fatalf("signature %q: %v", gotSig, err)
			}
		})
	}
}

func TestPostNetworkErrorIsRetryable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	err := webhook.New().Post(context.Background(), url, "s", "e", []byte("{}"))
	if err == nil || app.IsPermanent(err) {
		t.Fatalf("want a retryable error, got %v", err)
	}
}
