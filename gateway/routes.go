package gateway

import (
	"net/http"

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

	// Anything else is a 404 in the API's error body.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apperr.E(apperr.NotFound, "no route for %s %s", r.Method, r.URL.Path))
	})
}
