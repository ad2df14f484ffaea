package gateway_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/slotmesh/slotmesh/testenv"
)

type apiError struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

type client struct {
	t    testing.TB
	base string
}

func (c client) do(method, path, token string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// wantError checks status and the API.md error body; field, if set, must be
// named in details.field.
func (c client) wantError(status int, body []byte, gotStatus int, code, field string) {
	c.t.Helper()
	if gotStatus != status {
		c.t.Fatalf("status %d, want %d: %s", gotStatus, status, body)
	}
	var e apiError
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		c.t.Fatalf("error body is not the API.md shape: %v: %s", err, body)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		c.t.Fatalf("code %q message %q, want code %q: %s", e.Error.Code, e.Error.Message, code, body)
	}
	if field != "" && e.Error.Details["field"] != field {
		c.t.Fatalf("details.field = %v, want %q: %s", e.Error.Details["field"], field, body)
	}
}

func signUp(t testing.TB, c client, email string) (id, token string) {
	t.Helper()
	st, body := c.do("POST", "/v1/users", "", map[string]any{"email": email, "password": "correct horse", "name": "Test User"})
	if st != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", st, body)
	}
	var u struct{ ID, Email, Name string }
	if err := json.Unmarshal(body, &u); err != nil || u.ID == "" || u.Email != strings.ToLower(email) || u.Name != "Test User" {
		t.Fatalf("sign-up body %s (%v)", body, err)
	}
	st, body = c.do("POST", "/v1/sessions", "", map[string]any{"email": email, "password": "correct horse"})
	if st != http.StatusOK {
		t.Fatalf("login: %d %s", st, body)
	}
	var s struct {
		Token     string `json:"token"`
		UserID    string `json:"user_id"`
		ExpiresAt string `json:"expires_at"`
	}
	if err := json.Unmarshal(body, &s); err != nil || s.Token == "" || s.UserID != u.ID || s.ExpiresAt == "" {
		t.Fatalf("login body %s (%v)", body, err)
	}
	return u.ID, s.Token
}

func TestUserFlow(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	id, token := signUp(t, c, "Flow@Example.com")

	st, body := c.do("GET", "/v1/users/me", token, nil)
	if st != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("me: %d %s", st, body)
	}
	st, body = c.do("PATCH", "/v1/users/me", token, map[string]any{"name": "Renamed", "phone": "+4930123456"})
	if st != 200 || !strings.Contains(string(body), `"name":"Renamed"`) {
		t.Fatalf("patch: %d %s", st, body)
	}
	st, body = c.do("GET", "/v1/users/me", token, nil)
	if st != 200 || !strings.Contains(string(body), `"name":"Renamed"`) || !strings.Contains(string(body), `"phone":"+4930123456"`) {
		t.Fatalf("me after patch: %d %s", st, body)
	}
	st, body = c.do("PATCH", "/v1/users/me", token, map[string]any{"phone": "12"})
	c.wantError(400, body, st, "invalid_input", "phone")

	st, body = c.do("POST", "/v1/sessions", "", map[string]any{"email": "flow@example.com", "password": "wrong password"})
	c.wantError(401, body, st, "unauthenticated", "")
}

func TestTamperedTokensAreRejected(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	_, token := signUp(t, c, "tamper@example.com")
	otherID, _ := signUp(t, c, "other@example.com")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS", token)
	}
	b64 := base64.RawURLEncoding
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["sub"] = otherID // impersonate someone else, keep the signature
	forged, _ := json.Marshal(claims)
	sig, _ := b64.DecodeString(parts[2])
	sig[0] ^= 0xff
	noneHeader := b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	cases := map[string]string{
		"changed claims":    parts[0] + "." + b64.EncodeToString(forged) + "." + parts[2],
		"changed signature": parts[0] + "." + parts[1] + "." + b64.EncodeToString(sig),
		"alg none":          noneHeader + "." + parts[1] + ".",
		"no signature":      parts[0] + "." + parts[1],
		"garbage":           "not-a-token",
	}
	for name, bad := range cases {
		st, body := c.do("GET", "/v1/users/me", bad, nil)
		if st != 401 {
			t.Errorf("%s: status %d, want 401: %s", name, st, body)
			continue
		}
		c.wantError(401, body, st, "unauthenticated", "")
	}
	st, body := c.do("GET", "/v1/users/me", "", nil)
	c.wantError(401, body, st, "unauthenticated", "")
	// The genuine token still works.
	if st, body := c.do("GET", "/v1/users/me", token, nil); st != 200 {
		t.Fatalf("genuine token: %d %s", st, body)
	}
}

