package dropbox

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
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
	dir := connectortest.ModuleDir(t, "github.com/dropbox/dropbox-sdk-go-unofficial/v6")
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

// unionTag is the field the SDK decodes a union's ".tag" into.
var unionTag = map[string]reflect.Type{".tag": reflect.TypeOf(sdk.Tagged{})}

// reads pair the connector's answer types with the generated ones.
var reads = []struct{ mine, theirs any }{
	{listFolderResult{}, files.ListFolderResult{}},
	{metadata{}, files.FileMetadata{}},
	{sharedLink{}, sharing.FileLinkMetadata{}},
	{listSharedLinksResult{}, sharing.ListSharedLinksResult{}},
	{account{}, users.FullAccount{}},
}

var contractCalls = []connectortest.ContractCall{
	{Tool: "list_folder", Args: `{"path":"/Documents","limit":1}`},
	{Tool: "list_folder", Args: `{"cursor":"CURSOR"}`},
	{Tool: "search", Args: `{"query":"notes","path":"/Documents","max_results":5}`},
	{Tool: "read_file", Args: `{"path":"/Documents/notes.txt"}`},
	{Tool: "upload_text", Args: `{"path":"/Documents/new.txt","text":"hello","mode":"add","autorename":true}`},
	{Tool: "create_shared_link", Args: `{"path":"/Documents/notes.txt"}`},
	{Tool: "create_shared_link", Args: `{"path":"/Photos/cat.jpg"}`},
}

func TestRoutesAreSDKRoutes(t *testing.T) {
	routes := sdkRoutes(t)
	const tok = "sl.CONTRACT-0123456789"
	fake := dropboxfake.New(tok, dropboxfake.WithoutLinkMetadata())
	t.Cleanup(fake.Close)
	up := connectortest.Upstream(fake.URL, tok)
	rec := connectortest.Record(&up)
	connectortest.RunContract(t, "dropbox", up, contractCalls, func(args string) string {
		if strings.Contains(args, "CURSOR") {
			args = strings.Replace(args, "CURSOR", lastCursor(t, rec), 1)
		}
		return args
	})
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
		for _, f := range connectortest.ReadsOnly(reflect.TypeOf(p.mine).Name(), reflect.TypeOf(p.mine), reflect.TypeOf(p.theirs), unionTag) {
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
