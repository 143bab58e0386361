package slack

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	sl "github.com/slack-go/slack"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

// The contract: every Web API call the connector makes, found by running
// each tool against slackfake through a recording transport, names a
// method that github.com/slack-go/slack calls, with parameters that
// slack-go's source for that method uses; the rules Slack documents that
// no machine-readable file holds are in docRules, each with its page; and
// every field the connector reads is one slack-go's types have.

// slackGo is what slack-go's source says of each method it calls: the
// string literals and json tags of the file that calls it.
type slackGo map[string][]string

func loadSlackGo(t *testing.T) slackGo {
	t.Helper()
	dir := connectortest.ModuleDir(t, "github.com/slack-go/slack")
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	methods := slackGo{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var lits, called []string
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(n.Value)
				lits = append(lits, s)
				if isMethodName(s) {
					called = append(called, s)
				}
			case *ast.Field:
				if n.Tag != nil {
					tag, _ := strconv.Unquote(n.Tag.Value)
					name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
					lits = append(lits, name)
				}
			}
			return true
		})
		for _, m := range called {
			methods[m] = append(methods[m], lits...)
		}
	}
	return methods
}

func isMethodName(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.ToLower(p[:1]) != p[:1] || strings.ContainsAny(p, " /:") {
			return false
		}
	}
	return true
}

// docRules are what Slack's method pages say and no file in a module
// holds.
var docRules = []struct {
	method, param string
	max           int
	page          string
}{
	{"conversations.list", "limit", 999, "https://api.slack.com/methods/conversations.list (\"Must be an integer under 1000\")"},
	{"conversations.history", "limit", 999, "https://api.slack.com/methods/conversations.history (\"Maximum of 999\")"},
	{"conversations.replies", "limit", 999, "https://api.slack.com/methods/conversations.replies"},
	{"users.list", "limit", 1000, "https://api.slack.com/methods/users.list"},
}

// readTypes pair the connector's types with slack-go's for the same JSON.
var readTypes = []struct{ mine, theirs any }{
	{authTest{}, sl.AuthTestResponse{}},
	{channel{}, sl.Channel{}},
	{message{}, sl.Message{}},
	{user{}, sl.User{}},
	{responseMetadata{}, sl.ResponseMetadata{}},
	{messageList{}, sl.GetConversationHistoryResponse{}},
}

// fakeAnswers decode each method's answer into slack-go's types (the
// envelopes slack-go keeps unexported are spelled out around them): a field
// of the wrong JSON type fails.
var fakeAnswers = map[string]func() any{
	"auth.test":             func() any { return &sl.AuthTestResponse{} },
	"conversations.history": func() any { return &sl.GetConversationHistoryResponse{} },
	"conversations.replies": func() any { return &sl.GetConversationHistoryResponse{} },
	"conversations.list": func() any {
		return &struct {
			Channels []sl.Channel        `json:"channels"`
			Meta     sl.ResponseMetadata `json:"response_metadata"`
		}{}
	},
	"chat.postMessage": func() any {
		return &struct {
			Channel string     `json:"channel"`
			TS      string     `json:"ts"`
			Message sl.Message `json:"message"`
		}{}
	},
	"users.list": func() any {
		return &struct {
			Members []sl.User `json:"members"`
		}{}
	},
	"users.info":          func() any { return &struct{ User sl.User }{} },
	"users.lookupByEmail": func() any { return &struct{ User sl.User }{} },
}

var contractCalls = []connectortest.ContractCall{
	{Tool: "list_channels", Args: `{"types":["public_channel","private_channel"],"limit":50}`},
	{Tool: "channel_history", Args: `{"channel":"#general","limit":5,"oldest":"2024-01-01"}`},
	{Tool: "thread_replies", Args: `{"channel":"C01GENERAL","ts":"1714561200.000200"}`},
	{Tool: "post_message", Args: `{"channel":"C01GENERAL","text":"Hello"}`},
	{Tool: "reply_in_thread", Args: `{"channel":"C01GENERAL","thread_ts":"1714561200.000200","text":"Nice"}`},
	{Tool: "list_users", Args: `{"limit":10}`},
	{Tool: "get_user", Args: `{"user":"U02BOB"}`},
	{Tool: "get_user", Args: `{"email":"bob@example.com"}`},
}

