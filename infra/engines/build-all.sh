#!/usr/bin/env bash
# Builds (or reuses from the engine cache) every engine the native runs need beyond Debian's packages:
# the OpenTelemetry Collector, Jaeger v2 and OpenSearch (standing in for Elasticsearch). Versions come
# from the root .env; the cache is ${OBSERVABLE_MESH_CACHE:-$HOME/.cache/observable-mesh}/engines.
# Called by infra/ci/install-engines.sh; see docs/native-backends.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$SECONDS
summary=()
for engine in collector jaeger opensearch; do
  t0=$SECONDS
  if ! bash "$here/build-$engine.sh"; then
    echo "build-all: FAILED building $engine (see the lines above); the other engines were not checked" >&2
    exit 1
  fi
  summary+=("$engine $((SECONDS - t0))s")
done
echo "build-all: engines ready in $((SECONDS - start))s (${summary[*]})"
