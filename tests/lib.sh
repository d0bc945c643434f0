# shellcheck shell=sh
# tests/lib.sh: TAP helpers for tests/integration/*.t, in the mblaze style.
# A test starts with
#	. "$(dirname "$0")/../lib.sh"
#	plan 3
# and is run from the repository root by prove (make check).  Every process
# it starts through spawn/start_ticketd, and every command given to cleanup,
# is stopped at exit, also when the test fails or is interrupted.  $TMP is a
# fresh directory, removed at exit unless KEEP_TMP=1.
set -u

TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/peers/common.sh"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
export PEERS="$TESTS/peers"	# dovecot.sh, smtp-sink.sh
ntest=0 nfail=0 pids='' cleanups=''

# Peers that drop privileges (Dovecot, smtp-sink) must reach into $TMP.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ticketd-test.XXXXXX") ||
	{ echo "Bail out! cannot create a temporary directory"; exit 1; }
chmod 755 "$TMP"

plan() { echo "1..$1"; }
# diag [LINE...]: print the lines, or stdin, as TAP comments on stderr.
diag() {
	if [ $# -eq 0 ]; then sed 's/^/# /'; else printf '# %s\n' "$@"; fi >&2
}
# The helpers below return 0 when the test passed and 1 when it failed.
pass() { ntest=$((ntest + 1)); echo "ok $ntest - $1"; }
fail() { ntest=$((ntest + 1)); nfail=$((nfail + 1)); echo "not ok $ntest - $1"; return 1; }

# ok STATUS NAME: pass when STATUS (usually $?) is 0.
ok() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }
# check NAME CMD...: run CMD; its stdout goes to stderr to keep TAP clean.
check() { _n=$1; shift; if "$@" >&2; then pass "$_n"; else fail "$_n"; fi; }
# is GOT WANT NAME: compare strings, show a diff when they differ.
is() {
	if [ "$1" = "$2" ]; then pass "$3"; return 0; fi
	fail "$3"
	printf '%s\n' "$2" >"$TMP/.want"; printf '%s\n' "$1" >"$TMP/.got"
	diff -u --label want --label got "$TMP/.want" "$TMP/.got" | diag
	return 1
}

# wait_for SECS CMD...: run CMD every 0.1 s until it succeeds; 0 when it
# did, 1 when SECS passed first (the bound is a safety net, not a delay:
# a test synchronises on the condition, never on time).
wait_for() {
	_wf_end=$(($(date +%s) + $1)); shift
	until "$@"; do
		[ "$(date +%s)" -ge "$_wf_end" ] && return 1
		sleep 0.1
	done
}
# log_has REGEX: ticketd's log has a line matching REGEX (grep -E).
log_has() { grep -Eq "$1" "$TICKETD_LOG"; }
# log_count REGEX: how many lines of ticketd's log match REGEX.
log_count() { grep -Ec "$1" "$TICKETD_LOG"; }

# cleanup CMD: run the shell command CMD at exit (last registered first).
cleanup() { cleanups="$1
$cleanups"; }
# spawn CMD...: start CMD in the background and kill it at exit.  $! is its
# pid.  Do not call it inside $(...): the pid would be lost with the subshell.
spawn() { "$@" & pids="$pids $!"; }

# stop PID...: SIGTERM, up to 10 s grace, then SIGKILL; reap and forget it.
# Returns the exit status of the last PID.
stop() {
	_st=0
	for _p; do
		kill "$_p" 2>/dev/null
		_i=0
		while alive "$_p" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
		alive "$_p" && { diag "pid $_p ignored SIGTERM, killing"; kill -9 "$_p"; }
		wait "$_p" 2>/dev/null; _st=$?
		_l=$pids pids=''
		for _q in $_l; do [ "$_q" = "$_p" ] || pids="$pids $_q"; done
	done
	return $_st
}

at_exit() {
	_rc=$?
	set +e
	trap - EXIT INT TERM
	eval "$cleanups"
	# shellcheck disable=SC2086
	[ -z "$pids" ] || stop $pids
	# A sanitizer report from any ticketd this test ran fails the test,
	# even when every check passed: it is how leaks at exit show up.
	if grep -ls 'Sanitizer\|runtime error:' "$TMP"/*.log >/dev/null 2>&1; then
		grep -h -A12 'Sanitizer\|runtime error:' "$TMP"/*.log | diag
		_rc=1
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then diag "kept $TMP"; else rm -rf "$TMP"; fi
	[ "$nfail" -eq 0 ] || _rc=1
	exit $_rc
}
trap at_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ticketd_conf: print a minimal config on a free port into $TMP; sets
# LMTP_PORT.  Use as { ticketd_conf; echo "[queue x]..."; } >"$TMP/t.conf"
ticketd_conf() {
	LMTP_PORT=$(freeport)
	printf '%s\n' "[ticketd]" "database = $TMP/tickets.db" \
	    "hostname = helpdesk.example.com" "templates = ${TESTS%/tests}/templates" "" "[lmtp]" \
	    "listen = 127.0.0.1:$LMTP_PORT" "" "[queue support]" \
	    "address = support@example.com" ""
}

# start_ticketd CONF: run ticketd in the background, stderr appended to
# $TICKETD_LOG, and wait for the first TCP port in [lmtp] listen (LMTP_PORT).
start_ticketd() {
	LMTP_PORT=$(awk -F '[=,;]' '/^\[/ { s = $1; sub(/[ \t]+$/, "", s) } s == "[lmtp]" &&
	    $1 ~ /^[ \t]*listen[ \t]*$/ { for (i = 2; i <= NF; i++)
	    if ($i ~ /^[ \t]*[0-9.]+:[0-9]+[ \t]*$/) { sub(/.*:/, "", $i); print $i + 0; exit } }' "$1")
	TICKETD_LOG=$TMP/ticketd.log
	"$BUILD/ticketd" -c "$1" 2>>"$TICKETD_LOG" &
	TICKETD_PID=$! pids="$pids $!"
	[ -z "$LMTP_PORT" ] && return 0
	_i=0
	until wait_port "$LMTP_PORT" 0.2; do
		_i=$((_i + 1))
		if ! alive "$TICKETD_PID" || [ $_i -gt 50 ]; then
			diag "ticketd did not listen on $LMTP_PORT:" "$(tail -n 20 "$TICKETD_LOG")"
			return 1
		fi
	done
}
# stop_ticketd: SIGTERM and wait; returns ticketd's exit status.
stop_ticketd() { stop "$TICKETD_PID"; }

# stored_deliveries DB: "message-id|queue|address" for each delivery
# stored, in Message-ID order: what the MTA tests expect exactly once.
stored_deliveries() {
	sqlite3 "$1" "SELECT m.message_id, t.queue, d.address FROM messages m
	    JOIN tickets t ON t.id = m.ticket_id JOIN deliveries d ON d.message_id = m.id
	    ORDER BY m.message_id"
}

# lmtp_send SWAKS-ARGS...: one LMTP transaction to ticketd on $LMTP_PORT.
lmtp_send() {
	swaks --protocol LMTP --server 127.0.0.1 --port "$LMTP_PORT" "$@"
}

