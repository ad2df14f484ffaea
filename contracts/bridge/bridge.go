// Package bridge is the table of which JetStream events the bridge mirrors
// onto which Kafka topic. Consumers of a topic read this to know what arrives.
package bridge

import (
	"slices"

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
