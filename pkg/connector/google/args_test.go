package google_test

import (
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

func TestBadArgumentsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 501)
	suite.CheckRefused(t, []connectortest.ArgCase{
		{Tool: "gmail_search", Args: `{"max_results":0.5}`, Want: "argument max_results must be an integer"},
		{Tool: "gmail_search", Args: `{"max_results":26}`, Want: "argument max_results must be at most 25"},
		{Tool: "gmail_search", Args: `{"query":"x"}`, Want: `unknown argument "query"`},
		{Tool: "gmail_search", Args: `[1]`, Want: "arguments must be a JSON object"},
		{Tool: "gmail_search", Args: `{"q":`, Want: "arguments are not valid JSON"},
		{Tool: "gmail_search", Args: `{} {}`, Want: "arguments must be a single JSON object"},
		{Tool: "gmail_read", Args: `{}`, Want: "id is required"},
		{Tool: "gmail_read", Args: `{"id":"../profile"}`, Want: `id "../profile" is not a Gmail message id`},
		{Tool: "gmail_read", Args: `{"id":"a b"}`, Want: "is not a Gmail message id"},
		{Tool: "gmail_list_labels", Args: `{"x":1}`, Want: `unknown argument "x"`},
		{Tool: "gmail_send", Args: `{"subject":"s","body":"b"}`, Want: "to is required"},
		{Tool: "gmail_send", Args: `{"to":["not an address"],"subject":"s","body":"b"}`, Want: `to[0] "not an address" is not one email address`},
		{Tool: "gmail_send", Args: `{"to":["a@example.com"],"cc":["@@"],"subject":"s","body":"b"}`, Want: `cc[0] "@@" is not one email address`},
		{Tool: "gmail_send", Args: `{"to":["josé@example.com"],"subject":"s","body":"b"}`, Want: "non-ASCII characters before the @"},
		{Tool: "gmail_send", Args: `{"to":["a@example.com"],"subject":"` + long + `","body":"b"}`, Want: "subject is too long (501 characters; at most 500)"},
		{Tool: "gmail_send", Args: `{"to":"a@example.com","subject":"s","body":"b"}`, Want: "argument to must be an array of strings, not a string"},
		{Tool: "gmail_send", Args: `{"to":["a@example.com, b@example.com"],"subject":"s","body":"b"}`, Want: "give one address per element"},
		{Tool: "gmail_send", Args: `{"to":["a@example.com"],"subject":"s","body":"b","Bcc":["x@example.com"]}`, Want: `unknown argument "Bcc": argument names are case-sensitive; use "bcc"`},
		{Tool: "gmail_create_draft", Args: `{"to":["a@"],"subject":"s","body":"b"}`, Want: `to[0] "a@" is not one email address`},
		{Tool: "drive_search", Args: `{"page_size":101}`, Want: "argument page_size must be at most 100"},
		{Tool: "drive_get", Args: `{}`, Want: "file_id is required"},
		{Tool: "drive_get", Args: `{"file_id":"a/b"}`, Want: `file_id "a/b" is not a Drive file id`},
		{Tool: "drive_read", Args: `{"file_id":"?alt=media"}`, Want: "is not a Drive file id"},
		{Tool: "drive_read", Args: `{"file_id":"https://example.com/nothing-here"}`, Want: "is not a Drive file id"},
		{Tool: "drive_create_text", Args: `{"content":"x"}`, Want: "name is required"},
		{Tool: "drive_create_text", Args: `{"name":"a\nb","content":"x"}`, Want: "name must not contain line breaks"},
		{Tool: "drive_create_text", Args: `{"name":"a","content":"x","parent_id":"../x"}`, Want: `parent_id "../x" is not a Drive file id`},
		{Tool: "drive_create_text", Args: `{"name":"a","content":"` + strings.Repeat("x", 5<<20+1) + `"}`, Want: "content is too long"},
	})
}

func TestAMissingCredentialOrBadURLIsClear(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	bad := up
	bad.BaseURL = "ftp://example.com"
	_, err := suite.Call(t, bad, "gmail_list_labels", `{}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "not a valid http(s) URL; fix connectors.google.api_url")
	empty := up
	empty.Credential = zeroSecret()
	_, err = suite.Call(t, empty, "gmail_list_labels", `{}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "has no access token; reconnect it")
	if n := fake.Requests(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
