#!/usr/bin/env bash
# tremplin's benchmark: throughput and tail latency of tremplin against nginx serving the very same bytes
# as static files, and whether one slow request stalls the others. Every figure is compared with a
# baseline measured in the same run (nginx, or tremplin without the slow load): read the ratios, not the
# absolute numbers, which depend on the machine. See bench/README.md.
#
# Usage: bench/run.sh BUILD_DIR      (make bench builds first, installs wrk and nginx-light, then runs this)
# Knobs (environment): BENCH_DURATION (10s), BENCH_WARMUP (2s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
#   BENCH_SLOW_TARGET_MS (500), BENCH_TREMPLIN_THREADS (0: tremplin's default), BENCH_QUIET_WAIT (30 s
#   at most waiting for a busy machine to calm down), BENCH_PLACES (50000 places generated and imported),
#   BENCH_KEEP=1 to keep the temp dir, NGINX.
set -eu

die() {
	echo "bench: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: bench/run.sh BUILD_DIR"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build directory \"$1\" (run: make build)"
BIN=$BUILD/src/tremplin
STATIC=$BUILD/static
NGINX=${NGINX:-/usr/sbin/nginx}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
CONNS=${BENCH_CONNECTIONS:-64}
WTHREADS=${BENCH_THREADS:-2}
SLOW_TARGET_MS=${BENCH_SLOW_TARGET_MS:-500}
TR_THREADS=${BENCH_TREMPLIN_THREADS:-0}
PLACES=${BENCH_PLACES:-50000}
# The places search measured: 20 km around Lyon (the answer: its first page, 20 places by distance).
PLACES_PATH=/api/v1/places
PLACES_QUERY="lat=45.764&lon=4.8357&radius_km=20"
REPO=$(cd "$(dirname "$0")/.." && pwd)

# --- what must be there --------------------------------------------------------------------------
[ -x "$BIN" ] || die "no server binary $BIN (run: make build)"
[ -d "$STATIC" ] || die "no static directory $STATIC (run: tools/static.sh $STATIC)"
for tool in wrk curl awk ss pgrep; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "\"$tool\" is missing (install it: apt-get install -y wrk curl gawk iproute2 procps — or run make bench)"
done
[ -x "$NGINX" ] || die "nginx is missing at $NGINX (install it: apt-get install -y nginx-light — or run make bench)"
[ -r /proc/stat ] || die "/proc/stat is not readable (Linux only)"

# --- temp dir, and stopping everything on exit ---------------------------------------------------
DIR=$(mktemp -d "${TMPDIR:-/tmp}/tremplin-bench.XXXXXX")
SRV_PID=
NGX_PID=
SLOW_PID=
WRK_PID=
STOP_RC=0

stop_pid() { # stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL; STOP_RC gets its exit status
	local pid=$1 i
	STOP_RC=0
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || STOP_RC=$?; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "bench: $2 (pid $pid) did not stop within 10 s of SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || STOP_RC=$?
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_pid "$WRK_PID" wrk
	[ -z "$SLOW_PID" ] || { touch "$DIR/slow.stop"; stop_pid "$SLOW_PID" "slow-request loop"; }
	if [ -n "$SRV_PID" ]; then
		stop_pid "$SRV_PID" tremplin
		if [ "$STOP_RC" -ne 0 ]; then
			echo "bench: WARNING: tremplin exited with status $STOP_RC on SIGTERM (not a clean stop); its log ends:" >&2
			tail -n 5 "$DIR/tremplin.log" >&2 || true
		fi
	fi
	stop_pid "$NGX_PID" nginx
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $DIR" >&2
	else
		rm -rf "$DIR"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nobody listens on (picked at random, checked with ss; a server failing to start on a port
# taken meanwhile is reported by wait_http).
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		[ "$p" = "${PORT1:-}" ] && continue
		if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	die "no free TCP port found"
}

wait_http() { # wait_http URL PID NAME LOG: up to 10 s for a 200
	local i
	for i in $(seq 1 100); do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "bench: $3 exited at start-up; its log ($4):" >&2
			tail -n 20 "$4" >&2 || true
			exit 1
		fi
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.1
	done
	echo "bench: $3 did not answer 200 on $1 within 10 s; its log ($4):" >&2
	tail -n 20 "$4" >&2 || true
	exit 1
}

# --- CPU accounting --------------------------------------------------------------------------------
# The machine may be shared (other builds, browser tests): each run reports the share of all cores'
# time used by processes other than the server under test and wrk (above 10 %, its req/s and p99 are
# suspect), and the server's own CPU time per request, which contention hardly changes.
stat_cpu() { awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6; exit }' /proc/stat; }
pid_ticks() { # utime + stime of the given processes (all their threads), in clock ticks
	local p t=0 v
	for p in "$@"; do
		v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || v=0
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
child_ticks() { # sets CHILD_TICKS: user + sys of this shell's reaped children (wrk, curl), in clock
	# ticks. `times` must run in this shell itself (in a subshell it reports the subshell's children).
	times >"$DIR/times.txt"
	CHILD_TICKS=$(awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
		t = 0
		for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60 + a[2] }
		printf "%.0f", t * hz }' "$DIR/times.txt")
}
server_pids() { # the processes of the server under test
	if [ "$1" = nginx ]; then echo "$NGX_PID" $(pgrep -P "$NGX_PID" || true); else echo "$SRV_PID"; fi
}
cpu_begin() { # cpu_begin SERVER
	read -r C_B0 C_T0 < <(stat_cpu)
	C_P0=$(pid_ticks $(server_pids "$1"))
	child_ticks
	C_W0=$CHILD_TICKS
}
cpu_end() { # cpu_end SERVER: sets OTHER (percent of all cores' time taken by other processes) and
	# SRV_TICKS (the server's CPU time during the run)
	local b1 t1 p1 w1
	read -r b1 t1 < <(stat_cpu)
	p1=$(pid_ticks $(server_pids "$1"))
	child_ticks
	w1=$CHILD_TICKS
	SRV_TICKS=$((p1 - C_P0))
	OTHER=$(awk -v db=$((b1 - C_B0)) -v dt=$((t1 - C_T0)) -v ours=$((p1 - C_P0 + w1 - C_W0)) 'BEGIN {
		o = dt > 0 ? (db - ours) * 100 / dt : 0; if (o < 0) o = 0; printf "%.0f", o }')
}

# --- 1. tremplin on a fresh SQLite database -----------------------------------------------------
PORT1=$(free_port)
T=http://127.0.0.1:$PORT1
"$BIN" seed --demo --database "sqlite:$DIR/bench.db" >"$DIR/seed.log" 2>&1 ||
	{ cat "$DIR/seed.log" >&2; die "seeding the database failed"; }
# The directory: PLACES synthetic places in the standard (real communes, weighted by population), imported
# before the server starts; the import is timed.
"$BIN" gen places "$PLACES" --seed 1 --output "$DIR/places.csv" --database "sqlite:$DIR/bench.db" \
	>"$DIR/gen.log" 2>&1 || { cat "$DIR/gen.log" >&2; die "tremplin gen places failed"; }
IMPORT_T0=$(date +%s.%N)
"$BIN" places import "$DIR/places.csv" --database "sqlite:$DIR/bench.db" >"$DIR/import.log" 2>&1 ||
	{ tail -n 20 "$DIR/import.log" >&2; die "tremplin places import failed"; }
IMPORT_S=$(awk -v a="$IMPORT_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
{
	printf '[server]\nstatic_dir = %s\naccess_log = false\ntest_mode = true\n' "$STATIC"
	[ "$TR_THREADS" = 0 ] || printf 'threads = %s\n' "$TR_THREADS"
} >"$DIR/bench.ini"
"$BIN" serve --database "sqlite:$DIR/bench.db" --listen "127.0.0.1:$PORT1" --config "$DIR/bench.ini" \
	>"$DIR/tremplin.log" 2>&1 &
SRV_PID=$!
wait_http "$T/healthz" "$SRV_PID" tremplin "$DIR/tremplin.log"
LOOPS=$(sed -n 's/.* with \([0-9][0-9]*\) loop threads.*/\1/p' "$DIR/tremplin.log" | head -n 1)
LOOPS=${LOOPS:-?}
# Every loop builds or takes the search index on its first search: ask until all the places are found.
for i in $(seq 1 300); do
	curl -s "$T$PLACES_PATH?per_page=1" 2>/dev/null | grep -q "\"total\":$PLACES[,}]" && break
	[ "$i" -lt 300 ] || die "the search did not find the $PLACES imported places within 60 s"
	sleep 0.2
done
INDEX_MS=$(sed -n 's/.*search index of [0-9]* places (version [0-9]*) built in \([0-9]*\) ms.*/\1/p' "$DIR/tremplin.log" |
	head -n 1)

# --- 2. nginx serving the same bytes as static files ---------------------------------------------
mkdir -p "$DIR/www" "$DIR/nginx-tmp"
curl -sf -D "$DIR/healthz.headers" -o "$DIR/www/healthz.json" "$T/healthz" || die "GET /healthz failed on tremplin"
curl -sf -D "$DIR/index.headers" -o "$DIR/www/index.html" "$T/" || die "GET / failed on tremplin"
[ -s "$DIR/www/index.html" ] || die "GET / on tremplin returned an empty body"
curl -sf -D "$DIR/places.headers" -o "$DIR/www/places.json" "$T$PLACES_PATH?$PLACES_QUERY" ||
	die "GET $PLACES_PATH?$PLACES_QUERY failed on tremplin"
PLACES_TOTAL=$(grep -o '"total":[0-9]*' "$DIR/www/places.json" | cut -d: -f2)
content_type() { # the Content-Type tremplin sent, as recorded by curl -D
	tr -d '\r' <"$1" | awk 'tolower($0) ~ /^content-type:/ { sub(/^[^:]*:[ \t]*/, ""); print; exit }'
}
CT_HEALTH=$(content_type "$DIR/healthz.headers")
CT_INDEX=$(content_type "$DIR/index.headers")
CT_PLACES=$(content_type "$DIR/places.headers")
# The headers tremplin adds to every response (security headers, cache-control), so that nginx sends as
# many bytes: all but those nginx writes itself and the per-request CSRF cookie.
ADD_HEADERS=$(tr -d '\r' <"$DIR/healthz.headers" | awk '
	/^[A-Za-z0-9-]+:/ {
		name = substr($0, 1, index($0, ":") - 1); value = substr($0, index($0, ":") + 1)
		sub(/^[ \t]+/, "", value)
		l = tolower(name)
		if (l ~ /^(date|connection|content-length|content-type|server|set-cookie|transfer-encoding|keep-alive)$/) next
		if (value ~ /[$"\\]/) next
		printf "        add_header %s \"%s\" always;\n", name, value
	}')

NGX_USER=
[ "$(id -u)" -eq 0 ] && NGX_USER="user root root;" # the workers read the 0700 temp dir
PORT2=$(free_port)
N=http://127.0.0.1:$PORT2
NGX_WORKERS=2
cat >"$DIR/nginx.conf" <<EOF
# Written by bench/run.sh; everything it touches is under $DIR.
$NGX_USER
worker_processes $NGX_WORKERS;
daemon off;
master_process on;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    server_tokens off;
    sendfile off; # bodies of a few kB from the open-file cache: read+writev costs less CPU than sendfile
    tcp_nodelay on;
    open_file_cache max=16 inactive=60s;
    open_file_cache_valid 60s;
    keepalive_timeout 65s;
    keepalive_requests 100000000;
    client_body_temp_path $DIR/nginx-tmp/body;
    proxy_temp_path $DIR/nginx-tmp/proxy;
    fastcgi_temp_path $DIR/nginx-tmp/fastcgi;
    uwsgi_temp_path $DIR/nginx-tmp/uwsgi;
    scgi_temp_path $DIR/nginx-tmp/scgi;
    types { }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$PORT2;
        root $DIR/www;
$ADD_HEADERS
        location = /healthz {
            default_type "${CT_HEALTH:-application/json; charset=utf-8}";
            try_files /healthz.json =404;
        }
        location = / {
            default_type "${CT_INDEX:-text/html; charset=utf-8}";
            try_files /index.html =404;
        }
        location = $PLACES_PATH {
            default_type "${CT_PLACES:-application/json; charset=utf-8}";
            try_files /places.json =404;
        }
    }
}
EOF
"$NGINX" -t -q -p "$DIR" -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" >"$DIR/nginx-start.log" 2>&1 ||
	{ cat "$DIR/nginx-start.log" >&2; die "nginx rejected its configuration ($DIR/nginx.conf)"; }
"$NGINX" -p "$DIR" -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" >"$DIR/nginx-start.log" 2>&1 &
NGX_PID=$!
wait_http "$N/healthz" "$NGX_PID" nginx "$DIR/nginx-error.log"
# The same bodies on both sides, or the comparison means nothing.
cmp -s <(curl -s "$N/healthz") "$DIR/www/healthz.json" || die "nginx does not serve the fetched /healthz"
cmp -s <(curl -s "$N/") "$DIR/www/index.html" || die "nginx does not serve the fetched /"
cmp -s <(curl -s "$N$PLACES_PATH?$PLACES_QUERY") "$DIR/www/places.json" || die "nginx does not serve the fetched places"
cmp -s <(curl -s "$T$PLACES_PATH?$PLACES_QUERY") "$DIR/www/places.json" ||
	die "tremplin's places search answers differently from one request to the next"
INDEX_STABLE="the same bytes on every request"
cmp -s <(curl -s "$T/") "$DIR/www/index.html" || INDEX_STABLE="bytes that vary per request (nginx serves one copy)"

# --- wrk and its parsing -------------------------------------------------------------------------
run_wrk() { # run_wrk OUT ARGS...: runs wrk, keeps its output in OUT, stops on a failure. In the
	# background with wait, so that Ctrl-C or SIGTERM stops the run at once (see cleanup).
	local out=$1
	shift
	wrk "$@" >"$out" 2>&1 &
	WRK_PID=$!
	wait "$WRK_PID" || { WRK_PID=; cat "$out" >&2; die "wrk failed: wrk $*"; }
	WRK_PID=
}
rps_of() { awk '/^Requests\/sec:/ { printf "%.0f", $2; found = 1 } END { if (!found) print "NaN" }' "$1"; }
pct_of() { # pct_of FILE PERCENT: that line of --latency (50, 75, 90, 99), in ms
	awk -v want="$2%" '$1 == want {
		v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
		if (f < 0) { print "NaN"; exit }
		printf "%.2f", v * f; found = 1; exit
	} END { if (!found) print "NaN" }' "$1"
}
p99_of() { pct_of "$1" 99; }
errors_of() { # socket errors and non-2xx answers, or nothing
	awk '/Socket errors:|Non-2xx or 3xx responses:/ { sub(/^[ \t]+/, ""); printf "%s%s", sep, $0; sep = "; " }' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a == a + 0) printf "%.2f", a / b; else print "n/a" }'; }

WARNINGS=()
MAX_OTHER=0
measure() { # measure LABEL SERVER URL WRK-ARGS...: warm-up, then the measured run; sets RPS, P99,
	# CPU_US (server CPU per request, in µs), OTHER
	local label=$1 server=$2 url=$3 out err
	shift 3
	out="$DIR/wrk-$(echo "$label" | tr -c 'A-Za-z0-9' _).txt"
	run_wrk "$DIR/warmup.txt" "$@" -d"$WARMUP" "$url"
	cpu_begin "$server"
	run_wrk "$out" "$@" -d"$DURATION" --latency "$url"
	cpu_end "$server"
	RPS=$(rps_of "$out")
	P99=$(p99_of "$out")
	P50=$(pct_of "$out" 50)
	P90=$(pct_of "$out" 90)
	CPU_US=$(awk -v t="$SRV_TICKS" -v hz="$(getconf CLK_TCK)" '/ requests in / {
		if ($1 > 0) printf "%.1f", t * 1000000 / hz / $1; else print "NaN"; found = 1 }
		END { if (!found) print "NaN" }' "$out")
	err=$(errors_of "$out")
	[ -z "$err" ] || WARNINGS+=("$label: $err")
	[ "$OTHER" -le "$MAX_OTHER" ] || MAX_OTHER=$OTHER
}

busy_now() { # share of all cores busy over one second, in percent
	local b0 t0 b1 t1
	read -r b0 t0 < <(stat_cpu)
	sleep 1
	read -r b1 t1 < <(stat_cpu)
	awk -v db=$((b1 - b0)) -v dt=$((t1 - t0)) 'BEGIN { printf "%.0f", (dt > 0 ? db * 100 / dt : 0) }'
}
# A shared machine (other builds, browser tests) skews everything: wait up to BENCH_QUIET_WAIT seconds
# for it to calm down below 20 %, then go on regardless (each run reports what others took).
IDLE_BUSY=$(busy_now)
QUIET_END=$((SECONDS + ${BENCH_QUIET_WAIT:-30}))
if [ "$IDLE_BUSY" -gt 20 ]; then
	echo "bench: the machine is ${IDLE_BUSY}% busy before the run; waiting up to ${BENCH_QUIET_WAIT:-30} s for it to calm down" >&2
	while [ "$IDLE_BUSY" -gt 20 ] && [ $SECONDS -lt $QUIET_END ]; do
		sleep 2
		IDLE_BUSY=$(busy_now)
	done
fi

echo "tremplin benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, Linux $(uname -r)"
echo "tremplin: $LOOPS event-loop threads ($([ "$TR_THREADS" = 0 ] && echo "its default, 2 x cores" || echo "server.threads = $TR_THREADS")), SQLite,"
echo "  access_log = false (logging every request to the terminal would dominate), test_mode = true."
echo "nginx: $NGX_WORKERS worker processes, access_log off, keep-alive on, the same bodies as static files"
echo "  with the same content types and security headers."
echo "bodies: /healthz $(wc -c <"$DIR/www/healthz.json") bytes, / $(wc -c <"$DIR/www/index.html") bytes ($INDEX_STABLE),"
echo "  /places = GET $PLACES_PATH?$PLACES_QUERY: $(wc -c <"$DIR/www/places.json") bytes (the first 20 of $PLACES_TOTAL places"
echo "  within 20 km of Lyon, by distance, from the in-memory index)."
echo "places: $PLACES generated by tremplin gen places, imported by tremplin places import in $IMPORT_S s (SQLite);"
echo "  search index built in ${INDEX_MS:-?} ms; tremplin's resident memory $(ps -o rss= -p "$SRV_PID" | awk '{ printf "%.0f", $1 / 1024 }') MB."
echo "wrk -t$WTHREADS -c$CONNS -d$DURATION --latency after a $WARMUP warm-up; wrk shares the cores with the server."
echo "machine busy before the run: ${IDLE_BUSY}% of all cores; 'other %' below: the share other processes took."
echo

# --- 3. tremplin against nginx -------------------------------------------------------------------
url_of() { # the path and query of a resource of the table
	if [ "$1" = /places ]; then echo "$PLACES_PATH?$PLACES_QUERY"; else echo "$1"; fi
}
declare -A R
printf '%-12s %-10s %10s %10s %11s %8s\n' resource server req/s "p99 (ms)" "cpu us/req" "other %"
for r in /healthz / /places; do
	for s in tremplin nginx; do
		base=$T
		[ "$s" = nginx ] && base=$N
		measure "$r $s" "$s" "$base$(url_of "$r")" -t"$WTHREADS" -c"$CONNS"
		R["$r $s rps"]=$RPS
		R["$r $s p99"]=$P99
		R["$r $s cpu"]=$CPU_US
		printf '%-12s %-10s %10s %10s %11s %8s\n' "$r" "$s" "$RPS" "$P99" "$CPU_US" "$OTHER"
	done
	R["$r rps ratio"]=$(ratio "${R["$r tremplin rps"]}" "${R["$r nginx rps"]}")
	R["$r p99 ratio"]=$(ratio "${R["$r tremplin p99"]}" "${R["$r nginx p99"]}")
	R["$r cpu ratio"]=$(ratio "${R["$r tremplin cpu"]}" "${R["$r nginx cpu"]}")
	printf '%-12s ratio tremplin/nginx: req/s %s, p99 %s, cpu/req %s\n' "$r" "${R["$r rps ratio"]}" \
		"${R["$r p99 ratio"]}" "${R["$r cpu ratio"]}"
done
echo

# --- 4. one slow request in flight does not stall the others -------------------------------------
slow_ms() { # slow_ms N: duration of one /__test/slow?n=N in ms, or fails
	local out code t
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$T/__test/slow?n=$1") || return 1
	code=${out% *}
	t=${out#* }
	[ "$code" = 200 ] || { echo "bench: /__test/slow answered $code (is test_mode on?)" >&2; return 1; }
	awk -v t="$t" 'BEGIN { printf "%.0f", t * 1000 }'
}
SLOW_N=1000000
ms=$(slow_ms "$SLOW_N") || die "/__test/slow failed"
for i in 1 2 3 4; do # scale n towards the target duration (roughly linear in n)
	awk -v ms="$ms" -v t="$SLOW_TARGET_MS" 'BEGIN { exit !(ms > t * 0.8 && ms < t * 1.25) }' && break
	SLOW_N=$(awk -v n="$SLOW_N" -v ms="$ms" -v t="$SLOW_TARGET_MS" 'BEGIN {
		if (ms < 1) ms = 1; m = int(n * t / ms); if (m < 10000) m = 10000; if (m > 100000000) m = 100000000; print m }')
	ms=$(slow_ms "$SLOW_N") || die "/__test/slow failed"
done
SLOW_MS=$ms
echo "slow request: GET /__test/slow?n=$SLOW_N takes ${SLOW_MS} ms alone (target ${SLOW_TARGET_MS} ms)"

measure "slow-baseline" tremplin "$T/healthz" -t1 -c4
B_RPS=$RPS B_P50=$P50 B_P90=$P90 B_P99=$P99 B_OTHER=$OTHER
# A client that keeps one slow request in flight at all times; bounded in time, and stopped after the
# run by a flag file so that its last request completes (no connection cut mid-request).
SLOW_LOG=$DIR/slow.log
: >"$SLOW_LOG"
rm -f "$DIR/slow.stop"
(
	trap 'exit 0' TERM
	end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ] && [ ! -e "$DIR/slow.stop" ]; do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$T/__test/slow?n=$SLOW_N" >>"$SLOW_LOG" || sleep 0.1
	done
) &
SLOW_PID=$!
sleep 0.2
measure "slow-loaded" tremplin "$T/healthz" -t1 -c4
S_RPS=$RPS S_P50=$P50 S_P90=$P90 S_P99=$P99 S_OTHER=$OTHER
touch "$DIR/slow.stop"
wait "$SLOW_PID" || true
SLOW_PID=
SLOW_DONE=$(awk '$1 == 200' "$SLOW_LOG" | wc -l)
SLOW_AVG=$(awk '$1 == 200 { s += $2; n++ } END { if (n) printf "%.0f", s / n * 1000; else print "n/a" }' "$SLOW_LOG")

printf '%-34s %10s %10s %10s %10s %8s\n' "/healthz, wrk -t1 -c4" req/s "p50 (ms)" "p90 (ms)" "p99 (ms)" "other %"
printf '%-34s %10s %10s %10s %10s %8s\n' "alone" "$B_RPS" "$B_P50" "$B_P90" "$B_P99" "$B_OTHER"
printf '%-34s %10s %10s %10s %10s %8s\n' "with one slow request in flight" "$S_RPS" "$S_P50" "$S_P90" "$S_P99" \
	"$S_OTHER"
printf 'ratio with/without slow load: req/s %s, p99 %s (%s slow requests done, %s ms each on average;\n' \
	"$(ratio "$S_RPS" "$B_RPS")" "$(ratio "$S_P99" "$B_P99")" "$SLOW_DONE" "$SLOW_AVG"
printf '  p99 with the slow load = %s x the slow request'"'"'s own duration under load)\n' "$(ratio "$S_P99" "$SLOW_AVG")"
echo

[ "$MAX_OTHER" -le 10 ] ||
	WARNINGS+=("other processes took up to ${MAX_OTHER}% of the machine during a run: the ratios are noisy; run again on a quiet machine")
if [ ${#WARNINGS[@]} -gt 0 ]; then
	echo "WARNING:"
	printf '  %s\n' "${WARNINGS[@]}"
	echo
fi

# --- 5. the summary for the README ---------------------------------------------------------------
REV=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
CPU=$(awk -F: '/^model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
WRK_V=$(wrk -v 2>&1 | awk 'NR == 1 { print $2; exit }')
NGX_V=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
echo "---- summary (for the README's Performance section) ----"
echo "Date: $(date -u '+%Y-%m-%d'), tremplin $REV"
echo "Machine: $(nproc) cores${CPU:+ ($CPU)}, Linux $(uname -r); wrk $WRK_V; $NGX_V"
echo "Setup: tremplin $LOOPS loops on SQLite, access log off; nginx $NGX_WORKERS workers serving the same bytes;"
echo "  wrk -t$WTHREADS -c$CONNS -d$DURATION --latency on the same machine; other processes took at most ${MAX_OTHER}% of it."
echo "  $PLACES places imported in $IMPORT_S s (SQLite); index built in ${INDEX_MS:-?} ms; /places = $PLACES_PATH?$PLACES_QUERY"
echo "  ($PLACES_TOTAL places within 20 km, the first 20 by distance: $(wc -c <"$DIR/www/places.json") bytes)"
for r in /healthz / /places; do
	printf '  %-8s tremplin %6s req/s, p99 %6s ms, %5s us CPU/req | nginx %6s req/s, p99 %6s ms, %5s us CPU/req\n' \
		"$r" "${R["$r tremplin rps"]}" "${R["$r tremplin p99"]}" "${R["$r tremplin cpu"]}" \
		"${R["$r nginx rps"]}" "${R["$r nginx p99"]}" "${R["$r nginx cpu"]}"
	printf '  %-8s tremplin/nginx: req/s %s, p99 %s, CPU per request %s\n' "$r" "${R["$r rps ratio"]}" \
		"${R["$r p99 ratio"]}" "${R["$r cpu ratio"]}"
done
printf '  one %s ms request in flight: /healthz (wrk -t1 -c4) %s -> %s req/s (x%s), p99 %s -> %s ms (x%s)\n' \
	"$SLOW_MS" "$B_RPS" "$S_RPS" "$(ratio "$S_RPS" "$B_RPS")" "$B_P99" "$S_P99" "$(ratio "$S_P99" "$B_P99")"
echo "--------------------------------------------------------"
