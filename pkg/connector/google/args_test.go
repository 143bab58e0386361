package google_test

import (
	"strings"
	"testing"
)

func TestBadArgumentsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 501)
	tests := []struct {
		tool, args, want string
	}{
		{"gmail_search", `{"max_results":0.5}`, "argument max_results must be an integer"},
		{"gmail_search", `{"max_results":26}`, "max_results must be between 1 and 25"},
		{"gmail_search", `{"query":"x"}`, `unknown argument "query"`},
		{"gmail_search", `[1]`, "arguments must be a JSON object"},
		{"gmail_search", `{"q":`, "arguments are not valid JSON"},
		{"gmail_search", `{} {}`, "arguments must be a single JSON object"},
		{"gmail_read", `{}`, "id is required"},
		{"gmail_read", `{"id":"../profile"}`, `id "../profile" is not a Gmail message id`},
		{"gmail_read", `{"id":"a b"}`, "is not a Gmail message id"},
		{"gmail_list_labels", `{"x":1}`, `unknown argument "x"`},
		{"gmail_send", `{"subject":"s","body":"b"}`, "to is required"},
		{"gmail_send", `{"to":"not an address","subject":"s","body":"b"}`, "to is not a valid list of email addresses"},
		{"gmail_send", `{"to":"a@example.com","cc":"@@","subject":"s","body":"b"}`, "cc is not a valid list"},
		{"gmail_send", `{"to":"josé@example.com","subject":"s","body":"b"}`, "non-ASCII characters before the @"},
		{"gmail_send", `{"to":"a@example.com","subject":"` + long + `","body":"b"}`, "subject is too long (501 characters; at most 500)"},
		{"gmail_send", `{"to":"a@example.com","subject":"s","body":"b","bcc":"x@example.com"}`, `unknown argument "bcc"`},
		{"gmail_create_draft", `{"to":"a@","subject":"s","body":"b"}`, "to is not a valid list"},
		{"drive_search", `{"page_size":101}`, "page_size must be between 1 and 100"},
		{"drive_get", `{}`, "file_id is required"},
		{"drive_get", `{"file_id":"a/b"}`, `file_id "a/b" is not a Drive file id`},
		{"drive_read", `{"file_id":"?alt=media"}`, "is not a Drive file id"},
		{"drive_read", `{"file_id":"https://example.com/nothing-here"}`, "is not a Drive file id"},
		{"drive_create_text", `{"content":"x"}`, "name is required"},
		{"drive_create_text", `{"name":"a\nb","content":"x"}`, "name must not contain line breaks"},
		{"drive_create_text", `{"name":"a","content":"x","parent_id":"../x"}`, `parent_id "../x" is not a Drive file id`},
		{"drive_create_text", `{"name":"a","content":"` + strings.Repeat("x", 5<<20+1) + `"}`, "content is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.tool+"/"+tt.want, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			got, err := call(t, up, tt.tool, tt.args)
			if err == nil {
				t.Fatalf("%s(%.60s) = %q, want an error", tt.tool, tt.args, got)
			}
			assertContains(t, err.Error(), tt.want)
			if n := fake.Requests(); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func TestAMissingCredentialOrBadURLIsClear(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	bad := up
	bad.BaseURL = "ftp://example.com"
	_, err := call(t, bad, "gmail_list_labels", `{}`)
	assertContains(t, errText(err), "not a valid http(s) URL; fix connectors.google.api_url")
	empty := up
	empty.Credential = zeroSecret()
	_, err = call(t, empty, "gmail_list_labels", `{}`)
	assertContains(t, errText(err), "has no access token; reconnect it")
	if n := fake.Requests(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
