# shellcheck shell=bash
# Shared helpers of the engine build scripts in infra/engines/ (sourced, not run).
# Versions come from the repo's root .env — the one place compose pins the same versions.
# Builds land in ${OBSERVABLE_MESH_CACHE:-$HOME/.cache/observable-mesh}/engines/<name>-<version>/,
# never in the repo, and are reused when their marker file is present. See docs/native-backends.md.

ENGINES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$ENGINES_DIR/../.." && pwd)"
ENGINE_CACHE="${OBSERVABLE_MESH_CACHE:-$HOME/.cache/observable-mesh}/engines"
ENGINE_T0=$SECONDS

engine_log() { echo "[$ENGINE_NAME +$((SECONDS - ENGINE_T0))s] $*"; }
engine_fail() {
  echo "[$ENGINE_NAME +$((SECONDS - ENGINE_T0))s] FAILED: $*" >&2
  exit 1
}

# Reads KEY from the root .env (plain KEY=value lines, as compose reads them).
env_version() {
  local key="$1" value
  value="$(sed -n "s/^${key}=//p" "$REPO_ROOT/.env" | tail -n 1 | tr -d '"'"'"' \r')"
  [ -n "$value" ] || engine_fail "$key is not set in $REPO_ROOT/.env"
  printf '%s' "$value"
}

require_tool() {
  command -v "$1" >/dev/null 2>&1 || engine_fail "$1 is not installed ($2)"
}

# engine_done DIR: true when DIR holds a finished build (its marker exists and names the binary).
engine_done() {
  local dir="$1" bin
  [ -f "$dir/.built" ] || return 1
  bin="$(head -n 1 "$dir/.built")"
  [ -x "$bin" ]
}

engine_mark_done() {
  local dir="$1" bin="$2"
  [ -x "$bin" ] || engine_fail "expected executable $bin was not produced"
  printf '%s\nbuilt %s in %ss\n' "$bin" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - ENGINE_T0))" >"$dir/.built"
}
