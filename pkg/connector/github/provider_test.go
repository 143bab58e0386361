package github_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	p := provider(t)
	if got := p.DefaultAPIURL(); got != "https://api.github.com" {
		t.Errorf("DefaultAPIURL() = %q, want https://api.github.com", got)
	}
	if got, want := p.AuthKinds(), []string{connector.AuthAPIKey, connector.AuthOAuth2}; !slices.Equal(got, want) {
		t.Errorf("AuthKinds() = %v, want %v", got, want)
	}
}

func TestToolsDescribeThemselves(t *testing.T) {
	t.Parallel()
	readOnly := map[string]bool{
		"list_repos": true, "get_repo": true, "list_issues": true, "get_issue": true,
		"create_issue": false, "comment_issue": false, "list_pulls": true, "get_pull": true,
		"get_file": true, "search_issues": true, "search_code": true,
	}
	tools := provider(t).Tools()
	if len(tools) != len(readOnly) {
		t.Errorf("%d tools, want %d", len(tools), len(readOnly))
	}
	for _, tl := range tools {
		t.Run(tl.Name, func(t *testing.T) {
			want, known := readOnly[tl.Name]
			if !known {
				t.Fatalf("unexpected tool %q", tl.Name)
			}
			if tl.ReadOnly != want || tl.Destructive {
				t.Errorf("ReadOnly, Destructive = %v, %v; want %v, false", tl.ReadOnly, tl.Destructive, want)
			}
			if len(tl.Description) < 40 || tl.Call == nil {
				t.Errorf("want a real description and a Call, got %q", tl.Description)
			}
			var s struct {
				Type                 string
				Properties           map[string]struct{ Type, Description string }
				Required             []string
				AdditionalProperties *bool
			}
			if err := json.Unmarshal(tl.InputSchema, &s); err != nil {
				t.Fatalf("InputSchema is not JSON: %v", err)
			}
			if s.Type != "object" || s.AdditionalProperties == nil || *s.AdditionalProperties || s.Required == nil {
				t.Errorf("schema = %s; want a closed object with a required list", tl.InputSchema)
			}
			for _, r := range s.Required {
				if _, ok := s.Properties[r]; !ok {
					t.Errorf("required %q has no property", r)
				}
			}
			for name, p := range s.Properties {
				if p.Type == "" || p.Description == "" {
					t.Errorf("property %q lacks a type or description", name)
				}
			}
		})
	}
}

func TestIdentifyReturnsLogin(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	got, err := provider(t).Identify(context.Background(), up)
	if err != nil || got != "octocat" {
		t.Errorf("Identify() = %q, %v; want octocat", got, err)
	}
}

func TestIdentifyRefusesAWrongToken(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.Credential = secret.FromString("ghp_wrong")
	_, err := provider(t).Identify(context.Background(), up)
	if !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("Identify() error = %v, want ErrUnauthorized", err)
	}
}

func TestRequestsCarryGitHubHeaders(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := call(t, up, "get_repo", validArgs["get_repo"]); err != nil {
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
	if _, err := call(t, up, "get_repo", validArgs["get_repo"]); err != nil {
		t.Errorf("get_repo with a token set: %v", err)
	}
}

func TestEnterpriseBaseURLWithPath(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/"} {
		fake, up := newGHES(t)
		up.BaseURL += suffix
		for _, tool := range []string{"list_repos", "get_file", "create_issue", "search_code"} {
			if _, err := call(t, up, tool, validArgs[tool]); err != nil {
				t.Errorf("%s against %s: %v", tool, up.BaseURL, err)
			}
		}
		if _, err := provider(t).Identify(context.Background(), up); err != nil {
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
	_, err := call(t, up, "get_repo", validArgs["get_repo"])
	assertContains(t, errText(err), "not found (or the token cannot see it)")
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
