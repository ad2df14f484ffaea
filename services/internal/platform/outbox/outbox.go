// Package outbox is the transactional outbox: a service writes its state change
// and the event describing it in one Postgres transaction (Add), and a Relay
// publishes pending rows to the service's JetStream stream with Nats-Msg-Id set
// to the event id, then marks them published. Nothing is published outside a
// committed transaction; nothing committed stays unpublished; a publish retried
// after a crash is de-duplicated by JetStream within the stream's duplicate
// window (and consumers dedupe by event id beyond it).
package outbox

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the outbox table in the pool's schema.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	return postgres.Migrate(ctx, pool, schema, "outbox_schema_version", mustSub(migrations, "migrations"))
}

// NewEvent builds an event envelope with a fresh UUIDv7 id.
func NewEvent(source, subject, aggregateType, aggregateID, requestID string, schemaVersion int, data any) (contracts.Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return contracts.Event{}, fmt.Errorf("outbox: encode %s: %w", subject, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return contracts.Event{}, fmt.Errorf("outbox: event id: %w", err)
	}
	return contracts.Event{
		ID:            id.String(),
		Type:          subject,
		Source:        source,
		AggregateType: aggregateType,
		AggregateID:   aggregateID,
		OccurredAt:    time.Now().UTC(),
		SchemaVersion: schemaVersion,
		RequestID:     requestID,
		Data:          raw,
	}, nil
}

// InsertSQL is the statement Add runs per event ($1 event id, $2 subject,
// $3 payload); exported so benchmarks can replay the exact statement.
const InsertSQL = `INSERT INTO outbox (event_id, subject, payload) VALUES ($1, $2, $3)`

// Add writes events to the outbox inside tx. They are published only if tx
// commits.
func Add(ctx context.Context, tx pgx.Tx, events ...contracts.Event) error {
	for _, e := range events {
		payload, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("outbox: encode %s: %w", e.Type, err)
		}
		if _, err := tx.Exec(ctx, InsertSQL, e.ID, e.Type, payload); err != nil {
			return fmt.Errorf("outbox: insert %s: %w", e.Type, err)
		}
	}
	return nil
}

// Queue adds events' inserts to a batch that runs inside the transaction
// (one round trip for the batch instead of one per statement).
func Queue(b *pgx.Batch, events ...contracts.Event) error {
	for _, e := range events {
		payload, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("outbox: encode %s: %w", e.Type, err)
		}
		b.Queue(InsertSQL, e.ID, e.Type, payload)
	}
	return nil
}

// StreamOptions configure a service's event stream.
type StreamOptions struct {
	Replicas    int           // 1 locally, 3 in production
	DedupWindow time.Duration // JetStream duplicate window; >= the longest relay outage you accept without consumer dedupe
	MaxAge      time.Duration // how long events are kept; 0 means 7 days
}

// EnsureStream creates or updates the owning service's stream: file storage,
// limits retention, the configured replicas and duplicate window.
func EnsureStream(ctx context.Context, js jetstream.JetStream, s contracts.Stream, o StreamOptions) (jetstream.Stream, error) {
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.DedupWindow <= 0 {
		o.DedupWindow = 10 * time.Minute
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       s.Name,
		Subjects:   s.Subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Replicas:   o.Replicas,
		Duplicates: o.DedupWindow,
		MaxAge:     o.MaxAge,
		Discard:    jetstream.DiscardOld,
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: ensure stream %s: %w", s.Name, err)
	}
	return st, nil
}

// MigrateService applies a service's own migrations (files NNN_name.sql in
// dir of fsys) to its schema, then the outbox's: what every service's
// postgres adapter runs on start.
func MigrateService(ctx context.Context, pool *pgxpool.Pool, schema string, fsys fs.FS, dir string) error {
	if err := postgres.MigrateDir(ctx, pool, schema, fsys, dir); err != nil {
		return err
	}
	return Migrate(ctx, pool, schema)
}
