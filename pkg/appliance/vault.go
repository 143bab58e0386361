package appliance

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// RegisterKEK records, authenticated, where the configured KEK lives (the
// key_provider setting), so other processes can open DEKs it wrapped after
// the configured KEK changes.
func (a *App) RegisterKEK(ctx context.Context) error {
	return a.keks.Record(ctx, a.kp, a.Config.KeyProvider)
}

// VaultStatus describes the vault for `vault status`.
type VaultStatus struct {
	Provider   string         `json:"provider"`
	KEKID      string         `json:"kek_id"`
	DEKsByKEK  map[string]int `json:"deks_by_kek"`
	Users      int            `json:"users"`
	OldKEK     int            `json:"deks_under_other_keks"`
	OldDEKs    int            `json:"users_with_old_dek_versions"`
	Unfinished bool           `json:"rotation_unfinished"`
}

// Status counts DEKs per KEK and what a rotation left undone.
func (a *App) Status(ctx context.Context) (VaultStatus, error) {
	st := VaultStatus{Provider: redactURL(a.Config.KeyProvider), KEKID: a.kp.KeyID(), DEKsByKEK: map[string]int{}}
	deks, err := a.Store.Privileged().ListDEKs(ctx)
	if err != nil {
		return st, fmt.Errorf("list DEKs: %w", err)
	}
	perUser := map[string]int{}
	for _, d := range deks {
		st.DEKsByKEK[d.KEKID]++
		perUser[d.UserID]++
		if d.KEKID != st.KEKID {
			st.OldKEK++
		}
	}
	st.Users = len(perUser)
	for _, n := range perUser {
		if n > 1 {
			st.OldDEKs++
		}
	}
	st.Unfinished = st.OldKEK > 0 || st.OldDEKs > 0
	return st, nil
}

// RotateKEK moves every DEK under the KEK at toURL ("" for the configured
// one, to finish an interrupted rotation), creating a local key file that
// does not exist yet. It returns the URL now in use.
func (a *App) RotateKEK(ctx context.Context, toURL string) (vault.KEKResult, string, error) {
	if err := a.RegisterKEK(ctx); err != nil {
		return vault.KEKResult{}, "", fmt.Errorf("record the current KEK: %w", err)
	}
	// DEK rows from an older mcpgate get their MAC while the KEK that
	// proves them is the configured one.
	if _, err := a.Vault.AdoptDEKs(ctx); err != nil {
		return vault.KEKResult{}, "", err
	}
	target, kp := a.Config.KeyProvider, a.kp
	if toURL != "" && toURL != a.Config.KeyProvider {
		if err := createLocalKEK(toURL); err != nil {
			return vault.KEKResult{}, "", err
		}
		p, err := keyprovider.Open(ctx, toURL)
		if err != nil {
			return vault.KEKResult{}, "", fmt.Errorf("open the new KEK: %w", err)
		}
		defer p.Close()
		if err := checkProvider(ctx, p); err != nil {
			return vault.KEKResult{}, "", err
		}
		target, kp = toURL, p
		// The URL comes from the operator; the entry is authenticated
		// with the registry key the current KEK opens.
		if err := a.keks.Record(ctx, p, toURL); err != nil {
			return vault.KEKResult{}, "", fmt.Errorf("record the new KEK: %w", err)
		}
	}
	reg := vault.NewRegistry(a.Store, kp, target)
	defer reg.Close()
	v := vault.New(a.Store, kp, vault.Options{Registry: reg})
	res, err := v.RotateKEK(ctx)
	return res, target, err
}

// RotateDEK rotates the DEKs of the given users.
func (a *App) RotateDEK(ctx context.Context, users []store.User, progress func(store.User, vault.DEKResult)) error {
	for _, u := range users {
		res, err := a.Vault.RotateDEK(ctx, u.ID)
		if err == nil && res.Pending > 0 {
			// The audit keys may still be sealed under the old DEK: seal
			// them under the new one, then let the rotation finish.
			if err = a.AuditKeys.Reseal(ctx, u.ID); err == nil {
				res, err = a.Vault.RotateDEK(ctx, u.ID)
			}
		}
		if err != nil {
			return fmt.Errorf("rotate the DEK of %s: %w", u.Name, err)
		}
		progress(u, res)
	}
	return nil
}

// checkProvider proves a KEK works with a wrap/unwrap round trip.
func checkProvider(ctx context.Context, p keyprovider.Provider) error {
	probe := []byte("mcpgate kek check: 32 bytes long")
	w, err := p.Wrap(ctx, probe, []byte("check"))
	if err == nil {
		_, err = p.Unwrap(ctx, w, []byte("check"))
	}
	if err != nil {
		return fmt.Errorf("the new KEK does not work: %w", err)
	}
	return nil
}

func createLocalKEK(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "local" {
		return nil
	}
	if _, err := os.Stat(u.Path); errors.Is(err, os.ErrNotExist) {
		return local.Create(u.Path)
	}
	return nil
}

// SetKeyProvider writes key_provider into the config file, keeping the
// rest of the file as it is, and returns the file's path; "" (and nothing
// written) when the settings came from no file.
func (a *App) SetKeyProvider(rawURL string) (string, error) {
	path := a.Config.File
	if path == "" {
		return "", nil
	}
	if err := config.SetKeyProvider(path, rawURL); err != nil {
		return "", err
	}
	return path, nil
}
