/*
 * store-pg: the PostgreSQL backend of the store, for a database string
 * postgresql://... (or postgres://); the only file that includes
 * libpq-fe.h.
 *
 * Several ticketd nodes may share one database. A write transaction
 * takes one transaction-scoped advisory lock at begin, so writers run
 * one at a time across every node, as SQLite's BEGIN IMMEDIATE makes
 * them on one file: the writes that follow cannot fail halfway for
 * another writer's sake, and a read-then-write (the thread key) is
 * never raced. COMMIT returns once the server has it durable
 * (synchronous_commit is left at its default, on).
 *
 * Every statement is prepared once per connection (PQprepare) and run
 * with text parameters; bytea goes in and comes out binary-safe. The
 * schema is versioned in table schema_version and migrated at open,
 * under a lock, so that two nodes starting together migrate once.
 *
 * This is a skeleton: the ops not written yet fail with "not
 * implemented for PostgreSQL yet: OP" (see /work/notes/pg-progress.md).
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "mime.h"
#include "store-backend.h"

/* The advisory locks' keys: any constants, ours alone. */
#define PG_LOCK_WRITE	0x7469636bLL	/* "tick" */
#define PG_LOCK_MIGRATE	0x74696d67LL	/* "timg" */

/* The most parameters any statement takes. */
#define PG_PARAMS_MAX	16

enum stmt {
	S_LOCK,
	S_META_GET,
	S_META_SET,
	S_MESSAGE_FIND,
	S_TICKET_EXISTS,
	S_PARTICIPANT_ADD,
	S_REF_INSERT,
	S_DELIVERY_INSERT,
	S_TICKET_INSERT,
	S_TICKET_TAG,
	S_TICKET_TOUCH,
	S_MESSAGE_INSERT,
	S_RAW_INSERT,
	S_ATTACHMENT_INSERT,
	S_EVENT_INSERT,
	S_MSGID_TICKET,
	S_MSGID_REFERRERS,
	S_PARTICIPANT_FIND,
	S_PARTICIPANT_LIST,
	S_REQUESTER_FACTS,
	S_OUTBOX_ADD,
	S_OUTBOX_CLAIM,
	S_COUNT
};

/*
 * SQLite's statements, translated: ?N is $N, INSERT OR IGNORE is ON
 * CONFLICT DO NOTHING, INSERT OR REPLACE is ON CONFLICT DO UPDATE,
 * last_insert_rowid() is RETURNING id, max(a, b) is greatest(a, b).
 */
static const char *stmt_sql[S_COUNT] = {
	[S_LOCK] = "SELECT pg_advisory_xact_lock($1)",
	[S_META_GET] = "SELECT value FROM meta WHERE key = $1",
	[S_META_SET] = "INSERT INTO meta (key, value) VALUES ($1, $2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[S_MESSAGE_FIND] = "SELECT id, ticket_id FROM messages "
	    "WHERE dedupe_key = $1",
	[S_TICKET_EXISTS] = "SELECT 1 FROM tickets WHERE id = $1",
	[S_PARTICIPANT_ADD] = "INSERT INTO participants (ticket_id, address) "
	    "VALUES ($1, $2) ON CONFLICT DO NOTHING",
	[S_REF_INSERT] = "INSERT INTO message_refs (message_id, ref) "
	    "VALUES ($1, $2) ON CONFLICT DO NOTHING",
	[S_DELIVERY_INSERT] = "INSERT INTO deliveries (message_id, queue, "
	    "address) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
	[S_TICKET_INSERT] = "INSERT INTO tickets (subject, requester_name, "
	    "requester_addr, status, queue, priority, attention, created_at, "
	    "updated_at, status_at, assignee) VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7, $8, $8, $8, $9) RETURNING id",
	[S_TICKET_TAG] = "INSERT INTO tags (ticket_id, tag) VALUES ($1, $2) "
	    "ON CONFLICT DO NOTHING",
	[S_TICKET_TOUCH] = "UPDATE tickets SET updated_at = "
	    "greatest(updated_at, $2) WHERE id = $1",
	[S_MESSAGE_INSERT] = "INSERT INTO messages (ticket_id, direction, "
	    "source, return_path, dedupe_key, message_id, from_name, "
	    "from_addr, to_addrs, cc_addrs, date, subject, body, parsed, "
	    "received_at, author) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
	    "$10, $11, $12, $13, $14, $15, $16) RETURNING id",
	[S_RAW_INSERT] = "INSERT INTO raw_messages (message_id, raw) "
	    "VALUES ($1, $2)",
	[S_ATTACHMENT_INSERT] = "INSERT INTO attachments (message_id, name, "
	    "type, size, content) VALUES ($1, $2, $3, $4, $5)",
	[S_EVENT_INSERT] = "INSERT INTO events (ticket_id, at, type, detail) "
	    "VALUES ($1, $2, $3, $4)",
	/* true sorts after false: DESC puts the preferred ticket first. */
	[S_MSGID_TICKET] = "SELECT m.ticket_id FROM messages m WHERE "
	    "m.message_id = $1 ORDER BY EXISTS (SELECT 1 FROM participants p "
	    "WHERE p.ticket_id = m.ticket_id AND p.address = $2) DESC, m.id "
	    "LIMIT 1",
	[S_MSGID_REFERRERS] = "SELECT " STORE_REFERRER_COLUMNS
	    " FROM message_refs r JOIN messages m ON m.id = "
	    "r.message_id WHERE r.ref = $1 AND m.direction = 'in' ORDER BY m.id",
	[S_PARTICIPANT_FIND] = "SELECT 1 FROM participants WHERE ticket_id = $1 "
	    "AND address = $2",
	/* COLLATE "C": byte order, as SQLite's BINARY, whatever the locale. */
	[S_PARTICIPANT_LIST] = "SELECT address FROM participants "
	    "WHERE ticket_id = $1 ORDER BY address COLLATE \"C\"",
	/*
	 * Open tickets counted up to STORE_FACTS_OPEN_MAX: a bounded cost.
	 * A boolean reads as "t" or "f": the row reader wants 1 or 0.
	 */
	[S_REQUESTER_FACTS] = "SELECT (SELECT count(*) FROM (SELECT 1 FROM "
	    "tickets WHERE lower(requester_addr) = lower($1) AND status IN "
	    "('new', 'open', 'pending') LIMIT " G_STRINGIFY(STORE_FACTS_OPEN_MAX)
	    ") o), (NOT EXISTS (SELECT 1 FROM messages WHERE "
	    "lower(from_addr) = lower($1) AND direction = 'in'))::int",
	[S_OUTBOX_ADD] = "INSERT INTO outbox (ticket_id, kind, envelope_from, "
	    "rcpt, message_id, data, status, attempts, created_at, "
	    "next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, "
	    "$7) RETURNING id",
	/*
	 * One statement; SKIP LOCKED lets two nodes claim at once without
	 * waiting on each other's rows (outside a write transaction the
	 * writers' lock does not serialize them). RETURNING has no order:
	 * the outer SELECT gives oldest first.
	 */
	[S_OUTBOX_CLAIM] = "WITH c AS (UPDATE outbox SET status = 'sending', "
	    "claimed_by = $3, claimed_at = $1 WHERE id IN (SELECT id FROM outbox "
	    "WHERE status = 'queued' AND next_attempt_at <= $1 "
	    "ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
	    "RETURNING " STORE_OUTBOX_COLUMNS ") SELECT " STORE_OUTBOX_COLUMNS
	    " FROM c ORDER BY next_attempt_at, id",
};

