package bridge

import (
	"slices"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// Route is one durable JetStream consumer of the bridge: the events of a
// stream (Filters; empty = all) it mirrors, and the topic of each type.
type Route struct {
	Stream  contracts.Stream
	Durable string            // bridge_<stream purpose>
	Topics  map[string]string // event type -> topic
}

// Routes are the bridge's consumers. User events stay inside NATS: they carry
// personal data nobody downstream needs.
var Routes = []Route{
	{Stream: contracts.StreamVendor, Durable: "bridge_vendor", Topics: map[string]string{
		vendors.EventVendorCreated: contracts.TopicNewVendor,
		vendors.EventVendorUpdated: contracts.TopicNewVendor,
		vendors.EventUnitsChanged:  contracts.TopicNewVendor,
		vendors.EventManagerAdded:  contracts.TopicNewVendor,
	}},
	{Stream: contracts.StreamBooking, Durable: "bridge_booking", Topics: map[string]string{
		booking.EventBlocked:   contracts.TopicBookingBlocked,
		booking.EventConfirmed: contracts.TopicNewBooking,
		booking.EventUpdated:   contracts.TopicNewBooking,
		booking.EventCancelled: contracts.TopicBookingCancelled,
		booking.EventAvailed:   contracts.TopicBookingAvailed,
		booking.EventNoShow:    contracts.TopicBookingClosed,
		booking.EventExpired:   contracts.TopicBookingClosed,
		booking.EventFailed:    contracts.TopicBookingClosed,
	}},
	{Stream: contracts.StreamPayment, Durable: "bridge_payment", Topics: map[string]string{
		payment.EventSucceeded: contracts.TopicPaymentEvents,
		payment.EventFailed:    contracts.TopicPaymentEvents,
		payment.EventRefunded:  contracts.TopicPaymentEvents,
		payment.EventVoided:    contracts.TopicPaymentEvents,
	}},
}

// Topics lists every topic the bridge writes, each once, sorted.
func Topics() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range Routes {
		for _, t := range r.Topics {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TopicOf is the topic of an event type ("" when the bridge does not mirror it).
func TopicOf(eventType string) string {
	for _, r := range Routes {
		if t, ok := r.Topics[eventType]; ok {
			return t
		}
	}
	return ""
}

// StatsRequest asks one bridge process for its counters (any replica answers).
type StatsRequest struct{}

// Stats are one bridge process's counters since it started, one entry per
// route in the order of Routes.
type Stats struct {
	Instance    string       `json:"instance"`     // the answering process's micro instance id
	TopicsReady bool         `json:"topics_ready"` // the Kafka topics exist (created or found on start)
	Routes      []RouteStats `json:"routes"`
}

// RouteStats are the counters of one route in one bridge process.
type RouteStats struct {
	Stream      string     `json:"stream"`
	Durable     string     `json:"durable"`
	Bridged     uint64     `json:"bridged"`  // messages Kafka acknowledged, then acked on JetStream
	Poison      uint64     `json:"poison"`   // messages terminated as undecodable or unroutable
	Failures    uint64     `json:"failures"` // failed Kafka writes (each retried)
	InHand      int        `json:"in_hand"`  // messages fetched and not yet acked
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	// Lag is the consumer's messages not yet delivered (JetStream's
	// num_pending) plus those delivered and not yet acked, when the server
	// answered in time; -1 when it did not.
	Lag int64 `json:"lag"`
}
