package google

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
			panic("google: required argument without a schema: " + r)
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

func integer(name, desc string, minimum, maximum int) prop {
	return prop{name, map[string]any{"type": "integer", "description": desc, "minimum": minimum, "maximum": maximum}}
}

// Scope hints for the insufficient-scope message, per tool family.
const (
	needGmailRead  = "gmail.readonly (" + ScopeGmailReadonly + ")"
	needGmailDraft = "gmail.compose (" + ScopeGmailCompose + ")"
	needGmailSend  = "gmail.send or gmail.compose (" + ScopeGmailCompose + ")"
	needDriveRead  = "drive.readonly (" + ScopeDriveReadonly + ")"
	needDriveWrite = "drive.file (" + ScopeDriveFile + ")"
	needIdentity   = "gmail.readonly or drive.readonly"
)
