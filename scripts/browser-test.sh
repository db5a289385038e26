#!/usr/bin/env bash
# The app in a real browser, JavaScript off: `make test` runs this after the Swift tests.
#
#   scripts/browser-test.sh /path/to/SurveyApp
#
# Serves the given (already built) app binary as two replicas on free loopback ports against the
# MariaDB and Redis that scripts/test.sh started (TEST_DATABASE_URL, TEST_REDIS_URL,
# TEST_DATABASE_CA), with a database of its own recreated empty each run; puts the Swift balancer
# (the LoadBalancer binary beside the app) and real nginx (nginx/nginx.conf, checked with
# `nginx -t`, its ports swapped) in front of them; runs scripts/browser-check.py (headless
# Chromium) once through each, and always stops everything. Screenshots go to
# .local/screenshots/{balancer,nginx}/, logs to .local/browser-check/. Settings: BROWSER_CHECK_DB
# (survey_browser), BROWSER_CHECK_REDIS_DB (1; flushed first), SCREENSHOTS_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf '[browser] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

app=${1:-}
[ -n "$app" ] && [ -x "$app" ] || die "usage: $0 /path/to/SurveyApp (an executable built by swift build)"
: "${TEST_DATABASE_URL:?is not set: run this through scripts/test.sh (make test)}"
: "${TEST_REDIS_URL:?is not set: run this through scripts/test.sh (make test)}"
PYTHON=/usr/bin/python3  # Debian's, which has python3-selenium
[ -x "$PYTHON" ] && "$PYTHON" -c 'import selenium' 2>/dev/null || die "python3-selenium is missing (scripts/services.sh packages test)"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || die "chromium and chromium-driver are missing (scripts/services.sh packages test)"

db=${BROWSER_CHECK_DB:-survey_browser}
redis_db=${BROWSER_CHECK_REDIS_DB:-1}
shots=${SCREENSHOTS_DIR:-$ROOT/.local/screenshots}
work=$ROOT/.local/browser-check
mkdir -p "$work" "$shots"

