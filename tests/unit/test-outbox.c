/*
 * test-outbox: claiming outbox rows on the SQLite store, with one handle
 * per process as the daemon, ticketctl and "ticketd deliver" each have:
 * a row is taken by one handle only, even when two race for it, and a
 * claim left by a process that ended can be given back.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "store.h"

#define ROWS	200

struct fixture {
	char		*dir;
	char		*db;
	struct store	*a, *b;
};

static struct store *
open_store(const char *db)
{
	char		*cause = NULL;
	struct store	*st = store_open(db, &cause);

	g_assert_null(cause);
	g_assert_nonnull(st);
	return st;
}

static void
fixture_setup(struct fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("test-outbox-XXXXXX", NULL);
	f->db = g_build_filename(f->dir, "t.db", NULL);
	f->a = open_store(f->db);
	f->b = open_store(f->db);
}

static void
fixture_teardown(struct fixture *f, gconstpointer data)
{
	const char	*suffix[] = { "", "-wal", "-shm" };

	store_close(f->a);
	store_close(f->b);
	for (guint i = 0; i < G_N_ELEMENTS(suffix); i++) {
		char *p = g_strconcat(f->db, suffix[i], NULL);

		g_unlink(p);
		g_free(p);
	}
	g_rmdir(f->dir);
	g_free(f->db);
	g_free(f->dir);
}

static void
queue_rows(struct store *st, guint n)
{
	char	*cause = NULL;

	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	for (guint i = 0; i < n; i++) {
		char			*id = g_strdup_printf("m%u@test", i);
		struct store_outbox	 o = { .kind = "ack", .envelope_from = "",
					    .rcpt = "c@example.org",
					    .message_id = id, .created_at = 100,
					    .data = g_bytes_new_static("x\r\n", 3) };

		g_assert_cmpint(st->ops->outbox_add(st, &o, &cause), ==, 0);
		g_bytes_unref(o.data);
		g_free(id);
	}
	g_assert_cmpint(st->ops->commit(st, &cause), ==, 0);
}

/* Claim up to limit rows as the sender would: in its own transaction. */
static GPtrArray *
claim(struct store *st, const char *owner, guint limit)
{
	GPtrArray	*rows = NULL;
	char		*cause = NULL;

	g_assert_cmpint(st->ops->begin(st, &cause), ==, 0);
	g_assert_cmpint(st->ops->outbox_claim(st, 1000, limit, owner, &rows,
	    &cause), ==, 0);
	g_assert_cmpint(st->ops->commit(st, &cause), ==, 0);
	g_assert_null(cause);
	return rows;
}

static void
test_claim_is_exclusive(struct fixture *f, gconstpointer data)
{
	GPtrArray	*a, *b, *again;

	queue_rows(f->a, 3);
	a = claim(f->a, "host:1", 2);
	g_assert_cmpuint(a->len, ==, 2);
	for (guint i = 0; i < a->len; i++) {
		struct store_outbox *o = a->pdata[i];

		g_assert_cmpstr(o->status, ==, "sending");
		g_assert_cmpstr(o->claimed_by, ==, "host:1");
		g_assert_cmpint(o->claimed_at, ==, 1000);
	}
	/* Oldest first, though RETURNING promises no order. */
	g_assert_cmpint(((struct store_outbox *)a->pdata[0])->id, <,
	    ((struct store_outbox *)a->pdata[1])->id);
	b = claim(f->b, "host:2", 10);
	g_assert_cmpuint(b->len, ==, 1);
	for (guint i = 0; i < a->len; i++)
		g_assert_cmpint(((struct store_outbox *)b->pdata[0])->id, !=,
		    ((struct store_outbox *)a->pdata[i])->id);
	again = claim(f->b, "host:2", 10);
	g_assert_cmpuint(again->len, ==, 0);
	g_ptr_array_free(a, TRUE);
	g_ptr_array_free(b, TRUE);
	g_ptr_array_free(again, TRUE);
}

struct racer {
	struct store	*st;
	const char	*owner;
	GArray		*ids;		/* gint64: every row it took */
};

static gpointer
race(gpointer arg)
{
	struct racer	*r = arg;
	GPtrArray	*rows;
	guint		 n;

	/* Until the table is dry: nothing queues rows meanwhile. */
	do {
		rows = claim(r->st, r->owner, 3);
		for (guint i = 0; i < rows->len; i++)
			g_array_append_val(r->ids,
			    ((struct store_outbox *)rows->pdata[i])->id);
		n = rows->len;
		g_ptr_array_free(rows, TRUE);
	} while (n > 0);
	return NULL;
}

/* Two handles claim as fast as they can: every row goes to exactly one. */
static void
test_claim_race(struct fixture *f, gconstpointer data)
{
	struct racer	 r[2] = {
		{ f->a, "host:1", g_array_new(FALSE, FALSE, sizeof(gint64)) },
		{ f->b, "host:2", g_array_new(FALSE, FALSE, sizeof(gint64)) },
	};
	GHashTable	*seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	GThread		*t[2];
	guint		 taken = 0;

	queue_rows(f->a, ROWS);
	for (int i = 0; i < 2; i++)
		t[i] = g_thread_new("racer", race, &r[i]);
	g_thread_join(t[0]);
	g_thread_join(t[1]);
	for (int i = 0; i < 2; i++) {
		for (guint j = 0; j < r[i].ids->len; j++) {
			gint64 *id = &g_array_index(r[i].ids, gint64, j);

			g_assert_false(g_hash_table_contains(seen, id));
			g_hash_table_add(seen, id);
		}
		taken += r[i].ids->len;
	}
	g_assert_cmpuint(taken, ==, ROWS);
	g_hash_table_destroy(seen);
	g_array_free(r[0].ids, TRUE);
	g_array_free(r[1].ids, TRUE);
}

static void
test_unclaim(struct fixture *f, gconstpointer data)
{
	GPtrArray	*dead, *mine, *back, *again;
	char		*cause = NULL;

	queue_rows(f->a, 2);
	dead = claim(f->a, "host:1", 1);
	mine = claim(f->b, "host:2", 1);
	g_assert_cmpuint(dead->len, ==, 1);
	g_assert_cmpuint(mine->len, ==, 1);
	/* host:2 gives back what host:1 left, never its own claims. */
	g_assert_cmpint(f->b->ops->outbox_unclaim(f->b, "host:2", &back,
	    &cause), ==, 0);
	g_assert_cmpuint(back->len, ==, 1);
	g_assert_cmpint(((struct store_outbox *)back->pdata[0])->id, ==,
	    ((struct store_outbox *)dead->pdata[0])->id);
	g_assert_cmpstr(((struct store_outbox *)back->pdata[0])->status, ==,
	    "queued");
	g_assert_cmpstr(((struct store_outbox *)back->pdata[0])->claimed_by,
	    ==, "host:1");
	again = claim(f->b, "host:2", 10);
	g_assert_cmpuint(again->len, ==, 1);
	g_assert_cmpint(((struct store_outbox *)again->pdata[0])->id, ==,
	    ((struct store_outbox *)dead->pdata[0])->id);
	g_ptr_array_free(dead, TRUE);
	g_ptr_array_free(mine, TRUE);
	g_ptr_array_free(back, TRUE);
	g_ptr_array_free(again, TRUE);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, \
	fn, fixture_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/outbox/claim-is-exclusive", test_claim_is_exclusive);
	ADD("/outbox/claim-race", test_claim_race);
	ADD("/outbox/unclaim", test_unclaim);
	return g_test_run();
}
