package guard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PolicyLoader returns the policy for a call: the key's own policy, else the
// user's default, else nil, which allows every call. An error means the
// policy could not be read; the call is then refused. It is called on every
// call, so a policy changed by the CLI applies on the next one; caching is
// the caller's business.
type PolicyLoader func(ctx context.Context, userID, keyID string) (*Policy, error)

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

// Decide checks c against its key's policy in this order: deny list, allow
// list, read-only, argument conditions, rate limits. The first that refuses
// decides; a call nothing refuses is allowed by the allow pattern it matched,
// or by default-allow. Rate limits count only calls that everything else
// allowed; when several limits match a call, those checked before the one
// that refuses it have counted it.
func (e *Engine) Decide(ctx context.Context, c Call) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, fmt.Errorf("check call: %w", err)
	}
	p, err := e.load(ctx, c.UserID, c.KeyID)
	if err != nil {
		return Decision{}, fmt.Errorf("load guardrail policy: %w", err)
	}
	if p == nil {
		return AllowAll{}.Decide(ctx, c)
	}
	return p.decide(ctx, c, e.rates, e.now)
}

func (p *Policy) decision(allow bool, rule, reason string) Decision {
	return Decision{Allow: allow, Rule: rule, Reason: reason, MaxResultBytes: p.maxResultBytes, RedactCredentials: p.redact}
}

func (p *Policy) decide(ctx context.Context, c Call, rates RateCounter, now func() time.Time) (Decision, error) {
	if pat, ok := matchTool(p.deny, c.Tool, false); ok {
		return p.decision(false, "deny:"+pat, fmt.Sprintf("tool %s is on this key's deny list", c.Tool)), nil
	}
	allowedBy := RuleDefaultAllow
	if len(p.allow) > 0 {
		pat, ok := matchTool(p.allow, c.Tool, false)
		if !ok {
			return p.decision(false, RuleAllowList, fmt.Sprintf("tool %s is not on this key's allow list", c.Tool)), nil
		}
		allowedBy = "allow:" + pat
	}
	if p.readOnly && !c.ReadOnly {
		return p.decision(false, RuleReadOnly, fmt.Sprintf("this key is read-only, and tool %s is not annotated read-only", c.Tool)), nil
	}

	var args map[string]any
	for _, r := range p.rules {
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
			return p.decision(false, r.ruleID(), fmt.Sprintf("rule %s could not be checked: %s; the call was not run", r.id, err)), nil
		}
		if !ok {
			return p.decision(false, r.ruleID(), r.reasonOrDefault()), nil
		}
	}

	t := now()
	for _, rl := range p.rates {
		if _, ok := matchTool(rl.tools, c.Tool, true); !ok {
			continue
		}
		if rates == nil {
			return Decision{}, fmt.Errorf("check rate limit %s: %w", rl.id, errNoCounter)
		}
		start, end := rl.limit.Window(t)
		_, allowed, err := rates(ctx, c.UserID, c.KeyID, rl.ruleID(), start, rl.limit.N)
		if err != nil {
			return Decision{}, fmt.Errorf("count calls for rate limit %s: %w", rl.id, err)
		}
		if !allowed {
			return p.decision(false, rl.ruleID(), fmt.Sprintf("rate limit %s for %s reached; try again after %s",
				rl.limit, rl.toolsText(), end.Format(time.RFC3339))), nil
		}
	}
	return p.decision(true, allowedBy, ""), nil
}

var errNoCounter = errors.New("the gateway has no rate counter")

func (rl rateLimit) toolsText() string {
	if len(rl.tools) == 0 {
		return "all tools"
	}
	return strings.Join(rl.tools, ", ")
}
