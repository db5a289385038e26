#!/usr/bin/env bash
# `make bench`: starts its own MariaDB and Redis (own ports and data), builds in release mode, and
# prints each figure beside its reference tool, measured in the same run against the same servers.
# Then serves the app (release build, fresh database) on those servers and measures it over HTTP
# with wrk (scripts/bench-http.sh), beside its own static route.
#
#   make bench ARGS="--only mariadb|redis|hash|http|research|lb"   one group (default: all)
#   BENCH_RESEARCH_RESPONSES=200000 make bench ARGS="--only research"   fewer seeded responses
#   make bench ARGS="--only http --http-duration 30s --http-connections 100 --http-threads 2"
#   any other argument goes to the Bench binary (`--inserts 100000`, `--concurrency 32`, ...)
#
# Settings (environment): BENCH_HTTP_PORT (18180), BENCH_HTTP_LOG_LEVEL (info: the app logs every
# request, as deployed), BENCH_HTTP_LOG_DIR (wrk's full outputs; $SERVICES_DIR/wrk) and WRK_* (see
# scripts/bench-http.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

only=all
bench_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --only) [ $# -ge 2 ] || { echo "bench: --only needs a value" >&2; exit 2; }; only=$2; shift 2 ;;
        --only=*) only=${1#--only=}; shift ;;
        --http-duration|--http-connections|--http-threads)
            [ $# -ge 2 ] || { echo "bench: $1 needs a value" >&2; exit 2; }
            case "$1" in
                --http-duration) export WRK_DURATION=$2 ;;
                --http-connections) export WRK_CONNECTIONS=$2 ;;
                --http-threads) export WRK_THREADS=$2 ;;
            esac
            shift 2 ;;
        *) bench_args+=("$1"); shift ;;
    esac
done
run_swift_bench=1 run_http_bench=0 run_research_bench=0 run_lb_bench=0
case "$only" in
    all) run_http_bench=1 run_research_bench=1 run_lb_bench=1 ;;
    http) run_swift_bench=0 run_http_bench=1 ;;
    research) run_swift_bench=0 run_research_bench=1 ;;
    lb) run_swift_bench=0 run_lb_bench=1 ;;
esac
if [ "$run_swift_bench" = 0 ] && [ ${#bench_args[@]} -gt 0 ]; then
    echo "bench: ${bench_args[*]}: only the MariaDB and Redis benches take these" >&2
    exit 2
fi

export SERVICES_DIR=${BENCH_SERVICES_DIR:-$ROOT/.local/bench-services}
export MARIADB_PORT=${BENCH_MARIADB_PORT:-33316}
export REDIS_PORT=${BENCH_REDIS_PORT:-36390}
export DB_NAME=bench DB_USER=bench DB_GRANT_ALL=1 REDIS_APPENDONLY=no
# Commit durability off for both sides alike: the figures compare clients, not the disk. A 1 GiB
# redo log holds a whole 1M-response seed (about 425 MiB), so no checkpoint flushing slows it.
export MARIADB_EXTRA_ARGS="--innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=1G --innodb-log-file-size=1G --max-connections=2000"
HTTP_PORT=${BENCH_HTTP_PORT:-18180}
APP_LOG_LEVEL=${BENCH_HTTP_LOG_LEVEL:-info}
APP_LOG=$SERVICES_DIR/app-http.log

app_pid=""
stop_app() {
    [ -n "$app_pid" ] || return 0
    local pid=$app_pid
    app_pid=""
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

scripts/services.sh packages bench
trap 'stop_app; scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
scripts/services.sh start
eval "$(scripts/services.sh env | sed 's/^/export BENCH_/')"

# Build everything first: a compile error stops the bench before any figure, and no compiler
# competes with a measurement.
if [ "$run_swift_bench" = 1 ]; then swift build -c release --product Bench; fi
if [ "$run_http_bench" = 1 ] || [ "$run_research_bench" = 1 ]; then swift build -c release --product SurveyApp; fi
if [ "$run_lb_bench" = 1 ]; then swift build -c release --product LoadBalancer && swift build -c release --product NIORelay; fi
bin=$(swift build -c release --show-bin-path)

if [ "$run_swift_bench" = 1 ]; then
    "$bin/Bench" --only "$only" "${bench_args[@]}"
fi

if [ "$run_http_bench" = 1 ]; then
    echo ""
    # The app gets a database of its own, created afresh, and Redis database 1 (the Redis bench
    # writes to database 0).
    url=${BENCH_DATABASE_URL#mariadb://}
    credentials=${url%%@*} address=${url#*@}
    address=${address%%/*}
    MYSQL_PWD=${credentials#*:} mariadb --no-defaults --protocol=tcp --host="${address%:*}" --port="${address##*:}" \
        --user="${credentials%%:*}" \
        -e "DROP DATABASE IF EXISTS bench_http; CREATE DATABASE bench_http CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n 1 flushdb > /dev/null

    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/healthz"; then
        echo "bench: something already answers on port $HTTP_PORT (set BENCH_HTTP_PORT)" >&2
        exit 1
    fi
    echo "[bench] serving the app (release build) on 127.0.0.1:$HTTP_PORT, log in $APP_LOG"
    DATABASE_URL="${BENCH_DATABASE_URL%/*}/bench_http" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1" \
        HTTP_HOST=127.0.0.1 HTTP_PORT="$HTTP_PORT" RESOURCES_DIR="$ROOT" LOG_LEVEL="$APP_LOG_LEVEL" MIGRATE_ON_START=true \
        "$bin/SurveyApp" serve > "$APP_LOG" 2>&1 < /dev/null &
    app_pid=$!
    deadline=$((SECONDS + 120))
    until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/readyz"; do
        if ! kill -0 "$app_pid" 2>/dev/null; then
            tail -n 30 "$APP_LOG" >&2
            echo "bench: the app stopped before it was ready (log above)" >&2
            exit 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            tail -n 30 "$APP_LOG" >&2
            echo "bench: the app was not ready in 120 s (log above)" >&2
            exit 1
        fi
        sleep 0.2
    done

    http_status=0
    BENCH_HTTP_LOG_DIR=${BENCH_HTTP_LOG_DIR:-$SERVICES_DIR/wrk} scripts/bench-http.sh "http://127.0.0.1:$HTTP_PORT" \
        || http_status=$?
    stop_app

    # What the app said meanwhile (also when the HTTP bench failed): anything above info, and any
    # 5xx it logged.
    lines=$(wc -l < "$APP_LOG")
    loud=$(awk '$2 ~ /^(warning|error|critical)$/' "$APP_LOG" | wc -l)
    server_errors=$(grep -c ' status=5[0-9][0-9] ' "$APP_LOG" || true)
    echo ""
    echo "app log (LOG_LEVEL=$APP_LOG_LEVEL): $lines lines, $loud warning/error lines, $server_errors 5xx responses"
    awk '$2 ~ /^(warning|error|critical)$/' "$APP_LOG" | head -n 5
    [ "$http_status" -eq 0 ] || exit "$http_status"
fi

if [ "$run_research_bench" = 1 ]; then
    REDIS_PORT=$REDIS_PORT scripts/bench-research.sh "$bin"
fi

if [ "$run_lb_bench" = 1 ]; then
    # The balancer beside nginx and HAProxy (its own backends; the app is not involved).
    echo ""
    LB_BINARY="$bin/LoadBalancer" RELAY_BINARY="$bin/NIORelay" scripts/bench-lb.sh
fi
