package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestDocsMarkdown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"plain text stays inline", "Free slots; [] when none", "Free slots; [] when none"},
		{"escaped", `a <b> & "c"`, "a &lt;b&gt; &amp; &#34;c&#34;"},
		{"strong", "**202 Accepted**: later", "<strong>202 Accepted</strong>: later"},
		{"emphasis", "is *not* kept", "is <em>not</em> kept"},
		{"snake_case and ranges stay text", "party_size for [start, end) * 2", "party_size for [start, end) * 2"},
		{"code is not interpreted", "`t=<unix>,v1=**x**`", "<code>t=&lt;unix&gt;,v1=**x**</code>"},
		{"link", "see [the reference](/openapi.json)", `see <a href="/openapi.json">the reference</a>`},
		{"no script links", "[x](javascript:alert(1))", "[x](javascript:alert(1))"},
		{"paragraphs", "one\ntwo\n\n**three**", "<p>one two</p>\n<p><strong>three</strong></p>\n"},
		{"list", "Events:\n\n- `ready` first;\n- `booking`\n  continued\n\nEnd.",
			"<p>Events:</p>\n<ul><li><code>ready</code> first;</li><li><code>booking</code> continued</li></ul>\n<p>End.</p>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(markdown(tc.in)); got != tc.want {
				t.Errorf("markdown(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestDocsRendersMarkdown renders /docs from the real routes and fails if
// any markdown is left raw in it (bold, code spans).
func TestDocsRendersMarkdown(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	s := NewServer(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { _ = s.Close() })
	rec := httptest.NewRecorder()
	s.handleDocs(rec, httptest.NewRequest(http.MethodGet, "/docs", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /docs: %d", rec.Code)
	}
	page := rec.Body.String()
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, "")
	for _, raw := range []string{"**", "`"} {
		if i := strings.Index(text, raw); i >= 0 {
			t.Errorf("/docs shows raw markdown %q: …%s…", raw, text[max(0, i-80):min(len(text), i+80)])
		}
	}
	for _, want := range []string{
		"<strong>202 Accepted</strong>",                 // createBooking
		"<li><code>event: ready</code>",                 // the live stream's events, a list
		"<code>Slotmesh-Event-Id</code>",                // the webhook's headers
		`<span class="m POST">POST</span>/v1/bookings<`, // the operation itself
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/docs lacks %s", want)
		}
	}
}
