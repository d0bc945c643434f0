#!/bin/sh
# tests/bench/sla.sh: reports and deadlines at scale (make bench).
#  - ticketctl report over TICKETS (1,000,000) synthetic tickets of a year
#    (report-gen.sh), for the last 28 days and for the whole year, RUNS
#    (5) times each, the median counting (target: <= 2 s); beside it, in
#    the same run, the same main figures (created, resolved, backlog,
#    first-response median, p90 and share within target) as a SQL report
#    tool would ask sqlite3 for them; wall-clock and CPU seconds (which a
#    busy machine does not inflate);
#  - the daemon on OPEN (100,000) open tickets with deadlines, beside one
#    on an empty database: start-up (to the LMTP port, and until every
#    ticket's deadlines are worked out), peak RSS (target: <= 64 MB), and
#    how late DUE (2,000) warnings fire that come due in the 30 s after
#    start, as fired events against their times.
# Environment: BUILD, TICKETS, RUNS, OPEN, DUE.
. "$(dirname "$0")/../lib.sh"

TICKETS=${TICKETS:-1000000} RUNS=${RUNS:-5} OPEN=${OPEN:-100000} DUE=${DUE:-2000}
for _b in "$BUILD/ticketd" "$BUILD/ticketctl"; do
	[ -x "$_b" ] || { echo "sla.sh: $_b not built" >&2; exit 1; }
done
# median: of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }
# secs CMD...: the wall-clock seconds CMD takes, output thrown away.
secs() {
	_t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || echo "sla.sh: failed: $*" >&2
	echo "$(date +%s.%N) - $_t0" | bc
}
sql() { sqlite3 "$1" "$2"; }
# cpu CMD...: the CPU seconds (user and system) CMD takes, which a busy
# machine does not inflate.
cpu() {
	perl -e 'my $pid = fork; if ($pid == 0) { open STDOUT, ">/dev/null";
		open STDERR, ">/dev/null"; exec @ARGV or exit 127 }
		waitpid $pid, 0; my @t = times; printf "%.3f\n", $t[2] + $t[3]' "$@"
}

# conf NAME: a configuration with a database of its own and one policy.
conf() {
	{ ticketd_conf | sed "s|tickets.db|$1.db|; s/^address = .*/&\ntimezone = Asia\/Bangkok/"
	  printf '%s\n' "[queue billing]" "address = billing@example.com" \
	    "[sla normal]" "first_response = 4h" "resolution = 2d" "business_hours = no"
	} >"$TMP/$1.conf"
}

# Reports.
conf year
END=$(date +%s)
echo "== generating $TICKETS tickets over 365 days" >&2
t=$(secs sh "$TESTS/bench/report-gen.sh" "$TMP/year.conf" "$TICKETS" 365 "$END")
echo "   in ${t}s, $(du -m "$TMP/year.db" | cut -f1) MB" >&2
to=$(TZ=Asia/Bangkok date -d @"$END" +%F)
month=$(TZ=Asia/Bangkok date -d "$to - 27 days" +%F)
year=$(TZ=Asia/Bangkok date -d "$to - 364 days" +%F)
from_s=$(TZ=Asia/Bangkok date -d "$month 00:00" +%s) to_s=$(TZ=Asia/Bangkok date -d "$to + 1 day 00:00" +%s)
IN="t.created_at >= $from_s AND t.created_at < $to_s"
# The figures a SQL report tool asks for, one query each.
cat >"$TMP/sqlreport.sql" <<SQL
SELECT count(*) FROM tickets t WHERE $IN;
SELECT count(*) FROM sla_facts WHERE resolved_at >= $from_s AND resolved_at < $to_s;
SELECT count(*) FROM tickets t LEFT JOIN sla_facts f ON f.ticket_id = t.id
  WHERE t.created_at < $to_s AND (coalesce(f.resolved_at, 0) = 0 OR f.resolved_at >= $to_s);
WITH s AS (SELECT f.first_response_wall AS v FROM tickets t JOIN sla_facts f
  ON f.ticket_id = t.id WHERE $IN AND f.first_response_at > 0)
  SELECT (SELECT v FROM s ORDER BY v LIMIT 1 OFFSET (SELECT (count(*) + 1) / 2 - 1 FROM s)),
  (SELECT v FROM s ORDER BY v LIMIT 1 OFFSET (SELECT (count(*) * 9 + 9) / 10 - 1 FROM s));
SELECT 1.0 * sum(f.first_response_met = 1) / count(*) FROM tickets t
  JOIN sla_facts f ON f.ticket_id = t.id WHERE $IN AND f.first_response_met >= 0;
