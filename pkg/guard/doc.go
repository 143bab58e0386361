// Package guard decides whether a tool call may run. Every call gets a
// Decision naming the rule that made it.
package guard
