// Package apikey makes, hashes and checks the mgw_ app keys that AI clients
// present to mcpgate, and scrubs them from text.
//
// # Key format
//
// A key is 70 ASCII characters:
//
//	mgw_ <id: 16> _ <secret: 43> <checksum: 6>
//	mgw_ 3kTqZ8wLb2Xc9VdR _ <43 base62 characters> <6 base62 characters>
//
// The id is 16 random base62 characters (about 95 bits). It is public: it is
// the store's key id, shown by `mcpgate key list` and written in the audit
// log, and Verify looks the key up by it. It is random rather than a counter
// so that it says nothing about how many keys exist and so that probing ids
// is hopeless.
//
// The secret is 43 characters drawn uniformly from crypto/rand, 43 × log2(62)
// ≈ 256.03 bits. Only its Argon2id hash is stored.
//
// The checksum is the CRC-32 (IEEE) of everything before it, "mgw_" through
// the last secret character, written as exactly six base62 digits, most
// significant first. It lets secret scanners tell a real key from text that
// merely starts with mgw_, and lets Parse refuse a typo or a truncated paste
// without touching the database. It is not a MAC and protects nothing.
//
// The alphabet is 0-9A-Za-z and the separator is "_", so a key survives
// shells, URLs, JSON and YAML unquoted, and a double-click selects all of it.
//
// # Hashing
//
// Hash stores Argon2id as a PHC string, $argon2id$v=19$m=19456,t=2,p=1$salt$hash,
// and Verify reads the parameters back from the string, so raising them
// later leaves existing keys valid. 19 MiB, 2 passes, 1 lane is OWASP's
// minimum for Argon2id, chosen over RFC 9106's 64 MiB because memory is what
// a flood of wrong keys would exhaust, and because the secret is 256 random
// bits, not a password: no cost setting is what keeps it from being guessed.
//
// # Verifying on the request path
//
// A Verifier looks the key up on every request, so a revoked or regenerated
// key is refused on its very next use. What it caches is only the outcome of
// the Argon2id check, as an HMAC of the secret under a per-process key,
// indexed by key id and stored hash: a regenerated key has a new hash and
// misses. Argon2id runs at most Options.MaxConcurrentHashes at a time, and
// failures are counted per client address, so a flood of wrong keys costs
// bounded memory and CPU. Every key that does not authenticate gets the same
// ErrInvalid.
//
// A refusal takes as long whatever the reason, so its timing does not tell
// which key ids exist: an unknown id or a revoked key is checked against a
// fixed dummy Argon2id hash with the parameters Hash uses, under the same
// concurrency bound and failure budget as a wrong secret for a live key.
// Only a garbled key (wrong length, alphabet or checksum, all public) is
// refused at once.
//
// The failure budget throttles Argon2id work, not clients: a key found in
// the verification cache is accepted without consulting it, so a neighbour
// behind the same NAT who floods wrong keys does not lock out clients whose
// keys are already verified.
package apikey
