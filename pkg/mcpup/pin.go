package mcpup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Pin is one approved tool: its definition as the server gave it, made
// canonical, and the definition's hash.
type Pin struct {
	Name string          `json:"name"`
	Hash string          `json:"hash"`
	Def  json.RawMessage `json:"def"`
}

// pinned is the part of a tool definition that is pinned: what the model
// reads and what decides how a call is checked.
type pinned struct {
	Name        string               `json:"name"`
	Title       string               `json:"title,omitempty"`
	Description string               `json:"description,omitempty"`
	InputSchema any                  `json:"inputSchema"`
	Annotations *mcp.ToolAnnotations `json:"annotations,omitempty"`
}

// PinOf makes t's pin. The definition is re-encoded through generic JSON
// values, so that the same definition sent with its keys in another order
// hashes the same.
func PinOf(t *mcp.Tool) (Pin, error) {
	p := pinned{Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: t.InputSchema, Annotations: t.Annotations}
	b, err := json.Marshal(p)
	if err != nil {
		return Pin{}, fmt.Errorf("tool %q: %w", t.Name, err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return Pin{}, fmt.Errorf("tool %q: %w", t.Name, err)
	}
	canon, _ := json.Marshal(v) // maps marshal with sorted keys
	sum := sha256.Sum256(canon)
	return Pin{Name: t.Name, Hash: hex.EncodeToString(sum[:]), Def: canon}, nil
}

// Tool decodes the pinned definition.
func (p Pin) Tool() (*mcp.Tool, error) {
	var d struct {
		pinned
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	if err := json.Unmarshal(p.Def, &d); err != nil {
		return nil, fmt.Errorf("pinned tool %q does not decode: %w", p.Name, err)
	}
	return &mcp.Tool{Name: d.Name, Title: d.Title, Description: d.Description, InputSchema: d.InputSchema, Annotations: d.Annotations}, nil
}

// Schema is the pinned input schema's JSON.
func (p Pin) Schema() json.RawMessage {
	var d struct {
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	_ = json.Unmarshal(p.Def, &d)
	if len(d.InputSchema) == 0 || string(d.InputSchema) == "null" {
		return json.RawMessage(`{"type":"object"}`)
	}
	return d.InputSchema
}

// ReadOnly reports whether the pinned definition says readOnlyHint.
func (p Pin) ReadOnly() bool {
	var d struct {
		Annotations *mcp.ToolAnnotations `json:"annotations"`
	}
	_ = json.Unmarshal(p.Def, &d)
	return d.Annotations != nil && d.Annotations.ReadOnlyHint
}

// PinAll pins every tool, sorted by name.
func PinAll(tools []*mcp.Tool) ([]Pin, error) {
	pins := make([]Pin, 0, len(tools))
	for _, t := range tools {
		p, err := PinOf(t)
		if err != nil {
			return nil, err
		}
		pins = append(pins, p)
	}
	slices.SortFunc(pins, func(a, b Pin) int { return strings.Compare(a.Name, b.Name) })
	return pins, nil
}

// Pin states, as `connect tools` shows them.
const (
	StateApproved = "approved"
	StateChanged  = "changed" // differs from the approved definition: withheld
	StateNew      = "new"     // not approved yet: withheld
	StateRemoved  = "removed" // approved, no longer offered
)

// Change is one tool whose live definition is not its approved one.
type Change struct {
	Name  string
	State string // StateChanged, StateNew or StateRemoved
	Old   json.RawMessage
	New   json.RawMessage
}

// Compare sets the live pins beside the approved ones: every tool with
// its state, by name, and the changes.
func Compare(approved, live []Pin) (states map[string]string, changes []Change) {
	states = map[string]string{}
	old := map[string]Pin{}
	for _, p := range approved {
		old[p.Name] = p
	}
	seen := map[string]bool{}
	for _, p := range live {
		seen[p.Name] = true
		o, ok := old[p.Name]
		switch {
		case !ok:
			states[p.Name] = StateNew
			changes = append(changes, Change{Name: p.Name, State: StateNew, New: p.Def})
		case o.Hash != p.Hash:
			states[p.Name] = StateChanged
			changes = append(changes, Change{Name: p.Name, State: StateChanged, Old: o.Def, New: p.Def})
		default:
			states[p.Name] = StateApproved
		}
	}
	for _, p := range approved {
		if !seen[p.Name] {
			states[p.Name] = StateRemoved
			changes = append(changes, Change{Name: p.Name, State: StateRemoved, Old: p.Def})
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Name, b.Name) })
	return states, changes
}

// Diff describes a change for a person: each top-level field of the
// definition that differs, old and new.
func (c Change) Diff() string {
	var b strings.Builder
	switch c.State {
	case StateNew:
		fmt.Fprintf(&b, "+ new tool %s\n", c.Name)
		writeFields(&b, "+ ", c.New, nil)
	case StateRemoved:
		fmt.Fprintf(&b, "- removed tool %s\n", c.Name)
	default:
		fmt.Fprintf(&b, "~ changed tool %s\n", c.Name)
		writeFields(&b, "- ", c.Old, c.New)
		writeFields(&b, "+ ", c.New, c.Old)
	}
	return b.String()
}

// writeFields writes def's top-level fields, only those that differ from
// other's when other is set.
func writeFields(b *strings.Builder, prefix string, def, other json.RawMessage) {
	var m, o map[string]json.RawMessage
	_ = json.Unmarshal(def, &m)
	_ = json.Unmarshal(other, &o)
	keys := make([]string, 0, len(m)+len(o))
	for k := range m {
		keys = append(keys, k)
	}
	for k := range o {
		if _, ok := m[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if other != nil && string(m[k]) == string(o[k]) {
			continue
		}
		v := string(m[k])
		if v == "" {
			v = "(absent)"
		}
		fmt.Fprintf(b, "  %s%s: %s\n", prefix, k, v)
	}
}

func sortPins(p []Pin) []Pin {
	slices.SortFunc(p, func(a, b Pin) int { return strings.Compare(a.Name, b.Name) })
	return p
}
