package dropbox

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	sdk "github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/sharing"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
)

// The contract: every call the connector makes, found by running each
// tool against dropboxfake through a recording transport, is a route that
// github.com/dropbox/dropbox-sdk-go-unofficial/v6 generates from Dropbox's
// Stone spec, on the host and in the style (rpc, download, upload) the
// generated client uses, with an argument whose fields the route's
// generated argument struct has; its scope, which the Go SDK does not
// carry, is in routeScopes with the documentation page; and every field
// the connector reads is one the generated result type has.

// route is what the generated client says of one route.
type route struct {
	host, style string
	arg, result string // generated type names
}

// sdkRoutes parses the generated client.go of each namespace.
func sdkRoutes(t *testing.T) map[string]route {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/dropbox/dropbox-sdk-go-unofficial/v6").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Fatalf("go list -m dropbox-sdk-go-unofficial: %v (run go mod download)", err)
	}
	routes := map[string]route{}
	for _, ns := range []string{"auth", "files", "sharing", "users"} {
		name := filepath.Join(dir, "dropbox", ns, "client.go")
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || !strings.HasSuffix(fn.Name.Name, "Context") {
				continue
			}
			r := route{arg: typeName(fn.Type.Params, 1), result: typeName(fn.Type.Results, 0)}
			var id string
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				kv, ok := n.(*ast.KeyValueExpr)
				if !ok {
					return true
				}
				key, _ := kv.Key.(*ast.Ident)
				lit, _ := kv.Value.(*ast.BasicLit)
				if key == nil || lit == nil {
					return true
				}
				v, _ := strconv.Unquote(lit.Value)
				switch key.Name {
				case "Host":
					r.host = v
				case "Namespace":
					id = v + "/" + id
				case "Route":
					id += v
				case "Style":
					r.style = v
				}
				return true
			})
			if id != "" {
				routes[id] = r
			}
		}
	}
	if len(routes) < 100 {
		t.Fatalf("parsed %d routes from the Dropbox SDK; is it the generated client?", len(routes))
	}
	return routes
}

