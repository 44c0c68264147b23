#!/usr/bin/env bash
# Builds Jaeger v2 from the Go module proxy into the engine cache (reused when present).
# Jaeger v2 releases are published as Go module versions v1.x (v1.76.0 = Jaeger v2.13.0); a tagged
# `go install …/cmd/jaeger@v1.x` fails because of a `replace` in Jaeger's go.mod, so a small wrapper
# module of our own requires it as a tool and builds that package. Built from the module the UI is a
# placeholder page; the query API (/api/traces/{id}, /api/v3/traces, /api/services) works.
# Versions: JAEGER_VERSION / JAEGER_GO_MODULE_VERSION in the root .env. See docs/native-backends.md.
set -euo pipefail
ENGINE_NAME=jaeger
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version="$(env_version JAEGER_VERSION)"
module_version="$(env_version JAEGER_GO_MODULE_VERSION)"
dir="$ENGINE_CACHE/jaeger-$version"
bin="$dir/bin/jaeger"

if engine_done "$dir"; then
  engine_log "cached: $bin (Jaeger $version, module $module_version)"
  exit 0
fi
require_tool go "Go with the Go module proxy is needed to build Jaeger"

engine_log "building Jaeger $version (github.com/jaegertracing/jaeger $module_version) in $dir"
rm -f "$dir/.built" # a half-finished build is never taken for a finished one
mkdir -p "$dir/src" "$dir/bin"
cd "$dir/src"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
[ -f go.mod ] || go mod init observable-mesh.local/jaeger-build >/dev/null 2>&1 ||
  engine_fail "go mod init in $dir/src"
engine_log "resolving modules (go get -tool)"
go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$module_version" ||
  engine_fail "go get -tool github.com/jaegertracing/jaeger/cmd/jaeger@$module_version"
engine_log "compiling (nice go build)"
# The version stamp makes `jaeger version` and the startup log say which Jaeger this is.
ldflags="-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=v$version"
ldflags+=" -X github.com/jaegertracing/jaeger/internal/version.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" github.com/jaegertracing/jaeger/cmd/jaeger ||
  engine_fail "go build github.com/jaegertracing/jaeger/cmd/jaeger"
mv "$bin.tmp" "$bin"
engine_mark_done "$dir" "$bin"
engine_log "built $bin ($(du -sh "$bin" | cut -f1))"
