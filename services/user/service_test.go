package user_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	usersvc "github.com/slotmesh/slotmesh/services/user"
	"github.com/slotmesh/slotmesh/services/user/adapters/postgres"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

type env struct {
	nc     *nats.Conn
	client *user.Client
	rds    *testenv.Redis
	pgURL  string
}

func start(t *testing.T) env {
	t.Helper()
	n := testenv.StartNATS(t)
	rds := testenv.StartRedis(t)
	pgURL := testenv.Postgres(t)
	cfg, err := usersvc.ConfigFromEnv(func(k string) string {
		return map[string]string{
			"NATS_URL":             n.URL,
			"PG_URL":               pgURL,
			"REDIS_URL":            rds.URL,
			"REDIS_PREFIX":         rds.Prefix,
			"JWT_PRIVATE_KEY_FILE": t.TempDir() + "/key.pem",
			"JWT_GENERATE_KEY":     "true",
			"ARGON2_MEMORY_KIB":    "1024",
			"ARGON2_TIME":          "1",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := usersvc.Start(context.Background(), cfg, platform.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	nc := n.Connect(t)
	return env{nc: nc, client: user.NewClient(nc), rds: rds, pgURL: pgURL}
}

func as(userID string) context.Context {
	return natsrpc.WithActor(context.Background(), userID)
}

func TestSignUpLoginProfile(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := context.Background()
	u, err := e.client.SignUp(ctx, user.SignUpRequest{Email: "Ann@Example.com", Password: "correct horse", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ann@example.com" || u.Version != 1 || u.ID == "" {
		t.Fatalf("signup returned %+v", u)
	}
	login, err := e.client.Login(ctx, user.LoginRequest{Email: "ann@example.com", Password: "correct horse"})
	if err != nil || login.Token == "" || login.UserID != u.ID || !login.ExpiresAt.After(time.Now()) {
		t.Fatalf("login: %+v %v", login, err)
	}
	for _, bad := range []user.LoginRequest{
		{Email: "ann@example.com", Password: "wrong password"},
		{Email: "nobody@example.com", Password: "correct horse"},
		{Email: "not an email", Password: "correct horse"},
	} {
		if _, err := e.client.Login(ctx, bad); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Fatalf("login %+v: want unauthenticated, got %v", bad, err)
		}
	}
	got, err := e.client.Get(as(u.ID), u.ID)
	if err != nil || got.Name != "Ann" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := e.client.Get(context.Background(), u.ID); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("get without actor: %v", err)
	}
	if _, err := e.client.Get(as("01900000-0000-7000-8000-000000000000"), u.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("get as someone else: %v", err)
	}
	name := "Ann B."
	upd, err := e.client.Update(as(u.ID), user.UpdateRequest{ID: u.ID, Name: &name})
	if err != nil || upd.Name != name || upd.Version != 2 {
		t.Fatalf("update: %+v %v", upd, err)
	}
	got, err = e.client.Get(as(u.ID), u.ID)
	if err != nil || got.Name != name || got.Version != 2 {
		t.Fatalf("get after update: %+v %v", got, err)
	}
	keys, err := e.client.Keys(ctx)
	if err != nil || len(keys.Keys) != 1 || keys.Keys[0].Alg != "EdDSA" || len(keys.Keys[0].Key) != 32 {
		t.Fatalf("keys: %+v %v", keys, err)
	}

	// Exactly one event per change on USER_EVENTS.
	events := readStream(t, e, contracts.StreamUser.Name, 2)
	if events[0].Type != user.EventUserCreated || events[1].Type != user.EventUserUpdated {
		t.Fatalf("events: %s, %s", events[0].Type, events[1].Type)
	}
	var updated user.UserUpdated
	if err := events[1].Decode(&updated); err != nil || updated.Name != name || updated.Version != 2 {
		t.Fatalf("updated event: %+v %v", updated, err)
	}
}

func TestSignUpValidation(t *testing.T) {
	t.Parallel()
	e := start(t)
	cases := []struct {
		req   user.SignUpRequest
		field string
	}{
		{user.SignUpRequest{Email: "nope", Password: "correct horse", Name: "A"}, "email"},
		{user.SignUpRequest{Email: "a@b.co", Password: "short", Name: "A"}, "password"},
		{user.SignUpRequest{Email: "a@b.co", Password: "correct horse", Name: ""}, "name"},
		{user.SignUpRequest{Email: "a@b.co", Password: "correct horse", Name: "A", Phone: "12"}, "phone"},
	}
	for _, c := range cases {
		_, err := e.client.SignUp(context.Background(), c.req)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.InvalidInput || ae.Details["field"] != c.field {
			t.Errorf("%+v: want invalid_input on %s, got %v", c.req, c.field, err)
		}
	}
	// Unknown fields are rejected by the endpoint adapter, naming the field.
	reply, err := e.nc.Request(user.OpSignUp.Subject(), []byte(`{"email":"a@b.co","password":"correct horse","name":"A","admin":true}`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ae, ok := apperr.As(natsrpc.ReplyError(reply))
	if !ok || ae.Code != apperr.InvalidInput || ae.Details["field"] != "admin" {
		t.Fatalf("unknown field: %v", natsrpc.ReplyError(reply))
	}
}

func TestDuplicateEmailConflicts(t *testing.T) {
	t.Parallel()
	e := start(t)
	req := user.SignUpRequest{Email: "dup@example.com", Password: "correct horse", Name: "D"}
	if _, err := e.client.SignUp(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	req.Email = "DUP@example.com" // same address, other case
	_, err := e.client.SignUp(context.Background(), req)
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.Conflict || ae.Details["field"] != "email" {
		t.Fatalf("want conflict on email, got %v", err)
	}
}

func TestConcurrentSignUpsOneEmailMakeOneUser(t *testing.T) {
	t.Parallel()
	e := start(t)
	const n = 24
	var wg sync.WaitGroup
	results := make([]error, n)
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := e.client.SignUp(context.Background(), user.SignUpRequest{
				Email: "race@example.com", Password: "correct horse", Name: fmt.Sprintf("R%d", i)})
			results[i], ids[i] = err, u.ID
		}()
	}
	wg.Wait()
	created, conflicts := 0, 0
	for i, err := range results {
		switch {
		case err == nil && ids[i] != "":
			created++
		case apperr.CodeOf(err) == apperr.Conflict:
			conflicts++
		default:
			t.Errorf("unexpected outcome: %v", err)
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Fatalf("created=%d conflicts=%d, want 1 and %d", created, conflicts, n-1)
	}
	// And exactly one created event.
	events := readStream(t, e, contracts.StreamUser.Name, 1)
	if events[0].Type != user.EventUserCreated {
		t.Fatalf("event %s", events[0].Type)
	}
}

// TestProfileUpdateNeverHiddenByStaleCache hammers one profile with writers
// and readers. After each acknowledged update, every later read must show that
// version or a newer one; at the end the cache holds the database's version.
func TestProfileUpdateNeverHiddenByStaleCache(t *testing.T) {
	t.Parallel()
	e := start(t)
	u, err := e.client.SignUp(context.Background(), user.SignUpRequest{Email: "c@example.com", Password: "correct horse", Name: "C0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := as(u.ID)
	const writers, updates, readers = 4, 15, 4
	var mu sync.Mutex
	var acked int64 = 1 // highest version acknowledged to a writer
	stop := make(chan struct{})
	var wg, rg sync.WaitGroup
	for r := 0; r < readers; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				floor := acked
				mu.Unlock()
				got, err := e.client.Get(ctx, u.ID)
				if err != nil {
					t.Error(err)
					return
				}
				if got.Version < floor {
					t.Errorf("read version %d after version %d was acknowledged", got.Version, floor)
					return
				}
			}
		}()
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < updates; i++ {
				name := fmt.Sprintf("W%d-%d", w, i)
				got, err := e.client.Update(ctx, user.UpdateRequest{ID: u.ID, Name: &name})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if got.Version > acked {
					acked = got.Version
				}
				mu.Unlock()
				// Read-your-write: the writer sees its version or newer.
				again, err := e.client.Get(ctx, u.ID)
				if err != nil || again.Version < got.Version {
					t.Errorf("after update to v%d read %+v %v", got.Version, again, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	final, err := e.client.Get(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1 + writers*updates); final.Version != want {
		t.Fatalf("final version %d, want %d", final.Version, want)
	}
}

// readStream reads the whole stream once the service's outbox is relayed,
// and fails unless it holds exactly want events.
func readStream(t *testing.T, e env, stream string, want int) []contracts.Event {
	t.Helper()
	js, err := jetstream.New(e.nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	// The relay marks an outbox row only after JetStream acknowledged its
	// event, and never publishes a marked row again: once no row is left
	// unmarked, the stream holds every event it ever will, duplicates
	// included, so counting it then proves there is no late one.
	conn := testenv.PGConn(t, e.pgURL)
	poll.Eventually(t, 10*time.Second, "the outbox relayed", func() error {
		var pending int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+postgres.Schema+`.outbox WHERE published_at IS NULL`).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return fmt.Errorf("%d outbox rows not yet published", pending)
		}
		return nil
	})
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if int(info.State.Msgs) != want {
		t.Fatalf("stream %s has %d messages, want %d", stream, info.State.Msgs, want)
	}
	out := make([]contracts.Event, 0, want)
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var ev contracts.Event
		if err := platform.DecodeStrict(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if m.Header.Get(contracts.MsgIDHeader) != ev.ID {
			t.Fatalf("Nats-Msg-Id %q != event id %q", m.Header.Get(contracts.MsgIDHeader), ev.ID)
		}
		out = append(out, ev)
	}
	return out
}
