#!/usr/bin/env bash
# Runs every native Go fuzz target in the module for a bounded time each
# (FUZZTIME, default 60s) and prints the executions and failures per
# target and in total. A failing target's input is kept by Go under
# testdata/fuzz/<Target>/ of its package: commit it as a regression case.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

fuzztime="${FUZZTIME:-60s}"
total_execs=0
failed=0
targets=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

while read -r pkg; do
	for name in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		targets=$((targets + 1))
		if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1; then
			status=ok
		else
			status=FAIL
			failed=$((failed + 1))
		fi
		execs="$(grep -o 'execs: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)"
		execs="${execs:-0}"
		total_execs=$((total_execs + execs))
		printf '%-4s %-60s %12s execs\n' "$status" "$pkg.$name" "$execs"
		if [ "$status" = FAIL ]; then
			sed -n '1,40p' "$log"
		fi
	done
done < <(go list ./... | grep -v '/third_party/')

echo "fuzz: $targets targets, $total_execs executions, $failed failed (${fuzztime} each)"
[ "$failed" -eq 0 ]
