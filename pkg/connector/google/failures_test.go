package google_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/google"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func toolNames() []string {
	var names []string
	for n := range validArgs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func apiOf(tool string) string {
	if strings.HasPrefix(tool, "gmail_") {
		return "Gmail"
	}
	return "Google Drive"
}

// TestUpstreamFailuresBecomeClearErrors runs every tool against every way
// Google (or what stands in front of it) can fail.
func TestUpstreamFailuresBecomeClearErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failure  googlefake.Failure
		token    string // sent instead of the accepted one when set
		expire   bool
		want     string // after the API's name
		wantKind error
	}{
		{"an unknown token is unauthorized", googlefake.None, "ya29.revoked-token", false,
			" refused the connection's access token (HTTP 401): it has expired or was revoked; if this persists, reconnect with `mcpgate connect add google", connector.ErrUnauthorized},
		{"an expired token is unauthorized", googlefake.None, "", true, " refused the connection's access token (HTTP 401)", connector.ErrUnauthorized},
		{"an HTML page is unexpected", googlefake.Garbage, "", false, "unexpected response from ", nil},
		{"a server error keeps Google's message", googlefake.ServerError, "", false, " failed (HTTP 500: Internal error encountered); try again later", nil},
		{"a rate limit says to wait", googlefake.RateLimit, "", false, " rate limit reached", google.ErrRateLimited},
		{"an echoed token is redacted", googlefake.EchoToken, "", false, " rejected the request (HTTP 400: Invalid Credentials: the token [redacted] is not valid", nil},
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
				if tt.expire {
					fake.ExpireAccessTokens()
				}
				got, err := call(t, up, tool, validArgs[tool])
				if err == nil {
					t.Fatalf("%s = %q, want an error", tool, got)
				}
				if tt.failure != googlefake.Garbage {
					assertContains(t, err.Error(), apiOf(tool)+tt.want)
				} else {
					assertContains(t, err.Error(), tt.want, "the body is not the JSON the API sends")
				}
				assertOmits(t, err.Error(), "ya29.revoked-token")
				if tt.failure != googlefake.EchoToken {
					assertOmits(t, err.Error(), "Authorization", "Bearer") // no raw headers
				}
				if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
					t.Errorf("error %q is not %v", err, tt.wantKind)
				}
			})
		}
	}
}

func TestRateLimitsOfBothAPIs(t *testing.T) {
	t.Parallel()
	// Gmail answers 429 rateLimitExceeded, Drive 403 userRateLimitExceeded.
	for tool, want := range map[string]string{
		"gmail_list_labels": "Gmail rate limit reached: User-rate limit exceeded.  Retry after 2030-01-01T00:00:30.000Z; retry after 30 seconds",
		"drive_search":      "Google Drive rate limit reached: User Rate Limit Exceeded; retry after 30 seconds",
	} {
		fake, up := newFake(t)
		fake.FailNext(googlefake.RateLimit, 1)
		_, err := call(t, up, tool, validArgs[tool])
		if errText(err) != want || !errors.Is(err, google.ErrRateLimited) {
			t.Errorf("%s: error = %q, want %q (ErrRateLimited)", tool, errText(err), want)
		}
	}
}

func TestMissingScopeSaysWhichToGrant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tool   string
		scopes []string
		want   string
	}{
		{"gmail_send", []string{googlefake.ScopeGmailReadonly}, "grant gmail.send or gmail.compose (https://www.googleapis.com/auth/gmail.compose)"},
		{"gmail_create_draft", []string{googlefake.ScopeGmailReadonly, googlefake.ScopeGmailSend}, "grant gmail.compose (https://www.googleapis.com/auth/gmail.compose)"},
		{"gmail_search", []string{googlefake.ScopeDriveReadonly}, "grant gmail.readonly (https://www.googleapis.com/auth/gmail.readonly)"},
		{"drive_read", []string{googlefake.ScopeGmailReadonly}, "grant drive.readonly (https://www.googleapis.com/auth/drive.readonly)"},
		{"drive_create_text", []string{googlefake.ScopeDriveReadonly}, "grant drive.file (https://www.googleapis.com/auth/drive.file)"},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t, googlefake.WithScopes(tt.scopes...))
			_, err := call(t, up, tt.tool, validArgs[tt.tool])
			assertContains(t, errText(err), "refused the call: the connection was not granted the permission it needs (insufficient OAuth scopes)",
				"mcpgate connect add google", tt.want)
			if !errors.Is(err, google.ErrInsufficientScope) {
				t.Errorf("error %q is not ErrInsufficientScope", err)
			}
		})
	}
}

