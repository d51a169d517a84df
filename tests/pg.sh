#!/bin/sh
# A throwaway PostgreSQL 15 for tests, in a directory of its own, listening on 127.0.0.1 only.
#   tests/pg.sh start DIR PORT      initdb + start + create database "tremplin"; prints its URL
#   tests/pg.sh createdb DIR NAME   creates another database; prints its URL
#   tests/pg.sh url DIR             prints the URL of database "tremplin"
#   tests/pg.sh stop DIR            stops the server (fast) and removes DIR
#   tests/pg.sh down DIR            stops the server (fast), keeping DIR (the fault tests: PostgreSQL restarted)
#   tests/pg.sh up DIR              starts the server of DIR again, on its port
# Only URLs go to standard output; progress and errors go to standard error.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
MARK=.tremplin-test-pg

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: pg.sh start DIR PORT | createdb DIR NAME | url DIR | stop DIR | down DIR | up DIR"
}

# Runs a server binary as postgres when we are root (the server refuses to run as root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_of() {
	[ -f "$1/$MARK" ] || die "$1 is not a test cluster made by pg.sh (no $MARK)"
	cat "$1/$MARK"
}

url() {
	echo "postgresql://postgres@127.0.0.1:$1/$2"
}

cmd_start() {
	dir=$1
	port=$2
	case $port in
	'' | *[!0-9]*) die "PORT must be a number, got '$port'" ;;
	esac
	[ -x "$PGBIN/initdb" ] || die "no $PGBIN/initdb: install postgresql-15"
	if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
		die "$dir exists and is not empty (stop it first: pg.sh stop $dir)"
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# The socket lives in DIR: its path must fit in sun_path.
	[ ${#dir} -le 80 ] || die "DIR path too long for a socket directory: $dir"
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$dir"
		runuser -u postgres -- test -w "$dir" || die "user postgres cannot write $dir (check its parents' permissions)"
	fi
	chmod 700 "$dir"
	log=$(mktemp)
	if ! as_pg "$PGBIN/initdb" -D "$dir" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "initdb failed in $dir"
	fi
	rm -f "$log"
	echo "$port" >"$dir/$MARK"
	pg_up "$dir" "$port"
	if ! "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres tremplin >&2; then
		die "createdb tremplin failed"
	fi
	echo "pg.sh: PostgreSQL running in $dir on port $port" >&2
	url "$port" tremplin
}

cmd_createdb() {
	dir=$1
	name=$2
	case $name in
	'' | *[!a-z0-9_]* | [0-9]*) die "database name must be [a-z_][a-z0-9_]*, got '$name'" ;;
	esac
	port=$(port_of "$dir")
	"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name" >&2 || die "createdb $name failed"
	url "$port" "$name"
}

cmd_url() {
	url "$(port_of "$1")" tremplin
}

pg_up() {
	if ! as_pg "$PGBIN/pg_ctl" -D "$1" \
		-o "-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
		-w -t 60 start -l "$1/log" >/dev/null; then
		tail -n 20 "$1/log" >&2 || true
		die "the server did not start on port $2 (in use?); log: $1/log"
	fi
}

cmd_down() {
	port_of "$1" >/dev/null
	as_pg "$PGBIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null || die "pg_ctl stop failed"
}

cmd_up() {
	dir=$(cd "$1" && pwd)
	pg_up "$dir" "$(port_of "$dir")"
}

cmd_stop() {
	dir=$1
	if [ ! -e "$dir" ]; then
		echo "pg.sh: $dir does not exist; nothing to stop" >&2
		return 0
	fi
	[ -f "$dir/$MARK" ] || die "$dir is not a test cluster made by pg.sh (no $MARK): not removing it"
	if [ -f "$dir/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || echo "pg.sh: pg_ctl stop failed" >&2
	fi
	rm -rf "$dir"
}

[ $# -ge 2 ] || usage
cmd=$1
shift
case $cmd in
start) [ $# -eq 2 ] || usage; cmd_start "$1" "$2" ;;
createdb) [ $# -eq 2 ] || usage; cmd_createdb "$1" "$2" ;;
url) [ $# -eq 1 ] || usage; cmd_url "$1" ;;
stop) [ $# -eq 1 ] || usage; cmd_stop "$1" ;;
down) [ $# -eq 1 ] || usage; cmd_down "$1" ;;
up) [ $# -eq 1 ] || usage; cmd_up "$1" ;;
*) usage ;;
esac
