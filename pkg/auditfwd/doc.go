// Package auditfwd forwards the audit log to a SIEM: a syslog server
// (RFC 5424 messages over TCP or TLS, octet-counted as RFC 6587 frames
// them) or a JSON webhook (HMAC-SHA-256-signed batches). Delivery is at
// least once and in order per user, from a cursor per user and sink kept
// in the database, so a restart resumes where it stopped and a sink that
// was down gets everything once it is back. Each batch carries, for each
// user it covers, a signed checkpoint of the newest record it holds, so
// that the stream as the SIEM received it proves later what the local log
// held (see Stream and CheckStream). Among several serve replicas, the one
// holding the database lease forwards.
package auditfwd
