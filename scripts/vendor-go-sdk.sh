#!/usr/bin/env bash
# Rebuilds third_party/go-sdk, the patched go-sdk that go.mod's replace
# directive points at, as the upstream release plus third_party/go-sdk.patch.
#
#   scripts/vendor-go-sdk.sh                 rebuild third_party/go-sdk
#   scripts/vendor-go-sdk.sh --check         fail if the committed tree is not
#                                            exactly upstream + patch (make lint)
#   scripts/vendor-go-sdk.sh --update-patch  rewrite the patch from the tree,
#                                            after editing third_party/go-sdk
#
# The release comes from the Go module cache (`go mod download`, which checks
# it against go.sum), at the version go.mod requires. Only what mcpgate builds
# is kept: the packages below without their tests and examples, plus the
# tests of internal/json, the package the patch changes (see PATCHED.md).
set -euo pipefail

module=github.com/modelcontextprotocol/go-sdk
# The packages mcpgate's build imports, directly or through each other, and
# the SDK's conformance server, which the MCP upstream tests run as a real
# server nobody here wrote (over HTTP and over stdio).
packages=(auth internal/authutil internal/json internal/jsonrpc2 internal/mcpgodebug
	internal/util internal/xcontext jsonrpc mcp oauthex conformance/everything-server)
# Files kept besides the packages' non-test Go files.
extra=(LICENSE go.mod go.sum internal/json/json_test.go)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tree=$repo/third_party/go-sdk
patchfile=$repo/third_party/go-sdk.patch

die() {
	echo "vendor-go-sdk: $*" >&2
	exit 1
}

mode=${1:-rebuild}
case $mode in
rebuild | --check | --update-patch) ;;
*) die "unknown argument '$mode' (use --check, --update-patch or nothing)" ;;
esac

version=$(cd "$repo" && go list -m -f '{{.Version}}' "$module") ||
	die "read the version of $module from go.mod"
info=$(cd "$repo" && go mod download -json "$module@$version") ||
	die "download $module@$version: $info"
upstream=$(jq -r '.Dir // empty' <<<"$info")
[[ -n $upstream && -d $upstream ]] || die "go mod download gave no directory for $module@$version"

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# pristine copies the kept files of the release into $1. The module cache
# is read-only, and so is what cp copies from it: the copy is made writable
# (0644 files, 0755 directories, as Git stores them) before anything is
# patched.
pristine() {
	local dst=$1 pkg f
	mkdir -p "$dst"
	for pkg in "${packages[@]}"; do
		mkdir -p "$dst/$pkg"
		for f in "$upstream/$pkg"/*.go; do
			[[ $f == *_test.go ]] && continue
			cp "$f" "$dst/$pkg/"
		done
	done
	for f in "${extra[@]}"; do
		cp "$upstream/$f" "$dst/$f"
	done
	find "$dst" -type d -exec chmod 0755 {} +
	find "$dst" -type f -exec chmod 0644 {} +
}

# Both trees sit side by side as a/ and b/, so that the patch's paths are
# a/<file> and b/<file> and it applies with -p1.
pristine "$work/a"

case $mode in
--update-patch)
	cp -R "$tree" "$work/b"
	# diff exits 1 when the trees differ, which is the point here. The
	# timestamps are dropped so the patch is the same on every machine.
	status=0
	(cd "$work" && diff -ruN a b) >"$work/patch" || status=$?
	[[ $status -le 1 ]] || die "compare third_party/go-sdk with $module@$version"
	sed -E 's/^((---|\+\+\+) [^\t]*)\t.*$/\1/' "$work/patch" >"$patchfile"
	echo "wrote ${patchfile#"$repo"/} ($(grep -c '^diff ' "$patchfile") files)"
	exit 0
	;;
esac

cp -R "$work/a" "$work/b"
patch -s -p1 -d "$work/b" --no-backup-if-mismatch <"$patchfile" ||
	die "${patchfile#"$repo"/} does not apply to $module@$version"

case $mode in
--check)
	if ! diff -r "$work/b" "$tree" >"$work/diff"; then
		sed -e "s#$work/b#upstream+patch#g" -e "s#$repo/##g" "$work/diff" | head -40 >&2
		die "third_party/go-sdk is not $module@$version + ${patchfile#"$repo"/}: run scripts/vendor-go-sdk.sh to rebuild it, or --update-patch to keep an intended change"
	fi
	echo "third_party/go-sdk is $module@$version + ${patchfile#"$repo"/}"
	;;
rebuild)
	rm -rf "$tree"
	cp -R "$work/b" "$tree"
	echo "rebuilt third_party/go-sdk from $module@$version + ${patchfile#"$repo"/}"
	;;
esac
