/*
 * test-store-pg: the PostgreSQL backend against a real server, named by
 * TICKETD_PG_URI (tests/integration/pg-store.t starts a private one
 * with tests/peers/pg.sh and runs this). Without it every test skips,
 * so that make check's unit run passes on a machine without a server.
 * The database is fresh: the first open makes the schema.
 */
#include <string.h>

#include "mime.h"
#include "store.h"

#include "mail-fixture.h"

static const char *uri;

static struct store *
open_store(void)
{
	struct store	*st;
	char		*cause = NULL;

	if ((st = store_open(uri, &cause)) == NULL)
		g_error("store_open: %s", cause);
	return st;
}

static gboolean
need_server(void)
{
	if (uri != NULL)
		return TRUE;
	g_test_skip("TICKETD_PG_URI is not set");
	return FALSE;
}

static gint64
ticket_of(struct store *st, const char *subject, const char *requester,
    const char *status)
{
	struct store_ticket	 t = { 0 };
	char			*tags[] = { "b", "a", NULL };
	char			*cause = NULL;

	t.subject = (char *)subject;
	t.requester_name = "Ann";
	t.requester_addr = (char *)requester;
	t.status = (char *)status;
	t.queue = "support";
	t.priority = "normal";
	t.created_at = 1000;
	t.updated_at = 1000;
	t.tags = tags;
	g_assert_cmpint(st->ops->ticket_create(st, &t, &cause), ==, 0);
	g_assert_cmpint(t.id, >, 0);
	g_assert_cmpint(t.status_at, ==, 1000);
	return t.id;
}

static gint64
ticket_new(struct store *st, const char *subject)
{
	return ticket_of(st, subject, "ann@example.org", "new");
}

/* Store mail text in ticket, under its own dedupe key. */
static gint64
message_new(struct store *st, gint64 ticket, const char *direction,
    const char *key, const char *text)
{
	struct store_message_in	 in = { 0 };
	struct mail		*m = parse(text);
	char			*cause = NULL;
	gint64			 id = 0;

	in.ticket_id = ticket;
	in.direction = direction;
	in.source = "lmtp";
	in.dedupe_key = key;
	in.received_at = 2000;
	in.mail = m;
	g_assert_cmpint(st->ops->message_add(st, &in, &id, &cause), ==, 0);
	mail_free(m);
	return id;
}

static int
meta_is(struct store *st, const char *key, const char *want)
{
	GBytes	*value = NULL;
	char	*cause = NULL;
	int	 found;

	found = st->ops->meta_get(st, key, &value, &cause);
	g_assert_cmpint(found, >=, 0);
	if (found == 1) {
		g_assert_cmpmem(g_bytes_get_data(value, NULL),
		    g_bytes_get_size(value), want, strlen(want));
		g_bytes_unref(value);
	}
	return found;
}

static void
meta_put(struct store *st, const char *key, const char *v)
{
	GBytes	*value = g_bytes_new(v, strlen(v));
	char	*cause = NULL;

	g_assert_cmpint(st->ops->meta_set(st, key, value, &cause), ==, 0);
	g_bytes_unref(value);
}

/* Two handles: the second open finds the schema made and migrates nothing. */
static void
test_open(void)
{
	struct store	*a, *b;

	if (!need_server())
		return;
	a = open_store();
	b = open_store();
	g_assert_cmpstr(a->ops->name, ==, "postgresql");
	g_assert_null(store_local_path(uri));
	store_close(b);
	store_close(a);
}

/* Commit keeps, rollback drops; savepoints nest and undo the innermost. */
static void
test_transactions(void)
{
	struct store	*st;
	char		*cause = NULL;
	gint64		 kept, dropped;

	if (!need_server())
		return;
	st = open_store();
	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	kept = ticket_new(st, "kept");
	g_assert_cmpint(st->ops->savepoint(st, &cause), ==, 0);
	meta_put(st, "sp", "outer");
	g_assert_cmpint(st->ops->savepoint(st, &cause), ==, 0);
	meta_put(st, "sp", "inner");
	st->ops->rollback_savepoint(st);
	g_assert_cmpint(meta_is(st, "sp", "outer"), ==, 1);
	g_assert_cmpint(st->ops->release(st, &cause), ==, 0);
	g_assert_cmpint(st->ops->commit(st, &cause), ==, 0);
	g_assert_cmpint(meta_is(st, "sp", "outer"), ==, 1);
	g_assert_cmpint(st->ops->ticket_exists(st, kept, &cause), ==, 1);

	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	dropped = ticket_new(st, "dropped");
	st->ops->rollback(st);
	g_assert_cmpint(st->ops->ticket_exists(st, dropped, &cause), ==, 0);
	st->ops->rollback(st);		/* harmless without a transaction */

	/* A failed op aborts the transaction: commit must say so. */
	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	g_assert_cmpint(st->ops->event_add(st, 999999, 1, "x", NULL, &cause),
	    ==, -1);
	g_assert_nonnull(strstr(cause, "event_add"));
	g_clear_pointer(&cause, g_free);
	g_assert_cmpint(st->ops->commit(st, &cause), ==, -1);
	g_clear_pointer(&cause, g_free);
	st->ops->rollback(st);

	/* Undone to a savepoint before it, the transaction goes on. */
	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	g_assert_cmpint(st->ops->savepoint(st, &cause), ==, 0);
	g_assert_cmpint(st->ops->event_add(st, 999999, 1, "x", NULL, &cause),
	    ==, -1);
	g_clear_pointer(&cause, g_free);
	st->ops->rollback_savepoint(st);
	meta_put(st, "after", "yes");
	g_assert_cmpint(st->ops->commit(st, &cause), ==, 0);
	g_assert_cmpint(meta_is(st, "after", "yes"), ==, 1);
	store_close(st);
}

