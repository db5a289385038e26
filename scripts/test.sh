#!/usr/bin/env bash
# `make test`: starts throwaway MariaDB and Redis instances (own ports and data folder, so a running
# `make run` is never touched), runs every test against them, then the browser check of the pages
# (scripts/browser-test.sh, screenshots in .local/screenshots/), and stops them again.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export SERVICES_DIR=${TEST_SERVICES_DIR:-$ROOT/.local/test-services}
export MARIADB_PORT=${TEST_MARIADB_PORT:-33306}
export REDIS_PORT=${TEST_REDIS_PORT:-36380}
export DB_NAME=survey_test DB_USER=survey_test DB_GRANT_ALL=1 REDIS_APPENDONLY=no MARIADB_TLS=1
# Tests write a lot and need no durability.
export MARIADB_EXTRA_ARGS="--innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M --innodb-log-file-size=96M"

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
if [ $# -eq 0 ]; then
    # Everything in parallel, except two kinds of suites that run afterwards in processes of
    # their own: the balancer's live tests that check timings of a few seconds (a client sending
    # every 20 ms, a cut after a timeout), which missed them when every suite started at once on
    # two cores, and the reactor test that needs a new thread to get an ended thread's id, which
    # other tests' new threads take first; and the suite that measures the process's own memory,
    # alone.
    timed="SlowClientLiveTests|LingeringLiveTests|DrainLiveTests|ReactorRestartTests"
    scripts/swift-test.sh --skip-build --skip "FlatMemoryTests|$timed"
    scripts/swift-test.sh --skip-build --filter "$timed"
    scripts/swift-test.sh --skip-build --filter FlatMemoryTests
else
    scripts/swift-test.sh --skip-build "$@"
fi

# Then the pages in headless Chromium with JavaScript off, served by the debug binary just built
# (`--build-tests` builds every product, SurveyApp included). It runs by default with no test
# filter; BROWSER_CHECK=0 skips it, BROWSER_CHECK=1 runs it after filtered tests too.
if [ "${BROWSER_CHECK:-$([ $# -eq 0 ] && echo 1 || echo 0)}" = 1 ]; then
    bin=$(swift build --show-bin-path)
    [ -x "$bin/SurveyApp" ] || swift build --product SurveyApp
    scripts/browser-test.sh "$bin/SurveyApp"
fi
