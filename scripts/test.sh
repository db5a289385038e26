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

scripts/services.sh packages test
trap 'scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
scripts/services.sh start
eval "$(scripts/services.sh env | sed 's/^/export TEST_/')"
export SERVICES_SCRIPT="$ROOT/scripts/services.sh"

swift build --build-tests
swift test --skip-build "$@"
