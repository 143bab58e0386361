package awskms

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
)

// call runs one KMS operation under the per-call deadline (the SDK retries
// inside it) and turns a failure into an error that names its cause and
// the fix. Neither the SDK's errors nor these messages carry credentials.
func (p *Provider) call(ctx context.Context, op, key string, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := f(cctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		// The caller gave up; that is not the KMS's fault.
		return fmt.Errorf("kms:%s: %w", op, err)
	}
	return p.explain(op, key, err)
}

func (p *Provider) explain(op, key string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); code {
		case "InvalidCiphertextException", "IncorrectKeyException":
			// Another key's blob, another context, or changed bytes.
			return fmt.Errorf("kms:%s: %s: %w", op, code, keyprovider.ErrWrongKey)
		case "DisabledException":
			return fmt.Errorf("AWS KMS key %s is disabled: enable it (aws kms enable-key) or point key_provider at the key now in use: %w", key, err)
		case "KMSInvalidStateException":
			return fmt.Errorf("AWS KMS key %s is not usable in its current state (pending deletion, pending import or unavailable): check it in the KMS console; cancel a scheduled deletion before its waiting period ends: %w", key, err)
		case "AccessDeniedException":
			return fmt.Errorf("access denied to AWS KMS key %s for kms:%s: the identity mcpgate runs as needs kms:Encrypt, kms:Decrypt and kms:DescribeKey on the key (key policy or IAM policy): %w", key, op, err)
		case "NotFoundException":
			return fmt.Errorf("AWS KMS key %s not found in region %s: check the key id or alias, and ?region= (a key id or alias is looked up in that region only): %w", key, p.region, err)
		case "InvalidKeyUsageException":
			return fmt.Errorf("AWS KMS key %s cannot encrypt: mcpgate needs a symmetric encryption key (ENCRYPT_DECRYPT, SYMMETRIC_DEFAULT): %w", key, err)
		case "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "IncompleteSignatureException", "MissingAuthenticationTokenException":
			return fmt.Errorf("AWS rejected mcpgate's credentials for kms:%s: check the AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance or task role) and that the credentials have not expired: %w", op, err)
		case "InvalidSignatureException":
			if strings.Contains(ae.ErrorMessage(), "region") {
				return fmt.Errorf("AWS KMS at %s expects requests for another region than %s: set ?region= (or AWS_REGION) to the key's region, or use the key ARN: %w", p.endpoint, p.region, err)
			}
			return fmt.Errorf("AWS KMS rejected the request signature for kms:%s: check the secret access key and this host's clock: %w", op, err)
		}
		if isThrottle(err) {
			return fmt.Errorf("AWS KMS kept throttling kms:%s after retries: try again later, or raise the KMS request quota: %w", op, err)
		}
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Errorf("AWS KMS at %s did not answer kms:%s within %s: check that this host can reach it and that the region (%s) and ?endpoint= are right: %w", p.endpoint, op, p.timeout, p.region, err)
	case errors.As(err, &oe):
		return fmt.Errorf("cannot reach AWS KMS at %s for kms:%s: check the region (%s), ?endpoint= and the network: %w", p.endpoint, op, p.region, err)
	}
	return fmt.Errorf("kms:%s: %w", op, err)
}

func isThrottle(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	_, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]
	return ok
}
