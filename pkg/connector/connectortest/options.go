package connectortest

// Options are a connector's opt-outs from Run. Each names one check, or
// one tool's part in it, that the connector skips, and says why; an empty
// reason means the check runs. Run logs every opt-out it honours.
type Options struct {
	// NoValidArgs names tools that have no ValidArgs, with why each
	// cannot succeed against the fake (it needs a client feature the
	// suite does not offer). They still get the argument checks.
	NoValidArgs map[string]string
	// UnmarkedReads names tools not marked read-only whose valid call
	// sends no mutating request, with why they are left to writers.
	UnmarkedReads map[string]string
	// NoIdentify says why the connector has no identity call to refuse
	// a wrong credential at (it is not a registered provider).
	NoIdentify string
	// CancelNotWrapped says why a canceled call's error does not match
	// context.Canceled (it must still return at once).
	CancelNotWrapped string
	// CancelWaits says why a canceled call may take up to five seconds
	// more to return (a best-effort message to the upstream on its way
	// out); it must return by then.
	CancelWaits string
}

// reason returns the opt-out for key in m, or "".
func reason(m map[string]string, key string) string { return m[key] }
