package vault

import (
	"context"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// PurposeAuditKey names a user's sealed audit keys (the audit chain's HMAC
// key and the checkpoint signing key). A user has one, so its record id is
// the user id: the AAD names the user twice, and a sealed key copied to
// another user fails to open.
const PurposeAuditKey = "audit.keys"

// SealAuditKey seals a user's audit keys under the user's current DEK and
// returns the sealed bytes and the DEK version used.
func (v *Vault) SealAuditKey(ctx context.Context, userID string, keys []byte) ([]byte, int, error) {
	return v.Seal(ctx, userID, PurposeAuditKey, userID, keys)
}

// OpenAuditKey opens what SealAuditKey sealed for the same user.
func (v *Vault) OpenAuditKey(ctx context.Context, userID string, sealed []byte) (secret.Value, error) {
	return v.Open(ctx, userID, PurposeAuditKey, userID, sealed)
}

// CurrentDEKVersion is the version of the user's DEK that Seal uses now.
func (v *Vault) CurrentDEKVersion(ctx context.Context, userID string) (int, error) {
	_, version, err := v.dek(ctx, userID, 0)
	return version, err
}
