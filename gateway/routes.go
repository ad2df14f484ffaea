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

	// Anything else is a 404 in the API's error body.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apperr.E(apperr.NotFound, "no route for %s %s", r.Method, r.URL.Path))
	})
}
