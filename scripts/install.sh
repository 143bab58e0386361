#!/usr/bin/env bash
# Install mcpgate as a systemd service on a Linux host (a VPS).
#
# Idempotent: run it again after building a new binary to upgrade; what is
# already in place is left alone. It never touches an existing KEK, config
# file or environment file: the data dir is initialised only by
# `mcpgate init`, which refuses to overwrite a KEK.
#
#   sudo scripts/install.sh                  # install ./bin/mcpgate
#   scripts/install.sh --dry-run             # show what it would do
set -euo pipefail

readonly SVC_USER=mcpgate
readonly DATA_DIR=/var/lib/mcpgate
readonly CONF_DIR=/etc/mcpgate
readonly ENV_FILE=$CONF_DIR/mcpgate.env
readonly UNIT_DIR=/etc/systemd/system
readonly UNIT_NAME=mcpgate.service

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")

dry_run=0
binary=./bin/mcpgate
prefix=/usr/local
unit_src=$repo_dir/systemd/$UNIT_NAME
example_src=$repo_dir/configs/mcpgate.example.yaml
owner=""

usage() {
	cat <<EOF
Usage: install.sh [options]

Installs mcpgate as a systemd service: a system user '$SVC_USER', the
binary, the data dir $DATA_DIR (0700), $CONF_DIR,
the unit $UNIT_DIR/$UNIT_NAME, and runs 'mcpgate init'
as '$SVC_USER'. Safe to run again: it upgrades the binary and the unit, and
never overwrites a KEK, a config or an environment file.

Options:
  --dry-run        print every action, change nothing (no root needed)
  --binary PATH    the mcpgate binary to install (default: ./bin/mcpgate)
  --prefix DIR     install to DIR/bin/mcpgate (default: /usr/local)
  --unit PATH      the systemd unit to install
                   (default: ../systemd/$UNIT_NAME from this script)
  --owner NAME     name of the owner user 'mcpgate init' creates on first run
                   (default: init's own default)
  -h, --help       show this help
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() {
	printf 'install.sh: %s\n' "$*" >&2
	exit 1
}

# run prints a command and runs it, or only prints it in a dry run.
run() {
	if [ "$dry_run" = 1 ]; then
		printf 'would run: %s\n' "$(quote "$@")"
	else
		printf '+ %s\n' "$(quote "$@")"
		"$@"
	fi
}

quote() {
	local out
	printf -v out '%q ' "$@"
	printf '%s' "${out% }"
}

need_value() {
	if [ $# -lt 2 ] || [ -z "$2" ]; then
		die "$1 needs a value (see --help)"
	fi
}

while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) dry_run=1 ;;
	--binary)
		need_value "$@"
		binary=$2
		shift
		;;
	--binary=*) binary=${1#*=} ;;
	--prefix)
		need_value "$@"
		prefix=$2
		shift
		;;
	--prefix=*) prefix=${1#*=} ;;
	--unit)
		need_value "$@"
		unit_src=$2
		shift
		;;
	--unit=*) unit_src=${1#*=} ;;
	--owner)
		need_value "$@"
		owner=$2
		shift
		;;
	--owner=*) owner=${1#*=} ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

# --- checks, before anything changes ---------------------------------------

case $prefix in
/*) ;;
*) die "--prefix must be an absolute path, got '$prefix'" ;;
esac
case $prefix in
*[!A-Za-z0-9/._-]*) die "--prefix may only contain letters, digits and / . _ -, got '$prefix'" ;;
esac
prefix=${prefix%/}
bin_dest=$prefix/bin/mcpgate
doc_dir=$prefix/share/doc/mcpgate
unit_dest=$UNIT_DIR/$UNIT_NAME

case $binary in
*/*) ;;
*) binary=./$binary ;; # a bare name means the file here, not one on PATH
esac
[ -f "$binary" ] || die "no binary at $binary: build it with 'make build', or pass --binary PATH"
[ -x "$binary" ] || die "$binary is not executable"
version=$("$binary" version 2>&1) || die "$binary does not run on this machine ($version); build it for this OS and architecture"
[ -f "$unit_src" ] || die "no systemd unit at $unit_src; pass --unit PATH"

if [ "$dry_run" = 0 ] && [ "$(id -u)" -ne 0 ]; then
	die "run as root (sudo $0 ...), or with --dry-run to see what it would do"
fi
for tool in install cmp getent; do
	command -v "$tool" >/dev/null || die "'$tool' is missing on this system"
done

systemd_running=0
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
	systemd_running=1
fi

if [ "$dry_run" = 1 ]; then
	say "Dry run: nothing will be changed."
