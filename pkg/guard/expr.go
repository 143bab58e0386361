package guard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
)

// celCostLimit bounds the work one condition may do on one call, so a model
// sending a huge argument list cannot make the guard spin. Exceeding it denies.
const celCostLimit = 1_000_000

// celEnv is the environment every condition is compiled in: `args` is the
// call's JSON arguments as a map, `tool` the exposed tool name.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("args", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("tool", cel.StringType),
		ext.Strings(),
		// JSON numbers arrive as doubles; let `args.n < 10` compare them with ints.
		cel.CrossTypeNumericComparisons(true),
	)
})

// compileWhen parses and type-checks a condition; it must yield a bool.
func compileWhen(expr string) (cel.Program, error) {
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("create CEL environment: %w", err)
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	if out := ast.OutputType(); !out.IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("the condition returns %s, not bool; compare it, e.g. `args.x == true`", cel.FormatCELType(out))
	}
	return env.Program(ast, cel.CostLimit(celCostLimit), cel.InterruptCheckFrequency(100))
}

// callArgs gives CEL the call's canonical arguments, which the gateway
// has already validated and normalised: the guard reads no raw JSON.
// Absent arguments are an empty map.
func callArgs(args map[string]any) (map[string]any, error) {
	if args == nil {
		return map[string]any{}, nil
	}
	return args, nil
}

// evalWhen runs a compiled condition. An error is a sentence saying why the
// condition could not be decided; the caller denies the call with it.
func evalWhen(ctx context.Context, prg cel.Program, tool string, args map[string]any) (bool, error) {
	out, _, err := prg.ContextEval(ctx, map[string]any{"args": args, "tool": tool})
	if err != nil {
		return false, explainEvalError(err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the condition returned %s, not a bool", out.Type())
	}
	return bool(b), nil
}

// explainEvalError turns CEL's runtime errors into what went wrong with the
// call's arguments, which is what the model can act on.
func explainEvalError(err error) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "no such key: "):
		return fmt.Errorf("argument %q is missing", strings.TrimPrefix(msg, "no such key: "))
	case strings.Contains(msg, "no such overload"), strings.Contains(msg, "no matching overload"),
		strings.Contains(msg, "expected iterable"):
		return fmt.Errorf("an argument has the wrong type for this condition (%s)", msg)
	case strings.Contains(msg, "cost limit"):
		return errors.New("the arguments are too large to check")
	case strings.Contains(msg, "operation interrupted"):
		return errors.New("the check was cancelled")
	}
	return fmt.Errorf("the condition failed on these arguments: %s", msg)
}
