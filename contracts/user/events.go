package user

// SchemaVersion of the events below.
const SchemaVersion = 1

// UserCreated is the data of EventUserCreated.
type UserCreated struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// UserUpdated is the data of EventUserUpdated.
type UserUpdated struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	Phone   string `json:"phone,omitempty"`
	Version int64  `json:"version"`
}
