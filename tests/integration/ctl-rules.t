#!/bin/sh
# ticketctl rules check (the configuration's rules, or FILE arguments:
# "N rules ok" or file:line errors and exit 78, --json), rules test (a dry
# run: each rule matched or not, the condition that decided, the matched
# text, the actions; --json; --rules PATH; --queue; it writes nothing),
# and why N (the rule events of a ticket, grouped by rule; rules errors).
. "$(dirname "$0")/../lib.sh"
plan 42

ROOT=${TESTS%/tests}
mkdir -p "$TMP/rules"
cat >"$TMP/rules/10-a.rules" <<'EOR'
; the first file
[rule outage]
match    = subject ~ /urgent|ด่วน/i
match    = body contains "system down"
require  = any
priority = urgent
tag      = outage, urgent
stop     = yes

[rule vip]
match    = from ~ /@bigcustomer\.example$/
priority = high
assign   = somchai
EOR
cat >"$TMP/rules/20-b.rules" <<'EOR'
[rule billing]
when     = any
match    = subject contains "invoice"
match    = !queue is "billing"
queue    = billing
tag      = billing
EOR
{ ticketd_conf; printf '%s\n' "rules = $TMP/rules" "[queue billing]" \
	"address = billing@example.com" "[agent somchai]" \
	"address = somchai@example.com"; } >"$TMP/t.conf"
# ticketd_conf ends [ticketd] early: put rules = back under it.
awk -v r="rules = $TMP/rules" '/^rules = / { next } { print } /^\[ticketd\]/ { print r }' \
	"$TMP/t.conf" >"$TMP/t.conf.new" && mv "$TMP/t.conf.new" "$TMP/t.conf"
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }

# 1. rules check of the configuration's rules.
out=$(ctl rules check); st=$?
is "$out" "3 rules ok" "rules check: the configuration's rules"
is "$st" 0 "and exits 0"
is "$(ctl rules check --json | jq -c .)" '{"ok":true,"rules":3}' "rules check --json"

# 2. A broken rule file: every error as file:line, exit 78, no "ok".
cp "$TMP/t.conf" "$TMP/good.conf"
printf '[rule broken]\nmatch = subject ~ /(/\nfrobnicate = 1\n' >"$TMP/rules/30-bad.rules"
out=$(ctl rules check 2>&1); st=$?
is "$st" 78 "broken rules: exit 78 (EX_CONFIG)"
echo "$out" | grep -q "^$TMP/rules/30-bad.rules:2: match: invalid regex /(/"
ok $? "the regex error names file:line"
echo "$out" | grep -q "^$TMP/rules/30-bad.rules:3: unknown key \"frobnicate\""
ok $? "so does the unknown key"
echo "$out" | grep -q "rules ok"; is $? 1 "and nothing says ok"
ctl rules check >/dev/null 2>"$TMP/err"
is "$(wc -l <"$TMP/err" | tr -d ' ')" 2 "the errors go to stderr, one a line"
j=$(ctl rules check --json 2>/dev/null); st=$?
is "$st" 78 "rules check --json exits 78 too"
is "$(printf "%s\n" "$j" | jq -c '[.ok, (.errors | length)]')" '[false,2]' "--json: ok false and both errors"
printf "%s\n" "$j" | jq -r '.errors[0]' | grep -q "^$TMP/rules/30-bad.rules:2: "
ok $? "--json errors are file:line lines"
mv "$TMP/rules/30-bad.rules" "$TMP/bad.rules"

# 3. FILE arguments, checked against the configuration.
is "$(ctl rules check "$TMP/rules/20-b.rules" "$ROOT/conf/rules/10-urgent.rules")" \
	"4 rules ok" "rules check FILE FILE: their rules added up"
is "$(ctl rules check "$ROOT/conf/rules" --json | jq -c .)" '{"ok":true,"rules":11}' \
	"rules check DIR --json: the shipped examples"
ctl rules check "$TMP/rules/20-b.rules" "$TMP/bad.rules" >"$TMP/out" 2>"$TMP/err"
is "$?" 78 "a bad FILE among good ones: exit 78"
is "$(cut -d: -f1,2 "$TMP/err" | sort -u | tr '\n' ' ')" "$TMP/bad.rules:2 $TMP/bad.rules:3 " \
	"its errors are file:line"
printf '[rule x]\nassign = nobody\n' >"$TMP/agent.rules"
ctl rules check --json "$TMP/agent.rules" >"$TMP/out" 2>/dev/null
is "$(jq -r '.errors[0]' "$TMP/out" | cut -d: -f1,2)" "$TMP/agent.rules:2" \
	"an unknown agent is a file:line error against the configuration"

