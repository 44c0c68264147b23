#!/usr/bin/env bash
# One-shot setup of the compose stack's log backends (the kibana-setup container, which runs the
# Kibana image: it has bash and curl). First installs the index template of the data stream
# logs-mesh-default into Elasticsearch (and rolls the data stream over if its write index
# predates the template), then waits for Kibana and imports the saved objects (data view,
# searches, dashboard) through the saved-objects import API, overwriting. Exits 0 when both are
# done, non-zero (with the answer) otherwise. Run by infra/test/elk.test.ts against stand-in
# servers; see docs/logs.md.
set -euo pipefail

ELASTICSEARCH_URL="${ELASTICSEARCH_URL:-http://elasticsearch:9200}"
KIBANA_URL="${KIBANA_URL:-http://kibana:5601}"
SETUP_DIR="${SETUP_DIR:-$(cd "$(dirname "$0")" && pwd)}"
INDEX_TEMPLATE="${INDEX_TEMPLATE:-$SETUP_DIR/index-template.json}"
SAVED_OBJECTS="${SAVED_OBJECTS:-$SETUP_DIR/saved-objects.ndjson}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"
TEMPLATE_NAME=logs-mesh
DATA_STREAM=logs-mesh-default

log() { printf 'kibana-setup: %s\n' "$*" >&2; }

# wait_for <what> <url> <grep pattern>: polls until the answer matches, or gives up after WAIT_SECONDS.
wait_for() {
  local what=$1 url=$2 pattern=$3 deadline=$((SECONDS + WAIT_SECONDS))
  until curl -fsS --max-time 5 "$url" 2>/dev/null | grep -q "$pattern"; do
    if ((SECONDS >= deadline)); then
      log "$what at $url not ready after ${WAIT_SECONDS}s"
      return 1
    fi
    sleep 2
  done
  log "$what is ready"
}

# request <method> <url> [curl args...]: prints the body; fails on a status >= 400, showing it.
request() {
  local method=$1 url=$2 body status
  shift 2
  body=$(curl -sS --max-time 30 -X "$method" "$url" -w '\n%{http_code}' "$@")
  status=${body##*$'\n'}
  body=${body%$'\n'*}
  if ((status >= 400)); then
    log "$method $url answered $status: $body"
    return 1
  fi
  printf '%s' "$body"
}

wait_for Elasticsearch "$ELASTICSEARCH_URL/_cluster/health" '"status":"\(green\|yellow\)"'
request PUT "$ELASTICSEARCH_URL/_index_template/$TEMPLATE_NAME" \
  -H 'Content-Type: application/json' --data-binary "@$INDEX_TEMPLATE" >/dev/null
log "index template $TEMPLATE_NAME installed"
# A backing index made before the template (Logstash was first, through the built-in logs-*-*
# template) lacks the marker the template puts in its mappings' _meta: roll the data stream over
# so the next backing index gets the mesh's mappings. Bump the marker with the template's version.
marker=$(grep -o '"mesh_template": *"[^"]*"' "$INDEX_TEMPLATE" | sed 's/.*: *"//; s/"$//')
stream=$(curl -fsS --max-time 5 "$ELASTICSEARCH_URL/_data_stream/$DATA_STREAM" 2>/dev/null || true)
write_index=$(grep -o '"index_name":"[^"]*"' <<<"$stream" | tail -n 1 | cut -d'"' -f4 || true)
if [[ -n $write_index ]]; then
  mapping=$(request GET "$ELASTICSEARCH_URL/$write_index/_mapping")
fi
if [[ -n $write_index ]] && ! grep -q "\"mesh_template\":\"$marker\"" <<<"$mapping"; then
  request POST "$ELASTICSEARCH_URL/$DATA_STREAM/_rollover" >/dev/null
  log "data stream $DATA_STREAM rolled over onto the template ($write_index predates it)"
fi

wait_for Kibana "$KIBANA_URL/api/status" '"level":"available"'
answer=$(request POST "$KIBANA_URL/api/saved_objects/_import?overwrite=true" \
  -H 'kbn-xsrf: observable-mesh' --form "file=@$SAVED_OBJECTS")
if ! grep -q '"success":true' <<<"$answer"; then
  log "saved objects import failed: $answer"
  exit 1
fi
log "saved objects imported: $(grep -o '"successCount":[0-9]*' <<<"$answer")"