SQL
sqlreport() { sqlite3 "$TMP/year.db" <"$TMP/sqlreport.sql"; }
ctl() { "$BUILD/ticketctl" -c "$TMP/year.conf" "$@"; }
ctl report --from "$month" --to "$to" --json >"$TMP/month.json"
: >"$TMP/month.t"; : >"$TMP/year.t"; : >"$TMP/sql.t"; : >"$TMP/html.t"
: >"$TMP/month.c"; : >"$TMP/year.c"; : >"$TMP/sql.c"; : >"$TMP/html.c"
CTL="$BUILD/ticketctl -c $TMP/year.conf"
i=0
while [ $i -lt "$RUNS" ]; do
	secs ctl report --from "$month" --to "$to" --json >>"$TMP/month.t"
	secs ctl report --from "$year" --to "$to" --json >>"$TMP/year.t"
	secs ctl report --from "$month" --to "$to" --html "$TMP/r.html" >>"$TMP/html.t"
	secs sqlreport >>"$TMP/sql.t"
	# shellcheck disable=SC2086
	cpu $CTL report --from "$month" --to "$to" --json >>"$TMP/month.c"
	# shellcheck disable=SC2086
	cpu $CTL report --from "$year" --to "$to" --json >>"$TMP/year.c"
	# shellcheck disable=SC2086
	cpu $CTL report --from "$month" --to "$to" --html "$TMP/r.html" >>"$TMP/html.c"
	cpu sh -c "sqlite3 '$TMP/year.db' <'$TMP/sqlreport.sql'" >>"$TMP/sql.c"
	i=$((i + 1))
done
sqlreport >"$TMP/sql.out"
created=$(jq .total.created "$TMP/month.json")
[ "$created" = "$(sed -n 1p "$TMP/sql.out")" ] ||
	echo "sla.sh: the report's $created created tickets are not SQL's $(sed -n 1p "$TMP/sql.out")" >&2
m=$(median <"$TMP/month.t") y=$(median <"$TMP/year.t") s=$(median <"$TMP/sql.t") h=$(median <"$TMP/html.t")
mc=$(median <"$TMP/month.c") yc=$(median <"$TMP/year.c") sc=$(median <"$TMP/sql.c") hc=$(median <"$TMP/html.c")
printf '\n%s\n' "ticketctl report over $TICKETS tickets ($(du -m "$TMP/year.db" | cut -f1) MB), median of $RUNS runs"
printf '%-44s %10s %10s\n' "what" "seconds" "CPU s"
printf '%-44s %10s %10s\n' "report, 28 days ($created created), --json" "$m" "$mc"
printf '%-44s %10s %10s\n' "report, 28 days, --html" "$h" "$hc"
printf '%-44s %10s %10s\n' "report, 365 days (every ticket), --json" "$y" "$yc"
printf '%-44s %10s %10s\n' "SQL, 28 days: 5 of the figures, sqlite3" "$s" "$sc"
printf '%-44s %10s %10s\n' "ratio report/SQL, 28 days" "$(echo "scale=2; $m / $s" | bc)" "$(echo "scale=2; $mc / $sc" | bc)"

# Deadlines: OPEN open tickets, DUE of whose warnings come due in the 30 s
# after start (4 h at 80 %: 11520 s after creation).
for name in empty open; do
	conf "$name"
	"$BUILD/ticketctl" -c "$TMP/$name.conf" list >/dev/null 2>&1
done
now=$(date +%s)
base=$((now + 20 - 11520))
sql "$TMP/open.db" "PRAGMA journal_mode = WAL; BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $OPEN)
INSERT INTO tickets (id, subject, requester_name, requester_addr, status, queue,
    priority, attention, created_at, updated_at, assignee, status_at)
SELECT i, 'open ' || i, '', 'c' || i || '@example.org', 'open', 'support', 'normal',
    0, CASE WHEN i <= $DUE THEN $base + (i * 30) / $DUE ELSE $now - (i % 3600) END,
    $now, NULL, $now FROM s;
COMMIT;" >/dev/null
printf '\n%s\n' "ticketd with $OPEN open tickets with deadlines, beside an empty database"
printf '%-10s %14s %18s %10s\n' "database" "port open s" "deadlines set s" "peak RSS MB"
for name in empty open; do
	t0=$(date +%s.%N)
	start_ticketd "$TMP/$name.conf" || exit 1
	port=$(echo "$(date +%s.%N) - $t0" | bc)
	wait_for 600 log_has "timers: worked out for [0-9]+ tickets" ||
		echo "sla.sh: $name: the timers were not worked out" >&2
	set_s=$(sed -n 's/.*timers: worked out for [0-9]* tickets\{0,1\} in \([0-9.]*\)s.*/\1/p' "$TICKETD_LOG" | tail -1)
	if [ "$name" = open ]; then
		wait_for 120 sh -c "[ \$(sqlite3 '$TMP/open.db' \"SELECT count(*) FROM events WHERE type = 'sla_warning'\") -ge $DUE ]" ||
			echo "sla.sh: not every warning fired" >&2
	fi
	rss=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$TICKETD_PID/status")
	printf '%-10s %14.2f %18s %10s\n' "$name" "$port" "$set_s" "$rss"
	stop_ticketd
	: >"$TICKETD_LOG"
done
# Lateness: each warning's event against its time, created + 11520.
sql "$TMP/open.db" "SELECT e.at - (t.created_at + 11520) FROM events e JOIN tickets t
    ON t.id = e.ticket_id WHERE e.type = 'sla_warning' AND t.id <= $DUE" | sort -n >"$TMP/late"
printf '\n%s\n' "warnings that came due after start: $(wc -l <"$TMP/late") of $DUE fired; lateness in whole seconds"
printf '%-10s %-10s %-10s\n' "p50" "p99" "max"
awk '{ v[NR] = $1 } END { printf "%-10s %-10s %-10s\n", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[NR] }' "$TMP/late"
