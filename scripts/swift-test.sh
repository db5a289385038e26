#!/usr/bin/env bash
# Runs `swift test "$@"` with its output also kept in a log. When the run fails, ends with the
# tests that started and never finished: after a crash, the CI log's tail is the backtrace, and
# this names the test that was running. A crash prints a short backtrace of the crashed thread
# (a full one of every thread takes minutes on the debug build); SWIFT_BACKTRACE overrides it.
#
# A run that hangs would otherwise hold CI until its own limit and print nothing useful (the
# output of a killed process is lost in its buffers). So the output is line-buffered, and a
# watchdog stops a run still going after SWIFT_TEST_TIMEOUT seconds (default 900, 0 for none; a
# whole run takes under a minute): it prints every thread's stack of the test process, then the
# tests that had not finished, and fails.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log_dir=$ROOT/.local/test-logs
mkdir -p "$log_dir"
log=$log_dir/swift-test-$$.log
stacks=$log_dir/stacks-$$.txt
limit=${SWIFT_TEST_TIMEOUT:-900}
if ! [[ $limit =~ ^[0-9]+$ ]]; then
    echo "SWIFT_TEST_TIMEOUT must be a number of seconds (0 for no limit), not '$limit'" >&2
    exit 2
fi
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,interactive=no,threads=crashed,symbolicate=fast,images=mentioned}

unfinished() {
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
}

# Every process below `pid`, deepest last.
descendants() {
    local child
    for child in $(pgrep -P "$1"); do
        echo "$child"
        descendants "$child"
    done
}

# The run and everything it started. SwiftPM starts the test binary in a process group of its
# own, and a stuck one ignores SIGTERM: each process is killed by its id.
stop_run() {
    local all
    all=$(descendants "$pid")
    kill -KILL $all "$pid" 2>/dev/null
}

# The run writes the log itself (line-buffered by stdbuf), in a session of its own so a stuck
# one can be told apart from this script; `tail` shows it as it grows and ends with the run.
: > "$log"
setsid -w stdbuf -oL -eL swift test "$@" >> "$log" 2>&1 &
pid=$!
tail -n +1 --pid="$pid" -f "$log" &
shower=$!
watchdog=
trap 'stop_run; kill $watchdog $shower 2>/dev/null; exit 130' INT TERM

if [ "$limit" -gt 0 ]; then
    (
        waited=0
        while [ "$waited" -lt "$limit" ]; do
            sleep 5
            waited=$((waited + 5))
            kill -0 "$pid" 2>/dev/null || exit 0
        done
        echo
        echo "swift test is still running after $limit s (SWIFT_TEST_TIMEOUT): it is stuck."
        for p in $(descendants "$pid"); do
            case "$(cat "/proc/$p/comm" 2>/dev/null)" in
                *PackageTe*|*xctest*|swiftpm-testing*)
                    echo "Stacks of every thread of process $p ($(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-120)):"
                    timeout -k 10 180 gdb -p "$p" -batch -nx -ex "set pagination off" -ex "thread apply all bt 30" \
                        > "$stacks" 2>&1
                    if grep -q '^Thread' "$stacks"; then
                        # Enough to see who waits on what.
                        grep -E '^(Thread|#)' "$stacks" | cut -c1-220
                    else
                        echo "(gdb could not read them:)"
                        head -5 "$stacks"
                    fi
                    ;;
            esac
        done
        stop_run
    ) &
    watchdog=$!
fi

wait "$pid"
status=$?
[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
wait "$shower"  # the log's last lines on the screen before the summary below
if [ "$status" -ne 0 ]; then
    echo "swift test exited with $status. Tests that started and did not finish:"
    unfinished
    echo "Full output: $log"
else
    rm -f "$log" "$stacks"
fi
exit "$status"
