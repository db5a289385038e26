#!/usr/bin/env bash
# The balancer beside nginx and HAProxy, with the same setup for all three (and for the SwiftNIO
# floors: Sources/NIORelay relays bytes between each client connection and its own backend
# connection, with no HTTP parsing, header rewriting or pooling, which is SwiftNIO's own cost
# ("nio-relay"); with --http it puts NIOHTTP1's codecs on both sides and passes the parts through
# unchanged ("nio-http"), which is what those codecs cost, and why the balancer reads and writes
# the bytes itself):
#   - the same two backends (one nginx process listening on two ports, answering from memory);
#   - keep-alive on both sides (client to proxy, proxy to backends);
#   - one proxy worker each, pinned to core 0 (LB_THREADS=1, worker_processes 1, nbthread 1);
#   - wrk (one thread) and the backends pinned to core 1;
#   - every proxy adds X-Forwarded-For/-Proto/-Host and a request id; no access log.
# Load: wrk at c=50 for GET with a 13 B body, GET with a 4 KiB body, and POST with a 1 KiB body.
# For each it prints requests/s, p50 and p99 latency, and requests per proxy CPU-second (utime +
# stime from /proc), then the Swift balancer's ratios to nginx. Target: >= 1.0x nginx's requests
# per CPU-second with a p99 no worse.
#
#   scripts/bench-lb.sh            (builds the balancer in release mode first)
#
# Every proxy runs for the whole script and they are measured in turns, BENCH_ROUNDS times over; the
# report gives medians (the machine's speed drifts too much for one run of each to compare them).
#
# Settings (environment): BENCH_DURATION (5s), BENCH_WARMUP (1s), BENCH_ROUNDS (3),
# BENCH_CONNECTIONS (50), BENCH_PORT_BASE (18100: uses this and the next six ports), BENCH_KEEP
# (1 keeps the work folder),
# LB_BINARY and RELAY_BINARY (LoadBalancer and NIORelay binaries to use instead of building them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${BENCH_DURATION:-5s}
WARMUP=${BENCH_WARMUP:-1s}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
BASE=${BENCH_PORT_BASE:-18100}
BACKEND1=$BASE BACKEND2=$((BASE + 1)) SWIFT_PORT=$((BASE + 2)) NGINX_PORT=$((BASE + 3)) HAPROXY_PORT=$((BASE + 4))
RELAY_PORT=$((BASE + 5)) HTTP_RELAY_PORT=$((BASE + 6))
PROXY_CPU=0 LOAD_CPU=1

log() { printf '[bench-lb] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in wrk nginx haproxy taskset curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install wrk nginx haproxy util-linux curl)"
done
[ "$(nproc)" -ge 2 ] || die "needs two cores (one for the proxy, one for wrk and the backends)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-lb.XXXXXX")
chmod 755 "$WORK"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ -n "${LB_BINARY:-}" ]; then
    LB=$LB_BINARY
else
    log "building the balancer (release)"
    swift build -c release --scratch-path .build-lb --product LoadBalancer >&2
    LB=$(swift build -c release --scratch-path .build-lb --show-bin-path)/LoadBalancer
fi
[ -x "$LB" ] || die "no balancer binary at $LB"
# The SwiftNIO floor (Sources/NIORelay): a byte relay that does no HTTP work at all.
if [ -n "${RELAY_BINARY:-}" ]; then
    RELAY=$RELAY_BINARY
else
    swift build -c release --scratch-path .build-lb --product NIORelay >&2
    RELAY=$(swift build -c release --scratch-path .build-lb --show-bin-path)/NIORelay
fi
[ -x "$RELAY" ] || die "no relay binary at $RELAY"

user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
nginx_common() { # prefix
    cat <<EOF
$user_line
worker_processes 1;
daemon off;
master_process on;
error_log $WORK/$1-error.log warn;
pid $WORK/$1.pid;
events { worker_connections 4096; }
EOF
}
nginx_temp_paths() { # prefix
    cat <<EOF
    client_body_temp_path $WORK/$1-body;
    proxy_temp_path $WORK/$1-proxy;
    fastcgi_temp_path $WORK/$1-fastcgi;
    uwsgi_temp_path $WORK/$1-uwsgi;
    scgi_temp_path $WORK/$1-scgi;
EOF
}

# --- Backends: one nginx worker on the load core, two ports, bodies from memory -----------------
# nginx's `return` takes at most a few KiB, so the 4 KiB body is a file (read through the open
# file cache, from the page cache).
mkdir -p "$WORK/www"
head -c 4096 /dev/zero | tr '\0' 'x' > "$WORK/www/4k"
{
    nginx_common backend
    echo "http {"
    nginx_temp_paths backend
    cat <<EOF
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    server {
        listen 127.0.0.1:$BACKEND1 reuseport backlog=4096;
        listen 127.0.0.1:$BACKEND2 reuseport backlog=4096;
        location = /13 { return 200 "Hello, world!"; }
        open_file_cache max=16 inactive=60s;
        open_file_cache_valid 60s;
        location = /4k { root $WORK/www; default_type text/plain; }
        location = /post { client_body_buffer_size 16k; return 200 "Hello, world!"; }
        location = /readyz { return 200 "ok"; }
    }
}
EOF
} > "$WORK/backend.conf"

