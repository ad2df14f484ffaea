package testenv

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

func TestNATSRestartKeepsJetStreamData(t *testing.T) {
	t.Parallel()
	n := StartNATS(t)
	nc := n.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.a", []byte("one")); err != nil {
		t.Fatal(err)
	}
	url := n.URL
	n.Restart(t)
	if n.URL != url {
		t.Fatalf("restart moved the server: %s -> %s", url, n.URL)
	}
	// The client reconnects by itself; the stream is still there.
	poll.Eventually(t, 10*time.Second, "the client to reconnect", func() error {
		if s := nc.Status(); s != nats.CONNECTED {
			return fmt.Errorf("status %s", s)
		}
		return nil
	})
	var st jetstream.Stream
	poll.Eventually(t, 10*time.Second, "the stream after the restart", func() (err error) {
		st, err = js.Stream(ctx, "T")
		return err
	})
	info, err := st.Info(ctx)
	if err != nil || info.State.Msgs != 1 {
		t.Fatalf("after restart: %+v %v", info, err)
	}
}

func TestPostgresDatabasesAreFreshAndSeparate(t *testing.T) {
	t.Parallel()
	a, b := Postgres(t), Postgres(t)
	if a == b {
		t.Fatal("two calls gave one database")
	}
	ctx := context.Background()
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("database b sees a's table: n=%d err=%v", n, err)
	}
}

func TestRedisPrefixIsCleanedUp(t *testing.T) {
	var prefix string
	var client *redis.Client
	t.Run("inner", func(t *testing.T) {
		r := StartRedis(t)
		prefix = r.Prefix
		if err := r.Client.Set(context.Background(), r.Prefix+"k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		opts, _ := redis.ParseURL(r.URL)
		client = redis.NewClient(opts)
	})
	defer client.Close()
	n, err := client.Exists(context.Background(), prefix+"k").Result()
	if err != nil || n != 0 {
		t.Fatalf("key under %s survived the test: n=%d err=%v", prefix, n, err)
	}
}

func TestProxyCutAndRestore(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(PGServerURL())
	if err != nil {
		t.Fatal(err)
	}
	p := StartProxy(t, u.Host)
	u.Host = p.Addr
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	if err := conn.Ping(ctx); err == nil {
		t.Fatal("ping through a cut proxy succeeded")
	}
	if c, err := pgx.Connect(ctx, u.String()); err == nil {
		c.Close(ctx)
		t.Fatal("connected through a cut proxy")
	}
	p.Restore()
	c2, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("after restore: %v", err)
	}
	defer c2.Close(ctx)
	if err := c2.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestKafkaRestartKeepsAddressAndData(t *testing.T) {
	t.Parallel()
	k := StartKafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := &kafka.Writer{Addr: kafka.TCP(k.Addr), Topic: "restart_test", AllowAutoTopicCreation: true,
		RequiredAcks: kafka.RequireAll, Balancer: &kafka.Hash{}}
	poll.Eventually(t, 20*time.Second, "the first write", func() error { // it may race topic creation
		return w.WriteMessages(ctx, kafka.Message{Key: []byte("k"), Value: []byte("kept")})
	})
	_ = w.Close()
	addr := k.Addr
	k.Stop()
	k.Start(t)
	if k.Addr != addr {
		t.Fatalf("restart moved the broker: %s -> %s", addr, k.Addr)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{k.Addr}, GroupID: "restart_test", Topic: "restart_test", MaxWait: 100 * time.Millisecond})
	defer r.Close()
	m, err := r.FetchMessage(ctx)
	if err != nil || string(m.Value) != "kept" {
		t.Fatalf("after restart read %q, %v", m.Value, err)
	}
}
