package contracts

// Stream is a JetStream stream owned (created) by one producing service.
type Stream struct {
	Name     string
	Subjects []string
}

// The event streams: one per producing service, each over evt.<service>.>.
// No stream may cover svc.> (requests would be stored and acknowledged).
var (
	StreamUser    = Stream{Name: "USER_EVENTS", Subjects: []string{"evt.user.>"}}
	StreamVendor  = Stream{Name: "VENDOR_EVENTS", Subjects: []string{"evt.vendor.>"}}
	StreamBooking = Stream{Name: "BOOKING_EVENTS", Subjects: []string{"evt.booking.>"}}
	StreamPayment = Stream{Name: "PAYMENT_EVENTS", Subjects: []string{"evt.payment.>"}}
)

// Kafka topics the bridge produces to: the seed's four, then the rest of the
// booking life and the payment events. Which event goes where is the table in
// contracts/bridge. Every message: key = aggregate id (per-aggregate order),
// value = the JSON Event envelope, headers HeaderEventID / HeaderEventType.
const (
	TopicNewVendor        = "new_vendor"        // vendor created, updated, units changed, manager added
	TopicNewBooking       = "new_booking"       // booking confirmed, updated
	TopicBookingCancelled = "booking_cancelled" // cancelled (by its user or a manager)
	TopicBookingAvailed   = "booking_availed"   // availed: bill settled, deposit refunded
	TopicBookingClosed    = "booking_closed"    // ended without a visit: no-show, expired, failed
	TopicBookingBlocked   = "booking_blocked"   // a hold waiting for its deposit
	TopicPaymentEvents    = "payment_events"    // every payment event
)

// Kafka headers on every bridged message.
const (
	HeaderEventID   = "event_id"
	HeaderEventType = "event_type"
	HeaderRequestID = "request_id"
	// HeaderDeadReason says why a consumer group gave up on a message it
	// moved to its dead-letter topic; HeaderDeadFrom is "topic/partition/offset".
	HeaderDeadReason = "dead_letter_reason"
	HeaderDeadFrom   = "dead_letter_from"
)

// Kafka consumer groups.
const (
	GroupNotification = "notification"
	GroupArchive      = "archive"
	GroupSearch       = "search"
)

// DeadLetterTopic is where a consumer group puts messages it cannot handle
// (undecodable, or rejected as invalid), with HeaderDeadReason.
func DeadLetterTopic(group string) string { return group + "_dead_letter" }

// MsgIDHeader is the JetStream de-duplication header; slotmesh sets it to the
// event id so a retried publish is stored once.
const MsgIDHeader = "Nats-Msg-Id"
