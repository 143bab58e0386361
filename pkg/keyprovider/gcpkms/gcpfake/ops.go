package gcpfake

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"strings"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// A ciphertext is tag(8) || version(4, big endian) || nonce(12) || sealed.
const (
	tagLen   = 8
	headLen  = tagLen + 4 + 12
	maxInput = 64 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) int64 { return int64(crc32.Checksum(b, castagnoli)) }

// checkCRC verifies an optional request checksum the way Cloud KMS does:
// absent is fine (and not "verified"), wrong is INVALID_ARGUMENT.
func checkCRC(field, dataField string, sum *wrapperspb.Int64Value, data []byte) (bool, error) {
	if sum == nil {
		return false, nil
	}
	if sum.GetValue() != crc(data) {
		return false, status.Errorf(codes.InvalidArgument, "The checksum in field %s did not match the data in field %s.", field, dataField)
	}
	return true, nil
}

func usable(name string, v *version) error {
	if v.state != kmspb.CryptoKeyVersion_ENABLED {
		return status.Errorf(codes.FailedPrecondition, "%s is not enabled, current state is: %s.", name, v.state)
	}
	return nil
}

func bound(k *cryptoKey, aad []byte) []byte {
	return append([]byte("gcpfake v1\x00"+k.name+"\x00"), aad...)
}

// Encrypt implements kmspb.KeyManagementServiceServer.
func (s *Server) Encrypt(_ context.Context, req *kmspb.EncryptRequest) (*kmspb.EncryptResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, vnum := req.GetName(), 0
	if base, v, ok := strings.Cut(name, "/cryptoKeyVersions/"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, status.Errorf(codes.InvalidArgument, "Invalid resource name %s.", name)
		}
		name, vnum = base, n
	}
	k, err := s.begin(OpEncrypt, name, "cloudkms.cryptoKeyVersions.useToEncrypt")
	if err != nil {
		return nil, err
	}
	if k.purpose != kmspb.CryptoKey_ENCRYPT_DECRYPT {
		return nil, status.Errorf(codes.FailedPrecondition, "%s has purpose %s, which does not support Encrypt.", k.name, k.purpose)
	}
	if vnum == 0 {
		vnum = k.primary
	}
	if vnum > len(k.versions) {
		return nil, status.Errorf(codes.NotFound, "CryptoKeyVersion %s not found.", k.versionName(vnum))
	}
	v := k.versions[vnum-1]
	if err := usable(k.versionName(vnum), v); err != nil {
		return nil, err
	}
	if len(req.GetPlaintext()) == 0 || len(req.GetPlaintext()) > maxInput || len(req.GetAdditionalAuthenticatedData()) > maxInput {
		return nil, status.Error(codes.InvalidArgument, "The plaintext must be between 1 byte and 64 KiB, and the additional authenticated data at most 64 KiB.")
	}
	vp, err := checkCRC("plaintext_crc32c", "plaintext", req.GetPlaintextCrc32C(), req.GetPlaintext())
	if err != nil {
		return nil, err
	}
	va, err := checkCRC("additional_authenticated_data_crc32c", "additional_authenticated_data", req.GetAdditionalAuthenticatedDataCrc32C(), req.GetAdditionalAuthenticatedData())
	if err != nil {
		return nil, err
	}
	ct := make([]byte, headLen, headLen+len(req.GetPlaintext())+v.aead.Overhead())
	copy(ct, k.tag[:])
	binary.BigEndian.PutUint32(ct[tagLen:], uint32(vnum))
	nonce := ct[tagLen+4 : headLen]
	if _, err := rand.Read(nonce); err != nil {
		return nil, status.Error(codes.Internal, "no randomness")
	}
	ct = v.aead.Seal(ct, nonce, req.GetPlaintext(), bound(k, req.GetAdditionalAuthenticatedData()))
	sum := crc(ct)
	if s.corrupt() {
		ct[len(ct)-1] ^= 1
	}
	return &kmspb.EncryptResponse{
		Name:                    k.versionName(vnum),
		Ciphertext:              ct,
		CiphertextCrc32C:        wrapperspb.Int64(sum),
		VerifiedPlaintextCrc32C: vp,
		VerifiedAdditionalAuthenticatedDataCrc32C: va,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
	}, nil
}

// Decrypt implements kmspb.KeyManagementServiceServer.
func (s *Server) Decrypt(_ context.Context, req *kmspb.DecryptRequest) (*kmspb.DecryptResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.begin(OpDecrypt, req.GetName(), "cloudkms.cryptoKeyVersions.useToDecrypt")
	if err != nil {
		return nil, err
	}
	if _, err := checkCRC("ciphertext_crc32c", "ciphertext", req.GetCiphertextCrc32C(), req.GetCiphertext()); err != nil {
		return nil, err
	}
	if _, err := checkCRC("additional_authenticated_data_crc32c", "additional_authenticated_data", req.GetAdditionalAuthenticatedDataCrc32C(), req.GetAdditionalAuthenticatedData()); err != nil {
		return nil, err
	}
	ct := req.GetCiphertext()
	wrongKey := status.Error(codes.InvalidArgument, "Decryption failed: verify that 'name' refers to the correct CryptoKey.")
	if len(ct) < headLen || string(ct[:tagLen]) != string(k.tag[:]) {
		return nil, wrongKey
	}
	vnum := int(binary.BigEndian.Uint32(ct[tagLen:]))
	if vnum < 1 || vnum > len(k.versions) {
		return nil, wrongKey
	}
	v := k.versions[vnum-1]
	if err := usable(k.versionName(vnum), v); err != nil {
		return nil, err
	}
	plain, err := v.aead.Open(nil, ct[tagLen+4:headLen], ct[headLen:], bound(k, req.GetAdditionalAuthenticatedData()))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "Decryption failed: the ciphertext is invalid.")
	}
	sum := crc(plain)
	if s.corrupt() {
		plain[0] ^= 1
	}
	return &kmspb.DecryptResponse{
		Plaintext:       plain,
		PlaintextCrc32C: wrapperspb.Int64(sum),
		UsedPrimary:     vnum == k.primary,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
	}, nil
}

// GetCryptoKey implements kmspb.KeyManagementServiceServer.
func (s *Server) GetCryptoKey(_ context.Context, req *kmspb.GetCryptoKeyRequest) (*kmspb.CryptoKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.begin(OpGetCryptoKey, req.GetName(), "cloudkms.cryptoKeys.get")
	if err != nil {
		return nil, err
	}
	ck := &kmspb.CryptoKey{Name: k.reportedName(), Purpose: k.purpose}
	if k.purpose == kmspb.CryptoKey_ENCRYPT_DECRYPT {
		ck.Primary = &kmspb.CryptoKeyVersion{
			Name:            k.versionName(k.primary),
			State:           k.versions[k.primary-1].state,
			ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
			Algorithm:       kmspb.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION,
		}
	}
	return ck, nil
}
