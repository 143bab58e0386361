package google_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/google"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

func TestAWrongBaseURLIsNotMistakenForAMissingFile(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	up.BaseURL = fake.URL + "/not-google"
	_, err := suite.Call(t, up, "drive_get", validArgs["drive_get"])
	if errors.Is(err, google.ErrNotFound) {
		t.Errorf("error %q is ErrNotFound", err)
	}
	connectortest.AssertContains(t, connectortest.ErrText(err), "unexpected response from Google Drive (HTTP 404, content type text/html", "check connectors.google.api_url")
}

func TestAGatewayErrorPageIsTransient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>502 Bad Gateway</html>"))
	}))
	t.Cleanup(srv.Close)
	_, up := newFake(t)
	up.BaseURL = srv.URL
	_, err := suite.Call(t, up, "gmail_list_labels", `{}`)
	if got, want := connectortest.ErrText(err), "Gmail failed (HTTP 502); try again later"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestIdentifyFallsBackWhenGmailHasNoMailbox(t *testing.T) {
	t.Parallel()
	// Gmail answers 400 failedPrecondition for an account without Gmail.
	fake, up := newFake(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/gmail/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"code":400,"message":"Mail service not enabled","errors":[{"reason":"failedPrecondition"}],"status":"FAILED_PRECONDITION"}}`))
			return
		}
		httputil.NewSingleHostReverseProxy(mustParse(fake.URL)).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	up.BaseURL = srv.URL
	got, err := suite.Provider(t).Identify(context.Background(), up)
	if err != nil || got != googlefake.Email {
		t.Errorf("Identify() = %q, %v", got, err)
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// hostRewriter sends every request to the fake whatever host it names, so
// a test sees the URLs the connector builds from the default API URL.
type hostRewriter struct{ to *url.URL }

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = h.to.Scheme, h.to.Host, h.to.Host
	return http.DefaultTransport.RoundTrip(r)
}

// The discovery documents' rootUrl: Gmail's is https://gmail.googleapis.com/
// (gmail/v1/gmail-api.json), Drive's https://www.googleapis.com/
// (drive/v3/drive-api.json), both in google.golang.org/api.
func TestDefaultURLsAreTheDiscoveryRoots(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	up.BaseURL = google.DefaultAPIURL
	up.HTTP = &http.Client{Transport: hostRewriter{mustParse(fake.URL)}}
	rec := connectortest.Record(&up)
	if _, err := suite.Call(t, up, "gmail_list_labels", `{}`); err != nil {
		t.Fatal(err)
	}
	if _, err := suite.Call(t, up, "drive_get", validArgs["drive_get"]); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ex := range rec.Exchanges() {
		got = append(got, ex.URL.Scheme+"://"+ex.URL.Host+ex.URL.Path)
	}
	want := []string{"https://gmail.googleapis.com/gmail/v1/users/me/labels", "https://www.googleapis.com/drive/v3/files/"}
	if len(got) != 2 || got[0] != want[0] || !strings.HasPrefix(got[1], want[1]) {
		t.Errorf("requests went to %q, want %q and a file under %q", got, want[0], want[1])
	}
}
