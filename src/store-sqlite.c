/*
 * store-sqlite: the SQLite backend of the store; the only file that
 * includes sqlite3.h.
 *
 * The database runs in WAL mode with synchronous=FULL, so a COMMIT that
 * returned is on disk: that is what lets us answer "250" after it. Every
 * statement is prepared once at open and bound with parameters, but for
 * ticket_find's, which is built per call from fixed fragments (see
 * there) and bound the same way. The schema is versioned with PRAGMA
 * user_version and migrated at open.
 */
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "mime.h"
#include "search.h"
#include "store-backend.h"

enum stmt {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_META_GET,
	S_META_SET,
	S_MESSAGE_FIND,
	S_MSGID_TICKET,
	S_MSGID_REFERRERS,
	S_TICKET_EXISTS,
	S_PARTICIPANT_FIND,
	S_PARTICIPANT_ADD,
	S_PARTICIPANT_LIST,
	S_REF_INSERT,
	S_DELIVERY_INSERT,
	S_DELIVERY_LIST,
	S_TICKET_INSERT,
	S_TICKET_TAG,
	S_TICKET_TOUCH,
	S_MESSAGE_INSERT,
	S_RAW_INSERT,
	S_ATTACHMENT_INSERT,
	S_EVENT_INSERT,
	S_TICKET_LIST,
	S_TICKET_GET,
	S_TICKET_TAGS,
	S_MESSAGE_LIST,
	S_ATTACHMENT_LIST,
	S_EVENT_LIST,
	S_OUTBOX_ADD,
	S_OUTBOX_CLAIM,
	S_OUTBOX_UNCLAIM,
	S_OUTBOX_SUMMARY,
	S_OUTBOX_GET,
	S_OUTBOX_RETRY,
	S_OUTBOX_CANCEL,
	S_OUTBOX_NEXT,
	S_OUTBOX_UPDATE,
	S_OUTBOX_LIST,
	S_OUTBOX_LIST_TICKET,
	S_AUTOREPLY_COUNT_ADDRESS,
	S_AUTOREPLY_COUNT_TICKET,
	S_AUTOREPLY_COUNT_PAIR,
	S_AUTOREPLY_ADD,
	S_OUTBOX_BY_MSGID,
	S_OUTBOX_REPORT,
	S_BOUNCE_ADD,
	S_BOUNCE_SINCE,
	S_MESSAGE_RAW,
	S_IMAP_STATE_GET,
	S_IMAP_STATE_SET,
	S_IMAP_FAILURE_ADD,
	S_IMAP_FAILURE_COUNT,
	S_IMAP_FAILURE_CLEAR,
	S_TICKET_ATTENTION,
	S_TICKET_UPDATE,
	S_TAG_REMOVE,
	S_LINK_ADD,
	S_LINK_LIST,
	S_TICKETS_LIVE,
	S_TICKET_AUTHORS,
	S_NOTIFY_ADD,
	S_NOTIFY_LIST,
	S_NOTIFY_DELETE,
	S_REQUESTER_FACTS,
	S_SLA_GET,
	S_SLA_PUT,
	S_SLA_WAIT_ADD,
	S_SLA_WAIT_LIST,
	S_TIMER_CLEAR_UNFIRED,
	S_TIMER_PUT,
	S_TIMER_CLEAR,
	S_TIMER_DUE,
	S_TIMER_FIRED,
	S_TIMER_NEXT,
	S_TIMER_RETRY,
	S_REPORT_TICKETS,
	S_REPORT_WAITS,
	S_REPORT_TAGS,
	S_CSAT_GET,
	S_CSAT_PUT,
	S_CSAT_BY_MSGID,
	S_STATS_TICKETS,
	S_STATS_AT_RISK,
	S_FTS_INSERT,
	S_FTS_TERMS,
	S_SEARCH_STATE,
	S_SEARCH_PENDING,
	S_SEARCH_MARK,
	S_COUNT
};

#define SQLITE_BUSY_MS	10000	/* wait this long for another's lock */
#define SQLITE_STATS_STEPS 1000	/* VM steps between deadline checks */

/*
 * What the full-text index holds of message m: its subject, its body and
 * its addresses, folded by search_fold() (the SQL function ticketd_fold,
 * see sqlite_open), as the query's terms are, each with a space after
 * it, so that its last two characters start a trigram too (search.h).
 * The index keeps no copy of the text (content=''): the messages table
 * has it.
 */
#define FTS_ADDRESSES	"m.from_name || ' <' || m.from_addr || '> ' || " \
	"m.to_addrs || ' ' || m.cc_addrs"
#define FTS_INSERT	"INSERT INTO messages_fts (rowid, subject, body, " \
	"addresses) SELECT m.id, ticketd_fold(m.subject) || ' ', " \
	"ticketd_fold(m.body) || ' ', ticketd_fold(" FTS_ADDRESSES ") || ' ' " \
	"FROM messages m"

