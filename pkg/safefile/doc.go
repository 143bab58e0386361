// Package safefile reads the small local files mcpgate trusts — the KEK,
// token files, client secret files — as regular files only, so that a
// FIFO or device in their place fails at once instead of blocking
// forever, and reports files that other accounts can read.
package safefile
