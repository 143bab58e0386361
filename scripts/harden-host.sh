#!/usr/bin/env bash
# Harden a Debian or Ubuntu host that runs mcpgate, as the security model
# asks: SSH by key only (no passwords, no root password login) on the port
# you choose, and a firewall that lets in only 80, 443 and SSH. Opt-in, run
# as root:
#
#   scripts/harden-host.sh [--dry-run] [--ssh-port N [--close-old-port]] [--admin USER] [--root DIR]
#
#   --dry-run         print every change and make none
#   --ssh-port N      move SSH to port N (default: keep the current port). A
#                     move is done in two runs so no session is ever cut:
#                     the first opens N in the firewall, then makes sshd
#                     listen on the old port and on N; log in on N from a
#                     second terminal, then run again with --close-old-port
#                     to drop the old one
#   --close-old-port  finish a move: sshd listens on N alone, and the old
#                     port is closed in the firewall
#   --admin USER      the admin who must have an authorised SSH key before
#                     passwords are turned off (default: $SUDO_USER, else
#                     the user running this)
#   --root DIR        work on the files under DIR instead of / (for tests):
#                     nothing is installed or reloaded and the firewall
#                     commands are only printed
#
# sshd's settings go in a drop-in, /etc/ssh/sshd_config.d/00-mcpgate-harden.conf
# (first, because sshd takes the first value it reads of each setting), which
# is validated with `sshd -t` before it replaces the previous one and sshd is
# reloaded. Running the script again with the same options changes nothing.
set -euo pipefail

dry_run=0
ssh_port=""
close_old=0
admin="${SUDO_USER:-$(id -un)}"
root=/

die() {
	printf 'harden-host: %s\n' "$*" >&2
	exit 1
}
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) dry_run=1 ;;
	--ssh-port)
		[ $# -ge 2 ] || usage
		ssh_port=$2
		shift
		;;
	--ssh-port=*) ssh_port=${1#*=} ;;
	--close-old-port) close_old=1 ;;
	--admin)
		[ $# -ge 2 ] || usage
		admin=$2
		shift
		;;
	--root)
		[ $# -ge 2 ] || usage
		root=$2
		shift
		;;
	-h | --help) usage ;;
	*)
		printf 'harden-host: unknown argument %s\n' "$1" >&2
		usage
		;;
	esac
	shift
done

if [ -n "$ssh_port" ]; then
	case $ssh_port in
	'' | *[!0-9]*) die "--ssh-port: $ssh_port is not a port number" ;;
	esac
	if [ "$ssh_port" -lt 1 ] || [ "$ssh_port" -gt 65535 ] || [ "$ssh_port" = 80 ] || [ "$ssh_port" = 443 ]; then
		die "--ssh-port: $ssh_port is not a free port (1-65535, not 80 or 443)"
	fi
fi
[ "$close_old" = 0 ] || [ -n "$ssh_port" ] || die "--close-old-port needs --ssh-port N: the port to keep"

root=${root%/}
scratch=0
[ -z "$root" ] || scratch=1
[ -d "$root/" ] || die "--root: $root is not a directory"
[ "$scratch" = 1 ] || [ "$dry_run" = 1 ] || [ "$(id -u)" = 0 ] || die "run as root (sudo $0 ...), or see what would change with --dry-run"

# Debian or Ubuntu only: the paths, apt and the ssh unit are theirs.
os_release=$root/etc/os-release
[ -r "$os_release" ] || die "$os_release is missing: this script is for Debian and Ubuntu"
# shellcheck disable=SC1090 # os-release is shell variable assignments
os_ids=$(. "$os_release" && printf '%s %s' "${ID:-}" "${ID_LIKE:-}")
case " $os_ids " in
*" debian "* | *" ubuntu "*) ;;
*) die "this host is not Debian or Ubuntu ($os_ids): harden it by hand (see the README's security section)" ;;
esac

sshd_config=$root/etc/ssh/sshd_config
dropin_dir=$root/etc/ssh/sshd_config.d
dropin=$dropin_dir/00-mcpgate-harden.conf
[ -f "$sshd_config" ] || die "$sshd_config is missing: install openssh-server first"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || die "sshd is not installed: apt-get install openssh-server"
sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)

say() { printf '%s\n' "$*"; }
# change DESCRIPTION: announce one change, as done or as it would be.
change() {
	if [ "$dry_run" = 1 ]; then say "would: $*"; else say "change: $*"; fi
}

