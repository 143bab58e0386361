// Package gcpkms is the key provider whose KEK is a Google Cloud KMS
// symmetric CryptoKey: the key material never leaves Cloud KMS, and every
// wrap and unwrap is an Encrypt or Decrypt call that Cloud Audit Logs can
// record (enable Data Access logs for Cloud KMS).
//
// # URL
//
//	gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[?timeout=10s][&endpoint=HOST:PORT]
//
// Name the CryptoKey, not a version: Cloud KMS encrypts with the primary
// version and decrypts with whichever version made the ciphertext.
// Credentials are application default credentials (GOOGLE_APPLICATION_CREDENTIALS,
// `gcloud auth application-default login`, or the attached service account
// on GCE, GKE and Cloud Run); the URL never carries them. endpoint=
// overrides the API endpoint (a regional or private endpoint). For tests,
// endpoint=127.0.0.1:PORT&insecure=1 talks plaintext gRPC without
// credentials; insecure=1 is refused for anything but a loopback address.
// timeout= bounds each call, retries included (default 10s).
//
// # Key identity
//
// Open calls GetCryptoKey and refuses a key whose purpose is not
// ENCRYPT_DECRYPT or whose primary version is not ENABLED. KeyID() is
// "gcpkms:" + the CryptoKey name, without a version: rotating the key
// inside Cloud KMS (a new primary version) keeps old ciphertexts
// decryptable, so it is not a KEK change for mcpgate and needs no rewrap.
// Moving to another CryptoKey is, and `mcpgate vault rotate-kek` does it.
//
// # Additional authenticated data
//
// Wrap calls Encrypt with AdditionalAuthenticatedData = aad (which names the
// user), and Unwrap calls Decrypt with the same, so a wrapped DEK moved to
// another user fails to unwrap. A wrapped DEK is a version byte (1)
// followed by the Cloud KMS ciphertext. Every call uses the CRC32C
// integrity fields: plaintext, AAD and ciphertext checksums are sent, the
// verified_* flags and the returned checksums are checked, and a mismatch
// is retried a limited number of times, as Google's data integrity
// guidelines advise.
//
// # Errors
//
// InvalidArgument from Decrypt (another key's ciphertext, another AAD,
// changed bytes) is keyprovider.ErrWrongKey, except a checksum mismatch,
// which is retried. PermissionDenied, NotFound, FailedPrecondition (a
// disabled or destroyed version) and Unauthenticated are errors that name
// the cause and the fix, never ErrWrongKey. Unavailable and
// ResourceExhausted are retried with exponential backoff within the
// per-call deadline.
//
// # Permissions
//
// The service account mcpgate runs as needs, on the key:
// roles/cloudkms.cryptoKeyEncrypterDecrypter (cloudkms.cryptoKeyVersions.useToEncrypt
// and useToDecrypt) and cloudkms.cryptoKeys.get (for example from
// roles/cloudkms.viewer, or a custom role), which Open uses to check the key:
//
//	gcloud kms keys add-iam-policy-binding K --keyring R --location L \
//	  --member serviceAccount:SA --role roles/cloudkms.cryptoKeyEncrypterDecrypter
//	gcloud kms keys add-iam-policy-binding K --keyring R --location L \
//	  --member serviceAccount:SA --role roles/cloudkms.viewer
package gcpkms
