# mcpgate — build, run and test targets.
GO        ?= go
BIN       := bin/mcpgate
DATA_DIR  ?= ./data
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOBIN     := $(shell $(GO) env GOPATH)/bin
PEBBLE_VERSION := v2.10.1

export CGO_ENABLED := 0
SHELL := /bin/bash

.PHONY: build run test test-tools interop bench fuzz mutants lint fmt clean vendor-go-sdk

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/mcpgate

# Build, initialise ./data on first use (SQLite + local KEK), and serve on
# http://127.0.0.1:8443/mcp.
run: build
	@test -f $(DATA_DIR)/kek || ./$(BIN) init --data-dir $(DATA_DIR)
	./$(BIN) serve --data-dir $(DATA_DIR)

# The whole suite. PostgreSQL tests run when MCPGATE_TEST_POSTGRES_URL is set
# (.ci/run sets it); without it they skip with a message, as the browser
# tests do without Chromium. MCPGATE_TEST_REQUIRE=postgres,chromium makes
# those parts required. The run ends with a summary of what ran and skipped.
test: test-tools
	@set -o pipefail; PATH="$(GOBIN):$$PATH" $(GO) test -count=1 -json -timeout 30m ./... | $(GO) run ./test/summary
	cd third_party/go-sdk && $(GO) test -count=1 ./internal/json/

# What the end-to-end tests drive: the ACME test CA, the official
# TypeScript MCP client, the MCP servers from npm put behind the gateway,
# and the official MCP conformance suite with the Node.js 22 it runs on
# (from the committed lockfiles).
test-tools:
	@command -v $(GOBIN)/pebble >/dev/null || CGO_ENABLED=0 $(GO) install github.com/letsencrypt/pebble/v2/cmd/pebble@$(PEBBLE_VERSION)
	@command -v $(GOBIN)/pebble-challtestsrv >/dev/null || CGO_ENABLED=0 $(GO) install github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv@$(PEBBLE_VERSION)
	@cd test/interop && (test -d node_modules || npm ci --no-audit --no-fund --loglevel=error)
	@cd test/mcpservers && (test -d node_modules || npm ci --no-audit --no-fund --loglevel=error)
	@cd test/conformance && (test -d node_modules || npm ci --no-audit --no-fund --loglevel=error)

interop: test-tools
	$(GO) test -count=1 -run Interop ./test/...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./test/bench/

# Every native fuzz target for FUZZTIME each (default 60s); their seed
# corpora already run in `make test`.
fuzz:
	FUZZTIME=$(or $(FUZZTIME),60s) ./scripts/fuzz.sh

# Break each security property once, in a scratch copy of the tree, and
# fail if the test that claims to catch the break still passes.
mutants:
	./scripts/mutants.sh

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l cmd pkg test configs); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	shellcheck scripts/*.sh
	scripts/vendor-go-sdk.sh --check

# Rebuild third_party/go-sdk from the go-sdk release in the module cache and
# third_party/go-sdk.patch (see third_party/go-sdk/PATCHED.md).
vendor-go-sdk:
	scripts/vendor-go-sdk.sh

fmt:
	gofmt -w cmd pkg test configs

clean:
	rm -rf bin
