#!/usr/bin/env bash
# `make run`: installs what is missing, starts MariaDB and Redis (data in .local/services), builds
# the app in release mode, ships it with Views/ and Migrations/ in .local/dist, and serves it in
# the foreground. Ctrl-C or SIGTERM stops everything this script started.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export HTTP_HOST=${HTTP_HOST:-127.0.0.1}
export HTTP_PORT=${HTTP_PORT:-8080}

scripts/services.sh packages base
started=()
for s in mariadb redis; do
    scripts/services.sh status | grep -q "^$s: running" || started+=("$s")
done
cleanup() {
    trap - EXIT INT TERM
    [ -n "${app_pid:-}" ] && kill -TERM "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
    for s in "${started[@]}"; do scripts/services.sh stop "$s" || true; done
}
trap cleanup EXIT
# A requested stop is not a failure: clean up and exit 0.
trap 'exit 0' INT TERM

scripts/services.sh start
eval "$(scripts/services.sh env | sed 's/^/export /')"

echo "[run] building the app in release mode (the first build takes a few minutes)"
swift build -c release --product SurveyApp
bin=$(swift build -c release --show-bin-path)
dist=.local/dist
rm -rf "$dist" && mkdir -p "$dist"
cp "$bin/SurveyApp" "$dist/"
cp -R Views Migrations Surveys Locales Public "$dist/"
# Any resource bundles go beside the binary too, where a release binary looks first.
find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} "$dist/" \;

echo "[run] serving on http://$HTTP_HOST:$HTTP_PORT (Ctrl-C stops everything)"
"$dist/SurveyApp" serve &
app_pid=$!
wait "$app_pid"