# 4. rules test on a mail.
cat >"$TMP/urgent.eml" <<'EOM'
From: "Jiri" <jiri@bigcustomer.example>
To: support@example.com
Subject: URGENT: checkout fails
Message-ID: <u1@bigcustomer.example>

The checkout says "payment error" for every customer.
EOM
ctl rules test "$TMP/urgent.eml" >"$TMP/out"
ok $? "rules test MAIL exits 0"
grep -q '^rule outage (.*/rules/10-a.rules:2): matched, decided by line 3$' "$TMP/out"
ok $? "the rule that matched, with file:line and the condition that decided"
grep -q '^  line 3: subject ~ /urgent|ด่วน/i: true, matched "URGENT"$' "$TMP/out"
ok $? "the condition and the text it matched"
is "$(grep '^  then' "$TMP/out" | tr '\n' '|')" \
	"  then priority = urgent|  then tag = outage|  then tag = urgent|  then stop|" \
	"the actions that would follow"
grep -q '^rule vip (.*): not tried, an earlier rule stopped$' "$TMP/out"
ok $? "rules after a stop are not tried"
is "$(sed -n 1,2p "$TMP/out")" "mail: opens a ticket (no database)
mail: queue support, new, sender <jiri@bigcustomer.example>, recipient <support@example.com>, open-tickets 0, first-contact yes, hours inside, language (unknown), size $(wc -c <"$TMP/urgent.eml" | tr -d ' ')" \
	"the facts it was tested with: no database, so a new ticket and a first contact"

j=$(ctl rules test "$TMP/urgent.eml" --json)
is "$(printf "%s\n" "$j" | jq -c '.rules[0] | [.rule, .matched, .decided_by, .conditions[0].text, .stop]')" \
	'["outage",true,3,"URGENT",true]' "--json: rule, matched, decided_by, matched text, stop"
is "$(printf "%s\n" "$j" | jq -c '[.rules[0].actions[] | "\(.key)=\(.value)"]')" \
	'["priority=urgent","tag=outage","tag=urgent"]' "--json: the actions"
is "$(printf "%s\n" "$j" | jq -c '[.rules[] | .result]')" '["matched","not tried","not tried"]' \
	"--json: an object a rule"

# 5. A mail that matches nothing, to another queue: no match, decided by.
cat >"$TMP/invoice.eml" <<'EOM'
From: nok@example.org
To: billing@example.com
Subject: Your invoice 42
Message-ID: <i1@example.org>

Please find it attached.
EOM
j=$(ctl rules test "$TMP/invoice.eml" --json)
is "$(printf "%s\n" "$j" | jq -c '[.input.queue, (.rules[] | [.rule, .result, .decided_by])]')" \
	'["billing",["outage","no match",4],["vip","no match",11],["billing","no match",4]]' \
	"the queue of the first recipient; each rule not matched, and the deciding line"
is "$(printf "%s\n" "$j" | jq -r '.rules[2].conditions[1] | "\(.condition) \(.result) \(.detail)"')" \
	'!queue is "billing" false is "billing"' "a negated condition that failed, and why"
is "$(ctl rules test "$TMP/invoice.eml" --queue support --json | jq -c '.rules[2] | [.matched, .actions[0].value]')" \
	'[true,"billing"]' "--queue: the rule sees that queue instead"
ctl rules test "$TMP/invoice.eml" --queue nope 2>/dev/null; is $? 65 "an unknown --queue: exit 65"

# 6. --rules PATH: a rule set not installed yet; a broken one.
printf '[rule new]\nmatch = body ~ /attached/\ntag = attachment\n' >"$TMP/new.rules"
is "$(ctl rules test "$TMP/invoice.eml" --rules "$TMP/new.rules" | sed -n 3,5p | tr '\n' '|')" \
	"rule new ($TMP/new.rules:1): matched, decided by line 2|  line 2: body ~ /attached/: true, matched \"attached\"|  then tag = attachment|" \
	"--rules PATH tests that file instead"
ctl rules test "$TMP/invoice.eml" --rules "$TMP/bad.rules" >/dev/null 2>"$TMP/err"
is "$?" 78 "--rules with a broken file: exit 78"
grep -q "^$TMP/bad.rules:2: " "$TMP/err"; ok $? "and its file:line errors"
is "$(ctl rules test "$TMP/urgent.eml" --reply --json | jq -c '[.input.reply, .rules[0].result]')" \
	'[true,"skipped"]' "--reply: when = new rules are skipped"
[ ! -e "$TMP/tickets.db" ]; ok $? "rules test wrote nothing: there is still no database"

