#!/bin/sh
# report-gen.sh CONF N DAYS [END]: fill the database of CONF (made by
# ticketctl, so it has today's schema) with N synthetic tickets created
# over the DAYS days before END (unix seconds; default now), with the
# SLA facts, waits, tags and messages a real helpdesk would have. The
# same arguments give the same database: every "random" figure is a
# hash of the ticket's number.
#
# Tickets: 70% support, 30% billing; 5% urgent, 15% high, 70% normal,
# 10% low; six agents and the unassigned. The first response comes 1 min
# to 8 h after creation, the resolution up to 5 days after that; what
# would lie in the future has not happened yet. Targets (a normal 4 h and
# 2 d, met or not) as [sla normal] of tests/bench/report.conf says. Messages
# only for the last 35 days: a report counts them for the tickets it
# reports on.
set -eu
conf=$1 n=$2 days=$3 end=${4:-$(date +%s)}
BUILD=${BUILD:-build}
db=$(sed -n 's/^database *= *//p' "$conf" | head -1)
"$BUILD/ticketctl" -c "$conf" list >/dev/null 2>&1
sqlite3 "$db" <<EOF
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
CREATE TEMP TABLE g AS
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
SELECT i,
    $end - ($n - i) * ($days * 86400) / $n - (i * 7919) % 600 AS created,
    60 + (i * 2654435761) % 28800 AS fr,
    (i * 40503) % 432000 AS res_extra,
    (i * 2246822519) % 100 AS h1,
    (i * 3266489917) % 7 AS h2,
    (i * 668265263) % 20 AS h3,
    (i * 374761393) % 3 AS h4
FROM s;
CREATE TEMP TABLE f AS
SELECT i, created, fr, fr + res_extra AS res, h1, h2, h3, h4,
    ($end - created) AS age,
    CASE WHEN fr <= $end - created THEN 1 ELSE 0 END AS answered,
    CASE WHEN fr + res_extra <= $end - created THEN 1 ELSE 0 END AS resolved
FROM g;
INSERT INTO tickets (id, subject, requester_name, requester_addr, status,
    queue, priority, attention, created_at, updated_at, assignee, status_at)
SELECT i, 'synthetic ' || i, '', 'c' || (i % 5000) || '@example.org',
    CASE WHEN resolved AND age - res > 7 * 86400 THEN 'closed'
         WHEN resolved THEN 'resolved'
         WHEN answered AND h4 = 0 THEN 'open'
         WHEN answered THEN 'pending'
         ELSE 'new' END,
    CASE WHEN h1 < 70 THEN 'support' ELSE 'billing' END,
    CASE WHEN h1 % 20 = 0 THEN 'urgent' WHEN h1 % 20 < 4 THEN 'high'
         WHEN h1 % 10 = 9 THEN 'low' ELSE 'normal' END,
    0, created, created + CASE WHEN resolved THEN res WHEN answered THEN fr ELSE 0 END,
    CASE WHEN h2 = 0 THEN NULL ELSE 'agent' || h2 END,
    created + CASE WHEN resolved THEN res WHEN answered THEN fr ELSE 0 END
FROM f;
INSERT INTO sla_facts (ticket_id, policy, first_response_at,
    first_response_wall, first_response_business, first_response_met,
    resolved_at, resolution_wall, resolution_business, resolution_met,
    reopens, agent_replies, paused_since, paused_wall, paused_business,
    waiting_since, reopened_at)
SELECT i, 'normal',
    CASE WHEN answered THEN created + fr ELSE 0 END,
    CASE WHEN answered THEN fr ELSE 0 END,
    CASE WHEN answered THEN fr * 3 / 8 ELSE 0 END,
    CASE WHEN answered THEN fr <= 14400 WHEN age > 14400 THEN 0 ELSE -1 END,
    CASE WHEN resolved THEN created + res ELSE 0 END,
    CASE WHEN resolved THEN res ELSE 0 END,
    CASE WHEN resolved THEN res * 3 / 8 ELSE 0 END,
    CASE WHEN resolved THEN res <= 172800 WHEN age > 172800 THEN 0 ELSE -1 END,
    CASE WHEN resolved AND h3 = 0 THEN 1 ELSE 0 END,
    CASE WHEN answered THEN 1 + h4 ELSE 0 END,
    0, 0, 0, 0,
    CASE WHEN resolved AND h3 = 0 THEN created + fr + 60 ELSE 0 END
FROM f;
INSERT INTO sla_waits (ticket_id, since, answered_at, wall, business, met)
SELECT i, created + fr + 60, created + fr + 60 + (i * 97) % 28800,
    (i * 97) % 28800, (i * 97) % 28800 * 3 / 8, (i * 97) % 28800 <= 14400
FROM f WHERE answered AND h4 > 0 AND fr + 60 + (i * 97) % 28800 <= age;
INSERT INTO tags (ticket_id, tag)
SELECT i, CASE WHEN h1 % 4 = 0 THEN 'vip' ELSE 'billing-issue' END
FROM f WHERE h1 % 4 < 2;
INSERT INTO messages (ticket_id, direction, source, return_path, dedupe_key,
    message_id, from_name, from_addr, to_addrs, cc_addrs, date, subject,
    body, parsed, received_at)
SELECT i, 'in', 'lmtp', '', 'gen' || i || '.' || k.k, 'gen' || i || '.' || k.k,
    '', 'c' || (i % 5000) || '@example.org', 'support@example.com', '',
    NULL, 'synthetic ' || i, 'Please help.', 1, created + k.k * 60
FROM f, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) k
WHERE created > $end - 35 * 86400 AND k.k <= 1 + answered + resolved;
COMMIT;
EOF
