#!/usr/bin/env bash
# Benchmark of the subsidies (issue 12), on one engine: the schedules of N contracts and M conventions recomputed
# (stored as new versions, beside the engine alone and a raw copy of as many lines in the same run), a new SMIC
# value recomputing every schedule it touches through the API, a payment order of R lines created then exported
# as CSV and XLSX (beside the database's own CSV of the same join), and the ledger read through the API.
# Never a test: it prints figures and ratios, and appends them to bench/results.md (BENCH_RESULTS); `make bench`
# runs it after bench/run.sh, which rewrites that file.
#
# Usage: bench/subsidies.sh BUILD_DIR [N] [sqlite|postgresql]    (default: 10000 contracts, sqlite)
# Knobs (environment): CONVENTIONS (2N/5), REQUESTS (N: the payment order's lines), REQS (30 ledger requests),
#   BENCH_RESULTS (bench/results.md; "-" for none), BENCH_KEEP=1 keeps the temp dir.
# BUILD_DIR is a Meson build directory (a release build: meson setup DIR --buildtype=release).
set -euo pipefail

BUILD=${1:?usage: bench/subsidies.sh BUILD_DIR [N] [sqlite|postgresql]}
N=${2:-10000}
ENGINE=${3:-sqlite}
M=${CONVENTIONS:-$((N * 2 / 5))}
R=${REQUESTS:-$N}
REQS=${REQS:-30}
BIN=$(cd "$BUILD" && pwd)/src/tremplin
HERE=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=${BENCH_RESULTS:-$HERE/bench/results.md}
WORK=$(mktemp -d /tmp/tremplin-bench-subsidies.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
SERVER_PID=
PG_DIR=

[ -x "$BIN" ] || { echo "bench: no program $BIN (ninja -C $BUILD)" >&2; exit 1; }
for tool in curl awk python3; do
	command -v "$tool" >/dev/null || { echo "bench: \"$tool\" is missing" >&2; exit 1; }
done

cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
	[ -n "$PG_DIR" ] && "$HERE/tests/pg.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ "$ENGINE" = postgresql ]; then
	command -v psql >/dev/null || { echo "bench: psql is missing" >&2; exit 1; }
	PG_DIR=$WORK/pg
	chmod 0755 "$WORK" # the server runs as postgres when this runs as root (tests/pg.sh)
	"$HERE/tests/pg.sh" start "$PG_DIR" $((PORT + 1)) >/dev/null
	DB=$("$HERE/tests/pg.sh" createdb "$PG_DIR" bench)
	q() { psql "$DB" -qAt -c "$1"; }
	csv() { psql "$DB" -q --csv -c "$1"; }
else
	command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is missing (apt-get install -y sqlite3)" >&2; exit 1; }
	DB=sqlite:$WORK/bench.db
	q() { sqlite3 "${DB#sqlite:}" "$1"; }
	csv() { sqlite3 -csv -header "${DB#sqlite:}" "$1"; }
fi
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
# The figure "en X ms" of a tremplin command's last line.
took() { sed -n 's/.* en \([0-9.]*\) ms.*/\1/p' "$1" | tail -n 1 | awk '{ printf "%.0f", $1 }'; }

# CPU time (user + system, ms): of a command of this shell (cpu_run FILE CMD...: its output into FILE, sets CPU_MS),
# and of the server (srv_ms). On a shared machine the wall times stretch with the load; CPU times much less.
cpu_run() {
	local out=$1 t
	shift
	t=$({ TIMEFORMAT='%3U %3S'; time "$@" >"$out"; } 2>&1 | tail -n 1)
	CPU_MS=$(echo "$t" | awk '{ printf "%.0f", ($1 + $2) * 1000 }')
}
srv_ms() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / hz }' "/proc/$SERVER_PID/stat"; }

OUT=$WORK/out.txt
: >"$OUT"
say() { echo "$*" | tee -a "$OUT"; }

say "subsidies bench: $N contracts, $M conventions, an order of $R lines, on $ENGINE ($BIN), $(nproc) cores"
"$BIN" seed --database "$DB" >/dev/null
echo "bench-admin-password" | "$BIN" user add bench@bench.invalid --role admin --name Bench --password-stdin \
	--database "$DB" >/dev/null
TOKEN=$("$BIN" token create bench@bench.invalid bench --database "$DB" | tail -n 1)

