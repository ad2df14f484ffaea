// Package vendor is the wire contract of the vendor service: restaurants and
// hotels, their units (tables, rooms), managers and policies.
package vendors

import "github.com/slotmesh/slotmesh/contracts/natsrpc"

// Service is the micro service name.
const Service = "vendor"

// Group is the micro endpoint group.
const Group = "svc.vendor.v1"

// Operations: the endpoints serve them, the Client calls them.
var (
	OpCreate       = natsrpc.NewOp[CreateRequest, Vendor](Group, "create")                  // actor becomes owner
	OpGet          = natsrpc.NewOp[GetRequest, Vendor](Group, "get")                        // public
	OpUpdate       = natsrpc.NewOp[UpdateRequest, Vendor](Group, "update")                  // managers
	OpAddUnits     = natsrpc.NewOp[AddUnitsRequest, AddUnitsResponse](Group, "addunits")    // managers
	OpListUnits    = natsrpc.NewOp[ListUnitsRequest, UnitPage](Group, "listunits")          // public
	OpUpdateUnit   = natsrpc.NewOp[UpdateUnitRequest, Unit](Group, "updateunit")            // managers
	OpAddManager   = natsrpc.NewOp[AddManagerRequest, Manager](Group, "addmanager")         // owner
	OpListManagers = natsrpc.NewOp[ListManagersRequest, ManagerList](Group, "listmanagers") // managers
	OpAuthorize    = natsrpc.NewOp[AuthorizeRequest, AuthorizeResponse](Group, "authorize") // service to service
	OpFacts        = natsrpc.NewOp[FactsRequest, Facts](Group, "facts")                     // service to service: booking's resync
	OpScan         = natsrpc.NewOp[ScanRequest, ScanPage](Group, "scan")                    // service to service: search's reindex
)

// Event subjects, on stream contracts.StreamVendor.
const (
	EventVendorCreated = "evt.vendor.vendor.created.v1" // data: VendorChanged
	EventVendorUpdated = "evt.vendor.vendor.updated.v1" // data: VendorChanged
	EventUnitsChanged  = "evt.vendor.units.changed.v1"  // data: UnitsChanged
	EventManagerAdded  = "evt.vendor.manager.added.v1"  // data: ManagerAdded
)