# --- nginx as the proxy ----------------------------------------------------------------------------
{
    nginx_common nginx
    echo "http {"
    nginx_temp_paths nginx
    cat <<EOF
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    upstream app {
        server 127.0.0.1:$BACKEND1;
        server 127.0.0.1:$BACKEND2;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Request-ID \$request_id;
            proxy_next_upstream error timeout;
        }
    }
}
EOF
} > "$WORK/nginx.conf"

# --- HAProxy ------------------------------------------------------------------------------------
cat > "$WORK/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 75s
    option http-keep-alive
    http-reuse always
frontend fe
    bind 127.0.0.1:$HAPROXY_PORT
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    unique-id-format %{+X}o%[rand,hex]%[rand,hex]
    unique-id-header X-Request-ID
    default_backend app
backend app
    balance roundrobin
    server s1 127.0.0.1:$BACKEND1
    server s2 127.0.0.1:$BACKEND2
EOF
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$BACKEND1" "$BACKEND2" > "$WORK/backends.txt"

cat > "$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = string.rep("a", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF

wait_http() { # url
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "nothing answers at $1"
}

nginx -t -q -c "$WORK/backend.conf" -p "$WORK" 2>/dev/null || nginx -t -c "$WORK/backend.conf" -p "$WORK"
nginx -t -q -c "$WORK/nginx.conf" -p "$WORK" 2>/dev/null || nginx -t -c "$WORK/nginx.conf" -p "$WORK"
haproxy -c -q -f "$WORK/haproxy.cfg" || die "haproxy rejects its configuration"

taskset -c $LOAD_CPU nginx -c "$WORK/backend.conf" -p "$WORK" &
pids+=($!)
wait_http "http://127.0.0.1:$BACKEND1/13"
wait_http "http://127.0.0.1:$BACKEND2/13"

# The process ids whose CPU time counts for a proxy: nginx's master and its worker(s).
proxy_pids() { # main pid
    local main=$1
    echo "$main $(pgrep -P "$main" | tr '\n' ' ')"
}
cpu_ticks() { # pids...
    local total=0
    for pid in "$@"; do
        [ -r "/proc/$pid/stat" ] || continue
        # Fields after the command name (which may contain spaces): utime is 14th, stime 15th.
        local fields
        fields=$(sed 's/^.*) //' "/proc/$pid/stat")
        set -- $fields
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}
TICKS=$(getconf CLK_TCK)

# run_wrk URL SCRIPT... -> "rps p50 p99" (latencies in ms)
run_wrk() {
    local url=$1 script=${2:-} out
    local args=(-t1 -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 5s)
    [ -n "$script" ] && args+=(-s "$script")
    out=$(taskset -c $LOAD_CPU wrk "${args[@]}" "$url")
    echo "$out" >> "$WORK/wrk.log"
    local errors
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}')
    # A proxy answering fast errors would look like a fast proxy: the run is void.
    if [ -n "$errors" ]; then
        echo "bench-lb: wrk reported errors against $url: $errors (full output in $WORK/wrk.log)" >&2
        exit 1
    fi
    echo "$out" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        END { printf "%s %.3f %.3f\n", rps, p50, p99 }'
}

DURATION_SECONDS=$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n }')
declare -A RESULT PORT MAIN
NAMES=(swift nio-relay nio-http nginx haproxy)
SHAPES=(get13 get4k post1k)

# measure NAME SHAPE ROUND: one wrk run against a running proxy; its CPU time from /proc.
measure() {
    local name=$1 shape=$2 round=$3
    local url="http://127.0.0.1:${PORT[$name]}" script=""
    case $shape in
        get13) url+="/13" ;;
        get4k) url+="/4k" ;;
        post1k) url+="/post"; script="$WORK/post.lua" ;;
    esac
    # Warm-up (connections, pools, caches), not measured.
    taskset -c $LOAD_CPU wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" ${script:+-s "$script"} "$url" >/dev/null
    local pids_list before after result
    pids_list=$(proxy_pids "${MAIN[$name]}")
    before=$(cpu_ticks $pids_list)
    result=$(run_wrk "$url" "$script")
    after=$(cpu_ticks $pids_list)
    local rps p50 p99 cpu per_cpu
    read -r rps p50 p99 <<<"$result"
    cpu=$(awk -v t=$((after - before)) -v hz="$TICKS" 'BEGIN { printf "%.3f", t / hz }')
    per_cpu=$(awk -v r="$rps" -v s="$DURATION_SECONDS" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", r * s / c; else print "inf" }')
    RESULT[$name,$shape,$round]="$rps $p50 $p99 $cpu $per_cpu"
    log "round $round, $name $shape: $rps req/s, p50 $p50 ms, p99 $p99 ms, proxy CPU $cpu s"
}

