package toolkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

func TestAPIBase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"", "https://api.example.com", true},
		{"  https://ghe.example.com/api/v3/?x=1#f ", "https://ghe.example.com/api/v3", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"ftp://example.com", "", false},
		{"not a url", "", false},
		{"https://", "", false},
	}
	for _, tt := range tests {
		got, ok := toolkit.APIBase(tt.raw, "https://api.example.com/")
		if got != tt.want || ok != tt.ok {
			t.Errorf("APIBase(%q) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAccessTokenShapes(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"ghp_abc\n": "ghp_abc",
		`{"access_token":"gho_x","refresh_token":"ghr_y"}`: "gho_x",
		`{not json`: `{not json`,
		"":          "",
	}
	for in, want := range tests {
		if got := toolkit.AccessToken(in); got != want {
			t.Errorf("AccessToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTTPClientAlwaysHasATimeout(t *testing.T) {
	t.Parallel()
	if hc := toolkit.HTTPClient(nil); hc == nil || hc.Timeout <= 0 {
		t.Errorf("HTTPClient(nil) = %+v, want a client with a timeout", hc)
	}
	own := &http.Client{}
	if toolkit.HTTPClient(own) != own {
		t.Error("HTTPClient did not keep the gateway's client")
	}
}

var errTimeout = errors.New("Example did not answer in time")

func TestTransportFailure(t *testing.T) {
	t.Parallel()
	t.Run("canceled by the caller", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		msg, kinds := toolkit.TransportFailure(ctx, context.Canceled, "Example", "connectors.example.api_url", errTimeout)
		if msg != "the call to Example was canceled" || len(kinds) != 1 || kinds[0] != context.Canceled {
			t.Errorf("got %q, %v", msg, kinds)
		}
	})
	t.Run("timed out", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer srv.Close()
		_, err := (&http.Client{Timeout: 20 * time.Millisecond}).Get(srv.URL + "/x?q=secret")
		msg, kinds := toolkit.TransportFailure(context.Background(), err, "Example", "connectors.example.api_url", errTimeout)
		if msg != "Example did not answer in time (timeout); try again later or ask for less" || len(kinds) != 2 || kinds[0] != errTimeout {
			t.Errorf("got %q, %v", msg, kinds)
		}
	})
	t.Run("not reachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		_, err := http.Get(srv.URL + "/x?q=secret")
		msg, kinds := toolkit.TransportFailure(context.Background(), err, "Example", "connectors.example.api_url", errTimeout)
		if !strings.HasPrefix(msg, "cannot reach Example: ") || !strings.HasSuffix(msg, "; check connectors.example.api_url and the network") || kinds != nil {
			t.Errorf("got %q, %v", msg, kinds)
		}
		if strings.Contains(msg, "q=secret") {
			t.Errorf("message %q holds the request URL", msg)
		}
	})
}

func TestUnexpectedResponse(t *testing.T) {
	t.Parallel()
	got := toolkit.UnexpectedResponse("Example", 200, "", "check the URL")
	if want := "unexpected response from Example (HTTP 200, content type none): check the URL"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
