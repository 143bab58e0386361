package gateway

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	chain := append([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, loopback...)
	tests := []struct {
		name        string
		remote      string
		xff         []string // one entry per header line
		behindProxy bool
		trusted     []netip.Prefix
		want        string
	}{
		{"direct: the peer", "203.0.113.7:5000", nil, false, loopback, "203.0.113.7"},
		{"direct: X-Forwarded-For is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, false, loopback, "203.0.113.7"},
		{"proxy: the hop it appended", "127.0.0.1:40000", []string{"198.51.100.1"}, true, loopback, "198.51.100.1"},
		{"proxy: spoofed left-most hops are skipped", "127.0.0.1:40000", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, true, loopback, "198.51.100.1"},
		{"proxy: a spoofed trusted-looking hop is not reached", "127.0.0.1:40000", []string{"127.0.0.1, 198.51.100.1"}, true, loopback, "198.51.100.1"},
		{"proxy: garbage on the left is not reached", "127.0.0.1:40000", []string{"not-an-ip, 198.51.100.1"}, true, loopback, "198.51.100.1"},
		{"proxy: several header lines in order", "127.0.0.1:40000", []string{"1.1.1.1", "198.51.100.1"}, true, loopback, "198.51.100.1"},
		{"proxy chain: trusted hops are walked past", "10.0.0.2:40000", []string{"9.9.9.9, 198.51.100.1, 10.0.0.3, 10.0.0.4"}, true, chain, "198.51.100.1"},
		{"proxy chain: a hop with a port", "10.0.0.2:40000", []string{"9.9.9.9, 198.51.100.1:6000, 10.0.0.3"}, true, chain, "198.51.100.1"},
		{"proxy chain: IPv6 hops", "[::1]:40000", []string{"2001:db8::99, [2001:db8::1]:443"}, true, loopback, "2001:db8::1"},
		{"proxy: IPv4-mapped peer", "[::ffff:127.0.0.1]:40000", []string{"198.51.100.1"}, true, loopback, "198.51.100.1"},
		{"untrusted peer: its forged header is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, true, loopback, "203.0.113.7"},
		{"untrusted peer: no trusted proxies configured", "127.0.0.1:40000", []string{"198.51.100.1"}, true, nil, "127.0.0.1"},
		{"proxy: no header", "127.0.0.1:40000", nil, true, loopback, "127.0.0.1"},
		{"proxy: an unreadable appended hop stops at the proxy", "127.0.0.1:40000", []string{"198.51.100.1, unknown"}, true, loopback, "127.0.0.1"},
		{"proxy: every hop trusted", "127.0.0.1:40000", []string{"10.0.0.9, 127.0.0.2"}, true, chain, "10.0.0.9"},
		{"not an IP peer", "@", []string{"198.51.100.1"}, true, loopback, "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/mcp", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, tt.behindProxy, tt.trusted); got != tt.want {
				t.Errorf("clientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}
