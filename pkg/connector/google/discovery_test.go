package google

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// discovery is the part of a Google API Discovery document
// (https://developers.google.com/discovery/v1/reference/apis) the
// contract tests read.
type discovery struct {
	Name        string               `json:"name"`
	RootURL     string               `json:"rootUrl"`
	ServicePath string               `json:"servicePath"`
	Parameters  map[string]dParam    `json:"parameters"`
	Resources   map[string]dResource `json:"resources"`
	Schemas     map[string]*dSchema  `json:"schemas"`

	methods []dMethod
}

type dResource struct {
	Methods   map[string]dMethod   `json:"methods"`
	Resources map[string]dResource `json:"resources"`
}

type dMethod struct {
	ID          string            `json:"id"`
	HTTPMethod  string            `json:"httpMethod"`
	Path        string            `json:"path"`
	FlatPath    string            `json:"flatPath"`
	Parameters  map[string]dParam `json:"parameters"`
	Request     *dSchema          `json:"request"`
	Response    *dSchema          `json:"response"`
	Scopes      []string          `json:"scopes"`
	MediaUpload *struct {
		Protocols struct {
			Simple *struct {
				Path string `json:"path"`
			} `json:"simple"`
		} `json:"protocols"`
	} `json:"mediaUpload"`
	SupportsMediaDownload bool `json:"supportsMediaDownload"`

	paths  []*regexp.Regexp // the flat path and, for uploads, the simple upload path
	upload bool
}

type dParam struct {
	Type     string   `json:"type"`
	Format   string   `json:"format"`
	Location string   `json:"location"`
	Enum     []string `json:"enum"`
	Repeated bool     `json:"repeated"`
	Required bool     `json:"required"`
}

type dSchema struct {
	Ref                  string              `json:"$ref"`
	Type                 string              `json:"type"`
	Format               string              `json:"format"`
	Enum                 []string            `json:"enum"`
	Properties           map[string]*dSchema `json:"properties"`
	Items                *dSchema            `json:"items"`
	AdditionalProperties *dSchema            `json:"additionalProperties"`
	ReadOnly             bool                `json:"readOnly"`
}

// loadDiscovery reads a discovery document from google.golang.org/api.
func loadDiscovery(t *testing.T, rel string) *discovery {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(connectortest.ModuleDir(t, "google.golang.org/api"), rel))
	if err != nil {
		t.Fatal(err)
	}
	var d discovery
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var walk func(map[string]dResource)
	walk = func(rs map[string]dResource) {
		for _, r := range rs {
			for _, m := range r.Methods {
				m.paths = append(m.paths, template("/"+d.ServicePath+cmpOr(m.FlatPath, m.Path)))
				if m.MediaUpload != nil && m.MediaUpload.Protocols.Simple != nil {
					m.paths = append(m.paths, template(m.MediaUpload.Protocols.Simple.Path))
				}
				d.methods = append(d.methods, m)
			}
			walk(r.Resources)
		}
	}
	walk(d.Resources)
	return &d
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var templateVar = regexp.MustCompile(`\{\+?[A-Za-z0-9_.]+\}`)

// template turns "gmail/v1/users/{userId}/messages/{id}" into a regexp.
func template(p string) *regexp.Regexp {
	parts := templateVar.Split(p, -1)
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("^" + strings.Join(parts, "[^/]+") + "$")
}

// method finds the method an exchange calls; upload says whether it went
// to the simple upload path.
func (d *discovery) method(ex connectortest.Exchange) (dMethod, bool, bool) {
	for _, m := range d.methods {
		if m.HTTPMethod != ex.Method {
			continue
		}
		for i, re := range m.paths {
			if re.MatchString(ex.URL.EscapedPath()) {
				return m, i == 1, true
			}
		}
	}
	return dMethod{}, false, false
}

