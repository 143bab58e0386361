package kmsfake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// AccountID is the account every fake key belongs to.
const AccountID = "111122223333"

// Operation names, as in X-Amz-Target and Calls.
const (
	OpEncrypt         = "Encrypt"
	OpDecrypt         = "Decrypt"
	OpDescribeKey     = "DescribeKey"
	OpGenerateDataKey = "GenerateDataKey"
)

const jsonContentType = "application/x-amz-json-1.1"

// Server is a fake AWS KMS on a loopback HTTP listener. It is safe for
// concurrent use.
type Server struct {
	srv    *httptest.Server
	region string
	creds  aws.Credentials

	mu       sync.Mutex
	keys     map[string]*key   // by key id
	aliases  map[string]string // "alias/name" -> key id
	throttle int
	calls    map[string]int64
	lies     map[string]string // key id -> the ARN responses claim (ReportKeyID)
}

type key struct {
	id, arn     string
	usage, spec string
	state       string // Enabled, Disabled, PendingDeletion
	created     time.Time
	aead        cipher.AEAD
	denied      map[string]bool // operation -> denied; "*" denies all
}

// New starts a fake KMS for region us-east-1 with fresh random credentials.
// Close it when done.
func New() *Server {
	s := &Server{
		region:  "us-east-1",
		keys:    map[string]*key{},
		aliases: map[string]string{},
		calls:   map[string]int64{},
		lies:    map[string]string{},
		creds: aws.Credentials{
			AccessKeyID:     "AKIAFAKE" + strings.ToUpper(randHex(6)),
			SecretAccessKey: randHex(20),
			Source:          "kmsfake",
		},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// URL is the endpoint to point a KMS client at (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// Region is the region requests must be signed for.
func (s *Server) Region() string { return s.region }

// Credentials are the only credentials the fake accepts.
func (s *Server) Credentials() aws.Credentials { return s.creds }

// ProviderURL is the awskms:// URL that opens key (an id, ARN or alias
// name) on this fake.
func (s *Server) ProviderURL(key string) string {
	q := url.Values{"region": {s.region}, "endpoint": {s.srv.URL}}.Encode()
	if strings.HasPrefix(key, "arn:") {
		return "awskms:///" + key + "?" + q
	}
	return "awskms://" + key + "?" + q
}

// SetEnv points the standard AWS credential chain at the fake's credentials
// for the duration of t, and isolates it from the host's AWS config files
// and instance metadata. Tests that call it cannot run in parallel.
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           s.creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       s.creds.SecretAccessKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  s.region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// CreateKey adds an enabled symmetric encryption key and returns its ARN.
func (s *Server) CreateKey() string {
	return s.CreateKeyWithSpec("ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT")
}

// CreateKeyWithSpec adds a key with the given KeyUsage and KeySpec, for
// testing that clients refuse keys they cannot use. Only
// ENCRYPT_DECRYPT/SYMMETRIC_DEFAULT keys encrypt.
func (s *Server) CreateKeyWithSpec(usage, spec string) string {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err)
	}
	block, _ := aes.NewCipher(secret)
	aead, _ := cipher.NewGCM(block)
	b := []byte(randHex(16))
	id := fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32])
	k := &key{
		id: id, arn: fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", s.region, AccountID, id),
		usage: usage, spec: spec, state: "Enabled", created: time.Now(),
		aead: aead, denied: map[string]bool{},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = k
	return k.arn
}

// SetAlias points alias ("alias/name") at key, creating or moving it.
func (s *Server) SetAlias(alias, keyID string) {
	if !strings.HasPrefix(alias, "alias/") {
		panic("kmsfake: alias must start with alias/: " + alias)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aliases[alias] = s.mustKey(keyID).id
}

// DisableKey disables key: it still describes, but cannot encrypt or
// decrypt (DisabledException).
func (s *Server) DisableKey(keyID string) { s.setState(keyID, "Disabled") }

// EnableKey enables key again.
func (s *Server) EnableKey(keyID string) { s.setState(keyID, "Enabled") }

// ScheduleKeyDeletion puts key in PendingDeletion: cryptographic
// operations fail with KMSInvalidStateException.
func (s *Server) ScheduleKeyDeletion(keyID string) { s.setState(keyID, "PendingDeletion") }

func (s *Server) setState(keyID, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustKey(keyID).state = state
}

// Deny makes the given operations on key fail with AccessDeniedException,
// as a key policy without the permission would; no operations means all.
func (s *Server) Deny(keyID string, ops ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.mustKey(keyID)
	if len(ops) == 0 {
		ops = []string{"*"}
	}
	for _, op := range ops {
		k.denied[op] = true
	}
}

// Allow lifts every Deny on key.
func (s *Server) Allow(keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.mustKey(keyID).denied)
}

// ReportKeyID is the hostile mode: from now on every response about key
// (DescribeKey's KeyId and Arn, the KeyId of Encrypt, Decrypt and
// GenerateDataKey) names reportedARN instead, and a Decrypt naming
// reportedARN is answered with key, as an endpoint that lies about which
// key it used would. The cryptography still uses key.
func (s *Server) ReportKeyID(keyID, reportedARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lies[s.mustKey(keyID).id] = reportedARN
}

// Throttle makes the next n requests fail with ThrottlingException.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// Calls reports how many requests for op the fake received, whatever their
// outcome (throttled and rejected ones included).
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

func (s *Server) mustKey(keyID string) *key {
	k, err := s.resolve(keyID)
	if err != nil {
		panic("kmsfake: " + err.Error())
	}
	return k
}

// apiError is a KMS error response: its __type, message and HTTP status.
type apiError struct {
	status    int
	typ, text string
}

func (e *apiError) Error() string { return e.typ + ": " + e.text }

func errorf(typ, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typ, text: fmt.Sprintf(format, args...)}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, errorf("SerializationException", "cannot read request body"))
		return
	}
	target, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	handler := s.handlers()[target]
	if r.Method != http.MethodPost || !ok || handler == nil {
		writeError(w, errorf("UnknownOperationException", ""))
		return
	}
	s.mu.Lock()
	s.calls[target]++
	s.mu.Unlock()
	if aerr := s.verify(r, body); aerr != nil {
		writeError(w, aerr)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != jsonContentType {
		writeError(w, errorf("SerializationException", "unexpected Content-Type %q", ct))
		return
	}
	s.mu.Lock()
	throttled := s.throttle > 0
	if throttled {
		s.throttle--
	}
	s.mu.Unlock()
	if throttled {
		writeError(w, errorf("ThrottlingException", "Rate exceeded"))
		return
	}
	out, aerr := handler(body)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("X-Amzn-RequestId", randHex(16))
	_ = json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("X-Amzn-RequestId", randHex(16))
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.typ, "message": e.text})
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
