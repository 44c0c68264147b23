#!/usr/bin/env bash
# Builds the stack's OpenTelemetry Collector with the Collector Builder (ocb) from the manifest
# infra/otel-collector/builder-config.yaml, at OTELCOL_VERSION from the root .env — the release the
# compose image pins — into the engine cache (reused when present). The binary runs the stack's own
# infra/otel-collector/config.yaml unchanged (ports and endpoints from env). See docs/native-backends.md.
set -euo pipefail
ENGINE_NAME=otelcol
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version="$(env_version OTELCOL_VERSION)"
manifest="$REPO_ROOT/infra/otel-collector/builder-config.yaml"
dir="$ENGINE_CACHE/otelcol-$version"
bin="$dir/bin/otelcol-mesh"
[ -f "$manifest" ] || engine_fail "builder manifest missing: $manifest"
grep -q "version: $version" "$manifest" ||
  engine_fail "$manifest does not name OTELCOL_VERSION=$version from .env (keep them equal)"

# The manifest's digest is part of the marker, so editing the component list rebuilds.
digest="$(sha256sum "$manifest" | cut -c1-16)"
if engine_done "$dir" && grep -q "manifest $digest" "$dir/.built"; then
  engine_log "cached: $bin (Collector $version, manifest $digest)"
  exit 0
fi
require_tool go "Go with the Go module proxy is needed to build the Collector"

engine_log "building the Collector $version from $manifest into $dir"
rm -f "$dir/.built" # a half-finished build is never taken for a finished one
mkdir -p "$dir/bin"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
if [ ! -x "$dir/bin/builder" ]; then
  engine_log "installing the Collector Builder v$version (go install)"
  GOBIN="$dir/bin" nice -n 10 go install "go.opentelemetry.io/collector/cmd/builder@v$version" ||
    engine_fail "go install go.opentelemetry.io/collector/cmd/builder@v$version"
fi
engine_log "generating and compiling (nice ocb)"
# The manifest's dist.output_path is relative (./otelcol-mesh): run inside the cache so sources
# and binary land there, never in the repo.
(cd "$dir" && nice -n 10 ./bin/builder --config="$manifest" --ldflags="-s -w") ||
  engine_fail "the Collector Builder failed on $manifest"
install -m 0755 "$dir/otelcol-mesh/otelcol-mesh" "$bin"
engine_mark_done "$dir" "$bin"
echo "manifest $digest" >>"$dir/.built"
engine_log "built $bin ($(du -sh "$bin" | cut -f1)); components:"
"$bin" components 2>/dev/null | sed -n 's/^ *- name: /  /p; s/^\([a-z]*\):$/ \1/p' || true