# 7. why. A ticket without rule events; then one whose events are what
# the ingest pipeline writes for each action a rule takes, "rule NAME
# (FILE:LINE): KEY = VALUE", and for a regex limit "rules_error".
printf 'From: nok@example.org\nTo: support@example.com\nSubject: hi\nMessage-ID: <w1@example.org>\n\nhello\n' |
	"$BUILD/ticketd" -c "$TMP/t.conf" deliver -f nok@example.org >/dev/null 2>&1
id=$(ctl list --json | jq '.[0].id')
is "$(ctl why "$id")" "ticket $id: no rule fired" "why: no rule fired"
sqlite3 "$TMP/tickets.db" "INSERT INTO events (ticket_id, at, type, detail) VALUES
 ($id, 1795000000, 'rule', 'rule outage (conf/rules/10-urgent.rules:3): priority = urgent'),
 ($id, 1795000000, 'rule', 'rule outage (conf/rules/10-urgent.rules:3): tag = outage'),
 ($id, 1795000000, 'rule', 'rule vip (conf/rules/20-vip.rules:3): assign = somchai'),
 ($id, 1795000000, 'rules_error', 'conf/rules/40-x.rules:2: rule slow: line 3: match limit exceeded'),
 ($id, 1795000100, 'rule', 'rule outage (conf/rules/10-urgent.rules:3): priority = urgent');"
is "$(ctl why "$id")" "2026-11-18T11:06:40Z  rule outage (conf/rules/10-urgent.rules:3)
    priority = urgent
    tag = outage
2026-11-18T11:06:40Z  rule vip (conf/rules/20-vip.rules:3)
    assign = somchai
2026-11-18T11:08:20Z  rule outage (conf/rules/10-urgent.rules:3)
    priority = urgent
2026-11-18T11:06:40Z  rules error: conf/rules/40-x.rules:2: rule slow: line 3: match limit exceeded" \
	"why: each rule that fired, grouped, in order, then the rules errors"
is "$(ctl why "$id" --json | jq -c '[.rules[] | [.rule, .where, (.changes | join(","))]], [.errors[].detail]')" \
	'[["outage","conf/rules/10-urgent.rules:3","priority = urgent,tag = outage"],["vip","conf/rules/20-vip.rules:3","assign = somchai"],["outage","conf/rules/10-urgent.rules:3","priority = urgent"]]
["conf/rules/40-x.rules:2: rule slow: line 3: match limit exceeded"]' "why --json"
printf 'From: nok@example.org\nTo: support@example.com\nSubject: two\nMessage-ID: <w2@example.org>\n\nhello\n' |
	"$BUILD/ticketd" -c "$TMP/t.conf" deliver -f nok@example.org >/dev/null 2>&1
id2=$(ctl list --json | jq '.[-1].id')
sqlite3 "$TMP/tickets.db" "INSERT INTO events (ticket_id, at, type, detail) VALUES
 ($id2, 1795000000, 'rules_error', 'a.rules:2: rule slow: line 3: match limit exceeded'),
 ($id2, 1795000000, 'rule', 'not in the form');"
is "$(ctl why "$id2")" "2026-11-18T11:06:40Z  not in the form
2026-11-18T11:06:40Z  rules error: a.rules:2: rule slow: line 3: match limit exceeded" \
	"why: a detail in another form is shown as it is"
ctl why 999 2>/dev/null; is $? 65 "why of no such ticket: exit 65"

# 8. rules test with a database: the ticket policy says whether the mail
# joins a ticket, and the requester's facts come from the store; nothing
# is written.
printf 'From: nok@example.org\nTo: support@example.com\nSubject: Re: hi, urgent\nMessage-ID: <w3@example.org>\nIn-Reply-To: <w1@example.org>\n\nstill there?\n' >"$TMP/reply.eml"
before=$(sqlite3 "$TMP/tickets.db" "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM events), (SELECT count(*) FROM messages)")
is "$(ctl rules test "$TMP/reply.eml" --json | jq -c '.input | [.reply, .ticket, .open_tickets, .first_contact]')" \
	"[true,\"joins ticket $id (in-reply-to)\",1,false]" \
	"a reply joins its ticket; the requester's other open ticket; not a first contact"
is "$(sqlite3 "$TMP/tickets.db" "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM events), (SELECT count(*) FROM messages)")" \
	"$before" "and the database is as it was"
printf 'From: someone@else.example\nTo: support@example.com\nSubject: urgent\nMessage-ID: <w4@else.example>\n\nhi\n' >"$TMP/new.eml"
is "$(ctl rules test "$TMP/new.eml" | sed -n 1,2p | cut -d, -f1-2,5-6)" "mail: opens a ticket
mail: queue support, new, open-tickets 0, first-contact yes" "a stranger's mail opens a ticket"