static const char *stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT mail",
	[S_RELEASE] = "RELEASE mail",
	[S_ROLLBACK_TO] = "ROLLBACK TO mail",
	[S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[S_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	[S_MESSAGE_FIND] = "SELECT id, ticket_id FROM messages WHERE dedupe_key = ?1",
	[S_MSGID_TICKET] = "SELECT m.ticket_id FROM messages m WHERE "
	    "m.message_id = ?1 ORDER BY EXISTS (SELECT 1 FROM participants p "
	    "WHERE p.ticket_id = m.ticket_id AND p.address = ?2) DESC, m.id "
	    "LIMIT 1",
	[S_TICKET_EXISTS] = "SELECT 1 FROM tickets WHERE id = ?1",
	[S_MSGID_REFERRERS] = "SELECT " STORE_REFERRER_COLUMNS
	    " FROM message_refs r JOIN messages m ON m.id = "
	    "r.message_id WHERE r.ref = ?1 AND m.direction = 'in' ORDER BY m.id",
	[S_PARTICIPANT_FIND] = "SELECT 1 FROM participants WHERE ticket_id = ?1 "
	    "AND address = ?2",
	[S_PARTICIPANT_LIST] = "SELECT address FROM participants "
	    "WHERE ticket_id = ?1 ORDER BY address",
	[S_PARTICIPANT_ADD] = "INSERT OR IGNORE INTO participants (ticket_id, "
	    "address) VALUES (?1, ?2)",
	[S_REF_INSERT] = "INSERT OR IGNORE INTO message_refs (message_id, ref) "
	    "VALUES (?1, ?2)",
	[S_DELIVERY_INSERT] = "INSERT OR IGNORE INTO deliveries (message_id, "
	    "queue, address) VALUES (?1, ?2, ?3)",
	[S_DELIVERY_LIST] = "SELECT " STORE_DELIVERY_COLUMNS " FROM deliveries "
	    "WHERE message_id = ?1 ORDER BY id",
	[S_TICKET_INSERT] = "INSERT INTO tickets (subject, requester_name, "
	    "requester_addr, status, queue, priority, attention, created_at, "
	    "updated_at, status_at, assignee) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?8, ?8, ?9)",
	[S_TICKET_TAG] = "INSERT OR IGNORE INTO tags (ticket_id, tag) VALUES (?1, ?2)",
	[S_TAG_REMOVE] = "DELETE FROM tags WHERE ticket_id = ?1 AND tag = ?2",
	[S_TICKET_TOUCH] = "UPDATE tickets SET updated_at = max(updated_at, ?2) "
	    "WHERE id = ?1",
	[S_TICKET_UPDATE] = "UPDATE tickets SET status = ?2, status_at = ?3, "
	    "priority = ?4, assignee = ?5, attention = ?6, updated_at = ?7, "
	    "queue = coalesce(?8, queue) WHERE id = ?1",
	[S_MESSAGE_INSERT] = "INSERT INTO messages (ticket_id, direction, source, "
	    "return_path, dedupe_key, message_id, from_name, from_addr, "
	    "to_addrs, cc_addrs, date, subject, body, parsed, received_at, "
	    "author) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?14, ?15, ?16)",
	[S_RAW_INSERT] = "INSERT INTO raw_messages (message_id, raw) VALUES (?1, ?2)",
	[S_ATTACHMENT_INSERT] = "INSERT INTO attachments (message_id, name, type, "
	    "size, content) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_EVENT_INSERT] = "INSERT INTO events (ticket_id, at, type, detail) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[S_TICKET_LIST] = "SELECT " STORE_TICKET_COLUMNS " FROM tickets t "
	    "ORDER BY t.id",
	[S_TICKET_GET] = "SELECT " STORE_TICKET_COLUMNS " FROM tickets t "
	    "WHERE t.id = ?1",
	[S_TICKET_TAGS] = "SELECT tag FROM tags WHERE ticket_id = ?1 ORDER BY tag",
	[S_MESSAGE_LIST] = "SELECT " STORE_MESSAGE_COLUMNS " FROM messages "
	    "WHERE ticket_id = ?1 ORDER BY id",
	[S_ATTACHMENT_LIST] = "SELECT " STORE_ATTACHMENT_COLUMNS
	    " FROM attachments "
	    "WHERE message_id = ?1 ORDER BY id",
	[S_EVENT_LIST] = "SELECT " STORE_EVENT_COLUMNS " FROM events "
	    "WHERE ticket_id = ?1 ORDER BY id",
	[S_OUTBOX_ADD] = "INSERT INTO outbox (ticket_id, kind, envelope_from, "
	    "rcpt, message_id, data, status, attempts, created_at, "
	    "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, ?7, ?7)",
	/* One statement: no other handle can take a row between look and take. */
	[S_OUTBOX_CLAIM] = "UPDATE outbox SET status = 'sending', "
	    "claimed_by = ?3, claimed_at = ?1 WHERE id IN (SELECT id FROM outbox "
	    "WHERE status = 'queued' AND next_attempt_at <= ?1 "
	    "ORDER BY next_attempt_at, id LIMIT ?2) RETURNING "
	    STORE_OUTBOX_COLUMNS,
	[S_OUTBOX_UNCLAIM] = "UPDATE outbox SET status = 'queued' "
	    "WHERE status = 'sending' AND claimed_by IS NOT ?1 "
	    "RETURNING " STORE_OUTBOX_COLUMNS,
	/* Deferred: queued again after a failed attempt. */
	[S_OUTBOX_SUMMARY] = "SELECT "
	    "total(status = 'queued' AND attempts = 0), "
	    "total(status = 'queued' AND attempts > 0), "
	    "total(status = 'sending'), total(status = 'failed'), "
	    "total(status = 'failed' AND next_attempt_at >= ?1), "
	    "min(CASE WHEN status <> 'failed' THEN created_at END) "
	    "FROM outbox WHERE status IN ('queued', 'sending', 'failed')",
	[S_OUTBOX_NEXT] = "SELECT min(next_attempt_at) FROM outbox "
	    "WHERE status = 'queued' HAVING count(*) > 0",
	[S_OUTBOX_UPDATE] = "UPDATE outbox SET status = ?2, attempts = ?3, "
	    "next_attempt_at = ?4, sent_at = ?5, last_error = ?6 WHERE id = ?1 "
	    "AND status NOT IN ('failed', 'delayed')",
	[S_OUTBOX_LIST] = "SELECT " STORE_OUTBOX_COLUMNS " FROM outbox "
	    "ORDER BY id",
	[S_OUTBOX_LIST_TICKET] = "SELECT " STORE_OUTBOX_COLUMNS " FROM outbox "
	    "WHERE ticket_id = ?1 ORDER BY id",
	[S_AUTOREPLY_COUNT_ADDRESS] = "SELECT count(*) FROM autoreplies "
	    "WHERE address = ?1 AND at >= ?2",
	[S_AUTOREPLY_COUNT_TICKET] = "SELECT count(*) FROM autoreplies "
	    "WHERE ticket_id = ?1 AND at >= ?2",
	[S_AUTOREPLY_COUNT_PAIR] = "SELECT count(*) FROM autoreplies "
	    "WHERE address = ?1 AND ticket_id = ?2 AND at >= ?3",
	[S_MESSAGE_RAW] = "SELECT raw FROM raw_messages WHERE message_id = ?1",
	[S_IMAP_STATE_GET] = "SELECT uidvalidity, last_uid FROM imap_state "
	    "WHERE account = ?1 AND mailbox = ?2",
	[S_IMAP_STATE_SET] = "INSERT OR REPLACE INTO imap_state (account, mailbox, "
	    "uidvalidity, last_uid) VALUES (?1, ?2, ?3, ?4)",
	[S_IMAP_FAILURE_ADD] = "INSERT INTO imap_failures (account, mailbox, "
	    "uidvalidity, uid, count, last_error) VALUES (?1, ?2, ?3, ?4, 1, ?5) "
	    "ON CONFLICT (account, mailbox, uidvalidity, uid) DO UPDATE SET "
	    "count = count + 1, last_error = excluded.last_error",
	[S_IMAP_FAILURE_COUNT] = "SELECT count FROM imap_failures WHERE "
	    "account = ?1 AND mailbox = ?2 AND uidvalidity = ?3 AND uid = ?4",
	[S_IMAP_FAILURE_CLEAR] = "DELETE FROM imap_failures WHERE "
	    "account = ?1 AND mailbox = ?2 AND uidvalidity = ?3 AND uid = ?4",
	[S_AUTOREPLY_ADD] = "INSERT INTO autoreplies (address, ticket_id, at) "
	    "VALUES (?1, ?2, ?3)",
	[S_TICKET_ATTENTION] = "UPDATE tickets SET attention = 1 WHERE id = ?1",
	[S_OUTBOX_BY_MSGID] = "SELECT " STORE_OUTBOX_COLUMNS " FROM outbox "
	    "WHERE message_id = ?1 ORDER BY id LIMIT 1",
	[S_OUTBOX_GET] = "SELECT " STORE_OUTBOX_COLUMNS " FROM outbox "
	    "WHERE id = ?1",
	/* A new lifetime, or the sender gives up on it at once. */
	[S_OUTBOX_RETRY] = "UPDATE outbox SET status = 'queued', attempts = 0, "
	    "created_at = ?2, next_attempt_at = ?2, last_error = NULL "
	    "WHERE id = ?1 AND status IN ('queued', 'failed', 'cancelled') "
	    "RETURNING " STORE_OUTBOX_COLUMNS,
	/* Only a row no sender holds: one being sent may yet be accepted. */
	[S_OUTBOX_CANCEL] = "UPDATE outbox SET status = 'cancelled', "
	    "last_error = 'cancelled by an admin' "
	    "WHERE id = ?1 AND status = 'queued' RETURNING "
	    STORE_OUTBOX_COLUMNS,
	[S_OUTBOX_REPORT] = "UPDATE outbox SET status = ?2, last_error = ?3 "
	    "WHERE id = ?1 AND (?2 = 'failed' OR status IN ('sent', 'delayed'))",
	[S_BOUNCE_ADD] = "INSERT INTO bounces (address, ticket_id, at, status) "
	    "VALUES (lower(?1), ?2, ?3, ?4)",
	[S_BOUNCE_SINCE] = "SELECT at, status FROM bounces WHERE address = "
	    "lower(?1) AND at >= ?2 ORDER BY at DESC LIMIT 1",
	[S_LINK_ADD] = "INSERT OR IGNORE INTO ticket_links (ticket_id, "
	    "other_id) VALUES (?1, ?2), (?2, ?1)",
	[S_LINK_LIST] = "SELECT other_id FROM ticket_links WHERE ticket_id = ?1 "
	    "ORDER BY other_id",
	[S_TICKETS_LIVE] = "SELECT id FROM tickets WHERE id > ?1 AND "
	    "status <> 'closed' ORDER BY id LIMIT ?2",
	/* In the order they first wrote: by each author's first message. */
	[S_NOTIFY_ADD] = "INSERT INTO notify_pending (ticket_id, kind, actor, "
	    "text, message_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_NOTIFY_LIST] = "SELECT " STORE_NOTIFY_COLUMNS " FROM notify_pending "
	    "ORDER BY id LIMIT ?1",
	[S_NOTIFY_DELETE] = "DELETE FROM notify_pending WHERE id = ?1",
	[S_TICKET_AUTHORS] = "SELECT author FROM messages WHERE ticket_id = ?1 "
	    "AND author IS NOT NULL GROUP BY author ORDER BY min(id)",
	/* Open tickets counted up to STORE_FACTS_OPEN_MAX: a bounded cost. */
	[S_REQUESTER_FACTS] = "SELECT (SELECT count(*) FROM (SELECT 1 FROM "
	    "tickets WHERE lower(requester_addr) = lower(?1) AND status IN "
	    "('new', 'open', 'pending') LIMIT " G_STRINGIFY(STORE_FACTS_OPEN_MAX)
	    ")), NOT EXISTS (SELECT 1 FROM messages WHERE "
	    "lower(from_addr) = lower(?1) AND direction = 'in')",
	[S_SLA_GET] = "SELECT " STORE_SLA_COLUMNS " FROM sla_facts "
	    "WHERE ticket_id = ?1",
	[S_SLA_PUT] = "INSERT OR REPLACE INTO sla_facts (ticket_id, policy, "
	    "first_response_at, first_response_wall, first_response_business, "
	    "first_response_met, resolved_at, resolution_wall, "
	    "resolution_business, resolution_met, reopens, agent_replies, "
	    "paused_since, paused_wall, paused_business, waiting_since, "
	    "reopened_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15, ?16, ?17)",
	[S_SLA_WAIT_ADD] = "INSERT INTO sla_waits (ticket_id, since, "
	    "answered_at, wall, business, met) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_SLA_WAIT_LIST] = "SELECT " STORE_SLA_WAIT_COLUMNS " FROM sla_waits "
	    "WHERE ticket_id = ?1 ORDER BY since, id",
	[S_TIMER_CLEAR_UNFIRED] = "DELETE FROM timers WHERE ticket_id = ?1 "
	    "AND fired = 0",
	/* A fired timer stays fired while its clock is the same one. */
	[S_TIMER_PUT] = "INSERT INTO timers (ticket_id, kind, due, basis, "
	    "fired) VALUES (?1, ?2, ?3, ?4, 0) ON CONFLICT (ticket_id, kind) "
	    "DO UPDATE SET due = excluded.due, basis = excluded.basis, "
	    "fired = 0 WHERE timers.basis <> excluded.basis",
	[S_TIMER_CLEAR] = "DELETE FROM timers WHERE ticket_id = ?1",
	[S_TIMER_DUE] = "SELECT " STORE_TIMER_COLUMNS " FROM timers "
	    "WHERE fired = 0 AND due <= ?1 ORDER BY due, ticket_id LIMIT ?2",
	[S_TIMER_FIRED] = "UPDATE timers SET fired = 1 WHERE ticket_id = ?1 "
	    "AND kind = ?2",
	[S_TIMER_NEXT] = "SELECT due FROM timers WHERE fired = 0 ORDER BY due "
	    "LIMIT 1",
	[S_TIMER_RETRY] = "UPDATE timers SET due = ?3 WHERE ticket_id = ?1 "
	    "AND kind = ?2 AND fired = 0",
	/* Messages are counted only where they are reported: a bounded cost. */
	[S_REPORT_TICKETS] = "SELECT t.id, t.queue, t.priority, t.assignee, "
	    "t.status, t.created_at, CASE WHEN t.created_at >= ?1 THEN "
	    "(SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) "
	    "ELSE 0 END, coalesce(f.first_response_at, 0), "
	    "coalesce(f.first_response_wall, 0), "
	    "coalesce(f.first_response_business, 0), "
	    "coalesce(f.first_response_met, -1), coalesce(f.resolved_at, 0), "
	    "coalesce(f.resolution_wall, 0), coalesce(f.resolution_business, 0), "
	    "coalesce(f.resolution_met, -1), coalesce(f.reopens, 0), "
	    "coalesce(f.reopened_at, 0), coalesce(f.agent_replies, 0), "
	    "coalesce(c.rating, 0), coalesce(c.rated_at, 0), c.comment "
	    "FROM tickets t LEFT JOIN sla_facts f ON f.ticket_id = t.id "
	    "LEFT JOIN csat c ON c.ticket_id = t.id "
	    "WHERE t.created_at < ?2 AND (?3 IS NULL OR t.queue = ?3)",
	[S_REPORT_WAITS] = "SELECT t.id, t.queue, t.priority, t.assignee, "
	    "t.status, t.created_at, w.since, w.answered_at, w.wall, "
	    "w.business, w.met FROM sla_waits w JOIN tickets t ON "
	    "t.id = w.ticket_id WHERE w.answered_at >= ?1 AND "
	    "w.answered_at < ?2 AND (?3 IS NULL OR t.queue = ?3)",
	[S_REPORT_TAGS] = "SELECT g.ticket_id, g.tag FROM tags g JOIN tickets "
	    "t ON t.id = g.ticket_id WHERE t.created_at < ?1",
	[S_CSAT_GET] = "SELECT " STORE_CSAT_COLUMNS " FROM csat "
	    "WHERE ticket_id = ?1",
	[S_CSAT_PUT] = "INSERT OR REPLACE INTO csat (ticket_id, survey_at, "
	    "survey_msgid, rating, comment, rated_at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6)",
	[S_CSAT_BY_MSGID] = "SELECT ticket_id FROM csat WHERE survey_msgid = ?1",
	[S_STATS_TICKETS] = "SELECT status, queue, count(*) FROM tickets "
	    "WHERE status IN ('new', 'open', 'pending', 'resolved') "
	    "GROUP BY queue, status ORDER BY queue, status",
	[S_STATS_AT_RISK] = "SELECT NULL, t.queue, count(DISTINCT t.id) "
	    "FROM timers b JOIN tickets t ON t.id = b.ticket_id "
	    "WHERE b.fired = 0 AND b.kind LIKE '%.breach' AND "
	    "t.status <> 'closed' AND (b.due <= ?1 OR EXISTS (SELECT 1 FROM "
	    "timers w WHERE w.ticket_id = b.ticket_id AND w.fired = 1 AND "
	    "w.kind = replace(b.kind, '.breach', '.warn'))) "
	    "GROUP BY t.queue ORDER BY t.queue",
	[S_FTS_INSERT] = FTS_INSERT " WHERE m.id > ?1 AND m.id <= ?2",
	/* The vocabulary is ordered by octets: every term after ?1 that
	   starts with it sorts before ?1 followed by U+10FFFF. */
	[S_FTS_TERMS] = "SELECT term FROM messages_fts_terms WHERE term >= ?1 "
	    "AND term < ?1 || char(1114111) LIMIT ?2",
	[S_SEARCH_STATE] = "SELECT indexed_upto, (SELECT ifnull(max(id), 0) "
	    "FROM messages) FROM search_state",
	[S_SEARCH_PENDING] = "SELECT id, length(CAST(subject AS BLOB)) + "
	    "length(CAST(body AS BLOB)) FROM messages WHERE id > ?1 ORDER BY id "
	    "LIMIT ?2",
	[S_SEARCH_MARK] = "UPDATE search_state SET indexed_upto = ?1",
};

/* Migration N brings user_version from N to N + 1. */
static const char *migrations[] = {
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE tickets ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" subject TEXT NOT NULL, requester_name TEXT NOT NULL,"
	" requester_addr TEXT NOT NULL, status TEXT NOT NULL,"
	" queue TEXT NOT NULL, priority TEXT NOT NULL,"
	" attention INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" direction TEXT NOT NULL, source TEXT NOT NULL, return_path TEXT,"
	" dedupe_key TEXT NOT NULL UNIQUE, message_id TEXT,"
	" from_name TEXT NOT NULL, from_addr TEXT NOT NULL,"
	" to_addrs TEXT NOT NULL, cc_addrs TEXT NOT NULL, date TEXT,"
	" subject TEXT NOT NULL, body TEXT NOT NULL,"
	" parsed INTEGER NOT NULL, received_at INTEGER NOT NULL);"
	"CREATE INDEX messages_ticket ON messages (ticket_id);"
	"CREATE INDEX messages_message_id ON messages (message_id);"
	"CREATE TABLE raw_messages ("
	" message_id INTEGER PRIMARY KEY REFERENCES messages (id),"
	" raw BLOB NOT NULL);"
	"CREATE TABLE attachments ("
	" id INTEGER PRIMARY KEY,"
	" message_id INTEGER NOT NULL REFERENCES messages (id),"
	" name TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL,"
	" content BLOB NOT NULL);"
	"CREATE INDEX attachments_message ON attachments (message_id);"
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" at INTEGER NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL);"
	"CREATE INDEX events_ticket ON events (ticket_id);"
	"CREATE TABLE tags ("
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" tag TEXT NOT NULL, PRIMARY KEY (ticket_id, tag)) WITHOUT ROWID;",

	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER REFERENCES tickets (id),"
	" kind TEXT NOT NULL, envelope_from TEXT NOT NULL, rcpt TEXT NOT NULL,"
	" message_id TEXT NOT NULL, data BLOB NOT NULL, status TEXT NOT NULL,"
	" attempts INTEGER NOT NULL, created_at INTEGER NOT NULL,"
	" next_attempt_at INTEGER NOT NULL, sent_at INTEGER,"
	" last_error TEXT);"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_at);"
	"CREATE TABLE autoreplies ("
	" address TEXT NOT NULL, ticket_id INTEGER, at INTEGER NOT NULL);"
	"CREATE INDEX autoreplies_address ON autoreplies (address, at);"
	"CREATE INDEX autoreplies_ticket ON autoreplies (ticket_id, at);",

	"CREATE TABLE imap_state ("
	" account TEXT NOT NULL, mailbox TEXT NOT NULL,"
	" uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL,"
	" PRIMARY KEY (account, mailbox));"
	"CREATE TABLE imap_failures ("
	" account TEXT NOT NULL, mailbox TEXT NOT NULL,"
	" uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,"
	" count INTEGER NOT NULL, last_error TEXT,"
	" PRIMARY KEY (account, mailbox, uidvalidity, uid));",

	/*
	 * Thread identity: what each mail cites, who may join a ticket by
	 * reference, every queue address a mail reached, and dedupe keys
	 * that name the originator (see ticket_dedupe_key()). References
	 * and the To/Cc participants of older mail are not recoverable.
	 */
	"CREATE TABLE message_refs ("
	" message_id INTEGER NOT NULL REFERENCES messages (id),"
	" ref TEXT NOT NULL, PRIMARY KEY (message_id, ref)) WITHOUT ROWID;"
	"CREATE INDEX message_refs_ref ON message_refs (ref);"
	"CREATE TABLE participants ("
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" address TEXT NOT NULL, PRIMARY KEY (ticket_id, address)) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO participants SELECT id, lower(requester_addr)"
	" FROM tickets WHERE requester_addr <> '';"
	"INSERT OR IGNORE INTO participants SELECT ticket_id, lower(from_addr)"
	" FROM messages WHERE direction = 'in' AND from_addr <> '';"
	"CREATE TABLE deliveries ("
	" id INTEGER PRIMARY KEY,"
	" message_id INTEGER NOT NULL REFERENCES messages (id),"
	" queue TEXT NOT NULL, address TEXT NOT NULL,"
	" UNIQUE (message_id, queue, address));"
	"INSERT INTO deliveries (message_id, queue, address) SELECT m.id,"
	" t.queue, '' FROM messages m JOIN tickets t ON t.id = m.ticket_id"
	" WHERE m.direction = 'in';"
	"UPDATE messages SET dedupe_key = message_id || char(10) ||"
	" lower(from_addr) || char(10) || coalesce(date, '')"
	" WHERE direction = 'in' AND message_id IS NOT NULL"
	" AND dedupe_key = message_id;",

	/* Who took a row to send it (status 'sending'), and when. */
	"ALTER TABLE outbox ADD COLUMN claimed_by TEXT;"
	"ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;",

	"CREATE TABLE bounces ("
	" address TEXT NOT NULL, ticket_id INTEGER, at INTEGER NOT NULL,"
	" status TEXT NOT NULL);"
	"CREATE INDEX bounces_address ON bounces (address, at);"
	"CREATE INDEX outbox_message_id ON outbox (message_id);",

	/*
	 * Agents and the ticket lifecycle: who has a ticket, when its
	 * status last changed (older tickets: their last update, the best
	 * we know), which agent wrote a message, linked tickets, and the
	 * indexes ticket_find() and the resolved-ticket timers query by.
	 */
	"ALTER TABLE tickets ADD COLUMN assignee TEXT;"
	"ALTER TABLE tickets ADD COLUMN status_at INTEGER NOT NULL DEFAULT 0;"
	"UPDATE tickets SET status_at = updated_at;"
	"ALTER TABLE messages ADD COLUMN author TEXT;"
	"CREATE TABLE ticket_links ("
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" other_id INTEGER NOT NULL REFERENCES tickets (id),"
	" PRIMARY KEY (ticket_id, other_id)) WITHOUT ROWID;"
	"CREATE INDEX tickets_status ON tickets (status, status_at);"
	"CREATE INDEX tickets_requester ON tickets (lower(requester_addr));"
	"CREATE INDEX tickets_assignee ON tickets (assignee);"
	"CREATE INDEX tickets_queue ON tickets (queue);"
	"CREATE INDEX tags_tag ON tags (tag);"
	"CREATE TABLE notify_pending ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" kind INTEGER NOT NULL, actor TEXT, text TEXT,"
	" message_id INTEGER, created_at INTEGER NOT NULL);",
	/*
	 * The rules' facts: has this address written before, and its open
	 * tickets without its closed ones.
	 */
	"CREATE INDEX messages_from ON messages (lower(from_addr));"
	"CREATE INDEX tickets_requester_status ON tickets "
	"(lower(requester_addr), status);",
	/* SLA facts: one row a ticket, written as they happen. */
	"CREATE TABLE sla_facts ("
	" ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),"
	" policy TEXT,"
	" first_response_at INTEGER NOT NULL, first_response_wall INTEGER NOT NULL,"
	" first_response_business INTEGER NOT NULL,"
	" first_response_met INTEGER NOT NULL,"
	" resolved_at INTEGER NOT NULL, resolution_wall INTEGER NOT NULL,"
	" resolution_business INTEGER NOT NULL, resolution_met INTEGER NOT NULL,"
	" reopens INTEGER NOT NULL, agent_replies INTEGER NOT NULL,"
	" paused_since INTEGER NOT NULL, paused_wall INTEGER NOT NULL,"
	" paused_business INTEGER NOT NULL, waiting_since INTEGER NOT NULL);"
	"CREATE TABLE sla_waits ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" since INTEGER NOT NULL, answered_at INTEGER NOT NULL,"
	" wall INTEGER NOT NULL, business INTEGER NOT NULL,"
	" met INTEGER NOT NULL);"
	"CREATE INDEX sla_waits_ticket ON sla_waits (ticket_id);",
	/*
	 * The deadline queue: what comes due on each ticket. A fired row
	 * stays until its clock starts again, so that nothing fires twice.
	 */
	"ALTER TABLE sla_facts ADD COLUMN reopened_at INTEGER NOT NULL "
	"DEFAULT 0;"
	/* What the status events already say, for the reports. */
	"UPDATE sla_facts SET reopened_at = coalesce((SELECT max(e.at) FROM "
	"events e WHERE e.ticket_id = sla_facts.ticket_id AND e.type IN "
	"('reopened', 'status') AND (e.detail LIKE 'resolved -> open %' OR "
	"e.detail LIKE 'closed -> open %')), 0) WHERE reopens > 0;"
	"CREATE TABLE timers ("
	" ticket_id INTEGER NOT NULL REFERENCES tickets (id),"
	" kind TEXT NOT NULL, due INTEGER NOT NULL, basis INTEGER NOT NULL,"
	" fired INTEGER NOT NULL, PRIMARY KEY (ticket_id, kind)) WITHOUT ROWID;"
	"CREATE INDEX timers_due ON timers (due) WHERE fired = 0;"
	"CREATE INDEX sla_waits_answered ON sla_waits (answered_at);"
	/* Satisfaction: the survey sent, and the last rating. */
	"CREATE TABLE csat ("
	" ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),"
	" survey_at INTEGER NOT NULL, survey_msgid TEXT,"
	" rating INTEGER NOT NULL, comment TEXT, rated_at INTEGER NOT NULL);"
	"CREATE INDEX csat_survey_msgid ON csat (survey_msgid);"
	"CREATE INDEX csat_rated_at ON csat (rated_at);",
	/*
	 * Full-text search over every message. The trigram tokenizer
	 * makes substrings of Thai and Japanese, which have no spaces,
	 * findable; a term of more than three characters is a phrase of
	 * trigrams, and phrases need positions, so detail=full. The
	 * vocabulary lists the trigrams a two-character term starts.
	 * Messages are indexed after they are stored, old ones too, by
	 * the daemon (indexer.c), in batches: this only makes the tables,
	 * so it takes no time however much mail there is. search_state
	 * holds the newest message indexed; every older one is too.
	 */
	"CREATE VIRTUAL TABLE messages_fts USING fts5 (subject, body, "
	"addresses, content='', detail=full, "
	"tokenize='trigram case_sensitive 0');"
	"CREATE VIRTUAL TABLE messages_fts_terms USING fts5vocab "
	"(messages_fts, row);"
	"CREATE TABLE search_state (indexed_upto INTEGER NOT NULL);"
	"INSERT INTO search_state VALUES (0);"
};

