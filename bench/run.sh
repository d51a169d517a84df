#!/usr/bin/env bash
# tremplin's benchmark: every ratio of issue 18 in one run, each against a baseline measured in the same run
# on the same machine: tremplin against nginx serving the very same bytes (home page, /lieux, the radius
# search API, a place page, the national dossier queue with 1,000 dossiers, the offers board), the p99 of
# quick requests with one 450 ms query in flight against the same without it, resident memory with 50,000
# places and 1,000 idle keep-alive connections, and the time from start to ready. Writes bench/results.md
# (date, commit, machine, load average during the run). See bench/README.md.
#
# Usage: bench/run.sh BUILD_DIR      (make bench builds first, installs wrk and nginx-light, then runs this)
# Knobs (environment): BENCH_DURATION (5s), BENCH_WARMUP (1s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
#   BENCH_SLOW_TARGET_MS (450), BENCH_TREMPLIN_THREADS (0: tremplin's default), BENCH_QUIET_WAIT (30 s
#   at most waiting for a busy machine to calm down), BENCH_PLACES (50000), BENCH_DOSSIERS (1000),
#   BENCH_IDLE (1000 idle connections), BENCH_STARTS (3 timed starts), BENCH_RESULTS (bench/results.md),
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
DURATION=${BENCH_DURATION:-5s}
WARMUP=${BENCH_WARMUP:-1s}
CONNS=${BENCH_CONNECTIONS:-64}
WTHREADS=${BENCH_THREADS:-2}
SLOW_TARGET_MS=${BENCH_SLOW_TARGET_MS:-450}
TR_THREADS=${BENCH_TREMPLIN_THREADS:-0}
PLACES=${BENCH_PLACES:-50000}
DOSSIERS=${BENCH_DOSSIERS:-1000}
IDLE=${BENCH_IDLE:-1000}
STARTS=${BENCH_STARTS:-3}
REPO=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=${BENCH_RESULTS:-$REPO/bench/results.md}
RUN_T0=$SECONDS

# --- what must be there --------------------------------------------------------------------------
[ -x "$BIN" ] || die "no server binary $BIN (run: make build)"
[ -d "$STATIC" ] || die "no static directory $STATIC (run: tools/static.sh $STATIC)"
for tool in wrk curl awk ss pgrep python3; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "\"$tool\" is missing (install it: apt-get install -y wrk curl gawk iproute2 procps python3 — or run make bench)"
done
# nginx is the baseline of half the figures: without it the run would mean nothing, so it stops here.
[ -x "$NGINX" ] || die "nginx is missing at $NGINX: the baselines (nginx serving the same bytes) cannot be measured.
  Install it with: tools/deps.sh bench   (or: apt-get install -y nginx-light), or set NGINX=/path/to/nginx"
[ -r /proc/stat ] || die "/proc/stat is not readable (Linux only)"
[ "$(ulimit -n)" -gt $((IDLE + 100)) ] || ulimit -n $((IDLE + 1024)) 2>/dev/null ||
	die "the open-files limit ($(ulimit -n)) is below the $IDLE idle connections (BENCH_IDLE)"

# --- temp dir, and stopping everything on exit ---------------------------------------------------
DIR=$(mktemp -d "${TMPDIR:-/tmp}/tremplin-bench.XXXXXX")
SRV_PID=
NGX_PID=
SLOW_PID=
WRK_PID=
IDLE_PID=
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
	stop_pid "$IDLE_PID" "idle-connection client"
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

# --- load average, sampled at each measurement -----------------------------------------------------
LOAD_MIN=
LOAD_MAX=
load_sample() {
	local l
	l=$(awk '{ print $1 }' /proc/loadavg)
	LOAD_MIN=$(awk -v a="${LOAD_MIN:-$l}" -v b="$l" 'BEGIN { print (b < a ? b : a) }')
	LOAD_MAX=$(awk -v a="${LOAD_MAX:-$l}" -v b="$l" 'BEGIN { print (b > a ? b : a) }')
}
load_sample

