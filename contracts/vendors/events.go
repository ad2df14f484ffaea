package vendors

// SchemaVersion of the events below.
const SchemaVersion = 1

// VendorChanged is the data of EventVendorCreated and EventVendorUpdated: the
// whole vendor at Version, so consumers (search, booking) replace their copy.
type VendorChanged struct {
	Vendor Vendor `json:"vendor"`
}

// UnitsChanged is the data of EventUnitsChanged: the units added or changed
// (their full state) at the vendor's Version. Large additions are split into
// several events (Part of Parts), each under the NATS payload limit.
type UnitsChanged struct {
	VendorID string       `json:"vendor_id"`
	Version  int64        `json:"version"`
	Units    []Unit       `json:"units"`
	Summary  UnitsSummary `json:"summary"` // active units after the change
	Part     int          `json:"part"`
	Parts    int          `json:"parts"`
}

// ManagerAdded is the data of EventManagerAdded.
type ManagerAdded struct {
	VendorID string `json:"vendor_id"`
	UserID   string `json:"user_id"`
	Role     string `json:"role"`
}
