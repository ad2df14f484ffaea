// Package vendor is the wire contract of the vendor service: restaurants and
// hotels, their units (tables, rooms), managers and policies.
package vendors

// Service is the micro service name.
const Service = "vendor"

// Group is the micro endpoint group.
const Group = "svc.vendor.v1"

// Request subjects.
const (
	SubjectCreate       = Group + ".create"       // CreateRequest -> Vendor (actor becomes owner)
	SubjectGet          = Group + ".get"          // GetRequest -> Vendor (public)
	SubjectUpdate       = Group + ".update"       // UpdateRequest -> Vendor (managers)
	SubjectAddUnits     = Group + ".addunits"     // AddUnitsRequest -> AddUnitsResponse (managers)
	SubjectListUnits    = Group + ".listunits"    // ListUnitsRequest -> UnitPage (public)
	SubjectUpdateUnit   = Group + ".updateunit"   // UpdateUnitRequest -> Unit (managers)
	SubjectAddManager   = Group + ".addmanager"   // AddManagerRequest -> Manager (owner)
	SubjectListManagers = Group + ".listmanagers" // ListManagersRequest -> ManagerList (managers)
	SubjectAuthorize    = Group + ".authorize"    // AuthorizeRequest -> AuthorizeResponse (service to service)
	SubjectFacts        = Group + ".facts"        // FactsRequest -> Facts (service to service: booking's resync)
	SubjectScan         = Group + ".scan"         // ScanRequest -> ScanPage (service to service: search's reindex)
)

// Event subjects, on stream contracts.StreamVendor.
const (
	EventVendorCreated = "evt.vendor.vendor.created.v1" // data: VendorChanged
	EventVendorUpdated = "evt.vendor.vendor.updated.v1" // data: VendorChanged
	EventUnitsChanged  = "evt.vendor.units.changed.v1"  // data: UnitsChanged
	EventManagerAdded  = "evt.vendor.manager.added.v1"  // data: ManagerAdded
)