# 1. The data set, through the domain's path (every schedule computed and stored as version 1).
"$BIN" gen contracts "$N" --conventions "$M" --requests "$R" --database "$DB" >"$WORK/gen.txt"
say "gen contracts: $(cat "$WORK/gen.txt")"
DECISIONS=$(q "SELECT COUNT(*) FROM aid_decisions")
POSTS=$(q "SELECT COUNT(*) FROM convention_posts WHERE started_on IS NOT NULL")
LINES=$(q "SELECT COUNT(*) FROM schedule_lines WHERE version_to IS NULL")

# 2. Every schedule recomputed: the engine alone (reads included, nothing written), then stored as a new version
# (one transaction), then the floor of the storage: one INSERT … SELECT copying as many lines, same engine.
cpu_run "$WORK/dry.txt" "$BIN" aid recompute --dry-run --database "$DB"
DRY_MS=$(took "$WORK/dry.txt")
DRY_CPU=$CPU_MS
cpu_run "$WORK/full.txt" "$BIN" aid recompute --database "$DB"
FULL_MS=$(took "$WORK/full.txt")
FULL_CPU=$CPU_MS
q "CREATE TABLE bench_copy AS SELECT * FROM schedule_lines WHERE 1 = 0" >/dev/null
t0=$(now)
q "INSERT INTO bench_copy SELECT * FROM schedule_lines WHERE version_to IS NULL" >/dev/null
COPY_MS=$(ms "$t0" "$(now)")
q "DROP TABLE bench_copy" >/dev/null
SCHEDULES=$((DECISIONS + POSTS))
say "schedules ($DECISIONS hourly aid decisions + $POSTS filled posts = $SCHEDULES, $LINES current lines):"
say "  engine alone (aid recompute --dry-run): $DRY_MS ms, $(awk -v t="$DRY_MS" -v n="$SCHEDULES" 'BEGIN { printf "%.1f", t * 1000 / n }') µs per schedule (the process's CPU time: $DRY_CPU ms)"
say "  recomputed and stored as new versions (aid recompute, one transaction): $FULL_MS ms, $(awk -v t="$FULL_MS" -v n="$SCHEDULES" 'BEGIN { printf "%.1f", t * 1000 / n }') µs per schedule (the process's CPU time: $FULL_CPU ms); $(ratio "$FULL_MS" "$DRY_MS")× the engine alone"
say "  floor: one INSERT … SELECT copying the $LINES lines: $COPY_MS ms (stored recomputation = $(ratio "$FULL_MS" "$COPY_MS")× that)"

# 3. The server: a new SMIC value in the middle of a month (recomputes every decision running past it), the
# payment order, its files, the ledger.
"$BIN" serve --database "$DB" --listen 127.0.0.1:$PORT >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
API=http://127.0.0.1:$PORT/api/v1
AUTH=(-H "Authorization: Bearer $TOKEN")
SMIC_FROM=2015-07-15
TOUCHED=$(q "SELECT COUNT(*) FROM aid_decisions WHERE territory = 'metropole' AND aid_end >= '$SMIC_FROM' AND (ended_on IS NULL OR ended_on >= '$SMIC_FROM')")
C0=$(srv_ms)
# Not fatal: past the long time budget (server.long_deadline_ms) the answer is 503 and nothing is written; said so.
read -r SMIC_CODE SMIC_S < <(curl -sS -o "$WORK/smic.json" -w '%{http_code} %{time_total}\n' "${AUTH[@]}" \
	-H 'Content-Type: application/json' \
	-d "{\"territory\": \"metropole\", \"valid_from\": \"$SMIC_FROM\", \"hourly\": \"9.65\"}" "$API/smic")
say "a new SMIC value from $SMIC_FROM (POST /api/v1/smic): $(awk -v s="$SMIC_S" 'BEGIN { printf "%.0f", s * 1000 }') ms (server CPU $(($(srv_ms) - C0)) ms), recomputing the $TOUCHED schedules it touches in one transaction$([ "$SMIC_CODE" = 201 ] || [ "$SMIC_CODE" = 200 ] || echo "; FAILED: HTTP $SMIC_CODE (nothing written)")"

EAV=$(q "SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")
C0=$(srv_ms)
ORDER_S=$(curl -fsS -o "$WORK/order.json" -w '%{time_total}' "${AUTH[@]}" -H 'Content-Type: application/json' \
	-d "{\"programme_id\": $EAV}" "$API/payment-orders")
