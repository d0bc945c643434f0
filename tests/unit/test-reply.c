/*
 * test-reply: the loop-protection rules, the retry backoff and the
 * Message-ID keys: from secret_file, and every earlier one kept.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "mime.h"
#include "outbox.h"
#include "reply.h"
#include "store.h"
#include "thread.h"

static struct conf *
load(const char *extra)
{
	char		*path = NULL, *text, *cause = NULL;
	int		 fd = g_file_open_tmp("test-reply-XXXXXX.conf", &path, NULL);
	struct conf	*c;

	close(fd);
	text = g_strdup_printf("[ticketd]\ndatabase = /nonexistent/t.db\n%s\n"
	    "[queue support]\naddress = support@example.com\n", extra);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	c = conf_load(path, &cause);
	if (c == NULL)
		g_error("%s", cause);
	g_unlink(path);
	g_free(path);
	g_free(text);
	return c;
}

/* The reason for a mail made of headers, from return path rp. */
static const char *
reason(struct conf *c, const char *headers, const char *rp)
{
	static struct mail *m;
	char		*text = g_strdup_printf("%sSubject: x\r\n\r\nbody\r\n",
			    headers);
	GBytes		*raw = g_bytes_new_take(text, strlen(text));

	if (m != NULL)
		mail_free(m);
	m = mime_parse(raw, NULL);
	g_bytes_unref(raw);
	return reply_suppress_reason(c, m, rp);
}

static void
test_suppress(void)
{
	struct conf	*c = load("");
	const char	*from = "From: Ann <ann@example.org>\r\n";
	char		*h;

	g_assert_null(reason(c, from, "ann@example.org"));
	h = g_strconcat(from, "Auto-Submitted: no\r\n", NULL);
	g_assert_null(reason(c, h, "ann@example.org"));
	g_free(h);
	g_assert_nonnull(reason(c, from, ""));
	g_assert_nonnull(reason(c, from, NULL));
	const char *const bad[] = {
		"Auto-Submitted: auto-replied\r\n",
		"Auto-Submitted: Auto-Generated (forwarded)\r\n",
		"Precedence: BULK\r\n",
		"Precedence: junk\r\n",
		"Precedence: list\r\n",
		"List-Id: <x.example.org>\r\n",
		"List-Unsubscribe: <mailto:x@example.org>\r\n",
		"X-Auto-Response-Suppress: All\r\n",
		"X-Ticketd-Loop: elsewhere.example\r\n",
		"Content-Type: multipart/report; report-type=delivery-status; "
		    "boundary=b\r\n",
		NULL
	};
	for (const char *const *b = bad; *b != NULL; b++) {
		h = g_strconcat(from, *b, NULL);
		if (reason(c, h, "ann@example.org") == NULL)
			g_error("no suppression for %s", *b);
		g_free(h);
	}
	const char *const robots[] = { "MAILER-DAEMON@example.org",
	    "postmaster@example.org", "noreply@example.org",
	    "no-reply@example.org", "owner-users@lists.example.org",
	    "users-request@lists.example.org", "support@example.com",
	    "SUPPORT+x@Example.COM", NULL };
	for (const char *const *r = robots; *r != NULL; r++)
		if (reason(c, from, *r) == NULL)
			g_error("no suppression for return path %s", *r);
	g_assert_null(reason(c, from, "postmaster-friend@example.org"));
	g_assert_nonnull(reason(c, "From: noreply@shop.example\r\n",
	    "bounce@shop.example"));
	reason(c, "", "x@y");	/* frees the last mail */
	conf_unref(c);
}

static void
test_backoff(void)
{
	struct conf	*c = load("templates = templates\n"
			    "[smtp]\nurl = smtp://127.0.0.1:25\n"
			    "retry_min = 5s\nretry_max = 1m");

	g_assert_cmpuint(outbox_backoff(c, 1), ==, 5);
	g_assert_cmpuint(outbox_backoff(c, 2), ==, 10);
	g_assert_cmpuint(outbox_backoff(c, 3), ==, 20);
	g_assert_cmpuint(outbox_backoff(c, 4), ==, 40);
	g_assert_cmpuint(outbox_backoff(c, 5), ==, 60);
	g_assert_cmpuint(outbox_backoff(c, 500), ==, 60);
	conf_unref(c);
}

