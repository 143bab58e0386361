package slack_test

import (
	"path"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// slackReads are the Web API methods that change nothing. Slack takes
// every method by POST, so a write is any other method.
var slackReads = map[string]bool{
	"auth.test": true, "conversations.history": true, "conversations.info": true, "conversations.list": true,
	"conversations.replies": true, "team.info": true, "users.info": true, "users.list": true, "users.lookupByEmail": true,
}

// TestConformance runs the checks every connector must pass.
func TestConformance(t *testing.T) {
	s := suite
	s.Mutating = func(e connectortest.Exchange) bool { return !slackReads[path.Base(e.URL.Path)] }
	connectortest.Run(t, s, connectortest.Options{})
}
