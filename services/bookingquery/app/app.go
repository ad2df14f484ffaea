// Package app is booking management's use cases: a user's or a vendor's
// bookings, current ones from bookingdata_cache (warming it from the booking
// service when cold, reading the booking service when Redis cannot answer)
// and past ones from the archive.
package app

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/internal/rolecache"
)

// Owner names whose bookings: a user or a vendor (exactly one).
type Owner struct {
	UserID   string
	VendorID string
}

// CurrentQuery selects current bookings: ending after From, starting before
// To, of Status (BLOCKED or CONFIRMED; "" both), after the cursor position.
type CurrentQuery struct {
	From, To *time.Time
	Status   string
	After    *Position
	Limit    int
}

// Position is a place in a soonest-first list: (start, id).
type Position struct {
	Start time.Time
	ID    string
}

// Keep reports whether a booking matches the query (cursor aside).
func (q CurrentQuery) Keep(b booking.Booking) bool {
	return booking.Active(b.Status) && (q.Status == "" || b.Status == q.Status) &&
		(q.From == nil || b.End.After(*q.From)) && (q.To == nil || b.Start.Before(*q.To))
}

// ErrCold is what Index.Page answers when the index is not warm.
var ErrCold = errors.New("index is cold")

// Index is bookingdata_cache's current bookings of an owner.
type Index interface {
	// Page returns up to q.Limit matching bookings after q.After, soonest
	// first, or ErrCold.
	Page(ctx context.Context, o Owner, q CurrentQuery) ([]booking.Booking, error)
	// Warm fills a cold index with load's answer; false if a change landed
	// meanwhile (the index then stays cold).
	Warm(ctx context.Context, o Owner, load func(context.Context) ([]booking.Booking, error)) (bool, error)
}

// Bookings is the booking service (source of truth for current bookings).
type Bookings interface {
	List(ctx context.Context, r booking.ListRequest) (booking.Page, error)
}

// Archive is the archive service.
type Archive interface {
	List(ctx context.Context, r archive.ListRequest) (archive.Page, error)
}

// Vendors answers who manages a vendor.
type Vendors interface {
	Role(ctx context.Context, vendorID, userID string) (string, error)
}

// MaxWarm is the most current bookings an index is warmed with; an owner
// with more is always read from the booking service.
const MaxWarm = 5000

// App is booking management.
type App struct {
	Index    Index
	Bookings Bookings
	Archive  Archive
	Vendors  Vendors
	Now      func() time.Time

	roles rolecache.Cache
}

// User lists the actor's bookings.
func (a *App) User(ctx context.Context, r bookingquery.ListRequest) (booking.Page, error) {
	actor := natsrpc.Actor(ctx)
	if actor == "" {
		return booking.Page{}, apperr.E(apperr.Unauthenticated, "authentication required")
	}
	if r.VendorID != "" {
		return booking.Page{}, apperr.Field("vendor_id", "is not accepted here; list a vendor's bookings as its manager")
	}
	return a.list(ctx, Owner{UserID: actor}, r)
}

// Vendor lists a vendor's bookings (its managers only).
func (a *App) Vendor(ctx context.Context, r bookingquery.ListRequest) (booking.Page, error) {
	actor := natsrpc.Actor(ctx)
	if actor == "" {
		return booking.Page{}, apperr.E(apperr.Unauthenticated, "authentication required")
	}
	if r.VendorID == "" {
		return booking.Page{}, apperr.Field("vendor_id", "is required")
	}
	role, err := a.role(ctx, r.VendorID, actor)
	if err != nil {
		return booking.Page{}, err
	}
	if role == "" {
		return booking.Page{}, apperr.E(apperr.Forbidden, "only the vendor's managers may list its bookings")
	}
	return a.list(ctx, Owner{VendorID: r.VendorID}, r)
}

var finals = []string{booking.StatusAvailed, booking.StatusCancelled, booking.StatusNoShow, booking.StatusExpired, booking.StatusFailed}

