package booking

// SchemaVersion of the events.
const SchemaVersion = 1

// Changed is the data of every booking event: the booking after the change.
type Changed struct {
	Booking Booking `json:"booking"`
	From    string  `json:"from,omitempty"` // the previous status; equal to the booking's: a restatement (its deposit settled)
}
