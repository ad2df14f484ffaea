package gateway

import (
	"net/http"

	"github.com/slotmesh/slotmesh/gateway/console"
)

// registerConsole serves the web console (gateway/console) at / and its
// assets under /console/. It is a client of the API like any other.
func (s *Server) registerConsole(mux *http.ServeMux) {
	h := console.Handler("/console/")
	mux.Handle("GET /{$}", h)
	mux.Handle("GET /console/", h)
}