/*
 * Migration N brings schema_version from N to N + 1. The first is
 * SQLite's schema as its migrations leave it, with the same tables and
 * columns (the shared column lists read them): INTEGER is bigint, an
 * INTEGER PRIMARY KEY a bigint identity (BY DEFAULT, so that a copy of
 * a SQLite database may keep its ids), BLOB is bytea. Full-text search
 * (SQLite's FTS5 tables) is not here yet; search_state is.
 */
static const char *migrations[] = {
	"CREATE TABLE meta (key text PRIMARY KEY, value bytea NOT NULL);"
	"CREATE TABLE tickets ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" subject text NOT NULL, requester_name text NOT NULL,"
	" requester_addr text NOT NULL, status text NOT NULL,"
	" queue text NOT NULL, priority text NOT NULL,"
	" attention bigint NOT NULL DEFAULT 0,"
	" created_at bigint NOT NULL, updated_at bigint NOT NULL,"
	" assignee text, status_at bigint NOT NULL DEFAULT 0);"
	"CREATE TABLE messages ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" direction text NOT NULL, source text NOT NULL, return_path text,"
	" dedupe_key text NOT NULL UNIQUE, message_id text,"
	" from_name text NOT NULL, from_addr text NOT NULL,"
	" to_addrs text NOT NULL, cc_addrs text NOT NULL, date text,"
	" subject text NOT NULL, body text NOT NULL,"
	" parsed bigint NOT NULL, received_at bigint NOT NULL,"
	" author text);"
	"CREATE INDEX messages_ticket ON messages (ticket_id);"
	"CREATE INDEX messages_message_id ON messages (message_id);"
	"CREATE INDEX messages_from ON messages (lower(from_addr));"
	"CREATE TABLE raw_messages ("
	" message_id bigint PRIMARY KEY REFERENCES messages (id),"
	" raw bytea NOT NULL);"
	"CREATE TABLE attachments ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" message_id bigint NOT NULL REFERENCES messages (id),"
	" name text NOT NULL, type text NOT NULL, size bigint NOT NULL,"
	" content bytea NOT NULL);"
	"CREATE INDEX attachments_message ON attachments (message_id);"
	"CREATE TABLE events ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" at bigint NOT NULL, type text NOT NULL, detail text NOT NULL);"
	"CREATE INDEX events_ticket ON events (ticket_id);"
	"CREATE TABLE tags ("
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" tag text NOT NULL, PRIMARY KEY (ticket_id, tag));"
	"CREATE INDEX tags_tag ON tags (tag);"
	"CREATE TABLE outbox ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" ticket_id bigint REFERENCES tickets (id),"
	" kind text NOT NULL, envelope_from text NOT NULL, rcpt text NOT NULL,"
	" message_id text NOT NULL, data bytea NOT NULL, status text NOT NULL,"
	" attempts bigint NOT NULL, created_at bigint NOT NULL,"
	" next_attempt_at bigint NOT NULL, sent_at bigint,"
	" last_error text, claimed_by text, claimed_at bigint);"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_at);"
	"CREATE INDEX outbox_message_id ON outbox (message_id);"
	"CREATE TABLE autoreplies ("
	" address text NOT NULL, ticket_id bigint, at bigint NOT NULL);"
	"CREATE INDEX autoreplies_address ON autoreplies (address, at);"
	"CREATE INDEX autoreplies_ticket ON autoreplies (ticket_id, at);"
	"CREATE TABLE imap_state ("
	" account text NOT NULL, mailbox text NOT NULL,"
	" uidvalidity bigint NOT NULL, last_uid bigint NOT NULL,"
	" PRIMARY KEY (account, mailbox));"
	"CREATE TABLE imap_failures ("
	" account text NOT NULL, mailbox text NOT NULL,"
	" uidvalidity bigint NOT NULL, uid bigint NOT NULL,"
	" count bigint NOT NULL, last_error text,"
	" PRIMARY KEY (account, mailbox, uidvalidity, uid));"
	"CREATE TABLE message_refs ("
	" message_id bigint NOT NULL REFERENCES messages (id),"
	" ref text NOT NULL, PRIMARY KEY (message_id, ref));"
	"CREATE INDEX message_refs_ref ON message_refs (ref);"
	"CREATE TABLE participants ("
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" address text NOT NULL, PRIMARY KEY (ticket_id, address));"
	"CREATE TABLE deliveries ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" message_id bigint NOT NULL REFERENCES messages (id),"
	" queue text NOT NULL, address text NOT NULL,"
	" UNIQUE (message_id, queue, address));"
	"CREATE TABLE bounces ("
	" address text NOT NULL, ticket_id bigint, at bigint NOT NULL,"
	" status text NOT NULL);"
	"CREATE INDEX bounces_address ON bounces (address, at);"
	"CREATE TABLE ticket_links ("
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" other_id bigint NOT NULL REFERENCES tickets (id),"
	" PRIMARY KEY (ticket_id, other_id));"
	"CREATE INDEX tickets_status ON tickets (status, status_at);"
	"CREATE INDEX tickets_requester ON tickets (lower(requester_addr));"
	"CREATE INDEX tickets_assignee ON tickets (assignee);"
	"CREATE INDEX tickets_queue ON tickets (queue);"
	"CREATE INDEX tickets_requester_status ON tickets "
	"(lower(requester_addr), status);"
	"CREATE TABLE notify_pending ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" kind bigint NOT NULL, actor text, text text,"
	" message_id bigint, created_at bigint NOT NULL);"
	"CREATE TABLE sla_facts ("
	" ticket_id bigint PRIMARY KEY REFERENCES tickets (id),"
	" policy text,"
	" first_response_at bigint NOT NULL, first_response_wall bigint NOT NULL,"
	" first_response_business bigint NOT NULL,"
	" first_response_met bigint NOT NULL,"
	" resolved_at bigint NOT NULL, resolution_wall bigint NOT NULL,"
	" resolution_business bigint NOT NULL, resolution_met bigint NOT NULL,"
	" reopens bigint NOT NULL, agent_replies bigint NOT NULL,"
	" paused_since bigint NOT NULL, paused_wall bigint NOT NULL,"
	" paused_business bigint NOT NULL, waiting_since bigint NOT NULL,"
	" reopened_at bigint NOT NULL DEFAULT 0);"
	"CREATE TABLE sla_waits ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" since bigint NOT NULL, answered_at bigint NOT NULL,"
	" wall bigint NOT NULL, business bigint NOT NULL,"
	" met bigint NOT NULL);"
	"CREATE INDEX sla_waits_ticket ON sla_waits (ticket_id);"
	"CREATE INDEX sla_waits_answered ON sla_waits (answered_at);"
	"CREATE TABLE timers ("
	" ticket_id bigint NOT NULL REFERENCES tickets (id),"
	" kind text NOT NULL, due bigint NOT NULL, basis bigint NOT NULL,"
	" fired bigint NOT NULL, PRIMARY KEY (ticket_id, kind));"
	"CREATE INDEX timers_due ON timers (due) WHERE fired = 0;"
	"CREATE TABLE csat ("
	" ticket_id bigint PRIMARY KEY REFERENCES tickets (id),"
	" survey_at bigint NOT NULL, survey_msgid text,"
	" rating bigint NOT NULL, comment text, rated_at bigint NOT NULL);"
	"CREATE INDEX csat_survey_msgid ON csat (survey_msgid);"
	"CREATE INDEX csat_rated_at ON csat (rated_at);"
	"CREATE TABLE search_state (indexed_upto bigint NOT NULL);"
	"INSERT INTO search_state VALUES (0);",
};

