package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// startAuthServerGateway is startGateway with mcpgate's authorization server
// on, at a loopback public_url (the one place plain http is allowed).
func startAuthServerGateway(t *testing.T, env ...string) (*gw, string) {
	t.Helper()
	addr := freePort(t)
	issuer := "http://" + addr
	g := startGateway(t, append([]string{
		"MCPGATE_LISTEN=" + addr,
		"MCPGATE_PUBLIC_URL=" + issuer,
		"MCPGATE_OAUTH_SERVER_ENABLED=true",
	}, env...)...)
	return g, issuer
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	return resp.StatusCode, m
}

func TestOAuthServerDiscovery(t *testing.T) {
	g, issuer := startAuthServerGateway(t)

	// A request without credentials is told where the metadata is.
	for _, path := range []string{"/mcp"} {
		resp := post(t, issuer+path, "", nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s without credentials: got %d, want 401", path, resp.StatusCode)
		}
		want := `resource_metadata="` + issuer + "/.well-known/oauth-protected-resource" + path + `"`
		if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") || !strings.Contains(got, want) {
			t.Errorf("%s: WWW-Authenticate %q, want it to carry %s", path, got, want)
		}
	}
	// An mgw_ key works as before.
	if resp := post(t, g.URL, "Bearer "+g.Key, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("mgw_ key with the authorization server on: got %d", resp.StatusCode)
	}

	// Protected resource metadata: path-suffixed and at the root.
	for path, resource := range map[string]string{
		"/.well-known/oauth-protected-resource":            issuer + "/mcp",
		"/.well-known/oauth-protected-resource/mcp":        issuer + "/mcp",
		"/.well-known/oauth-protected-resource/mcp/github": issuer + "/mcp/github",
		"/.well-known/oauth-protected-resource/mcp/a-b_9":  issuer + "/mcp/a-b_9",
	} {
		code, m := getJSON(t, issuer+path)
		if code != http.StatusOK {
			t.Fatalf("%s: got %d", path, code)
		}
		if m["resource"] != resource {
			t.Errorf("%s: resource %v, want %s", path, m["resource"], resource)
		}
		if as, _ := m["authorization_servers"].([]any); len(as) != 1 || as[0] != issuer {
			t.Errorf("%s: authorization_servers %v, want [%s]", path, m["authorization_servers"], issuer)
		}
	}
	for _, path := range []string{"/.well-known/oauth-protected-resource/other", "/.well-known/oauth-protected-resource/mcp/../x", "/.well-known/oauth-protected-resource/mcp/UPPER"} {
		if code, _ := getJSON(t, issuer+path); code != http.StatusNotFound && code != http.StatusMovedPermanently {
			t.Errorf("%s: got %d, want 404", path, code)
		}
	}

	// Authorization server metadata, at the RFC 8414 and OpenID paths.
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		code, m := getJSON(t, issuer+path)
		if code != http.StatusOK {
			t.Fatalf("%s: got %d", path, code)
		}
		for k, want := range map[string]any{
			"issuer":                                         issuer,
			"authorization_endpoint":                         issuer + "/oauth/authorize",
			"token_endpoint":                                 issuer + "/oauth/token",
			"registration_endpoint":                          issuer + "/oauth/register",
			"revocation_endpoint":                            issuer + "/oauth/revoke",
			"client_id_metadata_document_supported":          true,
			"authorization_response_iss_parameter_supported": true,
		} {
			if m[k] != want {
				t.Errorf("%s: %s = %v, want %v", path, k, m[k], want)
			}
		}
		if ccm, _ := m["code_challenge_methods_supported"].([]any); len(ccm) != 1 || ccm[0] != "S256" {
			t.Errorf("%s: code_challenge_methods_supported %v, want [S256]", path, m["code_challenge_methods_supported"])
		}
	}
}

func TestOAuthServerOffByDefault(t *testing.T) {
	g := startGateway(t)
	base := strings.TrimSuffix(g.URL, "/mcp")
	if code, _ := getJSON(t, base+"/.well-known/oauth-authorization-server"); code != http.StatusNotFound {
		t.Errorf("metadata with the authorization server off: got %d, want 404", code)
	}
	resp := post(t, g.URL, "", nil)
	if got := resp.Header.Get("WWW-Authenticate"); strings.Contains(got, "resource_metadata") {
		t.Errorf("WWW-Authenticate %q points to metadata with the authorization server off", got)
	}
}