# --- 1. the database: demo data, PLACES places, DOSSIERS dossiers ----------------------------------
DB=sqlite:$DIR/bench.db
"$BIN" seed --demo --database "$DB" >"$DIR/seed.log" 2>&1 ||
	{ cat "$DIR/seed.log" >&2; die "seeding the database failed"; }
# The directory: PLACES synthetic places in the standard (real communes, weighted by population), imported
# before the server starts; the import is timed.
"$BIN" gen places "$PLACES" --seed 1 --output "$DIR/places.csv" --database "$DB" \
	>"$DIR/gen.log" 2>&1 || { cat "$DIR/gen.log" >&2; die "tremplin gen places failed"; }
IMPORT_T0=$(date +%s.%N)
"$BIN" places import "$DIR/places.csv" --database "$DB" >"$DIR/import.log" 2>&1 ||
	{ tail -n 20 "$DIR/import.log" >&2; die "tremplin places import failed"; }
IMPORT_S=$(awk -v a="$IMPORT_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
# The national queue: copies of a demo dossier under review, up to DOSSIERS dossiers in all.
cat >"$DIR/dossiers.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
want = int(sys.argv[2])
have = db.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0]
demo = db.execute("SELECT MIN(id) FROM dossiers WHERE state = 'validated'").fetchone()[0]
if demo is None:
    sys.exit("no validated demo dossier to copy")
for _ in range(max(0, want - have)):
    db.execute("INSERT INTO dossiers (programme_id, organisation_id, state, region_code, place_id, created_at, "
               "updated_at, state_since, submitted_at) SELECT programme_id, organisation_id, 'regional_review', "
               "region_code, place_id, created_at, updated_at, state_since, submitted_at FROM dossiers WHERE id = ?",
               (demo,))
db.commit()
print(db.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0],
      db.execute("SELECT COUNT(*) FROM places WHERE merged_into IS NULL").fetchone()[0])
PY
read -r TOTAL_DOSSIERS TOTAL_PLACES < <(python3 "$DIR/dossiers.py" "$DIR/bench.db" "$DOSSIERS") ||
	die "adding the dossiers failed"
{
	printf '[server]\nstatic_dir = %s\naccess_log = false\ntest_mode = true\n' "$STATIC"
	[ "$TR_THREADS" = 0 ] || printf 'threads = %s\n' "$TR_THREADS"
} >"$DIR/bench.ini"

# --- 2. start to ready, STARTS times: from exec to the first 200 of /healthz ------------------------
PORT1=$(free_port)
T=http://127.0.0.1:$PORT1
start_tremplin() { # sets SRV_PID and READY_MS; a port taken meanwhile (the machine is shared) is replaced
	local t0 t1 i try
	for try in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$BIN" serve --database "$DB" --listen "127.0.0.1:$PORT1" --config "$DIR/bench.ini" >"$DIR/tremplin.log" 2>&1 &
		SRV_PID=$!
		for i in $(seq 1 6000); do # until it listens or exits (30 s at most)
			kill -0 "$SRV_PID" 2>/dev/null && ! grep -q 'serving http' "$DIR/tremplin.log" || break
			sleep 0.005
		done
		grep -q 'Address already in use' "$DIR/tremplin.log" || break
		wait "$SRV_PID" 2>/dev/null || true
		echo "bench: port $PORT1 was taken meanwhile; another one" >&2
		PORT1=$(free_port)
		T=http://127.0.0.1:$PORT1
	done
	for i in $(seq 1 3000); do
		if ! kill -0 "$SRV_PID" 2>/dev/null; then
			tail -n 20 "$DIR/tremplin.log" >&2
			die "tremplin exited at start-up"
		fi
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/healthz" 2>/dev/null)" = 200 ] && break
		sleep 0.005
	done
	t1=$(date +%s%N)
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/healthz")" = 200 ] ||
		{ tail -n 20 "$DIR/tremplin.log" >&2; die "tremplin did not answer 200 on $T/healthz within 30 s"; }
	READY_MS=$(((t1 - t0) / 1000000))
}
READY_ALL=
for i in $(seq 1 "$STARTS"); do
	start_tremplin
	READY_ALL="$READY_ALL $READY_MS"
	[ "$i" -lt "$STARTS" ] || break
	stop_pid "$SRV_PID" tremplin
	SRV_PID=
