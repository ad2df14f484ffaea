package gateway

import (
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// handleDocs renders the API reference from the generated OpenAPI document,
// server-side and self-contained (no scripts from a CDN), so it works offline.
func (s *Server) handleDocs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := docsTmpl.Execute(w, s.docsModel()); err != nil {
		s.log.Error("render docs", "error", err)
	}
}

type docField struct {
	Name, Type, Doc string
	Required        bool
}

type docOp struct {
	Method, Path, ID, Summary, Description string
	Auth                                   bool
	Params                                 []docField
	Body                                   []docField
	Responses                              []string
}

type docsPage struct {
	Title, Version, Description string
	Ops                         []docOp
}

func (s *Server) docsModel() docsPage {
	oapi := s.api.OpenAPI()
	page := docsPage{Title: oapi.Info.Title, Version: oapi.Info.Version, Description: oapi.Info.Description}
	paths := make([]string, 0, len(oapi.Paths))
	for p := range oapi.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	reg := oapi.Components.Schemas
	for _, p := range paths {
		item := oapi.Paths[p]
		for _, m := range []struct {
			name string
			op   *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if m.op == nil {
				continue
			}
			d := docOp{Method: m.name, Path: p, ID: m.op.OperationID, Summary: m.op.Summary,
				Description: m.op.Description, Auth: len(m.op.Security) > 0}
			for _, prm := range m.op.Parameters {
				d.Params = append(d.Params, docField{Name: prm.In + " " + prm.Name, Type: typeName(reg, prm.Schema),
					Doc: prm.Description, Required: prm.Required})
			}
			if m.op.RequestBody != nil {
				if mt := m.op.RequestBody.Content["application/json"]; mt != nil {
					d.Body = fields(reg, mt.Schema)
				}
			}
			codes := make([]string, 0, len(m.op.Responses))
			for code, r := range m.op.Responses {
				codes = append(codes, code+" "+r.Description)
			}
			sort.Strings(codes)
			d.Responses = codes
			page.Ops = append(page.Ops, d)
		}
	}
	return page
}

func deref(reg huma.Registry, sch *huma.Schema) *huma.Schema {
	if sch != nil && sch.Ref != "" && reg != nil {
		return reg.SchemaFromRef(sch.Ref)
	}
	return sch
}

func fields(reg huma.Registry, sch *huma.Schema) []docField {
	sch = deref(reg, sch)
	if sch == nil {
		return nil
	}
	req := map[string]bool{}
	for _, r := range sch.Required {
		req[r] = true
	}
	names := make([]string, 0, len(sch.Properties))
	for n := range sch.Properties {
		if n != "$schema" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]docField, 0, len(names))
	for _, n := range names {
		p := sch.Properties[n]
		out = append(out, docField{Name: n, Type: typeName(reg, p), Doc: deref(reg, p).Description, Required: req[n]})
	}
	return out
}

func typeName(reg huma.Registry, sch *huma.Schema) string {
	if sch == nil {
		return ""
	}
	if sch.Ref != "" {
		return sch.Ref[strings.LastIndexByte(sch.Ref, '/')+1:]
	}
	t := sch.Type
	if t == "array" && sch.Items != nil {
		return "[]" + typeName(reg, sch.Items)
	}
	if sch.Format != "" {
		t += " (" + sch.Format + ")"
	}
	return t
}

var docsTmpl = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} {{.Version}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2430}
h2{margin-top:2.2rem;font-size:1.05rem;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.2rem;font-weight:700}
.GET{color:#0a7}.POST{color:#06c}.PATCH{color:#b60}.DELETE{color:#c22}
.auth{font-size:.75rem;background:#eee;border-radius:4px;padding:1px 6px;margin-left:.5rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border-bottom:1px solid #e4e6ea;padding:3px 8px;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
{{range .Ops}}
<h2 id="{{.ID}}"><span class="m {{.Method}}">{{.Method}}</span>{{.Path}}{{if .Auth}}<span class="auth">Bearer token</span>{{end}}</h2>
<p>{{.Summary}}{{if .Description}} — {{.Description}}{{end}}</p>
{{if .Params}}<table><tr><th>parameter</th><th>type</th><th>required</th><th></th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Doc}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<table><tr><th>body field</th><th>type</th><th>required</th><th></th></tr>
{{range .Body}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Doc}}</td></tr>{{end}}</table>{{end}}
<p>Responses: {{range $i, $r := .Responses}}{{if $i}}; {{end}}{{$r}}{{end}}</p>
{{end}}
</body></html>
`))
