package github

import "encoding/json"

// prop is one property of a tool's input schema.
type prop struct {
	name   string
	schema map[string]any
}

// object builds a closed JSON Schema object. It panics on a programming
// error (a required name without a property) so a bad schema fails at init.
func object(required []string, props ...prop) json.RawMessage {
	ps := make(map[string]any, len(props))
	for _, p := range props {
		ps[p.name] = p.schema
	}
	for _, r := range required {
		if _, ok := ps[r]; !ok {
			panic("github: required argument without a schema: " + r)
		}
	}
	if required == nil {
		required = []string{}
	}
	b, err := json.Marshal(map[string]any{
		"type":                 "object",
		"properties":           ps,
		"required":             required,
		"additionalProperties": false,
	})
	if err != nil {
		panic(err)
	}
	return b
}

func str(name, desc string) prop {
	return prop{name, map[string]any{"type": "string", "description": desc}}
}

func enum(name, desc string, values ...string) prop {
	return prop{name, map[string]any{"type": "string", "description": desc, "enum": values}}
}

func integer(name, desc string, minimum, maximum int) prop {
	s := map[string]any{"type": "integer", "description": desc, "minimum": minimum}
	if maximum > 0 {
		s["maximum"] = maximum
	}
	return prop{name, s}
}

func strList(name, desc string) prop {
	return prop{name, map[string]any{"type": "array", "description": desc, "items": map[string]any{"type": "string"}}}
}

// Arguments shared by several tools.
var (
	ownerProp  = str("owner", "Owner of the repository: a user or organisation login, e.g. \"octocat\".")
	repoProp   = str("repo", "Repository name without the owner, e.g. \"hello-world\".")
	numberProp = integer("number", "Issue or pull request number, e.g. 42.", 1, 0)
	perPage    = integer("per_page", "Results per page, 1-100 (GitHub's default is 30).", 1, 100)
	pageProp   = integer("page", "Page number, starting at 1. A result says when there is a next page.", 1, 0)
)
