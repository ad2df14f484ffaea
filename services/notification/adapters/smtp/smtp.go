// Package smtp is the email driver that sends through an SMTP server
// (wneessen/go-mail): smtp://host:port upgrades with STARTTLS when the
// server offers it, smtps://host:port speaks TLS from the first byte.
// Credentials, when given, are used with the best mechanism the server
// offers.
package smtp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/slotmesh/slotmesh/services/notification/app"
	mail "github.com/wneessen/go-mail"
)

// Config is how to reach the server.
type Config struct {
	URL      string // smtp://host:port or smtps://host:port
	Username string // optional
	Password string // optional (secret: never logged)
	From     string // "Name <address>" or an address
	Timeout  time.Duration
}

// Mailer implements app.Mailer.
type Mailer struct {
	cfg  Config
	host string
	port int
	tls  bool // implicit TLS (smtps)
}

var _ app.Mailer = (*Mailer)(nil)

// New checks cfg and returns a mailer. It does not connect: each Send does.
func New(cfg Config) (*Mailer, error) {
	host, port, implicit, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &Mailer{cfg: cfg, host: host, port: port, tls: implicit}, nil
}

// ParseURL splits an SMTP_URL into host, port and whether TLS is implicit.
func ParseURL(raw string) (host string, port int, implicitTLS bool, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, false, fmt.Errorf("SMTP_URL: %w", err)
	}
	switch u.Scheme {
	case "smtp":
		port = 587
	case "smtps":
		port, implicitTLS = 465, true
	default:
		return "", 0, false, fmt.Errorf("SMTP_URL: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if u.User != nil {
		return "", 0, false, errors.New("SMTP_URL: put credentials in SMTP_USERNAME and SMTP_PASSWORD, not in the URL")
	}
	host = u.Hostname()
	if host == "" {
		return "", 0, false, errors.New("SMTP_URL: no host")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return "", 0, false, fmt.Errorf("SMTP_URL: bad port %q", p)
		}
	}
	return host, port, implicitTLS, nil
}

// Send delivers one message in its own connection. A 5xx answer to the
// recipient is permanent (the address is refused); everything else —
// connection failures, 4xx, a server that vanished — is retried.
func (m *Mailer) Send(ctx context.Context, e app.Email) error {
	msg := mail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return app.Permanent(fmt.Errorf("from %q: %w", m.cfg.From, err))
	}
	if err := msg.To(e.To); err != nil {
		return app.Permanent(fmt.Errorf("to %q: %w", e.To, err))
	}
	msg.Subject(e.Subject)
	msg.SetMessageIDWithValue(e.MessageID)
	msg.SetDateWithValue(e.Date)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(mail.TypeTextPlain, e.Body)

	opts := []mail.Option{mail.WithPort(m.port), mail.WithTimeout(m.cfg.Timeout)}
	if m.tls {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.cfg.Username), mail.WithPassword(m.cfg.Password))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return app.Permanent(fmt.Errorf("smtp client: %w", err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *mail.SendError
		if errors.As(err, &se) && se.Reason == mail.ErrSMTPRcptTo && !se.IsTemp() {
			return app.Permanent(err)
		}
		return fmt.Errorf("smtp %s: %w", net.JoinHostPort(m.host, strconv.Itoa(m.port)), err)
	}
	return nil
}
