#!/usr/bin/env bash
# Tests scripts/install.sh.
#
#   scripts/install_test.sh [BINARY]
#
# BINARY defaults to a fresh build of ./cmd/mcpgate. Always: --dry-run,
# as root and as an unprivileged user, changes nothing on this machine. As
# root with unshare(1): a real install inside a private mount namespace whose
# /etc, /usr/local, /opt and /var/lib are throwaway copies, so this machine is
# never touched; it checks what the install creates, that a second run
# changes nothing, that the KEK, config and environment file survive every
# run, upgrades, --prefix, and the environment file's handling.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
installer=$here/install.sh
repo=$(dirname "$here")

fails=0
passes=0
ok() {
	passes=$((passes + 1))
	printf 'ok    %s\n' "$*"
}
bad() {
	fails=$((fails + 1))
	printf 'FAIL  %s\n' "$*"
}
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
has() { grep -qF -- "$2" <<<"$1"; }
lacks() { ! grep -qE -- "$2" <<<"$1"; }
mode_owner() { stat -c '%a %U:%G' "$1" 2>/dev/null; }
finish() { # finish [LABEL]
	printf '%s%d passed, %d failed\n' "${1:+$1: }" "$passes" "$fails"
	[ "$fails" = 0 ]
}

# --- inside the sandbox (re-executed by the outer run) -----------------------------

if [ "${1:-}" = --sandboxed ]; then
	bin=$2
	sandbox=$3
	cp -a /etc "$sandbox/etc"
	mkdir -p "$sandbox/usrlocal" "$sandbox/opt" "$sandbox/varlib"
	chmod 0755 "$sandbox/usrlocal" "$sandbox/opt" "$sandbox/varlib"
	mount --bind "$sandbox/etc" /etc
	mount --bind "$sandbox/usrlocal" /usr/local
	mount --bind "$sandbox/opt" /opt
	mount --bind "$sandbox/varlib" /var/lib

	as_svc() { runuser -u mcpgate -- env MCPGATE_DATA_DIR=/var/lib/mcpgate "$@"; }

	# First run: everything is created.
	out=$("$installer" --binary "$bin" --owner alice 2>&1) && rc=0 || rc=$?
	check "first run exits 0" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || printf '%s\n' "$out"
	check "first run creates the user" has "$out" "+ useradd --system"
	check "first run reports the KEK created" has "$out" "created KEK /var/lib/mcpgate/kek"
	pw=$(getent passwd mcpgate || true)
	check "user mcpgate has no login shell and no home" \
		grep -qE '^mcpgate:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:(/usr/sbin/nologin|/sbin/nologin|/bin/false)$' <<<"$pw"
	check "user mcpgate is a system user (uid < 1000)" [ "$(id -u mcpgate)" -lt 1000 ]
	check "no home directory was made" [ ! -e /nonexistent ]
	check "binary is 0755 root:root" [ "$(mode_owner /usr/local/bin/mcpgate)" = "755 root:root" ]
	check "binary is the one given" cmp -s "$bin" /usr/local/bin/mcpgate
	check "data dir is 0700 mcpgate:mcpgate" [ "$(mode_owner /var/lib/mcpgate)" = "700 mcpgate:mcpgate" ]
	check "KEK is 0600 mcpgate" [ "$(mode_owner /var/lib/mcpgate/kek)" = "600 mcpgate:mcpgate" ]
	check "config file was written by init" [ "$(mode_owner /var/lib/mcpgate/mcpgate.yaml)" = "600 mcpgate:mcpgate" ]
	check "/etc/mcpgate is 0750 root:mcpgate" [ "$(mode_owner /etc/mcpgate)" = "750 root:mcpgate" ]
	check "environment file is 0640 root:mcpgate" [ "$(mode_owner /etc/mcpgate/mcpgate.env)" = "640 root:mcpgate" ]
	check "unit is installed as in the repo" cmp -s "$repo/systemd/mcpgate.service" /etc/systemd/system/mcpgate.service
	check "example config is installed" cmp -s "$repo/configs/mcpgate.example.yaml" /usr/local/share/doc/mcpgate/mcpgate.example.yaml
	check "the owner user is alice, usable by the service user" grep -q alice <<<"$(as_svc /usr/local/bin/mcpgate user list 2>&1)"
	if command -v systemd-analyze >/dev/null; then
		check "systemd-analyze verify accepts the installed unit" systemd-analyze verify /etc/systemd/system/mcpgate.service
	fi

	# Local changes that later runs must keep.
	printf '# local edit\n' >>/etc/mcpgate/mcpgate.env
	printf '# local edit\n' >>/var/lib/mcpgate/mcpgate.yaml
	keep() { sha256sum /var/lib/mcpgate/kek /var/lib/mcpgate/mcpgate.yaml /etc/mcpgate/mcpgate.env; }
	before=$(keep)

	# Second run, with stray MCPGATE_* variables in the caller's
	# environment that must not reach init: nothing changes.
	out=$(MCPGATE_BOGUS=1 MCPGATE_LISTEN=0.0.0.0:1 "$installer" --binary "$bin" 2>&1) && rc=0 || rc=$?
	check "second run exits 0 (caller's MCPGATE_* ignored)" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || printf '%s\n' "$out"
	check "second run changes nothing but running init" lacks "$out" '^\+ (useradd|install|mv|chown|chmod)'
	check "second run: init changed nothing" has "$out" "nothing changed"
	check "second run keeps KEK, config and environment file" [ "$(keep)" = "$before" ]

	# A dry run on the installed system plans nothing but init.
	out=$("$installer" --dry-run --binary "$bin" 2>&1) && rc=0 || rc=$?
	check "dry run after install exits 0" [ "$rc" = 0 ]
	check "dry run after install plans no change" lacks "$out" '^would run: (useradd|install|mv|chown|chmod)'

	# Upgrade: a different binary replaces the old one; nothing else moves.
	cp "$bin" "$sandbox/mcpgate-new"
	printf 'upgrade' >>"$sandbox/mcpgate-new" # trailing bytes: still runs
	out=$("$installer" --binary "$sandbox/mcpgate-new" 2>&1) && rc=0 || rc=$?
	check "upgrade exits 0" [ "$rc" = 0 ]
	check "upgrade replaces the binary by rename" has "$out" "+ mv -f /usr/local/bin/mcpgate.new /usr/local/bin/mcpgate"
	check "upgraded binary is in place" cmp -s "$sandbox/mcpgate-new" /usr/local/bin/mcpgate
	check "upgrade keeps KEK, config and environment file" [ "$(keep)" = "$before" ]

	# A wrong data dir owner is repaired (the directory only).
	chown root:root /var/lib/mcpgate
	chmod 0755 /var/lib/mcpgate
	out=$("$installer" --binary "$bin" 2>&1) && rc=0 || rc=$?
	check "data dir owner and mode are repaired" [ "$(mode_owner /var/lib/mcpgate)" = "700 mcpgate:mcpgate" ]
	check "repair keeps KEK, config and environment file" [ "$(keep)" = "$before" ]

	# The environment file reaches init, as it reaches the service.
	printf 'MCPGATE_NOT_A_SETTING=1\n' >>/etc/mcpgate/mcpgate.env
	out=$("$installer" --binary "$bin" 2>&1) && rc=0 || rc=$?
	check "an unknown variable in the environment file fails init" [ "$rc" != 0 ]
	check "and the failure names it" has "$out" "MCPGATE_NOT_A_SETTING"
	sed -i '/MCPGATE_NOT_A_SETTING/d' /etc/mcpgate/mcpgate.env
	chmod 0660 /etc/mcpgate/mcpgate.env
	out=$("$installer" --binary "$bin" 2>&1) && rc=0 || rc=$?
	check "a group-writable environment file is refused" [ "$rc" != 0 ]
	chmod 0640 /etc/mcpgate/mcpgate.env
	check "KEK, config and environment file survive failed runs" [ "$(keep)" = "$before" ]

	# --prefix points the unit at the binary it installs.
	out=$("$installer" --binary "$bin" --prefix /opt/mcpgate 2>&1) && rc=0 || rc=$?
	check "--prefix run exits 0" [ "$rc" = 0 ]
	check "--prefix installs the binary there" cmp -s "$bin" /opt/mcpgate/bin/mcpgate
	check "--prefix rewrites ExecStart" grep -qx 'ExecStart=/opt/mcpgate/bin/mcpgate serve' /etc/systemd/system/mcpgate.service

	finish sandbox
	exit