struct store_pg {
	struct store	 store;		/* must be first */
	PGconn		*conn;
	char		*name;		/* the URI without its password */
};

/* Text parameters of one statement; bytea ones binary. */
struct pg_params {
	int		 n;
	const char	*value[PG_PARAMS_MAX];
	int		 length[PG_PARAMS_MAX];
	int		 format[PG_PARAMS_MAX];
	char		 num[PG_PARAMS_MAX][24];
};

/* A result row, for the shared mappers (store-backend.h). */
struct pg_row {
	struct store_row	 row;		/* must be first */
	const PGresult		*res;
	int			 i;
	unsigned char		*blob;		/* the last blob() read, freed
						   with the row */
};

static void	 pg_rollback(struct store *);

static char *
pg_cause(struct store_pg *p, const char *what, const char *error)
{
	char	*e = g_strchomp(g_strdup(error));
	char	*cause;

	cause = g_strdup_printf("postgresql %s: %s: %s", p->name, what, e);
	g_free(e);
	return cause;
}

static int
pg_todo(char **cause, const char *op)
{
	*cause = g_strdup_printf("not implemented for PostgreSQL yet: %s", op);
	return -1;
}

static void
param_text(struct pg_params *pp, const char *v)
{
	g_assert(pp->n < PG_PARAMS_MAX);
	pp->value[pp->n] = v;
	pp->length[pp->n] = 0;
	pp->format[pp->n] = 0;
	pp->n++;
}

/* An agent name: NULL and "" are both stored as none (NULL). */
static void
param_name(struct pg_params *pp, const char *v)
{
	param_text(pp, v != NULL && *v != '\0' ? v : NULL);
}

static void
param_int(struct pg_params *pp, gint64 v)
{
	g_assert(pp->n < PG_PARAMS_MAX);
	g_snprintf(pp->num[pp->n], sizeof pp->num[pp->n], "%" G_GINT64_FORMAT,
	    v);
	param_text(pp, pp->num[pp->n]);
}

static void
param_blob(struct pg_params *pp, const void *data, gsize len)
{
	param_text(pp, data != NULL ? data : "");
	pp->length[pp->n - 1] = (int)len;
	pp->format[pp->n - 1] = 1;
}

static gint64
pg_row_int64(const struct store_row *r, int col)
{
	const struct pg_row	*row = (const struct pg_row *)r;

	if (PQgetisnull(row->res, row->i, col))
		return 0;
	return g_ascii_strtoll(PQgetvalue(row->res, row->i, col), NULL, 10);
}

static double
pg_row_real(const struct store_row *r, int col)
{
	const struct pg_row	*row = (const struct pg_row *)r;

	if (PQgetisnull(row->res, row->i, col))
		return 0;
	return g_ascii_strtod(PQgetvalue(row->res, row->i, col), NULL);
}

static const char *
pg_row_text(const struct store_row *r, int col)
{
	const struct pg_row	*row = (const struct pg_row *)r;

	if (PQgetisnull(row->res, row->i, col))
		return NULL;
	return PQgetvalue(row->res, row->i, col);
}

/* bytea comes as text (hex): unescaped, kept until the row is done. */
static const void *
pg_row_blob(const struct store_row *r, int col, gsize *len)
{
	struct pg_row	*row = (struct pg_row *)r;
	size_t		 n = 0;

	*len = 0;
	if (PQgetisnull(row->res, row->i, col))
		return NULL;
	PQfreemem(row->blob);
	row->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(row->res,
	    row->i, col), &n);
	*len = n;
	return row->blob;
}

static const struct store_row_ops pg_row_ops = {
	.int64 = pg_row_int64,
	.real = pg_row_real,
	.text = pg_row_text,
	.blob = pg_row_blob,
};

