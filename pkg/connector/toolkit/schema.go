package toolkit

import "encoding/json"

// Prop is one property of a tool's input schema.
type Prop struct {
	name   string
	schema map[string]any
}

// Object builds a closed JSON Schema object: additionalProperties is false,
// matching DecodeArgs, which refuses unknown arguments. It panics on a
// programming error (a required name without a property) so a bad schema
// fails when the package initialises, not when a model calls the tool.
func Object(required []string, props ...Prop) json.RawMessage {
	ps := make(map[string]any, len(props))
	for _, p := range props {
		ps[p.name] = p.schema
	}
	for _, r := range required {
		if _, ok := ps[r]; !ok {
			panic("toolkit: required argument without a schema: " + r)
		}
	}
	if required == nil {
		required = []string{} // JSON Schema wants an array here, never null
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

// String is a string property.
func String(name, desc string) Prop {
	return Prop{name, map[string]any{"type": "string", "description": desc}}
}

// Boolean is a true/false property.
func Boolean(name, desc string) Prop {
	return Prop{name, map[string]any{"type": "boolean", "description": desc}}
}

// Integer is an integer property of at least minimum and, when maximum is
// above 0, at most maximum (0 leaves it unbounded, as for an issue number).
func Integer(name, desc string, minimum, maximum int) Prop {
	s := map[string]any{"type": "integer", "description": desc, "minimum": minimum}
	if maximum > 0 {
		s["maximum"] = maximum
	}
	return Prop{name, s}
}

// Enum is a string property that takes one of values.
func Enum(name, desc string, values ...string) Prop {
	return Prop{name, map[string]any{"type": "string", "description": desc, "enum": values}}
}

// StringList is an array-of-strings property.
func StringList(name, desc string) Prop {
	return Prop{name, map[string]any{"type": "array", "description": desc, "items": map[string]any{"type": "string"}}}
}

// EnumList is an array property whose items each take one of values.
func EnumList(name, desc string, values ...string) Prop {
	return Prop{name, map[string]any{"type": "array", "description": desc, "items": map[string]any{"type": "string", "enum": values}}}
}
