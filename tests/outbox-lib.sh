# shellcheck shell=sh
# tests/outbox-lib.sh: sourced after lib.sh by the tests of outgoing mail.
# A Postfix smtp-sink on SMTP_PORT whose dumps land in $SINK/spool, a
# config $TMP/t.conf whose [smtp] points at it (timeout $SMTP_TIMEOUT,
# default 5 s), and helpers to send mail in and read the outbox back.
SINK=$TMP/sink
export SMTP_PORT
SMTP_PORT=$(freeport)
sink_start() { "$PEERS/smtp-sink.sh" start "$SINK" "$@" >/dev/null; }
sink_stop() { "$PEERS/smtp-sink.sh" stop "$SINK"; }
cleanup sink_stop
{ ticketd_conf; printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" \
	"retry_min = 1" "retry_max = 2" "timeout = ${SMTP_TIMEOUT:-5}"; } >"$TMP/t.conf"
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }
# send FROM SUBJECT MESSAGE-ID: one mail to the support queue.
send() { lmtp_send --from "$1" --to support@example.com --header "Subject: $2" \
	--header "Message-Id: <$3>" --body hi >/dev/null 2>&1; }
# outbox JQ-EXPR: evaluate JQ-EXPR on ticketctl outbox --json.
outbox() { ctl outbox --json | jq -r "$1"; }
