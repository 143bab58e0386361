package toolkit_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

func TestObjectIsAClosedSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"no arguments", toolkit.Object(nil),
			`{"additionalProperties":false,"properties":{},"required":[],"type":"object"}`},
		{"every builder", toolkit.Object([]string{"q"},
			toolkit.String("q", "Query."),
			toolkit.Boolean("all", "All."),
			toolkit.Integer("limit", "Limit.", 1, 50),
			toolkit.Integer("number", "Number.", 1, 0),
			toolkit.Enum("state", "State.", "open", "closed"),
			toolkit.StringList("labels", "Labels."),
			toolkit.EnumList("types", "Types.", "a", "b"),
		), `{"additionalProperties":false,"properties":{` +
			`"all":{"description":"All.","type":"boolean"},` +
			`"labels":{"description":"Labels.","items":{"type":"string"},"type":"array"},` +
			`"limit":{"description":"Limit.","maximum":50,"minimum":1,"type":"integer"},` +
			`"number":{"description":"Number.","minimum":1,"type":"integer"},` +
			`"q":{"description":"Query.","type":"string"},` +
			`"state":{"description":"State.","enum":["open","closed"],"type":"string"},` +
			`"types":{"description":"Types.","items":{"enum":["a","b"],"type":"string"},"type":"array"}` +
			`},"required":["q"],"type":"object"}`},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestObjectPanicsOnARequiredNameWithoutAProperty(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Object did not panic")
		}
	}()
	toolkit.Object([]string{"owner"}, toolkit.String("repo", "Repo."))
}
