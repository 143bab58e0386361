package appliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// policyKeyID resolves a key name to its id; "" is the user's default
// policy.
func (a *App) policyKeyID(ctx context.Context, u store.User, keyName string) (string, error) {
	if keyName == "" {
		return "", nil
	}
	k, err := a.activeKey(ctx, u, keyName)
	if err != nil {
		return "", err
	}
	return k.ID, nil
}

// SetPolicy stores a policy document for a key (or the default, keyName
// ""), after compiling it: a policy with a bad rule is refused here, not
// at call time.
func (a *App) SetPolicy(ctx context.Context, u store.User, keyName string, doc []byte) error {
	if _, err := guard.Compile(doc); err != nil {
		return err
	}
	id, err := a.policyKeyID(ctx, u, keyName)
	if err != nil {
		return err
	}
	return a.Store.User(u.ID).PutPolicy(ctx, store.Policy{UserID: u.ID, KeyID: id, Body: string(doc), UpdatedAt: time.Now().UTC()})
}

// Policy returns the stored policy document of a key (or the default),
// and whether there is one.
func (a *App) Policy(ctx context.Context, u store.User, keyName string) (string, bool, error) {
	id, err := a.policyKeyID(ctx, u, keyName)
	if err != nil {
		return "", false, err
	}
	p, err := a.Store.User(u.ID).Policy(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read policy: %w", err)
	}
	return p.Body, true, nil
}

// EffectivePolicy returns what applies to a key's calls: the user's default
// policy and the key's own (see guard.Effective).
func (a *App) EffectivePolicy(ctx context.Context, u store.User, keyName string) (guard.Effective, error) {
	k, err := a.activeKey(ctx, u, keyName)
	if err != nil {
		return guard.Effective{}, err
	}
	ps, err := a.Store.User(u.ID).PolicyLayers(ctx, k.ID)
	if err != nil {
		return guard.Effective{}, fmt.Errorf("read policy: %w", err)
	}
	var eff guard.Effective
	for _, p := range ps {
		c, err := guard.Compile([]byte(p.Body))
		if err != nil {
			which := "key " + keyName
			if p.KeyID == "" {
				which = "the default"
			}
			return guard.Effective{}, fmt.Errorf("the stored policy of %s does not compile (%w); replace it with `mcpgate key policy set`", which, err)
		}
		if p.KeyID == "" {
			eff.Default = c
		} else {
			eff.Key = c
		}
	}
	return eff, nil
}

// ClearPolicy deletes a key's (or the default) policy.
func (a *App) ClearPolicy(ctx context.Context, u store.User, keyName string) error {
	id, err := a.policyKeyID(ctx, u, keyName)
	if err != nil {
		return err
	}
	err = a.Store.User(u.ID).DeletePolicy(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// ApplyPolicyFlags adds the CLI's --allow/--deny/--read-only/--rate to a
// key's own policy (creating it); it never removes entries. The user's
// default policy is untouched and still applies to the key.
func (a *App) ApplyPolicyFlags(ctx context.Context, u store.User, keyName string, f guard.Flags) error {
	if len(f.Allow)+len(f.Deny)+len(f.Rates) == 0 && f.ReadOnly == nil {
		return nil
	}
	body, ok, err := a.Policy(ctx, u, keyName)
	if err != nil {
		return err
	}
	var base *guard.Policy
	if ok {
		if base, err = guard.Compile([]byte(body)); err != nil {
			return fmt.Errorf("the stored policy does not compile (%w); replace it with `mcpgate key policy set`", err)
		}
	}
	p, err := guard.Merge(base, f)
	if err != nil {
		return err
	}
	doc, err := p.Marshal()
	if err != nil {
		return err
	}
	return a.SetPolicy(ctx, u, keyName, doc)
}

// UpdateKeyScope replaces the connections a key may use (nil: all).
func (a *App) UpdateKeyScope(ctx context.Context, u store.User, keyName string, scope []string) error {
	k, err := a.activeKey(ctx, u, keyName)
	if err != nil {
		return err
	}
	if err := a.checkScope(ctx, a.Store.User(u.ID), scope); err != nil {
		return err
	}
	k.Scope = scope
	return a.Store.User(u.ID).UpdateAPIKey(ctx, k)
}