/* A conf whose secret_file holds secret (none when NULL). */
static struct conf *
load_secret(const char *dir, const char *secret)
{
	char		*path = g_build_filename(dir, "secret", NULL);
	char		*extra = g_strdup_printf("secret_file = %s", path);
	struct conf	*c;

	if (secret != NULL)
		g_assert_true(g_file_set_contents(path, secret, -1, NULL));
	c = load(secret != NULL ? extra : "");
	g_free(path);
	g_free(extra);
	return c;
}

static void
sha256(const char *text, guint8 out[THREAD_KEY_LEN])
{
	GChecksum	*sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize		 len = THREAD_KEY_LEN;

	g_checksum_update(sum, (const guchar *)text, strlen(text));
	g_checksum_get_digest(sum, out, &len);
	g_checksum_free(sum);
}

/*
 * Load the keys of a conf with secret on store st: the first must be
 * the secret's SHA-256 (want, filled), and there must be n in all.
 */
static struct conf *
keys_for(const char *dir, struct store *st, const char *secret, gsize n,
    guint8 want[THREAD_KEY_LEN])
{
	struct conf	*c = load_secret(dir, secret);
	char		*cause = NULL;

	if (reply_keys_load(c, st, &cause) != 0)
		g_error("%s", cause);
	if (secret != NULL)
		sha256(secret, want);
	g_assert_cmpmem(g_bytes_get_data(c->msgid_keys, NULL), THREAD_KEY_LEN,
	    want, THREAD_KEY_LEN);
	g_assert_cmpuint(g_bytes_get_size(c->msgid_keys), ==,
	    n * THREAD_KEY_LEN);
	return c;
}

/*
 * secret_file's SHA-256 signs; a new secret_file signs from then on,
 * and Message-IDs signed with every earlier key, the random key of the
 * time before secret_file included, still verify, after a reopen too.
 */
static void
test_keys(void)
{
	char		*dir = g_dir_make_tmp("test-reply-XXXXXX", NULL);
	char		*db = g_build_filename(dir, "t.db", NULL), *cause = NULL;
	struct store	*st = store_open(db, &cause);
	guint8		 random[THREAD_KEY_LEN], want[THREAD_KEY_LEN];
	char		*by_random, *by_a;
	struct conf	*c;
	gint64		 id;

	g_assert_nonnull(st);
	g_assert_cmpint(store_thread_key(st, random, sizeof random, &cause), ==, 0);
	by_random = thread_msgid_make(random, 7, "hd.test");

	c = keys_for(dir, st, "the first secret, long enough", 2, want);
	g_assert_cmpint(reply_msgid_verify(c, by_random, &id), ==, 1);
	by_a = thread_msgid_make(want, 8, "hd.test");
	conf_unref(c);

	c = keys_for(dir, st, "the second secret, long enough", 3, want);
	g_assert_cmpint(reply_msgid_verify(c, by_a, &id), ==, 1);
	g_assert_cmpint(id, ==, 8);
	g_assert_cmpint(reply_msgid_verify(c, by_random, &id), ==, 1);
	g_assert_cmpint(id, ==, 7);
	g_assert_cmpint(reply_msgid_verify(c, "tkt8.0123456789abcdef."
	    "0123456789abcdef0123456789abcdef@hd.test", &id), ==, 0);
	conf_unref(c);

	/* Kept in the store: another process, or a restart, knows them. */
	store_close(st);
	st = store_open(db, &cause);
	c = keys_for(dir, st, NULL, 3, random);
	g_assert_cmpint(reply_msgid_verify(c, by_a, &id), ==, 1);
	conf_unref(c);

	store_close(st);
	for (const char *const *f = (const char *const []){ "t.db", "t.db-wal",
	    "t.db-shm", "secret", NULL }; *f != NULL; f++) {
		char *file = g_build_filename(dir, *f, NULL);

		g_unlink(file);
		g_free(file);
	}
	g_rmdir(dir);
	g_free(by_random);
	g_free(by_a);
	g_free(db);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	g_test_add_func("/reply/suppress", test_suppress);
	g_test_add_func("/reply/backoff", test_backoff);
	g_test_add_func("/reply/keys", test_keys);
	return g_test_run();
}
