package gcpkms_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/gcpkms"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	const name = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
	tests := []struct {
		url, name, endpoint string
		insecure            bool
		timeout             time.Duration
	}{
		{"gcpkms://" + name, name, "", false, 0},
		{"gcpkms://" + name + "?endpoint=127.0.0.1:8443&insecure=1&timeout=2s", name, "127.0.0.1:8443", true, 2 * time.Second},
		{"gcpkms://" + name + "?endpoint=europe-west1-cloudkms.googleapis.com:443&insecure=0", name, "europe-west1-cloudkms.googleapis.com:443", false, 0},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		got, o, err := gcpkms.ParseURL(u)
		if err != nil || got != tt.name || o.Endpoint != tt.endpoint || o.Insecure != tt.insecure || o.Timeout != tt.timeout {
			t.Errorf("ParseURL(%s) = %q, %+v, %v; want %q endpoint %q insecure %v timeout %s",
				tt.url, got, o, err, tt.name, tt.endpoint, tt.insecure, tt.timeout)
		}
	}
	bad := map[string]string{
		"gcpkms://" + name + "?insecure=yes":     `insecure="yes"`,
		"gcpkms://" + name + "?endpiont=x":       `unknown parameter "endpiont"`,
		"gcpkms://" + name + "?timeout=-1s":      "not a positive duration",
		"gcpkms://user:secret@projects/p/x/y/z/": "must not carry credentials",
	}
	for raw, want := range bad {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := gcpkms.ParseURL(u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%s): got %v, want error containing %q", raw, err, want)
		}
	}
}
