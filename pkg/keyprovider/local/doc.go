// Package local is the key provider whose KEK is 32 random bytes in a file
// (mode 0600, in a 0700 directory), opened as local:///path/to/kek.
package local
