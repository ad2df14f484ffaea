package gateway

import (
	"html"
	"html/template"
	"net/http"
	"regexp"
	"sort"
	"strconv"
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
	Name, Type string
	Doc        template.HTML
	Required   bool
}

type docOp struct {
	Method, Path, ID, Summary string
	Description               template.HTML
	Auth                      bool
	Params                    []docField
	Body                      []docField
	Responses                 []docResponse
}

type docResponse struct {
	Code        string
	Description template.HTML
}

type docsPage struct {
	Title, Version string
	Description    template.HTML
	Ops            []docOp
}

func (s *Server) docsModel() docsPage {
	oapi := s.api.OpenAPI()
	page := docsPage{Title: oapi.Info.Title, Version: oapi.Info.Version, Description: markdown(oapi.Info.Description)}
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
				Description: markdown(m.op.Description), Auth: len(m.op.Security) > 0}
			for _, prm := range m.op.Parameters {
				d.Params = append(d.Params, docField{Name: prm.In + " " + prm.Name, Type: typeName(reg, prm.Schema),
					Doc: markdown(prm.Description), Required: prm.Required})
			}
			if m.op.RequestBody != nil {
				if mt := m.op.RequestBody.Content["application/json"]; mt != nil {
					d.Body = fields(reg, mt.Schema)
				}
			}
			codes := make([]string, 0, len(m.op.Responses))
			for code := range m.op.Responses {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			for _, code := range codes {
				d.Responses = append(d.Responses, docResponse{Code: code, Description: markdown(m.op.Responses[code].Description)})
			}
			page.Ops = append(page.Ops, d)
		}
	}
	return page
}

// markdown renders the CommonMark subset the operation descriptions use —
// paragraphs (a blank line), "- " bullet lists, **strong**, *emphasis*,
// `code` and [links](https://...) — as HTML. Everything else is text: the
// input is escaped first, so a description cannot inject markup. A text
// without a blank line or a list is one paragraph's inline HTML, unwrapped,
// so it fits a table cell.
func markdown(src string) template.HTML {
	src = strings.TrimSpace(strings.ReplaceAll(src, "\r\n", "\n"))
	if src == "" {
		return ""
	}
	blocks := mdBlank.Split(src, -1)
	if len(blocks) == 1 && !isList(blocks[0]) {
		return template.HTML(inline(blocks[0]))
	}
	var b strings.Builder
	for _, blk := range blocks {
		blk = strings.TrimSpace(blk)
		switch {
		case blk == "":
		case isList(blk):
			b.WriteString("<ul>")
			for _, item := range listItems(blk) {
				b.WriteString("<li>" + inline(item) + "</li>")
			}
			b.WriteString("</ul>\n")
		default:
			b.WriteString("<p>" + inline(blk) + "</p>\n")
		}
	}
	return template.HTML(b.String())
}

// isList reports whether a block is a bullet list ("- " or "* " items).
func isList(blk string) bool {
	return strings.HasPrefix(blk, "- ") || strings.HasPrefix(blk, "* ")
}

// listItems splits a list block into items; an indented or unmarked line
// continues the item before it.
func listItems(blk string) []string {
	var items []string
	for _, line := range strings.Split(blk, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
			items = append(items, t[2:])
		} else if len(items) > 0 {
			items[len(items)-1] += " " + t
		}
	}
	return items
}

var (
	mdBlank  = regexp.MustCompile(`\n[ \t]*\n`)
	mdCode   = regexp.MustCompile("`([^`]+)`")
	mdStrong = regexp.MustCompile(`\*\*(\S(?:[^*]*\S)?)\*\*`)
	mdEm     = regexp.MustCompile(`(^|[^\w*])\*(\S(?:[^*]*\S)?)\*($|[^\w*])`)
	mdLink   = regexp.MustCompile(`\[([^\[\]]+)\]\(((?:https?://|/|#)[^\s()]*)\)`)
)

// inline renders one block's inline markup; code spans are taken out first
// so that nothing inside them is interpreted.
func inline(text string) string {
	var spans []string
	text = mdCode.ReplaceAllStringFunc(text, func(m string) string {
		spans = append(spans, "<code>"+html.EscapeString(m[1:len(m)-1])+"</code>")
		return "\x00" + strconv.Itoa(len(spans)-1) + "\x00"
	})
	text = html.EscapeString(text)
	text = mdLink.ReplaceAllString(text, `<a href="$2">$1</a>`)
	text = mdStrong.ReplaceAllString(text, "<strong>$1</strong>")
	text = mdEm.ReplaceAllString(text, "$1<em>$2</em>$3")
	text = strings.ReplaceAll(text, "\n", " ")
	for i, sp := range spans {
		text = strings.Replace(text, "\x00"+strconv.Itoa(i)+"\x00", sp, 1)
	}
	return text
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
		out = append(out, docField{Name: n, Type: typeName(reg, p), Doc: markdown(deref(reg, p).Description), Required: req[n]})
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
code{font-family:ui-monospace,monospace;background:#f3f4f6;border-radius:3px;padding:0 3px}
.summary{font-weight:600}td p,td ul{margin:0}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
{{.Description}}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
{{range .Ops}}
<h2 id="{{.ID}}"><span class="m {{.Method}}">{{.Method}}</span>{{.Path}}{{if .Auth}}<span class="auth">Bearer token</span>{{end}}</h2>
<p class="summary">{{.Summary}}</p>
{{.Description}}
{{if .Params}}<table><tr><th>parameter</th><th>type</th><th>required</th><th></th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Doc}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<table><tr><th>body field</th><th>type</th><th>required</th><th></th></tr>
{{range .Body}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Doc}}</td></tr>{{end}}</table>{{end}}
<table><tr><th>response</th><th></th></tr>
{{range .Responses}}<tr><td><code>{{.Code}}</code></td><td>{{.Description}}</td></tr>{{end}}</table>
{{end}}
</body></html>
`))
