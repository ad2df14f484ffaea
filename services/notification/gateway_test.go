package notification_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/gateway"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// testKey signs the tokens of the gateway test; the user peer publishes it.
var testKey = func() ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

const testIssuer = "slotmesh-test"

func token(t *testing.T, userID string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{
		Subject: userID, Issuer: testIssuer, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	})
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGatewayWebhookRoutes: PUT/GET/DELETE /v1/vendors/{id}/webhook through
// the real gateway on the test's NATS.
func TestGatewayWebhookRoutes(t *testing.T) {
	t.Parallel()
	e := start(t, map[string]string{"SMTP_URL": ""})
	srv := httptest.NewServer(gateway.NewServer(gateway.DefaultConfig(), e.nc, platform.Discard()))
	t.Cleanup(srv.Close)
	path := srv.URL + "/v1/vendors/" + e.vendorID + "/webhook"
	call := func(method, url, userID, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if userID != "" {
			req.Header.Set("Authorization", "Bearer "+token(t, userID))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	errField := func(out map[string]any) (code, field string) {
		e, _ := out["error"].(map[string]any)
		d, _ := e["details"].(map[string]any)
		code, _ = e["code"].(string)
		field, _ = d["field"].(string)
		return code, field
	}

	if st, out := call(http.MethodGet, path, e.manager, ""); st != http.StatusNotFound {
		t.Fatalf("GET before PUT: %d %v", st, out)
	}
	st, out := call(http.MethodPut, path, e.manager, `{"url": "https://vendor.example/hook"}`)
	if st != http.StatusOK || out["vendor_id"] != e.vendorID || out["url"] != "https://vendor.example/hook" || len(out["secret"].(string)) != 70 || out["created_at"] == nil {
		t.Fatalf("PUT: %d %v", st, out)
	}
	secret := out["secret"]
	if st, out := call(http.MethodGet, path, e.manager, ""); st != http.StatusOK || out["secret"] != secret {
		t.Fatalf("GET: %d %v", st, out)
	}
	if st, out := call(http.MethodPut, path, e.manager, `{"url": "https://vendor.example/hook"}`); st != http.StatusOK || out["secret"] == secret {
		t.Fatalf("second PUT must rotate the secret: %d %v", st, out)
	}
	for _, body := range []string{`{"url": "vendor.example/hook"}`, `{"url": "ftp://vendor.example"}`, `{}`, `{"url": 7}`} {
		st, out := call(http.MethodPut, path, e.manager, body)
		if code, field := errField(out); st != http.StatusBadRequest || code != "invalid_input" || field != "url" {
			t.Errorf("PUT %s: %d %v", body, st, out)
		}
	}
	if st, _ := call(http.MethodPut, path, "", `{"url": "https://x.example"}`); st != http.StatusUnauthorized {
		t.Errorf("PUT without a token: %d", st)
	}
	if st, _ := call(http.MethodPut, path, uuid.NewString(), `{"url": "https://x.example"}`); st != http.StatusForbidden {
		t.Errorf("PUT by a stranger: %d", st)
	}
	if st, _ := call(http.MethodGet, srv.URL+"/v1/vendors/"+uuid.NewString()+"/webhook", e.manager, ""); st != http.StatusNotFound {
		t.Errorf("GET of an unknown vendor: %d", st)
	}
	if st, out := call(http.MethodDelete, path, e.manager, ""); st != http.StatusNoContent {
		t.Fatalf("DELETE: %d %v", st, out)
	}
	if st, _ := call(http.MethodGet, path, e.manager, ""); st != http.StatusNotFound {
		t.Fatalf("GET after DELETE: %d", st)
	}
	if st, _ := call(http.MethodDelete, path, e.manager, ""); st != http.StatusNotFound {
		t.Fatalf("second DELETE: %d", st)
	}
}
