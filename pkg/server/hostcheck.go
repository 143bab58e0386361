package server

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/config"
)

// hostCheck refuses requests that address a name this listener does not
// serve, and browser requests from an origin it does not serve. Together
// they stop DNS rebinding (a page whose name is made to resolve to this
// host sends that name as Host) and cross-site requests, as the MCP
// transport specification asks.
type hostCheck struct {
	listener string          // for the refusal message
	hosts    map[string]bool // lower-case names and IPs, without port
	// anyIP accepts any IP literal as Host: a wildcard listen address
	// serves all of the host's addresses, and an IP literal cannot be a
	// rebound name.
	anyIP bool
	// origins are the allowed Origin values, normalised by parseOrigin:
	// scheme://host:port.
	origins map[string]bool
	hint    string // what to set when a legitimate name is refused
}

func (hc hostCheck) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := hostOnly(r.Host)
		if !hc.allowsHost(host) {
			http.Error(w, "forbidden: the "+hc.listener+" listener does not serve host "+quoteSafe(host)+" ("+hc.hint+")", http.StatusForbidden)
			return
		}
		if values := r.Header.Values("Origin"); len(values) > 0 {
			o, ok := parseOrigin(values[0])
			if len(values) > 1 || !ok || !hc.origins[o] {
				http.Error(w, "forbidden: cross-origin request", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (hc hostCheck) allowsHost(host string) bool {
	if hc.hosts[host] {
		return true
	}
	a, err := netip.ParseAddr(host)
	return hc.anyIP && err == nil && a.Zone() == ""
}

var loopbackNames = []string{"localhost", "127.0.0.1", "::1"}

// gatewayCheck is the main listener's: the names of public_url and
// tls.domains, the listen address, and the loopback names when the
// listener is on loopback or all interfaces; as origins, public_url's
// origin, https://<each of tls.domains> (on 443 and, with TLS, on the
// listen port), and the loopback names and listen address on the bound
// port, in the listener's own scheme.
func gatewayCheck(c *config.Config, bound net.Addr, https bool) hostCheck {
	hc := hostCheck{
		listener: "gateway",
		hosts:    map[string]bool{},
		origins:  map[string]bool{},
		hint:     "set public_url or tls.domains to the name clients use",
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && err == nil {
		// public_url may have a path (a proxy's prefix); its origin has none.
		if o, ok := parseOrigin((&url.URL{Scheme: u.Scheme, Host: u.Host}).String()); ok {
			hc.origins[o] = true
		}
		hc.hosts[strings.ToLower(u.Hostname())] = true
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	port := boundPort(bound, c.Listen)
	for _, d := range c.TLS.Domains {
		d = strings.ToLower(d)
		hc.hosts[d] = true
		hc.origins[makeOrigin("https", d, "443")] = true
		if https {
			hc.origins[makeOrigin("https", d, port)] = true
		}
	}
	lh, _, _ := net.SplitHostPort(c.Listen)
	lh = strings.ToLower(lh)
	wildcard := lh == "" || lh == "0.0.0.0" || lh == "::"
	var local []string
	if !wildcard {
		local = append(local, lh)
	}
	if wildcard || config.IsLoopback(lh) {
		local = append(local, loopbackNames...)
	}
	for _, h := range local {
		hc.hosts[h] = true
		hc.origins[makeOrigin(scheme, h, port)] = true
	}
	return hc
}

// adminCheck is the admin listener's (/metrics, /healthz, /readyz): the
// loopback names and the listen address, or with a wildcard listen
// address, any IP literal; as origins, the same on the bound port over
// plain HTTP.
func adminCheck(listen string, bound net.Addr) hostCheck {
	hc := hostCheck{
		listener: "admin",
		hosts:    map[string]bool{},
		origins:  map[string]bool{},
		hint:     "address it as 127.0.0.1, localhost or the admin.listen address",
	}
	lh, _, _ := net.SplitHostPort(listen)
	lh = strings.ToLower(lh)
	names := loopbackNames
	if lh == "" || lh == "0.0.0.0" || lh == "::" {
		hc.anyIP = true
		hc.hint = "address it by IP address, 127.0.0.1 or localhost"
	} else {
		names = append([]string{lh}, loopbackNames...)
	}
	port := boundPort(bound, listen)
	for _, h := range names {
		hc.hosts[h] = true
		hc.origins[makeOrigin("http", h, port)] = true
	}
	return hc
}

// boundPort is the port a listener actually has (listen may say :0).
func boundPort(bound net.Addr, listen string) string {
	if bound != nil {
		if _, p, err := net.SplitHostPort(bound.String()); err == nil {
			return p
		}
	}
	_, p, _ := net.SplitHostPort(listen)
	return p
}

// parseOrigin reads an Origin header strictly as
// scheme://host[:port] and returns it normalised: lower case, the default
// port written out, an IPv6 address in brackets. "null", user info, a path
// other than "/", a query or a fragment make it unusable.
func parseOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Path != "" && u.Path != "/") {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch {
	case scheme == "http" && port == "":
		port = "80"
	case scheme == "https" && port == "":
		port = "443"
	case scheme != "http" && scheme != "https":
		return "", false
	}
	if u.Hostname() == "" || strings.TrimLeft(port, "0123456789") != "" {
		return "", false
	}
	return makeOrigin(scheme, u.Hostname(), port), true
}

func makeOrigin(scheme, host, port string) string {
	return scheme + "://" + net.JoinHostPort(strings.ToLower(host), port)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(strings.Trim(hostport, "[]"))
}

func quoteSafe(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r > 0x7e {
			return '?'
		}
		return r
	}, s) + `"`
}