struct store_sqlite {
	struct store	 store;		/* must be first */
	sqlite3		*db;
	char		*path;
	sqlite3_stmt	*stmt[S_COUNT];
};

static char *
sqlite_cause(struct store_sqlite *s, const char *what)
{
	return g_strdup_printf("sqlite %s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

/* Reset and clear a cached statement so it can be bound again. */
static sqlite3_stmt *
sqlite_stmt(struct store_sqlite *s, enum stmt which)
{
	sqlite3_stmt	*st = s->stmt[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	log_trace(TRACE_SQL, "sql: %s", stmt_sql[which]);
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* An agent name: NULL and "" are both stored as none (NULL). */
static void
bind_name(sqlite3_stmt *st, int i, const char *v)
{
	bind_text(st, i, v != NULL && *v != '\0' ? v : NULL);
}

/* A result row of q, for the shared mappers (store-backend.h). */
struct sqlite_row {
	struct store_row	 row;		/* must be first */
	sqlite3_stmt		*q;
};

#define SQLITE_Q(r)	(((const struct sqlite_row *)(r))->q)

static gint64
sqlite_row_int64(const struct store_row *r, int col)
{
	return sqlite3_column_int64(SQLITE_Q(r), col);
}

static double
sqlite_row_real(const struct store_row *r, int col)
{
	return sqlite3_column_double(SQLITE_Q(r), col);
}

static const char *
sqlite_row_text(const struct store_row *r, int col)
{
	return (const char *)sqlite3_column_text(SQLITE_Q(r), col);
}

static const void *
sqlite_row_blob(const struct store_row *r, int col, gsize *len)
{
	const void	*v = sqlite3_column_blob(SQLITE_Q(r), col);

	*len = sqlite3_column_bytes(SQLITE_Q(r), col);
	return v;
}

static const struct store_row_ops sqlite_row_ops = {
	.int64 = sqlite_row_int64,
	.real = sqlite_row_real,
	.text = sqlite_row_text,
	.blob = sqlite_row_blob,
};

/* Run a statement that returns no rows. */
static int
sqlite_done(struct store_sqlite *s, sqlite3_stmt *st, const char *what,
    char **cause)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sqlite_cause(s, what);
		return -1;
	}
	return 0;
}

static int
sqlite_exec(struct store_sqlite *s, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		*cause = g_strdup_printf("sqlite %s: %s", s->path,
		    err ? err : sqlite3_errmsg(s->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int
sqlite_migrate(struct store_sqlite *s, char **cause)
{
	sqlite3_stmt	*st;
	int		 version;
	char		*sql;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK) {
		*cause = sqlite_cause(s, "user_version");
		return -1;
	}
	sqlite3_step(st);
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > (int)G_N_ELEMENTS(migrations)) {
		*cause = g_strdup_printf("sqlite %s: schema version %d is newer "
		    "than this ticketd (%zu)", s->path, version,
		    G_N_ELEMENTS(migrations));
		return -1;
	}
	for (; version < (int)G_N_ELEMENTS(migrations); version++) {
		/* DDL has no parameters; the version is our own integer. */
		sql = g_strdup_printf("BEGIN IMMEDIATE; %s PRAGMA user_version = %d;"
		    " COMMIT;", migrations[version], version + 1);
		if (sqlite_exec(s, sql, cause) != 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			g_free(sql);
			return -1;
		}
		g_free(sql);
		log_info("sqlite %s: schema migrated to version %d", s->path,
		    version + 1);
	}
	return 0;
}

static void
sqlite_close(struct store *st)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;

	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	g_free(s->path);
	g_free(s);
}

/* ticketd_fold(text): search_fold() in SQL, for the full-text index. */
static void
sqlite_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char	*text = sqlite3_value_text(argv[0]);

	if (text == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_text(ctx, search_fold((const char *)text), -1,
		    g_free);
}

/* The terms of ticketd_scan(), kept for the statement's next rows. */
static char **
sqlite_scan_terms(sqlite3_context *ctx, sqlite3_value *arg)
{
	char	**terms = sqlite3_get_auxdata(ctx, 0);

	if (terms == NULL && sqlite3_value_text(arg) != NULL) {
		terms = g_strsplit((const char *)sqlite3_value_text(arg), "\n",
		    -1);
		sqlite3_set_auxdata(ctx, 0, terms, (void (*)(void *))g_strfreev);
		terms = sqlite3_get_auxdata(ctx, 0);
	}
	return terms;
}

/*
 * ticketd_scan(terms, subject, body, addresses): what a message not in
 * the index (or one short term) is ranked, as the index would rank it;
 * NULL when it does not hold every term (search_scan()).
 */
static void
sqlite_scan(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char	**terms = sqlite_scan_terms(ctx, argv[0]);
	char	*col[SEARCH_COLUMNS];
	double	 rank;

	if (terms == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	for (int c = 0; c < SEARCH_COLUMNS; c++) {
		const unsigned char *v = sqlite3_value_text(argv[c + 1]);

		col[c] = v != NULL ? search_fold((const char *)v) : NULL;
	}
	if (search_scan(terms, (const char *const *)col, &rank))
		sqlite3_result_double(ctx, rank);
	else
		sqlite3_result_null(ctx);
	for (int c = 0; c < SEARCH_COLUMNS; c++)
		g_free(col[c]);
}

/* The term of each phrase (search_fts5_match()), read once a query. */
struct sqlite_phrases {
	guint	 n;
	guint	 nterms;
	guint	 term[];
};

static struct sqlite_phrases *
sqlite_rank_phrases(const Fts5ExtensionApi *api, Fts5Context *fts,
    sqlite3_value *arg)
{
	struct sqlite_phrases	*p = api->xGetAuxdata(fts, 0);
	const unsigned char	*text = sqlite3_value_text(arg);
	guint			 n = (guint)api->xPhraseCount(fts);

	if (p != NULL || text == NULL)
		return p;
	p = g_malloc0(sizeof(*p) + n * sizeof(p->term[0]));
	p->n = search_phrase_terms((const char *)text, p->term, n, &p->nterms);
	if (api->xSetAuxdata(fts, p, g_free) != SQLITE_OK)
		return NULL;
	return p;
}

/*
 * ticketd_rank(messages_fts, phrases): search_rank() of a match, from
 * the places its phrases are at in it. It reads this message alone, so
 * it costs no more for a word in half the mail than for a rare one.
 */
static void
sqlite_rank(const Fts5ExtensionApi *api, Fts5Context *fts,
    sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqlite_phrases	*p;
	guint			*tf;
	int			 n = 0, phrase, col, off;

	if (argc != 1 || (p = sqlite_rank_phrases(api, fts, argv[0])) == NULL ||
	    api->xInstCount(fts, &n) != SQLITE_OK) {
		sqlite3_result_error(ctx, "ticketd_rank: no phrases", -1);
		return;
	}
	tf = g_new0(guint, p->nterms * SEARCH_COLUMNS);
	for (int i = 0; i < n; i++)
		if (api->xInst(fts, i, &phrase, &col, &off) == SQLITE_OK &&
		    (guint)phrase < p->n && col < SEARCH_COLUMNS)
			tf[p->term[phrase] * SEARCH_COLUMNS + col]++;
	sqlite3_result_double(ctx, search_rank(tf, p->nterms));
	g_free(tf);
}

/* FTS5's API, through which an auxiliary function is made. */
static fts5_api *
sqlite_fts5_api(struct store_sqlite *s)
{
	fts5_api	*api = NULL;
	sqlite3_stmt	*q;

	if (sqlite3_prepare_v2(s->db, "SELECT fts5(?1)", -1, &q, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(q, 1, &api, "fts5_api_ptr", NULL);
	sqlite3_step(q);
	sqlite3_finalize(q);
	return api;
}

/* The SQL functions of the full-text index and its search. */
static int
sqlite_functions(struct store_sqlite *s, char **cause)
{
	fts5_api	*fts5;
	int		 flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC |
			    SQLITE_INNOCUOUS;

	if (sqlite3_create_function_v2(s->db, "ticketd_fold", 1, flags, NULL,
	    sqlite_fold, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(s->db, "ticketd_scan", 4, flags, NULL,
	    sqlite_scan, NULL, NULL, NULL) != SQLITE_OK) {
		*cause = sqlite_cause(s, "functions");
		return -1;
	}
	if ((fts5 = sqlite_fts5_api(s)) == NULL || fts5->xCreateFunction(fts5,
	    "ticketd_rank", NULL, sqlite_rank, NULL) != SQLITE_OK) {
		*cause = g_strdup_printf("sqlite %s: no FTS5", s->path);
		return -1;
	}
	return 0;
}

static struct store *
sqlite_open(const char *path, char **cause)
{
	struct store_sqlite	*s = g_new0(struct store_sqlite, 1);

	s->store.ops = &store_sqlite_ops;
	s->path = g_strdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*cause = sqlite_cause(s, "open");
		sqlite_close(&s->store);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, SQLITE_BUSY_MS);
	if (sqlite_functions(s, cause) != 0) {
		sqlite_close(&s->store);
		return NULL;
	}
	if (sqlite_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    " PRAGMA foreign_keys = ON;", cause) != 0 ||
	    sqlite_migrate(s, cause) != 0) {
		sqlite_close(&s->store);
		return NULL;
	}
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) != SQLITE_OK) {
			*cause = sqlite_cause(s, stmt_sql[i]);
			sqlite_close(&s->store);
			return NULL;
		}
	return &s->store;
}

static int
sqlite_simple(struct store *st, enum stmt which, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;

	return sqlite_done(s, sqlite_stmt(s, which), stmt_sql[which], cause);
}

static int
sqlite_begin(struct store *st, char **cause)
{
	return sqlite_simple(st, S_BEGIN, cause);
}

static int
sqlite_commit(struct store *st, char **cause)
{
	return sqlite_simple(st, S_COMMIT, cause);
}

static void
sqlite_rollback(struct store *st)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;

	if (!sqlite3_get_autocommit(s->db))
		sqlite3_step(sqlite_stmt(s, S_ROLLBACK));
	sqlite3_reset(s->stmt[S_ROLLBACK]);
}

static int
sqlite_savepoint(struct store *st, char **cause)
{
	return sqlite_simple(st, S_SAVEPOINT, cause);
}

static int
sqlite_release(struct store *st, char **cause)
{
	return sqlite_simple(st, S_RELEASE, cause);
}

static void
sqlite_rollback_savepoint(struct store *st)
{
	char	*cause = NULL;

	/* ROLLBACK TO keeps the savepoint open; RELEASE ends it. */
	if (sqlite_simple(st, S_ROLLBACK_TO, &cause) == 0)
		sqlite_simple(st, S_RELEASE, &cause);
	if (cause != NULL) {
		log_warn("%s", cause);
		g_free(cause);
	}
}

/*
 * The one found / not found / error step: step a lookup of one row,
 * handed to fill (store-backend.h): 1 found, 0 not, -1 error.
 */
static int
sqlite_lookup_row(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    store_row_fill fill, gpointer out, char **cause)
{
	struct sqlite_row	 row = { { &sqlite_row_ops }, q };
	int			 rc = sqlite3_step(q);

	if (rc == SQLITE_ROW)
		fill(&row.row, out);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	*cause = sqlite_cause(s, what);
	return -1;
}

/* A lookup of an aggregate, which always has its row: 0, or -1. */
static int
sqlite_lookup_agg(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    store_row_fill fill, gpointer out, char **cause)
{
	int	 found = sqlite_lookup_row(s, q, what, fill, out, cause);

	if (found == 0)
		*cause = g_strdup_printf("sqlite %s: %s: no row", s->path,
		    what);
	return found == 1 ? 0 : -1;
}

/* Run a lookup whose first column is an integer: 1 found, 0 not, -1 error. */
static int
sqlite_lookup_int(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    gint64 *out, char **cause)
{
	gint64	 v;
	int	 found;

	found = sqlite_lookup_row(s, q, what, store_fill_int, &v, cause);
	if (found == 1 && out != NULL)
		*out = v;
	return found;
}

/* Step q to the end, handing each row to each: 0, or -1 and *cause. */
static int
sqlite_each(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    store_row_fill each, gpointer arg, char **cause)
{
	struct sqlite_row	 row = { { &sqlite_row_ops }, q };
	int			 rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		each(&row.row, arg);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		*cause = sqlite_cause(s, what);
		return -1;
	}
	return 0;
}