/* What the ingest of one new ticket writes. */
static void
test_ingest(void)
{
	struct store		*st;
	struct mail		*m;
	struct store_message_in	 in = { 0 };
	struct store_delivery	 d = { "support", "help@example.org" };
	GPtrArray		*deliveries = g_ptr_array_new();
	char			*cause = NULL;
	gint64			 ticket, id = 0, found_id, found_ticket;

	if (!need_server())
		return;
	st = open_store();
	m = parse("From: Ann <ann@example.org>\r\nTo: help@example.org\r\n"
	    "Message-ID: <1@example.org>\r\nIn-Reply-To: <0@example.org>\r\n"
	    "Subject: printer\r\n\r\nIt's on fire.\r\n");
	g_ptr_array_add(deliveries, &d);
	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	ticket = ticket_new(st, "printer");
	in.ticket_id = ticket;
	in.direction = "in";
	in.source = "lmtp";
	in.return_path = "ann@example.org";
	in.dedupe_key = "<1@example.org>\nann@example.org\n";
	in.received_at = 2000;
	in.mail = m;
	in.deliveries = deliveries;
	g_assert_cmpint(st->ops->message_add(st, &in, &id, &cause), ==, 0);
	g_assert_cmpint(id, >, 0);
	g_assert_cmpint(st->ops->event_add(st, ticket, 2000, "created", NULL,
	    &cause), ==, 0);
	g_assert_cmpint(st->ops->participant_add(st, ticket,
	    "ann@example.org", &cause), ==, 0);
	g_assert_cmpint(st->ops->participant_add(st, ticket,
	    "ann@example.org", &cause), ==, 0);
	g_assert_cmpint(st->ops->commit(st, &cause), ==, 0);

	g_assert_cmpint(st->ops->message_find(st, in.dedupe_key, &found_id,
	    &found_ticket, &cause), ==, 1);
	g_assert_cmpint(found_id, ==, id);
	g_assert_cmpint(found_ticket, ==, ticket);
	g_assert_cmpint(st->ops->message_find(st, "nothing", &found_id,
	    &found_ticket, &cause), ==, 0);
	/* The same delivery again is known; another queue's is new. */
	g_assert_cmpint(st->ops->delivery_add(st, id, &d, &cause), ==, 0);
	d.queue = "sales";
	g_assert_cmpint(st->ops->delivery_add(st, id, &d, &cause), ==, 1);
	/* A second message with that dedupe key is refused. */
	g_assert_cmpint(st->ops->message_add(st, &in, &id, &cause), ==, -1);
	g_assert_nonnull(strstr(cause, "message_add"));
	g_free(cause);
	g_ptr_array_free(deliveries, TRUE);
	mail_free(m);
	store_close(st);
}

/* Two nodes share one thread key: the second reads the first's. */
static void
test_thread_key(void)
{
	struct store	*a, *b;
	guint8		 ka[32], kb[32];
	char		*cause = NULL;

	if (!need_server())
		return;
	a = open_store();
	b = open_store();
	g_assert_cmpint(store_thread_key(a, ka, sizeof ka, &cause), ==, 0);
	g_assert_cmpint(store_thread_key(b, kb, sizeof kb, &cause), ==, 0);
	g_assert_cmpmem(ka, sizeof ka, kb, sizeof kb);
	store_close(b);
	store_close(a);
}

/*
 * The threading lookups: a Message-ID's ticket (the preferred
 * participant's first, else the oldest), the incoming mail citing it,
 * and the participants.
 */
