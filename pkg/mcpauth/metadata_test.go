package mcpauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientMetadataOnlyForAnHTTPSPublicURL(t *testing.T) {
	if _, ok := MetadataFor("http://gate.example", "/oauth/callback"); ok {
		t.Fatal("a client metadata document for an http public_url: its URL cannot be a client_id")
	}
	if _, ok := MetadataFor("", "/oauth/callback"); ok {
		t.Fatal("a client metadata document without a public_url")
	}
	m, ok := MetadataFor("https://gate.example/", "/oauth/callback")
	if !ok || m.ClientID != "https://gate.example/oauth/client-metadata.json" || len(m.RedirectURIs) != 1 ||
		m.RedirectURIs[0] != "https://gate.example/oauth/callback" || m.TokenEndpointAuthMethod != "none" {
		t.Fatalf("document = %+v", m)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ClientMetadataPath, nil))
	var got map[string]any
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got["client_id"] != m.ClientID {
		t.Fatalf("GET: %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rec = httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, ClientMetadataPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}