/*
 * Step a lookup of one row, made into an object by row (the mapper
 * sqlite_collect takes): 1 and *out, 0, or -1.
 */
static int
sqlite_lookup_one(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    store_row_new row, gpointer *out, char **cause)
{
	struct store_rows	 rows = { row, g_ptr_array_new() };
	int			 found;

	found = sqlite_lookup_row(s, q, what, store_rows_add, &rows, cause);
	if (found == 1)
		*out = g_ptr_array_index(rows.a, 0);
	g_ptr_array_free(rows.a, TRUE);
	return found;
}

/* Step q to the end, turning each row into an element of *out. */
static int
sqlite_collect(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    store_row_new row, GDestroyNotify free_func, GPtrArray **out,
    char **cause)
{
	struct store_rows	 rows = { row, NULL };

	rows.a = g_ptr_array_new_with_free_func(free_func);
	if (sqlite_each(s, q, what, store_rows_add, &rows, cause) != 0) {
		g_ptr_array_free(rows.a, TRUE);
		return -1;
	}
	*out = rows.a;
	return 0;
}

/* The rows a cached statement with one integer parameter (?1) selects. */
static int
sqlite_rows_by(struct store_sqlite *s, enum stmt which, const char *what,
    gint64 v, store_row_new row, GDestroyNotify free_func, GPtrArray **out,
    char **cause)
{
	sqlite3_stmt	*q = sqlite_stmt(s, which);

	sqlite3_bind_int64(q, 1, v);
	return sqlite_collect(s, q, what, row, free_func, out, cause);
}

/* Step q to the end, its first column into *out (gint64). */
static int
sqlite_collect_ids(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    GArray **out, char **cause)
{
	GArray	*a = g_array_new(FALSE, FALSE, sizeof(gint64));

	if (sqlite_each(s, q, what, store_fill_id_add, a, cause) != 0) {
		g_array_free(a, TRUE);
		return -1;
	}
	*out = a;
	return 0;
}

/* The ids a cached statement with one integer parameter (?1) selects. */
static int
sqlite_ids_by(struct store_sqlite *s, enum stmt which, const char *what,
    gint64 v, GArray **ids, char **cause)
{
	sqlite3_stmt	*q = sqlite_stmt(s, which);

	sqlite3_bind_int64(q, 1, v);
	return sqlite_collect_ids(s, q, what, ids, cause);
}

/* Run a write: 1 when it changed a row, 0 when none, -1 and *cause. */
static int
sqlite_changed(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    char **cause)
{
	if (sqlite_done(s, q, what, cause) != 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* Step a lookup whose first column is a blob: 1 and *value, 0, -1. */
static int
sqlite_lookup_blob(struct store_sqlite *s, sqlite3_stmt *q, const char *what,
    GBytes **value, char **cause)
{
	return sqlite_lookup_row(s, q, what, store_fill_blob, value, cause);
}

static int
sqlite_message_raw(struct store *st, gint64 id, GBytes **raw, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_MESSAGE_RAW);

	sqlite3_bind_int64(q, 1, id);
	return sqlite_lookup_blob(s, q, "message_raw", raw, cause);
}

static int
sqlite_meta_get(struct store *st, const char *key, GBytes **value,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_META_GET);

	bind_text(q, 1, key);
	return sqlite_lookup_blob(s, q, "meta_get", value, cause);
}

static int
sqlite_meta_set(struct store *st, const char *key, GBytes *value,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_META_SET);
	gsize			 len;
	const void		*data = g_bytes_get_data(value, &len);

	bind_text(q, 1, key);
	sqlite3_bind_blob64(q, 2, data, len, SQLITE_STATIC);
	return sqlite_done(s, q, "meta_set", cause);
}

static int
sqlite_message_find(struct store *st, const char *key, gint64 *message,
    gint64 *ticket, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_MESSAGE_FIND);
	gint64			 v[2];
	int			 found;

	bind_text(q, 1, key);
	found = sqlite_lookup_row(s, q, "message_find", store_fill_int2, v,
	    cause);
	if (found == 1) {
		*message = v[0];
		*ticket = v[1];
	}
	return found;
}

static int
sqlite_ticket_exists(struct store *st, gint64 id, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TICKET_EXISTS);

	sqlite3_bind_int64(q, 1, id);
	return sqlite_lookup_int(s, q, "ticket_exists", NULL, cause);
}

static int
sqlite_participant_find(struct store *st, gint64 id, const char *address,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_PARTICIPANT_FIND);

	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, address);
	return sqlite_lookup_int(s, q, "participant_find", NULL, cause);
}

static int
sqlite_participant_add(struct store *st, gint64 id, const char *address,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_PARTICIPANT_ADD);

	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, address);
	return sqlite_done(s, q, "participant_add", cause);
}

static int
sqlite_delivery_add(struct store *st, gint64 message,
    const struct store_delivery *d, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_DELIVERY_INSERT);

	sqlite3_bind_int64(q, 1, message);
	bind_text(q, 2, d->queue);
	bind_text(q, 3, d->address ? d->address : "");
	return sqlite_changed(s, q, "delivery_add", cause);
}

/* What a mail cites, so that the mail it cites can find it later. */
static int
sqlite_refs_add(struct store_sqlite *s, gint64 message, const struct mail *m,
    char **cause)
{
	sqlite3_stmt	*q;

	for (guint i = 0; i <= m->references->len; i++) {
		const char *ref = i < m->references->len ?
		    m->references->pdata[i] : m->in_reply_to;

		if (ref == NULL)
			continue;
		q = sqlite_stmt(s, S_REF_INSERT);
		sqlite3_bind_int64(q, 1, message);
		bind_text(q, 2, ref);
		if (sqlite_done(s, q, "ref_add", cause) != 0)
			return -1;
	}
	return 0;
}

static int
sqlite_deliveries_add(struct store *st, gint64 message, GPtrArray *deliveries,
    char **cause)
{
	for (guint i = 0; deliveries != NULL && i < deliveries->len; i++)
		if (sqlite_delivery_add(st, message, deliveries->pdata[i],
		    cause) < 0)
			return -1;
	return 0;
}