static void
test_lookups(void)
{
	struct store		*st;
	struct store_referrer	*r;
	GPtrArray		*out = NULL;
	char			*cause = NULL;
	gint64			 a, b, reply, ticket = 0;

	if (!need_server())
		return;
	st = open_store();
	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	a = ticket_new(st, "first");
	b = ticket_new(st, "second");
	message_new(st, a, "in", "lk1", "From: a@example.org\r\n"
	    "Message-ID: <same@lookups>\r\n\r\none\r\n");
	message_new(st, b, "in", "lk2", "From: b@example.org\r\n"
	    "Message-ID: <same@lookups>\r\n\r\ntwo\r\n");
	reply = message_new(st, b, "in", "lk3", "From: c@example.org\r\n"
	    "Message-ID: <reply@lookups>\r\n"
	    "In-Reply-To: <same@lookups>\r\n\r\nthree\r\n");
	message_new(st, b, "out", "lk4", "From: help@example.org\r\n"
	    "References: <same@lookups>\r\n\r\nfour\r\n");
	g_assert_cmpint(st->ops->participant_add(st, b, "b@example.org",
	    &cause), ==, 0);
	g_assert_cmpint(st->ops->participant_add(st, b, "a@example.org",
	    &cause), ==, 0);
	g_assert_cmpint(st->ops->participant_add(st, b, "Z@example.org",
	    &cause), ==, 0);
	g_assert_cmpint(st->ops->commit(st, &cause), ==, 0);

	g_assert_cmpint(st->ops->msgid_ticket(st, "same@lookups", NULL,
	    &ticket, &cause), ==, 1);
	g_assert_cmpint(ticket, ==, a);
	g_assert_cmpint(st->ops->msgid_ticket(st, "same@lookups",
	    "b@example.org", &ticket, &cause), ==, 1);
	g_assert_cmpint(ticket, ==, b);
	g_assert_cmpint(st->ops->msgid_ticket(st, "none@lookups", NULL,
	    &ticket, &cause), ==, 0);

	/* Only incoming mail counts as a referrer. */
	g_assert_cmpint(st->ops->msgid_referrers(st, "same@lookups", &out,
	    &cause), ==, 0);
	g_assert_cmpuint(out->len, ==, 1);
	r = out->pdata[0];
	g_assert_cmpint(r->message_id, ==, reply);
	g_assert_cmpint(r->ticket_id, ==, b);
	g_assert_cmpstr(r->from_addr, ==, "c@example.org");
	g_assert_cmpstr(r->msgid, ==, "reply@lookups");
	g_ptr_array_free(out, TRUE);

	g_assert_cmpint(st->ops->participant_find(st, b, "b@example.org",
	    &cause), ==, 1);
	g_assert_cmpint(st->ops->participant_find(st, a, "b@example.org",
	    &cause), ==, 0);
	/* Sorted bytewise, as SQLite does, whatever the server's locale. */
	g_assert_cmpint(st->ops->participant_list(st, b, &out, &cause), ==, 0);
	g_assert_cmpuint(out->len, ==, 3);
	g_assert_cmpstr(out->pdata[0], ==, "Z@example.org");
	g_assert_cmpstr(out->pdata[1], ==, "a@example.org");
	g_assert_cmpstr(out->pdata[2], ==, "b@example.org");
	g_ptr_array_free(out, TRUE);
	g_assert_null(cause);
	store_close(st);
}

