// Package fakekit is the part every connector's fake upstream shares: the
// Failure knobs that make a fake misbehave (FailNext), the request counter,
// the last request's headers, and the loopback server's lifecycle.
//
// A fake embeds Base and calls Start from its constructor; Base's methods
// then become the fake's. How a provider answers a server error, a rate
// limit or an echoed token differs at every provider, so the fake passes
// Start a FailureWriter for those; a hang and a captive-portal page look
// the same everywhere and are answered here.
package fakekit
