package guard

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// layerCase is a call checked against a default policy and a key's own;
// "" for either means it is not set. The call is made calls times (1 when
// 0), and the last decision is checked.
type layerCase struct {
	name       string
	def, key   string
	call       Call
	calls      int
	wantAllow  bool
	wantRule   string
	wantReason string // a part of the reason; "" checks nothing
	wantMax    int
}

func compileLayers(t *testing.T, def, key string) Effective {
	t.Helper()
	var eff Effective
	if def != "" {
		eff.Default = mustCompile(t, def)
	}
	if key != "" {
		eff.Key = mustCompile(t, key)
	}
	return eff
}

func TestDefaultPolicyIsTheFloorOfEveryKey(t *testing.T) {
	t.Parallel()
	write := Call{UserID: "u1", KeyID: "k1", Tool: "github_create_issue"}
	read := Call{UserID: "u1", KeyID: "k1", Tool: "github_get_repo", ReadOnly: true}
	tests := []layerCase{
		{name: "the default alone applies, its rules named default:",
			def: "version: 1\nread_only: true\n", call: write, wantRule: "default:read-only", wantReason: "read-only by the default policy"},
		{name: "a key's deny list does not drop the default's read_only (the reported bypass)",
			def: "version: 1\nread_only: true\n", key: "version: 1\ndeny: [slack_*]\n", call: write, wantRule: "default:read-only"},
		{name: "a key's read_only false does not lift the default's",
			def: "version: 1\nread_only: true\n", key: "version: 1\nread_only: false\n", call: write, wantRule: "default:read-only"},
		{name: "a key's read_only applies under a default without it",
			def: "version: 1\ndeny: [slack_*]\n", key: "version: 1\nread_only: true\n", call: write, wantRule: RuleReadOnly, wantReason: "read-only by its own policy"},
		{name: "the key alone keeps its plain rule names",
			key: "version: 1\ndeny: [github_create_*]\n", call: write, wantRule: "deny:github_create_*", wantReason: "on this key's deny list"},
		{name: "a key cannot allow what the default denies",
			def: "version: 1\ndeny: [github_create_*]\n", key: "version: 1\nallow: [github_create_issue]\n", call: write,
			wantRule: "default:deny:github_create_*", wantReason: "on the default policy's deny list"},
		{name: "a key's deny list adds to the default's",
			def: "version: 1\ndeny: [slack_*]\n", key: "version: 1\ndeny: [github_create_*]\n", call: write, wantRule: "deny:github_create_*"},
		{name: "the default's deny decides before the key's",
			def: "version: 1\ndeny: [github_*]\n", key: "version: 1\ndeny: [github_create_*]\n", call: write, wantRule: "default:deny:github_*"},
		{name: "allow lists intersect: on the key's list but not the default's is denied",
			def: "version: 1\nallow: [github_get_*]\n", key: "version: 1\nallow: [github_*]\n", call: write,
			wantRule: "default:allow-list", wantReason: "not on the default policy's allow list"},
		{name: "allow lists intersect: on the default's list but not the key's is denied",
			def: "version: 1\nallow: [github_*]\n", key: "version: 1\nallow: [github_get_*]\n", call: write,
			wantRule: RuleAllowList, wantReason: "not on this key's allow list"},
		{name: "allow lists intersect: on both is allowed, named by the key's entry",
			def: "version: 1\nallow: [github_*]\n", key: "version: 1\nallow: [github_get_*]\n", call: read,
			wantAllow: true, wantRule: "allow:github_get_*"},
		{name: "the default's allow list holds under a key without one",
			def: "version: 1\nallow: [github_get_*]\n", key: "version: 1\ndeny: [slack_*]\n", call: write, wantRule: "default:allow-list"},
		{name: "a call allowed by the default's allow list alone names it",
			def: "version: 1\nallow: [github_*]\n", key: "version: 1\ndeny: [slack_*]\n", call: read,
			wantAllow: true, wantRule: "default:allow:github_*"},
		{name: "a key's ! allow entry denies under the default",
			def: "version: 1\nallow: [github_*]\n", key: "version: 1\nallow: ['!github_create_*']\n", call: write, wantRule: "deny:github_create_*"},
		{name: "the default's rules apply to a key with rules of its own",
			def:  "version: 1\nrules:\n  - {id: octo, when: 'args.owner == \"octocat\"'}\n",
			key:  "version: 1\nrules:\n  - {id: titled, when: 'has(args.title)'}\n",
			call: Call{Tool: "github_create_issue", Args: argsOf(`{"owner":"x","title":"t"}`)}, wantRule: "default:rule:octo"},
		{name: "the key's rules apply under the default's",
			def:  "version: 1\nrules:\n  - {id: octo, when: 'args.owner == \"octocat\"'}\n",
			key:  "version: 1\nrules:\n  - {id: titled, when: 'has(args.title)'}\n",
			call: Call{Tool: "github_create_issue", Args: argsOf(`{"owner":"octocat"}`)}, wantRule: "rule:titled"},
		{name: "a call both layers' rules pass is allowed",
			def:  "version: 1\nrules:\n  - {id: octo, when: 'args.owner == \"octocat\"'}\n",
			key:  "version: 1\nrules:\n  - {id: titled, when: 'has(args.title)'}\n",
			call: Call{Tool: "github_create_issue", Args: argsOf(`{"owner":"octocat","title":"t"}`)}, wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "the default's rate limit holds under a key's larger one",
			def: "version: 1\nrate_limits:\n  - {tools: [github_*], limit: 2/h}\n", key: "version: 1\nrate_limits:\n  - {tools: [github_*], limit: 5/h}\n",
			call: write, calls: 3, wantRule: "default:rate:github_*", wantReason: "the default policy's rate limit 2/h"},
		{name: "a key's smaller rate limit applies under the default's",
			def: "version: 1\nrate_limits:\n  - {tools: [github_*], limit: 5/h}\n", key: "version: 1\nrate_limits:\n  - {tools: [github_*], limit: 2/h}\n",
			call: write, calls: 3, wantRule: "rate:github_*", wantReason: "this key's rate limit 2/h"},
		{name: "the same rate id in both layers counts apart: within both limits is allowed",
			def: "version: 1\nrate_limits:\n  - {id: r, limit: 3/h}\n", key: "version: 1\nrate_limits:\n  - {id: r, limit: 3/h}\n",
			call: write, calls: 3, wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "the default's rate limit holds under a key with only a deny list",
			def: "version: 1\nrate_limits:\n  - {tools: [github_*], limit: 1/h}\n", key: "version: 1\ndeny: [slack_*]\n",
			call: read, calls: 2, wantRule: "default:rate:github_*"},
		{name: "the smaller max_result_bytes is the key's",
			def: "version: 1\nmax_result_bytes: 1000\n", key: "version: 1\nmax_result_bytes: 500\n", call: read,
			wantAllow: true, wantRule: RuleDefaultAllow, wantMax: 500},
		{name: "the smaller max_result_bytes is the default's",
			def: "version: 1\nmax_result_bytes: 500\n", key: "version: 1\nmax_result_bytes: 1000\n", call: read,
			wantAllow: true, wantRule: RuleDefaultAllow, wantMax: 500},
		{name: "a key without max_result_bytes keeps the default's",
			def: "version: 1\nmax_result_bytes: 500\n", key: "version: 1\ndeny: [slack_*]\n", call: read,
			wantAllow: true, wantRule: RuleDefaultAllow, wantMax: 500},
		{name: "a default without max_result_bytes takes the key's",
			def: "version: 1\ndeny: [slack_*]\n", key: "version: 1\nmax_result_bytes: 500\n", call: read,
			wantAllow: true, wantRule: RuleDefaultAllow, wantMax: 500},
		{name: "a denial carries the result size too",
			def: "version: 1\nread_only: true\nmax_result_bytes: 700\n", call: write, wantRule: "default:read-only", wantMax: 700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := layeredEngine(compileLayers(t, tt.def, tt.key), newFakeCounter(), nil)
			var got Decision
			for i := range max(tt.calls, 1) {
				var err error
				if got, err = e.Decide(context.Background(), tt.call); err != nil {
					t.Fatalf("Decide %d: %v", i+1, err)
				}
			}
			if got.Allow != tt.wantAllow || got.Rule != tt.wantRule {
				t.Errorf("Decide(%s) = %s by %q (%s), want allow=%v by %q", tt.call.Tool, got.Name(), got.Rule, got.Reason, tt.wantAllow, tt.wantRule)
			}
			if !strings.Contains(got.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", got.Reason, tt.wantReason)
			}
			if got.MaxResultBytes != tt.wantMax {
				t.Errorf("MaxResultBytes = %d, want %d", got.MaxResultBytes, tt.wantMax)
			}
		})
	}
}

