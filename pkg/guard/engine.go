package guard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PolicyLoader returns what applies to a call: the user's default policy
// and the key's own, either or both nil; with neither, every call is
// allowed. An error means a policy could not be read; the call is then
// refused. It is called on every call, so a policy changed by the CLI
// applies on the next one; caching is the caller's business.
type PolicyLoader func(ctx context.Context, userID, keyID string) (Effective, error)

// RateCounter counts calls against one rate limit of one key in one fixed
// window. It must atomically record the call if fewer than limit calls are
// recorded for (userID, keyID, ruleID, windowStart), returning the count
// including this call and allowed true; otherwise it records nothing and
// returns the current count and allowed false. Counts must survive restarts
// and be shared by every replica, which is why they live in the store. An
// error means the count is unknown; the call is then refused.
type RateCounter func(ctx context.Context, userID, keyID, ruleID string, windowStart time.Time, limit int) (count int, allowed bool, err error)

// Options tune an Engine.
type Options struct {
	Now func() time.Time // the clock for rate windows; nil: time.Now
}

// Engine is the Guard that applies per-key policies. It is safe for
// concurrent use.
type Engine struct {
	load  PolicyLoader
	rates RateCounter
	now   func() time.Time
}

var _ Guard = (*Engine)(nil)

// New returns an Engine. load is required; rates may be nil only if no
// policy has rate limits, for a call that meets a rate limit without a
// counter is refused.
func New(load PolicyLoader, rates RateCounter, opts Options) *Engine {
	e := &Engine{load: load, rates: rates, now: opts.Now}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// Decide checks c against its key's effective policy (see Effective) in
// this order: deny lists, allow lists, read-only, argument conditions, rate
// limits, each check over the default policy first, then the key's own. The
// first that refuses decides; a call nothing refuses that matches an
// approve pattern, or a rule with action approve whose condition is true,
// is allowed with Approve set (the first such entry is the rule), so it
// runs only once a person approves it, and counts against rate limits
// each time it is tried; a call nothing refuses is allowed by the allow
// pattern it matched (the key's, when both have allow lists), or by
// default-allow. Rate limits count only calls that everything else allowed;
// when several limits match a call, those checked before the one that
// refuses it have counted it.
func (e *Engine) Decide(ctx context.Context, c Call) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, fmt.Errorf("check call: %w", err)
	}
	eff, err := e.load(ctx, c.UserID, c.KeyID)
	if err != nil {
		return Decision{}, fmt.Errorf("load guardrail policy: %w", err)
	}
	if eff.IsZero() {
		return AllowAll{}.Decide(ctx, c)
	}
	return eff.decide(ctx, c, e.rates, e.now)
}

func (e Effective) decide(ctx context.Context, c Call, rates RateCounter, now func() time.Time) (Decision, error) {
	layers := e.layers()
	for _, l := range layers {
		if pat, ok := matchTool(l.p.deny, c.Tool, false); ok {
			return e.decision(false, l.prefix+"deny:"+pat, fmt.Sprintf("tool %s is on %s deny list", c.Tool, l.whose)), nil
		}
	}
	allowedBy := RuleDefaultAllow
	for _, l := range layers {
		if len(l.p.allow) == 0 {
			continue
		}
		pat, ok := matchTool(l.p.allow, c.Tool, false)
		if !ok {
			return e.decision(false, l.prefix+RuleAllowList, fmt.Sprintf("tool %s is not on %s allow list", c.Tool, l.whose)), nil
		}
		allowedBy = l.prefix + "allow:" + pat
	}
	for _, l := range layers {
		if l.p.readOnly && !c.ReadOnly {
			return e.decision(false, l.prefix+RuleReadOnly, fmt.Sprintf("this key is read-only by %s, and tool %s is not annotated read-only", l.by, c.Tool)), nil
		}
	}

	approveBy := ""
	for _, l := range layers {
		if pat, ok := matchTool(l.p.approve, c.Tool, false); ok && approveBy == "" {
			approveBy = l.prefix + "approve:" + pat
		}
	}
	var args map[string]any
	for _, l := range layers {
		for _, r := range l.p.rules {
			if _, ok := matchTool(r.tools, c.Tool, true); !ok {
				continue
			}
			var err error
			if args == nil {
				args, err = callArgs(c.Args)
			}
			ok := false
			if err == nil {
				ok, err = evalWhen(ctx, r.prg, c.Tool, args)
			}
			if err != nil {
				if ctx.Err() != nil {
					return Decision{}, fmt.Errorf("check rule %s: %w", r.id, ctx.Err())
				}
				// A condition that cannot be evaluated never allows.
				return e.decision(false, l.prefix+r.ruleID(), fmt.Sprintf("rule %s could not be checked: %s; the call was not run", r.id, err)), nil
			}
			if r.approve {
				if ok && approveBy == "" {
					approveBy = l.prefix + r.ruleID()
				}
				continue
			}
			if !ok {
				return e.decision(false, l.prefix+r.ruleID(), r.reasonOrDefault()), nil
			}
		}
	}

	t := now()
	for _, l := range layers {
		for _, rl := range l.p.rates {
			if _, ok := matchTool(rl.tools, c.Tool, true); !ok {
				continue
			}
			if rates == nil {
				return Decision{}, fmt.Errorf("check rate limit %s: %w", rl.id, errNoCounter)
			}
			id := l.prefix + rl.ruleID()
			start, end := rl.limit.Window(t)
			_, allowed, err := rates(ctx, c.UserID, c.KeyID, id, start, rl.limit.N)
			if err != nil {
				return Decision{}, fmt.Errorf("count calls for rate limit %s: %w", rl.id, err)
			}
			if !allowed {
				return e.decision(false, id, fmt.Sprintf("%s rate limit %s for %s reached; try again after %s",
					l.whose, rl.limit, rl.toolsText(), end.Format(time.RFC3339))), nil
			}
		}
	}
	if approveBy != "" {
		d := e.decision(true, approveBy, "")
		d.Approve = true
		return d, nil
	}
	return e.decision(true, allowedBy, ""), nil
}

var errNoCounter = errors.New("the gateway has no rate counter")

func (rl rateLimit) toolsText() string {
	if len(rl.tools) == 0 {
		return "all tools"
	}
	return strings.Join(rl.tools, ", ")
}
