// Package scripts_test runs scripts/harden-host.sh against scratch roots:
// what it writes must pass the real `sshd -t` and mean what it says to
// `sshd -T`, and the firewall commands it prints must pass `ufw --dry-run`.
package scripts_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/test/parts"
)

const script = "./harden-host.sh"

// sshdRunner runs a command where sshd's privilege separation directory
// exists: on this machine if it has one, else in a private mount
// namespace with its own /run, so the machine is not touched.
type sshdRunner struct{ direct bool }

func newSSHDRunner(t *testing.T) sshdRunner {
	t.Helper()
	for _, tool := range []string{"sshd", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err := os.Stat("/usr/sbin/" + tool); err != nil {
				parts.Missing(t, "sshd", "apt-get install -y openssh-server")
			}
		}
	}
	if _, err := os.Stat("/run/sshd"); err == nil {
		return sshdRunner{direct: true}
	}
	if err := exec.Command("unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /run").Run(); err != nil {
		parts.Missing(t, "sshd", "/run/sshd is missing and no private mount namespace can be made for it (run as root, or start sshd once)")
	}
	return sshdRunner{}
}

// run runs argv and returns its combined output and exit code.
func (r sshdRunner) run(t *testing.T, argv ...string) (string, int) {
	t.Helper()
	var cmd *exec.Cmd
	if r.direct {
		cmd = exec.Command(argv[0], argv[1:]...)
	} else {
		cmd = exec.Command("unshare", append([]string{"-m", "sh", "-c", `mount -t tmpfs tmpfs /run && mkdir /run/sshd && exec "$@"`, "sh"}, argv...)...)
	}
	cmd.Env = append(os.Environ(), "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// scratchRoot lays out a Debian host's files under a temporary directory:
// os-release, an admin alice (with an authorised key when withKey), a
// host key, a Debian-like sshd_config and a cloud-init drop-in that turns
// passwords on.
func scratchRoot(t *testing.T, withKey bool) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel, content string, mode os.FileMode) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", 0o644)
	write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n", 0o644)
	hostKey := filepath.Join(root, "etc/ssh/ssh_host_ed25519_key")
	write("etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n", 0o644)
	write("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n\nHostKey "+hostKey+
		"\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\n", 0o644)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	if withKey {
		userKey := filepath.Join(t.TempDir(), "alice")
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@laptop", "-f", userKey).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
		pub, err := os.ReadFile(userKey + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		write("home/alice/.ssh/authorized_keys", "# alice's laptop\n"+string(pub), 0o600)
	} else {
		write("home/alice/.ssh/authorized_keys", "# no key yet\n", 0o600)
	}
	return root
}

// effective is what sshd makes of the scratch root's configuration
// (`sshd -T`, its includes pointed into the scratch root).
func effective(t *testing.T, r sshdRunner, root string) map[string][]string {
	t.Helper()
	conf, err := os.ReadFile(filepath.Join(root, "etc/ssh/sshd_config"))
	if err != nil {
		t.Fatal(err)
	}
	rewritten := strings.ReplaceAll(string(conf), "Include /etc/ssh/", "Include "+root+"/etc/ssh/")
	check := filepath.Join(t.TempDir(), "sshd_config")
	if err := os.WriteFile(check, []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := r.run(t, "sshd", "-t", "-f", check); code != 0 {
		t.Fatalf("sshd -t refuses the result: %s", out)
	}
	out, code := r.run(t, "sshd", "-T", "-f", check)
	if code != 0 {
		t.Fatalf("sshd -T: %s", out)
	}
	m := map[string][]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, " "); ok {
			m[k] = append(m[k], v)
		}
	}
	return m
}

