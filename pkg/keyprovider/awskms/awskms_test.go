package awskms_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms/kmsfake"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/keyprovidertest"
)

func newFake(t *testing.T) *kmsfake.Server {
	t.Helper()
	s := kmsfake.New()
	t.Cleanup(s.Close)
	return s
}

// options point a provider at the fake with its credentials and fast
// retries.
func options(s *kmsfake.Server) awskms.Options {
	return awskms.Options{
		Region:      s.Region(),
		Endpoint:    s.URL(),
		Credentials: credentials.StaticCredentialsProvider{Value: s.Credentials()},
		Timeout:     5 * time.Second,
		MaxBackoff:  5 * time.Millisecond,
	}
}

func mustOpen(t *testing.T, s *kmsfake.Server, key string) *awskms.Provider {
	t.Helper()
	p, err := awskms.Open(context.Background(), key, options(s))
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	return p
}

func TestConformance(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	keyprovidertest.Run(t, mustOpen(t, s, s.CreateKey()), mustOpen(t, s, s.CreateKey()))
}

// TestThroughURL opens providers the way mcpgate does: by URL, with
// credentials from the standard AWS chain (here, the environment).
func TestThroughURL(t *testing.T) {
	s := newFake(t)
	s.SetEnv(t)
	s.SetAlias("alias/mcpgate", s.CreateKey())
	open := func(t *testing.T, key string) keyprovider.Provider {
		t.Helper()
		p, err := keyprovider.Open(context.Background(), s.ProviderURL(key))
		if err != nil {
			t.Fatalf("Open(%s): %v", s.ProviderURL(key), err)
		}
		return p
	}
	keyprovidertest.Run(t, open(t, "alias/mcpgate"), open(t, s.CreateKey()))
	keyprovidertest.RunReopen(t, func(t *testing.T) keyprovider.Provider { return open(t, "alias/mcpgate") })
}

func TestKeyIDIsTheResolvedARN(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	k1, k2 := s.CreateKey(), s.CreateKey()
	s.SetAlias("alias/kek", k1)
	before := mustOpen(t, s, "alias/kek")
	if want := "awskms:" + k1; before.KeyID() != want {
		t.Fatalf("KeyID via alias = %q, want %q", before.KeyID(), want)
	}
	s.SetAlias("alias/kek", k2)
	after := mustOpen(t, s, "alias/kek")
	if want := "awskms:" + k2; after.KeyID() != want {
		t.Fatalf("KeyID after moving the alias = %q, want %q", after.KeyID(), want)
	}
	// The first provider keeps the key it resolved, so what it wraps
	// still matches the KeyID stored beside it.
	ctx := context.Background()
	w, err := before.Wrap(ctx, make([]byte, 32), []byte("u"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mustOpen(t, s, k1).Unwrap(ctx, w, []byte("u")); err != nil {
		t.Fatalf("Unwrap with %s of a wrap made before the alias moved: %v", k1, err)
	}
}

// wantErr checks that err names its cause, is not ErrWrongKey (which would
// tell the vault the data is bad), and does not leak the secret key.
func wantErr(t *testing.T, s *kmsfake.Server, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("got no error, want one containing %q", want)
	case !strings.Contains(err.Error(), want):
		t.Fatalf("got %v, want error containing %q", err, want)
	case errors.Is(err, keyprovider.ErrWrongKey):
		t.Fatalf("got ErrWrongKey for %q: the vault would treat a KMS problem as bad data: %v", want, err)
	case strings.Contains(err.Error(), s.Credentials().SecretAccessKey):
		t.Fatalf("error leaks the secret access key: %v", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	disabled, deleting, signing, denied := s.CreateKey(), s.CreateKey(), s.CreateKeyWithSpec("SIGN_VERIFY", "RSA_2048"), s.CreateKey()
	s.DisableKey(disabled)
	s.ScheduleKeyDeletion(deleting)
	s.Deny(denied, kmsfake.OpDescribeKey)
	good := s.CreateKey()
	tests := []struct {
		name, key string
		mod       func(*awskms.Options)
		want      string
	}{
		{"disabled key", disabled, nil, "is Disabled, not Enabled: enable it"},
		{"key pending deletion", deleting, nil, "pending deletion: cancel the deletion"},
		{"signing key", signing, nil, "needs a symmetric encryption key"},
		{"unknown key", "alias/nope", nil, "not found in region us-east-1"},
		{"describe denied", denied, nil, "access denied to AWS KMS key"},
		{"wrong region", "alias/nope", func(o *awskms.Options) { o.Region = "eu-west-1" }, "set ?region="},
		{"ARN in another region", good, func(o *awskms.Options) { o.Region = "eu-west-1" }, "the key ARN is in region us-east-1"},
		{"plain http off loopback", good, func(o *awskms.Options) { o.Endpoint = "http://kms.example.com" }, "plain http"},
		{"wrong secret", good, func(o *awskms.Options) {
			c := s.Credentials()
			c.SecretAccessKey = "wrong"
			o.Credentials = credentials.StaticCredentialsProvider{Value: c}
		}, "request signature"},
		{"unknown access key", good, func(o *awskms.Options) {
			o.Credentials = credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: "AKIAOTHER", SecretAccessKey: "x"}}
		}, "rejected mcpgate's credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := options(s)
			if tt.mod != nil {
				tt.mod(&o)
			}
			_, err := awskms.Open(context.Background(), tt.key, o)
			wantErr(t, s, err, tt.want)
		})
	}
}

func TestErrorsAfterOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	aad := []byte("user:alice")
	tests := []struct {
		name  string
		knob  func(s *kmsfake.Server, key string)
		wrap  bool // the failing call: Wrap, or Unwrap
		want  string
		calls string
	}{
		{"disabled key wraps nothing", func(s *kmsfake.Server, k string) { s.DisableKey(k) }, true, "is disabled: enable it", kmsfake.OpEncrypt},
		{"disabled key unwraps nothing", func(s *kmsfake.Server, k string) { s.DisableKey(k) }, false, "is disabled", kmsfake.OpDecrypt},
		{"decrypt denied", func(s *kmsfake.Server, k string) { s.Deny(k, kmsfake.OpDecrypt) }, false, "needs kms:Encrypt, kms:Decrypt and kms:DescribeKey", kmsfake.OpDecrypt},
		{"pending deletion", func(s *kmsfake.Server, k string) { s.ScheduleKeyDeletion(k) }, true, "not usable in its current state", kmsfake.OpEncrypt},
		{"throttled past every retry", func(s *kmsfake.Server, _ string) { s.Throttle(1000) }, true, "kept throttling", kmsfake.OpEncrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t)
			key := s.CreateKey()
			p := mustOpen(t, s, key)
			w, err := p.Wrap(ctx, make([]byte, 32), aad)
			if err != nil {
				t.Fatal(err)
			}
			tt.knob(s, key)
			if tt.wrap {
				_, err = p.Wrap(ctx, make([]byte, 32), aad)
			} else {
				_, err = p.Unwrap(ctx, w, aad)
			}
			wantErr(t, s, err, tt.want)
		})
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	p := mustOpen(t, s, s.CreateKey())
	ctx := context.Background()
	s.Throttle(2)
	before := s.Calls(kmsfake.OpEncrypt)
	w, err := p.Wrap(ctx, make([]byte, 32), []byte("u"))
	if err != nil {
		t.Fatalf("Wrap through two throttled attempts: %v", err)
	}
	if got := s.Calls(kmsfake.OpEncrypt) - before; got != 3 {
		t.Errorf("Encrypt calls = %d, want 3 (two throttled, one served)", got)
	}
	s.Throttle(1)
	if _, err := p.Unwrap(ctx, w, []byte("u")); err != nil {
		t.Fatalf("Unwrap through a throttled attempt: %v", err)
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	key := s.CreateKey()

	// A listener that accepts and never answers: the deadline must end it.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		silent.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	// A port nobody listens on: connections are refused.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	for name, tt := range map[string]struct{ endpoint, want string }{
		"silent":  {"http://" + silent.Addr().String(), "did not answer kms:DescribeKey within 300ms"},
		"refused": {closedURL, "kms:DescribeKey"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := options(s)
			o.Endpoint, o.Timeout = tt.endpoint, 300*time.Millisecond
			start := time.Now()
			_, err := awskms.Open(context.Background(), key, o)
			wantErr(t, s, err, tt.want)
			if !strings.Contains(err.Error(), tt.endpoint) {
				t.Errorf("error does not name the endpoint %s: %v", tt.endpoint, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Open took %s with a 300ms deadline", d)
			}
		})
	}
}
