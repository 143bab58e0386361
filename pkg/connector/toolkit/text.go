package toolkit

// Clip bounds upstream text that ends up in a message, cutting on a rune
// boundary and marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Detail returns ": msg", or "" when msg is empty, for appending what an
// upstream said to a sentence of ours without a dangling colon.
func Detail(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}
