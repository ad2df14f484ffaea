package notification_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	notificationsvc "github.com/slotmesh/slotmesh/services/notification"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// env is one notification service with real Postgres, NATS, Kafka (kfake)
// and an SMTP sink, and small NATS peers answering for the user and vendor
// services (svc.user.v1.contact, svc.vendor.v1.get/authorize).
type env struct {
	t       *testing.T
	nats    *testenv.NATS
	nc      *nats.Conn
	kafka   *testenv.Kafka
	smtp    *testenv.SMTP
	pgURL   string
	pool    *pgxpool.Pool
	client  *notification.Client
	produce func(e contracts.Event)
	vars    map[string]string
	svc     *notificationsvc.Service

	vendorID, manager string
	mu                sync.Mutex // guards users
	users             map[string]user.Contact
}

func start(t *testing.T, extra map[string]string) *env {
	t.Helper()
	n := testenv.StartNATS(t)
	k := testenv.StartKafka(t)
	sink := testenv.StartSMTP(t)
	e := &env{t: t, nats: n, kafka: k, smtp: sink, pgURL: testenv.Postgres(t),
		vendorID: uuid.NewString(), manager: uuid.NewString(), users: map[string]user.Contact{}}
	e.nc = n.Connect(t)
	e.client = notification.NewClient(e.nc)
	e.peers()
	e.vars = map[string]string{
		"NATS_URL":             n.URL,
		"PG_URL":               e.pgURL,
		"KAFKA_BROKERS":        k.Addr,
		"KAFKA_PARTITIONS":     "3",
		"SMTP_URL":             sink.URL(),
		"NOTIFY_BACKOFF_MIN":   "50ms",
		"NOTIFY_BACKOFF_MAX":   "300ms",
		"NOTIFY_POLL_INTERVAL": "50ms",
		"NOTIFY_SEND_TIMEOUT":  "2s",
		"NOTIFY_LEASE":         "5s",
		"NOTIFY_MAX_ATTEMPTS":  "8",
	}
	for k, v := range extra {
		e.vars[k] = v
	}
	e.startService()
	t.Cleanup(func() { e.stopService() })

	w := kafka.NewWriter(kafka.Config{Brokers: []string{k.Addr}, Partitions: 3, Replication: 1})
	t.Cleanup(func() { _ = w.Close() })
	e.produce = func(ev contracts.Event) {
		t.Helper()
		m, err := kafka.Encode(topicOf(ev.Type), ev)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := w.WriteMessages(ctx, m); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	pool, err := pgxpool.New(context.Background(), e.pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e.pool = pool
	return e
}

func topicOf(typ string) string {
	switch typ {
	case booking.EventCancelled:
		return contracts.TopicBookingCancelled
	case booking.EventAvailed:
		return contracts.TopicBookingAvailed
	}
	return contracts.TopicNewBooking
}

func (e *env) startService() {
	e.t.Helper()
	cfg, err := notificationsvc.ConfigFromEnv(func(k string) string { return e.vars[k] })
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := notificationsvc.Start(context.Background(), cfg, platform.Discard())
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
}

func (e *env) stopService() {
	if e.svc != nil {
		_ = e.svc.Stop()
		e.svc = nil
	}
}

// peers answers for the user and vendor services on the test's NATS: real
// micro endpoints on the real subjects, with canned data.
func (e *env) peers() {
	e.t.Helper()
	o := platform.EndpointOptions{}
	for _, spec := range []platform.ServiceSpec{
		{Name: user.Service, Version: "0.0.0", Group: user.Group, Workers: 1, Endpoints: []platform.Endpoint{
			platform.Handle(user.OpKeys, o, func(context.Context, user.KeysRequest) (user.KeysResponse, error) {
				return user.KeysResponse{Issuer: testIssuer, Keys: []user.PublicKey{{KID: "k1", Alg: "EdDSA", Key: testKey.Public().(ed25519.PublicKey)}}}, nil
			}),
			platform.Handle(user.OpContact, o, func(_ context.Context, r user.ContactRequest) (user.Contact, error) {
				e.mu.Lock()
				defer e.mu.Unlock()
				c, ok := e.users[r.ID]
				if !ok {
					return c, apperr.E(apperr.NotFound, "user not found")
				}
				return c, nil
			}),
		}},
		{Name: vendors.Service, Version: "0.0.0", Group: vendors.Group, Workers: 1, Endpoints: []platform.Endpoint{
			platform.Handle(vendors.OpGet, o, func(_ context.Context, r vendors.GetRequest) (vendors.Vendor, error) {
				if r.ID != e.vendorID {
					return vendors.Vendor{}, apperr.E(apperr.NotFound, "vendor not found")
				}
				return vendors.Vendor{ID: r.ID, Profile: vendors.Profile{Kind: vendors.KindRestaurant, Name: "Trattoria Roma", Timezone: "Europe/Berlin"}}, nil
			}),
			platform.Handle(vendors.OpAuthorize, o, func(_ context.Context, r vendors.AuthorizeRequest) (vendors.AuthorizeResponse, error) {
				if r.VendorID != e.vendorID {
					return vendors.AuthorizeResponse{}, apperr.E(apperr.NotFound, "vendor not found")
				}
				if r.UserID == e.manager {
					return vendors.AuthorizeResponse{Role: vendors.RoleManager}, nil
				}
				return vendors.AuthorizeResponse{}, nil
			}),
		}},
	} {
		svcs, err := platform.AddService(e.nc, spec)
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() { _ = svcs.Stop() })
	}
}

// user registers a user the contact peer knows.
func (e *env) user(name string) user.Contact {
	c := user.Contact{ID: uuid.NewString(), Email: strings.ToLower(name) + "@example.com", Name: name}
	e.mu.Lock()
	e.users[c.ID] = c
	e.mu.Unlock()
	return c
}

// event is a booking event envelope as the booking service writes it.
func (e *env) event(typ, userID string, start time.Time) contracts.Event {
	e.t.Helper()
	b := booking.Booking{ID: uuid.NewString(), Status: booking.StatusConfirmed, VendorID: e.vendorID, UserID: userID,
		Start: start, End: start.Add(90 * time.Minute), PartySize: 2,
		Deposit: booking.Deposit{Amount: 1500, Currency: "EUR", Status: "charged"}}
	switch typ {
	case booking.EventCancelled:
		b.Status = booking.StatusCancelled
		b.Refund = &booking.Refund{Amount: 1500, Currency: "EUR", Status: "refunded"}
	case booking.EventAvailed:
		b.Status = booking.StatusAvailed
		b.Refund = &booking.Refund{Amount: 1500, Currency: "EUR", Status: "refunded"}
	}
	data, err := json.Marshal(booking.Changed{Booking: b, From: booking.StatusBlocked})
	if err != nil {
		e.t.Fatal(err)
	}
	return contracts.Event{ID: uuid.Must(uuid.NewV7()).String(), Type: typ, Source: booking.Service, AggregateType: "booking",
		AggregateID: b.ID, OccurredAt: time.Now().UTC(), SchemaVersion: booking.SchemaVersion, Data: data}
}

func (e *env) as(userID string) context.Context {
	return natsrpc.WithActor(context.Background(), userID)
}

// mailsTo is the sink's messages to addr.
func (e *env) mailsTo(addr string) []testenv.SMTPMessage {
	var out []testenv.SMTPMessage
	for _, m := range e.smtp.Messages() {
		for _, to := range m.To {
			if to == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

// status is the delivery status of an event's channel ("" if none).
func (e *env) status(eventID, channel string) (status string, attempts int) {
	e.t.Helper()
	err := e.pool.QueryRow(context.Background(), `SELECT status, attempts FROM notification.deliveries
		WHERE event_id = $1 AND channel = $2`, eventID, channel).Scan(&status, &attempts)
	if err != nil && !strings.Contains(err.Error(), "no rows") {
		e.t.Fatal(err)
	}
	return status, attempts
}

// statusIs is a condition for poll.Eventually: the delivery of eventID on
// channel has status want.
func (e *env) statusIs(eventID, channel, want string) func() error {
	return func() error {
		if s, n := e.status(eventID, channel); s != want {
			return fmt.Errorf("status %q after %d attempts", s, n)
		}
		return nil
	}
}

// receiver is a vendor's webhook endpoint that records what it got.
type receiver struct {
	*httptest.Server
	answer atomic.Int32
	mu     sync.Mutex
	got    []received
}

type received struct {
	header http.Header
	body   []byte
	status int
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{}
	r.answer.Store(int32(status))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		st := int(r.answer.Load())
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, status: st})
		r.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// TestConfirmationOnceDespiteDuplicates: a confirmed event produced twice,
// and once more after a restart of the service, gives exactly one email at
// the SMTP server and one signed webhook request.
func TestConfirmationOnceDespiteDuplicates(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	rcv := newReceiver(t, http.StatusOK)
	wh, err := e.client.SetWebhook(e.as(e.manager), notification.SetWebhookRequest{VendorID: e.vendorID, URL: rcv.URL + "/hooks"})
	if err != nil {
		t.Fatal(err)
	}
	ann := e.user("Ann")
	// 18:00 UTC in December is 19:00 in Berlin.
	start := time.Date(2026, 12, 12, 18, 0, 0, 0, time.UTC)
	ev := e.event(booking.EventConfirmed, ann.ID, start)
	e.produce(ev)
	e.produce(ev)
	// A later event of the same booking lands on the same partition, after
	// both copies: once its mail is in, the copies were handled.
	marker := e.event(booking.EventConfirmed, ann.ID, start)
	marker.AggregateID = ev.AggregateID
	e.produce(marker)
	poll.Eventually(t, 30*time.Second, "two emails and two webhooks", func() error {
		if m, w := len(e.mailsTo(ann.Email)), len(rcv.requests()); m < 2 || w < 2 {
			return fmt.Errorf("%d emails, %d webhooks", m, w)
		}
		return nil
	})
	e.requireSent(ev.ID, marker.ID)

	// Redelivered after a restart (a new process of the group).
	e.stopService()
	e.startService()
	e.produce(ev)
	late := e.event(booking.EventConfirmed, ann.ID, start)
	late.AggregateID = ev.AggregateID
	e.produce(late)
	poll.Eventually(t, 30*time.Second, "the third event's email and webhook", func() error {
		if m, w := len(e.mailsTo(ann.Email)), len(rcv.requests()); m < 3 || w < 3 {
			return fmt.Errorf("%d emails, %d webhooks", m, w)
		}
		return nil
	})
	e.requireSent(ev.ID, marker.ID, late.ID)

	mails := e.mailsTo(ann.Email)
	if len(mails) != 3 {
		t.Fatalf("%d emails, want 3 (one per distinct event)", len(mails))
	}
	var m testenv.SMTPMessage
	for _, mm := range mails {
		if mm.MessageID == "<"+ev.ID+"@notification.slotmesh>" {
			m = mm
		}
	}
	if m.MessageID != "<"+ev.ID+"@notification.slotmesh>" {
		t.Errorf("Message-ID %q", m.MessageID)
	}
	if want := "Booking confirmed: Trattoria Roma, Sat 12 Dec 2026, 19:00"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	if m.From != "no-reply@slotmesh.local" {
		t.Errorf("envelope from %q", m.From)
	}
	for _, s := range []string{"Hello Ann", "19:00 CET", "2 guests", "EUR 15.00"} {
		if !strings.Contains(m.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, m.Body)
		}
	}
	seen := map[string]int{}
	for _, m := range mails {
		seen[m.MessageID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %s sent %d times", id, n)
		}
	}

	reqs := rcv.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d webhook requests, want 3", len(reqs))
	}
	ids := map[string]int{}
	for _, r := range reqs {
		ids[r.header.Get(notification.HeaderEventID)]++
		if err := notification.Verify(wh.Secret, r.header.Get(notification.HeaderSignature), r.body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("signature: %v", err)
		}
		if err := notification.Verify("whsec_wrong", r.header.Get(notification.HeaderSignature), r.body, time.Now(), 5*time.Minute); err == nil {
			t.Error("signature verifies with the wrong secret")
		}
	}
	if ids[ev.ID] != 1 || ids[marker.ID] != 1 || ids[late.ID] != 1 {
		t.Errorf("webhook event ids: %v", ids)
	}
	var body notification.WebhookEvent
	for _, r := range reqs { // deliveries of a batch go out in parallel: any order
		if r.header.Get(notification.HeaderEventID) == ev.ID {
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if body.EventID != ev.ID || body.Type != notification.TypeBookingConfirmed || body.Booking.ID != ev.AggregateID || body.Booking.PartySize != 2 {
		t.Errorf("webhook body: %+v", body)
	}
}

func (e *env) requireSent(eventIDs ...string) {
	e.t.Helper()
	for _, id := range eventIDs {
		for _, ch := range []string{notification.ChannelEmail, notification.ChannelWebhook} {
			poll.Eventually(e.t, 10*time.Second, "delivery "+id+"/"+ch+" marked sent", e.statusIs(id, ch, notification.StatusSent))
		}
	}
}

// TestSMTPOutage: while the mail server is down deliveries are retried with
// back-off; when it returns every message goes out, none twice. Other
// events (cancellation, thank-you) render their own subjects.
func TestSMTPOutage(t *testing.T) {
	t.Parallel()
	e := start(t, map[string]string{"NOTIFY_MAX_ATTEMPTS": "100"})
	e.smtp.Stop()
	bea := e.user("Bea")
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
	evs := []contracts.Event{
		e.event(booking.EventConfirmed, bea.ID, at),
		e.event(booking.EventCancelled, bea.ID, at),
		e.event(booking.EventAvailed, bea.ID, at),
	}
	for _, ev := range evs {
		e.produce(ev)
	}
	poll.Eventually(t, 30*time.Second, "every delivery retried at least twice", func() error {
		for _, ev := range evs {
			if s, n := e.status(ev.ID, notification.ChannelEmail); s != notification.StatusPending || n < 2 {
				return fmt.Errorf("%s: %s after %d attempts", ev.Type, s, n)
			}
		}
		return nil
	})
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages while the server was down", n)
	}
	e.smtp.Start(t)
	for _, ev := range evs {
		poll.Eventually(t, 30*time.Second, "email of "+ev.Type+" sent", e.statusIs(ev.ID, notification.ChannelEmail, notification.StatusSent))
	}
	mails := e.mailsTo(bea.Email)
	if len(mails) != 3 {
		t.Fatalf("%d emails, want 3", len(mails))
	}
	subjects := map[string]bool{}
	for _, m := range mails {
		subjects[strings.SplitN(m.Subject, ":", 2)[0]] = true
	}
	for _, want := range []string{"Booking confirmed", "Booking cancelled", "Thank you for visiting Trattoria Roma"} {
		if !subjects[want] {
			t.Errorf("no email with subject %q: %v", want, subjects)
		}
	}
	for _, m := range mails {
		if strings.HasPrefix(m.Subject, "Booking cancelled") && !strings.Contains(m.Body, "EUR 15.00 refunded") {
			t.Errorf("cancellation without the refund:\n%s", m.Body)
		}
	}
}

// TestWebhookRefusedDeadLetterReplay: a webhook answering 400 is dead at
// once (no retry), listed by deadletters; after the receiver is fixed a
// replay delivers it exactly once. The email of the same event is not
// affected.
func TestWebhookRefusedDeadLetterReplay(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	rcv := newReceiver(t, http.StatusBadRequest)
	if _, err := e.client.SetWebhook(e.as(e.manager), notification.SetWebhookRequest{VendorID: e.vendorID, URL: rcv.URL}); err != nil {
		t.Fatal(err)
	}
	cy := e.user("Cy")
	ev := e.event(booking.EventConfirmed, cy.ID, time.Now().Add(24*time.Hour))
	e.produce(ev)

	var dead notification.Delivery
	poll.Eventually(t, 30*time.Second, "the webhook delivery in the dead letters", func() error {
		page, err := e.client.DeadLetters(context.Background(), notification.DeadLettersRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Items {
			if d.EventID == ev.ID {
				dead = d
				return nil
			}
		}
		return fmt.Errorf("%d other dead letters", len(page.Items))
	})
	if dead.Channel != notification.ChannelWebhook || dead.Status != notification.StatusDead || dead.Attempts != 1 ||
		!strings.Contains(dead.LastError, "400") || dead.Recipient != rcv.URL {
		t.Fatalf("dead letter: %+v", dead)
	}
	poll.Eventually(t, 10*time.Second, "the email sent", e.statusIs(ev.ID, notification.ChannelEmail, notification.StatusSent))
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("%d webhook requests before the replay, want 1 (400 is not retried)", n)
	}

	if _, err := e.client.Replay(context.Background(), notification.ReplayRequest{}); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("empty replay: %v", err)
	}
	rcv.answer.Store(http.StatusNoContent)
	res, err := e.client.Replay(context.Background(), notification.ReplayRequest{IDs: []string{dead.ID}})
	if err != nil || res.Replayed != 1 {
		t.Fatalf("replay: %+v %v", res, err)
	}
	poll.Eventually(t, 10*time.Second, "the replayed webhook sent", e.statusIs(ev.ID, notification.ChannelWebhook, notification.StatusSent))
	reqs := rcv.requests()
	if len(reqs) != 2 || reqs[1].status != http.StatusNoContent || reqs[1].header.Get(notification.HeaderEventID) != ev.ID {
		t.Fatalf("webhook requests after the replay: %d", len(reqs))
	}
	page, err := e.client.DeadLetters(context.Background(), notification.DeadLettersRequest{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("dead letters after the replay: %+v %v", page, err)
	}
	if res, err := e.client.Replay(context.Background(), notification.ReplayRequest{All: true}); err != nil || res.Replayed != 0 {
		t.Fatalf("replay all with nothing dead: %+v %v", res, err)
	}
	if len(e.mailsTo(cy.Email)) != 1 {
		t.Fatalf("emails: %d", len(e.mailsTo(cy.Email)))
	}
}

// TestWebhookConfig: set (managers only, a new secret each time), get,
// delete, and the errors the gateway maps.
func TestWebhookConfig(t *testing.T) {
	t.Parallel()
	e := start(t, map[string]string{"SMTP_URL": ""})
	ctx := e.as(e.manager)
	w1, err := e.client.SetWebhook(ctx, notification.SetWebhookRequest{VendorID: e.vendorID, URL: "https://vendor.example/hooks"})
	if err != nil {
		t.Fatal(err)
	}
	if w1.VendorID != e.vendorID || w1.URL != "https://vendor.example/hooks" || !strings.HasPrefix(w1.Secret, "whsec_") ||
		len(w1.Secret) != len("whsec_")+64 || w1.CreatedAt.IsZero() {
		t.Fatalf("set: %+v", w1)
	}
	got, err := e.client.GetWebhook(ctx, e.vendorID)
	if err != nil || got != w1 {
		t.Fatalf("get: %+v %v, want %+v", got, err, w1)
	}
	w2, err := e.client.SetWebhook(ctx, notification.SetWebhookRequest{VendorID: e.vendorID, URL: "http://vendor.example:8080/v2"})
	if err != nil || w2.Secret == w1.Secret || w2.URL != "http://vendor.example:8080/v2" || !w2.CreatedAt.Equal(w1.CreatedAt) {
		t.Fatalf("second set (rotation): %+v %v", w2, err)
	}

	for _, tc := range []struct {
		name  string
		ctx   context.Context
		req   notification.SetWebhookRequest
		code  apperr.Code
		field string
	}{
		{"relative url", ctx, notification.SetWebhookRequest{VendorID: e.vendorID, URL: "/hooks"}, apperr.InvalidInput, "url"},
		{"ftp url", ctx, notification.SetWebhookRequest{VendorID: e.vendorID, URL: "ftp://vendor.example/x"}, apperr.InvalidInput, "url"},
		{"no url", ctx, notification.SetWebhookRequest{VendorID: e.vendorID}, apperr.InvalidInput, "url"},
		{"no host", ctx, notification.SetWebhookRequest{VendorID: e.vendorID, URL: "https:///x"}, apperr.InvalidInput, "url"},
		{"credentials", ctx, notification.SetWebhookRequest{VendorID: e.vendorID, URL: "https://u:p@vendor.example/"}, apperr.InvalidInput, "url"},
		{"not a manager", e.as(uuid.NewString()), notification.SetWebhookRequest{VendorID: e.vendorID, URL: "https://x.example"}, apperr.Forbidden, ""},
		{"no actor", context.Background(), notification.SetWebhookRequest{VendorID: e.vendorID, URL: "https://x.example"}, apperr.Unauthenticated, ""},
		{"unknown vendor", ctx, notification.SetWebhookRequest{VendorID: uuid.NewString(), URL: "https://x.example"}, apperr.NotFound, ""},
	} {
		_, err := e.client.SetWebhook(tc.ctx, tc.req)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != tc.code || (tc.field != "" && ae.Details["field"] != tc.field) {
			t.Errorf("%s: got %v, want %s (field %q)", tc.name, err, tc.code, tc.field)
		}
	}
	if _, err := e.client.GetWebhook(e.as(uuid.NewString()), e.vendorID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("get by a stranger: %v", err)
	}
	if _, err := e.client.DeleteWebhook(e.as(uuid.NewString()), e.vendorID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("delete by a stranger: %v", err)
	}
	if d, err := e.client.DeleteWebhook(ctx, e.vendorID); err != nil || !d.Deleted {
		t.Fatalf("delete: %+v %v", d, err)
	}
	if _, err := e.client.GetWebhook(ctx, e.vendorID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := e.client.DeleteWebhook(ctx, e.vendorID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("second delete: %v", err)
	}
	if _, err := e.client.DeadLetters(context.Background(), notification.DeadLettersRequest{Cursor: "%%%"}); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Errorf("bad cursor: %v", err)
	}
}
