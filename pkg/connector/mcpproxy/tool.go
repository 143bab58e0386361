package mcpproxy

import (
	"encoding/json"
	"errors"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// Tool is p as a connector.Tool. Its Prepare decodes the arguments and
// binds no Run: the caller sends them through its own session.
func Tool(p mcpup.Pin) connector.Tool {
	description := ""
	if t, err := p.Tool(); err == nil {
		description = t.Description
	}
	return connector.Tool{
		Name: p.Name, Description: description, InputSchema: closedSchema(p.Schema()),
		ReadOnly: p.ReadOnly(), Prepare: decodeArgs,
	}
}

// closedSchema is the schema a proxied call's arguments are validated
// against: the server's, with top-level names it does not list refused
// unless it says what to do with them (additionalProperties,
// patternProperties or unevaluatedProperties). Many servers generate
// schemas that leave extra names open by omission; a misspelt or
// case-variant name would otherwise pass the guard unseen and be dropped
// or misread upstream. A tool whose schema is only {"type":"object"}
// takes no arguments, and is closed the same way. Clients are shown this
// schema, so they know.
func closedSchema(schema json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(schema, &m) != nil {
		return schema
	}
	if m["properties"] == nil && string(m["type"]) != `"object"` {
		return schema
	}
	for _, k := range []string{"additionalProperties", "patternProperties", "unevaluatedProperties", "$ref", "allOf", "anyOf", "oneOf"} {
		if _, ok := m[k]; ok {
			return schema
		}
	}
	m["additionalProperties"] = json.RawMessage("false")
	b, err := json.Marshal(m)
	if err != nil {
		return schema
	}
	return b
}

// decodeArgs is an MCP tool's Prepare: the arguments, already parsed
// strictly and validated against the upstream's input schema, decoded
// once into the value the guard evaluates, the audit records and the
// upstream is sent.
func decodeArgs(raw json.RawMessage) (connector.Prepared, error) {
	args := map[string]any{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &args); err != nil {
			return connector.Prepared{}, errors.New("arguments must be a JSON object")
		}
	}
	return connector.Prepared{Args: args}, nil
}
