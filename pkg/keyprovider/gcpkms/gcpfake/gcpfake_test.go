package gcpfake_test

import (
	"context"
	"hash/crc32"
	"strings"
	"testing"

	kms "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/gcpkms/gcpfake"
)

const key = "projects/p/locations/global/keyRings/r/cryptoKeys/k"

func crc(b []byte) *wrapperspb.Int64Value {
	return wrapperspb.Int64(int64(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))))
}

// client talks to the fake through the official client, as the provider
// does.
func client(t *testing.T) (*gcpfake.Server, *kms.KeyManagementClient) {
	t.Helper()
	s := gcpfake.New()
	t.Cleanup(s.Close)
	s.CreateKey(key)
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	c, err := kms.NewKeyManagementClient(context.Background(), option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c
}

func TestChecksums(t *testing.T) {
	t.Parallel()
	_, c := client(t)
	ctx := context.Background()
	pt := []byte("dek")

	_, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: key, Plaintext: pt, PlaintextCrc32C: crc([]byte("other"))})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("Encrypt with a wrong plaintext_crc32c: got %v, want InvalidArgument about the checksum", err)
	}
	resp, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: key, Plaintext: pt})
	if err != nil || resp.GetVerifiedPlaintextCrc32C() {
		t.Fatalf("Encrypt without checksums: verified=%v, %v; want not verified, no error", resp.GetVerifiedPlaintextCrc32C(), err)
	}
	resp, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: key, Plaintext: pt, PlaintextCrc32C: crc(pt)})
	if err != nil || !resp.GetVerifiedPlaintextCrc32C() || resp.GetCiphertextCrc32C().GetValue() != crc(resp.GetCiphertext()).GetValue() {
		t.Fatalf("Encrypt with checksums: %v, %v; want verified and a matching ciphertext_crc32c", resp, err)
	}
	if resp.GetName() != key+"/cryptoKeyVersions/1" {
		t.Errorf("Encrypt used %s, want version 1", resp.GetName())
	}
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: key, Ciphertext: resp.GetCiphertext(), CiphertextCrc32C: crc(pt)})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("Decrypt with a wrong ciphertext_crc32c: got %v, want InvalidArgument about the checksum", err)
	}
}

func TestVersions(t *testing.T) {
	t.Parallel()
	s, c := client(t)
	ctx := context.Background()
	old, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: key, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	s.RotateKey(key)
	ck, err := c.GetCryptoKey(ctx, &kmspb.GetCryptoKeyRequest{Name: key})
	if err != nil || ck.GetPrimary().GetName() != key+"/cryptoKeyVersions/2" {
		t.Fatalf("GetCryptoKey after rotation: primary %s, %v; want version 2", ck.GetPrimary().GetName(), err)
	}
	dec, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: key, Ciphertext: old.GetCiphertext()})
	if err != nil || string(dec.GetPlaintext()) != "x" || dec.GetUsedPrimary() {
		t.Fatalf("Decrypt of a version-1 ciphertext: %v, %v; want x from a non-primary version", dec, err)
	}
	if got := s.Calls(gcpfake.OpDecrypt); got != 1 {
		t.Errorf("Calls(Decrypt) = %d, want 1", got)
	}
}
