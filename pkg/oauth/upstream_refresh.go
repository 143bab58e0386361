package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxTokenBytes bounds a token endpoint's answer.
const maxTokenBytes = 64 << 10

// refreshMCP refreshes an MCP server connection's token with the resource
// parameter (RFC 8707 §2.2), which golang.org/x/oauth2's refresh cannot
// send. An OAuth error answer is an *oauth2.RetrieveError (without its
// body), so that refresh treats invalid_grant as it does for every
// provider.
func (f *Flow) refreshMCP(ctx context.Context, up *upstreamAuth, refreshToken string) (*oauth2.Token, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"resource":      {up.Resource},
	}
	basic := oauth2.AuthStyle(up.AuthStyle) == oauth2.AuthStyleInHeader && up.ClientSecret != ""
	if !basic {
		form.Set("client_id", up.ClientID)
		if up.ClientSecret != "" {
			form.Set("client_secret", up.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, up.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		req.SetBasicAuth(url.QueryEscape(up.ClientID), url.QueryEscape(up.ClientSecret)) // RFC 6749 §2.3.1
	}
	hc := f.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxTokenBytes+1))
	if err != nil || len(body) > maxTokenBytes {
		return nil, errors.New("the token endpoint's answer could not be read")
	}
	var got struct {
		AccessToken  string          `json:"access_token"`
		TokenType    string          `json:"token_type"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
		Scope        string          `json:"scope"`
		Error        string          `json:"error"`
		Description  string          `json:"error_description"`
	}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	jsonErr := json.Unmarshal(body, &got)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		re := &oauth2.RetrieveError{Response: res}
		if jsonErr == nil {
			re.ErrorCode, re.ErrorDescription = got.Error, got.Description
		}
		return nil, re
	}
	if mt != "application/json" || jsonErr != nil || got.AccessToken == "" {
		return nil, errors.New("the token endpoint answered something that is not a token")
	}
	tok := &oauth2.Token{AccessToken: got.AccessToken, TokenType: got.TokenType, RefreshToken: got.RefreshToken}
	var secs json.Number
	if len(got.ExpiresIn) > 0 && json.Unmarshal(got.ExpiresIn, &secs) == nil {
		if n, err := secs.Int64(); err == nil && n > 0 {
			tok.Expiry = f.now().Add(time.Duration(n) * time.Second)
		}
	}
	if got.Scope != "" {
		tok = tok.WithExtra(map[string]any{"scope": got.Scope})
	}
	return tok, nil
}
