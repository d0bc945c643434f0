#!/bin/sh
# The private PostgreSQL of tests/peers/pg.sh, which the PostgreSQL
# backend's tests will run on: it starts on a UNIX socket under $TMP
# only, takes SQL through "pg.sh psql", and stops with every one of its
# processes, also when stopped twice or after a start that failed.
. "$(dirname "$0")/../lib.sh"
plan 9

PG=$TMP/pg
# pg_procs: the postmaster and its children, one pid a line.
pg_procs() {
	_pm=$(head -n 1 "$PG/data/postmaster.pid" 2>/dev/null) || return 0
	[ -n "$_pm" ] || return 0
	alive "$_pm" && echo "$_pm"
	for _c in $(pgrep -P "$_pm"); do alive "$_c" && echo "$_c"; done
	return 0
}
none_alive() { for _p; do alive "$_p" && return 1; done; return 0; }

out=$("$PEERS/pg.sh" start "$PG") || { fail "pg.sh start"; exit 1; }
cleanup "'$PEERS/pg.sh' stop '$PG'"
eval "$out"
pass "pg.sh start"
is "$PG_URI" "postgresql:///ticketd?host=$PG/sock&user=ticketd" "it prints the URI of its database"

# 3. Only the socket: no TCP listener at all.
is "$("$PEERS/pg.sh" psql "$PG" "SHOW listen_addresses")" "" "no TCP address"
check "its socket is in DIR/sock" test -S "$PG/sock/.s.PGSQL.5432"

# 5. A table made, filled and read back through psql.
"$PEERS/pg.sh" psql "$PG" "CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL)" &&
    "$PEERS/pg.sh" psql "$PG" "INSERT INTO t VALUES (1, 'ticket'), (2, 'mail')"
ok $? "a table made and filled"
is "$("$PEERS/pg.sh" psql "$PG" "SELECT id, name FROM t ORDER BY id")" "1|ticket
2|mail" "and read back"

# 7. Stopped: its processes are gone, and stopping again is harmless.
procs=$(pg_procs)
check "the postmaster and its children ran" [ "$(echo "$procs" | wc -l)" -ge 2 ]
"$PEERS/pg.sh" stop "$PG"
# shellcheck disable=SC2086
check "pg.sh stop leaves no process of it" none_alive $procs
diag "$(tail -n 3 "$PG/pg.log")"

# 9. A failed start (the socket directory taken by a file) leaves nothing.
rm -rf "$PG"
mkdir -p "$PG"
: >"$PG/sock"
if "$PEERS/pg.sh" start "$PG" >/dev/null 2>"$TMP/fail.err"; then
	fail "a start that cannot work fails"
else
	check "a start that cannot work fails, leaving no process" \
	    [ -z "$(pg_procs)" ]
fi
diag <"$TMP/fail.err"
