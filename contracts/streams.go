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

// Kafka topics the bridge produces to (the seed's names first).
const (
	TopicNewVendor        = "new_vendor"
	TopicNewBooking       = "new_booking"
	TopicBookingCancelled = "booking_cancelled"
	TopicBookingAvailed   = "booking_availed"
)

// MsgIDHeader is the JetStream de-duplication header; slotmesh sets it to the
// event id so a retried publish is stored once.
const MsgIDHeader = "Nats-Msg-Id"
