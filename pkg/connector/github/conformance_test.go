package github_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// TestConformance runs the checks every connector must pass.
func TestConformance(t *testing.T) {
	connectortest.Run(t, suite, connectortest.Options{})
}
