package apikey

import "errors"

// Errors callers match with errors.Is.
var (
	// ErrMalformed means a string is not an mgw_ key at all: wrong length,
	// prefix, alphabet or checksum. Parse returns it, wrapped with the reason.
	// Verifier.Verify never does; it answers ErrInvalid instead so that a
	// caller cannot tell a garbled key from a wrong one.
	ErrMalformed = errors.New("malformed api key")

	// ErrInvalid is the one answer for a key that does not authenticate:
	// malformed, unknown, revoked, regenerated or simply wrong. Callers turn
	// it into one identical 401.
	ErrInvalid = errors.New("invalid api key: check the key, or create a new one with 'mcpgate key create'")

	// ErrRateLimited means the client address has failed too often recently;
	// the key was not checked at all.
	ErrRateLimited = errors.New("too many failed api key attempts from this address: wait a minute and try again")

	// ErrBadHash means a stored hash cannot be used: not an argon2id PHC
	// string, or parameters outside what this package will run. It is the
	// operator's problem, not the client's, so Verifier.Verify reports it
	// wrapped (a 500), never as ErrInvalid.
	ErrBadHash = errors.New("stored api key hash is malformed or has unsupported parameters: regenerate the key with 'mcpgate key regenerate'")
)
