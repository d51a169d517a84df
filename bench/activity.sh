#!/usr/bin/env bash
# Benchmark of the activity reports (issue 13), on one engine: ingestion through the bulk API (durable: a batch is
# acknowledged once committed), the statistics read from the rollups (national year, one département, one adviser)
# beside the same figures computed from the raw table in the same run, `tremplin activity verify`, and the disk used.
# Never a test: it prints figures and ratios.
#
# Usage: bench/activity.sh BUILD_DIR [N] [sqlite|postgresql]     (default: 200000 reports, sqlite)
# BUILD_DIR is a Meson build directory (a release build: meson setup DIR --buildtype=release).
set -euo pipefail

BUILD=${1:?usage: bench/activity.sh BUILD_DIR [N] [sqlite|postgresql]}
N=${2:-200000}
ENGINE=${3:-sqlite}
BIN=$BUILD/src/tremplin
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/tremplin-bench-activity.XXXXXX)
REQS=${REQS:-50}
PORT=$((20000 + RANDOM % 20000))
SERVER_PID=
PG_DIR=

cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
	[ -n "$PG_DIR" ] && "$HERE/tests/pg.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$ENGINE" = postgresql ]; then
	PG_DIR=$WORK/pg
	chmod 755 "$WORK" # the server runs as postgres
	"$HERE/tests/pg.sh" start "$PG_DIR" $((PORT + 1)) >/dev/null
	DB=$("$HERE/tests/pg.sh" createdb "$PG_DIR" bench)
	q() { psql "$DB" -qAt -c "$1"; }
	# The best of 5 runs of one query, in ms, timed by the server's client in one session (no process start).
	qms() { { echo '\timing on'; for _ in 1 2 3 4 5; do echo "$1;"; done; } | psql "$DB" -qAt |
		awk '/^Time:/ { print $2 }' | sort -n | head -n 1; }
	sizes() { psql "$DB" -qAt -F ' ' -c "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN \
pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND \
c.relname LIKE 'activity%' AND NOT c.relispartition ORDER BY 2 DESC" |
		while read -r t b; do
			[ "$t" = activity_reports ] && b=$(psql "$DB" -qAt -c "SELECT SUM(pg_total_relation_size(inhrelid)) \
FROM pg_inherits WHERE inhparent = 'activity_reports'::regclass")
			echo "$t $b"
		done; }
	disk() { psql "$DB" -qAt -c "SELECT pg_database_size(current_database())"; }
else
	DB=sqlite:$WORK/bench.db
	q() { sqlite3 "${DB#sqlite:}" "$1"; }
	qms() { { echo '.timer on'; for _ in 1 2 3 4 5; do echo "$1;"; done; } | sqlite3 "${DB#sqlite:}" |
		awk '/^Run Time:/ { printf "%.3f\n", ($6 + $8) * 1000 }' | sort -n | head -n 1; }
	# Bytes per table, its indexes included (the dbstat table of SQLite's shell).
	sizes() { sqlite3 "${DB#sqlite:}" "SELECT COALESCE(i.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s LEFT JOIN \
sqlite_master i ON i.name = s.name AND i.type = 'index' WHERE COALESCE(i.tbl_name, s.name) LIKE 'activity%' GROUP BY 1 \
ORDER BY 2 DESC" | tr '|' ' '; }
	disk() { du -cb "${DB#sqlite:}"* | tail -n 1 | cut -f 1; }
fi
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

echo "activity bench: $N reports on $ENGINE ($BIN)"
"$BIN" seed --database "$DB" >/dev/null
echo "bench-admin-password" | "$BIN" user add bench@bench.invalid --role admin --name Bench --password-stdin \
	--database "$DB" >/dev/null
TOKEN=$("$BIN" token create bench@bench.invalid bench --database "$DB" | tail -n 1)
"$BIN" gen activity "$N" --output "$WORK/reports.ndjson" --database "$DB" >/dev/null
split -l 10000 -d -a 5 "$WORK/reports.ndjson" "$WORK/batch-"
BEFORE=$(disk)

"$BIN" serve --database "$DB" --listen 127.0.0.1:$PORT >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# Ingestion: every batch posted, each acknowledged once committed; two at a time on PostgreSQL (as two tools would),
# one at a time on SQLite (one writer at a time: a second batch waits 5 s at most for the first, then gets 503).
PAR=1
[ "$ENGINE" = postgresql ] && PAR=2
# The server's CPU time (user + system, in clock ticks), which the machine's load does not inflate.
cpu() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
c0=$(cpu)
t0=$(now)
ls "$WORK"/batch-* | xargs -P $PAR -I{} curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" \
	-H "Content-Type: application/x-ndjson" --data-binary @{} "http://127.0.0.1:$PORT/api/v1/activity/batches"
t1=$(now)
c1=$(cpu)
# PostgreSQL: the planner's statistics of the new rows, as autovacuum would gather them.
[ "$ENGINE" = postgresql ] && q "ANALYZE" >/dev/null
awk -v n="$N" -v a="$t0" -v b="$t1" -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v l="$(cut -d ' ' -f 1 /proc/loadavg)" \
	'BEGIN { printf "ingestion (bulk API, durable): %.0f reports/s (%.1f s, load %s); server CPU %.0f µs a report (%.0f reports/s of CPU)\n", n / (b - a), b - a, l, c / hz / n * 1e6, n / (c / hz) }'

