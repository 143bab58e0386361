// Package connectortest is the test kit every upstream connector's tests
// share: helpers that call a tool and fail the test if the credential
// leaks into its result or error, and drivers for the checks every
// connector must pass the same way (tool metadata, refused arguments,
// answers from the fake, the failure matrix, timeouts and cancellation).
// Contract tests share RunContract (every tool called through a recording
// transport), ModuleDir (where the SDK that describes the API lies) and
// ReadsOnly (fields the connector reads that the SDK's type lacks).
//
// A connector's tests declare one Suite with the registry name, the canary
// token its fake accepts, how to start that fake, and arguments each tool
// accepts; the drivers then run against it. What only one provider does
// (Slack's error codes, Google's scopes) stays in that connector's tests.
package connectortest
