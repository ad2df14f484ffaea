// Command archcheck enforces the dependency rules of STYLE.md on the module's
// packages and exits non-zero listing every violation:
//
//   - contracts/... imports nothing else of ours but contracts/...;
//   - gateway/... never imports services/...;
//   - services/<a>/... imports no services/<b>/... (b != a) but services/internal/...,
//     and services/internal/... imports no services/<x>/...;
//   - inside a service, domain <- app <- adapters, ports: domain imports none of
//     app, adapters, ports; app imports neither adapters nor ports;
//   - a domain package (a path segment "domain") imports no I/O package: no
//     database, cache, messaging or HTTP client or server;
//   - testenv is imported only by tests, testenv/ itself and cmd/;
//   - every service has the one shape: its package declares itself in
//     component.go (the Component the mesh's registry lists), config.go and
//     service.go, and its subpackages are domain, app, adapters or ports;
//   - every service's contract (contracts/<service>) has the one layout:
//     subjects.go (Service, Group, its operations, event subjects), messages.go
//     and client.go, plus events.go when it has events of its own.
//
// Only the non-test imports of each package count. It runs `go list -e -json`
// on the patterns given (default ./...) from the current directory.
//
// Usage: go run ./cmd/archcheck [packages]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Package is what a rule needs to know about one package.
type Package struct {
	Path    string   // import path
	Imports []string // non-test imports
	Files   []string // non-test Go file names (the shape of a service)
}

// Violation is one import that breaks a rule.
type Violation struct {
	Package string
	Import  string
	Rule    string
}

func (v Violation) String() string {
	if v.Import == "" {
		return fmt.Sprintf("%s: %s", v.Package, v.Rule)
	}
	return fmt.Sprintf("%s imports %s: %s", v.Package, v.Import, v.Rule)
}

// ioPrefixes are the imports a domain package must not have. A path ending in
// "/" matches that prefix; any other matches itself and its subpackages.
var ioPrefixes = []string{
	"database/sql",
	"net/http",
	"github.com/jackc/",
	"github.com/redis/",
	"github.com/nats-io/",
	"github.com/segmentio/",
	"github.com/twmb/",
	"github.com/elastic/",
	"github.com/meilisearch/",
	"github.com/gocql/",
	"github.com/apache/cassandra-gocql-driver",
	"github.com/stripe/",
}

// layers of a service, in dependency order: a layer may import lower ones only.
var layerRank = map[string]int{"domain": 0, "app": 1, "adapters": 2, "ports": 2}

// Check returns the violations of pkg, a package of module: at most one per import.
func Check(module string, pkg Package) []Violation {
	from, ok := rel(module, pkg.Path)
	if !ok {
		return nil
	}
	var out []Violation
	for _, rule := range shape(from, pkg.Files) {
		out = append(out, Violation{Package: pkg.Path, Rule: rule})
	}
	for _, imp := range pkg.Imports {
		if rule := judge(module, from, imp); rule != "" {
			out = append(out, Violation{Package: pkg.Path, Import: imp, Rule: rule})
		}
	}
	return out
}

// serviceFiles are the files every service's own package has.
var serviceFiles = []string{"component.go", "config.go", "service.go"}

// contractFiles are the files every service's contract has.
var contractFiles = []string{"subjects.go", "messages.go", "client.go"}

// contractShared are the packages under contracts/ that are not a service's.
var contractShared = []string{"apperr", "natsrpc"}

// shape names what a package under services/<svc>/ (not internal or mesh)
// or contracts/<svc> lacks or has too much of for the one service shape.
func shape(from string, files []string) []string {
	if under(from, "contracts") && strings.Count(from, "/") == 1 {
		name := strings.TrimPrefix(from, "contracts/")
		if slices.Contains(contractShared, name) {
			return nil
		}
		var out []string
		for _, f := range contractFiles {
			if !slices.Contains(files, f) {
				out = append(out, fmt.Sprintf("a service's contract keeps its parts in subjects.go, messages.go and client.go (see contracts/payment); %s is missing", f))
			}
		}
		return out
	}
	if !under(from, "services") {
		return nil
	}
	svc, rest := service(from)
	if svc == "" || svc == "internal" || svc == "mesh" {
		return nil
	}
	if rest == "" {
		var out []string
		for _, f := range serviceFiles {
			if !slices.Contains(files, f) {
				out = append(out, fmt.Sprintf("a service declares itself in %s (see services/booking)", f))
			}
		}
		return out
	}
	if _, ok := layer(rest); !ok {
		seg, _, _ := strings.Cut(rest, "/")
		return []string{fmt.Sprintf("a service's packages are domain, app, adapters and ports, not %s", seg)}
	}
	return nil
}

