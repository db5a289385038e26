#!/usr/bin/env bash
# The app in a real browser, JavaScript off: `make test` runs this after the Swift tests.
#
#   scripts/browser-test.sh /path/to/SurveyApp
#
# Serves the given (already built) app binary on a free loopback port against the MariaDB and
# Redis that scripts/test.sh started (TEST_DATABASE_URL, TEST_REDIS_URL, TEST_DATABASE_CA), with a
# database of its own recreated empty each run, waits for /readyz, runs scripts/browser-check.py
# (headless Chromium) and always stops the app again. Screenshots go to .local/screenshots/, the
# app's log to .local/browser-check/app.log. Settings: BROWSER_CHECK_PORT (default: a free port),
# BROWSER_CHECK_DB (survey_browser), BROWSER_CHECK_REDIS_DB (1; flushed first), SCREENSHOTS_DIR.
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

port=${BROWSER_CHECK_PORT:-$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base=http://127.0.0.1:$port

app_pid=
stop_app() {
    [ -n "$app_pid" ] || return 0
    kill -TERM "$app_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    app_pid=
}
trap stop_app EXIT
trap 'exit 130' INT TERM

log "serving $app on $base (database $db, log in $work/app.log)"
app_env=(
    "DATABASE_URL=mariadb://$db_user:$db_password@$db_host:$db_port/$db$db_options" "REDIS_URL=$redis_url"
    "RESOURCES_DIR=$ROOT" HTTP_HOST=127.0.0.1 "HTTP_PORT=$port" "LOG_LEVEL=${BROWSER_CHECK_LOG_LEVEL:-warning}"
    PASSWORD_SCRYPT_LOG_N=14 MIGRATE_ON_START=true
)
[ -n "${TEST_DATABASE_CA:-}" ] && app_env+=("DATABASE_CA=$TEST_DATABASE_CA")
env "${app_env[@]}" "$app" serve > "$work/app.log" 2>&1 &
app_pid=$!

ready() { "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/readyz", timeout=2)' "$base" 2>/dev/null; }
deadline=$((SECONDS + 60))
until ready; do
    if ! kill -0 "$app_pid" 2>/dev/null; then
        tail -n 30 "$work/app.log" >&2; app_pid=; die "the app exited before it was ready"
    fi
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$work/app.log" >&2; die "$base/readyz did not answer 200 within 60 s"; }
    sleep 0.2
done

status=0
timeout 300 "$PYTHON" scripts/browser-check.py "$base" "$shots" || status=$?
if [ "$status" -ne 0 ]; then
    [ "$status" -eq 124 ] && log "the browser check took over 300 s and was stopped"
    log "the app's last log lines:"; tail -n 20 "$work/app.log" >&2 || true
    die "the browser check failed (screenshots in $shots)"
fi
