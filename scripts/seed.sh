#!/usr/bin/env bash
# `make seed N=100000`: adds N synthetic respondents and responses to the database `make run`
# uses (starting MariaDB and Redis if they are not running), for demos.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
n=${1:-100000}
[[ "$n" =~ ^[0-9]+$ ]] || { echo "seed: N must be a whole number (make seed N=100000)" >&2; exit 2; }
scripts/services.sh packages base
scripts/services.sh start
eval "$(scripts/services.sh env | sed 's/^/export /')"
swift build -c release --product SurveyApp
"$(swift build -c release --show-bin-path)/SurveyApp" seed --responses "$n"
