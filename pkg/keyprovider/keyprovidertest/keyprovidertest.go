// Package keyprovidertest is the conformance suite every key provider must
// pass.
package keyprovidertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
)

// Run checks a provider's contract. a and b must be providers with two
// different KEKs.
func Run(t *testing.T, a, b keyprovider.Provider) {
	ctx := context.Background()
	dek := make([]byte, 32)
	if _, err := rand.Read(dek); err != nil {
		t.Fatal(err)
	}
	aad := []byte("user:alice")
	wrapped, err := a.Wrap(ctx, dek, aad)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}

	t.Run("round trip", func(t *testing.T) {
		got, err := a.Unwrap(ctx, wrapped, aad)
		if err != nil {
			t.Fatalf("Unwrap: %v", err)
		}
		if !bytes.Equal(got, dek) {
			t.Fatal("Unwrap returned another key")
		}
	})
	t.Run("two wraps differ", func(t *testing.T) {
		again, err := a.Wrap(ctx, dek, aad)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(again, wrapped) {
			t.Fatal("two wraps of the same DEK are identical")
		}
	})
	t.Run("key ids differ", func(t *testing.T) {
		if a.KeyID() == "" || a.KeyID() == b.KeyID() {
			t.Fatalf("KeyID a=%q b=%q: want distinct, non-empty", a.KeyID(), b.KeyID())
		}
	})
	bad := map[string]func() ([]byte, []byte){
		"wrong context": func() ([]byte, []byte) { return wrapped, []byte("user:bob") },
		"truncated":     func() ([]byte, []byte) { return wrapped[:len(wrapped)-1], aad },
		"empty":         func() ([]byte, []byte) { return nil, aad },
		"tampered": func() ([]byte, []byte) {
			c := bytes.Clone(wrapped)
			c[len(c)/2] ^= 1
			return c, aad
		},
	}
	for name, in := range bad {
		t.Run(name+" fails", func(t *testing.T) {
			w, ad := in()
			if _, err := a.Unwrap(ctx, w, ad); !errors.Is(err, keyprovider.ErrWrongKey) {
				t.Fatalf("Unwrap: got %v, want ErrWrongKey", err)
			}
		})
	}
	t.Run("wrong key fails", func(t *testing.T) {
		if _, err := b.Unwrap(ctx, wrapped, aad); !errors.Is(err, keyprovider.ErrWrongKey) {
			t.Fatalf("Unwrap with another KEK: got %v, want ErrWrongKey", err)
		}
	})
}
