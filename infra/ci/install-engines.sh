#!/usr/bin/env bash
# Installs the real engines the tests start on loopback (Debian packages only):
# etcd (discovery), Prometheus + promtool (metrics, dashboards), PostgreSQL (storage),
# nginx (the gateway-hop comparison of npm run bench; started by the bench on loopback only).
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(etcd-server prometheus prometheus-alertmanager postgresql nginx)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-engines: all present (${packages[*]})"
  exec bash "$(dirname "$0")/../engines/build-all.sh" # Collector, Jaeger, OpenSearch (cached)
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install-engines: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian packages start system services; the tests run their own instances on free ports.
for svc in etcd prometheus prometheus-alertmanager postgresql nginx; do
  "${sudo_cmd[@]}" systemctl stop "$svc" 2>/dev/null || "${sudo_cmd[@]}" service "$svc" stop 2>/dev/null || true
done
bash "$(dirname "$0")/../engines/build-all.sh" # Collector, Jaeger, OpenSearch (built or cached)
