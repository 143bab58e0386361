package gcpkms_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/kms/apiv1/kmspb"
	gax "github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc/codes"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/gcpkms"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/gcpkms/gcpfake"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/keyprovidertest"
)

const ring = "projects/p/locations/global/keyRings/mcpgate/cryptoKeys/"

func newFake(t *testing.T, keys ...string) *gcpfake.Server {
	t.Helper()
	s := gcpfake.New()
	t.Cleanup(s.Close)
	for _, k := range keys {
		s.CreateKey(ring + k)
	}
	return s
}

func options(s *gcpfake.Server) gcpkms.Options {
	return gcpkms.Options{
		Endpoint: s.Addr(), Insecure: true, Timeout: 5 * time.Second,
		Backoff: gax.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond, Multiplier: 2},
	}
}

func mustOpen(t *testing.T, s *gcpfake.Server, name string) *gcpkms.Provider {
	t.Helper()
	p, err := gcpkms.Open(context.Background(), name, options(s))
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestConformance(t *testing.T) {
	t.Parallel()
	s := newFake(t, "a", "b")
	keyprovidertest.Run(t, mustOpen(t, s, ring+"a"), mustOpen(t, s, ring+"b"))
}

func TestThroughURL(t *testing.T) {
	t.Parallel()
	s := newFake(t, "a", "b")
	open := func(t *testing.T, name string) keyprovider.Provider {
		t.Helper()
		p, err := keyprovider.Open(context.Background(), s.ProviderURL(name))
		if err != nil {
			t.Fatalf("Open(%s): %v", s.ProviderURL(name), err)
		}
		return p
	}
	keyprovidertest.Run(t, open(t, ring+"a"), open(t, ring+"b"))
	keyprovidertest.RunReopen(t, func(t *testing.T) keyprovider.Provider { return open(t, ring+"a") })
}

// TestRotationInsideKMS: a new primary version is not a new KEK; what the
// old version wrapped still unwraps.
func TestRotationInsideKMS(t *testing.T) {
	t.Parallel()
	s := newFake(t, "a")
	ctx := context.Background()
	p := mustOpen(t, s, ring+"a")
	old, err := p.Wrap(ctx, make([]byte, 32), []byte("u"))
	if err != nil {
		t.Fatal(err)
	}
	s.RotateKey(ring + "a")
	q := mustOpen(t, s, ring+"a")
	if p.KeyID() != q.KeyID() || q.KeyID() != "gcpkms:"+ring+"a" {
		t.Fatalf("KeyID before/after rotation = %q/%q, want both gcpkms:%sa", p.KeyID(), q.KeyID(), ring)
	}
	if _, err := q.Unwrap(ctx, old, []byte("u")); err != nil {
		t.Fatalf("Unwrap of a wrap made by the previous primary version: %v", err)
	}
}

// wantErr checks that err names its cause and is not ErrWrongKey (which
// would tell the vault the data is bad).
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("got no error, want one containing %q", want)
	case !strings.Contains(err.Error(), want):
		t.Fatalf("got %v, want error containing %q", err, want)
	case errors.Is(err, keyprovider.ErrWrongKey):
		t.Fatalf("got ErrWrongKey for %q: the vault would treat a KMS problem as bad data: %v", want, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	s := newFake(t, "disabled", "destroyed", "denied", "good")
	s.DisableKey(ring + "disabled")
	s.DestroyKey(ring + "destroyed")
	s.Deny(ring+"denied", gcpfake.OpGetCryptoKey)
	s.CreateKeyWithPurpose(ring+"signing", kmspb.CryptoKey_ASYMMETRIC_SIGN)
	tests := []struct {
		name, key string
		mod       func(*gcpkms.Options)
		want      string
	}{
		{"disabled primary", ring + "disabled", nil, "is DISABLED: enable it"},
		{"destroyed primary", ring + "destroyed", nil, "is DESTROYED"},
		{"unknown key", ring + "nope", nil, "not found in Cloud KMS: check the project"},
		{"get denied", ring + "denied", nil, "cloudkms.cryptoKeys.get"},
		{"signing key", ring + "signing", nil, "purpose ASYMMETRIC_SIGN"},
		{"a version", ring + "good/cryptoKeyVersions/1", nil, "name the CryptoKey, not a version"},
		{"not a key name", "projects/p/keyRings/r", nil, "want a key name like"},
		{"insecure off loopback", ring + "good", func(o *gcpkms.Options) { o.Endpoint = "kms.example.com:443" }, "insecure=1 needs a loopback endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := options(s)
			if tt.mod != nil {
				tt.mod(&o)
			}
			_, err := gcpkms.Open(context.Background(), tt.key, o)
			wantErr(t, err, tt.want)
		})
	}
}

func TestErrorsAfterOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		knob func(s *gcpfake.Server, key string)
		wrap bool // the failing call: Wrap, or Unwrap
		want string
	}{
		{"disabled key wraps nothing", func(s *gcpfake.Server, k string) { s.DisableKey(k) }, true, "disabled or destroyed"},
		{"destroyed key unwraps nothing", func(s *gcpfake.Server, k string) { s.DestroyKey(k) }, false, "disabled or destroyed"},
		{"decrypt denied", func(s *gcpfake.Server, k string) { s.Deny(k, gcpfake.OpDecrypt) }, false, "roles/cloudkms.cryptoKeyEncrypterDecrypter"},
		{"unavailable past the deadline", func(s *gcpfake.Server, _ string) { s.FailUnavailable(1 << 30) }, true, "kept failing Encrypt (Unavailable)"},
		{"quota exhausted past the deadline", func(s *gcpfake.Server, _ string) { s.FailNext(1<<30, codes.ResourceExhausted) }, false, "quota"},
		{"corrupted every time", func(s *gcpfake.Server, _ string) { s.CorruptNext(1 << 30) }, true, "CRC32C integrity check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t, "k")
			o := options(s)
			o.Timeout = 300 * time.Millisecond
			p, err := gcpkms.Open(ctx, ring+"k", o)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			w, err := p.Wrap(ctx, make([]byte, 32), []byte("u"))
			if err != nil {
				t.Fatal(err)
			}
			tt.knob(s, ring+"k")
			if tt.wrap {
				_, err = p.Wrap(ctx, make([]byte, 32), []byte("u"))
			} else {
				_, err = p.Unwrap(ctx, w, []byte("u"))
			}
			wantErr(t, err, tt.want)
		})
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	t.Parallel()
	s := newFake(t, "k")
	p := mustOpen(t, s, ring+"k")
	ctx := context.Background()
	s.FailUnavailable(2)
	before := s.Calls(gcpfake.OpEncrypt)
	w, err := p.Wrap(ctx, make([]byte, 32), []byte("u"))
	if err != nil {
		t.Fatalf("Wrap through two Unavailable answers: %v", err)
	}
	if got := s.Calls(gcpfake.OpEncrypt) - before; got != 3 {
		t.Errorf("Encrypt calls = %d, want 3 (two unavailable, one served)", got)
	}
	s.FailNext(1, codes.ResourceExhausted)
	if _, err := p.Unwrap(ctx, w, []byte("u")); err != nil {
		t.Fatalf("Unwrap through a ResourceExhausted answer: %v", err)
	}
	// A response corrupted in transit fails its checksum and is fetched
	// again, both ways.
	s.CorruptNext(1)
	if w, err = p.Wrap(ctx, make([]byte, 32), []byte("u")); err != nil {
		t.Fatalf("Wrap through a corrupted response: %v", err)
	}
	s.CorruptNext(1)
	dek, err := p.Unwrap(ctx, w, []byte("u"))
	if err != nil || len(dek) != 32 || dek[0] != 0 {
		t.Fatalf("Unwrap through a corrupted response: %x, %v", dek, err)
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = gcpkms.Open(context.Background(), ring+"k", gcpkms.Options{Endpoint: addr, Insecure: true, Timeout: 300 * time.Millisecond})
	wantErr(t, err, addr)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %s with a 300ms deadline", d)
	}
}
