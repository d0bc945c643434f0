#!/bin/sh
# [smtp] url = file:DIR: the dry-run sender writes what would go out.
. "$(dirname "$0")/../lib.sh"
plan 4

{ ticketd_conf; printf '%s\n' "[smtp]" "url = file:$TMP/out"; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
lmtp_send --from ann@example.org --to support@example.com --header 'Subject: Dry run' \
	--header 'Message-Id: <dry@example.org>' >/dev/null 2>&1
i=0
while [ -z "$(ls "$TMP/out" 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
f=$(ls "$TMP"/out/*.eml 2>/dev/null | head -1)
[ -n "$f" ]
ok $? "the acknowledgement is written to the directory"
head -2 "$f" | tr -d '\r' | grep -qx 'X-Envelope-From: <>' && head -2 "$f" | tr -d '\r' | grep -qx 'X-Envelope-To: <ann@example.org>'
ok $? "with its envelope on top"
grep -q '^In-Reply-To: <dry@example.org>' "$f"
ok $? "and the mail itself below"
is "$("$BUILD/ticketctl" -c "$TMP/t.conf" outbox --json | jq -r '.[0].status')" sent "the outbox counts it as sent"