# mariadb://user:password@host:port/database[?options] -> a fresh, empty database beside it.
[[ $TEST_DATABASE_URL =~ ^mariadb://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^?]*)(\?.*)?$ ]] \
    || die "cannot read TEST_DATABASE_URL (expected mariadb://user:password@host:port/database)"
db_user=${BASH_REMATCH[1]} db_password=${BASH_REMATCH[2]} db_host=${BASH_REMATCH[3]} db_port=${BASH_REMATCH[4]}
db_options=${BASH_REMATCH[6]}
tls_args=()
[ -n "${TEST_DATABASE_CA:-}" ] && tls_args=(--ssl-ca="$TEST_DATABASE_CA")
MYSQL_PWD=$db_password mariadb --no-defaults --protocol=tcp -h "$db_host" -P "$db_port" -u "$db_user" "${tls_args[@]}" \
    -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" \
    || die "could not create the database $db"

# Sessions and the login throttle in a Redis database of their own, emptied first: earlier runs'
# failed logins from 127.0.0.1 must not throttle this one.
[[ $TEST_REDIS_URL =~ ^(redis://(.*@)?([^:/@]+):([0-9]+))(/[0-9]*)?$ ]] || die "cannot read TEST_REDIS_URL"
redis_url=${BASH_REMATCH[1]}/$redis_db
redis-cli -h "${BASH_REMATCH[3]}" -p "${BASH_REMATCH[4]}" -n "$redis_db" flushdb >/dev/null || die "could not empty Redis database $redis_db"

# N distinct free ports below the kernel's ephemeral range: a port-0 pick comes from the range
# that outgoing connections use too, so one could take it before the server binds (see
# Tests/ChildProcess/ListenPort.swift).
free_ports() {
    "$PYTHON" - "$1" <<'PY'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
candidates = random.sample(range(min(20000, low - 1000), low), 200)
ports = []
for port in candidates:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        ports.append(port)
    except OSError:
        pass
    finally:
        s.close()
    if len(ports) == int(sys.argv[1]):
        print(" ".join(map(str, ports)))
        break
else:
    sys.exit("no free loopback ports")
PY
}
balancer=$(dirname "$app")/LoadBalancer
[ -x "$balancer" ] || die "no LoadBalancer beside $app (swift build --build-tests builds it)"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx is missing (scripts/services.sh packages test)"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# Two app replicas, the Swift balancer and nginx in front of them: the journey runs once through
# each, as in production.
read -r replica_port_1 replica_port_2 balancer_port nginx_port <<< "$(free_ports 4)"
replica_ports=("$replica_port_1" "$replica_port_2")

pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

app_env=(
    "DATABASE_URL=mariadb://$db_user:$db_password@$db_host:$db_port/$db$db_options" "REDIS_URL=$redis_url"
    "RESOURCES_DIR=$ROOT" HTTP_HOST=127.0.0.1 "LOG_LEVEL=${BROWSER_CHECK_LOG_LEVEL:-warning}"
    PASSWORD_SCRYPT_LOG_N=14 MIGRATE_ON_START=true
)
[ -n "${TEST_DATABASE_CA:-}" ] && app_env+=("DATABASE_CA=$TEST_DATABASE_CA")
for port in "${replica_ports[@]}"; do
    log "serving $app on 127.0.0.1:$port (database $db, log in $work/app-$port.log)"
    env "${app_env[@]}" "HTTP_PORT=$port" "$app" serve > "$work/app-$port.log" 2>&1 &
    pids+=($!)
done

ready() { "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/readyz", timeout=2)' "$1" 2>/dev/null; }
wait_ready() {
    local url=$1 deadline=$((SECONDS + 60))
    until ready "$url"; do
        [ $SECONDS -lt $deadline ] || { tail -n 30 "$work"/*.log >&2; die "$url/readyz did not answer 200 within 60 s"; }
        sleep 0.2
    done
}
for port in "${replica_ports[@]}"; do wait_ready "http://127.0.0.1:$port"; done

backends="127.0.0.1:${replica_ports[0]},127.0.0.1:${replica_ports[1]}"
log "the Swift balancer on 127.0.0.1:$balancer_port"
LB_LISTEN="127.0.0.1:$balancer_port" LB_ADMIN_LISTEN=off LB_BACKENDS="$backends" LB_ACCESS_LOG="$work/balancer-access.log" \
    "$balancer" > "$work/balancer.log" 2>&1 &
pids+=($!)

# nginx with the shipped configuration, checked by `nginx -t`, its ports swapped for free ones.
prefix=$work/nginx
mkdir -p "$prefix/logs"
"$nginx_bin" -t -q -p "$prefix/" -c "$ROOT/nginx/nginx.conf" || die "nginx -t refuses nginx/nginx.conf"
sed -e "s/^\(\s*\)server 127.0.0.1:8101 /\1server 127.0.0.1:${replica_ports[0]} /" \
    -e "s/^\(\s*\)server 127.0.0.1:8102 /\1server 127.0.0.1:${replica_ports[1]} /" \
    -e "s/listen 127.0.0.1:8080/listen 127.0.0.1:$nginx_port/" -e "s/^worker_processes auto;/worker_processes 1;/" \
    "$ROOT/nginx/nginx.conf" > "$prefix/nginx.conf"
grep -q "127.0.0.1:${replica_ports[1]}" "$prefix/nginx.conf" || die "could not point nginx at the test replicas"
log "nginx on 127.0.0.1:$nginx_port"
"$nginx_bin" -p "$prefix/" -c "$prefix/nginx.conf" > "$work/nginx.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$balancer_port"
wait_ready "http://127.0.0.1:$nginx_port"

for front in "balancer $balancer_port" "nginx $nginx_port"; do
    read -r name port <<< "$front"
    base=http://127.0.0.1:$port
    log "the respondent journey through $name ($base)"
    status=0
    timeout 300 "$PYTHON" scripts/browser-check.py "$base" "$shots/$name" || status=$?
    if [ "$status" -ne 0 ]; then
        [ "$status" -eq 124 ] && log "the browser check took over 300 s and was stopped"
        log "the last log lines:"; tail -n 20 "$work"/*.log >&2 || true
        die "the browser check through $name failed (screenshots in $shots/$name)"
    fi
done
