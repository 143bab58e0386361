// Package secret holds credential values in a type that refuses to print
// itself, so a careless %v, slog attribute or JSON encoding cannot leak it.
package secret
