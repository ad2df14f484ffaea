// Package console is slotmesh's web console: plain HTML, CSS and JavaScript
// modules (no build step) for diners (search, book, my bookings) and vendor
// managers (onboarding, the live reservation book), embedded in the binary and
// served by the gateway. The pages talk to the public HTTP API only.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// Files are the console's pages and assets (index.html at the root).
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// csp keeps the pages to their own scripts, styles and API: no inline
// script, nothing from elsewhere.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the console: index.html for "/" and the assets under prefix
// (e.g. "/console/"), with security headers; the browser revalidates every
// file (no-cache), so a new binary shows at the next load.
func Handler(prefix string) http.Handler {
	files := Files()
	assets := http.StripPrefix(strings.TrimSuffix(prefix, "/"), http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if !strings.HasPrefix(r.URL.Path, prefix) || r.URL.Path == prefix || r.URL.Path == prefix+"index.html" {
			http.ServeFileFS(w, r, files, "index.html")
			return
		}
		assets.ServeHTTP(w, r)
	})
}
