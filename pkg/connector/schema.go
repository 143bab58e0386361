package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var english = message.NewPrinter(language.English)

// schemas holds each tool's compiled input schema, keyed by its text.
var schemas sync.Map // string -> *compiledSchema

type compiledSchema struct {
	sch   *jsonschema.Schema
	props []string // top-level property names, to suggest the right case
	err   error
}

func compileSchema(text json.RawMessage) *compiledSchema {
	if c, ok := schemas.Load(string(text)); ok {
		return c.(*compiledSchema)
	}
	c := &compiledSchema{}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err == nil {
		comp := jsonschema.NewCompiler()
		comp.DefaultDraft(jsonschema.Draft2020)
		if err = comp.AddResource("tool.json", doc); err == nil {
			c.sch, err = comp.Compile("tool.json")
		}
	}
	c.err = err
	if m, ok := doc.(map[string]any); ok {
		if ps, ok := m["properties"].(map[string]any); ok {
			for k := range ps {
				c.props = append(c.props, k)
			}
			slices.Sort(c.props)
		}
	}
	schemas.Store(string(text), c)
	return c
}

// validate checks v against the schema and explains the first problem in
// the terms of the tool's arguments.
func (c *compiledSchema) validate(v any) error {
	if c.err != nil {
		return fmt.Errorf("the tool's input schema does not compile (%s); report this to the gateway operator", c.err)
	}
	if _, ok := v.(map[string]any); !ok {
		return errors.New("arguments must be a JSON object")
	}
	err := c.sch.Validate(v)
	var ve *jsonschema.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return err
	}
	return c.explain(leaf(ve))
}

// leaf returns the cause a person can act on first: an unknown name (a
// misspelt argument also shows as a missing one), then any other.
func leaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	var leaves []*jsonschema.ValidationError
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	for _, l := range leaves {
		if _, ok := l.ErrorKind.(*kind.AdditionalProperties); ok {
			return l
		}
	}
	return leaves[0]
}

func (c *compiledSchema) explain(ve *jsonschema.ValidationError) error {
	name := location(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		p := k.Properties[0]
		if len(ve.InstanceLocation) == 0 {
			for _, want := range c.props {
				if strings.EqualFold(want, p) {
					return fmt.Errorf("unknown argument %q: argument names are case-sensitive; use %q", p, want)
				}
			}
		}
		return fmt.Errorf("unknown argument %q; see the tool's input schema for the names it takes", pointer(name, p))
	case *kind.Required:
		return fmt.Errorf("argument %s is required", pointer(name, k.Missing[0]))
	case *kind.Type:
		want := typeNames(k.Want)
		if len(ve.InstanceLocation) == 1 && want == "an array" {
			if ps := c.sch.Properties[name]; ps != nil && ps.Items2020 != nil && ps.Items2020.Types != nil {
				want = "an array of " + strings.Join(ps.Items2020.Types.ToStrings(), " or ") + "s"
			}
		}
		return fmt.Errorf("argument %s must be %s, not %s", name, want, article(k.Got))
	case *kind.Enum:
		return fmt.Errorf("argument %s must be one of %s", name, enumText(k.Want))
	case *kind.Minimum:
		return fmt.Errorf("argument %s must be at least %s", name, k.Want.RatString())
	case *kind.Maximum:
		return fmt.Errorf("argument %s must be at most %s", name, k.Want.RatString())
	}
	return fmt.Errorf("argument %s is not valid: %s", name, ve.ErrorKind.LocalizedString(english))
}

func typeNames(want []string) string {
	out := make([]string, len(want))
	for i, w := range want {
		out[i] = article(w)
	}
	return strings.Join(out, " or ")
}

func article(t string) string {
	switch t {
	case "integer", "array", "object":
		return "an " + t
	case "null":
		return "null"
	case "boolean":
		return "true or false"
	}
	return "a " + t
}

func enumText(want []any) string {
	parts := make([]string, len(want))
	for i, w := range want {
		if str, ok := w.(string); ok {
			parts[i] = str
			continue
		}
		b, _ := json.Marshal(w)
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

// location names an argument inside the arguments: to[0], a.b.
func location(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil && b.Len() > 0 {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(t)
	}
	return b.String()
}