read -r ORDER ORDER_VERSION < <(python3 -c 'import json,sys; o = json.load(open(sys.argv[1])); print(o["id"], o["version"])' "$WORK/order.json")
ORDER_LINES=$(q "SELECT COUNT(*) FROM payment_requests WHERE order_id = $ORDER")
say "payment order of $ORDER_LINES lines (POST /api/v1/payment-orders: each request ordered on its lifecycle, bank details copied): $(awk -v s="$ORDER_S" 'BEGIN { printf "%.0f", s * 1000 }') ms (server CPU $(($(srv_ms) - C0)) ms)"
fetch() { # fetch URL FILE: best of 3, in ms
	local best=
	for _ in 1 2 3; do
		t=$(curl -fsS -o "$2" -w '%{time_total}' "${AUTH[@]}" "$1")
		best=$(awk -v a="${best:-$t}" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
	done
	awk -v s="$best" 'BEGIN { printf "%.0f", s * 1000 }'
}
CSV_MS=$(fetch "$API/payment-orders/$ORDER/lines.csv" "$WORK/order.csv")
XLSX_MS=$(fetch "$API/payment-orders/$ORDER/lines.xlsx" "$WORK/order.xlsx")
CSV_ROWS=$(($(wc -l <"$WORK/order.csv") - 1))
SQL="SELECT og.siret, og.name, r.iban, r.bic, r.amount_cents, r.reference, r.period_from, r.period_to, p.code \
FROM payment_requests r JOIN organisations og ON og.id = r.organisation_id JOIN programmes p ON p.id = \
r.programme_id WHERE r.order_id = $ORDER ORDER BY r.id"
t0=$(now)
csv "$SQL" >"$WORK/raw.csv"
RAW_MS=$(ms "$t0" "$(now)")
say "  its CSV ($CSV_ROWS lines, $(wc -c <"$WORK/order.csv") bytes): $CSV_MS ms; XLSX ($(wc -c <"$WORK/order.xlsx") bytes): $XLSX_MS ms (best of 3)"
say "  baseline: the database's own CSV of the same join ($( [ "$ENGINE" = postgresql ] && echo "psql --csv" || echo "sqlite3 -csv"), a process started): $RAW_MS ms; CSV $(ratio "$CSV_MS" "$RAW_MS")×, XLSX $(ratio "$XLSX_MS" "$RAW_MS")× that"

C0=$(srv_ms)
read -r PAID_CODE PAID_S < <(curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' "${AUTH[@]}" \
	-H 'Content-Type: application/json' \
	-d "{\"paid_on\": \"2026-12-01\", \"paid_reference\": \"ASP-BENCH-1\", \"version\": $ORDER_VERSION}" "$API/payment-orders/$ORDER/paid")
say "  the order paid (POST …/paid: each request paid on its lifecycle, each line paid, the employers told): $(awk -v s="$PAID_S" 'BEGIN { printf "%.0f", s * 1000 }') ms (server CPU $(($(srv_ms) - C0)) ms)$([ "$PAID_CODE" = 200 ] || echo "; FAILED: HTTP $PAID_CODE (nothing written)")"

percentiles() {
	local url=$1
	for _ in $(seq "$REQS"); do
		curl -fsS -o /dev/null -w '%{time_total}\n' "${AUTH[@]}" "$url"
	done | sort -n | awk '{ a[NR] = $1 } END { printf "p50 %.1f ms, p99 %.1f ms", a[int(NR * 0.5 + 0.5)] * 1000, a[int(NR * 0.99 + 0.5)] * 1000 }'
}
LEDGER_ROWS=$(q "SELECT COUNT(*) FROM schedule_lines WHERE paid = 1 OR recovery_id IS NOT NULL")
say "ledger (GET /api/v1/ledger?per_page=100, $LEDGER_ROWS lines paid or claimed back), $REQS requests: $(percentiles "$API/ledger?per_page=100")"
say "  baseline GET /healthz, $REQS requests: $(percentiles "http://127.0.0.1:$PORT/healthz")"
say "aid decisions list (GET /api/v1/aid-decisions?per_page=50, $DECISIONS decisions), $REQS requests: $(percentiles "$API/aid-decisions?per_page=50")"

if [ "$RESULTS" != - ]; then
	{
		echo
		echo "## Subsidies (issue 12): $(date -u '+%Y-%m-%d %H:%M UTC'), tremplin \`$(git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown)\`, $ENGINE"
		echo
		echo "\`bench/subsidies.sh $BUILD $N $ENGINE\` on $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
		echo
		echo '```'
		cat "$OUT"
		echo '```'
	} >>"$RESULTS"
	echo "appended to $RESULTS"
fi
