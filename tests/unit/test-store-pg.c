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
ticket_new(struct store *st, const char *subject)
{
	struct store_ticket	 t = { 0 };
	char			*tags[] = { "b", "a", NULL };
	char			*cause = NULL;

	t.subject = (char *)subject;
	t.requester_name = "Ann";
	t.requester_addr = "ann@example.org";
	t.status = "new";
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
	g_test_add_func("/store-pg/not_implemented", test_not_implemented);
	return g_test_run();
}
