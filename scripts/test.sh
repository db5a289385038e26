#!/usr/bin/env bash
# `make test`: starts throwaway MariaDB and Redis instances (own ports and data folder, so a running
# `make run` is never touched), runs every test against them, and stops them again.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export SERVICES_DIR=${TEST_SERVICES_DIR:-$ROOT/.local/test-services}
export MARIADB_PORT=${TEST_MARIADB_PORT:-33306}
export REDIS_PORT=${TEST_REDIS_PORT:-36380}
export DB_NAME=survey_test DB_USER=survey_test DB_GRANT_ALL=1 REDIS_APPENDONLY=no MARIADB_TLS=1
# Tests write a lot and need no durability.
export MARIADB_EXTRA_ARGS="--innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M"

# Tests that kill and restart a server start private ones under here; stop whatever a crashed or
# interrupted run left behind, now and at exit.
export TEST_SCRATCH_DIR=$SERVICES_DIR/scratch
stop_all() {
    for d in "$TEST_SCRATCH_DIR"/*/; do
        [ -d "$d" ] && SERVICES_DIR=$d scripts/services.sh stop >/dev/null 2>&1
    done
    rm -rf "$TEST_SCRATCH_DIR"
    scripts/services.sh stop >/dev/null 2>&1 || true
}
scripts/services.sh packages test
stop_all
trap stop_all EXIT
scripts/services.sh start
eval "$(scripts/services.sh env | sed 's/^/export TEST_/')"
export SERVICES_SCRIPT="$ROOT/scripts/services.sh"

swift build --build-tests
swift test --skip-build "$@"