# start NAME PORT COMMAND...: a proxy pinned to the proxy core, waited for.
start() {
    local name=$1 port=$2
    shift 2
    taskset -c $PROXY_CPU "$@" 2>"$WORK/$name.log" &
    MAIN[$name]=$!
    PORT[$name]=$port
    pids+=($!)
    wait_http "http://127.0.0.1:$port/13"
}

# --- Every proxy at once (an idle one costs nothing), measured in turns -------------------------
# The machine's speed drifts by a third over minutes, so proxies measured one after the other
# would compare phases, not proxies: each round measures every proxy on one shape back to back,
# and the report takes medians over the rounds (and the median of the per-round ratios).
LB_LISTEN=127.0.0.1:$SWIFT_PORT LB_BACKENDS_FILE=$WORK/backends.txt LB_THREADS=1 LB_ACCESS_LOG=off \
    LB_ADMIN_LISTEN=off LB_HEALTH_PATH=off LB_RELOAD_INTERVAL=0 LB_POOL_IDLE_MAX=64 \
    start swift "$SWIFT_PORT" "$LB"
start nio-relay "$RELAY_PORT" "$RELAY" "$RELAY_PORT" "$BACKEND1" "$BACKEND2"
start nio-http "$HTTP_RELAY_PORT" "$RELAY" --http "$HTTP_RELAY_PORT" "$BACKEND1" "$BACKEND2"
start nginx "$NGINX_PORT" nginx -c "$WORK/nginx.conf" -p "$WORK"
start haproxy "$HAPROXY_PORT" haproxy -db -f "$WORK/haproxy.cfg"

for round in $(seq 1 "$ROUNDS"); do
    for shape in "${SHAPES[@]}"; do
        for name in "${NAMES[@]}"; do measure "$name" "$shape" "$round"; done
    done
done

# --- Report -------------------------------------------------------------------------------------
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# field NAME SHAPE INDEX -> that field of every round
field() {
    local values="" round
    for round in $(seq 1 "$ROUNDS"); do
        read -r -a parts <<<"${RESULT[$1,$2,$round]}"
        values+="${parts[$3]} "
    done
    echo "$values"
}
# ratios NAME SHAPE INDEX -> swift's field over NAME's, per round
ratios() {
    local values="" round
    for round in $(seq 1 "$ROUNDS"); do
        read -r -a mine <<<"${RESULT[swift,$2,$round]}"
        read -r -a theirs <<<"${RESULT[$1,$2,$round]}"
        values+=$(awk -v a="${mine[$3]}" -v b="${theirs[$3]}" 'BEGIN { printf "%.2f ", (b > 0 ? a / b : 0) }')
    done
    echo "$values"
}

echo
echo "Proxy benchmark: wrk -t1 -c$CONNECTIONS -d$DURATION, keep-alive both sides, one proxy worker on core $PROXY_CPU, wrk and backends on core $LOAD_CPU; medians of $ROUNDS rounds"
printf '%-8s %-10s %12s %9s %9s %14s\n' shape proxy "req/s" "p50 ms" "p99 ms" "req/CPU-s"
for shape in "${SHAPES[@]}"; do
    for name in "${NAMES[@]}"; do
        printf '%-8s %-10s %12s %9s %9s %14s\n' "$shape" "$name" \
            "$(field "$name" "$shape" 0 | median)" "$(field "$name" "$shape" 1 | median)" \
            "$(field "$name" "$shape" 2 | median)" "$(field "$name" "$shape" 4 | median)"
    done
done
echo
echo "Swift balancer relative to nginx, HAProxy and the two SwiftNIO floors: the median of the per-round ratios (>1 is better for req/s and req/CPU-s, <=1 is better for p99), then each round's req/CPU-s ratio:"
printf '%-8s %-10s %10s %12s %10s   %s\n' shape versus "req/s" "req/CPU-s" "p99" "req/CPU-s by round"
for shape in "${SHAPES[@]}"; do
    for name in nginx haproxy nio-relay nio-http; do
        printf '%-8s %-10s %9sx %11sx %9sx   %s\n' "$shape" "$name" \
            "$(ratios "$name" "$shape" 0 | median)" "$(ratios "$name" "$shape" 4 | median)" \
            "$(ratios "$name" "$shape" 2 | median)" "$(ratios "$name" "$shape" 4)"
    done
done
