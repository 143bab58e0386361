package e2e

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// TestOAuthClientMetadataDocumentThroughServe: the mcpgate binary, serving
// with oauth_server.client_metadata_allow_private (its only way to reach a
// document on loopback), signs in a client whose client_id is the https
// URL of its Client ID Metadata Document, served by a TLS server whose
// certificate serve trusts through SSL_CERT_FILE: authorize fetches the
// document and names the client from it, `mcpgate oauth approve` approves,
// consent issues a code, the token endpoint exchanges it for that same
// client_id, and the token calls a tool. Without the setting the same
// sign-in is refused at authorize.
func TestOAuthClientMetadataDocumentThroughServe(t *testing.T) {
	mcpgateBinary(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var fetches atomic.Int32
	docURL, caFile := serveClientMetadata(t, &fetches, `"client_name":"Metadata Client","token_endpoint_auth_method":"none"`)

	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	addr := freePort(t)
	issuer := "http://" + addr
	rig, _ := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+t.TempDir(), "MCPGATE_PUBLIC_URL="+issuer,
		"MCPGATE_OAUTH_SERVER_ENABLED=true")
	rig.listen = addr
	// Last, so that it wins over an SSL_CERT_FILE the test inherits.
	base := append(rig.env, "SSL_CERT_FILE="+caFile)
	rig.env = base

	// Without client_metadata_allow_private, a document on loopback is
	// refused before anything is fetched.
	rig.serve(ctx, t)
	p := newPKCE("m")
	b := newUserAgent(t)
	if code, page := b.get(t, authorizeURL(issuer, docURL, issuer+"/mcp", p)); code != http.StatusBadRequest || !strings.Contains(page, "loopback, private or link-local") {
		t.Fatalf("authorize with a loopback metadata document, not allowed: %d\n%s", code, page)
	}
	if fetches.Load() != 0 {
		t.Fatal("the metadata document was fetched from a loopback address without client_metadata_allow_private")
	}
	_ = rig.cmd.Process.Kill()
	<-rig.exited

	rig.env = append(slices.Clone(base), "MCPGATE_OAUTH_SERVER_CLIENT_METADATA_ALLOW_PRIVATE=true")
	rig.serve(ctx, t)
	code, page := b.get(t, authorizeURL(issuer, docURL, issuer+"/mcp", p))
	m := approvalRE.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("authorize: %d, no approval code:\n%s", code, page)
	}
	if fetches.Load() == 0 {
		t.Fatal("authorize did not fetch the metadata document")
	}
	rig.cli(ctx, t, "", "oauth", "approve", m[1])
	_, page = b.get(t, issuer+"/oauth/continue")
	c := csrfRE.FindStringSubmatch(page)
	if c == nil || !strings.Contains(page, "Metadata Client") || strings.Contains(page, "registered itself") ||
		!strings.Contains(page, "not the one it is identified by") {
		t.Fatalf("the consent page should name the client from its document and warn that its redirect host differs:\n%s", page)
	}
	resp, err := b.PostForm(issuer+"/oauth/consent", url.Values{"csrf": {c[1]}, "decision": {"allow"}, "connections": {"all"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if b.landed == nil || b.landed.Query().Get("code") == "" {
		t.Fatalf("consent did not send the browser back with a code (%d)", resp.StatusCode)
	}
	tok := exchange(t, issuer, docURL, b.landed.Query().Get("code"), issuer+"/mcp", p)
	if tok.Status != http.StatusOK || tok.Access == "" {
		t.Fatalf("token exchange for the metadata client: %+v", tok)
	}
	s, err := connectWith(t, issuer+"/mcp", tok.Access)
	if err != nil {
		t.Fatalf("connect with the access token: %v", err)
	}
	defer s.Close()
	if res := call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"}); res.IsError {
		t.Fatalf("tool call with the metadata client's token: %s", text(res))
	}
	if out := rig.cli(ctx, t, "", "key", "list"); !strings.Contains(out, "Metadata Client") && !strings.Contains(out, "oauth-metadata-client") {
		t.Errorf("key list does not show the metadata client's grant:\n%s", out)
	}
}

// serveClientMetadata serves a Client ID Metadata Document on a loopback
// TLS server: its client_id (the document's own URL) and redirect_uris
// (clientRedirect), then fields. It returns the document's URL and a CA
// file serve can trust it by (SSL_CERT_FILE); fetches, if not nil,
// counts the fetches.
func serveClientMetadata(t *testing.T, fetches *atomic.Int32, fields string) (docURL, caFile string) {
	t.Helper()
	doc := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/client.json" {
			http.NotFound(w, r)
			return
		}
		if fetches != nil {
			fetches.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		w.Write([]byte(`{"client_id":"` + docURL + `","redirect_uris":["` + clientRedirect + `"],` + fields + `}`))
	}))
	t.Cleanup(doc.Close)
	docURL = doc.URL + "/oauth/client.json"
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: doc.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return docURL, caFile
}