func (d *discovery) resolve(s *dSchema) *dSchema {
	for s != nil && s.Ref != "" {
		s = d.Schemas[s.Ref]
	}
	return s
}

// checkRequest lists how an exchange breaks the method's description.
func (d *discovery) checkRequest(ex connectortest.Exchange, m dMethod, upload bool, granted []string) []string {
	var bad []string
	for name, values := range ex.URL.Query() {
		p, ok := m.Parameters[name]
		if !ok || p.Location != "query" {
			p, ok = d.Parameters[name]
		}
		if !ok {
			bad = append(bad, fmt.Sprintf("query parameter %q is not in %s", name, m.ID))
			continue
		}
		if len(values) > 1 && !p.Repeated {
			bad = append(bad, fmt.Sprintf("query parameter %q is not repeated but sent %d times", name, len(values)))
		}
		for _, v := range values {
			if msg := checkParam(p, v); msg != "" {
				bad = append(bad, fmt.Sprintf("query parameter %s=%q: %s", name, v, msg))
			}
		}
		if name == "fields" {
			bad = append(bad, d.checkFields(values[0], d.resolve(m.Response))...)
		}
	}
	for name, p := range m.Parameters {
		if p.Required && p.Location == "query" && !ex.URL.Query().Has(name) {
			bad = append(bad, fmt.Sprintf("required query parameter %q is missing", name))
		}
	}
	if upload && ex.URL.Query().Get("uploadType") == "" {
		bad = append(bad, "an upload without uploadType")
	}
	if !slices.ContainsFunc(m.Scopes, func(s string) bool { return slices.Contains(granted, s) }) {
		bad = append(bad, fmt.Sprintf("none of %s's scopes %v is among the scopes the connection asks for", m.ID, m.Scopes))
	}
	body := ex.Body
	if upload {
		meta, err := metadataPart(ex)
		if err != nil {
			return append(bad, err.Error())
		}
		body = meta
	}
	switch {
	case len(body) == 0:
	case m.Request == nil:
		bad = append(bad, m.ID+" takes no request body")
	default:
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return append(bad, "the request body is not JSON")
		}
		bad = append(bad, d.checkValue("request", v, m.Request, true)...)
	}
	return bad
}

func checkParam(p dParam, v string) string {
	switch {
	case len(p.Enum) > 0 && !slices.Contains(p.Enum, v):
		return fmt.Sprintf("not one of %v", p.Enum)
	case p.Type == "integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "not an integer"
		}
	case p.Type == "boolean" && v != "true" && v != "false":
		return "not a boolean"
	}
	return ""
}

