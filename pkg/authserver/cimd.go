package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// KindMetadata is a client identified by the https URL of its Client ID
// Metadata Document, fetched when it is used.
const KindMetadata = "metadata"

// Limits of a metadata document fetch.
const (
	maxMetadataBytes   = 5 << 10
	metadataTimeout    = 5 * time.Second
	minMetadataCache   = time.Minute
	maxMetadataCache   = 24 * time.Hour
	defaultMetaCache   = 5 * time.Minute
	maxMetadataEntries = 1000
)

// IsMetadataClientID reports whether id is a Client ID Metadata Document
// URL rather than a registered client's id.
func IsMetadataClientID(id string) bool { return strings.HasPrefix(id, "https://") }

// checkMetadataURL refuses what a metadata document's URL must not be: not
// https, without a path, with a fragment, credentials, dot segments or a
// query.
func checkMetadataURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "" ||
		u.Path == "" || u.Path == "/" || strings.Contains(u.Path, "/.") || len(raw) > 2000 {
		return nil, errors.New("client_id must be an https URL with a path, without a query, fragment or dot segments")
	}
	return u, nil
}

// metadataFetcher fetches and caches metadata documents.
type metadataFetcher struct {
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]metadataEntry
}

type metadataEntry struct {
	c       store.OAuthClient
	expires time.Time
}

// errPrivateAddress is the dialer's refusal.
var errPrivateAddress = errors.New("the client_id's host resolves to a loopback, private or link-local address")

// newMetadataFetcher returns a fetcher whose connections go only to public
// addresses unless allowPrivate: the check is made on the address actually
// dialled, after resolution, so a name that resolves (or rebinds) to a
// private address is refused too.
func newMetadataFetcher(allowPrivate bool, now func() time.Time) *metadataFetcher {
	dialer := &net.Dialer{Timeout: metadataTimeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return errPrivateAddress
		}
		a := ap.Addr().Unmap()
		if !allowPrivate && (a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
			a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast()) {
			return errPrivateAddress
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy: nil, DialContext: dialer.DialContext, TLSHandshakeTimeout: metadataTimeout,
		ResponseHeaderTimeout: metadataTimeout, MaxResponseHeaderBytes: 16 << 10, DisableCompression: true,
	}
	return &metadataFetcher{
		client: &http.Client{Transport: tr, Timeout: metadataTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("the client metadata document must not redirect")
		}},
		now:   now,
		cache: map[string]metadataEntry{},
	}
}

// client returns the client described by the document at id.
func (f *metadataFetcher) get(ctx context.Context, id string) (store.OAuthClient, error) {
	u, err := checkMetadataURL(id)
	if err != nil {
		return store.OAuthClient{}, err
	}
	now := f.now()
	f.mu.Lock()
	e, ok := f.cache[id]
	f.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.c, nil
	}
	c, ttl, err := f.fetch(ctx, u)
	if err != nil {
		return store.OAuthClient{}, err
	}
	if ttl > 0 {
		f.mu.Lock()
		if len(f.cache) >= maxMetadataEntries {
			f.cache = map[string]metadataEntry{}
		}
		f.cache[id] = metadataEntry{c: c, expires: now.Add(ttl)}
		f.mu.Unlock()
	}
	return c, nil
}

func (f *metadataFetcher) fetch(ctx context.Context, u *url.URL) (store.OAuthClient, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return store.OAuthClient{}, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, errPrivateAddress) {
			return store.OAuthClient{}, 0, errPrivateAddress
		}
		return store.OAuthClient{}, 0, errors.New("the client metadata document could not be fetched in time")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return store.OAuthClient{}, 0, fmt.Errorf("the client metadata document answered %d", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return store.OAuthClient{}, 0, errors.New("the client metadata document is not application/json")
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return store.OAuthClient{}, 0, errors.New("the client metadata document could not be read in time")
	}
	if len(body) > maxMetadataBytes {
		return store.OAuthClient{}, 0, errors.New("the client metadata document is larger than 5 KiB")
	}
	var doc struct {
		ClientID                string   `json:"client_id"`
		ClientName              string   `json:"client_name"`
		RedirectURIs            []string `json:"redirect_uris"`
		TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return store.OAuthClient{}, 0, errors.New("the client metadata document is not a JSON object")
	}
	switch {
	case doc.ClientID != u.String():
		return store.OAuthClient{}, 0, errors.New("the client metadata document's client_id is not its own URL")
	case len(doc.RedirectURIs) == 0 || len(doc.RedirectURIs) > 10:
		return store.OAuthClient{}, 0, errors.New("the client metadata document must list 1 to 10 redirect_uris")
	case doc.TokenEndpointAuthMethod != "" && doc.TokenEndpointAuthMethod != "none":
		return store.OAuthClient{}, 0, errors.New("only public clients (token_endpoint_auth_method none) may use a metadata document")
	}
	for _, r := range doc.RedirectURIs {
		if err := CheckRedirectURI(r); err != nil {
			return store.OAuthClient{}, 0, err
		}
	}
	name := cleanName(doc.ClientName)
	if name == "" {
		name = u.Host
	}
	c := store.OAuthClient{ID: u.String(), Name: name, Kind: KindMetadata, RedirectURIs: doc.RedirectURIs}
	return c, cacheFor(resp.Header.Get("Cache-Control")), nil
}

// cacheFor reads how long a document may be cached: max-age, clamped to a
// minute and a day; no-store or no-cache keep it only a minute (a sign-in
// fetches it at authorize and again at the token endpoint).
func cacheFor(cc string) time.Duration {
	ttl := defaultMetaCache
	for d := range strings.SplitSeq(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			return minMetadataCache
		case strings.HasPrefix(d, "max-age="):
			if n, err := strconv.Atoi(strings.TrimPrefix(d, "max-age=")); err == nil {
				ttl = time.Duration(n) * time.Second
			}
		}
	}
	return min(max(ttl, minMetadataCache), maxMetadataCache)
}

// metadataError is a refused metadata document, with the reason to show.
type metadataError struct{ err error }

func (e *metadataError) Error() string { return e.err.Error() }

// client finds a client: by its metadata document when its id is an https
// URL, else among the registered ones.
func (s *Server) client(ctx context.Context, id string) (store.OAuthClient, error) {
	if IsMetadataClientID(id) {
		c, err := s.metadata.get(ctx, id)
		if err != nil {
			return store.OAuthClient{}, &metadataError{err}
		}
		return c, nil
	}
	return s.st.AuthServer().OAuthClient(ctx, id)
}
