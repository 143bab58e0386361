package gcpkms_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/keyprovidertest"
)

// TestRealGCP runs against real Cloud KMS when MCPGATE_TEST_GCP_KMS_KEY
// names a key (projects/P/locations/L/keyRings/R/cryptoKeys/K or a gcpkms://
// URL) and application default credentials can use it.
// MCPGATE_TEST_GCP_KMS_KEY2, a second key, adds the two-key conformance
// suite.
func TestRealGCP(t *testing.T) {
	key := os.Getenv("MCPGATE_TEST_GCP_KMS_KEY")
	if key == "" {
		t.Skip("MCPGATE_TEST_GCP_KMS_KEY is not set: skipping the test against real Cloud KMS (set it to projects/P/locations/L/keyRings/R/cryptoKeys/K, with application default credentials)")
	}
	ctx := context.Background()
	open := func(t *testing.T, key string) keyprovider.Provider {
		t.Helper()
		u := key
		if !strings.HasPrefix(key, "gcpkms:") {
			u = "gcpkms://" + key
		}
		p, err := keyprovider.Open(ctx, u)
		if err != nil {
			t.Fatalf("Open(%s): %v", u, err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	keyprovidertest.RunReopen(t, func(t *testing.T) keyprovider.Provider { return open(t, key) })
	a := open(t, key)
	if key2 := os.Getenv("MCPGATE_TEST_GCP_KMS_KEY2"); key2 != "" {
		keyprovidertest.Run(t, a, open(t, key2))
		return
	}
	w, err := a.Wrap(ctx, make([]byte, 32), []byte("user:alice"))
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if _, err := a.Unwrap(ctx, w, []byte("user:bob")); !errors.Is(err, keyprovider.ErrWrongKey) {
		t.Fatalf("Unwrap with another AAD: got %v, want ErrWrongKey", err)
	}
}
