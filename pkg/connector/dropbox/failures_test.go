package dropbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// TestUpstreamFailuresBecomeClearErrors runs every tool against every way
// Dropbox (or what stands in front of it) can fail.
func TestUpstreamFailuresBecomeClearErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failure  dropboxfake.Failure
		token    string // sent instead of the accepted one when set
		want     string
		wantKind error
	}{
		{"a wrong token is unauthorized", dropboxfake.None, "sl.revoked-000000", "Dropbox refused the connection's token (invalid_access_token: the token is not valid", connector.ErrUnauthorized},
		{"an HTML page is unexpected", dropboxfake.Garbage, "", "unexpected response from Dropbox (HTTP 200, content type text/html", nil},
		{"a server error says so", dropboxfake.ServerError, "", "Dropbox answered HTTP 500 (a server-side problem); try again later", nil},
		{"a rate limit says when to retry", dropboxfake.RateLimit, "", "Dropbox rate limit reached (too many requests); retry after 300 seconds", dropbox.ErrRateLimited},
		{"an echoed token is redacted", dropboxfake.EchoToken, "", `(HTTP 400): Error in call to API function "`, nil},
	}
	for _, tt := range tests {
		for _, tool := range toolNames() {
			t.Run(tt.name+"/"+tool, func(t *testing.T) {
				t.Parallel()
				fake, up := newFake(t)
				fake.FailNext(tt.failure, 1)
				if tt.token != "" {
					up.Credential = secret.FromString(tt.token)
				}
				got, err := call(t, up, tool, validArgs[tool])
				if err == nil {
					t.Fatalf("%s = %q, want an error", tool, got)
				}
				assertContains(t, err.Error(), tt.want)
				assertOmits(t, err.Error(), "sl.revoked", "Bearer sl.")
				if tt.failure == dropboxfake.EchoToken {
					assertContains(t, err.Error(), `"Bearer [redacted]"`)
				}
				if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
					t.Errorf("error %q is not %v", err, tt.wantKind)
				}
			})
		}
	}
}

func TestRateLimitNamesTheWait(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(dropboxfake.RateLimit, 1)
	_, err := call(t, up, "read_file", validArgs["read_file"])
	want := regexp.MustCompile(`^Dropbox rate limit reached \(too many requests\); retry after 300 seconds \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$`)
	if !want.MatchString(errText(err)) {
		t.Errorf("error = %q, want it to match %s", errText(err), want)
	}
}

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	tok := exchange(t, fake, fake.MintCode(dropboxfake.Grant{}))
	fake.ExpireAccessTokens()
	up.Credential = secret.FromString(tok)
	for _, tool := range toolNames() {
		_, err := call(t, up, tool, validArgs[tool])
		if !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("%s: error = %v, want ErrUnauthorized", tool, err)
		}
		assertContains(t, err.Error(), "(expired_access_token: the token has expired); reconnect it")
		assertOmits(t, err.Error(), tok)
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
	_, err := call(t, up, "read_file", validArgs["read_file"])
	assertContains(t, errText(err), "the Dropbox token lacks the scope files.content.read this needs; enable it in the app's Permissions")
	if errors.Is(err, connector.ErrUnauthorized) {
		t.Error("missing_scope must not be ErrUnauthorized: a refresh would not help")
	}
}

func TestHangingDropboxTimesOut(t *testing.T) {
	t.Parallel()
	for _, tool := range toolNames() {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			fake.FailNext(dropboxfake.Hang, -1)
			up.HTTP = &http.Client{Timeout: 50 * time.Millisecond}
			start := time.Now()
			_, err := call(t, up, tool, validArgs[tool])
			if !errors.Is(err, dropbox.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want ErrTimeout and DeadlineExceeded", err)
			}
			assertContains(t, err.Error(), "Dropbox did not answer in time")
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to time out", d)
			}
		})
	}
}

func TestContextCancelIsReported(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(dropboxfake.Hang, -1)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err := toolNamed(t, "read_file").Call(ctx, up, json.RawMessage(validArgs["read_file"]))
	if !errors.Is(err, context.Canceled) || errText(err) != "the call to Dropbox was canceled" {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestUnreachableDropboxSaysSo(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.Close()
	_, err := call(t, up, "search", validArgs["search"])
	assertContains(t, errText(err), "cannot reach Dropbox: ", "check connectors.dropbox.api_url and the network")
}

func TestPlainText400IsQuoted(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	_, err := call(t, up, "list_folder", `{"cursor":"not-a-cursor"}`)
	assertContains(t, errText(err), `Dropbox refused the request to files/list_folder/continue (HTTP 400): Error in call to API function "files/list_folder/continue": request body: cursor: invalid cursor`)
}

func TestBaseURLWithATrailingSlash(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.BaseURL += "/"
	for _, tool := range toolNames() {
		if _, err := call(t, up, tool, validArgs[tool]); err != nil {
			t.Errorf("%s against %s: %v", tool, up.BaseURL, err)
		}
	}
}

func TestTokenInContentIsRedacted(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.AddFile("/leak.txt", []byte("DROPBOX_TOKEN="+canary+"\nAuthorization: Bearer abc\n"))
	got, err := call(t, up, "read_file", `{"path":"/leak.txt"}`) // call() fails the test on a leak
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "DROPBOX_TOKEN=[redacted]\nAuthorization: Bearer abc\n")
}
