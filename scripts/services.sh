#!/usr/bin/env bash
# Local MariaDB and Redis as plain processes, with their data under a project folder.
#
#   scripts/services.sh packages [base|test|bench]   install missing Debian packages
#   scripts/services.sh start [all|mariadb|redis]    start (idempotent) and wait until ready
#   scripts/services.sh stop  [all|mariadb|redis]    stop by PID
#   scripts/services.sh kill  [mariadb|redis]        SIGKILL by PID (used by the restart tests)
#   scripts/services.sh status | env
#
# Settings (environment): SERVICES_DIR (default .local/services), MARIADB_PORT (3307), REDIS_PORT (6380),
# DB_NAME (survey), DB_USER (survey), DB_GRANT_ALL=1 (the user may create other databases: tests),
# MARIADB_EXTRA_ARGS, REDIS_APPENDONLY (yes), MARIADB_TLS=1 (serve TLS with a CA made in $SERVICES_DIR/tls).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVICES_DIR=${SERVICES_DIR:-$ROOT/.local/services}
case "$SERVICES_DIR" in /*) ;; *) SERVICES_DIR=$ROOT/$SERVICES_DIR ;; esac
# Each server's port is saved in its folder when it starts: `env`, `status` and a later `start`
# use the saved one unless MARIADB_PORT / REDIS_PORT say otherwise, so a shell that did not set
# them (adding a replica by hand) still finds the servers `make run` started elsewhere.
MARIADB_PORT=${MARIADB_PORT:-$(cat "$SERVICES_DIR/mariadb/port" 2>/dev/null || echo 3307)}
REDIS_PORT=${REDIS_PORT:-$(cat "$SERVICES_DIR/redis/port" 2>/dev/null || echo 6380)}
DB_NAME=${DB_NAME:-survey}
DB_USER=${DB_USER:-survey}
DB_GRANT_ALL=${DB_GRANT_ALL:-0}
REDIS_APPENDONLY=${REDIS_APPENDONLY:-yes}

MDB_DIR=$SERVICES_DIR/mariadb
MDB_DATA=$MDB_DIR/data
MDB_SOCKET=$MDB_DIR/mariadb.sock
MDB_PID=$MDB_DIR/mariadb.pid
REDIS_DIR=$SERVICES_DIR/redis
REDIS_PID=$REDIS_DIR/redis.pid
PASSWORD_FILE=$SERVICES_DIR/db-password

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

packages_for() {
    local base="mariadb-server mariadb-client libmariadb-dev redis-server redis-tools libhiredis-dev libssl-dev pkg-config openssl curl"
    case "${1:-base}" in
        base) echo "$base" ;;
        # Grow these with the features that use them (nginx for the app's end-to-end tests, haproxy
        # for the balancer's benchmark); a fresh CI machine installs them all.
        # test: headless Chromium driven by Selenium for scripts/browser-check.py, and the fonts
        # its screenshots are drawn with (Arial and Helvetica map to Liberation Sans).
        # nginx: the end-to-end journey also runs through it (scripts/browser-test.sh).
        # gdb: the stacks of a stuck test run (scripts/swift-test.sh).
        test) echo "$base chromium chromium-driver python3-selenium fonts-liberation nginx gdb" ;;
        # wrk and curl: the app's HTTP benchmark (scripts/bench-http.sh); nginx and haproxy beside
        # the Swift balancer (scripts/bench-lb.sh).
        bench) echo "$base wrk curl nginx haproxy" ;;
        *) die "unknown package set '$1' (base, test or bench)" ;;
    esac
}

install_packages() {
    local missing=()
    for p in $(packages_for "${1:-base}"); do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or install them)"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Debian's packages try to start their own daemons; we run ours as plain processes instead.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    [ "$created_policy" -eq 1 ] && rm -f "$policy"
    return 0
}

# A killed server whose parent is gone can stay a zombie (PID 1 in a container may not reap it):
# only a process that is not a zombie counts as running.
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
alive() { [ -f "$1" ] && running "$(cat "$1")"; }

wait_for() { # description, seconds, command...
    local what=$1 seconds=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.2
    done
    log "$what is ready"
}

db_password() {
    if [ ! -s "$PASSWORD_FILE" ]; then
        mkdir -p "$SERVICES_DIR"
        (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$PASSWORD_FILE")
    fi
    cat "$PASSWORD_FILE"
}

make_tls() { # a private CA and a server certificate for 127.0.0.1, made once
    local dir=$SERVICES_DIR/tls
    [ -s "$dir/server-key.pem" ] && return 0
    mkdir -p "$dir"
    (
        cd "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=survey test CA" \
            -keyout ca-key.pem -out ca.pem 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile san.ext -out server-cert.pem 2>/dev/null
    )
}

root_sql() { mariadb --no-defaults --protocol=socket --socket="$MDB_SOCKET" -uroot "$@"; }

start_mariadb() {
    mkdir -p "$MDB_DIR/tmp"
    if alive "$MDB_PID"; then
        check_port mariadb "$MDB_DIR/port" "$MARIADB_PORT" MARIADB_PORT
        log "mariadb already running (pid $(cat "$MDB_PID"), port $MARIADB_PORT)"
        return 0
    fi
    if [ ! -d "$MDB_DATA/mysql" ]; then
        log "creating the MariaDB data directory in $MDB_DATA"
        mkdir -p "$MDB_DIR/tmp"
        TMPDIR="$MDB_DIR/tmp" mariadb-install-db --no-defaults --auth-root-authentication-method=normal --user=root \
            --datadir="$MDB_DATA" > "$MDB_DIR/install.log" 2>&1 || { cat "$MDB_DIR/install.log" >&2; die "mariadb-install-db failed"; }
    fi
    local tls_args=""
    if [ "${MARIADB_TLS:-0}" = 1 ]; then
        make_tls
        tls_args="--ssl-ca=$SERVICES_DIR/tls/ca.pem --ssl-cert=$SERVICES_DIR/tls/server-cert.pem --ssl-key=$SERVICES_DIR/tls/server-key.pem"
    fi
    # The redo log is 512 MiB, not the default 96 MiB: a million seeded responses write about
    # 425 MiB of it, and a small log makes InnoDB flush pages for checkpoints all through the load.
    # shellcheck disable=SC2086
    setsid mariadbd --no-defaults --user=root --datadir="$MDB_DATA" --socket="$MDB_SOCKET" \
        --port="$MARIADB_PORT" --bind-address=127.0.0.1 --pid-file="$MDB_PID" --tmpdir="$MDB_DIR/tmp" \
        --log-error="$MDB_DIR/error.log" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --max-connections=1000 --local-infile=1 --innodb-buffer-pool-size=512M --innodb-log-file-size=512M \
        --skip-name-resolve $tls_args ${MARIADB_EXTRA_ARGS:-} > /dev/null 2>&1 < /dev/null &
    wait_for "mariadb on 127.0.0.1:$MARIADB_PORT" 90 root_sql -e 'SELECT 1' \
        || { tail -n 30 "$MDB_DIR/error.log" >&2 || true; die "mariadbd did not start (see $MDB_DIR/error.log)"; }
    echo "$MARIADB_PORT" > "$MDB_DIR/port"
    local pw scope
    pw=$(db_password)
    scope="\`$DB_NAME\`.*"
    [ "$DB_GRANT_ALL" = 1 ] && scope="*.*"
    root_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON $scope TO '$DB_USER'@'127.0.0.1';
SQL
}

start_redis() {
    mkdir -p "$REDIS_DIR"
    if alive "$REDIS_PID"; then
        check_port redis "$REDIS_DIR/port" "$REDIS_PORT" REDIS_PORT
        log "redis already running (pid $(cat "$REDIS_PID"), port $REDIS_PORT)"
        return 0
    fi
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$REDIS_DIR" \
        --pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" --appendonly "$REDIS_APPENDONLY" \
        --save "" > /dev/null
    wait_for "redis on 127.0.0.1:$REDIS_PORT" 30 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping \
        || die "redis-server did not start (see $REDIS_DIR/redis.log)"
    echo "$REDIS_PORT" > "$REDIS_DIR/port"
}

# A server already running here on another port than the one asked for: say so rather than hand
# out the wrong address.
check_port() { # name, port file, wanted port, variable
    local saved
    saved=$(cat "$2" 2>/dev/null || true)
    [ -z "$saved" ] || [ "$saved" = "$3" ] \
        || die "$1 of $SERVICES_DIR is already running on port $saved, not $3: stop it first (scripts/services.sh stop $1) or use $4=$saved"
}

stop_pidfile() { # name, pidfile
    alive "$2" || { log "$1 is not running"; return 0; }
    local pid; pid=$(cat "$2")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do running "$pid" || { log "$1 stopped"; rm -f "$2"; return 0; }; sleep 0.2; done
    log "$1 did not stop in 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$2"
}

kill_pidfile() { # name, pidfile
    alive "$2" || die "$1 is not running"
    local pid; pid=$(cat "$2")
    kill -KILL "$pid"
    while running "$pid"; do sleep 0.05; done
    rm -f "$2"
    log "$1 killed"
}

print_env() {
    echo "DATABASE_URL=mariadb://$DB_USER:$(db_password)@127.0.0.1:$MARIADB_PORT/$DB_NAME"
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    [ "${MARIADB_TLS:-0}" = 1 ] && echo "DATABASE_CA=$SERVICES_DIR/tls/ca.pem"
    return 0
}

which_services() { case "${1:-all}" in all) echo "mariadb redis" ;; mariadb|redis) echo "$1" ;; *) die "unknown service '$1'" ;; esac; }

command=${1:-}
shift || true
case "$command" in
    packages) install_packages "${1:-base}" ;;
    start)
        install_packages base
        for s in $(which_services "${1:-all}"); do "start_$s"; done ;;
    stop)
        for s in $(which_services "${1:-all}"); do
            case $s in mariadb) stop_pidfile mariadb "$MDB_PID" ;; redis) stop_pidfile redis "$REDIS_PID" ;; esac
        done ;;
    kill)
        case "${1:-}" in mariadb) kill_pidfile mariadb "$MDB_PID" ;; redis) kill_pidfile redis "$REDIS_PID" ;; *) die "kill mariadb|redis" ;; esac ;;
    status)
        alive "$MDB_PID" && echo "mariadb: running (pid $(cat "$MDB_PID"), port $MARIADB_PORT)" || echo "mariadb: stopped"
        alive "$REDIS_PID" && echo "redis: running (pid $(cat "$REDIS_PID"), port $REDIS_PORT)" || echo "redis: stopped" ;;
    env) print_env ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
