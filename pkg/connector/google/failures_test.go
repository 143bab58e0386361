package google_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/connector/google"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

func apiOf(tool string) string {
	if strings.HasPrefix(tool, "gmail_") {
		return "Gmail"
	}
	return "Google Drive"
}

// TestUpstreamFailuresBecomeClearErrors runs every tool against every way
// Google (or what stands in front of it) can fail. Want is what follows the
// API's name, which depends on the tool.
func TestUpstreamFailuresBecomeClearErrors(t *testing.T) {
	t.Parallel()
	suite.CheckFailures(t, connectortest.FailureMatrix[*googlefake.Server]{
		Cases: []connectortest.FailureCase[*googlefake.Server]{
			{Name: "an unknown token is unauthorized", Token: "ya29.revoked-token",
				Want: " refused the connection's access token (HTTP 401): it has expired or was revoked; if this persists, reconnect with `mcpgate connect add google", Kind: connector.ErrUnauthorized},
			{Name: "an expired token is unauthorized", Setup: (*googlefake.Server).ExpireAccessTokens, Want: " refused the connection's access token (HTTP 401)", Kind: connector.ErrUnauthorized},
			{Name: "an HTML page is unexpected", Failure: fakekit.Garbage, Want: "unexpected response from "},
			{Name: "a server error keeps Google's message", Failure: fakekit.ServerError, Want: " failed (HTTP 500: Internal error encountered); try again later"},
			{Name: "a rate limit says to wait", Failure: fakekit.RateLimit, Want: " rate limit reached", Kind: google.ErrRateLimited},
			{Name: "an echoed token is redacted", Failure: fakekit.EchoToken, Want: " rejected the request (HTTP 400: Invalid Credentials: the token [redacted] is not valid"},
		},
		Omit: []string{"ya29.revoked-token"},
		Check: func(t *testing.T, c connectortest.FailureCase[*googlefake.Server], tool string, err error) {
			if c.Failure == fakekit.Garbage {
				connectortest.AssertContains(t, err.Error(), "the body is not the JSON the API sends")
			} else {
				connectortest.AssertContains(t, err.Error(), apiOf(tool)+c.Want)
			}
			if c.Failure != fakekit.EchoToken {
				connectortest.AssertOmits(t, err.Error(), "Authorization", "Bearer") // no raw headers
			}
		},
	})
}

func TestRateLimitsOfBothAPIs(t *testing.T) {
	t.Parallel()
	// Gmail answers 429 rateLimitExceeded, Drive 403 userRateLimitExceeded.
	for tool, want := range map[string]string{
		"gmail_list_labels": "Gmail rate limit reached: User-rate limit exceeded.  Retry after 2030-01-01T00:00:30.000Z; retry after 30 seconds",
		"drive_search":      "Google Drive rate limit reached: User Rate Limit Exceeded; retry after 30 seconds",
	} {
		fake, up := newFake(t)
		fake.FailNext(fakekit.RateLimit, 1)
		_, err := suite.Call(t, up, tool, validArgs[tool])
		if connectortest.ErrText(err) != want || !errors.Is(err, google.ErrRateLimited) {
			t.Errorf("%s: error = %q, want %q (ErrRateLimited)", tool, connectortest.ErrText(err), want)
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
			_, err := suite.Call(t, up, tt.tool, validArgs[tt.tool])
			connectortest.AssertContains(t, connectortest.ErrText(err), "refused the call: the connection was not granted the permission it needs (insufficient OAuth scopes)",
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
	_, err := suite.Call(t, up, "drive_read", `{"file_id":"`+googlefake.TextNotes+`"}`)
	if !errors.Is(err, google.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	connectortest.AssertContains(t, err.Error(), "Google Drive: not found: File not found: "+googlefake.TextNotes)
	out, err := suite.Call(t, up, "drive_create_text", `{"name":"mine.txt","content":"mine"}`)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Fields(strings.SplitN(out, "with id ", 2)[1])[0]
	got, err := suite.Call(t, up, "drive_read", `{"file_id":"`+id+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "mine")
}

func TestMissingThingsAreNotFound(t *testing.T) {
	t.Parallel()
	for tool, args := range map[string]string{
		"gmail_read": `{"id":"18f1a00000000fff"}`,
		"drive_get":  `{"file_id":"1NoSuchFile"}`,
		"drive_read": `{"file_id":"1NoSuchFile"}`,
	} {
		_, up := newFake(t)
		_, err := suite.Call(t, up, tool, args)
		if !errors.Is(err, google.ErrNotFound) {
			t.Errorf("%s: error = %v, want ErrNotFound", tool, err)
		}
		connectortest.AssertContains(t, connectortest.ErrText(err), ": not found", "check the id")
	}
}

func TestHangingGoogleTimesOut(t *testing.T) {
	t.Parallel()
	suite.CheckTimeouts(t, google.ErrTimeout, func(tool string) string { return apiOf(tool) + " did not answer in time (timeout)" })
}

func TestContextDeadlineAndCancel(t *testing.T) {
	t.Parallel()
	suite.CheckDeadline(t, "drive_get", google.ErrTimeout)
	connectortest.AssertContains(t, connectortest.ErrText(suite.CheckCancel(t, "drive_get")), "canceled")
}

func TestUnreachableGoogleIsClear(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.Close()
	_, err := suite.Call(t, up, "gmail_list_labels", `{}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "cannot reach Gmail: ", "check connectors.google.api_url and the network")
	connectortest.AssertOmits(t, connectortest.ErrText(err), fake.URL+"/gmail")
}

// The gateway truncates results, once, with the key's limit; a connector
// returns the whole text.
func TestResultsAreLeftWholeForTheGateway(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.MaxResultBytes = 80
	got, err := suite.Call(t, up, "drive_read", `{"file_id":"`+googlefake.TextNotes+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertOmits(t, got, "[truncated")
	connectortest.AssertContains(t, got, "Bring the loop diagrams.")
}

func TestEchoedTokenIsRedactedInResults(t *testing.T) {
	t.Parallel()
	// A file whose content holds the token must not hand it to the model.
	_, up := newFake(t)
	if _, err := suite.Call(t, up, "drive_create_text", `{"name":"leak.txt","content":"token=`+canary+`"}`); err != nil {
		t.Fatal(err)
	}
	got, err := suite.Call(t, up, "drive_search", `{"q":"name = 'leak.txt'"}`)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Fields(strings.SplitN(got, "id ", 2)[1])[0]
	got, err = suite.Call(t, up, "drive_read", `{"file_id":"`+id+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "token=[redacted]")
}