fi

# --- outside --------------------------------------------------------------------

bin=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
if [ -z "$bin" ]; then
	bin=$work/mcpgate
	(cd "$repo" && CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/mcpgate)
fi

# A picture of everything install.sh could change.
snapshot() {
	local p
	for p in /usr/local/bin/mcpgate /usr/local/share/doc/mcpgate /var/lib/mcpgate \
		/etc/mcpgate /etc/systemd/system/mcpgate.service /nonexistent; do
		ls -ld --time-style=full-iso "$p" 2>&1 || true
	done
	getent passwd mcpgate || true
	getent group mcpgate || true
	cat /etc/passwd /etc/group
	ls -la --time-style=full-iso /etc /etc/systemd/system /usr/local/bin /var/lib
}

before=$(snapshot)
out=$("$installer" --dry-run --binary "$bin" 2>&1) && rc=0 || rc=$?
check "dry run exits 0" [ "$rc" = 0 ]
check "dry run says it changes nothing" has "$out" "nothing was changed"
check "dry run prints the actions it would take" grep -q '^would run: ' <<<"$out"
check "dry run leaves the machine as it was" [ "$(snapshot)" = "$before" ]

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	cp "$bin" "$work/mcpgate-nobody"
	chmod 0755 "$work/mcpgate-nobody"
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$installer" --dry-run --binary "$work/mcpgate-nobody" 2>&1) && rc=0 || rc=$?
	check "dry run works without root" [ "$rc" = 0 ]
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$installer" --binary "$work/mcpgate-nobody" 2>&1) && rc=0 || rc=$?
	check "a real run without root is refused" [ "$rc" != 0 ]
	check "and says to run as root" has "$out" "run as root"
	check "neither changed the machine" [ "$(snapshot)" = "$before" ]
fi

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v runuser >/dev/null; then
	mkdir "$work/sandbox"
	unshare --mount --propagation private "$0" --sandboxed "$bin" "$work/sandbox" || fails=$((fails + 1))
	check "the sandboxed installs left the machine as it was" [ "$(snapshot)" = "$before" ]
else
	printf 'skip  real install (needs root, unshare and runuser)\n'
fi

finish