func (a *App) list(ctx context.Context, o Owner, r bookingquery.ListRequest) (booking.Page, error) {
	var f apperr.Fields
	limit := r.Limit
	switch {
	case limit == 0:
		limit = bookingquery.DefaultLimit
	case limit < 1 || limit > bookingquery.MaxLimit:
		f.Add("limit", "must be between 1 and %d", bookingquery.MaxLimit)
	}
	status := strings.ToUpper(strings.TrimSpace(r.Status))
	final := false
	for _, s := range finals {
		final = final || status == s
	}
	if status != "" && !final && !booking.Active(status) {
		f.Add("status", "unknown status %q", r.Status)
	}
	scope := r.Scope
	if scope == "" {
		scope = bookingquery.ScopeCurrent
		if final {
			scope = bookingquery.ScopePast
		}
	}
	switch {
	case scope != bookingquery.ScopeCurrent && scope != bookingquery.ScopePast:
		f.Add("scope", "must be %q or %q", bookingquery.ScopeCurrent, bookingquery.ScopePast)
	case scope == bookingquery.ScopeCurrent && final, scope == bookingquery.ScopePast && booking.Active(status):
		f.Add("status", "%s bookings are not in the %s scope", status, scope)
	}
	if r.From != nil && r.To != nil && !r.From.Before(*r.To) {
		f.Add("to", "must be after from")
	}
	var after *Position
	if scope == bookingquery.ScopeCurrent && r.Cursor != "" {
		p, err := DecodeCursor(r.Cursor)
		if err != nil {
			f.Add("cursor", "is not a cursor this API gave out")
		}
		after = &p
	}
	if err := f.Err(); err != nil {
		return booking.Page{}, err
	}
	if scope == bookingquery.ScopePast {
		p, err := a.Archive.List(ctx, archive.ListRequest{UserID: o.UserID, VendorID: o.VendorID, From: r.From, To: r.To,
			Status: status, Cursor: r.Cursor, Limit: limit})
		return booking.Page{Items: nonNil(p.Items), NextCursor: p.NextCursor}, err
	}
	return a.current(ctx, o, CurrentQuery{From: r.From, To: r.To, Status: status, After: after, Limit: limit}, r.Cursor)
}

// current reads the index; a cold one is warmed once; when Redis cannot
// answer, the booking service does.
func (a *App) current(ctx context.Context, o Owner, q CurrentQuery, cursor string) (booking.Page, error) {
	want := q
	want.Limit++
	items, err := a.Index.Page(ctx, o, want)
	if errors.Is(err, ErrCold) {
		var ok bool
		ok, err = a.Index.Warm(ctx, o, func(ctx context.Context) ([]booking.Booking, error) { return a.all(ctx, o) })
		if err == nil && ok {
			items, err = a.Index.Page(ctx, o, want)
		} else if err == nil {
			err = ErrCold
		}
	}
	if err != nil {
		if _, ok := apperr.As(err); ok { // the booking service answered an error while warming
			return booking.Page{}, err
		}
		return a.Bookings.List(ctx, booking.ListRequest{UserID: o.UserID, VendorID: o.VendorID, Scope: bookingquery.ScopeCurrent,
			From: q.From, To: q.To, Status: q.Status, Cursor: cursor, Limit: q.Limit})
	}
	p := booking.Page{Items: nonNil(items)}
	if len(items) > q.Limit {
		p.Items = items[:q.Limit]
		last := p.Items[q.Limit-1]
		p.NextCursor = EncodeCursor(Position{Start: last.Start, ID: last.ID})
	}
	return p, nil
}

// all is every current booking of the owner, from the booking service.
func (a *App) all(ctx context.Context, o Owner) ([]booking.Booking, error) {
	var out []booking.Booking
	r := booking.ListRequest{UserID: o.UserID, VendorID: o.VendorID, Scope: bookingquery.ScopeCurrent, Limit: bookingquery.MaxLimit}
	for {
		p, err := a.Bookings.List(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out, nil
		}
		if len(out) >= MaxWarm {
			return nil, errTooMany
		}
		r.Cursor = p.NextCursor
	}
}

var errTooMany = errors.New("too many current bookings to cache")

func nonNil(b []booking.Booking) []booking.Booking {
	if b == nil {
		return []booking.Booking{}
	}
	return b
}

// EncodeCursor and DecodeCursor are the current scope's cursor: the booking
// service's own format (base64url of "<start RFC 3339>|<id>"), so a list can
// move between the cache and the booking service from one page to the next.
func EncodeCursor(p Position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(p.Start.UTC().Format(time.RFC3339Nano) + "|" + p.ID))
}

// DecodeCursor reads EncodeCursor's output.
func DecodeCursor(s string) (Position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Position{}, err
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || len(id) != 36 {
		return Position{}, errors.New("bad cursor")
	}
	return Position{Start: t, ID: id}, nil
}

// role is the user's role at a vendor (a known role is remembered for a
// while; no role is asked again every time, so a new manager gets in at once).
func (a *App) role(ctx context.Context, vendorID, userID string) (string, error) {
	return a.roles.Role(ctx, vendorID, userID, a.Vendors.Role)
}
