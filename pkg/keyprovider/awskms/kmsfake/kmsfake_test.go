package kmsfake_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms/kmsfake"
)

func newFake(t *testing.T) *kmsfake.Server {
	t.Helper()
	s := kmsfake.New()
	t.Cleanup(s.Close)
	return s
}

// raw sends a hand-built JSON 1.1 request, signed with creds unless creds
// is nil; tamper may change the body after signing.
func raw(t *testing.T, s *kmsfake.Server, op string, body string, creds *aws.Credentials, tamper func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	if creds != nil {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), "kms", s.Region(), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if tamper != nil {
		tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("response Content-Type = %q, want application/x-amz-json-1.1", ct)
	}
	var out struct {
		Type string `json:"__type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("response body is not JSON: %v", err)
	}
	return resp.StatusCode, out.Type
}

func TestWireProtocol(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	key := s.CreateKey()
	good := s.Credentials()
	wrongSecret := good
	wrongSecret.SecretAccessKey = "not-the-secret"
	describe := `{"KeyId":"` + key + `"}`
	tests := []struct {
		name, op  string
		creds     *aws.Credentials
		tamper    func(*http.Request)
		status    int
		errorType string
	}{
		{"signed request is served", "DescribeKey", &good, nil, 200, ""},
		{"unsigned request", "DescribeKey", nil, nil, 400, "MissingAuthenticationTokenException"},
		{"wrong secret", "DescribeKey", &wrongSecret, nil, 400, "InvalidSignatureException"},
		{"body changed after signing", "DescribeKey", &good, func(r *http.Request) {
			b := strings.Replace(describe, key, "alias/other", 1)
			r.Body, r.ContentLength = readCloser{strings.NewReader(b)}, int64(len(b))
		}, 400, "InvalidSignatureException"},
		{"signed header changed", "DescribeKey", &good, func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "TrentService.Encrypt")
		}, 400, "InvalidSignatureException"},
		{"unknown operation", "CreateKey", &good, nil, 400, "UnknownOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, typ := raw(t, s, tt.op, describe, tt.creds, tt.tamper)
			if status != tt.status || typ != tt.errorType {
				t.Errorf("got %d %q, want %d %q", status, typ, tt.status, tt.errorType)
			}
		})
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func client(s *kmsfake.Server) *kms.Client {
	return kms.New(kms.Options{
		Region:       s.Region(),
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.StaticCredentialsProvider{Value: s.Credentials()},
	})
}

// TestSDKParsesErrors checks the error shapes against the SDK's own
// deserializer: each must come out as the modeled exception type.
func TestSDKParsesErrors(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	c := client(s)
	ctx := context.Background()
	k1, k2 := s.CreateKey(), s.CreateKey()
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &k1, Plaintext: []byte("dek"), EncryptionContext: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	blob := enc.CiphertextBlob

	var incorrect *types.IncorrectKeyException
	_, err = c.Decrypt(ctx, &kms.DecryptInput{KeyId: &k2, CiphertextBlob: blob, EncryptionContext: map[string]string{"a": "1"}})
	check(t, "decrypt naming another key", err, &incorrect)

	var invalid *types.InvalidCiphertextException
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"a": "2"}})
	check(t, "decrypt with another context", err, &invalid)

	var notFound *types.NotFoundException
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/none"), Plaintext: []byte("x")})
	check(t, "encrypt with an unknown alias", err, &notFound)

	s.DisableKey(k1)
	var disabled *types.DisabledException
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"a": "1"}})
	check(t, "decrypt under a disabled key", err, &disabled)

	s.ScheduleKeyDeletion(k2)
	var state *types.KMSInvalidStateException
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: &k2, Plaintext: []byte("x")})
	check(t, "encrypt under a key pending deletion", err, &state)
}

func check[E error](t *testing.T, what string, err error, target *E) {
	t.Helper()
	if !errors.As(err, target) {
		t.Errorf("%s: got %v, want %T", what, err, *target)
	}
}

func TestGenerateDataKeyAndCalls(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	c := client(s)
	ctx := context.Background()
	key := s.CreateKey()
	ec := map[string]string{"user": "alice", "purpose": "dek"}
	gen, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &key, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if len(gen.Plaintext) != 32 || aws.ToString(gen.KeyId) != key {
		t.Fatalf("GenerateDataKey = %d bytes under %s, want 32 under %s", len(gen.Plaintext), aws.ToString(gen.KeyId), key)
	}
	// Decrypt needs no KeyId: the blob names its key, as in KMS.
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: gen.CiphertextBlob, EncryptionContext: ec})
	if err != nil || !bytes.Equal(dec.Plaintext, gen.Plaintext) || aws.ToString(dec.KeyId) != key {
		t.Fatalf("Decrypt of a generated key: %v", err)
	}
	s.Throttle(1)
	cNoRetry := kms.New(kms.Options{
		Region: s.Region(), BaseEndpoint: aws.String(s.URL()),
		Credentials: credentials.StaticCredentialsProvider{Value: s.Credentials()},
		Retryer:     aws.NopRetryer{},
	})
	if _, err := cNoRetry.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &key}); err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("DescribeKey while throttled: got %v, want ThrottlingException", err)
	}
	for op, want := range map[string]int64{kmsfake.OpGenerateDataKey: 1, kmsfake.OpDecrypt: 1, kmsfake.OpDescribeKey: 1, kmsfake.OpEncrypt: 0} {
		if got := s.Calls(op); got != want {
			t.Errorf("Calls(%s) = %d, want %d", op, got, want)
		}
	}
}