/* Run a command without parameters or rows: 0, or -1 and *cause. */
static int
pg_exec(struct store_pg *p, const char *sql, char **cause)
{
	PGresult	*res = PQexec(p->conn, sql);
	int		 rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		*cause = pg_cause(p, sql, PQerrorMessage(p->conn));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/*
 * Run prepared statement which: its result (PQclear it), or NULL and
 * *cause naming what.
 */
static PGresult *
pg_run(struct store_pg *p, enum stmt which, const struct pg_params *pp,
    const char *what, char **cause)
{
	PGresult	*res;
	char		 name[16];

	g_snprintf(name, sizeof name, "s%d", which);
	res = PQexecPrepared(p->conn, name, pp->n, pp->value, pp->length,
	    pp->format, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	*cause = pg_cause(p, what, PQerrorMessage(p->conn));
	PQclear(res);
	return NULL;
}

/* Run a statement that returns no rows of interest: 0, or -1. */
static int
pg_done(struct store_pg *p, enum stmt which, const struct pg_params *pp,
    const char *what, char **cause)
{
	PGresult	*res = pg_run(p, which, pp, what, cause);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/*
 * The one found / not found / error step: the first row of a lookup,
 * handed to fill (store-backend.h): 1 found, 0 not, -1 error.
 */
static int
pg_lookup_row(struct store_pg *p, enum stmt which, const struct pg_params *pp,
    const char *what, store_row_fill fill, gpointer out, char **cause)
{
	struct pg_row	 row = { { &pg_row_ops }, NULL, 0, NULL };
	int		 found;

	if ((row.res = pg_run(p, which, pp, what, cause)) == NULL)
		return -1;
	if ((found = PQntuples(row.res) > 0))
		fill(&row.row, out);
	PQfreemem(row.blob);
	PQclear((PGresult *)row.res);
	return found;
}

/* Each row of a statement handed to each: 0, or -1 and *cause. */
static int
pg_each(struct store_pg *p, enum stmt which, const struct pg_params *pp,
    const char *what, store_row_fill each, gpointer arg, char **cause)
{
	struct pg_row	 row = { { &pg_row_ops }, NULL, 0, NULL };

	if ((row.res = pg_run(p, which, pp, what, cause)) == NULL)
		return -1;
	for (row.i = 0; row.i < PQntuples(row.res); row.i++) {
		each(&row.row, arg);
		PQfreemem(row.blob);
		row.blob = NULL;
	}
	PQclear((PGresult *)row.res);
	return 0;
}

/*
 * A lookup of one row made into an object by row: 1 and *out, 0, or
 * -1.
 */
/* Kept for the ops to come. */
static G_GNUC_UNUSED int
pg_lookup_one(struct store_pg *p, enum stmt which, const struct pg_params *pp,
    const char *what, store_row_new row, gpointer *out, char **cause)
{
	struct store_rows	 rows = { row, g_ptr_array_new() };
	int			 found;

	found = pg_lookup_row(p, which, pp, what, store_rows_add, &rows,
	    cause);
	if (found == 1)
		*out = g_ptr_array_index(rows.a, 0);
	g_ptr_array_free(rows.a, TRUE);
	return found;
}

/* Every row made into an element of *out. */
static int
pg_collect(struct store_pg *p, enum stmt which, const struct pg_params *pp,
    const char *what, store_row_new row, GDestroyNotify free_func,
    GPtrArray **out, char **cause)
{
	struct store_rows	 rows = { row, NULL };

	rows.a = g_ptr_array_new_with_free_func(free_func);
	if (pg_each(p, which, pp, what, store_rows_add, &rows, cause) != 0) {
		g_ptr_array_free(rows.a, TRUE);
		return -1;
	}
	*out = rows.a;
	return 0;
}

static int
pg_match(const char *database)
{
	gsize	 n = store_uri_scheme(database);

	return (n == 10 && g_ascii_strncasecmp(database, "postgresql", n) == 0) ||
	    (n == 8 && g_ascii_strncasecmp(database, "postgres", n) == 0);
}

static void
pg_close(struct store *st)
{
	struct store_pg	*p = (struct store_pg *)st;

	if (p->conn != NULL)
		PQfinish(p->conn);
	g_free(p->name);
	g_free(p);
}

/*
 * Bring the schema to the newest version, each migration in a
 * transaction of its own, all under a lock: another node starting
 * now waits, then finds nothing left to do.
 */
static int
pg_migrate(struct store_pg *p, char **cause)
{
	PGresult	*res;
	int		 version;
	char		*sql;

	if (pg_exec(p, "BEGIN", cause) != 0)
		return -1;
	sql = g_strdup_printf("SELECT pg_advisory_xact_lock(%lld);"
	    "CREATE TABLE IF NOT EXISTS schema_version (version integer "
	    "NOT NULL); INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS "
	    "(SELECT 1 FROM schema_version)", PG_LOCK_MIGRATE);
	if (pg_exec(p, sql, cause) != 0)
		goto fail;
	res = PQexec(p->conn, "SELECT version FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		*cause = pg_cause(p, "schema_version", PQerrorMessage(p->conn));
		PQclear(res);
		goto fail;
	}
	version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (version > (int)G_N_ELEMENTS(migrations)) {
		*cause = g_strdup_printf("postgresql %s: schema version %d is "
		    "newer than this ticketd knows (%d)", p->name, version,
		    (int)G_N_ELEMENTS(migrations));
		goto fail;
	}
	for (; version < (int)G_N_ELEMENTS(migrations); version++) {
		g_free(sql);
		sql = g_strdup_printf("%s; UPDATE schema_version SET version = "
		    "%d", migrations[version], version + 1);
		if (pg_exec(p, sql, cause) != 0)
			goto fail;
		log_info("postgresql %s: schema migrated to version %d",
		    p->name, version + 1);
	}
	g_free(sql);
	return pg_exec(p, "COMMIT", cause);
fail:
	g_free(sql);
	pg_rollback(&p->store);
	return -1;
}

static struct store *
pg_open(const char *database, char **cause)
{
	struct store_pg	*p = g_new0(struct store_pg, 1);
	char		 name[16];
	PGresult	*res;

	p->store.ops = &store_pg_ops;
	/* Never the password: the name is what messages show. */
	p->name = store_database_name(database);
	p->conn = PQconnectdb(database);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		*cause = pg_cause(p, "connect", PQerrorMessage(p->conn));
		pg_close(&p->store);
		return NULL;
	}
	/* Notices (IF NOT EXISTS skipped) are not for the log. */
	PQsetNoticeProcessor(p->conn, NULL, NULL);
	if (pg_exec(p, "SET client_min_messages = warning", cause) != 0 ||
	    pg_migrate(p, cause) != 0) {
		pg_close(&p->store);
		return NULL;
	}
	for (int i = 0; i < S_COUNT; i++) {
		g_snprintf(name, sizeof name, "s%d", i);
		res = PQprepare(p->conn, name, stmt_sql[i], 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			*cause = pg_cause(p, stmt_sql[i],
			    PQerrorMessage(p->conn));
			PQclear(res);
			pg_close(&p->store);
			return NULL;
		}
		PQclear(res);
	}
	return &p->store;
}

static int
pg_begin(struct store *st, char **cause)
{
	struct store_pg		*p = (struct store_pg *)st;
	struct pg_params	 pp = { 0 };

	if (pg_exec(p, "BEGIN", cause) != 0)
		return -1;
	param_int(&pp, PG_LOCK_WRITE);
	return pg_done(p, S_LOCK, &pp, "begin", cause);
}

/*
 * COMMIT of a transaction an error aborted answers ROLLBACK, without
 * an error: that is a failure here.
 */
static int
pg_commit(struct store *st, char **cause)
{
	struct store_pg	*p = (struct store_pg *)st;
	PGresult	*res = PQexec(p->conn, "COMMIT");
	int		 rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*cause = pg_cause(p, "commit", PQerrorMessage(p->conn));
		rc = -1;
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		*cause = pg_cause(p, "commit", "the transaction had failed "
		    "and was rolled back");
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static void
pg_rollback(struct store *st)
{
	struct store_pg	*p = (struct store_pg *)st;
	char		*cause = NULL;

	if (PQtransactionStatus(p->conn) == PQTRANS_IDLE)
		return;
	if (pg_exec(p, "ROLLBACK", &cause) != 0) {
		log_warn("%s", cause);
		g_free(cause);
	}
}

static int
pg_savepoint(struct store *st, char **cause)
{
	return pg_exec((struct store_pg *)st, "SAVEPOINT mail", cause);
}

static int
pg_release(struct store *st, char **cause)
{
	return pg_exec((struct store_pg *)st, "RELEASE mail", cause);
}

static void
pg_rollback_savepoint(struct store *st)
{
	struct store_pg	*p = (struct store_pg *)st;
	char		*cause = NULL;

	/*
	 * ROLLBACK TO keeps the savepoint open (and ends the failed
	 * state); RELEASE ends it.
	 */
	if (pg_exec(p, "ROLLBACK TO mail", &cause) == 0)
		pg_exec(p, "RELEASE mail", &cause);
	if (cause != NULL) {
		log_warn("%s", cause);
		g_free(cause);
	}
}

static int
pg_meta_get(struct store *st, const char *key, GBytes **value, char **cause)
{
	struct pg_params	 pp = { 0 };

	param_text(&pp, key);
	return pg_lookup_row((struct store_pg *)st, S_META_GET, &pp,
	    "meta_get", store_fill_blob, value, cause);
}

/*
 * Overwrites, as SQLite's does: msgid_keys grows by it. Two nodes
 * cannot overwrite each other's thread_key, for its reader and writer
 * (store_thread_key) run in one write transaction, and those run one
 * at a time (pg_begin's lock).
 */
static int
pg_meta_set(struct store *st, const char *key, GBytes *value, char **cause)
{
	struct pg_params	 pp = { 0 };
	gsize			 len;
	const void		*data = g_bytes_get_data(value, &len);

	param_text(&pp, key);
	param_blob(&pp, data, len);
	return pg_done((struct store_pg *)st, S_META_SET, &pp, "meta_set",
	    cause);
}

static int
pg_message_find(struct store *st, const char *dedupe_key, gint64 *message_id,
    gint64 *ticket_id, char **cause)
{
	struct pg_params	 pp = { 0 };
	gint64			 ids[2];
	int			 found;

	param_text(&pp, dedupe_key);
	found = pg_lookup_row((struct store_pg *)st, S_MESSAGE_FIND, &pp,
	    "message_find", store_fill_int2, ids, cause);
	if (found == 1) {
		*message_id = ids[0];
		*ticket_id = ids[1];
	}
	return found;
}

static int
pg_ticket_exists(struct store *st, gint64 id, char **cause)
{
	struct pg_params	 pp = { 0 };
	gint64			 one;

	param_int(&pp, id);
	return pg_lookup_row((struct store_pg *)st, S_TICKET_EXISTS, &pp,
	    "ticket_exists", store_fill_int, &one, cause);
}

static int
pg_participant_add(struct store *st, gint64 ticket_id, const char *address,
    char **cause)
{
	struct pg_params	 pp = { 0 };

	param_int(&pp, ticket_id);
	param_text(&pp, address);
	return pg_done((struct store_pg *)st, S_PARTICIPANT_ADD, &pp,
	    "participant_add", cause);
}

/* 1 when the delivery is new, 0 when it was known (no row inserted). */
static int
pg_delivery_add(struct store *st, gint64 message_id,
    const struct store_delivery *d, char **cause)
{
	struct pg_params	 pp = { 0 };
	PGresult		*res;
	int			 added;

	param_int(&pp, message_id);
	param_text(&pp, d->queue);
	param_text(&pp, d->address != NULL ? d->address : "");
	if ((res = pg_run((struct store_pg *)st, S_DELIVERY_INSERT, &pp,
	    "delivery_add", cause)) == NULL)
		return -1;
	added = strcmp(PQcmdTuples(res), "0") != 0;
	PQclear(res);
	return added;
}

/* An INSERT ... RETURNING id: 0 and *id, or -1. */
static int
pg_insert_id(struct store_pg *p, enum stmt which, const struct pg_params *pp,
    const char *what, gint64 *id, char **cause)
{
	int	 found;

	found = pg_lookup_row(p, which, pp, what, store_fill_int, id, cause);
	if (found == 0)
		*cause = pg_cause(p, what, "no id returned");
	return found == 1 ? 0 : -1;
}

static int
pg_ticket_create(struct store *st, struct store_ticket *t, char **cause)
{
	struct store_pg		*p = (struct store_pg *)st;
	struct pg_params	 pp = { 0 };

	param_text(&pp, t->subject);
	param_text(&pp, t->requester_name);
	param_text(&pp, t->requester_addr);
	param_text(&pp, t->status);
	param_text(&pp, t->queue);
	param_text(&pp, t->priority);
	param_int(&pp, t->attention);
	param_int(&pp, t->created_at);
	param_name(&pp, t->assignee);
	if (pg_insert_id(p, S_TICKET_INSERT, &pp, "ticket_create", &t->id,
	    cause) != 0)
		return -1;
	t->status_at = t->created_at;
	for (char **tag = t->tags; tag != NULL && *tag != NULL; tag++) {
		struct pg_params	 tp = { 0 };

		param_int(&tp, t->id);
		param_text(&tp, *tag);
		if (pg_done(p, S_TICKET_TAG, &tp, "ticket_tag", cause) != 0)
			return -1;
	}
	return 0;
}

static int
pg_attachments_add(struct store_pg *p, gint64 message, const struct mail *m,
    char **cause)
{
	for (guint i = 0; i < m->attachments->len; i++) {
		struct mail_attachment	*a = g_ptr_array_index(m->attachments, i);
		struct pg_params	 pp = { 0 };
		gsize			 len;
		const void		*data = g_bytes_get_data(a->content, &len);

		param_int(&pp, message);
		param_text(&pp, a->name);
		param_text(&pp, a->type);
		param_int(&pp, a->size);
		param_blob(&pp, data, len);
		if (pg_done(p, S_ATTACHMENT_INSERT, &pp, "attachment_add",
		    cause) != 0)
			return -1;
	}
	return 0;
}

/* What the mail cites: its References and In-Reply-To. */
static int
pg_refs_add(struct store_pg *p, gint64 message, const struct mail *m,
    char **cause)
{
	for (guint i = 0; i <= m->references->len; i++) {
		const char		*ref = i < m->references->len ?
		    m->references->pdata[i] : m->in_reply_to;
		struct pg_params	 pp = { 0 };

		if (ref == NULL)
			continue;
		param_int(&pp, message);
		param_text(&pp, ref);
		if (pg_done(p, S_REF_INSERT, &pp, "ref_add", cause) != 0)
			return -1;
	}
	return 0;
}

/* The raw mail, attachments, references and deliveries of message id. */
static int
pg_message_parts_add(struct store_pg *p, gint64 id,
    const struct store_message_in *in, char **cause)
{
	struct pg_params	 pp = { 0 };
	gsize			 len;
	const void		*raw = g_bytes_get_data(in->mail->raw, &len);

	param_int(&pp, id);
	param_blob(&pp, raw, len);
	if (pg_done(p, S_RAW_INSERT, &pp, "raw_add", cause) != 0 ||
	    pg_attachments_add(p, id, in->mail, cause) != 0 ||
	    pg_refs_add(p, id, in->mail, cause) != 0)
		return -1;
	for (guint i = 0; in->deliveries != NULL && i < in->deliveries->len;
	    i++)
		if (pg_delivery_add(&p->store, id, in->deliveries->pdata[i],
		    cause) < 0)
			return -1;
	return 0;
}

static int
pg_message_add(struct store *st, const struct store_message_in *in,
    gint64 *id, char **cause)
{
	struct store_pg		*p = (struct store_pg *)st;
	const struct mail	*m = in->mail;
	struct pg_params	 pp = { 0 };
	char			*date = NULL;
	int			 rc;

	if (m->date != NULL)
		date = g_date_time_format(m->date, "%Y-%m-%dT%H:%M:%SZ");
	param_int(&pp, in->ticket_id);
	param_text(&pp, in->direction);
	param_text(&pp, in->source);
	param_text(&pp, in->return_path);
	param_text(&pp, in->dedupe_key);
	param_text(&pp, m->message_id);
	param_text(&pp, m->from_name);
	param_text(&pp, m->from_addr);
	param_text(&pp, m->to);
	param_text(&pp, m->cc);
	param_text(&pp, date);
	param_text(&pp, m->subject);
	param_text(&pp, in->body != NULL ? in->body : m->body);
	param_int(&pp, m->parsed);
	param_int(&pp, in->received_at);
	param_name(&pp, in->author);
	rc = pg_insert_id(p, S_MESSAGE_INSERT, &pp, "message_add", id, cause);
	g_free(date);
	if (rc != 0 || pg_message_parts_add(p, *id, in, cause) != 0)
		return -1;
	pp.n = 0;
	param_int(&pp, in->ticket_id);
	param_int(&pp, in->received_at);
	return pg_done(p, S_TICKET_TOUCH, &pp, "ticket_touch", cause);
}

static int
pg_event_add(struct store *st, gint64 ticket, gint64 at, const char *type,
    const char *detail, char **cause)
{
	struct pg_params	 pp = { 0 };

	param_int(&pp, ticket);
	param_int(&pp, at);
	param_text(&pp, type);
	param_text(&pp, detail != NULL ? detail : "");
	return pg_done((struct store_pg *)st, S_EVENT_INSERT, &pp,
	    "event_add", cause);
}

static int
pg_msgid_ticket(struct store *st, const char *message_id, const char *prefer,
    gint64 *ticket_id, char **cause)
{
	struct pg_params	 pp = { 0 };

	param_text(&pp, message_id);
	param_text(&pp, prefer);
	return pg_lookup_row((struct store_pg *)st, S_MSGID_TICKET, &pp,
	    "msgid_ticket", store_fill_int, ticket_id, cause);
}

static int
pg_msgid_referrers(struct store *st, const char *message_id, GPtrArray **out,
    char **cause)
{
	struct pg_params	 pp = { 0 };

	param_text(&pp, message_id);
	return pg_collect((struct store_pg *)st, S_MSGID_REFERRERS, &pp,
	    "msgid_referrers", store_row_referrer,
	    (GDestroyNotify)store_referrer_free, out, cause);
}

static int
pg_participant_find(struct store *st, gint64 ticket_id, const char *address,
    char **cause)
{
	struct pg_params	 pp = { 0 };
	gint64			 one;

	param_int(&pp, ticket_id);
	param_text(&pp, address);
	return pg_lookup_row((struct store_pg *)st, S_PARTICIPANT_FIND, &pp,
	    "participant_find", store_fill_int, &one, cause);
}

static int
pg_participant_list(struct store *st, gint64 ticket_id, GPtrArray **addresses,
    char **cause)
{
	struct pg_params	 pp = { 0 };

	param_int(&pp, ticket_id);
	return pg_collect((struct store_pg *)st, S_PARTICIPANT_LIST, &pp,
	    "participant_list", store_row_text, g_free, addresses, cause);
}

/* Read only, outside any transaction: takes no lock. */
static int
pg_requester_facts(struct store *st, const char *address, guint *open,
    int *first, char **cause)
{
	struct pg_params	 pp = { 0 };
	struct store_facts_out	 f = { open, first };

	param_text(&pp, address);
	/* An aggregate: there is always a row. */
	return pg_lookup_row((struct store_pg *)st, S_REQUESTER_FACTS, &pp,
	    "requester_facts", store_fill_facts, &f, cause) == 1 ? 0 : -1;
}

static int
pg_outbox_add(struct store *st, struct store_outbox *o, char **cause)
{
	struct pg_params	 pp = { 0 };
	gsize			 len;
	const void		*data = g_bytes_get_data(o->data, &len);

	if (o->ticket_id > 0)
		param_int(&pp, o->ticket_id);
	else
		param_text(&pp, NULL);
	param_text(&pp, o->kind);
	param_text(&pp, o->envelope_from);
	param_text(&pp, o->rcpt);
	param_text(&pp, o->message_id);
	param_blob(&pp, data, len);
	param_int(&pp, o->created_at);
	return pg_insert_id((struct store_pg *)st, S_OUTBOX_ADD, &pp,
	    "outbox_add", &o->id, cause);
}

static int
pg_outbox_claim(struct store *st, gint64 now, guint limit, const char *owner,
    GPtrArray **out, char **cause)
{
	struct pg_params	 pp = { 0 };

	param_int(&pp, now);
	param_int(&pp, limit);
	param_text(&pp, owner);
	return pg_collect((struct store_pg *)st, S_OUTBOX_CLAIM, &pp,
	    "outbox_claim", store_row_outbox, (GDestroyNotify)store_outbox_free,
	    out, cause);
}

/*
 * The ops below are not written yet: each fails, naming itself, so
 * that the daemon can run and show what is missing.
 */

static int
pg_outbox_unclaim(struct store *st, const char *owner, GPtrArray **out,
    char **cause)
{
	return pg_todo(cause, "outbox_unclaim");
}

static int
pg_outbox_next(struct store *st, gint64 *when, char **cause)
{
	return pg_todo(cause, "outbox_next");
}

static int
pg_outbox_update(struct store *st, const struct store_outbox *a1, char **cause)
{
	return pg_todo(cause, "outbox_update");
}

static int
pg_outbox_list(struct store *st, gint64 ticket_id, GPtrArray **out,
    char **cause)
{
	return pg_todo(cause, "outbox_list");
}

static int
pg_outbox_summary(struct store *st, gint64 since,
    struct store_outbox_summary *a2, char **cause)
{
	return pg_todo(cause, "outbox_summary");
}

static int
pg_outbox_get(struct store *st, gint64 id, struct store_outbox **out,
    char **cause)
{
	return pg_todo(cause, "outbox_get");
}

static int
pg_outbox_admin(struct store *st, gint64 id, int cancel, gint64 now,
    struct store_outbox **out, char **cause)
{
	return pg_todo(cause, "outbox_admin");
}

static int
pg_autoreply_count(struct store *st, const char *address, gint64 ticket_id,
    gint64 since, guint *to_address, guint *for_ticket, char **cause)
{
	return pg_todo(cause, "autoreply_count");
}

static int
pg_autoreply_add(struct store *st, const char *address, gint64 ticket_id,
    gint64 at, char **cause)
{
	return pg_todo(cause, "autoreply_add");
}

static int
pg_autoreply_count_pair(struct store *st, const char *address, gint64 ticket_id,
    gint64 since, guint *count, char **cause)
{
	return pg_todo(cause, "autoreply_count_pair");
}

static int
pg_outbox_by_msgid(struct store *st, const char *message_id,
    struct store_outbox **out, char **cause)
{
	return pg_todo(cause, "outbox_by_msgid");
}

static int
pg_outbox_report(struct store *st, gint64 id, const char *status,
    const char *last_error, char **cause)
{
	return pg_todo(cause, "outbox_report");
}

static int
pg_bounce_add(struct store *st, const char *address, gint64 ticket_id,
    gint64 at, const char *status, char **cause)
{
	return pg_todo(cause, "bounce_add");
}

static int
pg_bounce_since(struct store *st, const char *address, gint64 since, gint64 *at,
    char **status, char **cause)
{
	return pg_todo(cause, "bounce_since");
}

static int
pg_ticket_list(struct store *st, GPtrArray **tickets, char **cause)
{
	return pg_todo(cause, "ticket_list");
}

static int
pg_ticket_get(struct store *st, gint64 id, struct store_ticket **a2,
    char **cause)
{
	return pg_todo(cause, "ticket_get");
}

static int
pg_message_list(struct store *st, gint64 ticket_id, GPtrArray **messages,
    char **cause)
{
	return pg_todo(cause, "message_list");
}

static int
pg_event_list(struct store *st, gint64 ticket_id, GPtrArray **events,
    char **cause)
{
	return pg_todo(cause, "event_list");
}

static int
pg_imap_state_get(struct store *st, const char *account, const char *mailbox,
    guint32 *uidvalidity, guint32 *last_uid, char **cause)
{
	return pg_todo(cause, "imap_state_get");
}

static int
pg_imap_state_set(struct store *st, const char *account, const char *mailbox,
    guint32 uidvalidity, guint32 last_uid, char **cause)
{
	return pg_todo(cause, "imap_state_set");
}

static int
pg_imap_failure_add(struct store *st, const char *account, const char *mailbox,
    guint32 uidvalidity, guint32 uid, const char *error, guint *count,
    char **cause)
{
	return pg_todo(cause, "imap_failure_add");
}

static int
pg_imap_failure_clear(struct store *st, const char *account,
    const char *mailbox, guint32 uidvalidity, guint32 uid, char **cause)
{
	return pg_todo(cause, "imap_failure_clear");
}

static int
pg_imap_failure_count(struct store *st, const char *account,
    const char *mailbox, guint32 uidvalidity, guint32 uid, guint *count,
    char **cause)
{
	return pg_todo(cause, "imap_failure_count");
}

static int
pg_ticket_attention(struct store *st, gint64 id, char **cause)
{
	return pg_todo(cause, "ticket_attention");
}

static int
pg_message_raw(struct store *st, gint64 message_id, GBytes **raw, char **cause)
{
	return pg_todo(cause, "message_raw");
}

static int
pg_ticket_update(struct store *st, const struct store_ticket *a1, char **cause)
{
	return pg_todo(cause, "ticket_update");
}

static int
pg_tag_add(struct store *st, gint64 ticket_id, const char *tag, char **cause)
{
	return pg_todo(cause, "tag_add");
}

static int
pg_tag_remove(struct store *st, gint64 ticket_id, const char *tag, char **cause)
{
	return pg_todo(cause, "tag_remove");
}

static int
pg_ticket_find(struct store *st, const struct store_filter *a1,
    GPtrArray **tickets, char **cause)
{
	return pg_todo(cause, "ticket_find");
}

static int
pg_link_add(struct store *st, gint64 a, gint64 b, char **cause)
{
	return pg_todo(cause, "link_add");
}

static int
pg_link_list(struct store *st, gint64 id, GArray **ids, char **cause)
{
	return pg_todo(cause, "link_list");
}

static int
pg_tickets_live(struct store *st, gint64 after, guint limit, GArray **ids,
    char **cause)
{
	return pg_todo(cause, "tickets_live");
}

static int
pg_ticket_authors(struct store *st, gint64 ticket_id, GPtrArray **names,
    char **cause)
{
	return pg_todo(cause, "ticket_authors");
}

static int
pg_notify_add(struct store *st, struct store_notify *a1, char **cause)
{
	return pg_todo(cause, "notify_add");
}

static int
pg_notify_list(struct store *st, guint limit, GPtrArray **out, char **cause)
{
	return pg_todo(cause, "notify_list");
}

static int
pg_notify_delete(struct store *st, gint64 id, char **cause)
{
	return pg_todo(cause, "notify_delete");
}

static int
pg_sla_get(struct store *st, gint64 ticket, struct store_sla *out, char **cause)
{
	return pg_todo(cause, "sla_get");
}

static int
pg_sla_put(struct store *st, gint64 ticket, const struct store_sla *a2,
    char **cause)
{
	return pg_todo(cause, "sla_put");
}

static int
pg_sla_wait_add(struct store *st, gint64 ticket,
    const struct store_sla_wait *a2, char **cause)
{
	return pg_todo(cause, "sla_wait_add");
}

static int
pg_sla_wait_list(struct store *st, gint64 ticket, GArray **out, char **cause)
{
	return pg_todo(cause, "sla_wait_list");
}

static int
pg_timer_set(struct store *st, gint64 ticket, const struct store_timer *want,
    guint n, char **cause)
{
	return pg_todo(cause, "timer_set");
}

static int
pg_timer_clear(struct store *st, gint64 ticket, char **cause)
{
	return pg_todo(cause, "timer_clear");
}

static int
pg_timer_due(struct store *st, gint64 now, guint limit, GArray **out,
    char **cause)
{
	return pg_todo(cause, "timer_due");
}

static int
pg_timer_fired(struct store *st, gint64 ticket, const char *kind, char **cause)
{
	return pg_todo(cause, "timer_fired");
}

static int
pg_timer_retry(struct store *st, gint64 ticket, const char *kind, gint64 due,
    char **cause)
{
	return pg_todo(cause, "timer_retry");
}

static int
pg_timer_next(struct store *st, gint64 *due, char **cause)
{
	return pg_todo(cause, "timer_next");
}

static int
pg_report_tickets(struct store *st, gint64 from, gint64 to, const char *queue,
    void (*each)(const struct store_report_ticket *, gpointer), gpointer arg,
    char **cause)
{
	return pg_todo(cause, "report_tickets");
}

static int
pg_report_waits(struct store *st, gint64 from, gint64 to, const char *queue,
    void (*each)(const struct store_report_ticket *,
    const struct store_sla_wait *, gpointer), gpointer arg, char **cause)
{
	return pg_todo(cause, "report_waits");
}

static int
pg_report_tags(struct store *st, gint64 to, void (*each)(gint64 ticket,
    const char *tag, gpointer), gpointer arg, char **cause)
{
	return pg_todo(cause, "report_tags");
}

static int
pg_csat_get(struct store *st, gint64 ticket, struct store_csat *out,
    char **cause)
{
	return pg_todo(cause, "csat_get");
}

static int
pg_csat_put(struct store *st, gint64 ticket, const struct store_csat *a2,
    char **cause)
{
	return pg_todo(cause, "csat_put");
}

static int
pg_csat_by_msgid(struct store *st, const char *msgid, gint64 *ticket,
    char **cause)
{
	return pg_todo(cause, "csat_by_msgid");
}

static int
pg_stats(struct store *st, gint64 at_risk, guint timeout_ms,
    struct store_stats *out, char **cause)
{
	return pg_todo(cause, "stats");
}

static int
pg_search(struct store *st, const struct store_search *q, GPtrArray **hits,
    struct store_search_note *note, char **cause)
{
	return pg_todo(cause, "search");
}

static int
pg_search_index(struct store *st, guint max, gsize max_bytes, guint *indexed,
    char **cause)
{
	return pg_todo(cause, "search_index");
}

static int
pg_search_backlog(struct store *st, gint64 *mark, gint64 *last, char **cause)
{
	return pg_todo(cause, "search_backlog");
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.match = pg_match,
	.local = 0,
	.open = pg_open,
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.savepoint = pg_savepoint,
	.release = pg_release,
	.rollback_savepoint = pg_rollback_savepoint,
	.meta_get = pg_meta_get,
	.meta_set = pg_meta_set,
	.message_find = pg_message_find,
	.msgid_ticket = pg_msgid_ticket,
	.msgid_referrers = pg_msgid_referrers,
	.ticket_exists = pg_ticket_exists,
	.participant_find = pg_participant_find,
	.participant_add = pg_participant_add,
	.participant_list = pg_participant_list,
	.delivery_add = pg_delivery_add,
	.ticket_create = pg_ticket_create,
	.message_add = pg_message_add,
	.event_add = pg_event_add,
	.outbox_add = pg_outbox_add,
	.outbox_claim = pg_outbox_claim,
	.outbox_unclaim = pg_outbox_unclaim,
	.outbox_next = pg_outbox_next,
	.outbox_update = pg_outbox_update,
	.outbox_list = pg_outbox_list,
	.outbox_summary = pg_outbox_summary,
	.outbox_get = pg_outbox_get,
	.outbox_admin = pg_outbox_admin,
	.autoreply_count = pg_autoreply_count,
	.autoreply_add = pg_autoreply_add,
	.autoreply_count_pair = pg_autoreply_count_pair,
	.outbox_by_msgid = pg_outbox_by_msgid,
	.outbox_report = pg_outbox_report,
	.bounce_add = pg_bounce_add,
	.bounce_since = pg_bounce_since,
	.ticket_list = pg_ticket_list,
	.ticket_get = pg_ticket_get,
	.message_list = pg_message_list,
	.event_list = pg_event_list,
	.imap_state_get = pg_imap_state_get,
	.imap_state_set = pg_imap_state_set,
	.imap_failure_add = pg_imap_failure_add,
	.imap_failure_clear = pg_imap_failure_clear,
	.imap_failure_count = pg_imap_failure_count,
	.ticket_attention = pg_ticket_attention,
	.message_raw = pg_message_raw,
	.ticket_update = pg_ticket_update,
	.tag_add = pg_tag_add,
	.tag_remove = pg_tag_remove,
	.ticket_find = pg_ticket_find,
	.link_add = pg_link_add,
	.link_list = pg_link_list,
	.tickets_live = pg_tickets_live,
	.ticket_authors = pg_ticket_authors,
	.notify_add = pg_notify_add,
	.notify_list = pg_notify_list,
	.notify_delete = pg_notify_delete,
	.requester_facts = pg_requester_facts,
	.sla_get = pg_sla_get,
	.sla_put = pg_sla_put,
	.sla_wait_add = pg_sla_wait_add,
	.sla_wait_list = pg_sla_wait_list,
	.timer_set = pg_timer_set,
	.timer_clear = pg_timer_clear,
	.timer_due = pg_timer_due,
	.timer_fired = pg_timer_fired,
	.timer_retry = pg_timer_retry,
	.timer_next = pg_timer_next,
	.report_tickets = pg_report_tickets,
	.report_waits = pg_report_waits,
	.report_tags = pg_report_tags,
	.csat_get = pg_csat_get,
	.csat_put = pg_csat_put,
	.csat_by_msgid = pg_csat_by_msgid,
	.stats = pg_stats,
	.search = pg_search,
	.search_index = pg_search_index,
	.search_backlog = pg_search_backlog,
};
