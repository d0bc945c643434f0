#!/bin/sh
# The PostgreSQL backend on a fresh private server (tests/peers/pg.sh):
# build/tests/test-store-pg makes the schema, runs transactions and
# savepoints, the writes of one new ticket's ingest, and an op not
# written yet; then the schema is checked through psql.
. "$(dirname "$0")/../lib.sh"
plan 4

PG=$TMP/pg
out=$("$PEERS/pg.sh" start "$PG") || { fail "pg.sh start"; exit 1; }
cleanup "'$PEERS/pg.sh' stop '$PG'"
eval "$out"
pass "pg.sh start"

TICKETD_PG_URI=$PG_URI "$BUILD/tests/test-store-pg" >"$TMP/unit.out" 2>&1
ok $? "test-store-pg passes on a fresh database"
diag <"$TMP/unit.out"
check "no test was skipped" sh -c "! grep -q '# SKIP' '$TMP/unit.out'"
is "$("$PEERS/pg.sh" psql "$PG" "SELECT version FROM schema_version")" \
    "1" "the schema is at version 1"
