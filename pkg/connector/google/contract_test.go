package google

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

// The contract: every request the connector makes, found by running each
// tool against googlefake through a recording transport, is one that
// Google's discovery documents for Gmail v1 and Drive v3 (shipped in
// google.golang.org/api as gmail/v1/gmail-api.json and
// drive/v3/drive-api.json) describe; the fake answers as they say; and
// the fake refuses what they forbid.

const contractToken = "ya29.CONTRACT-0123456789"

// contractCalls run every tool, several ways where a tool makes different
// requests (a Doc is exported, a text file downloaded).
var contractCalls = []connectortest.ContractCall{
	{Tool: "gmail_search", Args: `{"q":"meeting","max_results":2}`},
	{Tool: "gmail_search", Args: `{"q":"in:sent"}`},
	{Tool: "gmail_read", Args: `{"id":"` + googlefake.MsgAlternative + `"}`},
	{Tool: "gmail_read", Args: `{"id":"` + googlefake.MsgHTMLOnly + `"}`},
	{Tool: "gmail_list_labels", Args: `{}`},
	{Tool: "gmail_create_draft", Args: `{"to":["bob@example.com"],"subject":"Hi","body":"Hello"}`},
	{Tool: "gmail_send", Args: `{"to":["bob@example.com"],"cc":["carol@example.com"],"subject":"Hi","body":"Hello"}`},
	{Tool: "drive_search", Args: `{"q":"plan"}`},
	{Tool: "drive_search", Args: `{"q":"'` + googlefake.FolderProjects + `' in parents","page_size":1}`},
	{Tool: "drive_get", Args: `{"file_id":"` + googlefake.DocPlan + `"}`},
	{Tool: "drive_read", Args: `{"file_id":"` + googlefake.TextNotes + `"}`},
	{Tool: "drive_read", Args: `{"file_id":"` + googlefake.DocPlan + `"}`},
	{Tool: "drive_read", Args: `{"file_id":"` + googlefake.SheetBudget + `"}`},
	{Tool: "drive_create_text", Args: `{"name":"n.txt","content":"hello","parent_id":"` + googlefake.FolderProjects + `"}`},
}

// responseTypes are the Go types the connector decodes each method's
// answer into; a method missing here fails the test.
var responseTypes = map[string]any{
	"gmail.users.getProfile":    gmailProfile{},
	"gmail.users.messages.list": messageList{},
	"gmail.users.messages.get":  gmailMessage{},
	"gmail.users.messages.send": sentMessage{},
	"gmail.users.drafts.create": gmailDraft{},
	"gmail.users.labels.list":   labelList{},
	"drive.about.get":           driveAbout{},
	"drive.files.list":          fileList{},
	"drive.files.get":           driveFile{},
	"drive.files.create":        driveFile{},
}

// recordAll runs every contract call, and Identify, against a fake.
func recordAll(t *testing.T) (*googlefake.Server, []connectortest.Exchange) {
	t.Helper()
	fake := googlefake.New(contractToken)
	t.Cleanup(fake.Close)
	// The connector is given its default API URL, as a connection without
	// api_url is; the requests it builds for Google reach the fake.
	up := connectortest.Upstream(DefaultAPIURL, contractToken)
	target, _ := url.Parse(fake.URL)
	up.HTTP.Transport = toFake{target}
	rec := connectortest.Record(&up)
	connectortest.RunContract(t, "google", up, contractCalls, nil)
	return fake, rec.Exchanges()
}

// toFake sends every request to the fake whatever host it names.
type toFake struct{ to *url.URL }

func (f toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = f.to.Scheme, f.to.Host, f.to.Host
	return http.DefaultTransport.RoundTrip(r)
}

func callTool(p connector.Provider, up connector.Upstream, name, args string) (string, error) {
	for _, tool := range p.Tools() {
		if tool.Name == name {
			return connector.Call(context.Background(), tool, up, json.RawMessage(args))
		}
	}
	return "", errors.New("no tool " + name)
}

func descriptions(t *testing.T) map[string]*discovery {
	return map[string]*discovery{
		"gmail": loadDiscovery(t, "gmail/v1/gmail-api.json"),
		"drive": loadDiscovery(t, "drive/v3/drive-api.json"),
	}
}

// describe finds the description and method of an exchange.
func describe(docs map[string]*discovery, ex connectortest.Exchange) (*discovery, dMethod, bool, bool) {
	for _, d := range docs {
		if m, upload, ok := d.method(ex); ok {
			return d, m, upload, true
		}
	}
	return nil, dMethod{}, false, false
}

func TestRequestsFollowTheDiscoveryDocuments(t *testing.T) {
	docs := descriptions(t)
	_, exchanges := recordAll(t)
	t.Logf("checking %d requests against %d described methods", len(exchanges), len(docs["gmail"].methods)+len(docs["drive"].methods))
	for _, ex := range exchanges {
		d, m, upload, ok := describe(docs, ex)
		if !ok {
			t.Errorf("%s %s: no method of Gmail v1 or Drive v3 has this path", ex.Method, ex.URL.Path)
			continue
		}
		if root := ex.URL.Scheme + "://" + ex.URL.Host + "/"; root != d.RootURL {
			t.Errorf("%s %s (%s): sent to %s, want the description's rootUrl %s", ex.Method, ex.URL.Path, m.ID, root, d.RootURL)
		}
		for _, msg := range d.checkRequest(ex, m, upload, DefaultScopes) {
			t.Errorf("%s %s (%s): %s", ex.Method, ex.URL.Path, m.ID, msg)
		}
		if ex.URL.Query().Get("alt") == "media" && !m.SupportsMediaDownload {
			t.Errorf("%s: alt=media on a method without media download", m.ID)
		}
		if ex.Status < 200 || ex.Status > 299 {
			t.Errorf("%s %s: the fake answered %d to a contract call", ex.Method, ex.URL, ex.Status)
		}
	}
}