done
READY_MEDIAN=$(echo $READY_ALL | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
LOOPS=$(sed -n 's/.* with \([0-9][0-9]*\) loop threads.*/\1/p' "$DIR/tremplin.log" | head -n 1)
LOOPS=${LOOPS:-?}
INDEX_LINE=$(grep -m1 'search index of' "$DIR/tremplin.log" || true)
INDEX_MS=$(echo "$INDEX_LINE" | sed -n 's/.* built in \([0-9]*\) ms.*/\1/p')
INDEX_CPU_MS=$(echo "$INDEX_LINE" | sed -n 's/.*(\([0-9]*\) ms of CPU.*/\1/p')
INDEX_MB=$(echo "$INDEX_LINE" | sed -n 's/.*, \([0-9]*\) MB$/\1/p')
# The index is built before the port opens: the first search finds every place (the import's and the
# demo's own). Asked a few times all the same, in case of a server that builds it later.
for i in $(seq 1 50); do
	curl -s "$T/api/v1/places?per_page=1" 2>/dev/null | grep -q "\"total\":$TOTAL_PLACES[,}]" && break
	[ "$i" -lt 50 ] || die "the search did not find the $TOTAL_PLACES places of the database within 10 s"
	sleep 0.2
done

# --- 3. resident memory with IDLE idle keep-alive connections ----------------------------------------
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$SRV_PID/status"; }
cat >"$DIR/idle.py" <<'PY'
import signal, socket, sys
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
    socks.append(s)
for s in socks:
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    while length and len(body) < length[0]:
        body += s.recv(4096)
open(ready, "w").write("open\n")
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.pause()
PY
# idle_rss: opens IDLE connections, each with one request answered and kept alive, then reads the
# server's resident memory; sets IDLE_RSS and IDLE_OPEN (connections established at that moment).
idle_rss() {
	local i
	rm -f "$DIR/idle.ready"
	python3 "$DIR/idle.py" "$PORT1" "$IDLE" "$DIR/idle.ready" >"$DIR/idle.log" 2>&1 &
	IDLE_PID=$!
	for i in $(seq 1 600); do
		[ -e "$DIR/idle.ready" ] && break
		kill -0 "$IDLE_PID" 2>/dev/null || { cat "$DIR/idle.log" >&2; die "the idle-connection client failed"; }
		sleep 0.05
	done
	[ -e "$DIR/idle.ready" ] || die "the idle-connection client did not open its $IDLE connections within 30 s"
	sleep 0.5
	IDLE_OPEN=$(ss -Htn state established "( sport = :$PORT1 )" | wc -l)
	IDLE_RSS=$(rss_mb)
	stop_pid "$IDLE_PID" "idle-connection client"
	IDLE_PID=
}
RSS_START=$(rss_mb)
idle_rss
RSS_IDLE_START=$IDLE_RSS
IDLE_OPEN_START=$IDLE_OPEN

# --- 4. the resources, and nginx serving the same bytes -------------------------------------------
# A signed-in national account for the dossier queue: its cookies go with every request of that
# resource (to nginx too, so that both read the same request).
DEMO_PASSWORD=demo-tremplin-2026
curl -s -c "$DIR/jar" -b "$DIR/jar" -o "$DIR/login.html" "$T/connexion" || die "GET /connexion failed"
CSRF=$(sed -n 's/.*<input type="hidden" name="csrf" value="\([^"]*\)".*/\1/p' "$DIR/login.html" | head -n 1)
[ -n "$CSRF" ] || die "no csrf field in /connexion"
curl -s -c "$DIR/jar" -b "$DIR/jar" -o /dev/null --data-urlencode "email=national@demo.tremplin.fr" \
	--data-urlencode "password=$DEMO_PASSWORD" --data-urlencode "csrf=$CSRF" --data-urlencode "next=/" \
	"$T/connexion" || die "signing in as national@demo.tremplin.fr failed"
# The national role asks for a second factor since issue 15: the demo account's TOTP secret is the demo's
# (src/demo/demo.h, DEMO_TOTP_SECRET), its code computed here as an authenticator app would (RFC 6238).
if [ "$(curl -s -o /dev/null -w '%{http_code}' -b "$DIR/jar" "$T/dossiers")" != 200 ]; then
	curl -s -c "$DIR/jar" -b "$DIR/jar" -o "$DIR/second.html" "$T/connexion/second-facteur?suivant=/" ||
		die "GET /connexion/second-facteur failed"
	CSRF=$(sed -n 's/.*<input type="hidden" name="csrf" value="\([^"]*\)".*/\1/p' "$DIR/second.html" | head -n 1)
	[ -n "$CSRF" ] || die "no csrf field in /connexion/second-facteur"
	TOTP=$(python3 -c 'import hashlib, hmac, struct, time
mac = hmac.new(b"12345678901234567890", struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))')
	curl -s -c "$DIR/jar" -b "$DIR/jar" -o /dev/null --data-urlencode "second_factor_code=$TOTP" \
		--data-urlencode "csrf=$CSRF" --data-urlencode "next=/" "$T/connexion/second-facteur" ||
		die "the second factor of national@demo.tremplin.fr failed"
fi
COOKIE=$(awk -F'\t' 'NF >= 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$DIR/jar")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$T/dossiers")" = 200 ] ||
	die "the national account does not reach /dossiers (sign-in failed?)"

# name|path?query|needs the cookies|goal (req/s ratio to nginx, at least)
RESOURCES="home|/|0|0.8
lieux|/lieux|0|0.8
radius|/api/v1/places?lat=45.764&lon=4.8357&radius_km=20|0|1.0
place|/lieux/gen-000001|0|0.8
dossiers|/dossiers|1|0.8
offers|/offres|0|0.8"
LABEL_home="home page \`/\`"
LABEL_lieux="\`/lieux\`, the first 20 of $TOTAL_PLACES places"
LABEL_radius="radius search API \`/api/v1/places?lat=45.764&lon=4.8357&radius_km=20\`"
LABEL_place="a place page \`/lieux/gen-000001\`"
LABEL_dossiers="national dossier queue \`/dossiers\` ($TOTAL_DOSSIERS dossiers)"
LABEL_offers="offers board \`/offres\`"

mkdir -p "$DIR/www" "$DIR/nginx-tmp"
PORT2=$(free_port)
N=http://127.0.0.1:$PORT2
LOCATIONS=
STABLE=
while IFS='|' read -r name url cookie goal; do
	hdr=()
	[ "$cookie" = 0 ] || hdr=(-H "Cookie: $COOKIE")
	curl -sf ${hdr[@]+"${hdr[@]}"} -D "$DIR/$name.headers" -o "$DIR/www/$name.body" "$T$url" </dev/null ||
		die "GET $url failed on tremplin"
	[ -s "$DIR/www/$name.body" ] || die "GET $url on tremplin returned an empty body"
	ct=$(tr -d '\r' <"$DIR/$name.headers" | awk 'tolower($0) ~ /^content-type:/ { sub(/^[^:]*:[ \t]*/, ""); print; exit }')
	# The headers tremplin sent (security headers, cache-control), so that nginx sends as many bytes: all
	# but those nginx writes itself and the per-request cookies.
	adds=$(tr -d '\r' <"$DIR/$name.headers" | awk '
		/^[A-Za-z0-9-]+:/ {
			name = substr($0, 1, index($0, ":") - 1); value = substr($0, index($0, ":") + 1)
			sub(/^[ \t]+/, "", value)
			l = tolower(name)
			if (l ~ /^(date|connection|content-length|content-type|server|set-cookie|transfer-encoding|keep-alive)$/) next
			if (value ~ /[$"\\]/) next
			printf "            add_header %s \"%s\" always;\n", name, value
		}')
	LOCATIONS="$LOCATIONS
        location = ${url%%\?*} {
            default_type \"${ct:-application/octet-stream}\";
$adds
            try_files /$name.body =404;
        }"
	cmp -s <(curl -s ${hdr[@]+"${hdr[@]}"} "$T$url" </dev/null) "$DIR/www/$name.body" || STABLE="$STABLE $name"
done <<<"$RESOURCES"

NGX_USER=
[ "$(id -u)" -eq 0 ] && NGX_USER="user root root;" # the workers read the 0700 temp dir
NGX_WORKERS=$(nproc)
cat >"$DIR/nginx.conf" <<NGINX_CONF
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
    open_file_cache max=64 inactive=60s;
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
$LOCATIONS
    }
}
NGINX_CONF
"$NGINX" -t -q -p "$DIR" -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" >"$DIR/nginx-start.log" 2>&1 ||
	{ cat "$DIR/nginx-start.log" >&2; die "nginx rejected its configuration ($DIR/nginx.conf)"; }
"$NGINX" -p "$DIR" -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" >"$DIR/nginx-start.log" 2>&1 &
NGX_PID=$!
wait_http "$N/" "$NGX_PID" nginx "$DIR/nginx-error.log"
# The same bodies on both sides, or the comparison means nothing.
while IFS='|' read -r name url cookie goal; do
	cmp -s <(curl -s "$N$url" </dev/null) "$DIR/www/$name.body" || die "nginx does not serve the fetched $url"
done <<<"$RESOURCES"

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
	load_sample
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
echo "tremplin: $LOOPS event-loop threads ($([ "$TR_THREADS" = 0 ] && echo "its default" || echo "server.threads = $TR_THREADS")), SQLite,"
echo "  access_log = false, test_mode = true. nginx: $NGX_WORKERS worker processes serving the same bodies."
echo "places: $PLACES generated, imported in $IMPORT_S s; $TOTAL_PLACES searchable; dossiers: $TOTAL_DOSSIERS."
echo "start to ready (ms, $STARTS starts):$READY_ALL; search index built in ${INDEX_MS:-?} ms (${INDEX_CPU_MS:-?} ms of CPU), ${INDEX_MB:-?} MB."
echo "resident memory: ${RSS_START} MB after start, ${RSS_IDLE_START} MB with $IDLE_OPEN_START idle connections."
[ -z "$STABLE" ] || echo "bodies that vary per request (nginx serves one copy):$STABLE"
echo "wrk -t$WTHREADS -c$CONNS -d$DURATION --latency after a $WARMUP warm-up; wrk shares the cores with the server."
echo "machine busy before the run: ${IDLE_BUSY}% of all cores; 'other %' below: the share other processes took."
echo

# --- 5. tremplin against nginx -------------------------------------------------------------------
declare -A R
printf '%-10s %-10s %10s %10s %11s %8s\n' resource server req/s "p99 (ms)" "cpu us/req" "other %"
while IFS='|' read -r name url cookie goal; do
	hdr=()
	[ "$cookie" = 0 ] || hdr=(-H "Cookie: $COOKIE")
	for s in tremplin nginx; do
		base=$T
		[ "$s" = nginx ] && base=$N
		measure "$name $s" "$s" "$base$url" -t"$WTHREADS" -c"$CONNS" ${hdr[@]+"${hdr[@]}"} </dev/null
		R["$name $s rps"]=$RPS
		R["$name $s p99"]=$P99
		R["$name $s cpu"]=$CPU_US
		printf '%-10s %-10s %10s %10s %11s %8s\n' "$name" "$s" "$RPS" "$P99" "$CPU_US" "$OTHER"
	done
	R["$name rps ratio"]=$(ratio "${R["$name tremplin rps"]}" "${R["$name nginx rps"]}")
	R["$name cpu ratio"]=$(ratio "${R["$name tremplin cpu"]}" "${R["$name nginx cpu"]}")
	printf '%-10s ratio tremplin/nginx: req/s %s (goal >= %s), cpu/req %s\n' "$name" "${R["$name rps ratio"]}" \
		"$goal" "${R["$name cpu ratio"]}"
done <<<"$RESOURCES"
echo

# --- 6. one slow query in flight: the p99 of quick requests -----------------------------------------
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
for i in 1 2 3 4 5; do # scale n towards the target duration (roughly linear in n)
	awk -v ms="$ms" -v t="$SLOW_TARGET_MS" 'BEGIN { exit !(ms > t * 0.85 && ms < t * 1.15) }' && break
	SLOW_N=$(awk -v n="$SLOW_N" -v ms="$ms" -v t="$SLOW_TARGET_MS" 'BEGIN {
		if (ms < 1) ms = 1; m = int(n * t / ms); if (m < 10000) m = 10000; if (m > 100000000) m = 100000000; print m }')
	ms=$(slow_ms "$SLOW_N") || die "/__test/slow failed"
done
SLOW_MS=$ms
echo "slow request: GET /__test/slow?n=$SLOW_N takes ${SLOW_MS} ms alone (target ${SLOW_TARGET_MS} ms)"
SLOW_LOG=$DIR/slow.log
slow_start() { # a client that keeps one slow request in flight at all times, until slow.stop exists
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
}
slow_stop() { # lets the last slow request complete (no connection cut mid-request)
	touch "$DIR/slow.stop"
	wait "$SLOW_PID" || true
	SLOW_PID=
}
: >"$SLOW_LOG"
printf '%-9s %-25s %9s %9s %9s %9s %8s\n' page "wrk -t1 -c4" req/s "p50 (ms)" "p90 (ms)" "p99 (ms)" "other %"
for page in /healthz /; do
	measure "quiet $page" tremplin "$T$page" -t1 -c4
	R["$page quiet rps"]=$RPS
	R["$page quiet p99"]=$P99
	printf '%-9s %-25s %9s %9s %9s %9s %8s\n' "$page" quiet "$RPS" "$P50" "$P90" "$P99" "$OTHER"
	slow_start
	measure "slow $page" tremplin "$T$page" -t1 -c4
	slow_stop
	R["$page slow rps"]=$RPS
	R["$page slow p99"]=$P99
	R["$page p99 ratio"]=$(ratio "$P99" "${R["$page quiet p99"]}")
	printf '%-9s %-25s %9s %9s %9s %9s %8s\n' "$page" "one slow query in flight" "$RPS" "$P50" "$P90" "$P99" "$OTHER"
	printf '%-9s p99 with/without: %s (goal <= 2)\n' "$page" "${R["$page p99 ratio"]}"
done
SLOW_DONE=$(awk '$1 == 200' "$SLOW_LOG" | wc -l)
SLOW_AVG=$(awk '$1 == 200 { s += $2; n++ } END { if (n) printf "%.0f", s / n * 1000; else print "n/a" }' "$SLOW_LOG")
echo "($SLOW_DONE slow requests done, $SLOW_AVG ms each on average under load)"
echo

# --- 7. resident memory after the load, with IDLE idle connections -------------------------------
RSS_LOADED=$(rss_mb)
idle_rss
echo "resident memory after the runs: $RSS_LOADED MB; with $IDLE_OPEN idle keep-alive connections: $IDLE_RSS MB (goal < 128)"
load_sample
echo

[ "$MAX_OTHER" -le 10 ] ||
	WARNINGS+=("other processes took up to ${MAX_OTHER}% of the machine during a run: the ratios are noisy; run again on a quiet machine")
if [ ${#WARNINGS[@]} -gt 0 ]; then
	echo "WARNING:"
	printf '  %s\n' "${WARNINGS[@]}"
	echo
fi

# --- 8. bench/results.md ----------------------------------------------------------------------------
REV=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
CPU=$(awk -F: '/^model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
WRK_V=$(wrk -v 2>&1 | awk 'NR == 1 { print $2; exit }')
NGX_V=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
ELAPSED=$((SECONDS - RUN_T0))
met() { # met VALUE OP GOAL: yes / no / n/a
	awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN {
		if (v != v + 0) { print "n/a"; exit }
		ok = (op == ">=") ? v >= g : (op == "<=") ? v <= g : (op == "<") ? v < g : 0
		print ok ? "yes" : "no" }'
}
{
	echo "# Benchmark results"
	echo
	echo "Written by \`make bench\` (bench/run.sh; see bench/README.md) on $(date -u '+%Y-%m-%d %H:%M UTC'), tremplin \`$REV\`."
	echo
	echo "- Machine: $(nproc) cores${CPU:+ ($CPU)}, Linux $(uname -r); wrk $WRK_V; $NGX_V."
	echo "- Load average (1 min) during the run: $LOAD_MIN to $LOAD_MAX; other processes took up to ${MAX_OTHER}% of all cores' time during a measurement (above 10 %, the ratios are noisy)."
	echo "- tremplin: $LOOPS event loops on SQLite, access log off; nginx: $NGX_WORKERS workers serving the same bodies with the same headers; wrk -t$WTHREADS -c$CONNS -d$DURATION after a $WARMUP warm-up, on the same machine."
	echo "- Data: $TOTAL_PLACES places ($PLACES imported in $IMPORT_S s), $TOTAL_DOSSIERS dossiers. The whole run took $ELAPSED s."
	echo
	echo "| measure | tremplin | baseline | ratio | goal | met |"
	echo "|---|---:|---:|---:|---|---|"
	while IFS='|' read -r name url cookie goal; do
		label=LABEL_$name
		echo "| ${!label}, req/s | ${R["$name tremplin rps"]} | nginx ${R["$name nginx rps"]} | ${R["$name rps ratio"]}× | ≥ ${goal}× | $(met "${R["$name rps ratio"]}" ">=" "$goal") |"
	done <<<"$RESOURCES"
	for page in /healthz /; do
		echo "| p99 of \`$page\` (wrk -t1 -c4) with one ${SLOW_MS} ms query in flight | ${R["$page slow p99"]} ms | quiet ${R["$page quiet p99"]} ms | ${R["$page p99 ratio"]}× | ≤ 2× | $(met "${R["$page p99 ratio"]}" "<=" 2) |"
	done
	echo "| resident memory, $TOTAL_PLACES places, $IDLE_OPEN idle keep-alive connections, after the runs | $IDLE_RSS MB | after start $RSS_START MB; with $IDLE_OPEN_START idle connections then $RSS_IDLE_START MB | | < 128 MB | $(met "$IDLE_RSS" "<" 128) |"
	echo "| start to ready (exec to the first 200), SQLite, $TOTAL_PLACES places, median of $STARTS | $READY_MEDIAN ms | starts:$READY_ALL ms; index built in ${INDEX_MS:-?} ms (${INDEX_CPU_MS:-?} ms of CPU), ${INDEX_MB:-?} MB | | < 500 ms | $(met "$READY_MEDIAN" "<" 500) |"
	echo
	printf 'Server CPU time per request, tremplin / nginx (µs; the steadiest figure on a shared machine):'
	while IFS='|' read -r name url cookie goal; do
		printf ' %s %s / %s;' "$name" "${R["$name tremplin cpu"]}" "${R["$name nginx cpu"]}"
	done <<<"$RESOURCES"
	echo
	if [ -n "$STABLE" ]; then
		echo
		echo "Bodies that vary per request (nginx serves one copy):$STABLE."
	fi
	if [ ${#WARNINGS[@]} -gt 0 ]; then
		echo
		echo "Warnings:"
		echo
		printf -- '- %s\n' "${WARNINGS[@]}"
	fi
} >"$RESULTS"
echo "results written to $RESULTS (the run took $ELAPSED s)"
cat "$RESULTS"