fi
say "Installing $version"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the system user ---------------------------------------------------------

nologin=/bin/false
for f in /usr/sbin/nologin /sbin/nologin; do
	if [ -x "$f" ]; then
		nologin=$f
		break
	fi
done

if getent passwd "$SVC_USER" >/dev/null; then
	[ "$(id -u "$SVC_USER")" -ne 0 ] || die "user $SVC_USER has uid 0; refusing to run the service as root"
	say "user $SVC_USER exists; kept"
else
	command -v useradd >/dev/null || die "useradd is missing: create a system user '$SVC_USER' (no login shell, no home) by hand and run this again"
	group_args=(--user-group)
	if getent group "$SVC_USER" >/dev/null; then
		group_args=(--gid "$SVC_USER")
	fi
	run useradd --system "${group_args[@]}" --no-create-home --home-dir /nonexistent \
		--shell "$nologin" --comment "mcpgate MCP gateway" "$SVC_USER"
fi

# --- the binary ----------------------------------------------------------------

binary_changed=0
if [ -f "$bin_dest" ] && cmp -s "$binary" "$bin_dest"; then
	say "$bin_dest is up to date"
else
	binary_changed=1
	[ -d "$prefix/bin" ] || run install -d -m 0755 "$prefix/bin"
	# Into place by rename, so a running service keeps its old file intact.
	run install -m 0755 -o root -g root "$binary" "$bin_dest.new"
	run mv -f "$bin_dest.new" "$bin_dest"
fi

if [ -f "$example_src" ]; then
	if [ -f "$doc_dir/mcpgate.example.yaml" ] && cmp -s "$example_src" "$doc_dir/mcpgate.example.yaml"; then
		say "$doc_dir/mcpgate.example.yaml is up to date"
	else
		[ -d "$doc_dir" ] || run install -d -m 0755 "$doc_dir"
		run install -m 0644 -o root -g root "$example_src" "$doc_dir/mcpgate.example.yaml"
	fi
fi

# --- directories -----------------------------------------------------------------

if [ -d "$DATA_DIR" ]; then
	# The directory itself must be the service's and private; files inside
	# belong to init and serve, and are only reported on.
	if [ "$(stat -c '%U:%G %a' "$DATA_DIR")" = "$SVC_USER:$SVC_USER 700" ]; then
		say "$DATA_DIR exists (0700, $SVC_USER); kept"
	else
		run chown "$SVC_USER:$SVC_USER" "$DATA_DIR"
		run chmod 0700 "$DATA_DIR"
	fi
	if [ "$dry_run" = 0 ] || [ -r "$DATA_DIR" ]; then
		stray=$(find "$DATA_DIR" ! -user "$SVC_USER" -print -quit 2>/dev/null || true)
		if [ -n "$stray" ]; then
			warn "$stray (and maybe more) in $DATA_DIR is not owned by $SVC_USER; the service cannot use it. If it was made by running mcpgate as root, fix it with: chown -R $SVC_USER:$SVC_USER $DATA_DIR"
		fi
	fi
else
	run install -d -m 0700 -o "$SVC_USER" -g "$SVC_USER" "$DATA_DIR"
fi

if [ -d "$CONF_DIR" ]; then
	say "$CONF_DIR exists; kept"
else
	run install -d -m 0750 -o root -g "$SVC_USER" "$CONF_DIR"
fi

if [ -e "$ENV_FILE" ]; then
	say "$ENV_FILE exists; kept"
else
	cat >"$tmp/mcpgate.env" <<'EOF'
# Environment for the mcpgate service (systemd EnvironmentFile=; also read by
# scripts/install.sh for `mcpgate init`). One VAR=value a line; only MCPGATE_*
# names of real settings (an unknown one stops mcpgate). Values here override
# /var/lib/mcpgate/mcpgate.yaml. This file is root:mcpgate 0640: the place for
# secrets that must not sit in the config file. Every setting is described in
# /usr/local/share/doc/mcpgate/mcpgate.example.yaml.
#
#MCPGATE_DATABASE_URL=postgres://mcpgate_app:PASSWORD@db.example.com:5432/mcpgate?sslmode=verify-full
#MCPGATE_CONNECTORS_GITHUB_CLIENT_SECRET_FILE=/etc/mcpgate/github-client-secret
#MCPGATE_LOG_LEVEL=info
EOF
	if [ "$prefix" != /usr/local ]; then
		sed -i "s|/usr/local/share/doc/mcpgate|$doc_dir|" "$tmp/mcpgate.env"
	fi
	run install -m 0640 -o root -g "$SVC_USER" "$tmp/mcpgate.env" "$ENV_FILE"
fi