func TestResponsesFollowTheDiscoveryDocuments(t *testing.T) {
	docs := descriptions(t)
	_, exchanges := recordAll(t)
	for _, ex := range exchanges {
		d, m, _, ok := describe(docs, ex)
		if !ok || ex.Status != http.StatusOK {
			continue // the request test reports these
		}
		mt, _, _ := mime.ParseMediaType(ex.RespHeader.Get("Content-Type"))
		if mt != "application/json" {
			if ex.URL.Query().Get("alt") != "media" && !strings.HasSuffix(m.ID, ".export") {
				t.Errorf("%s: answered %s where the description says JSON", m.ID, mt)
			}
			continue
		}
		// The fake's answer: every field in the schema, with its type.
		var v any
		if err := json.Unmarshal(ex.RespBody, &v); err != nil {
			t.Errorf("%s: the fake's answer is not JSON", m.ID)
			continue
		}
		for _, msg := range d.checkValue(m.ID, v, m.Response, false) {
			t.Errorf("fake: %s", msg)
		}
		// What the connector reads of it: every field in the schema too.
		typ, ok := responseTypes[m.ID]
		if !ok {
			t.Errorf("%s: add the type the connector decodes its answer into to responseTypes", m.ID)
			continue
		}
		for _, msg := range d.checkType(m.ID, reflect.TypeOf(typ), m.Response) {
			t.Errorf("connector: %s", msg)
		}
	}
}

// The fake refuses what the descriptions forbid: a query parameter they
// do not know, a value outside a parameter's enum, a wrong HTTP method.
func TestFakeRefusesWhatTheDescriptionsForbid(t *testing.T) {
	docs := descriptions(t)
	fake, exchanges := recordAll(t)
	target, _ := url.Parse(fake.URL)
	send := func(method string, u *url.URL, ex connectortest.Exchange) int {
		at := *u
		at.Scheme, at.Host = target.Scheme, target.Host
		req, _ := http.NewRequest(method, at.String(), strings.NewReader(string(ex.Body)))
		req.Header = ex.Header.Clone()
		resp, err := fake.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, ex := range exchanges {
		_, m, _, ok := describe(docs, ex)
		if !ok || ex.Method != http.MethodGet {
			continue // a write would change the fake; its request is checked above
		}
		u := *ex.URL
		q := u.Query()
		q.Set("mcpgateUnknown", "1")
		u.RawQuery = q.Encode()
		if got := send(ex.Method, &u, ex); got != http.StatusBadRequest {
			t.Errorf("%s with an unknown query parameter: %d, want 400", m.ID, got)
		}
		for name := range ex.URL.Query() {
			p, ok := m.Parameters[name]
			if !ok || len(p.Enum) == 0 {
				continue
			}
			u := *ex.URL
			q := u.Query()
			q.Set(name, "notInTheEnum")
			u.RawQuery = q.Encode()
			if got := send(ex.Method, &u, ex); got != http.StatusBadRequest {
				t.Errorf("%s with %s outside its enum: %d, want 400", m.ID, name, got)
			}
		}
		if got := send(http.MethodPatch, ex.URL, ex); got != http.StatusMethodNotAllowed && got != http.StatusNotFound {
			t.Errorf("PATCH %s: %d, want 404 or 405", ex.URL.Path, got)
		}
	}
}

// What the fake accepts besides the standard parameters, each route's
// method takes in the description.
func TestFakeParametersAreDescribed(t *testing.T) {
	docs := descriptions(t)
	for pattern, params := range googlefake.QueryParams() {
		method, path, _ := strings.Cut(pattern, " ")
		ex := connectortest.Exchange{Method: method, URL: &url.URL{Path: strings.NewReplacer("{user}", "me", "{id}", "x").Replace(path)}}
		_, m, _, ok := describe(docs, ex)
		if !ok {
			t.Errorf("the fake serves %s, which no method describes", pattern)
			continue
		}
		for _, p := range params {
			if d, ok := m.Parameters[p]; !ok || d.Location != "query" {
				t.Errorf("the fake accepts %s on %s, which %s does not take", p, pattern, m.ID)
			}
		}
	}
}

// Each call works with a token holding one of the scopes the connection
// asks for, and every method it then calls lists that scope: the
// connector asks for what its requests need, and the fake grants no more
// than the description does.
func TestEachCallNeedsOneDescribedScope(t *testing.T) {
	docs := descriptions(t)
	p, err := connector.Lookup("google")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range contractCalls {
		args := c.Args
		if c.Tool == "drive_create_text" {
			args = `{"name":"n.txt","content":"hello"}` // drive.file writes only into the app's folders
		}
		var worked []string
		for _, scope := range DefaultScopes {
			if !strings.HasPrefix(scope, "https://") {
				continue
			}
			fake := googlefake.New(contractToken, googlefake.WithScopes(scope))
			up := connectortest.Upstream(fake.URL, contractToken)
			rec := connectortest.Record(&up)
			_, err := callTool(p, up, c.Tool, args)
			fake.Close()
			if err != nil {
				continue
			}
			worked = append(worked, scope)
			for _, ex := range rec.Exchanges() {
				if _, m, _, ok := describe(docs, ex); ok && !slices.Contains(m.Scopes, scope) {
					t.Errorf("%s worked with %s alone, which %s does not list (%v)", c.Tool, scope, m.ID, m.Scopes)
				}
			}
		}
		if len(worked) == 0 {
			t.Errorf("%s %s works with none of DefaultScopes alone", c.Tool, args)
		}
	}
}