// typeName is the name of the i-th parameter's (pointer) type.
func typeName(fl *ast.FieldList, i int) string {
	if fl == nil || len(fl.List) <= i {
		return ""
	}
	e := fl.List[i].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// routeScopes are the scopes Dropbox documents for each route
// (https://www.dropbox.com/developers/documentation/http/documentation,
// "Required Scope" of each endpoint); the Go SDK does not carry them.
var routeScopes = map[string]string{
	"files/list_folder":                        "files.metadata.read",
	"files/list_folder/continue":               "files.metadata.read",
	"files/search_v2":                          "files.metadata.read",
	"files/download":                           "files.content.read",
	"files/upload":                             "files.content.write",
	"sharing/create_shared_link_with_settings": "sharing.write",
	"sharing/list_shared_links":                "sharing.read",
	"users/get_current_account":                "account_info.read",
}

// sdkTypes are the generated types named by the routes the connector
// calls; the test checks each name against what the SDK's client says.
var sdkTypes = map[string]any{
	"ListFolderArg": files.ListFolderArg{}, "ListFolderContinueArg": files.ListFolderContinueArg{},
	"ListFolderResult": files.ListFolderResult{}, "SearchV2Arg": files.SearchV2Arg{},
	"SearchV2Result": files.SearchV2Result{}, "DownloadArg": files.DownloadArg{},
	"UploadArg": files.UploadArg{}, "FileMetadata": files.FileMetadata{},
	"CreateSharedLinkWithSettingsArg": sharing.CreateSharedLinkWithSettingsArg{},
	"ListSharedLinksArg":              sharing.ListSharedLinksArg{}, "ListSharedLinksResult": sharing.ListSharedLinksResult{},
	"FullAccount": users.FullAccount{},
}

// reads pair the connector's answer types with the generated ones.
var reads = []struct{ mine, theirs any }{
	{listFolderResult{}, files.ListFolderResult{}},
	{metadata{}, files.FileMetadata{}},
	{sharedLink{}, sharing.FileLinkMetadata{}},
	{listSharedLinksResult{}, sharing.ListSharedLinksResult{}},
	{account{}, users.FullAccount{}},
}

var contractCalls = []struct{ tool, args string }{
	{"list_folder", `{"path":"/Documents","limit":1}`},
	{"list_folder", `{"cursor":"CURSOR"}`},
	{"search", `{"query":"notes","path":"/Documents","max_results":5}`},
	{"read_file", `{"path":"/Documents/notes.txt"}`},
	{"upload_text", `{"path":"/Documents/new.txt","text":"hello","mode":"add","autorename":true}`},
	{"create_shared_link", `{"path":"/Documents/notes.txt"}`},
	{"create_shared_link", `{"path":"/Photos/cat.jpg"}`},
}

func TestRoutesAreSDKRoutes(t *testing.T) {
	routes := sdkRoutes(t)
	const tok = "sl.CONTRACT-0123456789"
	fake := dropboxfake.New(tok, dropboxfake.WithoutLinkMetadata())
	t.Cleanup(fake.Close)
	up := connectortest.Upstream(fake.URL, tok)
	rec := connectortest.Record(&up)
	p, err := connector.Lookup("dropbox")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Identify(context.Background(), up); err != nil {
		t.Fatalf("Identify: %v", err)
	}
	called := map[string]bool{}
	for _, c := range contractCalls {
		called[c.tool] = true
		args := c.args
		if strings.Contains(args, "CURSOR") {
			args = strings.Replace(args, "CURSOR", lastCursor(t, rec), 1)
		}
		for _, tool := range p.Tools() {
			if tool.Name == c.tool {
				if _, err := connector.Call(context.Background(), tool, up, json.RawMessage(args)); err != nil {
					t.Fatalf("%s: %v", c.tool, err)
				}
			}
		}
	}
	for _, tool := range p.Tools() {
		if !called[tool.Name] {
			t.Errorf("tool %s has no contract call", tool.Name)
		}
	}
	t.Logf("checking %d calls against %d generated routes", len(rec.Exchanges()), len(routes))
	for _, ex := range rec.Exchanges() {
		id := strings.TrimPrefix(ex.URL.Path, "/2/")
		r, ok := routes[id]
		if !ok {
			t.Errorf("%s: the Dropbox SDK has no such route", id)
			continue
		}
		var arg []byte
		switch r.style {
		case "rpc":
			arg = ex.Body
			if len(arg) > 0 && ex.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: an rpc argument sent as %q", id, ex.Header.Get("Content-Type"))
			}
		case "download", "upload":
			arg = []byte(ex.Header.Get("Dropbox-API-Arg"))
			if r.style == "upload" && ex.Header.Get("Content-Type") != "application/octet-stream" {
				t.Errorf("%s: upload content sent as %q", id, ex.Header.Get("Content-Type"))
			}
			if r.style == "download" && len(ex.Body) > 0 {
				t.Errorf("%s: a download with a body", id)
			}
		}
		if want := map[string]string{"api": DefaultAPIURL, "content": DefaultContentURL}[r.host]; want != "" && id != "auth/token/revoke" {
			// The fake serves both hosts; the connector's default for the
			// route's host is what goes to Dropbox.
			if got := baseFor(id); got != want {
				t.Errorf("%s: sent to %s, the SDK's host %q is %s", id, got, r.host, want)
			}
		}
		if r.arg != "" && len(arg) > 0 {
			typ, ok := sdkTypes[r.arg]
			if !ok {
				t.Errorf("%s: add the SDK's %s to sdkTypes", id, r.arg)
				continue
			}
			if got := reflect.TypeOf(typ).Name(); got != r.arg {
				t.Errorf("sdkTypes[%s] is %s", r.arg, got)
			}
			var fields map[string]any
			if err := json.Unmarshal(arg, &fields); err != nil {
				t.Errorf("%s: argument %s is not a JSON object", id, arg)
			}
			known := jsonNames(reflect.TypeOf(typ))
			for k := range fields {
				if !slices.Contains(known, k) {
					t.Errorf("%s: argument field %q is not in the SDK's %s", id, k, r.arg)
				}
			}
		}
		if scope, ok := routeScopes[id]; ok && !slices.Contains(DefaultScopes, scope) {
			t.Errorf("%s needs %s, which DefaultScopes lacks", id, scope)
		} else if !ok && id != "auth/token/revoke" {
			t.Errorf("%s: add its documented scope to routeScopes", id)
		}
		if ex.Status != http.StatusOK && ex.Status != http.StatusConflict {
			t.Errorf("%s: the fake answered %d", id, ex.Status)
		}
	}
	for _, p := range reads {
		for _, f := range readsOnly(reflect.TypeOf(p.mine).Name(), reflect.TypeOf(p.mine), reflect.TypeOf(p.theirs)) {
			t.Errorf("the connector reads %s, which the SDK's %T does not have", f, p.theirs)
		}
	}
}

