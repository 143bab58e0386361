// Package toolkit holds what every upstream connector (github, slack,
// google, dropbox) needs in the same form: decoding a tool's arguments with
// errors the model can act on, building closed JSON Schemas for them,
// keeping the credential out of results and errors, and explaining a
// request that got no answer.
//
// It exists so that these promises are written once: a connector that uses
// Prepare decodes and normalises its arguments before the guard sees them,
// hands its body only that normalised value, and cannot forget to scrub a
// result (the gateway, not the connector, bounds its size); every connector words
// an argument or transport problem the same way. What differs between
// providers (their error documents, their sentinels, their URLs) stays in
// the connector; the helpers take it as arguments.
package toolkit
