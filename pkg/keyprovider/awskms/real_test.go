package awskms_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/keyprovidertest"
)

// TestRealAWS runs against real AWS KMS when MCPGATE_TEST_AWS_KMS_KEY names
// a key (an awskms:// URL, key id, ARN or alias/NAME) and the standard AWS
// credential chain can reach it. MCPGATE_TEST_AWS_KMS_KEY2, a second key,
// adds the two-key conformance suite.
func TestRealAWS(t *testing.T) {
	key := os.Getenv("MCPGATE_TEST_AWS_KMS_KEY")
	if key == "" {
		t.Skip("MCPGATE_TEST_AWS_KMS_KEY is not set: skipping the test against real AWS KMS (set it to a key id, ARN, alias/NAME or awskms:// URL, with AWS credentials in the environment)")
	}
	ctx := context.Background()
	open := func(t *testing.T, key string) keyprovider.Provider {
		t.Helper()
		u := key
		switch {
		case strings.HasPrefix(key, "awskms:"):
		case strings.HasPrefix(key, "arn:"):
			u = "awskms:///" + key
		default:
			u = "awskms://" + key
		}
		p, err := keyprovider.Open(ctx, u)
		if err != nil {
			t.Fatalf("Open(%s): %v", u, err)
		}
		return p
	}
	keyprovidertest.RunReopen(t, func(t *testing.T) keyprovider.Provider { return open(t, key) })
	a := open(t, key)
	if key2 := os.Getenv("MCPGATE_TEST_AWS_KMS_KEY2"); key2 != "" {
		keyprovidertest.Run(t, a, open(t, key2))
		return
	}
	w, err := a.Wrap(ctx, make([]byte, 32), []byte("user:alice"))
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if _, err := a.Unwrap(ctx, w, []byte("user:bob")); !errors.Is(err, keyprovider.ErrWrongKey) {
		t.Fatalf("Unwrap with another context: got %v, want ErrWrongKey", err)
	}
}
