package authserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// newRelyingParty is the WebAuthn relying party of public_url: its host
// is the RP ID and its origin the one origin a passkey ceremony may come
// from.
func newRelyingParty(issuer string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("passkeys: public_url %q has no host", issuer)
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "mcpgate",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
	})
}

// passkeyUser is a user as the WebAuthn library sees it: the user handle
// is mcpgate's user id, so a discoverable sign-in names its user.
type passkeyUser struct {
	id, name string
	keys     []store.Passkey
}

func (u passkeyUser) WebAuthnID() []byte          { return []byte(u.id) }
func (u passkeyUser) WebAuthnName() string        { return u.name }
func (u passkeyUser) WebAuthnDisplayName() string { return u.name }

func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(u.keys))
	for _, p := range u.keys {
		out = append(out, credential(p))
	}
	return out
}

// find returns the stored passkey with the credential id.
func (u passkeyUser) find(credID []byte) (store.Passkey, bool) {
	for _, p := range u.keys {
		if bytes.Equal(p.CredentialID, credID) {
			return p, true
		}
	}
	return store.Passkey{}, false
}

func credential(p store.Passkey) webauthn.Credential {
	ts := make([]protocol.AuthenticatorTransport, 0, len(p.Transports))
	for _, t := range p.Transports {
		ts = append(ts, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID: p.CredentialID, PublicKey: p.PublicKey, AttestationType: p.AttestationType, Transport: ts,
		Flags:         webauthn.NewCredentialFlags(protocol.AuthenticatorFlags(p.Flags)),
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount, CloneWarning: p.CloneWarning},
	}
}

// loadPasskeyUser reads the user id's passkeys; store.ErrNotFound if the
// user has none (or does not exist).
func (s *Server) loadPasskeyUser(ctx context.Context, id string) (passkeyUser, error) {
	if id == "" {
		return passkeyUser{}, store.ErrNotFound
	}
	keys, err := s.st.User(id).Passkeys(ctx)
	if err != nil {
		return passkeyUser{}, err
	}
	if len(keys) == 0 {
		return passkeyUser{}, store.ErrNotFound
	}
	return passkeyUser{id: id, name: id, keys: keys}, nil
}

// userName is the display name of the user id, for a new passkey.
func (s *Server) userName(ctx context.Context, id string) (string, error) {
	users, err := s.st.Privileged().ListUsers(ctx)
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if u.ID == id {
			return u.Name, nil
		}
	}
	return "", store.ErrNotFound
}

var errClone = errors.New("the passkey's sign count did not increase: it may have been copied")