static int
sqlite_ticket_create(struct store *st, struct store_ticket *t, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TICKET_INSERT);

	bind_text(q, 1, t->subject);
	bind_text(q, 2, t->requester_name);
	bind_text(q, 3, t->requester_addr);
	bind_text(q, 4, t->status);
	bind_text(q, 5, t->queue);
	bind_text(q, 6, t->priority);
	sqlite3_bind_int(q, 7, t->attention);
	sqlite3_bind_int64(q, 8, t->created_at);
	bind_name(q, 9, t->assignee);
	if (sqlite_done(s, q, "ticket_create", cause) != 0)
		return -1;
	t->id = sqlite3_last_insert_rowid(s->db);
	t->status_at = t->created_at;
	for (char **tag = t->tags; tag != NULL && *tag != NULL; tag++) {
		q = sqlite_stmt(s, S_TICKET_TAG);
		sqlite3_bind_int64(q, 1, t->id);
		bind_text(q, 2, *tag);
		if (sqlite_done(s, q, "ticket_tag", cause) != 0)
			return -1;
	}
	return 0;
}

static int
sqlite_attachments_add(struct store_sqlite *s, gint64 message,
    const struct mail *mail, char **cause)
{
	for (guint i = 0; i < mail->attachments->len; i++) {
		struct mail_attachment	*a = g_ptr_array_index(mail->attachments, i);
		sqlite3_stmt		*q = sqlite_stmt(s, S_ATTACHMENT_INSERT);
		gsize			 len;
		const void		*data = g_bytes_get_data(a->content, &len);

		sqlite3_bind_int64(q, 1, message);
		bind_text(q, 2, a->name);
		bind_text(q, 3, a->type);
		sqlite3_bind_int64(q, 4, a->size);
		sqlite3_bind_blob64(q, 5, data ? data : "", len, SQLITE_STATIC);
		if (sqlite_done(s, q, "attachment_add", cause) != 0)
			return -1;
	}
	return 0;
}

static int
sqlite_message_add(struct store *st, const struct store_message_in *in,
    gint64 *id, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	const struct mail	*m = in->mail;
	sqlite3_stmt		*q = sqlite_stmt(s, S_MESSAGE_INSERT);
	char			*date = NULL;
	gsize			 len;
	const void		*raw;
	int			 rc;

	if (m->date != NULL)
		date = g_date_time_format(m->date, "%Y-%m-%dT%H:%M:%SZ");
	sqlite3_bind_int64(q, 1, in->ticket_id);
	bind_text(q, 2, in->direction);
	bind_text(q, 3, in->source);
	bind_text(q, 4, in->return_path);
	bind_text(q, 5, in->dedupe_key);
	bind_text(q, 6, m->message_id);
	bind_text(q, 7, m->from_name);
	bind_text(q, 8, m->from_addr);
	bind_text(q, 9, m->to);
	bind_text(q, 10, m->cc);
	bind_text(q, 11, date);
	bind_text(q, 12, m->subject);
	bind_text(q, 13, in->body != NULL ? in->body : m->body);
	sqlite3_bind_int(q, 14, m->parsed);
	sqlite3_bind_int64(q, 15, in->received_at);
	bind_name(q, 16, in->author);
	rc = sqlite_done(s, q, "message_add", cause);
	g_free(date);
	if (rc != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);

	q = sqlite_stmt(s, S_RAW_INSERT);
	raw = g_bytes_get_data(m->raw, &len);
	sqlite3_bind_int64(q, 1, *id);
	sqlite3_bind_blob64(q, 2, raw ? raw : "", len, SQLITE_STATIC);
	if (sqlite_done(s, q, "raw_add", cause) != 0 ||
	    sqlite_attachments_add(s, *id, m, cause) != 0 ||
	    sqlite_refs_add(s, *id, m, cause) != 0 ||
	    sqlite_deliveries_add(st, *id, in->deliveries, cause) != 0)
		return -1;

	q = sqlite_stmt(s, S_TICKET_TOUCH);
	sqlite3_bind_int64(q, 1, in->ticket_id);
	sqlite3_bind_int64(q, 2, in->received_at);
	return sqlite_done(s, q, "ticket_touch", cause);
}

static int
sqlite_event_add(struct store *st, gint64 ticket, gint64 at, const char *type,
    const char *detail, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_EVENT_INSERT);

	sqlite3_bind_int64(q, 1, ticket);
	sqlite3_bind_int64(q, 2, at);
	bind_text(q, 3, type);
	bind_text(q, 4, detail ? detail : "");
	return sqlite_done(s, q, "event_add", cause);
}

/* Fill t->tags, sorted and NULL-terminated: 0, or -1 and *cause. */
static int
sqlite_ticket_tags(struct store_sqlite *s, struct store_ticket *t,
    char **cause)
{
	GPtrArray	*tags;

	if (sqlite_rows_by(s, S_TICKET_TAGS, "ticket_tags", t->id,
	    store_row_text, g_free, &tags, cause) != 0)
		return -1;
	g_ptr_array_add(tags, NULL);
	t->tags = (char **)g_ptr_array_free(tags, FALSE);
	return 0;
}

/*
 * The tickets q selects (STORE_TICKET_COLUMNS), with their tags: for every
 * op that returns a list of tickets.
 */
static int
sqlite_tickets_collect(struct store_sqlite *s, sqlite3_stmt *q,
    const char *what, GPtrArray **out, char **cause)
{
	if (sqlite_collect(s, q, what, store_row_ticket,
	    (GDestroyNotify)store_ticket_free, out, cause) != 0)
		return -1;
	/* Tags are read after the list statement is done with. */
	for (guint i = 0; i < (*out)->len; i++)
		if (sqlite_ticket_tags(s, g_ptr_array_index(*out, i),
		    cause) != 0) {
			g_ptr_array_free(*out, TRUE);
			*out = NULL;
			return -1;
		}
	return 0;
}

static int
sqlite_msgid_referrers(struct store *st, const char *msgid, GPtrArray **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_MSGID_REFERRERS);

	bind_text(q, 1, msgid);
	return sqlite_collect(s, q, "msgid_referrers", store_row_referrer,
	    (GDestroyNotify)store_referrer_free, out, cause);
}

static int
sqlite_msgid_ticket(struct store *st, const char *msgid, const char *prefer,
    gint64 *ticket, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_MSGID_TICKET);

	bind_text(q, 1, msgid);
	bind_text(q, 2, prefer);
	return sqlite_lookup_int(s, q, "msgid_ticket", ticket, cause);
}

static int
sqlite_ticket_list(struct store *st, GPtrArray **out, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;

	return sqlite_tickets_collect(s, sqlite_stmt(s, S_TICKET_LIST),
	    "ticket_list", out, cause);
}

static int
sqlite_ticket_get(struct store *st, gint64 id, struct store_ticket **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TICKET_GET);
	int			 found;

	sqlite3_bind_int64(q, 1, id);
	found = sqlite_lookup_one(s, q, "ticket_get", store_row_ticket,
	    (gpointer *)out, cause);
	if (found == 1 && sqlite_ticket_tags(s, *out, cause) != 0) {
		store_ticket_free(*out);
		*out = NULL;
		return -1;
	}
	return found;
}

static int
sqlite_message_list(struct store *st, gint64 ticket, GPtrArray **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_MESSAGE_LIST);

	sqlite3_bind_int64(q, 1, ticket);
	if (sqlite_collect(s, q, "message_list", store_row_message,
	    (GDestroyNotify)store_message_free, out, cause) != 0)
		return -1;
	for (guint i = 0; i < (*out)->len; i++) {
		struct store_message	*m = g_ptr_array_index(*out, i);

		q = sqlite_stmt(s, S_ATTACHMENT_LIST);
		sqlite3_bind_int64(q, 1, m->id);
		if (sqlite_collect(s, q, "attachment_list",
		    store_row_attachment, NULL, &m->attachments, cause) != 0)
			goto fail;
		q = sqlite_stmt(s, S_DELIVERY_LIST);
		sqlite3_bind_int64(q, 1, m->id);
		if (sqlite_collect(s, q, "delivery_list", store_row_delivery,
		    NULL, &m->deliveries, cause) != 0)
			goto fail;
	}
	return 0;
fail:
	g_ptr_array_free(*out, TRUE);
	return -1;
}

static int
sqlite_event_list(struct store *st, gint64 ticket, GPtrArray **out,
    char **cause)
{
	return sqlite_rows_by((struct store_sqlite *)st, S_EVENT_LIST,
	    "event_list", ticket, store_row_event,
	    (GDestroyNotify)store_event_free, out, cause);
}

static int
sqlite_outbox_add(struct store *st, struct store_outbox *o, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_ADD);
	gsize			 len;
	const void		*data = g_bytes_get_data(o->data, &len);

	if (o->ticket_id > 0)
		sqlite3_bind_int64(q, 1, o->ticket_id);
	bind_text(q, 2, o->kind);
	bind_text(q, 3, o->envelope_from);
	bind_text(q, 4, o->rcpt);
	bind_text(q, 5, o->message_id);
	sqlite3_bind_blob64(q, 6, data ? data : "", len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, o->created_at);
	if (sqlite_done(s, q, "outbox_add", cause) != 0)
		return -1;
	o->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static gint
sqlite_outbox_order(gconstpointer a, gconstpointer b)
{
	const struct store_outbox *x = *(struct store_outbox *const *)a;
	const struct store_outbox *y = *(struct store_outbox *const *)b;

	if (x->next_attempt_at != y->next_attempt_at)
		return x->next_attempt_at < y->next_attempt_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The rows an UPDATE ... RETURNING gave, oldest first. */
static int
sqlite_outbox_returning(struct store_sqlite *s, sqlite3_stmt *q,
    const char *what, GPtrArray **out, char **cause)
{
	if (sqlite_collect(s, q, what, store_row_outbox,
	    (GDestroyNotify)store_outbox_free, out, cause) != 0)
		return -1;
	/* RETURNING promises no order. */
	g_ptr_array_sort(*out, sqlite_outbox_order);
	return 0;
}

static int
sqlite_outbox_claim(struct store *st, gint64 now, guint limit,
    const char *owner, GPtrArray **out, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_CLAIM);

	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int(q, 2, limit);
	bind_text(q, 3, owner);
	return sqlite_outbox_returning(s, q, "outbox_claim", out, cause);
}

static int
sqlite_outbox_unclaim(struct store *st, const char *owner, GPtrArray **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_UNCLAIM);

	bind_text(q, 1, owner);
	return sqlite_outbox_returning(s, q, "outbox_unclaim", out, cause);
}

static int
sqlite_outbox_next(struct store *st, gint64 *when, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;

	return sqlite_lookup_int(s, sqlite_stmt(s, S_OUTBOX_NEXT), "outbox_next",
	    when, cause);
}

static int
sqlite_outbox_update(struct store *st, const struct store_outbox *o,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_UPDATE);

	sqlite3_bind_int64(q, 1, o->id);
	bind_text(q, 2, o->status);
	sqlite3_bind_int(q, 3, o->attempts);
	sqlite3_bind_int64(q, 4, o->next_attempt_at);
	if (o->sent_at > 0)
		sqlite3_bind_int64(q, 5, o->sent_at);
	bind_text(q, 6, o->last_error);
	return sqlite_done(s, q, "outbox_update", cause);
}

static int
sqlite_outbox_list(struct store *st, gint64 ticket, GPtrArray **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q;

	if (ticket > 0) {
		q = sqlite_stmt(s, S_OUTBOX_LIST_TICKET);
		sqlite3_bind_int64(q, 1, ticket);
	} else
		q = sqlite_stmt(s, S_OUTBOX_LIST);
	return sqlite_collect(s, q, "outbox_list", store_row_outbox,
	    (GDestroyNotify)store_outbox_free, out, cause);
}

static int
sqlite_outbox_summary(struct store *st, gint64 since,
    struct store_outbox_summary *sum, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_SUMMARY);

	sqlite3_bind_int64(q, 1, since);
	return sqlite_lookup_agg(s, q, "outbox_summary",
	    store_fill_outbox_summary, sum, cause);
}

static int
sqlite_count(struct store_sqlite *s, sqlite3_stmt *q, guint *n, char **cause)
{
	gint64	 v = 0;

	if (sqlite_lookup_int(s, q, "count", &v, cause) < 0)
		return -1;
	*n = v;
	return 0;
}

static int
sqlite_autoreply_count(struct store *st, const char *address, gint64 ticket,
    gint64 since, guint *to_address, guint *for_ticket, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_AUTOREPLY_COUNT_ADDRESS);

	bind_text(q, 1, address);
	sqlite3_bind_int64(q, 2, since);
	if (sqlite_count(s, q, to_address, cause) != 0)
		return -1;
	q = sqlite_stmt(s, S_AUTOREPLY_COUNT_TICKET);
	sqlite3_bind_int64(q, 1, ticket);
	sqlite3_bind_int64(q, 2, since);
	return sqlite_count(s, q, for_ticket, cause);
}

static int
sqlite_autoreply_count_pair(struct store *st, const char *address,
    gint64 ticket, gint64 since, guint *count, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_AUTOREPLY_COUNT_PAIR);

	bind_text(q, 1, address);
	sqlite3_bind_int64(q, 2, ticket);
	sqlite3_bind_int64(q, 3, since);
	return sqlite_count(s, q, count, cause);
}

