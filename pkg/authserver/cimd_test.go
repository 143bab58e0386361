package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// metadataServer serves a client metadata document over TLS on loopback;
// body gets the document's own URL.
func metadataServer(t *testing.T, handler func(w http.ResponseWriter, self string)) (*httptest.Server, string, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	var self string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		handler(w, self)
	}))
	t.Cleanup(srv.Close)
	self = srv.URL + "/client.json"
	return srv, self, &hits
}

// fetcherFor trusts srv's certificate, as the system roots would trust a
// real client's.
func fetcherFor(srv *httptest.Server, allowPrivate bool) *metadataFetcher {
	f := newMetadataFetcher(allowPrivate, time.Now)
	f.client.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	return f
}

func goodDoc(w http.ResponseWriter, self string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=600")
	w.Write([]byte(`{"client_id":"` + self + `","client_name":"Meta Client","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}`))
}

func TestMetadataDocument(t *testing.T) {
	srv, self, hits := metadataServer(t, goodDoc)
	f := fetcherFor(srv, true)
	c, err := f.get(context.Background(), self)
	if err != nil || c.Name != "Meta Client" || c.Kind != KindMetadata || len(c.RedirectURIs) != 1 {
		t.Fatalf("got %+v, %v", c, err)
	}
	if _, err := f.get(context.Background(), self); err != nil || hits.Load() != 1 {
		t.Errorf("second fetch within max-age: %v, %d requests, want 1", err, hits.Load())
	}
}

func TestMetadataDocumentOnAPrivateAddressIsRefused(t *testing.T) {
	srv, self, hits := metadataServer(t, goodDoc)
	f := fetcherFor(srv, false) // the default: no loopback, private or link-local address
	_, err := f.get(context.Background(), self)
	if err == nil || !strings.Contains(err.Error(), "private") || hits.Load() != 0 {
		t.Fatalf("fetch from 127.0.0.1: %v, %d requests reached it; want refused before connecting", err, hits.Load())
	}
}

func TestMetadataDocumentRefusals(t *testing.T) {
	tests := map[string]struct {
		handler func(w http.ResponseWriter, self string)
		want    string
	}{
		"oversized": {func(w http.ResponseWriter, self string) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"client_id":"` + self + `","client_name":"` + strings.Repeat("x", 6<<10) + `","redirect_uris":["https://app.example/cb"]}`))
		}, "larger than 5 KiB"},
		"slow": {func(w http.ResponseWriter, _ string) {
			time.Sleep(metadataTimeout + 2*time.Second)
		}, "in time"},
		"another client_id": {func(w http.ResponseWriter, _ string) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"client_id":"https://other.example/c.json","redirect_uris":["https://app.example/cb"]}`))
		}, "not its own URL"},
		"http redirect uri": {func(w http.ResponseWriter, self string) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"client_id":"` + self + `","redirect_uris":["http://app.example/cb"]}`))
		}, "https"},
		"a redirect": {func(w http.ResponseWriter, _ string) {
			w.Header().Set("Location", "https://127.0.0.1:1/x")
			w.WriteHeader(http.StatusFound)
		}, "fetched"},
		"not json": {func(w http.ResponseWriter, _ string) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html>`))
		}, "application/json"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, self, _ := metadataServer(t, tc.handler)
			_, err := fetcherFor(srv, true).get(context.Background(), self)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	for _, bad := range []string{"http://app.example/c.json", "https://app.example", "https://app.example/", "https://u@app.example/c",
		"https://app.example/c?x=1", "https://app.example/c#f", "https://app.example/a/../c"} {
		if _, err := checkMetadataURL(bad); err == nil {
			t.Errorf("%s accepted as a client_id URL", bad)
		}
	}
}

func TestAuthorizeWithAMetadataClient(t *testing.T) {
	for _, allow := range []bool{true, false} {
		s, _, _ := grantFixture(t)
		srv, self, _ := metadataServer(t, goodDoc)
		s.metadata = fetcherFor(srv, allow)
		sum := sha256.Sum256([]byte(strings.Repeat("v", 43)))
		q := url.Values{"response_type": {"code"}, "client_id": {self}, "redirect_uri": {"https://app.example/cb"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
			"resource": {"https://gw.example/mcp"}}
		w := httptest.NewRecorder()
		s.authorize(w, httptest.NewRequest(http.MethodGet, AuthorizePath+"?"+q.Encode(), nil))
		switch {
		case allow && (w.Code != http.StatusSeeOther || w.Header().Get("Location") != ContinuePath):
			t.Errorf("a metadata client: %d %q, want a redirect to the approval page", w.Code, w.Header().Get("Location"))
		case !allow && (w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "private")):
			t.Errorf("a metadata client on a private address: %d %s, want a 400 page saying why", w.Code, w.Body.String())
		}
	}
}
