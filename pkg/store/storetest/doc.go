// Package storetest is the conformance suite every store driver must pass:
// Run it from the driver's tests with a function that opens a fresh,
// empty database.
//
// Besides each method's contract and its sentinel errors, the suite checks
// the property the store exists to keep: a handle scoped to one user can
// neither read nor change another user's rows, in any per-user table.
package storetest
