package guard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// document is the YAML form of a policy, field for field. Its field order is
// the canonical order Marshal writes.
type document struct {
	Version        int       `yaml:"version"`
	ReadOnly       bool      `yaml:"read_only"`
	Allow          []string  `yaml:"allow,omitempty"`
	Deny           []string  `yaml:"deny,omitempty"`
	Approve        []string  `yaml:"approve,omitempty"`
	Rules          []ruleDoc `yaml:"rules,omitempty"`
	RateLimits     []rateDoc `yaml:"rate_limits,omitempty"`
	MaxResultBytes int       `yaml:"max_result_bytes,omitempty"`

	// RedactCredentials is read from documents written before it was
	// removed, and ignored: the gateway always redacts credentials, so the
	// field never had an effect. Marshal does not write it.
	RedactCredentials *bool `yaml:"redact_credentials,omitempty"`
}

type ruleDoc struct {
	ID     string   `yaml:"id,omitempty"`
	Tools  []string `yaml:"tools,omitempty"`
	When   string   `yaml:"when"`
	Action string   `yaml:"action,omitempty"` // "allow" (the default) or "approve"
	Reason string   `yaml:"reason,omitempty"`
}

type rateDoc struct {
	ID    string   `yaml:"id,omitempty"`
	Tools []string `yaml:"tools,omitempty"`
	Limit Rate     `yaml:"limit"`
}

// Compile parses a YAML policy, checks every pattern and compiles and
// type-checks every condition, so that a policy that would misbehave at call
// time is refused when it is saved. Errors name the field, rule id and line.
func Compile(doc []byte) (*Policy, error) {
	d, lines, err := parseDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("parse policy: %w", err)
	}
	p, err := compileDocument(d, lines)
	if err != nil {
		return nil, fmt.Errorf("compile policy: %w", err)
	}
	return p, nil
}

// Marshal returns the canonical YAML form of p, which Compile accepts and
// turns back into the same policy. A nil policy marshals as the empty policy,
// which allows every call.
func (p *Policy) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p.document()); err != nil {
		return nil, fmt.Errorf("marshal policy: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal policy: %w", err)
	}
	return buf.Bytes(), nil
}

// document returns the YAML form of p; derived ids are left out so they are
// derived again, identically, when it is compiled.
func (p *Policy) document() document {
	if p == nil {
		p = &Policy{}
	}
	d := document{
		Version: 1, ReadOnly: p.readOnly, MaxResultBytes: p.maxResultBytes,
		Allow: p.allow, Deny: p.deny, Approve: p.approve,
	}
	for _, r := range p.rules {
		rd := ruleDoc{Tools: r.tools, When: r.when, Reason: r.reason}
		if r.approve {
			rd.Action = ActionApprove
		}
		if r.given {
			rd.ID = r.id
		}
		d.Rules = append(d.Rules, rd)
	}
	for _, rl := range p.rates {
		rd := rateDoc{Tools: rl.tools, Limit: rl.limit}
		if rl.given {
			rd.ID = rl.id
		}
		d.RateLimits = append(d.RateLimits, rd)
	}
	return d
}

// parseDocument decodes strictly: an unknown field is an error, and so is a
// second YAML document, which would otherwise be silently ignored.
func parseDocument(doc []byte) (document, docLines, error) {
	var d document
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return d, nil, errors.New("the policy is empty; start it with `version: 1`")
		}
		return d, nil, tidyYAMLError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return d, nil, errors.New("the policy holds more than one YAML document (---); keep one")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return d, nil, tidyYAMLError(err)
	}
	return d, itemLines(&root), nil
}

var notFound = regexp.MustCompile(`field (\S+) not found in type \S+`)

// tidyYAMLError words yaml's messages for a person editing the file.
func tidyYAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = notFound.ReplaceAllString(m, `unknown field "$1"`)
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}

// docLines holds, per top-level list, the line of each item.
type docLines map[string][]int

// at returns " (line N)" for item i of list key, or "" when unknown.
func (l docLines) at(key string, i int) string {
	if i < len(l[key]) {
		return fmt.Sprintf(" (line %d)", l[key][i])
	}
	return ""
}

func itemLines(root *yaml.Node) docLines {
	lines := docLines{}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return lines
	}
	m := root.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		if m[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range m[i+1].Content {
			lines[m[i].Value] = append(lines[m[i].Value], item.Line)
		}
	}
	return lines
}
