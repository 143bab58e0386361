package slack

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
			panic("slack: required argument without a schema: " + r)
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

func boolean(name, desc string) prop {
	return prop{name, map[string]any{"type": "boolean", "description": desc}}
}

func integer(name, desc string, minimum, maximum int) prop {
	return prop{name, map[string]any{"type": "integer", "description": desc, "minimum": minimum, "maximum": maximum}}
}

func enumList(name, desc string, values ...string) prop {
	return prop{name, map[string]any{"type": "array", "description": desc, "items": map[string]any{"type": "string", "enum": values}}}
}

// Arguments shared by several tools.
var (
	channelProp = str("channel", "Channel id (e.g. C0123ABCD, from list_channels) or name (e.g. #general).")
	cursorProp  = str("cursor", "Pagination cursor from a previous result's \"More:\" line; omit for the first page.")
	textProp    = str("text", "Message text, up to 40,000 characters. Slack mrkdwn is allowed: *bold*, _italic_, <@U0123ABCD> mentions a user.")
)
