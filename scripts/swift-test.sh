#!/usr/bin/env bash
# Runs `swift test "$@"` with its output also kept in a log. When the run fails, ends with the
# tests that started and never finished: after a crash, the CI log's tail is the backtrace, and
# this names the test that was running. A crash prints a short backtrace of the crashed thread
# (a full one of every thread takes minutes on the debug build); SWIFT_BACKTRACE overrides it.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log_dir=$ROOT/.local/test-logs
mkdir -p "$log_dir"
log=$log_dir/swift-test-$$.log
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,interactive=no,threads=crashed,symbolicate=fast,images=mentioned}

swift test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo "swift test exited with $status. Tests that started and did not finish:"
    # Swift Testing: "◇ Test name() started." then "✔ Test name() passed…" / "✘ … failed…".
    # Cases of a parameterised test print no end line of their own: their test's line counts.
    awk '
        / Test (case passing|run) / { next }
        / Test .* started\.$/ { name = $0; sub(/^[^ ]* Test /, "", name); sub(/ started\.$/, "", name); open[name]++; next }
        / Test .* ((passed|failed) after |skipped[.:])/ {
            name = $0; sub(/^[^ ]* Test /, "", name); sub(/ (with [0-9]+ test cases? )?((passed|failed) after |skipped[.:]).*$/, "", name)
            if (open[name] > 0) open[name]--
        }
        END { n = 0; for (t in open) if (open[t] > 0) { print "  " t; n++ } if (n == 0) print "  (none)" }
    ' "$log"
    echo "Full output: $log"
else
    rm -f "$log"
fi
exit "$status"