func wantSettings(t *testing.T, when string, got map[string][]string, ports ...string) {
	t.Helper()
	want := map[string][]string{
		"port":                         ports,
		"passwordauthentication":       {"no"},
		"kbdinteractiveauthentication": {"no"},
		"permitemptypasswords":         {"no"},
		"pubkeyauthentication":         {"yes"},
		"permitrootlogin":              {"without-password"}, // sshd -T's name for prohibit-password
		"authenticationmethods":        {"publickey"},
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s: sshd -T says %s %q, want %q", when, k, got[k], v)
		}
	}
}

// ufwCommands are the firewall commands the script printed.
func ufwCommands(out string) []string {
	var cmds []string
	for _, l := range strings.Split(out, "\n") {
		if _, c, ok := strings.Cut(l, "firewall (not run on a scratch root): ufw "); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

func TestHardenHost(t *testing.T) {
	r := newSSHDRunner(t)
	root := scratchRoot(t, true)
	dropin := filepath.Join(root, "etc/ssh/sshd_config.d/00-mcpgate-harden.conf")
	harden := func(args ...string) (string, int) {
		t.Helper()
		return r.run(t, append([]string{script, "--root", root, "--admin", "alice"}, args...)...)
	}

	// --dry-run prints the drop-in and the firewall commands and writes
	// nothing.
	out, code := harden("--dry-run", "--ssh-port", "2222")
	if code != 0 || !strings.Contains(out, "would: write "+dropin) || !strings.Contains(out, "    PasswordAuthentication no") ||
		!slices.Contains(ufwCommands(out), "allow 2222/tcp") {
		t.Fatalf("--dry-run: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(dropin); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("--dry-run wrote %s (%v)", dropin, err)
	}

	// A move to 2222: sshd listens on 22 and 2222; the firewall lets in
	// 80, 443, 22 and 2222 and nothing else.
	out, code = harden("--ssh-port", "2222")
	if code != 0 {
		t.Fatalf("harden --ssh-port 2222: exit %d\n%s", code, out)
	}
	wantSettings(t, "during the move", effective(t, r, root), "22", "2222")
	firewall := ufwCommands(out)
	wantFirewall := []string{"default deny incoming", "default allow outgoing", "allow 80/tcp", "allow 443/tcp", "allow 22/tcp", "allow 2222/tcp", "--force enable"}
	if !slices.Equal(firewall, wantFirewall) {
		t.Errorf("firewall during the move: %q, want %q", firewall, wantFirewall)
	}
	if i, j := strings.Index(out, "allow 2222/tcp"), strings.Index(out, "write "+dropin); i < 0 || j < i {
		t.Errorf("the new port is not opened in the firewall before sshd's configuration changes:\n%s", out)
	}
	before, err := os.ReadFile(dropin)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(dropin)

	// The same run again changes nothing.
	out, code = harden("--ssh-port", "2222")
	if code != 0 || !strings.Contains(out, "already in place") || strings.Contains(out, "change:") {
		t.Errorf("second run: exit %d, want nothing changed\n%s", code, out)
	}
	if after, _ := os.ReadFile(dropin); !bytes.Equal(after, before) {
		t.Error("the second run rewrote the drop-in")
	}
	if info2, _ := os.Stat(dropin); !info2.ModTime().Equal(info.ModTime()) {
		t.Error("the second run touched the drop-in")
	}

	// Finishing the move: 2222 alone, 22 closed.
	out, code = harden("--ssh-port", "2222", "--close-old-port")
	if code != 0 {
		t.Fatalf("--close-old-port: exit %d\n%s", code, out)
	}
	wantSettings(t, "after the move", effective(t, r, root), "2222")
	firewall = ufwCommands(out)
	if !slices.Contains(firewall, "delete allow 22/tcp") || slices.Contains(firewall, "allow 22/tcp") || !slices.Contains(firewall, "allow 2222/tcp") {
		t.Errorf("firewall after the move: %q, want 2222 allowed and 22 deleted", firewall)
	}

	// No --ssh-port keeps the port in use.
	out, code = harden()
	if code != 0 || !strings.Contains(out, "configured on port(s) 2222; after this run: 2222") || !strings.Contains(out, "already in place") {
		t.Errorf("run without --ssh-port: exit %d\n%s", code, out)
	}

	// Every firewall command the script gives is one ufw accepts.
	if out, code := r.run(t, "ufw", "--dry-run", "status"); code != 0 {
		t.Logf("ufw --dry-run is not usable here, firewall commands not checked by ufw: %s", strings.TrimSpace(out))
		if _, err := exec.LookPath("ufw"); err != nil {
			parts.Missing(t, "ufw", "apt-get install -y ufw")
		}
	} else {
		for _, c := range append(slices.Clone(wantFirewall[:len(wantFirewall)-1]), "delete allow 22/tcp") {
			if out, code := r.run(t, append([]string{"ufw", "--dry-run"}, strings.Fields(c)...)...); code != 0 {
				t.Errorf("ufw --dry-run %s: exit %d\n%s", c, code, out)
			}
		}
	}
}

// TestHardenHostRefusals: without the admin's authorised key, on a host
// that is not Debian or Ubuntu, or when sshd -t refuses the result, the
// script changes nothing and says why.
func TestHardenHostRefusals(t *testing.T) {
	r := newSSHDRunner(t)
	cases := []struct {
		name  string
		setup func(root string)
		want  string
	}{
		{"no authorised key", func(root string) {
			os.WriteFile(filepath.Join(root, "home/alice/.ssh/authorized_keys"), []byte("# no key yet\n"), 0o600)
		}, "refusing to turn off password login: alice has no authorised SSH key"},
		{"not Debian", func(root string) {
			os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=fedora\n"), 0o644)
		}, "is not Debian or Ubuntu"},
		{"sshd -t refuses", func(root string) {
			os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config.d/60-typo.conf"), []byte("PasswordAuthentcation yes\n"), 0o644)
		}, "sshd -t refuses the new configuration, so nothing was changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := scratchRoot(t, true)
			c.setup(root)
			out, code := r.run(t, script, "--root", root, "--admin", "alice", "--ssh-port", "2222")
			if code == 0 || !strings.Contains(out, c.want) {
				t.Errorf("exit %d, want non-zero and %q:\n%s", code, c.want, out)
			}
			if _, err := os.Stat(filepath.Join(root, "etc/ssh/sshd_config.d/00-mcpgate-harden.conf")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the drop-in was written despite the refusal (%v)", err)
			}
		})
	}
}

// TestHardenHostLive runs the script for real, as root on this Debian
// machine's own files, inside private mount and network namespaces: /etc
// is a copy, /root and /run are empty, and the firewall is real UFW and
// iptables in a network namespace of its own, so the machine is not
// touched. systemd cannot run here: systemctl is a stand-in that records
// what it was asked. It checks the firewall UFW reports after a move and
// after closing the old port, that each second run changes nothing, and
// that sshd is reloaded once per change. A rule added by hand before
// stays, and is named.
func TestHardenHostLive(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root: it runs the script for real in private namespaces")
	}
	for _, tool := range []string{"sshd", "ssh-keygen", "ufw", "iptables", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err := os.Stat("/usr/sbin/" + tool); err != nil {
				parts.Missing(t, "ufw", "apt-get install -y openssh-server ufw iptables")
			}
		}
	}
	if err := exec.Command("unshare", "-m", "-n", "sh", "-c", "ufw status >/dev/null").Run(); err != nil {
		parts.Missing(t, "ufw", "ufw cannot run in a private network namespace here (needs root and iptables)")
	}
	dir := t.TempDir()
	shim := filepath.Join(dir, "bin", "systemctl")
	calls := filepath.Join(dir, "systemctl.log")
	if err := os.MkdirAll(filepath.Dir(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shim, []byte("#!/bin/sh\necho \"$*\" >> "+calls+"\n[ \"$1\" != is-enabled ]\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "admin")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	// Each step prints a marker, so the output splits into its runs.
	sandbox := `set -e
mkdir "$D/etc" && cp -a /etc/. "$D/etc/" && mount --bind "$D/etc" /etc
mount -t tmpfs tmpfs /run && mkdir /run/sshd
mount -t tmpfs tmpfs /root && mkdir -m 700 /root/.ssh && cp "$D/admin.pub" /root/.ssh/authorized_keys
export PATH="$D/bin:$PATH" SUDO_USER=root
ufw allow 8080/tcp >/dev/null # a rule from before, which stays
step() { echo "=== $*"; "$S" "$@" || echo "exit $?"; ufw status verbose; }
step --ssh-port 2222
step --ssh-port 2222
step --ssh-port 2222 --close-old-port
step --ssh-port 2222 --close-old-port
echo "=== sshd -T"; sshd -T | grep -E '^(port|passwordauthentication) '
`
	cmd := exec.Command("unshare", "-m", "-n", "sh", "-c", sandbox)
	cmd.Env = append(os.Environ(), "D="+dir, "S="+abs)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, out)
	}
	runs := strings.Split(string(out), "=== ")[1:]
	if len(runs) != 5 {
		t.Fatalf("the sandbox ran %d steps, want 5:\n%s", len(runs), out)
	}
	allowed := func(run string) []string {
		var rules []string
		for _, l := range strings.Split(run, "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[1] == "ALLOW" && f[2] == "IN" {
				rules = append(rules, f[0])
			}
		}
		return rules
	}
	for i, c := range []struct {
		allowed []string
		changed bool
	}{
		{[]string{"8080/tcp", "80/tcp", "443/tcp", "22/tcp", "2222/tcp"}, true},
		{[]string{"8080/tcp", "80/tcp", "443/tcp", "22/tcp", "2222/tcp"}, false},
		{[]string{"8080/tcp", "80/tcp", "443/tcp", "2222/tcp"}, true},
		{[]string{"8080/tcp", "80/tcp", "443/tcp", "2222/tcp"}, false},
	} {
		run := runs[i]
		if strings.Contains(run, "\nexit ") || !strings.Contains(run, "Status: active") || !strings.Contains(run, "Default: deny (incoming)") {
			t.Errorf("step %d: the script failed or the firewall is not active and denying:\n%s", i+1, run)
		}
		if got := allowed(run); !slices.Equal(got, c.allowed) {
			t.Errorf("step %d: the firewall lets in %q, want %q", i+1, got, c.allowed)
		}
		// (UFW lists no rules while it is inactive, as before the first run.)
		if i > 0 && !strings.Contains(run, "note: the firewall also lets in 8080/tcp (added before this script)") {
			t.Errorf("step %d: the rule added by hand is not named:\n%s", i+1, run)
		}
		if changed := strings.Contains(run, "change:"); changed != c.changed {
			t.Errorf("step %d: changed = %v, want %v:\n%s", i+1, changed, c.changed, run)
		}
	}
	if i, j := strings.Index(runs[0], "change: ufw allow 2222/tcp"), strings.Index(runs[0], "change: write /etc/ssh"); i < 0 || j < i {
		t.Errorf("the new port was not opened before sshd's configuration changed:\n%s", runs[0])
	}
	if got := runs[4]; !strings.Contains(got, "port 2222\n") || strings.Contains(got, "port 22\n") || !strings.Contains(got, "passwordauthentication no") {
		t.Errorf("sshd -T in the sandbox after the move:\n%s", got)
	}
	log, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "reload ssh\n"); n != 2 {
		t.Errorf("sshd reloaded %d times, want 2 (one per change):\n%s", n, log)
	}
	if _, err := os.Stat("/etc/ssh/sshd_config.d/00-mcpgate-harden.conf"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the machine's own /etc/ssh got the drop-in (%v): the sandbox leaked", err)
	}
}
