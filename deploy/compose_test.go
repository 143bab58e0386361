// Package deploy_test checks what deploy/ ships to run mcpgate in
// containers, since no container engine runs where the tests do: every
// service of compose.yaml is confined (limits, non-root, read-only root,
// no capabilities, no-new-privileges, a health check, its data on a
// volume), and the Dockerfile builds the binary as `make build` does.
package deploy_test

import (
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgate/mcpgate/pkg/config"
)

// service is the part of a compose service these checks read.
type service struct {
	Image       string            `yaml:"image"`
	User        string            `yaml:"user"`
	ReadOnly    bool              `yaml:"read_only"`
	CapDrop     []string          `yaml:"cap_drop"`
	CapAdd      []string          `yaml:"cap_add"`
	SecurityOpt []string          `yaml:"security_opt"`
	Privileged  bool              `yaml:"privileged"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Deploy      struct {
		Resources struct {
			Limits struct {
				CPUs   string `yaml:"cpus"`
				Memory string `yaml:"memory"`
			} `yaml:"limits"`
		} `yaml:"resources"`
	} `yaml:"deploy"`
	Healthcheck struct {
		Test    []string `yaml:"test"`
		Disable bool     `yaml:"disable"`
	} `yaml:"healthcheck"`
	NetworkMode string `yaml:"network_mode"`
	Pid         string `yaml:"pid"`
}

type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if len(f.Services) == 0 {
		t.Fatal("compose.yaml has no services")
	}
	return f
}

// dataDirs is where each service keeps its state.
var dataDirs = map[string]string{"mcpgate": "/data", "postgres": "/var/lib/postgresql/data"}

func TestEveryServiceIsConfined(t *testing.T) {
	f := readCompose(t)
	if _, ok := f.Services["mcpgate"]; !ok {
		t.Fatal("compose.yaml has no mcpgate service")
	}
	for name, s := range f.Services {
		t.Run(name, func(t *testing.T) {
			uid, _, _ := strings.Cut(s.User, ":")
			if n, err := strconv.Atoi(uid); err != nil || n == 0 {
				t.Errorf("user = %q, want a numeric non-root uid (a name may resolve to root in another image)", s.User)
			}
			if !s.ReadOnly {
				t.Error("read_only is not true: the root file system is writable")
			}
			if !slices.Equal(s.CapDrop, []string{"ALL"}) {
				t.Errorf("cap_drop = %q, want [ALL]", s.CapDrop)
			}
			if s.Privileged || s.NetworkMode == "host" || s.Pid == "host" {
				t.Error("the service is privileged or shares the host's network or PID namespace")
			}
			if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") && !slices.Contains(s.SecurityOpt, "no-new-privileges") {
				t.Errorf("security_opt = %q, want no-new-privileges:true", s.SecurityOpt)
			}
			lim := s.Deploy.Resources.Limits
			if cpus, err := strconv.ParseFloat(lim.CPUs, 64); err != nil || cpus <= 0 {
				t.Errorf("deploy.resources.limits.cpus = %q, want a positive number", lim.CPUs)
			}
			if !regexp.MustCompile(`^[1-9][0-9]*[kKmMgG]$`).MatchString(lim.Memory) {
				t.Errorf("deploy.resources.limits.memory = %q, want a size such as 512M", lim.Memory)
			}
			if s.Healthcheck.Disable || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" {
				t.Errorf("healthcheck.test = %q, want an exec-form CMD check", s.Healthcheck.Test)
			}
			dir, ok := dataDirs[name]
			if !ok {
				t.Fatalf("no data dir known for service %s: add it to dataDirs", name)
			}
			volume := ""
			for _, v := range s.Volumes {
				if src, dst, _ := strings.Cut(v, ":"); dst == dir {
					volume = src
				}
			}
			if _, declared := f.Volumes[volume]; volume == "" || !declared {
				t.Errorf("volumes = %q: want a named volume, declared at the top level, mounted at %s", s.Volumes, dir)
			}
			for _, p := range s.Ports {
				if host, _, _ := strings.Cut(p, ":"); name == "postgres" || host == "" {
					t.Errorf("port %q: PostgreSQL is for mcpgate alone; publish nothing of it", p)
				}
			}
		})
	}
}

// TestMcpgateServiceIsAValidConfig loads the mcpgate service's environment
// as mcpgate would, then checks the health check against the address it
// listens on, the data dir against the volume and the image, and that
// NET_BIND_SERVICE is added only when the container binds a port below
// 1024.
func TestMcpgateServiceIsAValidConfig(t *testing.T) {
	s := readCompose(t).Services["mcpgate"]
	var env []string
	for k, v := range s.Environment {
		// Variables compose fills in from the shell: their defaults.
		v = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`).ReplaceAllString(v, "$1")
		env = append(env, k+"="+v)
	}
	cfg, err := config.Load(config.Options{Env: env})
	if err != nil {
		t.Fatalf("the mcpgate service's environment is not a valid configuration: %v", err)
	}
	if cfg.DataDir != dataDirs["mcpgate"] {
		t.Errorf("data dir = %q, want %s, where the volume is mounted (and the Dockerfile's MCPGATE_DATA_DIR)", cfg.DataDir, dataDirs["mcpgate"])
	}
	dockerfile := readFile(t, "../Dockerfile")
	if !strings.Contains(dockerfile, "ENV MCPGATE_DATA_DIR="+cfg.DataDir) || !strings.Contains(dockerfile, "USER "+s.User) {
		t.Errorf("the Dockerfile's data dir or user differs from the service's (%s, %s)", cfg.DataDir, s.User)
	}

	hc := s.Healthcheck.Test
	if len(hc) != 4 || hc[1] != "/mcpgate" || hc[2] != "healthcheck" {
		t.Fatalf("healthcheck.test = %q, want [CMD /mcpgate healthcheck URL]", hc)
	}
	u, err := url.Parse(hc[3])
	if err != nil || u.Path != "/healthz" {
		t.Fatalf("health check URL %q: want one ending in /healthz", hc[3])
	}
	if u.Host != cfg.Admin.Listen && u.Host != cfg.Listen {
		t.Errorf("health check probes %s, where nothing listens (gateway %s, admin %s)", u.Host, cfg.Listen, cfg.Admin.Listen)
	}
	if u.Scheme != "http" && u.Host == cfg.Admin.Listen {
		t.Errorf("the admin listener speaks plain HTTP; the health check says %s", u.Scheme)
	}

	binds := []string{cfg.Listen, cfg.Admin.Listen}
	if cfg.TLS.Mode == "auto" {
		binds = append(binds, cfg.TLS.HTTPListen)
	}
	low := false
	for _, a := range binds {
		_, port, err := net.SplitHostPort(a)
		n, perr := strconv.Atoi(port)
		if err != nil || perr != nil {
			t.Fatalf("listen address %q", a)
		}
		low = low || n < 1024
	}
	switch {
	case low && !slices.Equal(s.CapAdd, []string{"NET_BIND_SERVICE"}):
		t.Errorf("the service binds a port below 1024 (%q) and cap_add = %q: want exactly [NET_BIND_SERVICE]", binds, s.CapAdd)
	case !low && len(s.CapAdd) != 0:
		t.Errorf("cap_add = %q, but the service binds no port below 1024 (%q): add nothing", s.CapAdd, binds)
	}
}