static int
sqlite_autoreply_add(struct store *st, const char *address, gint64 ticket,
    gint64 at, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_AUTOREPLY_ADD);

	bind_text(q, 1, address);
	sqlite3_bind_int64(q, 2, ticket);
	sqlite3_bind_int64(q, 3, at);
	return sqlite_done(s, q, "autoreply_add", cause);
}

static int
sqlite_outbox_by_msgid(struct store *st, const char *msgid,
    struct store_outbox **out, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_BY_MSGID);

	bind_text(q, 1, msgid);
	return sqlite_lookup_one(s, q, "outbox_by_msgid", store_row_outbox,
	    (gpointer *)out, cause);
}

static int
sqlite_outbox_get(struct store *st, gint64 id, struct store_outbox **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_GET);

	sqlite3_bind_int64(q, 1, id);
	return sqlite_lookup_one(s, q, "outbox_get", store_row_outbox,
	    (gpointer *)out, cause);
}

static int
sqlite_outbox_admin(struct store *st, gint64 id, int cancel, gint64 now,
    struct store_outbox **out, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, cancel ? S_OUTBOX_CANCEL :
				    S_OUTBOX_RETRY);

	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, now);
	return sqlite_lookup_one(s, q, cancel ? "outbox_cancel" :
	    "outbox_retry", store_row_outbox, (gpointer *)out, cause);
}

static int
sqlite_outbox_report(struct store *st, gint64 id, const char *status,
    const char *last_error, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_OUTBOX_REPORT);

	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, status);
	bind_text(q, 3, last_error);
	return sqlite_done(s, q, "outbox_report", cause);
}

static int
sqlite_bounce_add(struct store *st, const char *address, gint64 ticket,
    gint64 at, const char *status, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_BOUNCE_ADD);

	bind_text(q, 1, address);
	sqlite3_bind_int64(q, 2, ticket);
	sqlite3_bind_int64(q, 3, at);
	bind_text(q, 4, status);
	return sqlite_done(s, q, "bounce_add", cause);
}

static int
sqlite_bounce_since(struct store *st, const char *address, gint64 since,
    gint64 *at, char **status, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_BOUNCE_SINCE);
	struct store_bounce_out	 b = { at, status };

	bind_text(q, 1, address);
	sqlite3_bind_int64(q, 2, since);
	return sqlite_lookup_row(s, q, "bounce_since", store_fill_bounce, &b,
	    cause);
}

static int
sqlite_imap_state_get(struct store *st, const char *account,
    const char *mailbox, guint32 *uidvalidity, guint32 *last_uid, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_IMAP_STATE_GET);
	gint64			 v[2];
	int			 found;

	bind_text(q, 1, account);
	bind_text(q, 2, mailbox);
	found = sqlite_lookup_row(s, q, "imap_state_get", store_fill_int2, v,
	    cause);
	if (found == 1) {
		*uidvalidity = v[0];
		*last_uid = v[1];
	}
	return found;
}

static int
sqlite_imap_state_set(struct store *st, const char *account,
    const char *mailbox, guint32 uidvalidity, guint32 last_uid, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_IMAP_STATE_SET);

	bind_text(q, 1, account);
	bind_text(q, 2, mailbox);
	sqlite3_bind_int64(q, 3, uidvalidity);
	sqlite3_bind_int64(q, 4, last_uid);
	return sqlite_done(s, q, "imap_state_set", cause);
}

static void
bind_imap_uid(sqlite3_stmt *q, const char *account, const char *mailbox,
    guint32 uidvalidity, guint32 uid)
{
	bind_text(q, 1, account);
	bind_text(q, 2, mailbox);
	sqlite3_bind_int64(q, 3, uidvalidity);
	sqlite3_bind_int64(q, 4, uid);
}

static int
sqlite_imap_failure_count(struct store *st, const char *account,
    const char *mailbox, guint32 uidvalidity, guint32 uid, guint *count,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_IMAP_FAILURE_COUNT);
	gint64			 n = 0;

	bind_imap_uid(q, account, mailbox, uidvalidity, uid);
	if (sqlite_lookup_int(s, q, "imap_failure_count", &n, cause) < 0)
		return -1;
	*count = n;
	return 0;
}

static int
sqlite_imap_failure_add(struct store *st, const char *account,
    const char *mailbox, guint32 uidvalidity, guint32 uid, const char *error,
    guint *count, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_IMAP_FAILURE_ADD);

	bind_imap_uid(q, account, mailbox, uidvalidity, uid);
	bind_text(q, 5, error);
	if (sqlite_done(s, q, "imap_failure_add", cause) != 0)
		return -1;
	return sqlite_imap_failure_count(st, account, mailbox, uidvalidity,
	    uid, count, cause);
}

static int
sqlite_ticket_attention(struct store *st, gint64 id, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TICKET_ATTENTION);

	sqlite3_bind_int64(q, 1, id);
	return sqlite_done(s, q, "ticket_attention", cause);
}

static int
sqlite_imap_failure_clear(struct store *st, const char *account,
    const char *mailbox, guint32 uidvalidity, guint32 uid, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_IMAP_FAILURE_CLEAR);

	bind_imap_uid(q, account, mailbox, uidvalidity, uid);
	return sqlite_done(s, q, "imap_failure_clear", cause);
}

static int
sqlite_ticket_update(struct store *st, const struct store_ticket *t,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TICKET_UPDATE);
	int			 changed;

	sqlite3_bind_int64(q, 1, t->id);
	bind_text(q, 2, t->status);
	sqlite3_bind_int64(q, 3, t->status_at);
	bind_text(q, 4, t->priority);
	bind_name(q, 5, t->assignee);
	sqlite3_bind_int(q, 6, t->attention);
	sqlite3_bind_int64(q, 7, t->updated_at);
	bind_text(q, 8, t->queue);
	changed = sqlite_changed(s, q, "ticket_update", cause);
	if (changed == 0)
		*cause = g_strdup_printf("ticket %" G_GINT64_FORMAT ": no such "
		    "ticket to update", t->id);
	return changed == 1 ? 0 : -1;
}

/* Run a tag statement (?1 ticket, ?2 tag): 1 changed, 0 not, -1. */
static int
sqlite_tag_change(struct store *st, enum stmt which, const char *what,
    gint64 ticket, const char *tag, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, which);

	sqlite3_bind_int64(q, 1, ticket);
	bind_text(q, 2, tag);
	return sqlite_changed(s, q, what, cause);
}

static int
sqlite_tag_add(struct store *st, gint64 ticket, const char *tag, char **cause)
{
	return sqlite_tag_change(st, S_TICKET_TAG, "tag_add", ticket, tag,
	    cause);
}

static int
sqlite_tag_remove(struct store *st, gint64 ticket, const char *tag,
    char **cause)
{
	return sqlite_tag_change(st, S_TAG_REMOVE, "tag_remove", ticket, tag,
	    cause);
}

/*
 * ticket_find's statement: fixed fragments, one per filter field in
 * use, each "?" with its value kept to bind in the same order.
 */
struct sqlite_query {
	GString		*sql;
	GArray		*values;	/* struct sqlite_value, one per "?" */
};

struct sqlite_value {
	const char	*text;		/* bound as text; NULL: num instead */
	gint64		 num;
};

/* Append a fragment holding one "?", and the value it takes. */
static void
query_add(struct sqlite_query *qb, const char *fragment, const char *text,
    gint64 num)
{
	struct sqlite_value	 v = { text, num };

	g_string_append(qb->sql, fragment);
	g_array_append_val(qb->values, v);
}

static void
query_statuses(struct sqlite_query *qb, const char *const *statuses)
{
	if (statuses[0] == NULL) {
		g_string_append(qb->sql, " AND 0");	/* one of none */
		return;
	}
	query_add(qb, " AND t.status IN (?", statuses[0], 0);
	for (const char *const *p = statuses + 1; *p != NULL; p++)
		query_add(qb, ", ?", *p, 0);
	g_string_append_c(qb->sql, ')');
}

static void
query_order(struct sqlite_query *qb, const struct store_filter *f)
{
	const char	*dir = f->descending ? " DESC" : "";

	switch (f->sort) {
	case STORE_SORT_ID:
		g_string_append(qb->sql, " ORDER BY ");
		break;
	case STORE_SORT_UPDATED:
		g_string_append_printf(qb->sql, " ORDER BY t.updated_at%s, ",
		    dir);
		break;
	case STORE_SORT_PRIORITY:
		g_string_append_printf(qb->sql, " ORDER BY CASE t.priority "
		    "WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' "
		    "THEN 2 ELSE 3 END%s, ", dir);
		break;
	}
	g_string_append_printf(qb->sql, "t.id%s", dir);
}

static void
query_filter(struct sqlite_query *qb, const struct store_filter *f)
{
	g_string_append(qb->sql, "SELECT " STORE_TICKET_COLUMNS " FROM tickets t "
	    "WHERE 1");
	if (f->statuses != NULL)
		query_statuses(qb, f->statuses);
	if (f->queue != NULL)
		query_add(qb, " AND t.queue = ?", f->queue, 0);
	if (f->assignee != NULL && *f->assignee == '\0')
		g_string_append(qb->sql, " AND t.assignee IS NULL");
	else if (f->assignee != NULL)
		query_add(qb, " AND t.assignee = ?", f->assignee, 0);
	/* A semi-join, as EXISTS would be, but one that uses tags_tag. */
	if (f->tag != NULL)
		query_add(qb, " AND t.id IN (SELECT g.ticket_id FROM tags g "
		    "WHERE g.tag = ?)", f->tag, 0);
	if (f->requester != NULL)
		query_add(qb, " AND lower(t.requester_addr) = lower(?)",
		    f->requester, 0);
	if (f->exclude != 0)
		query_add(qb, " AND t.id <> ?", NULL, f->exclude);
	if (f->since != 0)
		query_add(qb, " AND t.updated_at >= ?", NULL, f->since);
	query_order(qb, f);
	if (f->limit > 0 || f->offset > 0)
		query_add(qb, " LIMIT ?", NULL, f->limit > 0 ? (gint64)f->limit : -1);
	if (f->offset > 0)
		query_add(qb, " OFFSET ?", NULL, f->offset);
}

/* Prepare the built statement and bind its values: NULL and *cause. */
static sqlite3_stmt *
query_prepare(struct store_sqlite *s, const struct sqlite_query *qb,
    const char *what, char **cause)
{
	sqlite3_stmt	*q;

	log_trace(TRACE_SQL, "sql: %s", qb->sql->str);
	if (sqlite3_prepare_v2(s->db, qb->sql->str, -1, &q, NULL) != SQLITE_OK) {
		*cause = sqlite_cause(s, what);
		return NULL;
	}
	for (guint i = 0; i < qb->values->len; i++) {
		const struct sqlite_value *v = &g_array_index(qb->values,
		    struct sqlite_value, i);

		if (v->text != NULL)
			bind_text(q, i + 1, v->text);
		else
			sqlite3_bind_int64(q, i + 1, v->num);
	}
	return q;
}

/*
 * Prepared per call, not cached: the text depends on which fields are
 * set and on how many statuses are listed, and one fixed statement
 * ("?1 IS NULL OR ...") would keep SQLite from using the indexes.
 * Preparing costs tens of microseconds, little beside the query.
 */
static int
sqlite_ticket_find(struct store *st, const struct store_filter *f,
    GPtrArray **out, char **cause)
{
	static const struct store_filter	 all;
	struct store_sqlite			*s = (struct store_sqlite *)st;
	struct sqlite_query			 qb;
	sqlite3_stmt				*q;
	int					 rc = -1;

	qb.sql = g_string_new(NULL);
	qb.values = g_array_new(FALSE, FALSE, sizeof(struct sqlite_value));
	query_filter(&qb, f != NULL ? f : &all);
	if ((q = query_prepare(s, &qb, "ticket_find", cause)) != NULL) {
		rc = sqlite_tickets_collect(s, q, "ticket_find", out, cause);
		sqlite3_finalize(q);
	}
	g_string_free(qb.sql, TRUE);
	g_array_free(qb.values, TRUE);
	return rc;
}

/*
 * ticketd_scan(terms, subject, body, addresses) of a message: its rank
 * (search_rank()) if it holds every term, else NULL. The terms are one
 * string, separated by newlines, which a folded term never holds.
 */
#define SCAN_RANK "ticketd_scan(?, m.subject, m.body, " FTS_ADDRESSES ")"

/* How search goes about a query: what the index can do, and the rest. */
struct sqlite_plan {
	char		*match;		/* the MATCH expression, or NULL */
	GString		*phrases;	/* its phrases' terms (search.h) */
	char		*rest;		/* terms it leaves out, or NULL */
	char		*all;		/* every term */
	int		 none;		/* a term no indexed message holds */
	gint64		 mark;		/* the newest message indexed */
	gint64		 last;		/* the newest message */
};

/*
 * The trigrams that start a two-character term: a NULL-terminated list
 * (empty: no indexed message holds it), or NULL when there are too many
 * to look up together.
 */