# --- the systemd unit ------------------------------------------------------------

sed "s|/usr/local/bin/mcpgate|$bin_dest|g" "$unit_src" >"$tmp/$UNIT_NAME"
grep -q "^ExecStart=$bin_dest serve" "$tmp/$UNIT_NAME" || die "$unit_src has no 'ExecStart=/usr/local/bin/mcpgate serve' line to point at $bin_dest"
unit_changed=0
if [ -f "$unit_dest" ] && cmp -s "$tmp/$UNIT_NAME" "$unit_dest"; then
	say "$unit_dest is up to date"
else
	unit_changed=1
	[ -d "$UNIT_DIR" ] || run install -d -m 0755 "$UNIT_DIR"
	run install -m 0644 -o root -g root "$tmp/$UNIT_NAME" "$unit_dest"
fi

# --- mcpgate init, as the service user ---------------------------------------------

# init sees what the service will see: MCPGATE_DATA_DIR, then the environment
# file (which, as in systemd, overrides it), and none of the caller's own
# MCPGATE_* variables. Secrets from the file travel in the environment, never
# in argv.
init_args=(init --non-interactive)
if [ -n "$owner" ]; then
	init_args+=(--owner "$owner")
fi
# (It runs on the right of ||, where set -e does not apply: each step checks.)
run_init() (
	cd / || exit 1
	while IFS= read -r name; do
		unset "$name"
	done < <(compgen -e | grep '^MCPGATE_' || true)
	export MCPGATE_DATA_DIR=$DATA_DIR
	if [ -f "$ENV_FILE" ]; then
		# Sourced as root: accept only a file that root alone can change.
		[ "$(stat -c '%u' "$ENV_FILE")" = 0 ] || die "$ENV_FILE is not owned by root; refusing to read it"
		case $(stat -c '%A' "$ENV_FILE") in
		?????w???? | ????????w?) die "$ENV_FILE is writable by group or others; chmod 0640 it" ;;
		esac
		set -a
		# shellcheck disable=SC1090
		. "$ENV_FILE" || die "cannot read $ENV_FILE; check its VAR=value lines"
		set +a
	fi
	if command -v runuser >/dev/null; then
		exec runuser -u "$SVC_USER" -- "$bin_dest" "${init_args[@]}"
	fi
	exec setpriv --reuid "$SVC_USER" --regid "$SVC_USER" --init-groups -- "$bin_dest" "${init_args[@]}"
)
if [ "$dry_run" = 1 ]; then
	say "would run: $(quote "$bin_dest" "${init_args[@]}") as $SVC_USER with MCPGATE_DATA_DIR=$DATA_DIR (and $ENV_FILE if present)"
else
	say "+ $(quote "$bin_dest" "${init_args[@]}") (as $SVC_USER, MCPGATE_DATA_DIR=$DATA_DIR)"
	run_init || die "mcpgate init failed (see above); nothing was overwritten. Fix the cause and run this again."
fi

# --- systemd -----------------------------------------------------------------------

restart_hint=""
if [ "$systemd_running" = 1 ]; then
	run systemctl daemon-reload
	if systemctl is-active --quiet "$UNIT_NAME" && { [ "$binary_changed" = 1 ] || [ "$unit_changed" = 1 ]; }; then
		restart_hint="mcpgate is running the old version: systemctl restart mcpgate"
	fi
else
	say "systemd is not running here: skipped 'systemctl daemon-reload'"
fi

done_msg="mcpgate is installed."
if [ "$dry_run" = 1 ]; then
	done_msg="Dry run finished: nothing was changed."
fi
cat <<EOF

$done_msg${restart_hint:+
$restart_hint}

Next steps:
  1. Back up the KEK, $DATA_DIR/kek, somewhere apart from database backups:
     without it no stored credential can be decrypted.
  2. Review $DATA_DIR/mcpgate.yaml (every setting: $doc_dir/mcpgate.example.yaml).
     To serve beyond loopback set listen and tls (or behind_proxy) there;
     put secrets in $ENV_FILE.
  3. Start it, now and at boot:
       systemctl enable --now mcpgate
       journalctl -u mcpgate -f
  4. Connect an upstream and create a key for each client (as $SVC_USER):
       runuser -u $SVC_USER -- env MCPGATE_DATA_DIR=$DATA_DIR $bin_dest connect add github --token-stdin < token.txt
       runuser -u $SVC_USER -- env MCPGATE_DATA_DIR=$DATA_DIR $bin_dest key create --name laptop --print-config claude
     (If $ENV_FILE sets MCPGATE_* variables, export them first: set -a; . $ENV_FILE; set +a)
EOF
