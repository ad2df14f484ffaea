// Package postgres is the shared Postgres plumbing: a pgx pool bound to one
// service's schema, embedded migrations applied on start, transactions, and the
// one mapping of driver errors to apperr codes.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/backoff"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/internal/ident"
)

// Connect opens a pool whose sessions use schema as their search_path (each
// service owns one schema; it never reads another's). The schema is created if
// missing.
func Connect(ctx context.Context, pgURL, schema string) (*pgxpool.Pool, error) {
	return ConnectN(ctx, pgURL, schema, 0, nil)
}

// ConnectN is Connect with a pool of at most maxConns connections (0: pgx's
// default, or pool_max_conns in the URL) and extra session settings (e.g.
// lock_timeout) sent at connection start, so no statement spends a round
// trip on them.
func ConnectN(ctx context.Context, pgURL, schema string, maxConns int, params map[string]string) (*pgxpool.Pool, error) {
	if !validIdent(schema) {
		return nil, fmt.Errorf("postgres: bad schema name %q", schema)
	}
	cfg, err := pgxpool.ParseConfig(pgURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse PG_URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.ConnConfig.RuntimeParams["application_name"] = "slotmesh-" + schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	// Replicas starting together race on IF NOT EXISTS (a unique violation on
	// pg_namespace); a transaction-level advisory lock serialises them.
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('slotmesh.schema.' || $1))", schema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema)
		return err
	}); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	return pool, nil
}

// Migrate applies the migrations in fsys (files NNN_name.sql, tern format) to
// the pool's schema, recording the version in <schema>.<versionTable>. It takes
// an advisory lock, so replicas starting together migrate once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema, versionTable string, fsys fs.FS) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", schema, err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), schema+"."+versionTable)
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", schema, err)
	}
	if err := m.LoadMigrations(fsys); err != nil {
		return fmt.Errorf("postgres: load %s migrations: %w", schema, err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", schema, err)
	}
	return nil
}

// EnsureDatabase creates the database named in pgURL if it does not exist,
// connecting to the server's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, pgURL string) error {
	u, err := url.Parse(pgURL)
	if err != nil {
		return fmt.Errorf("postgres: parse PG_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || name == "postgres" {
		return nil
	}
	if !validIdent(name) {
		return fmt.Errorf("postgres: bad database name %q", name)
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return fmt.Errorf("postgres: connect to %s: %w", admin.Redacted(), err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil && !isCode(err, "42P04") {
		return fmt.Errorf("postgres: create database %s: %w", name, err)
	}
	return nil
}

// InTx runs fn in a transaction, committing when it returns nil. When
// Postgres gives up on the transaction for a reason a second try may not
// meet (IsRetryable: a serialization failure, a deadlock, a lock timeout),
// the whole transaction runs again, at most txAttempts times in all, after
// a short pause that grows and is jittered, so the losers of a conflict do
// not meet again. Any other error, or the last retryable one, is returned as
// is; a ctx that ends during a pause ends the retries with both errors.
//
// fn may therefore run more than once, each time in a new transaction. It
// must not keep state across runs except by (re)assigning it at the start of
// each run: a variable outside fn that it appends to, adds to or sets on only
// some paths must be reset first, or a retry would count a rolled-back run.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, pool, fn)
		if err == nil || attempt == txAttempts || !IsRetryable(err) {
			return err
		}
		if !clock.Sleep(ctx, txBackoff.Next(attempt)) {
			return fmt.Errorf("%w (not retried: %w)", err, ctx.Err())
		}
	}
}

// txAttempts bounds the runs of one InTx.
const txAttempts = 4

// txBackoff is the pause after the nth failed run: 7.5ms doubled for each
// earlier run, its last two thirds drawn at random (2.5-7.5ms, 5-15ms,
// 10-30ms).
var txBackoff = backoff.Exp{Min: 7500 * time.Microsecond, Max: 30 * time.Millisecond, Jitter: 2.0 / 3}

// Postgres error codes (SQLSTATE) mapped by MapError or retried by InTx.
const (
	codeUniqueViolation    = "23505"
	codeExclusionViolation = "23P01"
	codeForeignKey         = "23503"
	codeCheckViolation     = "23514"
	codeSerialization      = "40001" // serialization_failure
	codeDeadlock           = "40P01" // deadlock_detected
	codeLockNotAvailable   = "55P03" // lock_not_available: lock_timeout, NOWAIT
)

// MapError is the one place driver errors become apperr codes: no rows ->
// not_found, unique or exclusion violation -> conflict; what it cannot name is
// wrapped with %w and stays internal.
func MapError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.E(apperr.NotFound, "%s not found", what)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case codeUniqueViolation, codeExclusionViolation:
			return apperr.E(apperr.Conflict, "%s already exists", what).With("constraint", pg.ConstraintName)
		case codeForeignKey:
			return apperr.E(apperr.NotFound, "%s refers to something that does not exist", what).With("constraint", pg.ConstraintName)
		case codeCheckViolation:
			return apperr.E(apperr.InvalidInput, "%s breaks a rule", what).With("constraint", pg.ConstraintName)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// IsRetryable reports a serialization failure, a deadlock or a lock not
// available (lock_timeout, NOWAIT): Postgres aborted the transaction, and
// running it again may succeed. InTx does so.
func IsRetryable(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	switch pg.Code {
	case codeSerialization, codeDeadlock, codeLockNotAvailable:
		return true
	}
	return false
}

// IsUniqueViolation reports a unique violation, optionally of one constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == codeUniqueViolation && (constraint == "" || pg.ConstraintName == constraint)
}

// IsExclusionViolation reports an exclusion-constraint violation.
func IsExclusionViolation(err error) bool { return isCode(err, codeExclusionViolation) }

func isCode(err error, code string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == code
}

func validIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// IsUUID is ident.IsUUID, for the adapters: a malformed id is "not found"
// rather than a SQL error.
func IsUUID(s string) bool { return ident.IsUUID(s) }

// MigrateDir is Migrate of the directory dir of fsys (an embed.FS) with the
// usual version table: a service's own migrations, without an outbox.
func MigrateDir(ctx context.Context, pool *pgxpool.Pool, schema string, fsys fs.FS, dir string) error {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return err
	}
	return Migrate(ctx, pool, schema, "schema_version", sub)
}
