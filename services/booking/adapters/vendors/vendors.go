// Package vendors reaches the vendor service over NATS (contracts/vendors)
// and translates its facts into booking's copy.
package vendors

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	wire "github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Client implements app.Vendors.
type Client struct{ c *wire.Client }

// New returns a client on nc.
func New(nc *nats.Conn) *Client { return &Client{c: wire.NewClient(nc)} }

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

// Vendor translates the vendor service's vendor into booking's copy.
func Vendor(w wire.Vendor) (domain.Vendor, error) {
	v := domain.Vendor{
		ID: w.ID, Version: w.Version, Kind: w.Kind, Timezone: w.Timezone, SlotMinutes: w.SlotMinutes,
		StayMinutes: w.StayMinutes, DepositAmount: w.Deposit.Amount, DepositCurrency: w.Deposit.Currency,
		DepositPerGuest: w.Deposit.Per == wire.PerGuest, FreeCancelHours: w.Cancellation.FreeUntilHoursBefore,
		Active: w.Status == wire.StatusActive,
	}
	var ok bool
	if w.Kind == wire.KindHotel {
		if v.CheckIn, ok = clock(w.CheckIn); !ok {
			return v, fmt.Errorf("vendor %s: bad check_in %q", w.ID, w.CheckIn)
		}
		if v.CheckOut, ok = clock(w.CheckOut); !ok {
			return v, fmt.Errorf("vendor %s: bad check_out %q", w.ID, w.CheckOut)
		}
	}
	days := map[string]int{"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
	for _, h := range w.OpeningHours {
		d, okd := days[h.Weekday]
		o, oko := clock(h.Open)
		c, okc := clock(h.Close)
		if !okd || !oko || !okc {
			return v, fmt.Errorf("vendor %s: bad opening hours %+v", w.ID, h)
		}
		if h.Overnight {
			c += 1440
		}
		v.Hours = append(v.Hours, domain.Interval{Weekday: d, Open: o, Close: c})
	}
	return v, nil
}

// Units translates units.
func Units(in []wire.Unit) []app.UnitCopy {
	out := make([]app.UnitCopy, len(in))
	for i, u := range in {
		out[i] = app.UnitCopy{ID: u.ID, Name: u.Name, Capacity: u.Capacity, Active: u.Active}
	}
	return out
}

func clock(s string) (int, bool) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}
