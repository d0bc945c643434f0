/*
 * store-fixture.h: a fresh SQLite store and configuration per test, for
 * the unit tests that run the pipeline or the ticket policy on a real
 * store. Included by one test file each, so its functions are static.
 * The test data, when not NULL, is more configuration text (sections).
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <glib/gstdio.h>

#include "conf.h"
#include "reply.h"
#include "store.h"
#include "thread.h"

struct fixture {
	char		*dir;
	char		*db;
	struct store	*st;
	struct conf	*conf;
	guint8		 key[THREAD_KEY_LEN];
};

static void
fixture_setup(struct fixture *f, gconstpointer data)
{
	char	*cause = NULL, *confpath, *text;

	f->dir = g_dir_make_tmp("test-store-XXXXXX", NULL);
	f->db = g_build_filename(f->dir, "t.db", NULL);
	confpath = g_build_filename(f->dir, "t.conf", NULL);
	text = g_strdup_printf("[ticketd]\ndatabase = %s\nhostname = hd.test\n"
	    "[queue support]\naddress = support@example.com\n%s", f->db,
	    data ? (const char *)data : "");
	g_assert_true(g_file_set_contents(confpath, text, -1, NULL));
	f->conf = conf_load(confpath, &cause);
	g_assert_null(cause);
	f->st = store_open(f->db, &cause);
	g_assert_null(cause);
	g_assert_cmpint(store_thread_key(f->st, f->key, sizeof f->key,
	    &cause), ==, 0);
	g_assert_cmpint(reply_keys_load(f->conf, f->st, &cause), ==, 0);
	g_unlink(confpath);
	g_free(confpath);
	g_free(text);
}

static void
fixture_teardown(struct fixture *f, gconstpointer data)
{
	char	*wal = g_strconcat(f->db, "-wal", NULL);
	char	*shm = g_strconcat(f->db, "-shm", NULL);

	store_close(f->st);
	conf_unref(f->conf);
	g_unlink(f->db);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(f->dir);
	g_free(wal);
	g_free(shm);
	g_free(f->db);
	g_free(f->dir);
}

#endif