func TestCallsAreSlackMethods(t *testing.T) {
	known := loadSlackGo(t)
	const tok = "xoxb-CONTRACT-0123456789"
	fake := slackfake.New(tok)
	t.Cleanup(fake.Close)
	up := connectortest.Upstream(fake.URL, tok)
	rec := connectortest.Record(&up)
	connectortest.RunContract(t, "slack", up, contractCalls, nil)
	t.Logf("checking %d calls against %d methods slack-go calls", len(rec.Exchanges()), len(known))
	for _, ex := range rec.Exchanges() {
		method := strings.TrimPrefix(ex.URL.Path, "/api/")
		words, ok := known[method]
		if !ok {
			t.Errorf("%s: slack-go calls no such method", method)
			continue
		}
		// Authentication: https://api.slack.com/web#authentication
		if !strings.HasPrefix(ex.Header.Get("Authorization"), "Bearer ") || ex.Method != "POST" {
			t.Errorf("%s: %s without a Bearer token", method, ex.Method)
		}
		params := ex.Form()
		if ct := ex.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
			// JSON bodies need a charset: https://api.slack.com/web#posting_json
			if !strings.Contains(ct, "charset=utf-8") {
				t.Errorf("%s: JSON without charset=utf-8 (%q)", method, ct)
			}
			var body map[string]any
			if err := json.Unmarshal(ex.Body, &body); err != nil {
				t.Errorf("%s: body is not JSON", method)
			}
			for k := range body {
				params.Set(k, "")
			}
		}
		for k := range params {
			if !slices.Contains(words, k) {
				t.Errorf("%s: parameter %q is not one slack-go's source for it uses", method, k)
			}
		}
		for _, r := range docRules {
			if r.method != method || !params.Has(r.param) {
				continue
			}
			if n, err := strconv.Atoi(params.Get(r.param)); err != nil || n < 1 || n > r.max {
				t.Errorf("%s: %s=%q, want 1-%d per %s", method, r.param, params.Get(r.param), r.max, r.page)
			}
		}
		if into, ok := fakeAnswers[method]; ok {
			if err := json.Unmarshal(ex.RespBody, into()); err != nil {
				t.Errorf("%s: the fake's answer does not decode into slack-go's types: %v", method, err)
			}
		} else {
			t.Errorf("%s: add the slack-go types of its answer to fakeAnswers", method)
		}
		var env struct {
			OK bool `json:"ok"`
		}
		if json.Unmarshal(ex.RespBody, &env) != nil || !env.OK {
			t.Errorf("%s: the fake answered %d %s", method, ex.Status, ex.RespBody)
		}
	}
	for _, p := range readTypes {
		for _, f := range connectortest.ReadsOnly(reflect.TypeOf(p.mine).Name(), reflect.TypeOf(p.mine), reflect.TypeOf(p.theirs), nil) {
			t.Errorf("the connector reads %s, which slack-go's %T does not have", f, p.theirs)
		}
	}
}

// The fake refuses the limits the pages in docRules forbid.
func TestFakeRefusesDocumentedLimits(t *testing.T) {
	const tok = "xoxb-CONTRACT-0123456789"
	fake := slackfake.New(tok)
	t.Cleanup(fake.Close)
	up := connectortest.Upstream(fake.URL, tok)
	c, err := newClient(up)
	if err != nil {
		t.Fatal(err)
	}
	err = c.call(context.Background(), "conversations.list", map[string][]string{"limit": {"1000"}}, nil)
	if !isCode(err, "invalid_limit") {
		t.Errorf("conversations.list limit=1000: %v, want invalid_limit", err)
	}
}
