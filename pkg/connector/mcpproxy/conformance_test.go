package mcpproxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/connector/mcpproxy"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// canary is the remote server's header secret: it must reach the server
// and nothing else.
const (
	canary = "mcphdr_CONFORMANCE_5d0c8b3e1f7a2946"
	header = "X-Api-Key"
)

// everything is the URL of the go-sdk's conformance server, which
// TestMain builds and runs for the package's tests.
var everything string

func TestMain(m *testing.M) {
	stop, err := startEverything()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startEverything builds the everything-server and serves it over
// Streamable HTTP on a free loopback port.
func startEverything() (stop func(), err error) {
	dir, err := os.MkdirTemp("", "mcpproxy-test")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "everything-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/modelcontextprotocol/go-sdk/conformance/everything-server").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the everything-server: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "-http", addr)
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
	}
	everything = "http://" + addr + "/mcp"
	for i := 0; ; i++ {
		if resp, err := http.Get(everything); err == nil {
			resp.Body.Close()
			return stop, nil
		}
		if i > 100 {
			stop()
			return nil, fmt.Errorf("the everything-server never answered at %s", everything)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// front is the fake upstream of the suite: a proxy in front of the
// everything-server that refuses a request without the canary header
// (401, as a remote server does) and fails as fakekit's knobs say.
type front struct {
	fakekit.Base
	URL string
}

func newFront(tb testing.TB) (*front, connector.Upstream) {
	tb.Helper()
	target, _ := url.Parse(everything)
	rp := fakekit.ReverseProxy(target)
	f := &front{}
	f.URL = f.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(header) != canary {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "invalid API key", http.StatusUnauthorized)
			return
		}
		rp.ServeHTTP(w, r)
	}), writeFailure) + "/mcp"
	tb.Cleanup(f.Close)
	return f, connectortest.Upstream(f.URL, canary)
}

// writeFailure answers as a remote server behind a gateway of its own
// would: a 500 page, a 429 with Retry-After, and a 400 that quotes the
// header it was sent.
func writeFailure(w http.ResponseWriter, r *http.Request, f fakekit.Failure) {
	switch f {
	case fakekit.ServerError:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	case fakekit.RateLimit:
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	case fakekit.EchoToken:
		http.Error(w, "bad request: "+header+": "+r.Header.Get(header)+" is not accepted here", http.StatusBadRequest)
	}
}

// pins are the everything-server's tools, approved as `connect add mcp`
// approves them.
func pins(t testing.TB) []mcpup.Pin {
	t.Helper()
	_, p, err := mcpup.Probe(context.Background(), mcpup.Options{}, mcpup.Spec{Name: "every", ConnID: "every", Config: mcpup.Config{URL: everything}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConformance runs the checks every connector must pass on a remote
// MCP connection with a secret header.
func TestConformance(t *testing.T) {
	approved := pins(t)
	readOnly := map[string]bool{}
	for _, p := range approved {
		readOnly[p.Name] = p.ReadOnly()
	}
	log, logged := connectortest.NewLog()
	remote := mcpproxy.Remote{Name: "every", Header: header, Log: log}
	tools := remote.Tools(approved)
	noClientFeature := "it asks the client for a feature (sampling, elicitation, roots, input) a connector's call does not offer"
	s := connectortest.Suite[*front]{
		Name:    "every",
		Canary:  canary,
		NewFake: func(tb testing.TB) (*front, connector.Upstream) { return newFront(tb) },
		Tools:   func(testing.TB) []connector.Tool { return tools },
		ValidArgs: map[string]string{
			"test_simple_text":            `{}`,
			"test_image_content":          `{}`,
			"test_audio_content":          `{}`,
			"test_embedded_resource":      `{}`,
			"test_multiple_content_types": `{}`,
			"test_logging_tool":           `{}`,
			"test_tool_with_logging":      `{}`,
			"json_schema_2020_12_tool":    `{"name":"Ada","contactMethod":"email","email":"ada@example.com"}`,
		},
		// A JSON-RPC tools/call of a tool without readOnlyHint may write.
		Mutating: func(e connectortest.Exchange) bool {
			var msg struct {
				Method string `json:"method"`
				Params struct {
					Name string `json:"name"`
				} `json:"params"`
			}
			return json.Unmarshal(e.Body, &msg) == nil && msg.Method == "tools/call" && !readOnly[msg.Params.Name]
		},
		Log: logged,
	}
	connectortest.Run(t, s, connectortest.Options{
		NoIdentify: "an MCP connection is checked by connecting to it, which every call does",
		CancelWaits: "a call canceled while the server hangs on initialize leaves the go-sdk client's " +
			"notifications/cancelled in flight, which closing the failed session may wait for (the SDK bounds it at 5 s)",
		NoValidArgs: map[string]string{
			"test_error_handling":                        "it always answers a tool error, by design",
			"test_elicitation":                           noClientFeature,
			"test_elicitation_sep1034_defaults":          noClientFeature,
			"test_elicitation_sep1330_enums":             noClientFeature,
			"test_streaming_elicitation":                 noClientFeature,
			"test_sampling":                              noClientFeature,
			"test_input_required_result_capabilities":    noClientFeature,
			"test_input_required_result_elicitation":     noClientFeature,
			"test_input_required_result_list_roots":      noClientFeature,
			"test_input_required_result_multi_round":     noClientFeature,
			"test_input_required_result_multiple_inputs": noClientFeature,
			"test_input_required_result_request_state":   noClientFeature,
			"test_input_required_result_sampling":        noClientFeature,
			"test_input_required_result_tampered_state":  noClientFeature,
			"test_missing_capability":                    noClientFeature,
			"test_reconnection":                          "it closes the stream mid-call to test a client's reconnection",
			"test_tool_with_progress":                    "it takes seconds, reporting progress",
			"test_trigger_prompt_change":                 "it changes the server's prompts for every other test",
			"test_trigger_tool_change":                   "it changes the server's tools, which withholds every approved tool after it",
			"test_x_mcp_header":                          "it needs its argument mirrored into a request header, which mcpup does not do",
		},
	})
}