static int
sqlite_expand(struct store_sqlite *s, const char *term, char ***out,
    char **cause)
{
	sqlite3_stmt	*q = sqlite_stmt(s, S_FTS_TERMS);
	GPtrArray	*terms;
	int		 rc;

	bind_text(q, 1, term);
	sqlite3_bind_int(q, 2, SEARCH_EXPAND_MAX + 1);
	if (sqlite_collect(s, q, "fts_terms", store_row_text, g_free, &terms,
	    cause) != 0)
		return -1;
	rc = terms->len <= SEARCH_EXPAND_MAX;
	g_ptr_array_add(terms, NULL);
	*out = (char **)g_ptr_array_free(terms, !rc);
	return 0;
}

static void
sqlite_expansions_free(char ***expand, guint n)
{
	for (guint i = 0; i < n; i++)
		g_strfreev(expand[i]);
	g_free(expand);
}

static int	 sqlite_search_backlog(struct store *, gint64 *, gint64 *,
		    char **);

static int
sqlite_plan(struct store_sqlite *s, char *const *terms, struct sqlite_plan *p,
    char **cause)
{
	guint		 n = g_strv_length((char **)terms);
	char		***expand = g_new0(char **, n);
	GPtrArray	*rest = g_ptr_array_new();
	int		 rc;

	rc = sqlite_search_backlog(&s->store, &p->mark, &p->last, cause);
	for (guint i = 0; i < n && rc == 0; i++) {
		if (search_expandable(terms[i]))
			rc = sqlite_expand(s, terms[i], &expand[i], cause);
		if (!search_indexed(terms[i]) && expand[i] == NULL)
			g_ptr_array_add(rest, terms[i]);
		else if (expand[i] != NULL && expand[i][0] == NULL)
			p->none = 1;
	}
	p->phrases = g_string_new(NULL);
	if (rc == 0 && !p->none)
		p->match = search_fts5_match(terms, expand, p->phrases);
	g_ptr_array_add(rest, NULL);
	if (rest->len > 1)
		p->rest = g_strjoinv("\n", (char **)rest->pdata);
	p->all = g_strjoinv("\n", (char **)terms);
	g_ptr_array_free(rest, TRUE);
	sqlite_expansions_free(expand, n);
	return rc;
}

static void
sqlite_plan_clear(struct sqlite_plan *p)
{
	g_free(p->match);
	g_string_free(p->phrases, TRUE);
	g_free(p->rest);
	g_free(p->all);
}

/*
 * What the index finds: the long terms, and the two-character ones as
 * the trigrams they start, match; the queue and the terms left out
 * filter; the newest q->ranked of those are ranked, each by its own
 * terms' counts alone (bm25's idf would read every match of a common
 * word: a third of a second for one in half of a million messages).
 */
static void
query_search_index(struct sqlite_query *qb, const struct store_search *q,
    const struct sqlite_plan *p)
{
	query_add(qb, "SELECT " STORE_HIT_COLUMNS ", r.rank AS rank FROM (SELECT "
	    "messages_fts.rowid AS id, ticketd_rank(messages_fts, ?)",
	    p->phrases->str, 0);
	if (p->rest != NULL)
		query_add(qb, " + " SCAN_RANK, p->rest, 0);
	query_add(qb, " AS rank FROM messages_fts JOIN messages m ON m.id = "
	    "messages_fts.rowid JOIN tickets t ON t.id = m.ticket_id WHERE "
	    "messages_fts MATCH ?", p->match, 0);
	query_add(qb, " AND messages_fts.rowid <= ?", NULL, p->mark);
	if (q->queue != NULL)
		query_add(qb, " AND t.queue = ?", q->queue, 0);
	if (p->rest != NULL)
		query_add(qb, " AND " SCAN_RANK " IS NOT NULL", p->rest, 0);
	query_add(qb, " ORDER BY messages_fts.rowid DESC LIMIT ?) r JOIN "
	    "messages m ON m.id = r.id JOIN tickets t ON t.id = m.ticket_id",
	    NULL, q->ranked);
}

/*
 * What a scan finds: the newest n messages after message after, each
 * read and folded (about 15 us), matched and ranked as the index would.
 * Its LIMIT keeps the subquery apart, so each is folded once.
 */
static void
query_search_scan(struct sqlite_query *qb, const struct store_search *q,
    const struct sqlite_plan *p, gint64 after, guint n)
{
	query_add(qb, "SELECT " STORE_HIT_COLUMNS ", s.rank AS rank FROM (SELECT "
	    "m.id AS id, " SCAN_RANK, p->all, 0);
	query_add(qb, " AS rank FROM messages m JOIN tickets t ON t.id = "
	    "m.ticket_id WHERE m.id > ?", NULL, after);
	if (q->queue != NULL)
		query_add(qb, " AND t.queue = ?", q->queue, 0);
	query_add(qb, " ORDER BY m.id DESC LIMIT ?) s JOIN messages m ON "
	    "m.id = s.id JOIN tickets t ON t.id = m.ticket_id WHERE s.rank IS "
	    "NOT NULL", NULL, n);
}

/*
 * search's statement: what the index holds up to its mark, and a scan
 * of the messages after it (the last second's, usually; more while it
 * is being built), the best of both. With no term the index can take,
 * a scan of the newest q->scan messages alone.
 */
static void
query_search(struct sqlite_query *qb, const struct store_search *q,
    const struct sqlite_plan *p)
{
	if (p->match != NULL || p->none) {
		if (p->match != NULL) {
			query_search_index(qb, q, p);
			g_string_append(qb->sql, " UNION ALL ");
		}
		query_search_scan(qb, q, p, p->mark, q->tail);
	} else
		query_search_scan(qb, q, p, 0, q->scan);
	query_add(qb, " ORDER BY rank, 1 DESC LIMIT ?", NULL, q->limit);
}

/* Built per call, as ticket_find's: the terms decide its shape. */
static int
sqlite_search(struct store *st, const struct store_search *sq,
    GPtrArray **out, struct store_search_note *note, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	struct sqlite_query	 qb;
	struct sqlite_plan	 p = { 0 };
	sqlite3_stmt		*q;
	int			 rc = -1;

	qb.sql = g_string_new(NULL);
	qb.values = g_array_new(FALSE, FALSE, sizeof(struct sqlite_value));
	if (sqlite_plan(s, sq->terms, &p, cause) == 0) {
		query_search(&qb, sq, &p);
		if ((q = query_prepare(s, &qb, "search", cause)) != NULL) {
			rc = sqlite_collect(s, q, "search", store_row_hit,
			    (GDestroyNotify)store_hit_free, out, cause);
			sqlite3_finalize(q);
		}
	}
	note->window = p.match == NULL && !p.none;
	note->unread = note->window ? 0 : MAX(0, p.last - p.mark -
	    (gint64)sq->tail);
	sqlite_plan_clear(&p);
	g_string_free(qb.sql, TRUE);
	g_array_free(qb.values, TRUE);
	return rc;
}

static int
sqlite_search_backlog(struct store *st, gint64 *mark, gint64 *last,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	gint64			 v[2];

	if (sqlite_lookup_agg(s, sqlite_stmt(s, S_SEARCH_STATE), "search_state",
	    store_fill_int2, v, cause) != 0)
		return -1;
	*mark = v[0];
	*last = v[1];
	return 0;
}

/*
 * Where a batch of at most max messages after mark, about max_bytes of
 * text (0: any), ends: a message at least, and none when there is none.
 */
static int
sqlite_search_batch(struct store_sqlite *s, gint64 mark, guint max,
    gsize max_bytes, gint64 *upto, guint *n, char **cause)
{
	sqlite3_stmt	*q = sqlite_stmt(s, S_SEARCH_PENDING);
	gsize		 bytes = 0;
	int		 rc;

	*upto = mark;
	*n = 0;
	sqlite3_bind_int64(q, 1, mark);
	sqlite3_bind_int(q, 2, max);
	for (;;) {
		if (max_bytes > 0 && bytes >= max_bytes) {
			rc = SQLITE_DONE;
			break;
		}
		if ((rc = sqlite3_step(q)) != SQLITE_ROW)
			break;
		*upto = sqlite3_column_int64(q, 0);
		bytes += sqlite3_column_int64(q, 1);
		(*n)++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		*cause = sqlite_cause(s, "search_pending");
		return -1;
	}
	return 0;
}

/*
 * One statement for the whole batch: FTS5 writes what it gathered at
 * the end of each statement (a savepoint), so a statement a message
 * made a segment each, and merging them cost 50 times the indexing.
 * The batch is cut by the size of its text, which is what indexing
 * takes time by (about 0.1 us an octet).
 */
static int
sqlite_search_index(struct store *st, guint max, gsize max_bytes,
    guint *indexed, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	gint64			 mark, last, upto;
	sqlite3_stmt		*q;

	*indexed = 0;
	if (sqlite_search_backlog(st, &mark, &last, cause) != 0 ||
	    sqlite_search_batch(s, mark, max, max_bytes, &upto, indexed,
	    cause) != 0)
		return -1;
	if (*indexed == 0)
		return 0;
	q = sqlite_stmt(s, S_FTS_INSERT);
	sqlite3_bind_int64(q, 1, mark);
	sqlite3_bind_int64(q, 2, upto);
	if (sqlite_done(s, q, "fts_insert", cause) != 0)
		return -1;
	q = sqlite_stmt(s, S_SEARCH_MARK);
	sqlite3_bind_int64(q, 1, upto);
	return sqlite_done(s, q, "search_mark", cause);
}

static int
sqlite_link_add(struct store *st, gint64 a, gint64 b, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q;

	if (a == b) {
		*cause = g_strdup_printf("ticket %" G_GINT64_FORMAT ": cannot "
		    "be linked to itself", a);
		return -1;
	}
	q = sqlite_stmt(s, S_LINK_ADD);
	sqlite3_bind_int64(q, 1, a);
	sqlite3_bind_int64(q, 2, b);
	return sqlite_done(s, q, "link_add", cause);
}

static int
sqlite_link_list(struct store *st, gint64 id, GArray **ids, char **cause)
{
	return sqlite_ids_by((struct store_sqlite *)st, S_LINK_LIST,
	    "link_list", id, ids, cause);
}

static int
sqlite_tickets_live(struct store *st, gint64 after, guint limit, GArray **ids,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TICKETS_LIVE);

	sqlite3_bind_int64(q, 1, after);
	sqlite3_bind_int64(q, 2, limit);
	return sqlite_collect_ids(s, q, "tickets_live", ids, cause);
}

static int
sqlite_participant_list(struct store *st, gint64 ticket, GPtrArray **out,
    char **cause)
{
	return sqlite_rows_by((struct store_sqlite *)st, S_PARTICIPANT_LIST,
	    "participant_list", ticket, store_row_text, g_free, out, cause);
}

static int
sqlite_ticket_authors(struct store *st, gint64 ticket, GPtrArray **names,
    char **cause)
{
	return sqlite_rows_by((struct store_sqlite *)st, S_TICKET_AUTHORS,
	    "ticket_authors", ticket, store_row_text, g_free, names, cause);
}

static int
sqlite_requester_facts(struct store *st, const char *address, guint *open,
    int *first, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_REQUESTER_FACTS);
	struct store_facts_out	 f = { open, first };

	bind_text(q, 1, address);
	/* An aggregate: there is always a row. */
	return sqlite_lookup_row(s, q, "requester_facts", store_fill_facts, &f,
	    cause) == 1 ? 0 : -1;
}

static int
sqlite_sla_get(struct store *st, gint64 ticket, struct store_sla *out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_SLA_GET);

	memset(out, 0, sizeof(*out));
	out->first_response_met = out->resolution_met = -1;
	sqlite3_bind_int64(q, 1, ticket);
	return sqlite_lookup_row(s, q, "sla_get", store_fill_sla, out, cause);
}

static int
sqlite_sla_put(struct store *st, gint64 ticket, const struct store_sla *in,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_SLA_PUT);
	const gint64		 v[] = { in->first_response_at,
				    in->first_response_wall,
				    in->first_response_business,
				    in->first_response_met, in->resolved_at,
				    in->resolution_wall, in->resolution_business,
				    in->resolution_met, in->reopens,
				    in->agent_replies, in->paused_since,
				    in->paused_wall, in->paused_business,
				    in->waiting_since, in->reopened_at };

	sqlite3_bind_int64(q, 1, ticket);
	bind_text(q, 2, in->policy);
	for (guint i = 0; i < G_N_ELEMENTS(v); i++)
		sqlite3_bind_int64(q, 3 + i, v[i]);
	return sqlite_done(s, q, "sla_put", cause);
}

static int
sqlite_sla_wait_add(struct store *st, gint64 ticket,
    const struct store_sla_wait *w, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_SLA_WAIT_ADD);

	sqlite3_bind_int64(q, 1, ticket);
	sqlite3_bind_int64(q, 2, w->since);
	sqlite3_bind_int64(q, 3, w->answered_at);
	sqlite3_bind_int64(q, 4, w->wall);
	sqlite3_bind_int64(q, 5, w->business);
	sqlite3_bind_int(q, 6, w->met);
	return sqlite_done(s, q, "sla_wait_add", cause);
}

