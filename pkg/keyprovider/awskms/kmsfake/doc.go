// Package kmsfake is a fake AWS KMS for tests: an HTTP server on loopback
// that speaks the KMS wire protocol the real service speaks (AWS JSON 1.1,
// X-Amz-Target: TrentService.<Operation>), so the real SDK client talks to
// it unchanged.
//
// It is faithful where a client could tell the difference:
//
//   - every request must carry a valid SigV4 Authorization header for the
//     fake's credentials, service "kms" and region; the signature is
//     recomputed over the received method, path, signed headers and body;
//   - errors have the real shape: HTTP 400 with
//     {"__type":"DisabledException","message":"..."} and the same
//     exception names (AccessDeniedException, NotFoundException,
//     InvalidCiphertextException, IncorrectKeyException,
//     KMSInvalidStateException, ThrottlingException, ...);
//   - ciphertext blobs are opaque, name the key that made them, and are
//     sealed with AES-256-GCM under a secret that never leaves the fake,
//     bound to the key and the encryption context.
//
// Operations: Encrypt, Decrypt, DescribeKey, GenerateDataKey. Knobs:
// DisableKey, ScheduleKeyDeletion, Deny, Throttle, and the hostile
// ReportKeyID (responses name another key than the one used); Calls counts requests per
// operation (a test can assert that a cache spares the KMS).
package kmsfake