func TestDriveFileScopeSeesOnlyItsOwnFiles(t *testing.T) {
	t.Parallel()
	_, up := newFake(t, googlefake.WithScopes(googlefake.ScopeDriveFile))
	_, err := call(t, up, "drive_read", `{"file_id":"`+googlefake.TextNotes+`"}`)
	if !errors.Is(err, google.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	assertContains(t, err.Error(), "Google Drive: not found: File not found: "+googlefake.TextNotes)
	out, err := call(t, up, "drive_create_text", `{"name":"mine.txt","content":"mine"}`)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Fields(strings.SplitN(out, "with id ", 2)[1])[0]
	got, err := call(t, up, "drive_read", `{"file_id":"`+id+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "mine")
}

func TestMissingThingsAreNotFound(t *testing.T) {
	t.Parallel()
	for tool, args := range map[string]string{
		"gmail_read": `{"id":"18f1a00000000fff"}`,
		"drive_get":  `{"file_id":"1NoSuchFile"}`,
		"drive_read": `{"file_id":"1NoSuchFile"}`,
	} {
		_, up := newFake(t)
		_, err := call(t, up, tool, args)
		if !errors.Is(err, google.ErrNotFound) {
			t.Errorf("%s: error = %v, want ErrNotFound", tool, err)
		}
		assertContains(t, errText(err), ": not found", "check the id")
	}
}

func TestHangingGoogleTimesOut(t *testing.T) {
	t.Parallel()
	for _, tool := range toolNames() {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			fake.FailNext(googlefake.Hang, -1)
			up.HTTP = &http.Client{Timeout: 50 * time.Millisecond}
			start := time.Now()
			_, err := call(t, up, tool, validArgs[tool])
			if !errors.Is(err, google.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want ErrTimeout and DeadlineExceeded", err)
			}
			assertContains(t, err.Error(), apiOf(tool)+" did not answer in time (timeout)")
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to time out", d)
			}
		})
	}
}

func TestContextDeadlineAndCancel(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(googlefake.Hang, -1)
	tl := toolNamed(t, "drive_get")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := tl.Call(ctx, up, json.RawMessage(validArgs["drive_get"]))
	if !errors.Is(err, google.ErrTimeout) {
		t.Errorf("deadline: error = %v, want ErrTimeout", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err = tl.Call(ctx, up, json.RawMessage(validArgs["drive_get"]))
	if !errors.Is(err, context.Canceled) || !strings.Contains(errText(err), "canceled") {
		t.Errorf("cancel: error = %v, want context.Canceled", err)
	}
}

func TestUnreachableGoogleIsClear(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.Close()
	_, err := call(t, up, "gmail_list_labels", `{}`)
	assertContains(t, errText(err), "cannot reach Gmail: ", "check connectors.google.api_url and the network")
	assertOmits(t, errText(err), fake.URL+"/gmail")
}

func TestLongResultsAreTruncated(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.MaxResultBytes = 80
	got, err := call(t, up, "drive_read", `{"file_id":"`+googlefake.TextNotes+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "[truncated: the result was ")
	if i := strings.Index(got, "\n\n[truncated"); i > 80 {
		t.Errorf("kept %d bytes, want at most 80", i)
	}
}

func TestEchoedTokenIsRedactedInResults(t *testing.T) {
	t.Parallel()
	// A file whose content holds the token must not hand it to the model.
	_, up := newFake(t)
	if _, err := call(t, up, "drive_create_text", `{"name":"leak.txt","content":"token=`+canary+`"}`); err != nil {
		t.Fatal(err)
	}
	got, err := call(t, up, "drive_search", `{"q":"name = 'leak.txt'"}`)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Fields(strings.SplitN(got, "id ", 2)[1])[0]
	got, err = call(t, up, "drive_read", `{"file_id":"`+id+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "token=[redacted]")
}
