#!/usr/bin/env bash
# `make run`: installs what is missing, starts MariaDB and Redis (data in .local/services), builds
# the app and the balancer in release mode, ships them with Views/, Migrations/… in .local/dist,
# starts REPLICAS app processes (default 2) on ports 8101, 8102, … and the SwiftNIO balancer in
# front of them on http://127.0.0.1:8080, in the foreground. Ctrl-C or SIGTERM stops everything
# this script started.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export HTTP_HOST=${HTTP_HOST:-127.0.0.1}
export HTTP_PORT=${HTTP_PORT:-8080}
REPLICAS=${REPLICAS:-2}
FIRST_REPLICA_PORT=${FIRST_REPLICA_PORT:-8101}
[[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || { echo "run: REPLICAS must be a whole number of at least 1" >&2; exit 2; }

# The ports this run listens on must be free: say so now, not after the servers and the build.
port_taken() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
check_free() { # host port setting its-value
    if port_taken "$1" "$2"; then
        echo "run: $1:$2 ($3) is already in use: stop what listens there, or choose other ports (e.g. $3=$(($4 + 1000)) make run)" >&2
        exit 2
    fi
}
check_free "$HTTP_HOST" "$HTTP_PORT" HTTP_PORT "$HTTP_PORT"
check_free 127.0.0.1 "${LB_ADMIN_PORT:-8089}" LB_ADMIN_PORT "${LB_ADMIN_PORT:-8089}"
for ((i = 0; i < REPLICAS; i++)); do check_free 127.0.0.1 $((FIRST_REPLICA_PORT + i)) FIRST_REPLICA_PORT "$FIRST_REPLICA_PORT"; done

scripts/services.sh packages base
started=()
for s in mariadb redis; do
    scripts/services.sh status | grep -q "^$s: running" || started+=("$s")
done
pids=()
cleanup() {
    trap - EXIT INT TERM
    # The balancer first (it finishes what is in flight), then the replicas, then the servers.
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for s in "${started[@]}"; do scripts/services.sh stop "$s" || true; done
}
trap cleanup EXIT
# A requested stop is not a failure: clean up and exit 0.
trap 'exit 0' INT TERM

scripts/services.sh start
eval "$(scripts/services.sh env | sed 's/^/export /')"

echo "[run] building the app and the balancer in release mode (the first build takes a few minutes)"
swift build -c release --product SurveyApp
swift build -c release --product LoadBalancer
bin=$(swift build -c release --show-bin-path)
dist=.local/dist
rm -rf "$dist" && mkdir -p "$dist"
cp "$bin/SurveyApp" "$bin/LoadBalancer" "$dist/"
cp -R Views Migrations Surveys Locales Public "$dist/"
# Any resource bundles go beside the binary too, where a release binary looks first.
find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} "$dist/" \;

# One line per replica in the balancer's backends file; editing it (or `kill -HUP` of the
# balancer) changes the set of replicas while everything runs (see the README).
backends=.local/run/backends.conf
mkdir -p .local/run
echo "# app replicas started by make run; the balancer reloads this file when it changes" > "$backends"
for i in $(seq 0 $((REPLICAS - 1))); do
    port=$((FIRST_REPLICA_PORT + i))
    # Logs are appended, so a restart keeps the previous run's lines.
    echo "----- $(date -u +%Y-%m-%dT%H:%M:%SZ) make run starts this replica -----" >> ".local/run/app-$port.log"
    HTTP_HOST=127.0.0.1 HTTP_PORT=$port "$dist/SurveyApp" serve >> ".local/run/app-$port.log" 2>&1 &
    pids+=($!)
    echo "127.0.0.1:$port" >> "$backends"
    echo "[run] replica $((i + 1)) of $REPLICAS on 127.0.0.1:$port (log .local/run/app-$port.log)"
done

# The balancer starts once the replicas answer (migrations done), rather than marking them all
# down first; a replica that is not ready within a minute is left to the balancer's checks.
for i in $(seq 0 $((REPLICAS - 1))); do
    port=$((FIRST_REPLICA_PORT + i))
    for _ in $(seq 1 120); do
        kill -0 "${pids[$i]}" 2>/dev/null || { echo "[run] replica on $port exited: see .local/run/app-$port.log" >&2; break; }
        curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
        sleep 0.5
    done
done

echo "[run] serving on http://$HTTP_HOST:$HTTP_PORT through the balancer (admin on http://127.0.0.1:${LB_ADMIN_PORT:-8089}/); Ctrl-C stops everything"
LB_LISTEN="$HTTP_HOST:$HTTP_PORT" LB_ADMIN_LISTEN="127.0.0.1:${LB_ADMIN_PORT:-8089}" LB_BACKENDS_FILE="$backends" \
    LB_ACCESS_LOG="${LB_ACCESS_LOG:-.local/run/access.log}" LB_ERROR_PAGES_DIR="${LB_ERROR_PAGES_DIR:-$dist/Public/errors}" \
    "$dist/LoadBalancer" &
balancer=$!
pids=("$balancer" "${pids[@]}")
# A replica that dies is the balancer's business (it routes around it); the run lasts as long as
# the balancer does.
wait "$balancer"