// The fake refuses each route to a token without the route's documented
// scope.
func TestFakeRefusesMissingScopes(t *testing.T) {
	for id, scope := range routeScopes {
		var others []string
		for _, s := range dropboxfake.AllScopes {
			if s != scope {
				others = append(others, s)
			}
		}
		const tok = "sl.CONTRACT-0123456789"
		fake := dropboxfake.New(tok, dropboxfake.WithScopes(others...))
		body, header := `{"path":"/Documents/notes.txt"}`, map[string]string{"Content-Type": "application/json"}
		switch id {
		case "files/download":
			body, header = "", map[string]string{"Dropbox-API-Arg": `{"path":"/Documents/notes.txt"}`}
		case "files/upload":
			body, header = "x", map[string]string{"Dropbox-API-Arg": `{"path":"/Documents/x.txt"}`, "Content-Type": "application/octet-stream"}
		case "files/list_folder/continue":
			body = `{"cursor":"x"}`
		case "users/get_current_account":
			body, header = "", nil
		}
		req, _ := http.NewRequest("POST", fake.URL+"/"+id, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := fake.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Error struct {
				Tag   string `json:".tag"`
				Scope string `json:"required_scope"`
			} `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || answer.Error.Tag != "missing_scope" || answer.Error.Scope != scope {
			t.Errorf("%s without %s: %d %+v, want 401 missing_scope %s", id, scope, resp.StatusCode, answer.Error, scope)
		}
		fake.Close()
	}
}

// baseFor is the default base the connector uses for a route.
func baseFor(route string) string {
	if route == "files/download" || route == "files/upload" {
		return DefaultContentURL
	}
	return DefaultAPIURL
}

func lastCursor(t *testing.T, rec *connectortest.Recorder) string {
	ex := rec.Exchanges()
	for i := len(ex) - 1; i >= 0; i-- {
		var r struct {
			Cursor string `json:"cursor"`
		}
		if json.Unmarshal(ex[i].RespBody, &r) == nil && r.Cursor != "" {
			return r.Cursor
		}
	}
	t.Fatal("no cursor recorded")
	return ""
}

// jsonNames lists a struct's json names, embedded structs included.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonNames(f.Type)...)
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// readsOnly lists the json fields of mine (recursively) that theirs lacks.
// ".tag" is the union tag the SDK decodes into sdk.Tagged.
func readsOnly(at string, mine, theirs reflect.Type) []string {
	for mine.Kind() == reflect.Pointer || mine.Kind() == reflect.Slice {
		mine = mine.Elem()
	}
	for theirs.Kind() == reflect.Pointer || theirs.Kind() == reflect.Slice {
		theirs = theirs.Elem()
	}
	if mine.Kind() != reflect.Struct || theirs.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{".tag": reflect.TypeOf(sdk.Tagged{})}
	var collect func(reflect.Type)
	collect = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				collect(f.Type)
			}
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
	}
	collect(theirs)
	var bad []string
	for i := range mine.NumField() {
		f := mine.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft, ok := fields[name]
		if !ok {
			bad = append(bad, at+"."+name)
			continue
		}
		bad = append(bad, readsOnly(at+"."+name, f.Type, ft)...)
	}
	return bad
}
