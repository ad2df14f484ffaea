package vendors

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Client calls the vendor service over NATS. Calls that change a vendor need
// the actor in ctx (natsrpc.WithActor).
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// Create onboards a vendor owned by the actor.
func (c *Client) Create(ctx context.Context, r CreateRequest) (Vendor, error) {
	return OpCreate.Call(ctx, c.nc, r)
}

// Get reads a vendor.
func (c *Client) Get(ctx context.Context, id string) (Vendor, error) {
	return OpGet.Call(ctx, c.nc, GetRequest{ID: id})
}

// Update changes a vendor.
func (c *Client) Update(ctx context.Context, r UpdateRequest) (Vendor, error) {
	return OpUpdate.Call(ctx, c.nc, r)
}

// AddUnits adds units in bulk.
func (c *Client) AddUnits(ctx context.Context, r AddUnitsRequest) (AddUnitsResponse, error) {
	return OpAddUnits.Call(ctx, c.nc, r)
}

// ListUnits pages through units.
func (c *Client) ListUnits(ctx context.Context, r ListUnitsRequest) (UnitPage, error) {
	return OpListUnits.Call(ctx, c.nc, r)
}

// UpdateUnit renames or (de)activates a unit.
func (c *Client) UpdateUnit(ctx context.Context, r UpdateUnitRequest) (Unit, error) {
	return OpUpdateUnit.Call(ctx, c.nc, r)
}

// AddManager adds a manager by email.
func (c *Client) AddManager(ctx context.Context, r AddManagerRequest) (Manager, error) {
	return OpAddManager.Call(ctx, c.nc, r)
}

// ListManagers lists a vendor's managers.
func (c *Client) ListManagers(ctx context.Context, vendorID string) (ManagerList, error) {
	return OpListManagers.Call(ctx, c.nc, ListManagersRequest{VendorID: vendorID})
}

// Authorize returns the user's role at the vendor ("" if none).
func (c *Client) Authorize(ctx context.Context, vendorID, userID string) (AuthorizeResponse, error) {
	return OpAuthorize.Call(ctx, c.nc, AuthorizeRequest{VendorID: vendorID, UserID: userID})
}

// Facts returns the vendor and all its units.
func (c *Client) Facts(ctx context.Context, vendorID string) (Facts, error) {
	return OpFacts.Call(ctx, c.nc, FactsRequest{VendorID: vendorID})
}

// Scan pages through every vendor with its units (service to service).
func (c *Client) Scan(ctx context.Context, r ScanRequest) (ScanPage, error) {
	return OpScan.Call(ctx, c.nc, r)
}
