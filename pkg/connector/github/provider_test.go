package github_test

import (
	"context"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	suite.CheckRegistered(t, "https://api.github.com", connector.AuthAPIKey, connector.AuthOAuth2)
}

func TestToolsDescribeThemselves(t *testing.T) {
	t.Parallel()
	suite.CheckTools(t, map[string]connectortest.ToolFlags{
		"list_repos": {ReadOnly: true}, "get_repo": {ReadOnly: true}, "list_issues": {ReadOnly: true}, "get_issue": {ReadOnly: true},
		"create_issue": {}, "comment_issue": {}, "list_pulls": {ReadOnly: true}, "get_pull": {ReadOnly: true},
		"get_file": {ReadOnly: true}, "search_issues": {ReadOnly: true}, "search_code": {ReadOnly: true},
	})
}

func TestIdentifyReturnsLogin(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	got, err := suite.Provider(t).Identify(context.Background(), up)
	if err != nil || got != "octocat" {
		t.Errorf("Identify() = %q, %v; want octocat", got, err)
	}
}

func TestIdentifyRefusesAWrongToken(t *testing.T) {
	t.Parallel()
	suite.CheckIdentifyRefuses(t, "ghp_wrong")
}

func TestRequestsCarryGitHubHeaders(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := suite.Call(t, up, "get_repo", validArgs["get_repo"]); err != nil {
		t.Fatal(err)
	}
	h := fake.LastHeaders()
	for name, want := range map[string]string{
		"Authorization":        "Bearer " + canary,
		"Accept":               "application/vnd.github+json",
		"X-Github-Api-Version": "2022-11-28",
		"User-Agent":           "mcpgate",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestOAuthTokenSetIsAccepted(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.Credential = secret.FromString(`{"access_token":"` + canary + `","token_type":"bearer","refresh_token":"ghr_x"}`)
	if _, err := suite.Call(t, up, "get_repo", validArgs["get_repo"]); err != nil {
		t.Errorf("get_repo with a token set: %v", err)
	}
}

func TestEnterpriseBaseURLWithPath(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/"} {
		fake, up := newGHES(t)
		up.BaseURL += suffix
		for _, tool := range []string{"list_repos", "get_file", "create_issue", "search_code"} {
			if _, err := suite.Call(t, up, tool, validArgs[tool]); err != nil {
				t.Errorf("%s against %s: %v", tool, up.BaseURL, err)
			}
		}
		if _, err := suite.Provider(t).Identify(context.Background(), up); err != nil {
			t.Errorf("Identify against %s: %v", up.BaseURL, err)
		}
		if fake.Requests() != 5 {
			t.Errorf("fake saw %d requests, want 5", fake.Requests())
		}
	}
}

func TestBaseURLWithoutTheAPIPathIsNotFound(t *testing.T) {
	t.Parallel()
	_, up := newGHES(t)
	up.BaseURL = up.BaseURL[:len(up.BaseURL)-len("/api/v3")]
	_, err := suite.Call(t, up, "get_repo", validArgs["get_repo"])
	connectortest.AssertContains(t, connectortest.ErrText(err), "not found (or the token cannot see it)")
}
