package testenv

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// SMTP is an in-process SMTP sink (emersion/go-smtp) on a random local port.
// It accepts every message (no TLS, optional AUTH is not offered) and keeps
// it for the test to read. Stop and Start close and reopen it on the same
// port, for outage tests.
type SMTP struct {
	Addr string // host:port

	mu       sync.Mutex
	port     int
	srv      *smtp.Server
	messages []SMTPMessage
}

// SMTPMessage is one accepted message.
type SMTPMessage struct {
	From      string
	To        []string
	Data      []byte // the raw message, headers and body
	Subject   string // decoded Subject header
	MessageID string // Message-ID header, angle brackets included
	Body      string // the body as sent (transfer encoding not undone)
	Received  time.Time
}

// StartSMTP starts a sink for t; it is stopped when t ends.
func StartSMTP(t testing.TB) *SMTP {
	t.Helper()
	s := &SMTP{}
	s.Start(t)
	t.Cleanup(s.Stop)
	return s
}

// Start (re)opens the sink on its port (a random one the first time).
func (s *SMTP) Start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	var ln net.Listener
	// After Stop the port may linger briefly in the kernel; retry a little.
	poll.Eventually(t, 5*time.Second, "testenv: smtp listen", func() (err error) {
		ln, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
		return err
	})
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{sink: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	s.srv = srv
	s.Addr = ln.Addr().String()
	if s.port == 0 {
		s.port = ln.Addr().(*net.TCPAddr).Port
	}
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the sink: new connections are refused until Start. Safe to
// call twice.
func (s *SMTP) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Messages is a copy of every message accepted so far, in arrival order.
func (s *SMTP) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.messages...)
}

// URL is the sink as an SMTP_URL (smtp://host:port).
func (s *SMTP) URL() string { return "smtp://" + s.Addr }

func (s *SMTP) add(m SMTPMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
}

type smtpSession struct {
	sink *SMTP
	from string
	to   []string
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := SMTPMessage{From: ss.from, To: append([]string(nil), ss.to...), Data: raw, Received: time.Now()}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		dec := new(mime.WordDecoder)
		m.Subject = msg.Header.Get("Subject")
		if d, err := dec.DecodeHeader(m.Subject); err == nil {
			m.Subject = d
		}
		m.MessageID = msg.Header.Get("Message-Id")
		body, _ := io.ReadAll(msg.Body)
		m.Body = string(body)
	} else if !errors.Is(err, io.EOF) {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparseable message"}
	}
	ss.sink.add(m)
	return nil
}
