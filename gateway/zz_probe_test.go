package gateway

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestZZProbe(t *testing.T) {
	s := NewServer(DefaultConfig(), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b, _ := json.MarshalIndent(s.OpenAPI().Paths["/v1/vendors"], "", " ")
	t.Log(string(b))
	c, _ := json.MarshalIndent(s.OpenAPI().Components.Schemas.Map()["VendorProfile"], "", " ")
	t.Log(string(c))
	for _, tc := range []struct{ m, p, body string }{
		{"GET", "/v1/vendors/abc/units?limit=x", ""},
		{"PATCH", "/v1/vendors/abc", `{"kind":"hotel"}`},
		{"PATCH", "/v1/vendors/abc", `{"location":{"lat":1}}`},
		{"PATCH", "/v1/vendors/abc", `{"name":null}`},
	} {
		r := httptest.NewRequest(tc.m, tc.p, strings.NewReader(tc.body))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		t.Log(tc, w.Code, w.Body.String())
	}
}
