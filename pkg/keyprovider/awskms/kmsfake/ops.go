package kmsfake

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// blobVersion starts every ciphertext blob: version || key id || nonce ||
// sealed. Like a real KMS blob it names its key, so Decrypt needs no KeyId.
const (
	blobVersion = 0x01
	keyIDLen    = 36
	nonceLen    = 12
)

type handler func(body []byte) (any, *apiError)

func (s *Server) handlers() map[string]handler {
	return map[string]handler{
		OpEncrypt:         s.encrypt,
		OpDecrypt:         s.decrypt,
		OpDescribeKey:     s.describeKey,
		OpGenerateDataKey: s.generateDataKey,
	}
}

type cryptoRequest struct {
	KeyId               string
	Plaintext           []byte
	CiphertextBlob      []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
	NumberOfBytes       *int
	KeySpec             string
}

func decode(body []byte) (*cryptoRequest, *apiError) {
	var in cryptoRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errorf("SerializationException", "cannot parse request: %s", err.Error())
	}
	if in.EncryptionAlgorithm != "" && in.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
		return nil, errorf("InvalidKeyUsageException", "encryption algorithm %s is not supported by symmetric keys", in.EncryptionAlgorithm)
	}
	return &in, nil
}

func (s *Server) encrypt(body []byte) (any, *apiError) {
	in, aerr := decode(body)
	if aerr != nil {
		return nil, aerr
	}
	if n := len(in.Plaintext); n == 0 || n > 4096 {
		return nil, errorf("ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096")
	}
	k, aerr := s.keyFor(OpEncrypt, in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{
		"CiphertextBlob":      seal(k, in.Plaintext, in.EncryptionContext),
		"KeyId":               s.reported(k),
		"EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
	}, nil
}

func (s *Server) generateDataKey(body []byte) (any, *apiError) {
	in, aerr := decode(body)
	if aerr != nil {
		return nil, aerr
	}
	var n int
	switch {
	case in.NumberOfBytes != nil && in.KeySpec != "":
		return nil, errorf("ValidationException", "Please specify either number of bytes or key spec.")
	case in.KeySpec == "AES_256":
		n = 32
	case in.KeySpec == "AES_128":
		n = 16
	case in.NumberOfBytes != nil && *in.NumberOfBytes >= 1 && *in.NumberOfBytes <= 1024:
		n = *in.NumberOfBytes
	default:
		return nil, errorf("ValidationException", "Please specify either number of bytes (1 to 1024) or key spec (AES_128, AES_256).")
	}
	k, aerr := s.keyFor(OpGenerateDataKey, in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	plain := make([]byte, n)
	if _, err := rand.Read(plain); err != nil {
		return nil, &apiError{status: 500, typ: "KMSInternalException", text: "no randomness"}
	}
	return map[string]any{
		"CiphertextBlob": seal(k, plain, in.EncryptionContext),
		"Plaintext":      plain,
		"KeyId":          s.reported(k),
	}, nil
}

func (s *Server) decrypt(body []byte) (any, *apiError) {
	in, aerr := decode(body)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	var named *key
	if in.KeyId != "" {
		if named, aerr = s.resolve(in.KeyId); aerr != nil {
			s.mu.Unlock()
			return nil, aerr
		}
	}
	b := in.CiphertextBlob
	var k *key
	if len(b) >= 1+keyIDLen+nonceLen && b[0] == blobVersion {
		k = s.keys[string(b[1:1+keyIDLen])]
	}
	s.mu.Unlock()
	switch {
	case len(b) == 0:
		return nil, errorf("ValidationException", "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case k == nil:
		return nil, errorf("InvalidCiphertextException", "")
	case named != nil && named != k && s.reported(k) != named.arn:
		// A lying key (ReportKeyID) also answers for the key it claims.
		return nil, errorf("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	}
	if _, aerr := s.keyFor(OpDecrypt, k.id); aerr != nil {
		return nil, aerr
	}
	nonce := b[1+keyIDLen : 1+keyIDLen+nonceLen]
	plain, err := k.aead.Open(nil, nonce, b[1+keyIDLen+nonceLen:], boundData(k, in.EncryptionContext))
	if err != nil {
		return nil, errorf("InvalidCiphertextException", "")
	}
	return map[string]any{"KeyId": s.reported(k), "Plaintext": plain, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}, nil
}

func (s *Server) describeKey(body []byte) (any, *apiError) {
	in, aerr := decode(body)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, aerr := s.resolve(in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.authorize(k, OpDescribeKey); aerr != nil {
		return nil, aerr
	}
	md := map[string]any{
		"AWSAccountId":          AccountID,
		"KeyId":                 s.reportedID(k),
		"Arn":                   s.reportedLocked(k),
		"CreationDate":          float64(k.created.UnixMilli()) / 1000,
		"Enabled":               k.state == "Enabled",
		"Description":           "",
		"KeyUsage":              k.usage,
		"KeyState":              k.state,
		"Origin":                "AWS_KMS",
		"KeyManager":            "CUSTOMER",
		"CustomerMasterKeySpec": k.spec,
		"KeySpec":               k.spec,
		"MultiRegion":           false,
	}
	if k.usage == "ENCRYPT_DECRYPT" {
		md["EncryptionAlgorithms"] = []string{"SYMMETRIC_DEFAULT"}
	}
	return map[string]any{"KeyMetadata": md}, nil
}

// keyFor resolves id and checks that op may use it now: permission, key
// state and key usage, in the order KMS reports them.
func (s *Server) keyFor(op, id string) (*key, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, aerr := s.resolve(id)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.authorize(k, op); aerr != nil {
		return nil, aerr
	}
	switch {
	case k.state == "Disabled":
		return nil, errorf("DisabledException", "%s is disabled.", k.arn)
	case k.state != "Enabled":
		return nil, errorf("KMSInvalidStateException", "%s is pending deletion.", k.arn)
	case k.usage != "ENCRYPT_DECRYPT" || k.spec != "SYMMETRIC_DEFAULT":
		return nil, errorf("InvalidKeyUsageException", "%s key usage is %s which is not valid for %s.", k.arn, k.usage, op)
	}
	return k, nil
}

func (s *Server) authorize(k *key, op string) *apiError {
	if k.denied["*"] || k.denied[op] {
		return errorf("AccessDeniedException",
			"User: arn:aws:iam::%s:user/mcpgate-test is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
			AccountID, op, k.arn, op)
	}
	return nil
}

// resolve finds a key by key id, key ARN, alias name or alias ARN. The
// caller holds s.mu.
func (s *Server) resolve(id string) (*key, *apiError) {
	if id == "" {
		return nil, errorf("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	name := id
	if rest, ok := strings.CutPrefix(id, "arn:aws:kms:"); ok {
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) != 3 || parts[0] != s.region || parts[1] != AccountID {
			return nil, errorf("NotFoundException", "Invalid arn %s", id)
		}
		name = parts[2]
	}
	if strings.HasPrefix(name, "alias/") {
		kid, ok := s.aliases[name]
		if !ok {
			return nil, errorf("NotFoundException", "Alias arn:aws:kms:%s:%s:%s is not found.", s.region, AccountID, name)
		}
		return s.keys[kid], nil
	}
	k, ok := s.keys[strings.TrimPrefix(name, "key/")]
	if !ok {
		return nil, errorf("NotFoundException", "Key 'arn:aws:kms:%s:%s:key/%s' does not exist", s.region, AccountID, strings.TrimPrefix(name, "key/"))
	}
	return k, nil
}

// reported is the ARN responses give for k: its own, or the one
// ReportKeyID made it claim. The caller must not hold s.mu.
func (s *Server) reported(k *key) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reportedLocked(k)
}

func (s *Server) reportedLocked(k *key) string {
	if r, ok := s.lies[k.id]; ok {
		return r
	}
	return k.arn
}

// reportedID is the key id part of reportedLocked (DescribeKey holds s.mu).
func (s *Server) reportedID(k *key) string {
	arn := s.reportedLocked(k)
	if i := strings.LastIndex(arn, ":key/"); i >= 0 {
		return arn[i+len(":key/"):]
	}
	return k.id
}

func seal(k *key, plain []byte, ec map[string]string) []byte {
	out := make([]byte, 0, 1+keyIDLen+nonceLen+len(plain)+k.aead.Overhead())
	out = append(append(out, blobVersion), k.id...)
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plain, boundData(k, ec))
}

// boundData is the GCM additional data: the key's ARN and the encryption
// context in a canonical, length-prefixed form (order of pairs does not
// matter, as in KMS).
func boundData(k *key, ec map[string]string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "kmsfake v1\x00%s\x00", k.arn)
	names := make([]string, 0, len(ec))
	for n := range ec {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, f := range []string{n, ec[n]} {
			b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
			b.WriteString(f)
		}
	}
	return b.Bytes()
}