// judge names the rule that importing imp breaks for the package at from (a path
// relative to module), or returns "".
func judge(module, from, imp string) string {
	to, ours := rel(module, imp)
	if isDomain(from) && (isIO(imp) || ours && ioOfOurs(to)) {
		return "a domain package does no I/O"
	}
	if !ours {
		return ""
	}
	switch {
	case under(to, "testenv") && !under(from, "testenv") && !under(from, "cmd"):
		return "testenv is for tests only (and cmd/)"
	case under(from, "contracts"):
		if !under(to, "contracts") {
			return "contracts/ imports nothing of ours but contracts/"
		}
	case under(from, "gateway"):
		if under(to, "services") {
			return "the gateway reaches services only through contracts/"
		}
	case under(from, "services") && under(to, "services"):
		return checkServices(from, to)
	}
	return ""
}

// checkServices judges an import from one package under services/ to another.
func checkServices(from, to string) string {
	fromSvc, fromRest := service(from)
	toSvc, toRest := service(to)
	switch {
	case fromSvc == "" || toSvc == "" || fromSvc == "mesh":
		return "" // services/mesh wires the services together (dev, serve, tests)
	case toSvc == "mesh":
		return "only cmd/ and testenv/ use services/mesh"
	case toSvc != fromSvc && toSvc == "internal":
		return ""
	case toSvc != fromSvc && fromSvc == "internal":
		return "services/internal/ is shared platform code: it imports no service"
	case toSvc != fromSvc:
		return fmt.Sprintf("service %s reaches service %s only through contracts/%s", fromSvc, toSvc, toSvc)
	}
	// Within one service: domain <- app <- adapters, ports.
	fl, fok := layer(fromRest)
	tl, tok := layer(toRest)
	if fok && tok && layerRank[tl] > layerRank[fl] {
		return fmt.Sprintf("%s must not import %s (domain <- app <- adapters, ports)", fl, tl)
	}
	return ""
}

// isDomain reports whether the relative path p has a segment "domain".
func isDomain(p string) bool {
	return slices.Contains(strings.Split(p, "/"), "domain")
}

// ioOfOurs reports whether the package of ours at relative path p does I/O or
// sits above the domain: a service's app, adapters or ports, the platform
// code, the gateway, the binaries and testenv.
func ioOfOurs(p string) bool {
	if under(p, "services/internal/platform") || under(p, "gateway") || under(p, "cmd") || under(p, "testenv") {
		return true
	}
	if svc, rest := service(p); under(p, "services") && svc != "" {
		if l, ok := layer(rest); ok && l != "domain" {
			return true
		}
	}
	return false
}

// service splits "services/<svc>/<rest>" into svc and rest.
func service(p string) (svc, rest string) {
	p = strings.TrimPrefix(p, "services")
	p = strings.TrimPrefix(p, "/")
	svc, rest, _ = strings.Cut(p, "/")
	return svc, rest
}

// layer is the first path segment of rest (a path inside one service) that names a layer.
func layer(rest string) (string, bool) {
	seg, _, _ := strings.Cut(rest, "/")
	_, ok := layerRank[seg]
	return seg, ok
}

// rel returns p relative to module ("" for the module's root package).
func rel(module, p string) (string, bool) {
	if p == module {
		return "", true
	}
	r, ok := strings.CutPrefix(p, module+"/")
	return r, ok
}

// under reports whether the relative path p is dir or inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

func isIO(imp string) bool {
	for _, pre := range ioPrefixes {
		if strings.HasSuffix(pre, "/") {
			if strings.HasPrefix(imp, pre) {
				return true
			}
		} else if imp == pre || strings.HasPrefix(imp, pre+"/") {
			return true
		}
	}
	return false
}

// listed is the part of `go list -json` output that archcheck reads.
type listed struct {
	ImportPath string
	Imports    []string
	GoFiles    []string
	Module     *struct{ Path string }
	Error      *struct{ Err string }
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"./..."}
	}
	cmd := exec.Command("go", append([]string{"list", "-e", "-json"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(stderr, "archcheck: go list: %v\n", err)
		return 2
	}
	var violations []Violation
	n := 0
	for dec := json.NewDecoder(&out); ; {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintf(stderr, "archcheck: reading go list output: %v\n", err)
			return 2
		}
		if p.Error != nil {
			// Not ours to judge (go vet and the build say it); its imports may be partial.
			fmt.Fprintf(stderr, "archcheck: warning: %s: %s\n", p.ImportPath, strings.TrimSpace(p.Error.Err))
		}
		if p.Module == nil {
			continue
		}
		n++
		violations = append(violations, Check(p.Module.Path, Package{Path: p.ImportPath, Imports: p.Imports, Files: p.GoFiles})...)
	}
	if len(violations) > 0 {
		fmt.Fprintf(stderr, "archcheck: %d violation(s) of the dependency rules (STYLE.md):\n", len(violations))
		for _, v := range violations {
			fmt.Fprintf(stderr, "  %s\n", v)
		}
		return 1
	}
	fmt.Fprintf(stdout, "archcheck: ok (%d packages)\n", n)
	return 0
}
