// Package user is the wire contract of the user service: subjects, requests,
// responses, events and a typed client.
package user

// Service is the micro service name (nats micro ls).
const Service = "user"

// Group is the micro endpoint group; requests go to Group + "." + op.
const Group = "svc.user.v1"

// Request subjects.
const (
	SubjectSignUp = Group + ".signup"
	SubjectLogin  = Group + ".login"
	SubjectGet    = Group + ".get"
	SubjectUpdate = Group + ".update"
	SubjectLookup = Group + ".lookup"
	SubjectKeys   = Group + ".keys"
	// SubjectContact is service to service (notification): ContactRequest -> Contact.
	SubjectContact = Group + ".contact"
)

// Event subjects, on stream contracts.StreamUser.
const (
	EventUserCreated = "evt.user.user.created.v1"
	EventUserUpdated = "evt.user.user.updated.v1"
)
