// Package logmail is the default email driver: it writes each message to
// the log instead of sending it (SMTP_URL empty: local runs and tests).
package logmail

import (
	"context"
	"log/slog"

	"github.com/slotmesh/slotmesh/services/notification/app"
)

// Mailer implements app.Mailer by logging.
type Mailer struct {
	From string
	Log  *slog.Logger
}

var _ app.Mailer = (*Mailer)(nil)

// Send logs the message at info level and never fails.
func (m *Mailer) Send(_ context.Context, e app.Email) error {
	m.Log.Info("email (log driver: not sent)", "message_id", e.MessageID, "from", m.From, "to", e.To,
		"subject", e.Subject, "body", e.Body)
	return nil
}
