package archive_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	archivesvc "github.com/slotmesh/slotmesh/services/archive"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

type env struct {
	cfg    archivesvc.Config
	client *archive.Client
	writer *kafkago.Writer
	svc    *archivesvc.Service
}

// start runs the archive on a fresh NATS, database and Kafka broker.
func start(t testing.TB) *env {
	t.Helper()
	n := testenv.StartNATS(t)
	k := testenv.StartKafka(t)
	vars := map[string]string{
		"NATS_URL":          n.URL,
		"PG_URL":            testenv.Postgres(t),
		"KAFKA_BROKERS":     k.Addr,
		"KAFKA_PARTITIONS":  "3",
		"CALL_TIMEOUT":      "5s",
		"ARCHIVE_CONSUMERS": "2",
	}
	cfg, err := archivesvc.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	// The topics exist before anything is produced, with the configured partitions.
	if err := kafka.EnsureTopics(context.Background(), cfg.Kafka, archivesvc.Topics()...); err != nil {
		t.Fatal(err)
	}
	w := kafka.NewWriter(cfg.Kafka)
	t.Cleanup(func() { _ = w.Close() })
	nc := n.Connect(t)
	e := &env{cfg: cfg, client: archive.NewClient(nc), writer: w}
	return e
}

func (e *env) startService(t testing.TB) {
	t.Helper()
	svc, err := archivesvc.Start(context.Background(), e.cfg, platform.Discard())
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	t.Cleanup(func() {
		if e.svc == svc {
			_ = svc.Stop()
		}
	})
}

func (e *env) stopService(t testing.TB) {
	t.Helper()
	if err := e.svc.Stop(); err != nil {
		t.Fatal(err)
	}
	e.svc = nil
}

