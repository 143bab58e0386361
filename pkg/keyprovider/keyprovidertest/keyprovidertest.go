// Package keyprovidertest is the conformance suite every key provider must
// pass.
package keyprovidertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"sync"
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
		fromB, err := b.Wrap(ctx, dek, aad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Unwrap(ctx, fromB, aad); !errors.Is(err, keyprovider.ErrWrongKey) {
			t.Fatalf("Unwrap of b's wrap with a: got %v, want ErrWrongKey", err)
		}
	})
	t.Run("empty context", func(t *testing.T) {
		w, err := a.Wrap(ctx, dek, nil)
		if err != nil {
			t.Fatalf("Wrap with empty aad: %v", err)
		}
		for _, empty := range [][]byte{nil, {}} {
			got, err := a.Unwrap(ctx, w, empty)
			if err != nil || !bytes.Equal(got, dek) {
				t.Fatalf("Unwrap with empty aad %#v: got %v, want the DEK", empty, err)
			}
		}
		if _, err := a.Unwrap(ctx, w, aad); !errors.Is(err, keyprovider.ErrWrongKey) {
			t.Fatalf("Unwrap of an empty-aad wrap with aad %q: got %v, want ErrWrongKey", aad, err)
		}
		if _, err := a.Unwrap(ctx, wrapped, nil); !errors.Is(err, keyprovider.ErrWrongKey) {
			t.Fatalf("Unwrap with empty aad of a wrap bound to %q: got %v, want ErrWrongKey", aad, err)
		}
	})
	t.Run("concurrent use", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ad := []byte{'u', byte(i)}
				w, err := a.Wrap(ctx, dek, ad)
				if err == nil {
					var got []byte
					if got, err = a.Unwrap(ctx, w, ad); err == nil && !bytes.Equal(got, dek) {
						err = errors.New("Unwrap returned another key")
					}
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent round trip: %v", err)
			}
		}
	})
}

// RunReopen checks what holds across two opens of the same configuration:
// the KeyID is stable (it is stored beside every wrapped DEK), each opening
// unwraps the other's wraps, and Close is safe to call twice. open must
// return a new provider for the same KEK on every call.
func RunReopen(t *testing.T, open func(t *testing.T) keyprovider.Provider) {
	ctx := context.Background()
	a, b := open(t), open(t)
	if a.KeyID() != b.KeyID() {
		t.Fatalf("KeyID changed across opens: %q then %q", a.KeyID(), b.KeyID())
	}
	dek := make([]byte, 32)
	if _, err := rand.Read(dek); err != nil {
		t.Fatal(err)
	}
	aad := []byte("user:carol")
	w, err := a.Wrap(ctx, dek, aad)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	got, err := b.Unwrap(ctx, w, aad)
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("Unwrap by a second opening: got %v, want the DEK", err)
	}
	for _, p := range []keyprovider.Provider{a, b} {
		if err := p.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := p.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
}
