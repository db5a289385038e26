#!/usr/bin/env bash
# HTTP figures of a running app, with wrk: signs a new respondent up, saves the consent page, then
# measures three request shapes and prints requests/s and p99 latency beside the static route.
#
#   scripts/bench-http.sh [BASE_URL]        (default $BENCH_HTTP_URL, else http://127.0.0.1:8080)
#
# It leaves a throwaway respondent (bench-…@example.com) with a draft in the app's database: point it
# at a bench or development instance, never at one holding real answers. `make bench` serves one.
#
#   GET  /healthz            reference: no session, no database, same middleware chain
#   GET  /survey/household   signed in: session read from Redis, draft read from MariaDB, page rendered
#   POST /survey/household   signed in: CSRF check, validation, draft saved (303 to the next page)
#
# Each shape is first run briefly with every response inspected (status, and the Location of the
# 303), then measured without the inspection (it costs wrk CPU that the app would otherwise get);
# the measured run must have no wrk errors, no non-2xx/3xx response and the same mean response
# size as the inspected one, and the session must still work afterwards. Any failure exits 1.
#
# Settings (environment): WRK_THREADS (2), WRK_CONNECTIONS (50), WRK_DURATION (10s),
# WRK_CHECK_DURATION (2s), WRK_TIMEOUT (2s), BENCH_HTTP_LOG_DIR (where wrk's own outputs are kept;
# default a temporary folder, removed when everything passed).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BASE=${1:-${BENCH_HTTP_URL:-http://127.0.0.1:8080}}
BASE=${BASE%/}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-50}
DURATION=${WRK_DURATION:-10s}
CHECK_DURATION=${WRK_CHECK_DURATION:-2s}
TIMEOUT=${WRK_TIMEOUT:-2s}
LUA=$ROOT/scripts/wrk/request.lua

