// Package contracts is the wire of slotmesh: subjects, streams, topics, and the
// event envelope. Service-specific requests, responses and events live in one
// sub-package per service (contracts/user, ...). It imports nothing else of ours.
package contracts

import (
	"encoding/json"
	"time"
)

// Event is the envelope of every event on JetStream and Kafka. Data holds the
// event-specific payload (a type from contracts/<service>/events.go) and is
// interpreted by Type and SchemaVersion.
type Event struct {
	ID            string          `json:"id"`             // UUIDv7; also the Nats-Msg-Id and the dedupe key of consumers
	Type          string          `json:"type"`           // the event subject, e.g. evt.user.user.created.v1
	Source        string          `json:"source"`         // producing service, e.g. "user"
	AggregateType string          `json:"aggregate_type"` // e.g. "user"
	AggregateID   string          `json:"aggregate_id"`   // ordering and partitioning key
	OccurredAt    time.Time       `json:"occurred_at"`
	SchemaVersion int             `json:"schema_version"`
	RequestID     string          `json:"request_id,omitempty"` // the request that caused it
	Data          json.RawMessage `json:"data"`
}

// Decode unmarshals the event's data into v.
func (e Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }
