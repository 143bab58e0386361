# syntax=docker/dockerfile:1
#
# mcpgate in a container: a static binary on distroless, running as the
# non-root user 65532, with all state in the /data volume.
#
# Build (the same flags and version stamp as `make build`; deploy/compose_test.go
# checks that they stay the same):
#   make image        # docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t mcpgate:latest .
# deploy/compose.yaml runs the image with limits, read-only, as non-root.
#
# Initialise the volume once (data dir, config, KEK, database, owner user;
# idempotent, never overwrites the KEK):
#   docker run --rm -v mcpgate:/data mcpgate init --owner alice
# (A named volume starts out owned by uid 65532 with mode 0700; a bind mount
# must be made so by hand: install -d -m 0700 -o 65532 -g 65532 /srv/mcpgate.)
#
# Serve. Inside a container the default listen address, 127.0.0.1:8443, is
# unreachable from outside, so set MCPGATE_LISTEN=0.0.0.0:8443. mcpgate
# refuses plain HTTP on a non-loopback address unless TLS is on or
# MCPGATE_BEHIND_PROXY=true says a reverse proxy terminates TLS in front:
#
#   behind a TLS-terminating proxy (publish the port to the proxy only):
#   docker run -d --name mcpgate -v mcpgate:/data -p 127.0.0.1:8443:8443 \
#     -e MCPGATE_LISTEN=0.0.0.0:8443 -e MCPGATE_BEHIND_PROXY=true \
#     -e MCPGATE_PUBLIC_URL=https://mcp.example.com mcpgate
#
#   with its own ACME certificate (public ports 443 and 80):
#   docker run -d --name mcpgate -v mcpgate:/data -p 443:8443 -p 80:8080 \
#     -e MCPGATE_LISTEN=0.0.0.0:8443 -e MCPGATE_TLS_MODE=auto \
#     -e MCPGATE_TLS_DOMAINS=mcp.example.com -e MCPGATE_TLS_HTTP_LISTEN=0.0.0.0:8080 \
#     -e MCPGATE_PUBLIC_URL=https://mcp.example.com mcpgate
#
# Metrics: the admin listener defaults to 127.0.0.1:9090, which is the
# container's own loopback; to scrape /metrics from outside set
# MCPGATE_ADMIN_LISTEN=0.0.0.0:9090 and publish 9090 only to the monitoring
# network (it has no authentication).
#
# Admin commands run in the same container, on the same volume:
#   docker exec -i mcpgate /mcpgate connect add github --token-stdin < token
#   docker exec mcpgate /mcpgate key create --name laptop --print-config claude
#
# Security: /data holds the KEK next to the database. Back the KEK up apart
# from the volume's other backups (without it nothing stored can be opened;
# with it and the database, everything can), or keep it outside the volume
# with a read-only mount and MCPGATE_KEK_FILE. Pass secrets (a database URL
# with a password, OAuth client secrets) with --env-file or a secret mount,
# not in this file. The image has no shell and no curl: the binary probes
# itself, `/mcpgate healthcheck http://127.0.0.1:9090/healthz` (exit 0 when
# serve answers), as deploy/compose.yaml's health check does.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Modules first, so a source change does not download them again. The
# patched go-sdk (a replace directive) is part of the module graph.
COPY go.mod go.sum ./
COPY third_party/ third_party/
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o /out/mcpgate ./cmd/mcpgate
# The data dir, made here because the final image has no shell: a new named
# volume copies its owner (nonroot) and mode (0700).
RUN mkdir -p /out/data && chmod 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="mcpgate" \
      org.opencontainers.image.description="Self-hosted MCP gateway that keeps upstream credentials in its own vault" \
      org.opencontainers.image.version="$VERSION"
COPY --from=build /out/mcpgate /mcpgate
COPY --from=build --chown=65532:65532 /out/data /data
ENV MCPGATE_DATA_DIR=/data
VOLUME /data
# 8443: the gateway (/mcp, /oauth/callback, /healthz); 9090: /metrics.
EXPOSE 8443 9090
USER 65532:65532
ENTRYPOINT ["/mcpgate"]
CMD ["serve"]
