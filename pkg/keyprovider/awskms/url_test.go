package awskms_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		url, key, region, endpoint string
		timeout                    time.Duration
	}{
		{"awskms://alias/mcpgate?region=eu-west-1", "alias/mcpgate", "eu-west-1", "", 0},
		{"awskms://1234abcd-12ab-34cd-56ef-1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890ab", "", "", 0},
		{"awskms:///" + arn, arn, "", "", 0},
		{"awskms:" + arn + "?timeout=3s", arn, "", "", 3 * time.Second},
		{"awskms://alias/a/b?endpoint=https%3A%2F%2Fkms.example", "alias/a/b", "", "https://kms.example", 0},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		key, o, err := awskms.ParseURL(u)
		if err != nil || key != tt.key || o.Region != tt.region || o.Endpoint != tt.endpoint || o.Timeout != tt.timeout {
			t.Errorf("ParseURL(%s) = %q, %+v, %v; want %q region %q endpoint %q timeout %s",
				tt.url, key, o, err, tt.key, tt.region, tt.endpoint, tt.timeout)
		}
	}
	bad := map[string]string{
		"awskms://":                         "names no key",
		"awskms://alias/x?regoin=eu-west-1": `unknown parameter "regoin"`,
		"awskms://alias/x?timeout=soon":     "not a positive duration",
		"awskms://AKIA:secret@alias/x":      "must not carry credentials",
	}
	for raw, want := range bad {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := awskms.ParseURL(u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%s): got %v, want error containing %q", raw, err, want)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%s) error repeats the URL's password: %v", raw, err)
		}
	}
}

func TestEncryptionContext(t *testing.T) {
	t.Parallel()
	got := awskms.EncryptionContext([]byte("user:alice"))
	if len(got) != 1 || got["mcpgate_aad"] != "dXNlcjphbGljZQ==" {
		t.Errorf("EncryptionContext(user:alice) = %v, want {mcpgate_aad: dXNlcjphbGljZQ==}", got)
	}
	if got := awskms.EncryptionContext(nil); got != nil {
		t.Errorf("EncryptionContext(nil) = %v, want no context", got)
	}
}
