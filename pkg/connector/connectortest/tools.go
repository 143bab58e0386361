package connectortest

import (
	"encoding/json"
	"testing"
)

// ToolFlags are the annotations a tool must carry: whether it only reads,
// and whether it can destroy what is there. Policies rely on both.
type ToolFlags struct{ ReadOnly, Destructive bool }

// CheckTools checks that the provider offers exactly the tools in want,
// each with its flags, a real description, a Prepare, and a closed input
// schema whose required names all have a typed, described property.
func (s Suite[F]) CheckTools(t *testing.T, want map[string]ToolFlags) {
	t.Helper()
	tools := s.Provider(t).Tools()
	if len(tools) != len(want) {
		t.Errorf("%d tools, want %d", len(tools), len(want))
	}
	for _, tl := range tools {
		t.Run(tl.Name, func(t *testing.T) {
			w, known := want[tl.Name]
			if !known {
				t.Fatalf("unexpected tool %q", tl.Name)
			}
			if tl.ReadOnly != w.ReadOnly || tl.Destructive != w.Destructive {
				t.Errorf("ReadOnly, Destructive = %v, %v; want %v, %v", tl.ReadOnly, tl.Destructive, w.ReadOnly, w.Destructive)
			}
			if len(tl.Description) < 40 || tl.Prepare == nil {
				t.Errorf("want a real description and a Prepare, got %q", tl.Description)
			}
			checkSchema(t, tl.InputSchema)
		})
	}
}

func checkSchema(t *testing.T, schema json.RawMessage) {
	t.Helper()
	var s struct {
		Type                 string
		Properties           map[string]struct{ Type, Description string }
		Required             []string
		AdditionalProperties *bool
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		t.Fatalf("InputSchema is not JSON: %v", err)
	}
	if s.Type != "object" || s.AdditionalProperties == nil || *s.AdditionalProperties || s.Required == nil {
		t.Errorf("schema = %s; want a closed object with a required list", schema)
	}
	for _, r := range s.Required {
		if _, ok := s.Properties[r]; !ok {
			t.Errorf("required %q has no property", r)
		}
	}
	for name, p := range s.Properties {
		if p.Type == "" || p.Description == "" {
			t.Errorf("property %q lacks a type or description", name)
		}
	}
}

// ToolCase is a call that succeeds against the seeded fake: its result
// holds every Want and none of Omit.
type ToolCase struct {
	Name, Tool, Args string
	Want, Omit       []string
}

// CheckResults runs each case on a fresh fake.
func (s Suite[F]) CheckResults(t *testing.T, cases []ToolCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			_, up := s.NewFake(t)
			got, err := s.Call(t, up, tc.Tool, tc.Args)
			if err != nil {
				t.Fatalf("%s(%s): %v", tc.Tool, tc.Args, err)
			}
			AssertContains(t, got, tc.Want...)
			AssertOmits(t, got, tc.Omit...)
		})
	}
}

// ArgCase is a call whose arguments the tool must refuse with an error
// holding Want. Name defaults to Tool/Want.
type ArgCase struct {
	Name, Tool, Args, Want string
}

// CheckRefused runs each case on a fresh fake and checks that the fake saw
// no request: bad arguments are the connector's to catch, not the
// upstream's.
func (s Suite[F]) CheckRefused(t *testing.T, cases []ArgCase) {
	t.Helper()
	for _, tc := range cases {
		name := tc.Name
		if name == "" {
			name = tc.Tool + "/" + tc.Want
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, up := s.NewFake(t)
			got, err := s.Call(t, up, tc.Tool, tc.Args)
			if err == nil {
				t.Fatalf("%s(%.60s) = %q, want an error", tc.Tool, tc.Args, got)
			}
			AssertContains(t, err.Error(), tc.Want)
			if n := fake.Requests(); n != 0 {
				t.Errorf("fake saw %d requests, want none for bad arguments", n)
			}
		})
	}
}
