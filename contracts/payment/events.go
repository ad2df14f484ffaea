package payment

// SchemaVersion of the events (EventSucceeded and the others in subjects.go),
// whose data are the Payment and Refund of messages.go.
const SchemaVersion = 1
