package vendors

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Client calls the vendor service over NATS. Calls that change a vendor need
// the actor in ctx (natsrpc.WithActor).
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// Create onboards a vendor owned by the actor.
func (c *Client) Create(ctx context.Context, r CreateRequest) (Vendor, error) {
	return natsrpc.Call[CreateRequest, Vendor](ctx, c.nc, SubjectCreate, r)
}

// Get reads a vendor.
func (c *Client) Get(ctx context.Context, id string) (Vendor, error) {
	return natsrpc.Call[GetRequest, Vendor](ctx, c.nc, SubjectGet, GetRequest{ID: id})
}

// Update changes a vendor.
func (c *Client) Update(ctx context.Context, r UpdateRequest) (Vendor, error) {
	return natsrpc.Call[UpdateRequest, Vendor](ctx, c.nc, SubjectUpdate, r)
}

// AddUnits adds units in bulk.
func (c *Client) AddUnits(ctx context.Context, r AddUnitsRequest) (AddUnitsResponse, error) {
	return natsrpc.Call[AddUnitsRequest, AddUnitsResponse](ctx, c.nc, SubjectAddUnits, r)
}

// ListUnits pages through units.
func (c *Client) ListUnits(ctx context.Context, r ListUnitsRequest) (UnitPage, error) {
	return natsrpc.Call[ListUnitsRequest, UnitPage](ctx, c.nc, SubjectListUnits, r)
}

// UpdateUnit renames or (de)activates a unit.
func (c *Client) UpdateUnit(ctx context.Context, r UpdateUnitRequest) (Unit, error) {
	return natsrpc.Call[UpdateUnitRequest, Unit](ctx, c.nc, SubjectUpdateUnit, r)
}

// AddManager adds a manager by email.
func (c *Client) AddManager(ctx context.Context, r AddManagerRequest) (Manager, error) {
	return natsrpc.Call[AddManagerRequest, Manager](ctx, c.nc, SubjectAddManager, r)
}

// ListManagers lists a vendor's managers.
func (c *Client) ListManagers(ctx context.Context, vendorID string) (ManagerList, error) {
	return natsrpc.Call[ListManagersRequest, ManagerList](ctx, c.nc, SubjectListManagers, ListManagersRequest{VendorID: vendorID})
}

// Authorize returns the user's role at the vendor ("" if none).
func (c *Client) Authorize(ctx context.Context, vendorID, userID string) (AuthorizeResponse, error) {
	return natsrpc.Call[AuthorizeRequest, AuthorizeResponse](ctx, c.nc, SubjectAuthorize, AuthorizeRequest{VendorID: vendorID, UserID: userID})
}

// Facts returns the vendor and all its units.
func (c *Client) Facts(ctx context.Context, vendorID string) (Facts, error) {
	return natsrpc.Call[FactsRequest, Facts](ctx, c.nc, SubjectFacts, FactsRequest{VendorID: vendorID})
}

// Scan pages through every vendor with its units (service to service).
func (c *Client) Scan(ctx context.Context, r ScanRequest) (ScanPage, error) {
	return natsrpc.Call[ScanRequest, ScanPage](ctx, c.nc, SubjectScan, r)
}
