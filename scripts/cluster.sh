#!/usr/bin/env bash
# A cluster on this machine, in one command: Redis, three Earshot workers and HAProxy in front of them
# with the shipped config (deploy/haproxy/earshot.cfg). Clients and the extension use
# http://127.0.0.1:8001 as with one server. Ctrl-C stops everything. docs/cluster.md runs the same
# on several machines.
#   bash scripts/cluster.sh [earshot serve options, e.g. --model tiny-en]
# Settings: EARSHOT_REDIS_URL (an existing Redis instead of one started here, on port 6380),
# EARSHOT_CLUSTER_DIR (where the shared jobs directory and Redis's files go; a new temporary one).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in redis-server haproxy; do
  command -v "$tool" >/dev/null ||
    { echo "earshot: $tool is missing: sudo apt-get install redis-server haproxy" >&2; exit 1; }
done
bash scripts/setup.sh
source scripts/toolchain.sh --quiet

state="${EARSHOT_CLUSTER_DIR:-$(mktemp -d -t earshot-cluster-XXXXXX)}"
mkdir -p "$state/jobs"
groups=()
stop_all() {
  trap - INT TERM EXIT
  # Every part by its process group: workers drain (up to --drain-seconds) before they exit.
  for pgid in "${groups[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
  wait || true
}
trap stop_all INT TERM EXIT

start() { # name, command...: runs it in a process group of its own, its output prefixed by its name
  local name=$1; shift
  setsid bash -c 'exec "$@" 2>&1 | sed -u "s/^/[$0] /"' "$name" "$@" &
  groups=("$!" "${groups[@]}")
}

redis_url="${EARSHOT_REDIS_URL:-}"
if [[ -z "$redis_url" ]]; then
  start redis redis-server --port 6380 --bind 127.0.0.1 --dir "$state" --save 60 1
  redis_url=redis://127.0.0.1:6380
fi

for i in 1 2 3; do
  EARSHOT_REDIS_URL="$redis_url" EARSHOT_JOBS_DIR="$state/jobs" \
    EARSHOT_ALLOWED_HOSTS="127.0.0.1:8001,localhost:8001,127.0.0.1:810$i" \
    start "worker$i" pnpm -s earshot serve --port "810$i" "$@"
done
start haproxy haproxy -db -f deploy/haproxy/earshot.cfg

echo "earshot: cluster starting: http://127.0.0.1:8001 (HAProxy) → workers on 8101-8103, Redis at $redis_url, jobs in $state/jobs"
echo "earshot: API keys for every worker: pnpm -s earshot keys add <name> --redis $redis_url"
wait -n || true
