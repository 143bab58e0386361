// Package configs_test keeps configs/mcpgate.example.yaml honest: it must
// load as it is, list every setting pkg/config knows, name each setting's
// environment variable, and hold only default values, so copying it changes
// nothing.
package configs_test

import (
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgate/mcpgate/pkg/config"
)

const exampleFile = "mcpgate.example.yaml"

func TestExampleLoads(t *testing.T) {
	t.Parallel()
	c, err := config.Load(config.Options{File: exampleFile, Env: []string{"MCPGATE_DATA_DIR=" + t.TempDir()}})
	if err != nil {
		t.Fatalf("config.Load(%s): %v", exampleFile, err)
	}
	for _, p := range config.Providers {
		if _, ok := c.Connectors[p]; !ok {
			t.Errorf("connectors.%s: not in the loaded config", p)
		}
	}
}

// TestExampleHoldsTheDefaults guards the promise in the file's header: every
// value in it is the default.
func TestExampleHoldsTheDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"MCPGATE_DATA_DIR=" + dir}
	got, err := config.Load(config.Options{File: exampleFile, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	want, err := config.Load(config.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if want.File != "" {
		t.Fatalf("the defaults were loaded from %s; want no file", want.File)
	}
	// Connectors are compared apart: the example lists every provider,
	// the defaults none.
	gotConns := got.Connectors
	got.File, got.Connectors, want.Connectors = "", nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the example's values differ from the defaults:\n got  %+v\n want %+v", *got, *want)
	}
	for name, conn := range gotConns {
		// github's api_url is spelled out as its default; the rest are
		// empty, which means "the provider's default".
		if name == "github" {
			conn.APIURL = strings.TrimPrefix(conn.APIURL, "https://api.github.com")
		}
		if conn != (config.Connector{}) {
			t.Errorf("connectors.%s = %+v, want only defaults", name, conn)
		}
	}
}

func TestExampleListsEverySetting(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", exampleFile, err)
	}
	inFile := map[string]bool{}
	leafKeys("", doc, inFile)

	known := settingKeys(t)
	if len(known) < 40 {
		t.Fatalf("found only %d settings in config.Config; the reflection walk is broken", len(known))
	}
	for _, key := range known {
		if !inFile[key] {
			t.Errorf("%s: not set in %s; add it with a comment (what it does, default, env var)", key, exampleFile)
		}
		env := "MCPGATE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		if !strings.Contains(string(raw), env) {
			t.Errorf("%s: its environment variable %s is not named in %s", key, env, exampleFile)
		}
	}
	for key := range inFile {
		if !slices.Contains(known, key) {
			t.Errorf("%s: in %s but not a setting of config.Config", key, exampleFile)
		}
	}
}

// settingKeys walks config.Config's mapstructure tags and returns every
// setting's dotted key, with connectors expanded for each provider.
func settingKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			if tag == "-" {
				continue
			}
			if tag == "" {
				t.Errorf("%s%s: field has no mapstructure tag", prefix, f.Name)
				continue
			}
			key := prefix + tag
			switch {
			case f.Type.Kind() == reflect.Struct && f.Type.PkgPath() != "time":
				walk(key+".", f.Type)
			case f.Type.Kind() == reflect.Map && f.Type.Elem().Kind() == reflect.Struct:
				for _, p := range config.Providers {
					walk(key+"."+p+".", f.Type.Elem())
				}
			case strings.HasSuffix(key, ".revoke_url") && !slices.ContainsFunc(config.RevokeURLProviders, func(p string) bool {
				return key == "connectors."+p+".revoke_url"
			}):
				// Only providers with a revocation endpoint have this key.
			default:
				keys = append(keys, key)
			}
		}
	}
	walk("", reflect.TypeFor[config.Config]())
	sort.Strings(keys)
	return keys
}

// leafKeys records the dotted key of every non-map value in m.
func leafKeys(prefix string, m map[string]any, out map[string]bool) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			leafKeys(prefix+k+".", sub, out)
			continue
		}
		out[prefix+k] = true
	}
}
