package gcpfake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sync"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Method names, as in Calls.
const (
	OpEncrypt      = "Encrypt"
	OpDecrypt      = "Decrypt"
	OpGetCryptoKey = "GetCryptoKey"
)

var keyName = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)

// Server is a fake Cloud KMS. It is safe for concurrent use.
type Server struct {
	kmspb.UnimplementedKeyManagementServiceServer

	lis net.Listener
	srv *grpc.Server

	mu       sync.Mutex
	keys     map[string]*cryptoKey
	failN    int
	failCode codes.Code
	corruptN int
	calls    map[string]int64
}

type cryptoKey struct {
	name     string
	tag      [8]byte // first bytes of every ciphertext, so another key's is recognised
	purpose  kmspb.CryptoKey_CryptoKeyPurpose
	versions []*version // version n is versions[n-1]
	primary  int        // version number
	denied   map[string]bool
	reported string // the name responses claim (ReportName), "" for its own
}

type version struct {
	state kmspb.CryptoKeyVersion_CryptoKeyVersionState
	aead  cipher.AEAD
}

// New starts a fake Cloud KMS on 127.0.0.1. Close it when done.
func New() *Server {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("gcpfake: listen on loopback: " + err.Error())
	}
	s := &Server{lis: lis, srv: grpc.NewServer(), keys: map[string]*cryptoKey{}, calls: map[string]int64{}}
	kmspb.RegisterKeyManagementServiceServer(s.srv, s)
	go func() { _ = s.srv.Serve(lis) }()
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Stop() }

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// ProviderURL is the gcpkms:// URL that opens key name on this fake.
func (s *Server) ProviderURL(name string) string {
	return "gcpkms://" + name + "?" + url.Values{"endpoint": {s.Addr()}, "insecure": {"1"}}.Encode()
}

// CreateKey adds a symmetric encryption key with one enabled primary
// version. name is projects/P/locations/L/keyRings/R/cryptoKeys/K.
func (s *Server) CreateKey(name string) {
	s.CreateKeyWithPurpose(name, kmspb.CryptoKey_ENCRYPT_DECRYPT)
}

// CreateKeyWithPurpose adds a key with another purpose, for testing that
// clients refuse keys that cannot encrypt.
func (s *Server) CreateKeyWithPurpose(name string, purpose kmspb.CryptoKey_CryptoKeyPurpose) {
	if !keyName.MatchString(name) {
		panic("gcpfake: not a CryptoKey name: " + name)
	}
	k := &cryptoKey{name: name, purpose: purpose, denied: map[string]bool{}}
	if _, err := rand.Read(k.tag[:]); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.keys[name]; dup {
		panic("gcpfake: key exists: " + name)
	}
	s.keys[name] = k
	k.addVersion()
}

func (k *cryptoKey) addVersion() {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err)
	}
	block, _ := aes.NewCipher(secret)
	aead, _ := cipher.NewGCM(block)
	k.versions = append(k.versions, &version{state: kmspb.CryptoKeyVersion_ENABLED, aead: aead})
	k.primary = len(k.versions)
}

func (k *cryptoKey) versionName(n int) string {
	return fmt.Sprintf("%s/cryptoKeyVersions/%d", k.reportedName(), n)
}

// reportedName is the key name responses give: its own, or the one
// ReportName made it claim.
func (k *cryptoKey) reportedName() string {
	if k.reported != "" {
		return k.reported
	}
	return k.name
}

// ReportName is the hostile mode: from now on responses about key name
// (GetCryptoKey's name and primary version, Encrypt's version name) name
// reported instead, as an endpoint that lies about which key it used
// would. The cryptography still uses the key name.
func (s *Server) ReportName(name, reported string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustKey(name).reported = reported
}

// RotateKey adds a new version and makes it primary; older versions still
// decrypt, as in Cloud KMS.
func (s *Server) RotateKey(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustKey(name).addVersion()
}

// DisableKey disables every version of the key.
func (s *Server) DisableKey(name string) { s.setState(name, kmspb.CryptoKeyVersion_DISABLED) }

// EnableKey enables every version of the key.
func (s *Server) EnableKey(name string) { s.setState(name, kmspb.CryptoKeyVersion_ENABLED) }

// DestroyKey destroys every version of the key.
func (s *Server) DestroyKey(name string) { s.setState(name, kmspb.CryptoKeyVersion_DESTROYED) }

func (s *Server) setState(name string, st kmspb.CryptoKeyVersion_CryptoKeyVersionState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.mustKey(name).versions {
		v.state = st
	}
}

// Deny makes the given methods on the key fail with PermissionDenied, as a
// missing IAM binding would; no methods means all.
func (s *Server) Deny(name string, ops ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.mustKey(name)
	if len(ops) == 0 {
		ops = []string{OpEncrypt, OpDecrypt, OpGetCryptoKey}
	}
	for _, op := range ops {
		k.denied[op] = true
	}
}

// Allow lifts every Deny on the key.
func (s *Server) Allow(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.mustKey(name).denied)
}

// FailNext makes the next n requests fail with code (Unavailable,
// ResourceExhausted, ...).
func (s *Server) FailNext(n int, code codes.Code) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode = n, code
}

// FailUnavailable makes the next n requests fail with Unavailable.
func (s *Server) FailUnavailable(n int) { s.FailNext(n, codes.Unavailable) }

// CorruptNext flips a bit in the payload (ciphertext or plaintext) of the
// next n Encrypt or Decrypt responses, leaving their CRC32C as computed
// over the original, as corruption in transit would.
func (s *Server) CorruptNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corruptN = n
}

// Calls reports how many requests for op the fake received, whatever their
// outcome.
func (s *Server) Calls(op string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// ResetCalls zeroes the call counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
}

func (s *Server) mustKey(name string) *cryptoKey {
	k, ok := s.keys[name]
	if !ok {
		panic("gcpfake: no such key: " + name)
	}
	return k
}

// begin counts a request, applies injected failures, and finds the key
// and checks the caller may use it for op. The caller holds s.mu.
func (s *Server) begin(op, name, permission string) (*cryptoKey, error) {
	s.calls[op]++
	if s.failN > 0 {
		s.failN--
		if s.failCode == codes.ResourceExhausted {
			return nil, status.Error(codes.ResourceExhausted, "Quota exceeded for quota metric 'Cryptographic requests' and limit 'Cryptographic requests per minute'.")
		}
		return nil, status.Error(s.failCode, "The service is currently unavailable.")
	}
	k, ok := s.keys[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "CryptoKey %s not found.", name)
	}
	if k.denied[op] {
		return nil, status.Errorf(codes.PermissionDenied, "Permission '%s' denied on resource '%s' (or it may not exist).", permission, name)
	}
	return k, nil
}

// corrupt reports whether this response should be corrupted. The caller
// holds s.mu.
func (s *Server) corrupt() bool {
	if s.corruptN > 0 {
		s.corruptN--
		return true
	}
	return false
}
