package keyprovider

import (
	"context"
	"errors"
	"net/url"

	"github.com/mcpgate/mcpgate/pkg/urlreg"
)

// ErrWrongKey means a wrapped key was not made by this provider's KEK, or
// was made for another context, or was changed: it must not be used.
var ErrWrongKey = errors.New("wrapped key does not open with this KEK")

// Provider wraps DEKs under a KEK. Implementations are safe for concurrent
// use.
//
// Wrap and Unwrap take the context the wrapped key is bound to (for example
// the user id); Unwrap with another context fails with ErrWrongKey, as do
// truncated or tampered input and a blob wrapped by another KEK. Any other
// error (a KMS that cannot be reached) is returned as is and means "try
// again later", never "the data is bad".
type Provider interface {
	// KeyID names the KEK (and its version) that Wrap uses; it is stored
	// beside each wrapped DEK.
	KeyID() string
	Wrap(ctx context.Context, dek, aad []byte) ([]byte, error)
	Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error)
	// Close releases the provider; safe to call more than once.
	Close() error
}

// Opener opens a Provider from its URL.
type Opener = urlreg.Opener[Provider]

var providers = urlreg.New[Provider]("key provider")

// Register makes a provider available for the URL scheme; providers call it
// from init.
func Register(scheme string, o func(ctx context.Context, u *url.URL) (Provider, error)) {
	providers.Register(scheme, o)
}

// Open opens the provider rawURL names.
func Open(ctx context.Context, rawURL string) (Provider, error) { return providers.Open(ctx, rawURL) }
