// Package awskms is the key provider whose KEK is an AWS KMS symmetric
// encryption key: the key material never leaves KMS, and every wrap and
// unwrap is an Encrypt or Decrypt call that CloudTrail logs.
//
// # URL
//
//	awskms://alias/NAME[?region=R][&endpoint=URL][&timeout=10s]
//	awskms://KEY-ID?region=R
//	awskms:///arn:aws:kms:REGION:ACCOUNT:key/KEY-ID   (note the three slashes)
//
// A key or alias ARN carries its region; otherwise region= or the standard
// AWS region settings (AWS_REGION, the shared config profile) decide.
// endpoint= overrides the KMS endpoint (VPC or FIPS endpoints); it must be
// https, except on loopback for tests. timeout= bounds each call, retries
// included (default 10s). Credentials come from the standard AWS chain
// (environment, shared config and credentials files, SSO, web identity,
// ECS task role, EC2 instance role); the URL never carries them.
//
// # Key identity
//
// Open calls DescribeKey and refuses a key that is not Enabled, not
// ENCRYPT_DECRYPT or not SYMMETRIC_DEFAULT. An alias is resolved there to
// the key's ARN, and the provider then names that ARN in every call:
// KeyID() is "awskms:" + ARN, so DEKs record the key itself, not the alias.
// If the alias is moved to a new key, a newly started mcpgate reports a
// different KeyID and the DEKs wrapped before are recognisably under the
// old key (run `mcpgate vault rotate-kek` to move them). KMS's own automatic
// key rotation keeps the ARN, so it does not change KeyID and needs nothing.
//
// # Encryption context
//
// Wrap calls Encrypt with EncryptionContext {"mcpgate_aad": base64(aad)}
// (standard, padded base64; no context at all when aad is empty); Unwrap
// calls Decrypt with the same context and the key ARN as KeyId. The aad
// names the user, so a wrapped DEK copied to another user fails to decrypt,
// and CloudTrail shows whose DEK each call touched. A wrapped DEK is a
// version byte (1) followed by the KMS ciphertext blob; to decrypt one by
// hand, strip the first byte and pass the same encryption context to
// `aws kms decrypt`.
//
// # Errors
//
// InvalidCiphertextException and IncorrectKeyException (another key's blob,
// another context, changed bytes) are keyprovider.ErrWrongKey. A disabled
// key, a key pending deletion, a denied permission, an unknown key, a
// wrong region, rejected credentials, and an endpoint that cannot be
// reached are errors that name the cause and the fix, never ErrWrongKey.
// Throttling and transient errors are retried by the SDK's standard
// retryer with jittered exponential backoff within the per-call deadline.
//
// # Permissions
//
// The identity mcpgate runs as needs, on the key (key policy, or IAM policy
// where the key policy delegates to IAM): kms:Encrypt, kms:Decrypt and
// kms:DescribeKey. A minimal key policy statement:
//
//	{
//	  "Sid": "mcpgate",
//	  "Effect": "Allow",
//	  "Principal": {"AWS": "arn:aws:iam::ACCOUNT:role/mcpgate"},
//	  "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
//	  "Resource": "*"
//	}
//
// Adding a condition on kms:EncryptionContextKeys limited to "mcpgate_aad"
// further restricts the key to mcpgate's use.
package awskms
