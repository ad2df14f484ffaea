// Package endpoints is the booking service's inbound request port: the one
// place the caller (the verified actor) and its Idempotency-Key are read
// from the request, to become explicit fields of the app's commands.
package endpoints

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// caller is who asks, from the request's headers.
func caller(ctx context.Context) app.Caller {
	return app.Caller{Actor: natsrpc.Actor(ctx), Key: natsrpc.IdempotencyKey(ctx)}
}

// List returns every endpoint of the booking service.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	end := func(f func(context.Context, app.EndCommand) (domain.Booking, error)) platform.Handler[booking.TransitionRequest, booking.Booking] {
		return func(ctx context.Context, r booking.TransitionRequest) (booking.Booking, error) {
			b, err := f(ctx, app.EndCommand{Caller: caller(ctx), ID: r.ID})
			return app.ToWire(b), err
		}
	}
	return []platform.Endpoint{
		platform.Handle(booking.OpAvailability, o, a.Availability),
		platform.Handle(booking.OpCreate, o, func(ctx context.Context, r booking.CreateRequest) (booking.Booking, error) {
			b, err := a.Create(ctx, app.CreateCommand{Caller: caller(ctx), Request: r})
			return app.ToWire(b), err
		}),
		platform.Handle(booking.OpGet, o, func(ctx context.Context, r booking.GetRequest) (booking.Booking, error) {
			b, err := a.Get(ctx, natsrpc.Actor(ctx), r.ID)
			return app.ToWire(b), err
		}),
		platform.Handle(booking.OpUpdate, o, func(ctx context.Context, r booking.UpdateRequest) (booking.Booking, error) {
			b, err := a.Update(ctx, app.UpdateCommand{Caller: caller(ctx), Request: r})
			return app.ToWire(b), err
		}),
		platform.Handle(booking.OpCancel, o, end(a.Cancel)),
		platform.Handle(booking.OpAvail, o, end(a.Avail)),
		platform.Handle(booking.OpNoShow, o, end(a.NoShow)),
		platform.Handle(booking.OpList, o, func(ctx context.Context, r booking.ListRequest) (booking.Page, error) {
			items, next, err := a.List(ctx, natsrpc.Actor(ctx), r)
			out := booking.Page{Items: make([]booking.Booking, len(items)), NextCursor: next}
			for i, b := range items {
				out.Items[i] = app.ToWire(b)
			}
			return out, err
		}),
		platform.Handle(booking.OpScan, o, func(ctx context.Context, r booking.ScanRequest) (booking.ScanPage, error) {
			items, next, total, err := a.Scan(ctx, r)
			out := booking.ScanPage{Items: make([]booking.Booking, len(items)), NextCursor: next, Total: total}
			for i, b := range items {
				out.Items[i] = app.ToWire(b)
			}
			return out, err
		}),
	}
}
