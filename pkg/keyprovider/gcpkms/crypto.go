package gcpkms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/kms/apiv1/kmspb"
	gax "github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
)

// errCorrupted marks a response whose checksums do not match its bytes.
var errCorrupted = errors.New("response from Cloud KMS failed its CRC32C integrity check (corrupted in transit)")

// Wrap encrypts dek under the key's primary version with aad as the
// additional authenticated data, checking the CRC32C fields both ways.
func (p *Provider) Wrap(ctx context.Context, dek, aad []byte) ([]byte, error) {
	if len(dek) == 0 || len(dek) > 64<<10 {
		return nil, fmt.Errorf("gcpkms wrap: DEK is %d bytes, want 1 to 65536", len(dek))
	}
	req := &kmspb.EncryptRequest{
		Name: p.name, Plaintext: dek, PlaintextCrc32C: wrapperspb.Int64(crc(dek)),
		AdditionalAuthenticatedData: aad,
	}
	if len(aad) > 0 {
		req.AdditionalAuthenticatedDataCrc32C = wrapperspb.Int64(crc(aad))
	}
	var ct []byte
	err := p.call(ctx, "Encrypt", func(ctx context.Context, retry gax.CallOption) error {
		resp, err := p.client.Encrypt(ctx, req, retry)
		switch {
		case err != nil:
			return err
		case !resp.GetVerifiedPlaintextCrc32C(),
			len(aad) > 0 && !resp.GetVerifiedAdditionalAuthenticatedDataCrc32C(),
			resp.GetCiphertextCrc32C() == nil || resp.GetCiphertextCrc32C().GetValue() != crc(resp.GetCiphertext()):
			return errCorrupted
		case !strings.HasPrefix(resp.GetName(), p.name+"/cryptoKeyVersions/"):
			return fmt.Errorf("encrypted by %s, not by a version of %s", resp.GetName(), p.name)
		}
		ct = resp.GetCiphertext()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gcpkms wrap: %w", err)
	}
	return append([]byte{wrapVersion}, ct...), nil
}

// Unwrap decrypts wrapped with the key and aad, checking the CRC32C fields
// both ways.
func (p *Provider) Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) < 2 || wrapped[0] != wrapVersion {
		return nil, keyprovider.ErrWrongKey
	}
	ct := wrapped[1:]
	req := &kmspb.DecryptRequest{
		Name: p.name, Ciphertext: ct, CiphertextCrc32C: wrapperspb.Int64(crc(ct)),
		AdditionalAuthenticatedData: aad,
	}
	if len(aad) > 0 {
		req.AdditionalAuthenticatedDataCrc32C = wrapperspb.Int64(crc(aad))
	}
	var dek []byte
	err := p.call(ctx, "Decrypt", func(ctx context.Context, retry gax.CallOption) error {
		resp, err := p.client.Decrypt(ctx, req, retry)
		switch {
		case err != nil:
			return err
		case resp.GetPlaintextCrc32C() == nil || resp.GetPlaintextCrc32C().GetValue() != crc(resp.GetPlaintext()):
			return errCorrupted
		}
		dek = resp.GetPlaintext()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gcpkms unwrap: %w", err)
	}
	return dek, nil
}

// call runs f under the per-call deadline, with a gax retry option that
// retries Unavailable, ResourceExhausted and DeadlineExceeded answers with
// backoff; tries again a limited number of times when checksums do not
// match; and explains a failure.
func (p *Provider) call(ctx context.Context, op string, f func(context.Context, gax.CallOption) error) error {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var last error // the last answer gax retried, which a deadline would hide
	retry := gax.WithRetry(func() gax.Retryer {
		return &recorder{Retryer: gax.OnCodes(retryCodes, p.backoff), last: &last}
	})
	var err error
	for range integrityAttempts {
		if err = f(cctx, retry); !isIntegrityError(err) {
			break
		}
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("cloudkms %s: %w", op, err)
	}
	if last != nil && (errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded) {
		// Explain the failures that used up the time, not the deadline.
		err = fmt.Errorf("%w; then %w", last, err)
	}
	return p.explain(op, err)
}

var retryCodes = []codes.Code{codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded}

// recorder is a gax.Retryer that remembers the last Unavailable or
// ResourceExhausted answer (not the DeadlineExceeded of a call cut short by
// the deadline itself).
type recorder struct {
	gax.Retryer
	last *error
}

func (r *recorder) Retry(err error) (time.Duration, bool) {
	if c := status.Code(err); c == codes.Unavailable || c == codes.ResourceExhausted {
		*r.last = err
	}
	return r.Retryer.Retry(err)
}

// isIntegrityError reports a checksum mismatch either way: ours on the
// response, or the server's INVALID_ARGUMENT on the request.
func isIntegrityError(err error) bool {
	if errors.Is(err, errCorrupted) {
		return true
	}
	s, ok := status.FromError(err)
	return ok && s.Code() == codes.InvalidArgument && strings.Contains(strings.ToLower(s.Message()), "checksum")
}

func (p *Provider) explain(op string, err error) error {
	if isIntegrityError(err) {
		// Never ErrWrongKey: the data may be fine, the transport is not.
		return fmt.Errorf("cloudkms %s: checksums still mismatched after %d attempts: check for a proxy or middlebox altering traffic to %s: %w", op, integrityAttempts, p.endpoint, err)
	}
	s, ok := status.FromError(err)
	if !ok || s.Code() == codes.DeadlineExceeded {
		if errors.Is(err, context.DeadlineExceeded) || s.Code() == codes.DeadlineExceeded {
			return fmt.Errorf("no answer from Cloud KMS at %s to %s within %s: check that this host can reach it, and the endpoint: %w", p.endpoint, op, p.timeout, err)
		}
		return fmt.Errorf("cloudkms %s: %w", op, err)
	}
	switch s.Code() {
	case codes.InvalidArgument:
		if op == "Decrypt" {
			// Another key's ciphertext, another AAD, or changed bytes.
			return fmt.Errorf("cloudkms Decrypt (%s): %w", strings.TrimSuffix(s.Message(), "."), keyprovider.ErrWrongKey)
		}
		return fmt.Errorf("cloudkms %s with key %s: request rejected: %w", op, p.name, err)
	case codes.PermissionDenied:
		return fmt.Errorf("permission denied on Cloud KMS key %s for %s: grant the service account mcpgate runs as roles/cloudkms.cryptoKeyEncrypterDecrypter on the key, and cloudkms.cryptoKeys.get (e.g. roles/cloudkms.viewer); Cloud KMS also answers this for a key that does not exist, so check the key name: %w", p.name, op, err)
	case codes.NotFound:
		return fmt.Errorf("key %s not found in Cloud KMS: check the project, location, key ring and key name in the URL: %w", p.name, err)
	case codes.FailedPrecondition:
		return fmt.Errorf("key %s cannot %s now: the key version is disabled or destroyed; enable it (gcloud kms keys versions enable), or restore a version scheduled for destruction before it is destroyed: %w", p.name, op, err)
	case codes.Unauthenticated:
		return fmt.Errorf("credentials rejected by Cloud KMS: check application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, the attached service account): %w", err)
	case codes.Unavailable, codes.ResourceExhausted:
		return fmt.Errorf("calls to Cloud KMS at %s kept failing %s (%s) until the %s deadline: check network access to it, or the project's Cloud KMS quota: %w", p.endpoint, op, s.Code(), p.timeout, err)
	}
	return fmt.Errorf("cloudkms %s: %w", op, err)
}
