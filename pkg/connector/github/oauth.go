package github

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// OAuth implements connector.OAuthProvider for a GitHub OAuth app. Its
// authorization callback URL is <public_url>/oauth/callback.
func (Provider) OAuth() connector.OAuthEndpoints {
	return connector.OAuthEndpoints{
		AuthURL:  "https://github.com/login/oauth/authorize",
		TokenURL: "https://github.com/login/oauth/access_token",
		Scopes:   []string{"repo", "read:user"},
	}
}

// Revoke implements connector.Revoker: DELETE
// /applications/{client_id}/token, authenticated as the OAuth app.
func (Provider) Revoke(ctx context.Context, up connector.Upstream, client connector.OAuthClient) error {
	if client.ID == "" {
		return fmt.Errorf("connectors.github.client_id is not set, so the token cannot be revoked")
	}
	base := strings.TrimRight(up.BaseURL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	body, _ := json.Marshal(map[string]string{"access_token": up.Credential.Reveal()})
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, base+"/applications/"+url.PathEscape(client.ID)+"/token", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build revoke request: %w", err)
	}
	req.SetBasicAuth(client.ID, client.Secret)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	req.Header.Set("User-Agent", userAgent)
	resp, err := toolkit.HTTPClient(up.HTTP).Do(req)
	if err != nil {
		return fmt.Errorf("GitHub could not be reached to revoke the token")
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusNotFound: // revoked, or already gone
		return nil
	}
	return fmt.Errorf("GitHub answered %d to the revocation", resp.StatusCode)
}

var (
	_ connector.OAuthProvider = Provider{}
	_ connector.Revoker       = Provider{}
)