// TestDockerfileBuildsAsMakeBuild: the image's binary is built with the
// flags `make build` uses, stamped with the same version: `make image`
// hands the Makefile's VERSION to the Dockerfile's build argument.
func TestDockerfileBuildsAsMakeBuild(t *testing.T) {
	mk := readFile(t, "../Makefile")
	df := readFile(t, "../Dockerfile")

	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(?:export )?([A-Z_]+)\s*[:?]?=\s*(.*)$`).FindAllStringSubmatch(mk, -1) {
		vars[m[1]] = strings.TrimSpace(m[2])
	}
	makeBuild := recipeLine(t, mk, "build", "build ")
	makeBuild = regexp.MustCompile(`\$\((LDFLAGS|BIN|GO)\)`).ReplaceAllStringFunc(makeBuild, func(v string) string {
		return vars[v[2:len(v)-1]]
	})
	want := goBuild(t, "make build", makeBuild)

	var run string
	for _, r := range dockerRuns(df) {
		if strings.Contains(r, "go build") {
			run = r
		}
	}
	if run == "" {
		t.Fatal("the Dockerfile has no RUN with go build")
	}
	got := goBuild(t, "the Dockerfile", run)
	if !slices.Equal(got, want) {
		t.Errorf("the Dockerfile builds with %q, make build with %q", got, want)
	}

	if vars["CGO_ENABLED"] != "0" || !regexp.MustCompile(`(?m)^ENV CGO_ENABLED=0$`).MatchString(df) {
		t.Errorf("CGO_ENABLED: make %q; the Dockerfile must set ENV CGO_ENABLED=0 too", vars["CGO_ENABLED"])
	}
	joined := strings.ReplaceAll(df, "\\\n", " ")
	build := joined[:strings.Index(joined, run)]
	if i := strings.LastIndex(build, "\nFROM "); i < 0 || !regexp.MustCompile(`(?m)^ARG VERSION(=.*)?$`).MatchString(build[i:]) {
		t.Error("the Dockerfile's build stage declares no ARG VERSION before go build: the version stamp would be empty")
	}
	image := recipeLine(t, mk, "image", "docker build")
	if !strings.Contains(image, "--build-arg VERSION=$(VERSION)") {
		t.Errorf("make image runs %q: want --build-arg VERSION=$(VERSION), the stamp make build uses", image)
	}
}

// goBuild returns a go build command's flags and package, with the
// output path dropped and the version variable named alike.
func goBuild(t *testing.T, where, line string) []string {
	t.Helper()
	line = regexp.MustCompile(`\$\(VERSION\)|\$\{VERSION\}|\$VERSION`).ReplaceAllString(line, "VERSION")
	words := shellWords(line)
	i := slices.Index(words, "build")
	if i < 1 || words[i-1] != "go" {
		t.Fatalf("%s: no go build in %q", where, line)
	}
	var out []string
	for j := i + 1; j < len(words); j++ {
		if words[j] == "-o" {
			j++
			continue
		}
		out = append(out, words[j])
	}
	return out
}

// recipeLine is the first line of target's recipe containing marker.
func recipeLine(t *testing.T, mk, target, marker string) string {
	t.Helper()
	_, body, ok := strings.Cut(mk, "\n"+target+":")
	if !ok {
		t.Fatalf("the Makefile has no %s target", target)
	}
	for _, l := range strings.Split(body, "\n")[1:] {
		if !strings.HasPrefix(l, "\t") {
			break
		}
		if strings.Contains(l, marker) {
			return strings.TrimSpace(l)
		}
	}
	t.Fatalf("the Makefile's %s target runs no %q", target, marker)
	return ""
}

// dockerRuns returns the Dockerfile's RUN instructions, continuation
// lines joined.
func dockerRuns(df string) []string {
	df = strings.ReplaceAll(df, "\\\n", " ")
	var runs []string
	for _, l := range strings.Split(df, "\n") {
		if strings.HasPrefix(l, "RUN ") {
			runs = append(runs, l)
		}
	}
	return runs
}

// shellWords splits a command line as a shell would, for the quoting
// the Makefile and the Dockerfile use ('…' and "…").
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
