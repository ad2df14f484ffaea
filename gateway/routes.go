package gateway

import (
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// bearer marks an operation as needing a token.
var bearer = []map[string][]string{{"bearer": {}}}

// Body limits per kind of request.
const smallBody = 16 << 10

// routes is the whole HTTP surface of API.md.
func (s *Server) routes(mux *http.ServeMux) {
	// Operations
	huma.Register(s.api, huma.Operation{OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "Process is up", Tags: []string{"operations"}}, s.handleHealthz)
	huma.Register(s.api, huma.Operation{OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary: "Dependencies reachable (NATS, and every service through NATS)", Tags: []string{"operations"},
		Errors: []int{http.StatusServiceUnavailable}}, s.handleReadyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /docs", s.handleDocs)

	// Auth and users
	huma.Register(s.api, huma.Operation{OperationID: "signUp", Method: http.MethodPost, Path: "/v1/users",
		Summary: "Sign up", Tags: []string{"users"}, DefaultStatus: http.StatusCreated, MaxBodyBytes: smallBody,
		Errors: []int{http.StatusBadRequest, http.StatusConflict}}, s.handleSignUp)
	huma.Register(s.api, huma.Operation{OperationID: "createSession", Method: http.MethodPost, Path: "/v1/sessions",
		Summary: "Log in: exchange email and password for a token", Tags: []string{"users"}, MaxBodyBytes: smallBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized}}, s.handleLogin)
	huma.Register(s.api, huma.Operation{OperationID: "getMe", Method: http.MethodGet, Path: "/v1/users/me",
		Summary: "Your profile", Tags: []string{"users"}, Security: bearer,
		Errors: []int{http.StatusUnauthorized}}, s.handleGetMe)
	huma.Register(s.api, huma.Operation{OperationID: "updateMe", Method: http.MethodPatch, Path: "/v1/users/me",
		Summary: "Change your profile", Tags: []string{"users"}, Security: bearer, MaxBodyBytes: smallBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized}}, s.handleUpdateMe)

	// Vendors: onboarding, units, managers. The service decides who may do
	// what (owner, managers) from the actor the token names.
	huma.Register(s.api, huma.Operation{OperationID: "createVendor", Method: http.MethodPost, Path: "/v1/vendors",
		Summary: "Onboard a restaurant or hotel; you become its owner", Tags: []string{"vendors"}, Security: bearer,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: smallBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity}}, s.handleCreateVendor)
	huma.Register(s.api, huma.Operation{OperationID: "getVendor", Method: http.MethodGet, Path: "/v1/vendors/{id}",
		Summary: "A vendor (public)", Tags: []string{"vendors"},
		Errors: []int{http.StatusNotFound}}, s.handleGetVendor)
	huma.Register(s.api, huma.Operation{OperationID: "updateVendor", Method: http.MethodPatch, Path: "/v1/vendors/{id}",
		Summary: "Change a vendor (managers); absent fields stay", Tags: []string{"vendors"}, Security: bearer, MaxBodyBytes: smallBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}}, s.handleUpdateVendor)
	huma.Register(s.api, huma.Operation{OperationID: "addUnits", Method: http.MethodPost, Path: "/v1/vendors/{id}/units",
		Summary: "Add tables or rooms in bulk, all or none (managers)", Tags: []string{"vendors"}, Security: bearer,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: addUnitsBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}, s.handleAddUnits)
	huma.Register(s.api, huma.Operation{OperationID: "listUnits", Method: http.MethodGet, Path: "/v1/vendors/{id}/units",
		Summary: "A vendor's units, a page at a time (public)", Tags: []string{"vendors"},
		Errors: []int{http.StatusBadRequest, http.StatusNotFound}}, s.handleListUnits)
	huma.Register(s.api, huma.Operation{OperationID: "updateUnit", Method: http.MethodPatch, Path: "/v1/vendors/{id}/units/{unit_id}",
		Summary: "Rename, resize or (de)activate a unit (managers)", Tags: []string{"vendors"}, Security: bearer, MaxBodyBytes: smallBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}, s.handleUpdateUnit)
	huma.Register(s.api, huma.Operation{OperationID: "addManager", Method: http.MethodPost, Path: "/v1/vendors/{id}/managers",
		Summary: "Add a signed-up user as a manager, by email (owner)", Tags: []string{"vendors"}, Security: bearer,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: smallBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}, s.handleAddManager)
	huma.Register(s.api, huma.Operation{OperationID: "listManagers", Method: http.MethodGet, Path: "/v1/vendors/{id}/managers",
		Summary: "A vendor's managers, the owner included (managers)", Tags: []string{"vendors"}, Security: bearer,
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}, s.handleListManagers)

	// Availability (public) and bookings. The booking service decides who
	// may do what (the booking's user, the vendor's managers) from the actor.
	huma.Register(s.api, huma.Operation{OperationID: "getAvailability", Method: http.MethodGet, Path: "/v1/vendors/{id}/availability",
		Summary: "A day's free slots for a party (public)", Tags: []string{"bookings"},
		Description: "Free start times of the date (in the vendor's time zone) with a unit of capacity >= party_size; past times are left out.",
		Errors:      []int{http.StatusBadRequest, http.StatusNotFound}}, s.handleAvailability)
	huma.Register(s.api, huma.Operation{OperationID: "createBooking", Method: http.MethodPost, Path: "/v1/bookings",
		Summary: "Book: hold units, charge the deposit, confirm", Tags: []string{"bookings"}, Security: bearer,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: smallBody,
		Description: "Holds units of capacity >= party_size for [start, end), charges the deposit and answers 201 with the " +
			"CONFIRMED booking. The Idempotency-Key header is required: the same key again answers the first outcome " +
			"(the same booking, or the same error); the same key with a different body is 422 idempotency_mismatch.\n\n" +
			"**202 Accepted**: the payment's outcome is not known yet; the booking is BLOCKED (its units are held until " +
			"expires_at). Retry with the same Idempotency-Key, or GET /v1/bookings/{id}, to learn the outcome: CONFIRMED, " +
			"or FAILED/EXPIRED with the units released.\n\n" +
			"409 slot_unavailable carries details.available: free start times near the requested one. " +
			"402 payment_declined: the deposit was declined and nothing is held.",
		Responses: map[string]*huma.Response{"202": {
			Description: "BLOCKED: the payment's outcome is not known yet; retry with the same Idempotency-Key or GET the booking",
			Content: map[string]*huma.MediaType{"application/json": {
				Schema: s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[BookingOut](), true, "BookingOut")}},
		}},
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusNotFound,
			http.StatusConflict, http.StatusUnprocessableEntity}}, s.handleCreateBooking)
	huma.Register(s.api, huma.Operation{OperationID: "getBooking", Method: http.MethodGet, Path: "/v1/bookings/{id}",
		Summary: "A booking (its user, or a manager of its vendor)", Tags: []string{"bookings"}, Security: bearer,
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}, s.handleGetBooking)
	huma.Register(s.api, huma.Operation{OperationID: "updateBooking", Method: http.MethodPatch, Path: "/v1/bookings/{id}",
		Summary: "Move a booking or change its party size (its user)", Tags: []string{"bookings"}, Security: bearer, MaxBodyBytes: smallBody,
		Description: "Takes the new units and frees the old ones in one transaction; 409 (with details.available when the " +
			"new time is taken) leaves the booking unchanged. Only a CONFIRMED booking can change, one change at a time: " +
			"a change (PATCH, cancel, avail, no-show) arriving while another of the same booking is in progress is 409 " +
			"conflict and touches nothing. A larger deposit's difference is charged first (402 if declined, 503 if the " +
			"provider does not answer; the booking is unchanged either way and nothing is kept); a smaller one is refunded.",
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusForbidden,
			http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusServiceUnavailable}}, s.handleUpdateBooking)
	huma.Register(s.api, huma.Operation{OperationID: "cancelBooking", Method: http.MethodPost, Path: "/v1/bookings/{id}/cancel",
		Summary: "Cancel a booking (its user or a manager)", Tags: []string{"bookings"}, Security: bearer,
		Description: "CANCELLED; the deposit is refunded before the vendor's free-cancellation window closes and kept after (see refund).",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}, s.transition(s.bookings.Cancel))
	huma.Register(s.api, huma.Operation{OperationID: "availBooking", Method: http.MethodPost, Path: "/v1/bookings/{id}/avail",
		Summary: "The guest came and the bill is settled (managers)", Tags: []string{"bookings"}, Security: bearer,
		Description: "AVAILED; the deposit is refunded (see refund).",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}, s.transition(s.bookings.Avail))
	huma.Register(s.api, huma.Operation{OperationID: "noShowBooking", Method: http.MethodPost, Path: "/v1/bookings/{id}/no-show",
		Summary: "The guest did not come (managers, after the start)", Tags: []string{"bookings"}, Security: bearer,
		Description: "NO_SHOW; the deposit is kept. 409 invalid_state before the start plus a grace period.",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}, s.transition(s.bookings.NoShow))
	huma.Register(s.api, huma.Operation{OperationID: "listMyBookings", Method: http.MethodGet, Path: "/v1/users/me/bookings",
		Summary: "Your bookings, a page at a time", Tags: []string{"bookings"}, Security: bearer,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized}}, s.handleMyBookings)
	huma.Register(s.api, huma.Operation{OperationID: "listVendorBookings", Method: http.MethodGet, Path: "/v1/vendors/{id}/bookings",
		Summary: "A vendor's bookings, a page at a time (managers)", Tags: []string{"bookings"}, Security: bearer,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}}, s.handleVendorBookings)

	huma.Register(s.api, huma.Operation{OperationID: "search", Method: http.MethodGet, Path: "/v1/search", Summary: "Vendors near a point by kind, tags and name, nearest first; with start, only those with a free unit for the party then (public)", Tags: []string{"search"}, Errors: []int{http.StatusBadRequest, http.StatusServiceUnavailable}}, s.handleSearch)

	// Vendors' webhooks (notification service; managers).
	huma.Register(s.api, huma.Operation{OperationID: "setVendorWebhook", Method: http.MethodPut, Path: "/v1/vendors/{id}/webhook",
		Summary: "Set the vendor's webhook URL; answers a new signing secret (managers)", Tags: []string{"notifications"},
		Security: bearer, MaxBodyBytes: smallBody, Description: webhookDoc,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}, s.handleSetWebhook)
	huma.Register(s.api, huma.Operation{OperationID: "getVendorWebhook", Method: http.MethodGet, Path: "/v1/vendors/{id}/webhook",
		Summary: "The vendor's webhook and its secret (managers)", Tags: []string{"notifications"}, Security: bearer,
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}, s.handleGetWebhook)
	huma.Register(s.api, huma.Operation{OperationID: "deleteVendorWebhook", Method: http.MethodDelete, Path: "/v1/vendors/{id}/webhook",
		Summary: "Stop sending the vendor booking news by webhook (managers)", Tags: []string{"notifications"}, Security: bearer,
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}, s.handleDeleteWebhook)

	// Web console (gateway/console, docs/console.md): pages at / and
	// /console/, and the live stream of a vendor's bookings they follow.
	s.registerStream()
	s.registerConsole(mux)

	// Anything else is a 404 in the API's error body.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apperr.E(apperr.NotFound, "no route for %s %s", r.Method, r.URL.Path))
	})
}
