package smtp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/notification/adapters/smtp"
	"github.com/slotmesh/slotmesh/services/notification/app"
	"github.com/slotmesh/slotmesh/testenv"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url      string
		host     string
		port     int
		implicit bool
		bad      bool
	}{
		{url: "smtp://mail.example:2525", host: "mail.example", port: 2525},
		{url: "smtp://mail.example", host: "mail.example", port: 587},
		{url: "smtps://mail.example", host: "mail.example", port: 465, implicit: true},
		{url: "http://mail.example", bad: true},
		{url: "smtp://user:pw@mail.example", bad: true},
		{url: "smtp://:25", bad: true},
		{url: "smtp://mail.example:99999", bad: true},
	} {
		host, port, implicit, err := smtp.ParseURL(tc.url)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: want an error", tc.url)
			}
			continue
		}
		if err != nil || host != tc.host || port != tc.port || implicit != tc.implicit {
			t.Errorf("%s: %s %d %v %v", tc.url, host, port, implicit, err)
		}
	}
}

// TestSendToSink: a message reaches a real SMTP server with its Message-ID,
// subject and body; a server that is down is a retryable error.
func TestSendToSink(t *testing.T) {
	t.Parallel()
	sink := testenv.StartSMTP(t)
	m, err := smtp.New(smtp.Config{URL: sink.URL(), From: "slotmesh <no-reply@slotmesh.local>", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := app.Email{MessageID: "ev-1@notification.slotmesh", To: "ann@example.com", Subject: "Booking confirmed: Café Zoë",
		Body: "Hello Ann,\n\nyour booking is confirmed.\n", Date: time.Now()}
	if err := m.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	got := msgs[0]
	if got.From != "no-reply@slotmesh.local" || len(got.To) != 1 || got.To[0] != "ann@example.com" ||
		got.MessageID != "<ev-1@notification.slotmesh>" || got.Subject != e.Subject {
		t.Fatalf("message: from %q to %v id %q subject %q", got.From, got.To, got.MessageID, got.Subject)
	}
	if !strings.Contains(string(got.Data), "Auto-Submitted: auto-generated") {
		t.Errorf("no Auto-Submitted header:\n%s", got.Data)
	}

	sink.Stop()
	err = m.Send(context.Background(), e)
	if err == nil || app.IsPermanent(err) {
		t.Fatalf("server down: want a retryable error, got %v", err)
	}
}
