package dropbox_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// TestUpstreamFailuresBecomeClearErrors runs every tool against every way
// Dropbox (or what stands in front of it) can fail.
func TestUpstreamFailuresBecomeClearErrors(t *testing.T) {
	t.Parallel()
	suite.CheckFailures(t, connectortest.FailureMatrix[*dropboxfake.Server]{
		Cases: []connectortest.FailureCase[*dropboxfake.Server]{
			{Name: "a wrong token is unauthorized", Token: "sl.revoked-000000", Want: "Dropbox refused the connection's token (invalid_access_token: the token is not valid", Kind: connector.ErrUnauthorized},
			{Name: "an HTML page is unexpected", Failure: fakekit.Garbage, Want: "unexpected response from Dropbox (HTTP 200, content type text/html"},
			{Name: "a server error says so", Failure: fakekit.ServerError, Want: "Dropbox answered HTTP 500 (a server-side problem); try again later"},
			{Name: "a rate limit says when to retry", Failure: fakekit.RateLimit, Want: "Dropbox rate limit reached (too many requests); retry after 300 seconds", Kind: dropbox.ErrRateLimited},
			{Name: "an echoed token is redacted", Failure: fakekit.EchoToken, Want: `(HTTP 400): Error in call to API function "`},
		},
		Omit: []string{"sl.revoked", "Bearer sl."},
		Check: func(t *testing.T, c connectortest.FailureCase[*dropboxfake.Server], _ string, err error) {
			if c.Failure == fakekit.EchoToken {
				connectortest.AssertContains(t, err.Error(), `"Bearer [redacted]"`)
			}
		},
	})
}

func TestRateLimitNamesTheWait(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(fakekit.RateLimit, 1)
	_, err := suite.Call(t, up, "read_file", validArgs["read_file"])
	want := regexp.MustCompile(`^Dropbox rate limit reached \(too many requests\); retry after 300 seconds \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$`)
	if !want.MatchString(connectortest.ErrText(err)) {
		t.Errorf("error = %q, want it to match %s", connectortest.ErrText(err), want)
	}
}

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	tok := exchange(t, fake, fake.MintCode(dropboxfake.Grant{}))
	fake.ExpireAccessTokens()
	up.Credential = secret.FromString(tok)
	for _, tool := range suite.ToolNames() {
		_, err := suite.Call(t, up, tool, validArgs[tool])
		if !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("%s: error = %v, want ErrUnauthorized", tool, err)
		}
		connectortest.AssertContains(t, err.Error(), "(expired_access_token: the token has expired); reconnect it")
		connectortest.AssertOmits(t, err.Error(), tok)
	}
}

// exchange trades a code for an access token at the fake's token endpoint.
func exchange(t *testing.T, fake *dropboxfake.Server, code string) string {
	t.Helper()
	resp, err := fake.Client().PostForm(fake.TokenURL, map[string][]string{
		"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("exchange: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

func TestMissingScopeIsNotUnauthorized(t *testing.T) {
	t.Parallel()
	_, up := newFake(t, dropboxfake.WithScopes("files.metadata.read"))
	_, err := suite.Call(t, up, "read_file", validArgs["read_file"])
	connectortest.AssertContains(t, connectortest.ErrText(err), "the Dropbox token lacks the scope files.content.read this needs; enable it in the app's Permissions")
	if errors.Is(err, connector.ErrUnauthorized) {
		t.Error("missing_scope must not be ErrUnauthorized: a refresh would not help")
	}
}

func TestHangingDropboxTimesOut(t *testing.T) {
	t.Parallel()
	suite.CheckTimeouts(t, dropbox.ErrTimeout, func(string) string { return "Dropbox did not answer in time" })
}

func TestContextCancelIsReported(t *testing.T) {
	t.Parallel()
	if err := suite.CheckCancel(t, "read_file"); connectortest.ErrText(err) != "the call to Dropbox was canceled" {
		t.Errorf("error = %v, want the call to Dropbox was canceled", err)
	}
}

func TestUnreachableDropboxSaysSo(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.Close()
	_, err := suite.Call(t, up, "search", validArgs["search"])
	connectortest.AssertContains(t, connectortest.ErrText(err), "cannot reach Dropbox: ", "check connectors.dropbox.api_url and the network")
}

func TestPlainText400IsQuoted(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	_, err := suite.Call(t, up, "list_folder", `{"cursor":"not-a-cursor"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), `Dropbox refused the request to files/list_folder/continue (HTTP 400): Error in call to API function "files/list_folder/continue": request body: cursor: invalid cursor`)
}

func TestBaseURLWithATrailingSlash(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.BaseURL += "/"
	for _, tool := range suite.ToolNames() {
		if _, err := suite.Call(t, up, tool, validArgs[tool]); err != nil {
			t.Errorf("%s against %s: %v", tool, up.BaseURL, err)
		}
	}
}

func TestTokenInContentIsRedacted(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.AddFile("/leak.txt", []byte("DROPBOX_TOKEN="+canary+"\nAuthorization: Bearer abc\n"))
	got, err := suite.Call(t, up, "read_file", `{"path":"/leak.txt"}`) // call() fails the test on a leak
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "DROPBOX_TOKEN=[redacted]\nAuthorization: Bearer abc\n")
}
