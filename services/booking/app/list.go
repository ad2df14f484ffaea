package app

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// List pages through the actor's bookings, or a vendor's (its managers).
// current: BLOCKED/CONFIRMED (until the vendor settles them, even when their
// time has passed), soonest first; past: the rest, newest first.
func (a *App) List(ctx context.Context, actor string, r booking.ListRequest) ([]domain.Booking, string, error) {
	if actor == "" {
		return nil, "", apperr.E(apperr.Unauthenticated, "authentication required")
	}
	q := ListQuery{Limit: r.Limit}
	switch {
	case q.Limit == 0:
		q.Limit = 50
	case q.Limit < 0 || q.Limit > 200:
		return nil, "", apperr.Field("limit", "must be between 1 and 200")
	}
	if r.VendorID != "" {
		ok, err := a.isManager(ctx, r.VendorID, actor)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", apperr.E(apperr.Forbidden, "only the vendor's managers may list its bookings")
		}
		q.VendorID = r.VendorID
	} else {
		if r.UserID != "" && r.UserID != actor {
			return nil, "", apperr.E(apperr.Forbidden, "not your bookings")
		}
		q.UserID = actor
	}
	switch r.Scope {
	case "current":
		q.Statuses = []string{domain.Blocked, domain.Confirmed}
	case "past":
		q.Statuses = []string{domain.Cancelled, domain.Availed, domain.NoShow, domain.Expired, domain.Failed}
		q.Desc = true
	case "", "all":
	default:
		return nil, "", apperr.Field("scope", `must be "current", "past" or "all"`)
	}
	if r.Status != "" {
		st := strings.ToUpper(r.Status)
		if _, ok := eventOf[st]; !ok {
			return nil, "", apperr.Field("status", "unknown status %q", r.Status)
		}
		q.Statuses = []string{st}
	}
	if r.From != nil {
		q.EndsAfter = r.From
	}
	q.StartsBefore = r.To
	if r.Cursor != "" {
		c, err := decodeCursor(r.Cursor)
		if err != nil {
			return nil, "", err
		}
		q.After = &c
	}
	q.Limit++
	items, err := a.Bookings.List(ctx, q)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) == q.Limit {
		items = items[:q.Limit-1]
		last := items[len(items)-1]
		next = encodeCursor(Cursor{Start: last.During.Start, ID: last.ID})
	}
	return items, next, nil
}

func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Start.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

func decodeCursor(s string) (Cursor, error) {
	bad := apperr.Field("cursor", "is not a cursor this API gave out")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || len(id) != 36 {
		return Cursor{}, bad
	}
	return Cursor{Start: t, ID: id}, nil
}