log() { printf '[bench-http] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v wrk >/dev/null || die "wrk is not installed (scripts/services.sh packages bench installs it)"
command -v curl >/dev/null || die "curl is not installed"

if [ -n "${BENCH_HTTP_LOG_DIR:-}" ]; then
    LOG_DIR=$BENCH_HTTP_LOG_DIR
    mkdir -p "$LOG_DIR"
    keep_logs=1
else
    LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/bench-http.XXXXXX")
    keep_logs=0
fi
passed=0
cleanup() {
    if [ "$keep_logs" = 0 ] && [ "$passed" = 1 ]; then rm -rf "$LOG_DIR"; else log "wrk outputs kept in $LOG_DIR"; fi
}
trap cleanup EXIT
JAR=$LOG_DIR/cookies.txt
rm -f "$JAR"

# --- A signed-in respondent with the consent page saved -----------------------------------------

# curl_to FILE ARGS...: the response body goes to FILE; prints "status location".
curl_to() {
    local out=$1; shift
    curl -sS -o "$out" -b "$JAR" -c "$JAR" -w '%{http_code} %header{location}' "$@" || die "curl $* failed"
}

expect() { # what, "status location" wanted, "status location" got
    [ "$2" = "$3" ] || die "$1: expected '$2', got '$3'"
}

field() { # name, html file: the value of the hidden input called name
    sed -n "s/.*name=\"$1\" value=\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -n 1
}

cookie() { awk -v name="$1" '$6 == name { value = $7 } END { print value }' "$JAR"; }

# Form values are all URL-safe here (CSRF tokens are base64url, question codes are plain).
curl -sS -o /dev/null --max-time 5 "$BASE/healthz" || die "no app answers at $BASE"

email="bench-$(date +%s)-$$-$RANDOM@example.com"
password="wrk-bench-$RANDOM-$RANDOM-Pw"
expect "GET /signup" "200 " "$(curl_to "$LOG_DIR/signup.html" "$BASE/signup")"
csrf=$(field _csrf "$LOG_DIR/signup.html")
[ -n "$csrf" ] || die "no _csrf field on /signup"
expect "POST /signup" "303 /survey" "$(curl_to "$LOG_DIR/signup-post.html" \
    --data-urlencode "_csrf=$csrf" --data-urlencode "email=$email" --data-urlencode "password=$password" "$BASE/signup")"
[ -n "$(cookie survey_session)" ] || die "POST /signup set no survey_session cookie"

expect "GET /survey/consent" "200 " "$(curl_to "$LOG_DIR/consent.html" "$BASE/survey/consent")"
csrf=$(field _csrf "$LOG_DIR/consent.html")
[ "$csrf" = "$(cookie survey_csrf)" ] || die "the consent page's _csrf differs from the survey_csrf cookie"
expect "POST /survey/consent" "303 /survey/household" "$(curl_to "$LOG_DIR/consent-post.html" \
    --data "_csrf=$csrf&_presented=$(field _presented "$LOG_DIR/consent.html")&consent=yes" "$BASE/survey/consent")"

expect "GET /survey/household" "200 " "$(curl_to "$LOG_DIR/household.html" "$BASE/survey/household")"
csrf=$(field _csrf "$LOG_DIR/household.html")
household_body="_csrf=$csrf&_presented=$(field _presented "$LOG_DIR/household.html")&age_band=25-34&district=centro&household_size=3&income_band=C"
expect "POST /survey/household" "303 /survey/shopping" "$(curl_to "$LOG_DIR/household-post.html" \
    --data "$household_body" "$BASE/survey/household")"

session_cookie="survey_session=$(cookie survey_session); survey_csrf=$(cookie survey_csrf)"
log "signed in as $email, consent saved"

# After the measured runs: the session still reads the page and still saves it.
still_signed_in() {
    expect "GET /survey/household after the runs" "200 " \
        "$(curl -sS -o /dev/null -H "Cookie: $session_cookie" -w '%{http_code} %header{location}' "$BASE/survey/household")"
    expect "POST /survey/household after the runs" "303 /survey/shopping" \
        "$(curl -sS -o /dev/null -H "Cookie: $session_cookie" --data "$household_body" -w '%{http_code} %header{location}' "$BASE/survey/household")"
}

# --- wrk ----------------------------------------------------------------------------------------

# summary_value LINE KEY
summary_value() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# run_wrk NAME PATH METHOD STATUS LOCATION COOKIE BODY: checked run, then measured run; sets
# RESULT to the measured summary line.
run_wrk() {
    local name=$1 path=$2 method=$3 status=$4 location=$5 cookie=$6 body=$7 slug
    slug=$(tr -c 'a-zA-Z0-9\n' '-' <<<"$method-$path")
    local checked_line measured_line
    for mode in check measure; do
        local out=$LOG_DIR/$slug-$mode.txt duration=$DURATION inspect=0
        [ "$mode" = check ] && { duration=$CHECK_DURATION; inspect=1; }
        WRK_METHOD=$method WRK_BODY=$body WRK_COOKIE=$cookie WRK_EXPECT_STATUS=$status \
            WRK_EXPECT_LOCATION=$location WRK_CHECK=$inspect \
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --timeout "$TIMEOUT" --latency -s "$LUA" "$BASE$path" \
            > "$out" 2>&1 || { cat "$out" >&2; die "wrk failed on $name"; }
        local line
        line=$(grep '^wrk-summary ' "$out") || { cat "$out" >&2; die "no summary from wrk on $name"; }
        local requests errors
        requests=$(summary_value "$line" requests)
        errors=$(( $(summary_value "$line" connect) + $(summary_value "$line" read) + $(summary_value "$line" write)
            + $(summary_value "$line" timeout) + $(summary_value "$line" non2xx3xx) ))
        [ "$requests" -gt 0 ] || die "$name ($mode run): no request completed"
        [ "$errors" -eq 0 ] || { cat "$out" >&2; die "$name ($mode run): $errors errors (connect/read/write/timeout/non-2xx-3xx) in $requests requests"; }
        if [ "$mode" = check ]; then
            local unexpected checked
            unexpected=$(summary_value "$line" unexpected)
            checked=$(summary_value "$line" checked)
            [ "$unexpected" -eq 0 ] || die "$name: $unexpected of $checked responses were not '$status${location:+ -> $location}' (first: $(summary_value "$line" example | tr _ ' '))"
            [ "$checked" -gt 0 ] || die "$name: no response inspected"
            checked_line=$line
        else
            measured_line=$line
        fi
    done
    # The measured run inspected nothing: a switch to other responses (a redirect to /login, an
    # error page) would show as another mean size.
    local size_checked size_measured
    size_checked=$(( $(summary_value "$checked_line" bytes) / $(summary_value "$checked_line" requests) ))
    size_measured=$(( $(summary_value "$measured_line" bytes) / $(summary_value "$measured_line" requests) ))
    [ $(( size_measured * 100 )) -ge $(( size_checked * 95 )) ] && [ $(( size_measured * 100 )) -le $(( size_checked * 105 )) ] \
        || die "$name: mean response size $size_measured bytes in the measured run, $size_checked in the checked run"
    RESULT=$measured_line
}

echo "HTTP: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency against $BASE (each shape checked for ${CHECK_DURATION} first)"
names=() lines=()
bench() { # name, then run_wrk's arguments after the name
    local name=$1; shift
    run_wrk "$name" "$@"
    names+=("$name")
    lines+=("$RESULT")
    printf '  %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d requests, 0 errors\n' "$name" \
        "$(summary_value "$RESULT" rps)" "$(summary_value "$RESULT" p50_us)e-3" "$(summary_value "$RESULT" p99_us)e-3" \
        "$(summary_value "$RESULT" requests)"
}
bench "GET /healthz (reference)" /healthz GET 200 "" "" ""
bench "GET /survey/household (signed in)" /survey/household GET 200 "" "$session_cookie" ""
bench "POST /survey/household (draft saved)" /survey/household POST 303 /survey/shopping "$session_cookie" "$household_body"
still_signed_in

# --- Table --------------------------------------------------------------------------------------

pad() { printf "%-${2}s" "$1"; [ ${#1} -ge "$2" ] && printf ' '; return 0; }
echo ""
echo "$(pad "HTTP benchmark (wrk c=$CONNECTIONS)" 44)$(pad "req/s" 14)$(pad "p99" 14)$(pad "req/s ratio" 14)p99 ratio"
ref_rps=$(summary_value "${lines[0]}" rps)
ref_p99=$(summary_value "${lines[0]}" p99_us)
for i in "${!names[@]}"; do
    rps=$(summary_value "${lines[$i]}" rps)
    p99=$(summary_value "${lines[$i]}" p99_us)
    if [ "$i" -eq 0 ]; then ratios="$(pad "1.00x (ref)" 14)1.00x (ref)"
    else ratios="$(pad "$(awk -v a="$rps" -v b="$ref_rps" 'BEGIN { printf "%.2fx", a / b }')" 14)$(awk -v a="$p99" -v b="$ref_p99" 'BEGIN { printf "%.2fx", a / b }')"
    fi
    echo "$(pad "${names[$i]}" 44)$(pad "$(printf '%.0f /s' "$rps")" 14)$(pad "$(printf '%.2f ms' "${p99}e-3")" 14)$ratios"
done
passed=1