var eventOf = map[string]string{
	booking.StatusAvailed:   booking.EventAvailed,
	booking.StatusCancelled: booking.EventCancelled,
	booking.StatusNoShow:    booking.EventNoShow,
	booking.StatusExpired:   booking.EventExpired,
	booking.StatusFailed:    booking.EventFailed,
	booking.StatusConfirmed: booking.EventConfirmed,
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func finished(user, vendor string, start time.Time, status string, version int64) booking.Booking {
	return booking.Booking{
		ID: newID(), Status: status, VendorID: vendor, UserID: user,
		Start: start, End: start.Add(2 * time.Hour), PartySize: 4,
		Units:   []booking.Unit{{ID: newID(), Name: "T7", Capacity: 4}},
		Deposit: booking.Deposit{Amount: 2000, Currency: "EUR", Status: "refunded"},
		Version: version, CreatedAt: start.Add(-72 * time.Hour), UpdatedAt: start.Add(3 * time.Hour),
	}
}

// event is the envelope the booking service would emit for b.
func event(t testing.TB, b booking.Booking) contracts.Event {
	t.Helper()
	data, err := json.Marshal(booking.Changed{Booking: b, From: booking.StatusConfirmed})
	if err != nil {
		t.Fatal(err)
	}
	return contracts.Event{ID: newID(), Type: eventOf[b.Status], Source: booking.Service, AggregateType: "booking",
		AggregateID: b.ID, OccurredAt: time.Now().UTC(), SchemaVersion: booking.SchemaVersion, Data: data}
}

// message is e on the topic the bridge puts it on (booking_cancelled when
// the type is not a final one: a misrouted event).
func message(t testing.TB, e contracts.Event) kafkago.Message {
	t.Helper()
	topic := bridge.TopicOf(e.Type)
	if !slices.Contains(archivesvc.Topics(), topic) {
		topic = contracts.TopicBookingCancelled
	}
	m, err := kafka.Encode(topic, e)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) produce(t testing.TB, msgs ...kafkago.Message) {
	t.Helper()
	if err := e.writer.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// listAll pages through r and returns every item.
func listAll(t testing.TB, c *archive.Client, r archive.ListRequest) ([]booking.Booking, int, error) {
	var out []booking.Booking
	pages := 0
	for {
		p, err := c.List(ctx(t), r)
		if err != nil {
			return nil, pages, err
		}
		pages++
		out = append(out, p.Items...)
		if p.NextCursor == "" || pages > 100 {
			return out, pages, nil
		}
		r.Cursor = p.NextCursor
	}
}

func ids(bs []booking.Booking) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

// newestFirst sorts like the archive: start descending, then id descending.
func newestFirst(bs []booking.Booking) []string {
	bs = slices.Clone(bs)
	sort.Slice(bs, func(i, j int) bool {
		if !bs[i].Start.Equal(bs[j].Start) {
			return bs[i].Start.After(bs[j].Start)
		}
		return bs[i].ID > bs[j].ID
	})
	return ids(bs)
}

// TestArchiveFromKafka produces booking events into Kafka, before and
// after the service starts, and reads them back through the typed client:
// every final booking appears once at its highest version, duplicates and a
// full redelivery change nothing, poison goes to the dead-letter topic,
// and the user and vendor views page correctly.
func TestArchiveFromKafka(t *testing.T) {
	t.Parallel()
	e := start(t)
	user, other, v1, v2 := newID(), newID(), newID(), newID()
	base := time.Date(2026, 5, 20, 19, 30, 0, 0, time.UTC)
	all := []booking.Booking{
		finished(user, v1, base, booking.StatusAvailed, 4),
		finished(user, v1, base.Add(-24*time.Hour), booking.StatusCancelled, 3),
		finished(user, v2, base.AddDate(0, -1, 0), booking.StatusNoShow, 3),
		finished(user, v2, base.AddDate(0, -2, 0), booking.StatusExpired, 2),
		finished(user, v1, base.AddDate(0, -2, 0), booking.StatusFailed, 2),
		finished(other, v1, base.Add(time.Hour), booking.StatusAvailed, 5),
	}
	// Before the service runs: every event, one produced twice, and a stale
	// (lower-version) final event of booking 0 from another delivery.
	var msgs []kafkago.Message
	for _, b := range all {
		msgs = append(msgs, message(t, event(t, b)))
	}
	dup := msgs[1]
	stale := all[0]
	stale.Version, stale.Status = 2, booking.StatusCancelled
	msgs = append(msgs, dup, message(t, event(t, stale)))
	e.produce(t, msgs...)

	e.startService(t)

	// After: a newer version of booking 2 (e.g. its refund settled), and poison.
	newer := all[2]
	newer.Version, newer.Deposit.Status = 6, "kept"
	all[2] = newer
	notFinal := finished(user, v1, base, booking.StatusConfirmed, 2)
	e.produce(t, message(t, event(t, newer)),
		kafkago.Message{Topic: contracts.TopicBookingClosed, Key: []byte("poison"), Value: []byte("{not json")},
		message(t, event(t, notFinal)),
		message(t, contracts.Event{ID: newID(), Type: booking.EventAvailed, Source: "booking", AggregateID: "x", Data: []byte(`"a string"`)}),
	)

	mine := all[:5]
	want := newestFirst(mine)
	poll.Eventually(t, 30*time.Second, "the user's five bookings archived at their highest versions", func() error {
		got, _, err := listAll(t, e.client, archive.ListRequest{UserID: user})
		if err != nil {
			return err
		}
		if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			return fmt.Errorf("ids %v, want %v", ids(got), want)
		}
		for _, b := range got {
			if b.ID == newer.ID && b.Version != 6 {
				return fmt.Errorf("booking 2 at version %d", b.Version)
			}
		}
		return nil
	})

	checkArchive := func(t *testing.T) {
		t.Helper()
		for i, b := range all {
			got, err := e.client.Get(ctx(t), b.ID)
			if err != nil {
				t.Fatalf("Get %d: %v", i, err)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(b)
			if string(g) != string(w) {
				t.Fatalf("booking %d:\n got %s\nwant %s", i, g, w)
			}
		}
		// Pages of two over the user's five.
		got, pages, err := listAll(t, e.client, archive.ListRequest{UserID: user, Limit: 2})
		if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint(want) || pages != 3 {
			t.Fatalf("user pages of 2: %v in %d pages, %v; want %v", ids(got), pages, err, want)
		}
		// The vendor view includes the other user's booking and not v2's.
		got, _, err = listAll(t, e.client, archive.ListRequest{VendorID: v1, Limit: 1})
		wantV1 := newestFirst([]booking.Booking{all[0], all[1], all[4], all[5]})
		if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint(wantV1) {
			t.Fatalf("vendor v1: %v, %v; want %v", ids(got), err, wantV1)
		}
		got, _, err = listAll(t, e.client, archive.ListRequest{VendorID: v2, Status: booking.StatusNoShow})
		if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint([]string{all[2].ID}) {
			t.Fatalf("vendor v2 no-shows: %v, %v", ids(got), err)
		}
		from := base.AddDate(0, -1, -1)
		got, _, err = listAll(t, e.client, archive.ListRequest{UserID: user, From: &from})
		if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint(want[:3]) {
			t.Fatalf("user from %s: %v, %v", from, ids(got), err)
		}
		if _, err := e.client.Get(ctx(t), notFinal.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("the non-final booking: %v, want not_found", err)
		}
	}
	t.Run("archived", checkArchive)

	// Poison: three messages end in the dead-letter topic, with a reason.
	dead := readDeadLetters(t, e.cfg.Kafka, 3)
	for _, m := range dead {
		if kafka.Header(m, contracts.HeaderDeadReason) == "" || kafka.Header(m, contracts.HeaderDeadFrom) == "" {
			t.Fatalf("dead letter without reason or origin: %+v", m.Headers)
		}
	}

	// A full redelivery: stop, rewind the group to the start, start again.
	// Once the group has caught up, the archive is unchanged.
	waitCaughtUp(t, e.cfg.Kafka)
	e.stopService(t)
	rewind(t, e.cfg.Kafka)
	e.startService(t)
	waitCaughtUp(t, e.cfg.Kafka)
	t.Run("after redelivery", checkArchive)
	if n := len(readDeadLetters(t, e.cfg.Kafka, 6)); n != 6 {
		t.Fatalf("after the redelivery %d dead letters, want 6 (the poison again)", n)
	}
}

// readDeadLetters reads the archive's dead-letter topic from the start until
// it has n messages.
func readDeadLetters(t *testing.T, cfg kafka.Config, n int) []kafkago.Message {
	t.Helper()
	c := &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Timeout: 5 * time.Second}
	topic := contracts.DeadLetterTopic(contracts.GroupArchive)
	var out []kafkago.Message
	poll.Eventually(t, 30*time.Second, fmt.Sprintf("%d dead letters", n), func() error {
		out = out[:0]
		for p := range cfg.Partitions {
			res, err := c.Fetch(ctx(t), &kafkago.FetchRequest{Topic: topic, Partition: p, Offset: 0, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 10 * time.Millisecond})
			if err != nil {
				return err
			}
			if res.Error != nil && !errors.Is(res.Error, kafkago.OffsetOutOfRange) {
				return res.Error
			}
			for {
				r, err := res.Records.ReadRecord()
				if err != nil {
					break
				}
				m := kafkago.Message{Topic: topic, Partition: p, Offset: r.Offset}
				for _, h := range r.Headers {
					m.Headers = append(m.Headers, kafkago.Header(h))
				}
				out = append(out, m)
			}
		}
		if len(out) < n {
			return fmt.Errorf("%d dead letters", len(out))
		}
		return nil
	})
	return out
}

// waitCaughtUp waits until the group's committed offsets reach the end of
// every partition of the archive's topics.
func waitCaughtUp(t *testing.T, cfg kafka.Config) {
	t.Helper()
	c := &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Timeout: 5 * time.Second}
	poll.Eventually(t, 30*time.Second, "the archive group caught up", func() error {
		req := &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{}}
		parts := map[string][]int{}
		for _, topic := range archivesvc.Topics() {
			for p := range cfg.Partitions {
				req.Topics[topic] = append(req.Topics[topic], kafkago.LastOffsetOf(p))
				parts[topic] = append(parts[topic], p)
			}
		}
		ends, err := c.ListOffsets(ctx(t), req)
		if err != nil {
			return err
		}
		committed, err := c.OffsetFetch(ctx(t), &kafkago.OffsetFetchRequest{GroupID: contracts.GroupArchive, Topics: parts})
		if err != nil {
			return err
		}
		at := map[string]int64{}
		for topic, ps := range committed.Topics {
			for _, p := range ps {
				at[fmt.Sprint(topic, p.Partition)] = p.CommittedOffset
			}
		}
		for topic, ps := range ends.Topics {
			for _, p := range ps {
				if p.LastOffset > 0 && at[fmt.Sprint(topic, p.Partition)] < p.LastOffset {
					return fmt.Errorf("%s/%d committed %d of %d", topic, p.Partition, at[fmt.Sprint(topic, p.Partition)], p.LastOffset)
				}
			}
		}
		return nil
	})
}

