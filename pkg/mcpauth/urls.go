package mcpauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// checkURL refuses a URL mcpgate would send a request or a person to,
// unless it is https (or plain http to a loopback address when
// allowLoopbackHTTP). what names the URL in the error.
func checkURL(what, raw string, allowLoopbackHTTP bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q is not an absolute URL without credentials or fragment", what, raw)
	}
	switch {
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && allowLoopbackHTTP && isLoopback(u.Hostname()):
		return u, nil
	}
	return nil, fmt.Errorf("%s %q does not use https: mcpgate only sends credentials over https", what, raw)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// wellKnownPRM lists where RFC 9728 puts the metadata of the resource at
// server: under the server's path, then at the root, with the resource
// each must name.
func wellKnownPRM(server *url.URL) []prmCandidate {
	var out []prmCandidate
	p := strings.TrimRight(server.EscapedPath(), "/")
	if p != "" {
		u := *server
		u.RawQuery, u.Path, u.RawPath = "", "/.well-known/oauth-protected-resource"+server.Path, ""
		out = append(out, prmCandidate{URL: u.String(), Resource: server.String()})
	}
	root := *server
	root.RawQuery, root.Path, root.RawPath = "", "/.well-known/oauth-protected-resource", ""
	res := *server
	res.RawQuery, res.Path, res.RawPath = "", "", ""
	if p == "" {
		out = append(out, prmCandidate{URL: root.String(), Resource: server.String()})
	} else {
		// The root's metadata names the origin, or the server itself.
		out = append(out, prmCandidate{URL: root.String(), Resource: res.String(), Also: server.String()})
	}
	return out
}

type prmCandidate struct{ URL, Resource, Also string }

// asMetadataURLs lists where an issuer's metadata may be: RFC 8414 with
// path insertion, then OpenID Connect discovery (inserted, then appended).
func asMetadataURLs(issuer *url.URL) []string {
	p := strings.TrimRight(issuer.Path, "/")
	at := func(path string) string {
		u := *issuer
		u.RawQuery, u.Path, u.RawPath = "", path, ""
		return u.String()
	}
	if p == "" {
		return []string{at("/.well-known/oauth-authorization-server"), at("/.well-known/openid-configuration")}
	}
	return []string{
		at("/.well-known/oauth-authorization-server" + p),
		at("/.well-known/openid-configuration" + p),
		at(p + "/.well-known/openid-configuration"),
	}
}