# --- the admin's key -----------------------------------------------------------------

home=$(awk -F: -v u="$admin" '$1 == u { print $6 }' "$root/etc/passwd" 2>/dev/null)
[ -n "$home" ] || die "no user $admin in $root/etc/passwd: name the admin who logs in over SSH with --admin USER"
keys_file=$root$home/.ssh/authorized_keys
if ! grep -Eq '^[[:space:]]*([^#[:space:]][^[:space:]]*[[:space:]]+)?(ssh-(ed25519|rsa|dss)|ecdsa-sha2-[a-z0-9]+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)[[:space:]]+[A-Za-z0-9+/=]+' "$keys_file" 2>/dev/null; then
	die "refusing to turn off password login: $admin has no authorised SSH key in $home/.ssh/authorized_keys. Add your public key there (ssh-copy-id), check that you can log in with it, then run this again"
fi
say "ok: $admin has an authorised SSH key in $home/.ssh/authorized_keys"

# --- ports ---------------------------------------------------------------------------

# The ports sshd is configured to listen on: our drop-in's if it exists
# (it is read first), else the first Port lines of the other drop-ins or
# the main file; 22 when none says.
current_ports() {
	local f ports=""
	for f in "$dropin" "$dropin_dir"/*.conf "$sshd_config"; do
		[ -f "$f" ] || continue
		ports=$(awk 'tolower($1) == "port" { print $2 }' "$f" | tr '\n' ' ')
		[ -z "$ports" ] || break
	done
	printf '%s' "${ports:-22}"
}
read -r -a current <<<"$(current_ports)"
if [ -z "$ssh_port" ]; then
	ports=("${current[@]}")
elif [ "$close_old" = 1 ]; then
	ports=("$ssh_port")
else
	# Moving: the old port stays until the new one is proven.
	ports=("${current[@]}")
	case " ${current[*]} " in *" $ssh_port "*) ;; *) ports+=("$ssh_port") ;; esac
fi
say "ssh: configured on port(s) ${current[*]}; after this run: ${ports[*]}"

# --- the firewall (first, so the new port is open before sshd moves) -----------------

ufw_cmds=("default deny incoming" "default allow outgoing" "allow 80/tcp" "allow 443/tcp")
for p in "${ports[@]}"; do ufw_cmds+=("allow $p/tcp"); done
for p in "${current[@]}"; do
	case " ${ports[*]} " in *" $p "*) ;; *) ufw_cmds+=("delete allow $p/tcp") ;; esac
done
ufw_cmds+=("--force enable")

ufw_status=""
if [ "$scratch" = 0 ] && command -v ufw >/dev/null; then
	ufw_status=$(ufw status verbose 2>/dev/null || true)
fi
# ufw_done CMD: whether the live firewall already has what CMD asks.
ufw_done() {
	local cmd=$1
	case $cmd in
	"default deny incoming") grep -q 'Default: deny (incoming)' <<<"$ufw_status" ;;
	"default allow outgoing") grep -q 'allow (outgoing)' <<<"$ufw_status" ;;
	"allow "*) grep -Eq "^${cmd#allow } +ALLOW IN" <<<"$ufw_status" ;;
	"delete allow "*) ! grep -Eq "^${cmd#delete allow } +ALLOW IN" <<<"$ufw_status" ;;
	"--force enable") grep -q '^Status: active' <<<"$ufw_status" ;;
	*) return 1 ;;
	esac
}

if [ "$scratch" = 0 ] && ! command -v ufw >/dev/null; then
	change "install ufw (apt-get install -y ufw)"
	if [ "$dry_run" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ufw >/dev/null
	fi
fi
ufw_changed=0
for c in "${ufw_cmds[@]}"; do
	if [ "$scratch" = 1 ]; then
		say "firewall (not run on a scratch root): ufw $c"
		continue
	fi
	ufw_done "$c" && continue
	ufw_changed=1
	change "ufw $c"
	if [ "$dry_run" = 0 ]; then
		# shellcheck disable=SC2086 # c is one of the fixed commands above
		ufw $c >/dev/null
	fi
done
[ "$scratch" = 1 ] || [ "$ufw_changed" = 1 ] || say "ok: the firewall already denies incoming by default and allows 80, 443 and ssh (${ports[*]})"
# Rules someone added by hand stay, but are named.
if [ -n "$ufw_status" ]; then
	wanted=" 80/tcp 443/tcp "
	for p in "${ports[@]}" "${current[@]}"; do wanted+="$p/tcp "; done
	others=$(awk '$0 ~ /ALLOW IN/ { print $1 }' <<<"$ufw_status" | sort -u | while read -r r; do
		case $wanted in *" $r "*) ;; *) printf '%s ' "$r" ;; esac
	done)
	[ -z "$others" ] || say "note: the firewall also lets in $others(added before this script): remove what you do not need with 'ufw delete allow RULE'"
fi

# --- sshd ----------------------------------------------------------------------------

want=$(
	printf '# Written by mcpgate scripts/harden-host.sh; run it again rather than editing.\n'
	printf '# sshd takes the first value it reads: this file is read before the others.\n'
	for p in "${ports[@]}"; do printf 'Port %s\n' "$p"; done
	printf 'PubkeyAuthentication yes\n'
	printf 'AuthenticationMethods publickey\n'
	printf 'PasswordAuthentication no\n'
	printf 'KbdInteractiveAuthentication no\n'
	printf 'PermitEmptyPasswords no\n'
	printf 'PermitRootLogin prohibit-password\n'
)

if [ -f "$dropin" ] && [ "$(cat "$dropin")" = "$want" ]; then
	say "ok: $dropin is already in place; sshd needs no change"
	exit 0
fi
change "write $dropin:"
printf '%s\n' "$want" | sed 's/^/    /'
if ! grep -Eiq '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$sshd_config"; then
	die "$sshd_config does not include /etc/ssh/sshd_config.d/*.conf first, so a drop-in would not take effect: add 'Include /etc/ssh/sshd_config.d/*.conf' at its top"
fi

# Validate the whole configuration with the new drop-in before it is put
# in place. On a scratch root the includes are pointed at its own files.
tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT
mkdir "$tmpdir/d"
printf '%s\n' "$want" >"$tmpdir/d/00-mcpgate-harden.conf"
for f in "$dropin_dir"/*.conf; do
	[ -f "$f" ] && [ "$f" != "$dropin" ] && cp "$f" "$tmpdir/d/"
done
sed -E "s#^([[:space:]]*Include[[:space:]]+)/etc/ssh/sshd_config\.d/#\1$tmpdir/d/#I" "$sshd_config" >"$tmpdir/sshd_config"
if [ "$dry_run" = 1 ] && [ "$scratch" = 0 ] && [ "$(id -u)" != 0 ]; then
	say "sshd -t: not run (it needs root to read the host keys); the real run validates before it changes anything"
	exit 0
fi
if ! out=$("$sshd_bin" -t -f "$tmpdir/sshd_config" 2>&1); then
	die "sshd -t refuses the new configuration, so nothing was changed: $out"
fi
say "ok: sshd -t accepts the new configuration"

[ "$dry_run" = 0 ] || exit 0
install -d -m 0755 "$dropin_dir"
[ ! -f "$dropin" ] || cp -p "$dropin" "$tmpdir/previous.conf"
install -m 0644 "$tmpdir/d/00-mcpgate-harden.conf" "$dropin.new"
mv -f "$dropin.new" "$dropin"

if [ "$scratch" = 1 ]; then
	say "sshd: not reloaded (scratch root)"
	exit 0
fi
# Once more on the files in place, as sshd will read them; put the old
# drop-in back if they fail.
if ! out=$("$sshd_bin" -t 2>&1); then
	if [ -f "$tmpdir/previous.conf" ]; then mv -f "$tmpdir/previous.conf" "$dropin"; else rm -f "$dropin"; fi
	die "sshd -t refuses the configuration in place, so the previous one was restored and sshd not reloaded: $out"
fi
# A reload (or, with socket activation, a restart of the socket) keeps
# every open session: they belong to processes sshd already forked.
if systemctl is-enabled --quiet ssh.socket 2>/dev/null; then
	change "systemctl daemon-reload; systemctl restart ssh.socket (the ports come from the socket unit)"
	systemctl daemon-reload
	systemctl restart ssh.socket
else
	change "systemctl reload ssh"
	systemctl reload ssh
fi
if [ "${#current[@]}" != "${#ports[@]}" ] || [ "${current[*]}" != "${ports[*]}" ]; then
	if [ "${#ports[@]}" -gt 1 ]; then
		say "next: log in with 'ssh -p $ssh_port $admin@THIS-HOST' from a second terminal, keeping this one open; then run $0 --ssh-port $ssh_port --close-old-port"
	fi
fi
