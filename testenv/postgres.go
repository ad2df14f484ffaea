package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPG is the server tests use unless SLOTMESH_TEST_PG says otherwise.
const DefaultPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const howToStart = "start the local servers with `go tool task deps` (or set SLOTMESH_TEST_PG / SLOTMESH_TEST_REDIS)"

// PGServerURL is the admin URL of the test Postgres server.
func PGServerURL() string {
	if u := os.Getenv("SLOTMESH_TEST_PG"); u != "" {
		return u
	}
	return DefaultPG
}

// Postgres creates a fresh, empty database for t and returns its URL; the
// database is dropped when t ends. Tests in one package each get their own.
func Postgres(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := PGServerURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("testenv: cannot reach Postgres at %s: %v\n%s", redact(admin), err, howToStart)
	}
	defer conn.Close(context.Background())
	name := "slotmesh_t_" + randomHex(8)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("testenv: drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("testenv: drop database %s: %v", name, err)
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PGConn is a connection to the database at url, closed when the test ends.
func PGConn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("testenv: connect to %s: %v", redact(url), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
