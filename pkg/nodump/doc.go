// Package nodump marks the process non-dumpable at start: no core file
// (which would hold unwrapped DEKs, tokens and the KEK) is written when it
// crashes, and other processes of the same account cannot attach to it or
// read its memory through /proc. On systems other than Linux it does
// nothing; there, limit core files with the service manager.
package nodump