// metadataPart is the JSON part of a multipart/related upload.
func metadataPart(ex connectortest.Exchange) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(ex.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" {
		return nil, fmt.Errorf("an upload with content type %q, want multipart/related", ex.Header.Get("Content-Type"))
	}
	p, err := multipart.NewReader(bytes.NewReader(ex.Body), params["boundary"]).NextPart()
	if err != nil {
		return nil, fmt.Errorf("an upload without parts: %v", err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(p)
	return b.Bytes(), nil
}

// checkFields checks a partial-response selector such as
// "nextPageToken,files(id,name)" against the response schema.
func (d *discovery) checkFields(sel string, s *dSchema) []string {
	var bad []string
	depth, start := 0, 0
	for i := 0; i <= len(sel); i++ {
		if i < len(sel) && sel[i] == '(' {
			depth++
		}
		if i < len(sel) && sel[i] == ')' {
			depth--
		}
		if i < len(sel) && (sel[i] != ',' || depth > 0) {
			continue
		}
		item := strings.TrimSpace(sel[start:i])
		start = i + 1
		name, sub, nested := strings.Cut(item, "(")
		cur := s
		for _, seg := range strings.Split(name, "/") {
			cur = d.resolve(cur)
			if cur == nil || cur.Properties[seg] == nil {
				bad = append(bad, fmt.Sprintf("fields names %q, which the response schema does not have", name))
				cur = nil
				break
			}
			cur = d.resolve(cur.Properties[seg])
			if cur.Type == "array" {
				cur = cur.Items
			}
		}
		if nested && cur != nil {
			bad = append(bad, d.checkFields(strings.TrimSuffix(sub, ")"), cur)...)
		}
	}
	return bad
}

// checkValue lists where a decoded JSON value leaves the schema: a field
// the schema does not have, or a value of the wrong type. A request must
// not set a read-only field.
func (d *discovery) checkValue(at string, v any, s *dSchema, request bool) []string {
	s = d.resolve(s)
	if s == nil {
		return []string{at + ": no schema"}
	}
	if request && s.ReadOnly {
		return []string{at + ": read-only, a request may not set it"}
	}
	wrong := func() []string {
		return []string{fmt.Sprintf("%s: %T where the schema says %s %s", at, v, s.Type, s.Format)}
	}
	switch s.Type {
	case "any", "":
		return nil
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return wrong()
		}
		var bad []string
		for k, fv := range obj {
			p := s.Properties[k]
			if p == nil {
				p = s.AdditionalProperties
			}
			if p == nil {
				bad = append(bad, fmt.Sprintf("%s.%s: not in the schema", at, k))
				continue
			}
			bad = append(bad, d.checkValue(at+"."+k, fv, p, request)...)
		}
		return bad
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return wrong()
		}
		var bad []string
		for i, e := range arr {
			bad = append(bad, d.checkValue(fmt.Sprintf("%s[%d]", at, i), e, s.Items, request)...)
		}
		return bad
	case "string":
		str, ok := v.(string)
		if !ok {
			return wrong()
		}
		if s.Format == "int64" || s.Format == "uint64" {
			if _, err := strconv.ParseInt(str, 10, 64); err != nil {
				return wrong()
			}
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			return []string{fmt.Sprintf("%s: %q is not one of %v", at, str, s.Enum)}
		}
	case "integer", "number":
		if _, ok := v.(float64); !ok {
			return wrong()
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return wrong()
		}
	}
	return nil
}

// checkType lists the fields of the Go type the connector decodes a
// response into that the schema does not describe, or describes with
// another type.
func (d *discovery) checkType(at string, t reflect.Type, s *dSchema) []string {
	return d.checkTypeOnce(at, t, s, map[typeSchema]bool{})
}

type typeSchema struct {
	t reflect.Type
	s *dSchema
}

// checkTypeOnce is checkType that visits each pair of a type and a schema
// once, as recursive types (a message part's parts) need.
func (d *discovery) checkTypeOnce(at string, t reflect.Type, s *dSchema, seen map[typeSchema]bool) []string {
	s = d.resolve(s)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s == nil {
		return []string{at + ": no schema"}
	}
	if seen[typeSchema{t, s}] {
		return nil
	}
	seen[typeSchema{t, s}] = true
	wrong := func() []string {
		return []string{fmt.Sprintf("%s: Go %s where the schema says %s %s", at, t, s.Type, s.Format)}
	}
	switch t.Kind() {
	case reflect.Struct:
		if s.Type != "object" {
			return wrong()
		}
		var bad []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			p := s.Properties[name]
			if p == nil {
				bad = append(bad, fmt.Sprintf("%s.%s: the connector reads a field the schema does not have", at, name))
				continue
			}
			bad = append(bad, d.checkTypeOnce(at+"."+name, f.Type, p, seen)...)
		}
		return bad
	case reflect.Slice:
		if s.Type != "array" {
			return wrong()
		}
		return d.checkTypeOnce(at+"[]", t.Elem(), s.Items, seen)
	case reflect.String:
		if s.Type != "string" {
			return wrong()
		}
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		if s.Type != "integer" {
			return wrong()
		}
	case reflect.Bool:
		if s.Type != "boolean" {
			return wrong()
		}
	}
	return nil
}