/* What the rules read of a requester, from a second handle. */
static void
test_requester_facts(void)
{
	struct store	*st, *reader;
	char		*cause = NULL;
	guint		 open = 99;
	int		 is_first = -1;
	gint64		 t;

	if (!need_server())
		return;
	st = open_store();
	reader = open_store();
	g_assert_cmpint(reader->ops->requester_facts(reader, "A@facts.example",
	    &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, 0);
	g_assert_cmpint(is_first, ==, 1);
	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	t = ticket_of(st, "f", "a@Facts.example", "open");
	ticket_of(st, "f", "a@facts.example", "pending");
	ticket_of(st, "f", "a@facts.example", "resolved");
	ticket_of(st, "f", "b@facts.example", "new");
	message_new(st, t, "in", "facts1", "From: a@facts.example\r\n\r\n"
	    "hi\r\n");
	for (int i = 0; i < STORE_FACTS_OPEN_MAX + 5; i++)
		ticket_of(st, "f", "many@facts.example", "open");
	g_assert_cmpint(st->ops->commit(st, &cause), ==, 0);
	g_assert_cmpint(reader->ops->requester_facts(reader, "a@FACTS.example",
	    &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, 2);
	g_assert_cmpint(is_first, ==, 0);
	g_assert_cmpint(reader->ops->requester_facts(reader, "b@facts.example",
	    &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, 1);
	g_assert_cmpint(is_first, ==, 1);
	/* More open tickets than are counted. */
	g_assert_cmpint(reader->ops->requester_facts(reader,
	    "many@facts.example", &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, STORE_FACTS_OPEN_MAX);
	g_assert_null(cause);
	store_close(reader);
	store_close(st);
}

static gint64
outbox_new(struct store *st, gint64 ticket, gint64 created_at)
{
	struct store_outbox	 o = { 0 };
	char			*cause = NULL;

	o.ticket_id = ticket;
	o.kind = "ack";
	o.envelope_from = "";
	o.rcpt = "ann@example.org";
	o.message_id = "<ack@outbox>";
	o.data = g_bytes_new_static("x\0y", 3);
	o.created_at = created_at;
	g_assert_cmpint(st->ops->outbox_add(st, &o, &cause), ==, 0);
	g_assert_cmpint(o.id, >, 0);
	g_bytes_unref(o.data);
	return o.id;
}

static GPtrArray *
claim(struct store *st, gint64 now, guint limit, const char *owner)
{
	GPtrArray	*out = NULL;
	char		*cause = NULL;

	g_assert_cmpint(st->ops->outbox_claim(st, now, limit, owner, &out,
	    &cause), ==, 0);
	return out;
}

/*
 * Queued mail is claimed when due, oldest first, once; a row another
 * transaction holds is skipped, not waited for.
 */
static void
test_outbox_claim(void)
{
	struct store		*a, *b;
	struct store_outbox	*o;
	GPtrArray		*out, *held;
	char			*cause = NULL;
	gint64			 ticket, late, early, none;

	if (!need_server())
		return;
	a = open_store();
	b = open_store();
	ticket = ticket_new(a, "outbox");
	late = outbox_new(a, ticket, 100010);
	early = outbox_new(a, ticket, 100005);
	outbox_new(a, ticket, 100020);
	none = outbox_new(a, 0, 100030);
	out = claim(a, 100015, 10, "node-a");
	g_assert_cmpuint(out->len, ==, 2);
	o = out->pdata[0];
	g_assert_cmpint(o->id, ==, early);
	g_assert_cmpstr(o->status, ==, "sending");
	g_assert_cmpstr(o->claimed_by, ==, "node-a");
	g_assert_cmpint(o->claimed_at, ==, 100015);
	g_assert_cmpint(o->ticket_id, ==, ticket);
	g_assert_cmpmem(g_bytes_get_data(o->data, NULL),
	    g_bytes_get_size(o->data), "x\0y", 3);
	g_assert_cmpint(((struct store_outbox *)out->pdata[1])->id, ==, late);
	g_ptr_array_free(out, TRUE);
	out = claim(a, 100015, 10, "node-a");
	g_assert_cmpuint(out->len, ==, 0);
	g_ptr_array_free(out, TRUE);

	/* a holds the older row in its transaction: b takes the next. */
	g_assert_cmpint(a->ops->begin(a, &cause), ==, 0);
	held = claim(a, 100030, 1, "node-a");
	g_assert_cmpuint(held->len, ==, 1);
	out = claim(b, 100030, 10, "node-b");
	g_assert_cmpuint(out->len, ==, 1);
	o = out->pdata[0];
	g_assert_cmpint(o->id, ==, none);
	g_assert_cmpint(o->ticket_id, ==, 0);
	g_assert_cmpstr(o->claimed_by, ==, "node-b");
	g_assert_cmpint(((struct store_outbox *)held->pdata[0])->id, !=, none);
	g_assert_cmpint(a->ops->commit(a, &cause), ==, 0);
	g_ptr_array_free(out, TRUE);
	g_ptr_array_free(held, TRUE);
	g_assert_null(cause);
	store_close(b);
	store_close(a);
}

/* An op not written yet fails, naming itself, and crashes nothing. */
static void
test_not_implemented(void)
{
	struct store	*st;
	GPtrArray	*tickets = NULL;
	char		*cause = NULL;

	if (!need_server())
		return;
	st = open_store();
	g_assert_cmpint(st->ops->ticket_list(st, &tickets, &cause), ==, -1);
	g_assert_cmpstr(cause, ==,
	    "not implemented for PostgreSQL yet: ticket_list");
	g_assert_null(tickets);
	g_free(cause);
	store_close(st);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	uri = g_getenv("TICKETD_PG_URI");
	g_test_add_func("/store-pg/open", test_open);
	g_test_add_func("/store-pg/transactions", test_transactions);
	g_test_add_func("/store-pg/ingest", test_ingest);
	g_test_add_func("/store-pg/thread_key", test_thread_key);
	g_test_add_func("/store-pg/lookups", test_lookups);
	g_test_add_func("/store-pg/requester_facts", test_requester_facts);
	g_test_add_func("/store-pg/outbox_claim", test_outbox_claim);
	g_test_add_func("/store-pg/not_implemented", test_not_implemented);
	return g_test_run();
}