static int
sqlite_sla_wait_list(struct store *st, gint64 ticket, GArray **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_SLA_WAIT_LIST);

	*out = g_array_new(FALSE, FALSE, sizeof(struct store_sla_wait));
	sqlite3_bind_int64(q, 1, ticket);
	if (sqlite_each(s, q, "sla_wait_list", store_fill_sla_wait_add, *out,
	    cause) == 0)
		return 0;
	g_array_free(*out, TRUE);
	*out = NULL;
	return -1;
}

static int
sqlite_timer_set(struct store *st, gint64 ticket, const struct store_timer *want,
    guint n, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TIMER_CLEAR_UNFIRED);

	sqlite3_bind_int64(q, 1, ticket);
	if (sqlite_done(s, q, "timer_set", cause) != 0)
		return -1;
	for (guint i = 0; i < n; i++) {
		q = sqlite_stmt(s, S_TIMER_PUT);
		sqlite3_bind_int64(q, 1, ticket);
		bind_text(q, 2, want[i].kind);
		sqlite3_bind_int64(q, 3, want[i].due);
		sqlite3_bind_int64(q, 4, want[i].basis);
		if (sqlite_done(s, q, "timer_set", cause) != 0)
			return -1;
	}
	return 0;
}

static int
sqlite_timer_clear(struct store *st, gint64 ticket, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TIMER_CLEAR);

	sqlite3_bind_int64(q, 1, ticket);
	return sqlite_done(s, q, "timer_clear", cause);
}

static int
sqlite_timer_due(struct store *st, gint64 now, guint limit, GArray **out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TIMER_DUE);

	*out = g_array_new(FALSE, FALSE, sizeof(struct store_timer));
	g_array_set_clear_func(*out, store_timer_clear);
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, limit);
	if (sqlite_each(s, q, "timer_due", store_fill_timer_add, *out, cause) == 0)
		return 0;
	g_array_free(*out, TRUE);
	*out = NULL;
	return -1;
}

static int
sqlite_timer_fired(struct store *st, gint64 ticket, const char *kind,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TIMER_FIRED);

	sqlite3_bind_int64(q, 1, ticket);
	bind_text(q, 2, kind);
	return sqlite_done(s, q, "timer_fired", cause);
}

static int
sqlite_timer_retry(struct store *st, gint64 ticket, const char *kind,
    gint64 due, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_TIMER_RETRY);

	sqlite3_bind_int64(q, 1, ticket);
	bind_text(q, 2, kind);
	sqlite3_bind_int64(q, 3, due);
	return sqlite_done(s, q, "timer_retry", cause);
}

static int
sqlite_timer_next(struct store *st, gint64 *due, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;

	return sqlite_lookup_int(s, sqlite_stmt(s, S_TIMER_NEXT), "timer_next",
	    due, cause);
}

static int
sqlite_report_tickets(struct store *st, gint64 from, gint64 to,
    const char *queue, void (*each)(const struct store_report_ticket *,
    gpointer), gpointer arg, char **cause)
{
	struct store_sqlite		*s = (struct store_sqlite *)st;
	sqlite3_stmt			*q = sqlite_stmt(s, S_REPORT_TICKETS);
	struct store_report_each	 e = { .ticket = each, .arg = arg };

	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_int64(q, 2, to);
	bind_text(q, 3, queue);
	return sqlite_each(s, q, "report_tickets",
	    store_report_ticket_row, &e, cause);
}

static int
sqlite_report_waits(struct store *st, gint64 from, gint64 to,
    const char *queue, void (*each)(const struct store_report_ticket *,
    const struct store_sla_wait *, gpointer), gpointer arg, char **cause)
{
	struct store_sqlite		*s = (struct store_sqlite *)st;
	sqlite3_stmt			*q = sqlite_stmt(s, S_REPORT_WAITS);
	struct store_report_each	 e = { .wait = each, .arg = arg };

	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_int64(q, 2, to);
	bind_text(q, 3, queue);
	return sqlite_each(s, q, "report_waits",
	    store_report_wait_row, &e, cause);
}

static int
sqlite_report_tags(struct store *st, gint64 to, void (*each)(gint64,
    const char *, gpointer), gpointer arg, char **cause)
{
	struct store_sqlite		*s = (struct store_sqlite *)st;
	sqlite3_stmt			*q = sqlite_stmt(s, S_REPORT_TAGS);
	struct store_report_each	 e = { .tag = each, .arg = arg };

	sqlite3_bind_int64(q, 1, to);
	return sqlite_each(s, q, "report_tags", store_report_tag_row,
	    &e, cause);
}

static int
sqlite_csat_get(struct store *st, gint64 ticket, struct store_csat *out,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_CSAT_GET);

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(q, 1, ticket);
	return sqlite_lookup_row(s, q, "csat_get", store_fill_csat, out,
	    cause);
}

static int
sqlite_csat_put(struct store *st, gint64 ticket, const struct store_csat *c,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_CSAT_PUT);

	sqlite3_bind_int64(q, 1, ticket);
	sqlite3_bind_int64(q, 2, c->survey_at);
	bind_text(q, 3, c->survey_msgid);
	sqlite3_bind_int(q, 4, c->rating);
	bind_text(q, 5, c->comment);
	sqlite3_bind_int64(q, 6, c->rated_at);
	return sqlite_done(s, q, "csat_put", cause);
}

static int
sqlite_csat_by_msgid(struct store *st, const char *msgid, gint64 *ticket,
    char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_CSAT_BY_MSGID);

	bind_text(q, 1, msgid);
	return sqlite_lookup_int(s, q, "csat_by_msgid", ticket, cause);
}

static int
sqlite_notify_add(struct store *st, struct store_notify *n, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_NOTIFY_ADD);

	sqlite3_bind_int64(q, 1, n->ticket_id);
	sqlite3_bind_int(q, 2, n->kind);
	bind_text(q, 3, n->actor);
	bind_text(q, 4, n->text);
	sqlite3_bind_int64(q, 5, n->message_id);
	sqlite3_bind_int64(q, 6, n->created_at);
	if (sqlite_done(s, q, "notify_add", cause) != 0)
		return -1;
	n->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int
sqlite_notify_list(struct store *st, guint limit, GPtrArray **out,
    char **cause)
{
	return sqlite_rows_by((struct store_sqlite *)st, S_NOTIFY_LIST,
	    "notify_list", limit, store_row_notify,
	    (GDestroyNotify)store_notify_free, out, cause);
}

static int
sqlite_notify_delete(struct store *st, gint64 id, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	sqlite3_stmt		*q = sqlite_stmt(s, S_NOTIFY_DELETE);

	sqlite3_bind_int64(q, 1, id);
	return sqlite_done(s, q, "notify_delete", cause);
}

/* sqlite3's progress handler: non-zero interrupts the statement. */
static int
sqlite_past(void *arg)
{
	return g_get_monotonic_time() >= *(gint64 *)arg;
}

static int
sqlite_stats_outbox(struct store_sqlite *s, struct store_stats *out,
    char **cause)
{
	return sqlite_outbox_summary(&s->store, 0, &out->outbox, cause);
}

/* Wait for a lock no longer than what is left until then. */
static void
sqlite_budget(struct store_sqlite *s, gint64 until)
{
	sqlite3_busy_timeout(s->db, MAX(1, (until - g_get_monotonic_time()) /
	    1000));
}

/* Each part bounded by what is left of the time: a lock, a slow disk. */
static int
sqlite_stats_parts(struct store_sqlite *s, gint64 at_risk, gint64 until,
    struct store_stats *out, char **cause)
{
	sqlite3_stmt	*q;

	sqlite_budget(s, until);
	if (sqlite_collect(s, sqlite_stmt(s, S_STATS_TICKETS), "stats tickets",
	    store_row_stats_count, store_stats_count_free, &out->tickets, cause) != 0)
		return -1;
	out->read |= STORE_STATS_TICKETS;
	sqlite_budget(s, until);
	if (sqlite_stats_outbox(s, out, cause) != 0)
		return -1;
	out->read |= STORE_STATS_OUTBOX;
	sqlite_budget(s, until);
	q = sqlite_stmt(s, S_STATS_AT_RISK);
	sqlite3_bind_int64(q, 1, at_risk);
	if (sqlite_collect(s, q, "stats at risk", store_row_stats_count,
	    store_stats_count_free, &out->at_risk, cause) != 0)
		return -1;
	out->read |= STORE_STATS_SLA;
	return 0;
}

static int
sqlite_stats(struct store *st, gint64 at_risk, guint timeout_ms,
    struct store_stats *out, char **cause)
{
	struct store_sqlite	*s = (struct store_sqlite *)st;
	gint64			 until = g_get_monotonic_time() +
				    (gint64)timeout_ms * 1000;
	int			 rc;

	sqlite3_progress_handler(s->db, SQLITE_STATS_STEPS, sqlite_past, &until);
	rc = sqlite_stats_parts(s, at_risk, until, out, cause);
	sqlite3_progress_handler(s->db, 0, NULL, NULL);
	sqlite3_busy_timeout(s->db, SQLITE_BUSY_MS);
	return rc;
}

/* A path: every database string that is not a URI. */
static int
sqlite_match(const char *database)
{
	return store_uri_scheme(database) == 0;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.match = sqlite_match,
	.local = 1,
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.savepoint = sqlite_savepoint,
	.release = sqlite_release,
	.rollback_savepoint = sqlite_rollback_savepoint,
	.meta_get = sqlite_meta_get,
	.meta_set = sqlite_meta_set,
	.message_find = sqlite_message_find,
	.msgid_ticket = sqlite_msgid_ticket,
	.msgid_referrers = sqlite_msgid_referrers,
	.ticket_exists = sqlite_ticket_exists,
	.participant_find = sqlite_participant_find,
	.participant_add = sqlite_participant_add,
	.delivery_add = sqlite_delivery_add,
	.ticket_create = sqlite_ticket_create,
	.message_add = sqlite_message_add,
	.event_add = sqlite_event_add,
	.ticket_list = sqlite_ticket_list,
	.ticket_get = sqlite_ticket_get,
	.message_list = sqlite_message_list,
	.event_list = sqlite_event_list,
	.outbox_add = sqlite_outbox_add,
	.outbox_claim = sqlite_outbox_claim,
	.outbox_unclaim = sqlite_outbox_unclaim,
	.outbox_next = sqlite_outbox_next,
	.outbox_update = sqlite_outbox_update,
	.outbox_list = sqlite_outbox_list,
	.outbox_summary = sqlite_outbox_summary,
	.outbox_get = sqlite_outbox_get,
	.outbox_admin = sqlite_outbox_admin,
	.autoreply_count = sqlite_autoreply_count,
	.autoreply_add = sqlite_autoreply_add,
	.autoreply_count_pair = sqlite_autoreply_count_pair,
	.participant_list = sqlite_participant_list,
	.notify_add = sqlite_notify_add,
	.notify_list = sqlite_notify_list,
	.notify_delete = sqlite_notify_delete,
	.outbox_by_msgid = sqlite_outbox_by_msgid,
	.outbox_report = sqlite_outbox_report,
	.bounce_add = sqlite_bounce_add,
	.bounce_since = sqlite_bounce_since,
	.message_raw = sqlite_message_raw,
	.imap_state_get = sqlite_imap_state_get,
	.imap_state_set = sqlite_imap_state_set,
	.imap_failure_add = sqlite_imap_failure_add,
	.imap_failure_clear = sqlite_imap_failure_clear,
	.imap_failure_count = sqlite_imap_failure_count,
	.ticket_attention = sqlite_ticket_attention,
	.ticket_update = sqlite_ticket_update,
	.tag_add = sqlite_tag_add,
	.tag_remove = sqlite_tag_remove,
	.ticket_find = sqlite_ticket_find,
	.link_add = sqlite_link_add,
	.link_list = sqlite_link_list,
	.tickets_live = sqlite_tickets_live,
	.ticket_authors = sqlite_ticket_authors,
	.requester_facts = sqlite_requester_facts,
	.sla_get = sqlite_sla_get,
	.sla_put = sqlite_sla_put,
	.sla_wait_add = sqlite_sla_wait_add,
	.sla_wait_list = sqlite_sla_wait_list,
	.timer_set = sqlite_timer_set,
	.timer_clear = sqlite_timer_clear,
	.timer_due = sqlite_timer_due,
	.timer_fired = sqlite_timer_fired,
	.timer_retry = sqlite_timer_retry,
	.timer_next = sqlite_timer_next,
	.report_tickets = sqlite_report_tickets,
	.report_waits = sqlite_report_waits,
	.report_tags = sqlite_report_tags,
	.csat_get = sqlite_csat_get,
	.csat_put = sqlite_csat_put,
	.csat_by_msgid = sqlite_csat_by_msgid,
	.stats = sqlite_stats,
	.search = sqlite_search,
	.search_index = sqlite_search_index,
	.search_backlog = sqlite_search_backlog,
};