func TestExplainNamesTheLayerOfEachPart(t *testing.T) {
	t.Parallel()
	eff := compileLayers(t,
		"version: 1\nread_only: true\nallow: [github_*]\nrate_limits:\n  - {id: writes, tools: [github_create_*], limit: 5/h}\nmax_result_bytes: 1000\n",
		"version: 1\ndeny: [github_delete_*]\nrules:\n  - {id: octo, tools: [github_*], when: 'args.owner == \"octocat\"'}\nmax_result_bytes: 4000\n")
	want := []Part{
		{Setting: "read_only", Value: "true", Rule: "default:read-only", From: LayerDefault},
		{Setting: "allow", Value: "github_*", Rule: "default:allow-list", From: LayerDefault},
		{Setting: "rate_limit", Value: "[github_create_*] 5/h", Rule: "default:rate:writes", From: LayerDefault},
		{Setting: "deny", Value: "github_delete_*", Rule: "deny:github_delete_*", From: LayerKey},
		{Setting: "rule", Value: `[github_*] args.owner == "octocat"`, Rule: "rule:octo", From: LayerKey},
		{Setting: "max_result_bytes", Value: "1000", From: LayerDefault},
	}
	if got := eff.Explain(); !reflect.DeepEqual(got, want) {
		t.Errorf("Explain() =\n%+v\nwant\n%+v", got, want)
	}
	if got := (Effective{}).Explain(); len(got) != 0 {
		t.Errorf("Explain() of no policy = %+v, want nothing", got)
	}
}
