// Package webhook POSTs signed booking news to vendors' webhook URLs.
package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/notification/app"
)

// UserAgent names slotmesh to receivers.
const UserAgent = "slotmesh-webhook/1"

// Poster implements app.Poster.
type Poster struct {
	Client *http.Client
	Now    func() time.Time
}

var _ app.Poster = (*Poster)(nil)

// New is a poster with its own client: no redirects followed (a 3xx is
// the receiver's misconfiguration, reported as a permanent failure), no
// cookies, timeouts from the caller's context.
func New() *Poster {
	return &Poster{Client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Post sends body with the Slotmesh-Event-Id and Slotmesh-Signature
// headers. 2xx: delivered. 408, 429, 5xx and transport errors: retried.
// Any other status: permanent.
func (p *Poster) Post(ctx context.Context, url, secret, eventID string, body []byte) error {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return app.Permanent(fmt.Errorf("webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(notification.HeaderEventID, eventID)
	req.Header.Set(notification.HeaderSignature, notification.Sign(secret, now(), body))
	resp, err := p.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook POST: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		return fmt.Errorf("webhook answered %d", c)
	default:
		return app.Permanent(fmt.Errorf("webhook answered %d", c))
	}
}
