// Package vendorfacts reaches the vendor service over NATS (contracts/vendors)
// and translates its facts into booking's copy.
package vendorfacts

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
)

// Client implements app.Vendors.
type Client struct{ c *vendors.Client }

// New returns a client on nc.
func New(nc *nats.Conn) *Client { return &Client{c: vendors.NewClient(nc)} }

// Facts fetches a vendor and all its units.
func (c *Client) Facts(ctx context.Context, vendorID string) (domain.Vendor, []app.UnitCopy, error) {
	f, err := c.c.Facts(ctx, vendorID)
	if err != nil {
		return domain.Vendor{}, nil, err
	}
	v, err := Vendor(f.Vendor)
	if err != nil {
		return domain.Vendor{}, nil, err
	}
	return v, Units(f.Units), nil
}

// Role is the user's role at the vendor.
func (c *Client) Role(ctx context.Context, vendorID, userID string) (string, error) {
	r, err := c.c.Authorize(ctx, vendorID, userID)
	return r.Role, err
}

// Vendor translates the vendor service's vendor into booking's copy; the
// schedule is read by the rules search shares (services/internal/schedule).
func Vendor(w vendors.Vendor) (domain.Vendor, error) {
	v := domain.Vendor{
		ID: w.ID, Version: w.Version, Kind: w.Kind, Timezone: w.Timezone, SlotMinutes: w.SlotMinutes,
		StayMinutes: w.StayMinutes, DepositAmount: w.Deposit.Amount, DepositCurrency: w.Deposit.Currency,
		DepositPerGuest: w.Deposit.Per == vendors.PerGuest, FreeCancelHours: w.Cancellation.FreeUntilHoursBefore,
		HorizonDays: w.HorizonDays(), Active: w.Status == vendors.StatusActive,
	}
	s, err := schedule.FromVendor(w)
	v.CheckIn, v.CheckOut, v.Hours = s.CheckIn, s.CheckOut, s.Hours
	return v, err
}

// Units translates units.
func Units(in []vendors.Unit) []app.UnitCopy {
	out := make([]app.UnitCopy, len(in))
	for i, u := range in {
		out[i] = app.UnitCopy{ID: u.ID, Name: u.Name, Capacity: u.Capacity, Active: u.Active}
	}
	return out
}