# Statistics from the rollups: REQS requests each, p50 and p99 of the server's answer time.
TO=$(date +%F)
FROM=$(date -d "$TO - 364 days" +%F)
DEP=$(curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/activity/stats?from=$FROM&to=$TO" |
	python3 -c 'import json,sys; t=json.load(sys.stdin)["territories"]["items"]; print(max(t, key=lambda x: x["sessions"])["code"])')
ADV=$(q "SELECT adviser_id FROM activity_rollup GROUP BY adviser_id ORDER BY SUM(reports) DESC LIMIT 1")
DEPT=$(q "SELECT departement_code FROM activity_rollup_dep GROUP BY departement_code ORDER BY SUM(reports) DESC LIMIT 1" 2>/dev/null || echo 75)
percentiles() {
	local url=$1 c0 c1
	c0=$(cpu)
	for _ in $(seq "$REQS"); do
		curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$url"
	done | sort -n | awk '{ a[NR] = $1 } END { printf "p50 %.1f ms, p99 %.1f ms", a[int(NR * 0.5 + 0.5)] * 1000, a[int(NR * 0.99 + 0.5)] * 1000 }'
	c1=$(cpu)
	awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v n="$REQS" 'BEGIN { printf " (server CPU %.1f ms a page)", c / hz / n * 1000 }'
}
echo "national statistics, one year: $(percentiles "http://127.0.0.1:$PORT/api/v1/activity/stats?from=$FROM&to=$TO")"
echo "région $DEP statistics, one year: $(percentiles "http://127.0.0.1:$PORT/api/v1/activity/stats?level=region&code=$DEP&from=$FROM&to=$TO")"
echo "département $DEPT statistics, one year: $(percentiles "http://127.0.0.1:$PORT/api/v1/activity/stats?level=departement&code=$DEPT&from=$FROM&to=$TO")"
echo "adviser $ADV statistics, one year: $(percentiles "http://127.0.0.1:$PORT/api/v1/activity/stats?level=adviser&id=$ADV&from=$FROM&to=$TO")"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=

# The same national figures from the raw table (GROUP BY, same engine, same run), each query timed inside one client
# session (best of 5: CPU time on SQLite, whose shell gives it to the microsecond; wall time on PostgreSQL), beside
# the rollup levels the pages read.
RAW_SQL="SELECT type, COUNT(*), SUM(participants), SUM(already), SUM(duration_min) FROM activity_reports WHERE \
deleted_at IS NULL AND session_on BETWEEN '$FROM' AND '$TO' GROUP BY type"
ROLL_SQL="SELECT type, SUM(reports), SUM(participants), SUM(already), SUM(minutes) FROM activity_rollup_national \
WHERE day BETWEEN '$FROM' AND '$TO' GROUP BY type"
MONTH_SQL="SELECT type, SUM(reports), SUM(participants), SUM(already), SUM(minutes) FROM activity_rollup_national_month \
WHERE month BETWEEN '${FROM:0:7}' AND '${TO:0:7}' GROUP BY type"
r=$(qms "$RAW_SQL"); d=$(qms "$ROLL_SQL"); m=$(qms "$MONTH_SQL")
echo "national totals of a year: raw GROUP BY $r ms; national level by day $d ms; by month $m ms" \
	"(ratios $(awk -v r="$r" -v d="$d" -v m="$m" 'BEGIN { printf "%.0f× and %.0f×", r / (d > 0 ? d : 0.01), r / (m > 0 ? m : 0.01) }'))"
RAW_S="SELECT themes, COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND session_on BETWEEN '$FROM' AND \
'$TO' GROUP BY themes"
ROLL_S="SELECT dim, code, SUM(n) FROM activity_rollup_national_month_counts WHERE month BETWEEN '${FROM:0:7}' AND \
'${TO:0:7}' GROUP BY dim, code"
r=$(qms "$RAW_S"); m=$(qms "$ROLL_S")
echo "national shares of a year: raw GROUP BY themes $r ms; every family from the month level $m ms"
RAW_T="SELECT region_code, COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND session_on BETWEEN '$FROM' AND \
'$TO' GROUP BY region_code"
ROLL_T="SELECT region_code, SUM(reports) FROM activity_rollup_region WHERE day BETWEEN '$FROM' AND '$TO' GROUP BY region_code"
r=$(qms "$RAW_T"); m=$(qms "$ROLL_T")
echo "régions of a year: raw GROUP BY $r ms; région level $m ms"
RAW_D="SELECT type, COUNT(*), SUM(participants) FROM activity_reports WHERE deleted_at IS NULL AND departement_code = \
'$DEPT' AND session_on BETWEEN '$FROM' AND '$TO' GROUP BY type"
ROLL_D="SELECT type, SUM(reports), SUM(participants) FROM activity_rollup_dep WHERE departement_code = '$DEPT' AND \
day BETWEEN '$FROM' AND '$TO' GROUP BY type"
r=$(qms "$RAW_D"); m=$(qms "$ROLL_D")
echo "département $DEPT totals of a year: raw $r ms; département level $m ms"

t0=$(now)
"$BIN" activity verify --database "$DB"
t1=$(now)
echo "activity verify: $(ms "$t0" "$t1") ms"
AFTER=$(disk)
awk -v a="$BEFORE" -v b="$AFTER" -v n="$N" 'BEGIN { printf "disk per million reports (raw + rollups + indexes): %.0f MB\n", (b - a) / n * 1e6 / 1e6 }'
echo "per table, indexes included (MB per million reports):"
sizes | awk -v n="$N" '{ printf "  %-40s %8.0f\n", $1, $2 / n }'