// rewind sets the (empty) group's offsets back to the start of every partition.
func rewind(t *testing.T, cfg kafka.Config) {
	t.Helper()
	c := &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Timeout: 5 * time.Second}
	req := &kafkago.OffsetCommitRequest{GroupID: contracts.GroupArchive, GenerationID: -1, Topics: map[string][]kafkago.OffsetCommit{}}
	for _, topic := range archivesvc.Topics() {
		for p := range cfg.Partitions {
			req.Topics[topic] = append(req.Topics[topic], kafkago.OffsetCommit{Partition: p, Offset: 0})
		}
	}
	poll.Eventually(t, 15*time.Second, "rewind the group", func() error {
		res, err := c.OffsetCommit(ctx(t), req)
		if err != nil {
			return err
		}
		for _, ps := range res.Topics {
			for _, p := range ps {
				if p.Error != nil {
					return p.Error
				}
			}
		}
		return nil
	})
}

// TestRequestValidation: bad requests are invalid_input naming the field.
func TestRequestValidation(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.startService(t)
	from, to := time.Now(), time.Now().Add(-time.Hour)
	for _, c := range []struct {
		name  string
		r     archive.ListRequest
		field string
	}{
		{"neither user nor vendor", archive.ListRequest{}, "user_id"},
		{"both", archive.ListRequest{UserID: "u", VendorID: "v"}, "vendor_id"},
		{"limit too big", archive.ListRequest{UserID: "u", Limit: archive.MaxLimit + 1}, "limit"},
		{"negative limit", archive.ListRequest{UserID: "u", Limit: -1}, "limit"},
		{"status not final", archive.ListRequest{UserID: "u", Status: booking.StatusConfirmed}, "status"},
		{"to before from", archive.ListRequest{UserID: "u", From: &from, To: &to}, "to"},
		{"bad cursor", archive.ListRequest{UserID: "u", Cursor: "%%%"}, "cursor"},
		{"forged cursor", archive.ListRequest{VendorID: "v", Cursor: "cGcxfDEyfA"}, "cursor"},
	} {
		_, err := e.client.List(ctx(t), c.r)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.InvalidInput || ae.Details["field"] != c.field {
			t.Errorf("%s: %v (details %v), want invalid_input on %s", c.name, err, ae, c.field)
		}
	}
	// Every problem at once.
	_, err := e.client.List(ctx(t), archive.ListRequest{Limit: 1000, Status: "BOGUS"})
	ae, _ := apperr.As(err)
	if ae == nil || len(ae.Details["fields"].([]any)) != 3 {
		t.Fatalf("three problems: %v", err)
	}
	if _, err := e.client.Get(ctx(t), ""); !apperr.Is(err, apperr.InvalidInput) {
		t.Fatalf("Get without id: %v", err)
	}
	if _, err := e.client.Get(ctx(t), newID()); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Get unknown: %v", err)
	}
	p, err := e.client.List(ctx(t), archive.ListRequest{UserID: newID()})
	if err != nil || p.Items == nil || len(p.Items) != 0 || p.NextCursor != "" {
		t.Fatalf("empty list: %+v %v", p, err)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		env    map[string]string
		driver string
		ok     bool
	}{
		{"defaults", nil, archivesvc.DriverPostgres, true},
		{"postgres", map[string]string{"ARCHIVE_URL": "postgres"}, archivesvc.DriverPostgres, true},
		{"cassandra", map[string]string{"ARCHIVE_URL": "cassandra://c1:9042,c2/slotmesh_archive?consistency=quorum"}, archivesvc.DriverCassandra, true},
		{"cassandra without keyspace", map[string]string{"ARCHIVE_URL": "cassandra://c1"}, archivesvc.DriverCassandra, false},
		{"unknown driver", map[string]string{"ARCHIVE_URL": "mongodb://m/archive"}, "mongodb", false},
		{"unknown driver with a password", map[string]string{"ARCHIVE_URL": "mongodb://me:hunter2@m1:1,m2:2/archive"}, "mongodb", false},
		{"bad consumers", map[string]string{"ARCHIVE_CONSUMERS": "0"}, archivesvc.DriverPostgres, false},
		{"bad kafka", map[string]string{"KAFKA_BROKERS": "nope"}, archivesvc.DriverPostgres, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := archivesvc.ConfigFromEnv(func(k string) string { return c.env[k] })
			if (err == nil) != c.ok || cfg.Driver() != c.driver {
				t.Fatalf("driver %q err %v; want %q ok=%v", cfg.Driver(), err, c.driver, c.ok)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
	// All problems at once.
	_, err := archivesvc.ConfigFromEnv(func(k string) string {
		return map[string]string{"ARCHIVE_URL": "cassandra://c1/Bad", "ARCHIVE_CONSUMERS": "0", "SERVICE_WORKERS": "x"}[k]
	})
	for _, want := range []string{"ARCHIVE_URL", "ARCHIVE_CONSUMERS", "SERVICE_WORKERS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
