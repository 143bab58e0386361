// Package gcpfake is a fake Google Cloud KMS for tests: an in-process gRPC
// server on a loopback listener implementing the google.cloud.kms.v1
// KeyManagementService methods a key provider uses (Encrypt, Decrypt,
// GetCryptoKey), so the official client talks to it unchanged.
//
// It behaves like Cloud KMS where a client could tell: keys have numbered
// versions and a primary one; ciphertexts are opaque, name the key version
// that made them and are sealed with AES-256-GCM under a per-version secret
// bound to the key name and the additional authenticated data; the CRC32C
// integrity fields are checked and set (a mismatch is INVALID_ARGUMENT);
// errors use the status codes and messages Cloud KMS uses (NotFound,
// PermissionDenied, FailedPrecondition for a disabled or destroyed
// version, InvalidArgument for a ciphertext that does not decrypt).
//
// Knobs: DisableKey, DestroyKey, RotateKey, Deny, FailNext (Unavailable or
// ResourceExhausted N times), CorruptNext (a response whose bytes no longer
// match its checksum), and the hostile ReportName (responses name another
// key than the one used); Calls counts requests per method.
package gcpfake
