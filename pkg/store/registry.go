package store

import (
	"context"
	"net/url"

	"github.com/mcpgate/mcpgate/pkg/urlreg"
)

// Opener opens a Store from a database URL.
type Opener = urlreg.Opener[Store]

var drivers = urlreg.New[Store]("database url")

// Register makes a driver available for the URL scheme. Drivers call it
// from init; registering a scheme twice panics.
func Register(scheme string, o func(ctx context.Context, u *url.URL) (Store, error)) {
	drivers.Register(scheme, o)
}

// Open opens the database at rawURL with the driver its scheme names.
func Open(ctx context.Context, rawURL string) (Store, error) { return drivers.Open(ctx, rawURL) }
