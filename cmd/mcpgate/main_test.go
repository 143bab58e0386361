package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mcpgate":                func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"mcpgate-probe-dumpable": probeDumpable,
	})
}

// canaryToken is the GitHub token the scripts connect with; no output may
// ever contain it.
const canaryToken = "ghp_CANARY0000cli0000SECRET0000token0001"

func TestScripts(t *testing.T) {
	gh := githubfake.New(canaryToken)
	t.Cleanup(gh.Close)
	bin := mcpServers(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("MCPGATE_DATA_DIR", env.WorkDir+"/data")
			env.Setenv("MCPGATE_CONNECTORS_GITHUB_API_URL", gh.URL)
			env.Setenv("CANARY", canaryToken)
			env.Setenv("USER", "owner")
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("MCPCANARY", "CANARY_cli_")
			env.Setenv("EVERYTHING_ADDR", freeAddr(t))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"seedaudit":  seedAudit,
			"tamper":     tamper,
			"forgeaudit": forgeAudit,
			"cutaudit":   cutAudit,
			"seedlegacy": seedLegacy,
			"foreign":    foreign,
			"seedconn":   seedConn,
			"waitport":   waitPort,
		},
	})
}
