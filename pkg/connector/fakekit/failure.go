package fakekit

import "strconv"

// Failure is a way for a fake to misbehave, set with FailNext.
type Failure int

const (
	// None answers normally.
	None Failure = iota
	// Hang never answers: the handler blocks until the client gives up
	// (its timeout or context fires) or the server is closed.
	Hang
	// Garbage answers 200 with an HTML page, as a captive portal or a
	// misconfigured proxy would.
	Garbage
	// ServerError answers as the provider does when it fails (HTTP 5xx).
	ServerError
	// RateLimit answers as the provider does when a rate limit is reached.
	RateLimit
	// EchoToken answers with an error that quotes the credential the
	// caller sent, to prove the caller scrubs upstream text.
	EchoToken
	// Oversized answers 200 with a JSON document of OversizedBytes that
	// never ends, as a runaway or hostile upstream would; the fake stops
	// writing when the client stops reading (see Base.OversizedSent).
	Oversized
)

// OversizedBytes is how much an Oversized answer would send in all.
const OversizedBytes = 50 << 20

var failureNames = [...]string{"None", "Hang", "Garbage", "ServerError", "RateLimit", "EchoToken", "Oversized"}

// String names f as its constant does, for test names and messages.
func (f Failure) String() string {
	if f >= 0 && int(f) < len(failureNames) {
		return failureNames[f]
	}
	return "Failure(" + strconv.Itoa(int(f)) + ")"
}

// FailNext makes the next n requests fail with f; n < 0 means every
// request until FailNext(None, 0). Failures apply before authentication,
// like a broken proxy in front of the provider would.
func (b *Base) FailNext(f Failure, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failure, b.failLeft = f, n
	if f == None || n == 0 {
		b.failure, b.failLeft = None, 0
	}
}

// take returns the failure for this request and uses one up.
func (b *Base) take() Failure {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.failure
	switch {
	case f == None:
	case b.failLeft > 1:
		b.failLeft--
	case b.failLeft == 1:
		b.failure, b.failLeft = None, 0
	}
	return f
}