func TestBadInputIs400WithTheErrorBody(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	cases := []struct {
		name  string
		body  any
		code  string
		field string
	}{
		{"malformed JSON", `{"email": "a@b.co",`, "invalid_input", ""},
		{"not an object", `[1,2]`, "invalid_input", ""},
		{"unknown field", `{"email":"a@b.co","password":"correct horse","name":"A","role":"admin"}`, "invalid_input", "role"},
		{"wrong type", `{"email":5,"password":"correct horse","name":"A"}`, "invalid_input", "email"},
		{"missing field", `{"email":"a@b.co","password":"correct horse"}`, "invalid_input", "name"},
		{"invalid email", `{"email":"not-an-email","password":"correct horse","name":"A"}`, "invalid_input", "email"},
		{"email with display name", `{"email":"Ann <ann@b.co>","password":"correct horse","name":"A"}`, "invalid_input", "email"},
		{"short password", `{"email":"a@b.co","password":"short","name":"A"}`, "invalid_input", "password"},
		{"oversized body", `{"email":"a@b.co","password":"correct horse","name":"` + strings.Repeat("x", 1<<20) + `"}`, "body_too_large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := client{t, sys.URL}
			st, body := c.do("POST", "/v1/users", "", tc.body)
			c.wantError(400, body, st, tc.code, tc.field)
		})
	}
	// Nothing was half-written: none of those emails can log in.
	st, body := c.do("POST", "/v1/sessions", "", map[string]any{"email": "a@b.co", "password": "correct horse"})
	c.wantError(401, body, st, "unauthenticated", "")
	// Unknown routes answer in the same shape.
	st, body = c.do("GET", "/v1/nothing-here", "", nil)
	c.wantError(404, body, st, "not_found", "")
}

func TestDuplicateAndConcurrentSignUps(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	signUp(t, c, "dup@example.com")
	st, body := c.do("POST", "/v1/users", "", map[string]any{"email": "DUP@example.com", "password": "correct horse", "name": "D"})
	c.wantError(409, body, st, "conflict", "email")

	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = c.do("POST", "/v1/users", "", map[string]any{
				"email": "race@example.com", "password": "correct horse", "name": fmt.Sprint("R", i)})
		}()
	}
	wg.Wait()
	created, conflicts := 0, 0
	for _, s := range statuses {
		switch s {
		case 201:
			created++
		case 409:
			conflicts++
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Fatalf("statuses %v: want exactly one 201 and %d 409", statuses, n-1)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	if st, body := c.do("GET", "/healthz", "", nil); st != 200 {
		t.Fatalf("healthz %d %s", st, body)
	}
	st, body := c.do("GET", "/readyz", "", nil)
	if st != 200 || !strings.Contains(string(body), `"user":"ok"`) {
		t.Fatalf("readyz %d %s", st, body)
	}
	st, body = c.do("GET", "/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if st != 200 || json.Unmarshal(body, &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi: %d %.200s", st, body)
	}
	for path, method := range map[string]string{"/v1/users": "post", "/v1/sessions": "post", "/v1/users/me": "patch", "/readyz": "get"} {
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("openapi lacks %s %s", method, path)
		}
	}
	st, body = c.do("GET", "/docs", "", nil)
	if st != 200 || !strings.Contains(string(body), "/v1/users/me") || strings.Contains(string(body), "<script src=") {
		t.Fatalf("docs: %d %.300s", st, body)
	}
	st, body = c.do("GET", "/metrics", "", nil)
	if st != 200 || !strings.Contains(string(body), `slotmesh_http_requests_total{method="GET",route="GET /docs",status="200"} 1`) {
		t.Fatalf("metrics: %d %.500s", st, body)
	}

	// With NATS down the gateway is not ready, and says so in the error body.
	sys.NATS.Stop()
	st, body = c.do("GET", "/readyz", "", nil)
	c.wantError(503, body, st, "unavailable", "")
	sys.NATS.Start(t)
}
