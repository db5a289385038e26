#!/usr/bin/env bash
# `make bench`: starts its own MariaDB and Redis (own ports and data), builds in release mode, and
# prints each figure beside its reference tool, measured in the same run against the same servers.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export SERVICES_DIR=${BENCH_SERVICES_DIR:-$ROOT/.local/bench-services}
export MARIADB_PORT=${BENCH_MARIADB_PORT:-33316}
export REDIS_PORT=${BENCH_REDIS_PORT:-36390}
export DB_NAME=bench DB_USER=bench DB_GRANT_ALL=1 REDIS_APPENDONLY=no
# Commit durability off for both sides alike: the figures compare clients, not the disk.
export MARIADB_EXTRA_ARGS="--innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=1G --max-connections=2000"

scripts/services.sh packages bench
trap 'scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
scripts/services.sh start
eval "$(scripts/services.sh env | sed 's/^/export BENCH_/')"

swift build -c release --product Bench
"$(swift build -c release --show-bin-path)/Bench" "$@"
