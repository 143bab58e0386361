package connectortest

import (
	"reflect"
	"slices"
	"testing"
)

type sdkInner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type sdkMeta struct {
	Cursor string `json:"next_cursor"`
}

type sdkBase struct {
	OK   bool    `json:"ok"`
	Meta sdkMeta `json:"meta"`
}

type sdkOuter struct {
	sdkBase
	// Meta shadows sdkBase.Meta, as it does for encoding/json.
	Meta  struct{ Page int } `json:"meta"`
	Items []*sdkInner        `json:"items"`
	Skip  string             `json:"-"`
}

func TestReadsOnly(t *testing.T) {
	tagged := map[string]reflect.Type{".tag": reflect.TypeOf("")}
	tests := []struct {
		name  string
		mine  any
		extra map[string]reflect.Type
		want  []string
	}{
		{"fields the SDK has, embedded ones included", struct {
			OK    bool `json:"ok"`
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Untagged string
		}{}, nil, nil},
		{"a field the SDK lacks", struct {
			OK    bool   `json:"ok"`
			Extra string `json:"extra"`
		}{}, nil, []string{"x.extra"}},
		{"a nested field the SDK lacks, through a slice of pointers", struct {
			Items []*struct {
				Size int `json:"size"`
			} `json:"items"`
		}{}, nil, []string{"x.items.size"}},
		{"a field named by json:\"-\" in the SDK", struct {
			Skip string `json:"-"`
			Name string `json:"Skip"`
		}{}, nil, []string{"x.Skip"}},
		{"the shallower field wins", struct {
			Meta struct {
				Cursor string `json:"next_cursor"`
			} `json:"meta"`
		}{}, nil, []string{"x.meta.next_cursor"}},
		{"extra fields count at every level", struct {
			Tag   string `json:".tag"`
			Items []struct {
				Tag string `json:".tag"`
			} `json:"items"`
		}{}, tagged, nil},
		{"without extra, an untagged name is missing", struct {
			Tag string `json:".tag"`
		}{}, nil, []string{"x..tag"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ReadsOnly("x", reflect.TypeOf(tc.mine), reflect.TypeOf(sdkOuter{}), tc.extra)
			if !slices.Equal(got, tc.want) {
				t.Errorf("ReadsOnly = %q, want %q", got, tc.want)
			}
		})
	}
}
