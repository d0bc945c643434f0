/*
 * test-reply: the loop-protection rules, the retry backoff and the
 * Message-ID key from secret_file.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "mime.h"
#include "outbox.h"
#include "reply.h"

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
	struct conf	*c = load("[smtp]\nurl = smtp://127.0.0.1:25\n"
			    "retry_min = 5s\nretry_max = 1m\n"
			    "[ticketd]\ntemplates = templates");

	g_assert_cmpuint(outbox_backoff(c, 1), ==, 5);
	g_assert_cmpuint(outbox_backoff(c, 2), ==, 10);
	g_assert_cmpuint(outbox_backoff(c, 3), ==, 20);
	g_assert_cmpuint(outbox_backoff(c, 4), ==, 40);
	g_assert_cmpuint(outbox_backoff(c, 5), ==, 60);
	g_assert_cmpuint(outbox_backoff(c, 500), ==, 60);
	conf_unref(c);
}

static void
test_secret_key(void)
{
	char		*path = NULL, *extra, *cause = NULL;
	int		 fd = g_file_open_tmp("test-reply-XXXXXX.key", &path, NULL);
	guint8		 key[THREAD_KEY_LEN], want[THREAD_KEY_LEN];
	gsize		 len = sizeof want;
	GChecksum	*sum = g_checksum_new(G_CHECKSUM_SHA256);
	struct conf	*c;
	static const char secret[] = "a secret of more than sixteen octets";

	close(fd);
	g_assert_true(g_file_set_contents(path, secret, -1, NULL));
	extra = g_strdup_printf("secret_file = %s", path);
	c = load(extra);
	g_assert_cmpint(reply_thread_key(c, NULL, key, &cause), ==, 0);
	g_checksum_update(sum, (const guchar *)secret, strlen(secret));
	g_checksum_get_digest(sum, want, &len);
	g_assert_cmpmem(key, sizeof key, want, sizeof want);
	g_checksum_free(sum);
	conf_unref(c);
	g_unlink(path);
	g_free(path);
	g_free(extra);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	g_test_add_func("/reply/suppress", test_suppress);
	g_test_add_func("/reply/backoff", test_backoff);
	g_test_add_func("/reply/secret-key", test_secret_key);
	return g_test_run();
}
