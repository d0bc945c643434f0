/*
 * test-conf: the configuration parser, its file:line errors and the
 * recipient-to-queue lookup.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

static char *
write_conf(const char *text)
{
	char	*path = NULL;
	int	 fd = g_file_open_tmp("test-conf-XXXXXX.conf", &path, NULL);

	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* Load text; return the error text (NULL when it loaded). */
static char *
load_error(const char *text, char **path_out)
{
	char		*path = write_conf(text);
	char		*cause = NULL;
	struct conf	*c = conf_load(path, &cause);

	if (c != NULL)
		conf_unref(c);
	g_unlink(path);
	*path_out = path;
	return cause;
}

static void
expect_error(const char *text, guint line, const char *needle)
{
	char	*path, *cause = load_error(text, &path);
	char	*prefix = g_strdup_printf("%s:%u: ", path, line);

	g_assert_nonnull(cause);
	if (strstr(cause, prefix) == NULL || strstr(cause, needle) == NULL)
		g_error("wanted \"%s...%s\", got \"%s\"", prefix, needle, cause);
	g_free(prefix);
	g_free(path);
	g_free(cause);
}

static const char base[] =
    "[ticketd]\n"
    "database = var/t.db   ; inline comment\n"
    "hostname = hd.example.com\n"
    "# full-line comment\n"
    "[lmtp]\n"
    "listen = 127.0.0.1:2424, unix:/tmp/x.sock\n"
    "max_message_size = 10M\n"
    "[queue support]\n"
    "address = Support@Example.com, help@example.com\n"
    "name = Example Support\n";

static void
test_valid(void)
{
	char		*path = write_conf(base), *cause = NULL;
	struct conf	*c = conf_load(path, &cause);
	const struct conf_queue *q;

	g_assert_null(cause);
	g_assert_nonnull(c);
	g_assert_cmpstr(c->database, ==, "var/t.db");
	g_assert_cmpstr(c->hostname, ==, "hd.example.com");
	g_assert_cmpstr(c->lmtp_listen[0], ==, "127.0.0.1:2424");
	g_assert_cmpstr(c->lmtp_listen[1], ==, "unix:/tmp/x.sock");
	g_assert_null(c->lmtp_listen[2]);
	g_assert_cmpuint(c->lmtp_max_message_size, ==, 10 * 1024 * 1024);
	g_assert_cmpuint(c->lmtp_max_sessions, ==, 100);
	q = conf_queue_for_address(c, "support@example.com");
	g_assert_nonnull(q);
	g_assert_cmpstr(q->name, ==, "support");
	g_assert_cmpstr(q->display_name, ==, "Example Support");
	g_assert_true(conf_queue_for_address(c, "SUPPORT+urgent@example.COM") == q);
	g_assert_true(conf_queue_for_address(c, "help@example.com") == q);
	g_assert_null(conf_queue_for_address(c, "other@example.com"));
	g_assert_null(conf_queue_for_address(c, "support@example.org"));
	conf_unref(c);
	g_unlink(path);
	g_free(path);
}

static void
test_errors(void)
{
	expect_error("[ticketd]\ndatabase = x\nbogus = 1\n[queue a]\n"
	    "address = a@b\n", 3, "unknown key \"bogus\"");
	expect_error("[ticketd]\ndatabase = x\n[smtpd]\n[queue a]\n"
	    "address = a@b\n", 3, "unknown section [smtpd]");
	expect_error("[ticketd]\ndatabase = x\n[lmtp]\nmax_sessions = lots\n"
	    "[queue a]\naddress = a@b\n", 4, "max_sessions: expected a number");
	expect_error("[ticketd]\ndatabase = x\n[lmtp]\nmax_sessions = 0\n"
	    "[queue a]\naddress = a@b\n", 4, "from 1 to");
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "[queue b]\naddress = A@B\n", 6, "already owned by a queue at line 4");
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = nope\n", 4,
	    "is not an address");
	expect_error("[ticketd]\ndatabase = x\ndatabase = y\n[queue a]\n"
	    "address = a@b\n", 3, "set twice");
	expect_error("database = x\n[queue a]\naddress = a@b\n", 1,
	    "outside of any section");
	expect_error("[ticketd]\ndatabase = x\njust words\n[queue a]\n"
	    "address = a@b\n", 3, "expected \"key = value\"");
	expect_error("[ticketd\ndatabase = x\n[queue a]\naddress = a@b\n", 1,
	    "malformed section header");
}

static void
test_whole_file_errors(void)
{
	char	*path, *cause;

	cause = load_error("[ticketd]\ndatabase = x\n", &path);
	g_assert_nonnull(strstr(cause, "no [queue NAME] section"));
	g_free(cause);
	g_free(path);
	cause = load_error("[ticketd]\ndatabase = x\nsubject_tag = [#]\n"
	    "[lmtp]\nlisten = nowhere\n[queue a]\naddress = a@b\n", &path);
	g_assert_nonnull(strstr(cause, "subject_tag"));
	g_assert_nonnull(strstr(cause, "\"nowhere\" is neither"));
	g_free(cause);
	g_free(path);
	cause = load_error("[ticketd]\ndatabase = x\n"
	    "fallback_charset = no-such-charset\n[queue a]\naddress = a@b\n",
	    &path);
	g_assert_nonnull(strstr(cause, "unknown charset"));
	g_free(cause);
	g_free(path);
}

/* GMT+7 is POSIX for UTC-7: acknowledgements would be 14 hours off. */
static void
test_timezone(void)
{
	char		*path, *cause = NULL;
	struct conf	*c;

	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "timezone = GMT+7\n", 5, "Asia/Bangkok, or Etc/GMT-7 for UTC+7");
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "timezone = UTC-3\n", 5, "POSIX for UTC+3");
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "timezone = +07:00\n", 5, "unknown time zone \"+07:00\"");
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "timezone = Asia/Nowhere\n", 5, "unknown time zone");
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "timezone = ../../../etc/passwd\n", 5, "unknown time zone");
	path = write_conf("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "timezone = Etc/GMT-7\n[queue b]\naddress = b@b\n"
	    "timezone = Asia/Bangkok\n");
	c = conf_load(path, &cause);
	g_assert_null(cause);
	for (guint i = 0; i < 2; i++) {
		GTimeZone *tz = ((struct conf_queue *)c->queues->pdata[i])->timezone;

		g_assert_cmpint(g_time_zone_get_offset(tz, g_time_zone_find_interval(
		    tz, G_TIME_TYPE_UNIVERSAL, 1800000000)), ==, 7 * 3600);
	}
	conf_unref(c);
	g_unlink(path);
	g_free(path);
}

/* The file has no quoting; quotes would be kept in the value. */
static void
test_quoted(void)
{
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "name = \"Example Support\"\n", 5,
	    "the quotes would be kept; write: name = Example Support");
	expect_error("[ticketd]\ndatabase = 'x'\n[queue a]\naddress = a@b\n",
	    2, "write: database = x");
}

/* A second [ticketd] would silently merge into the first. */
static void
test_duplicate_section(void)
{
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "[ticketd]\nhostname = h\n", 5, "[ticketd] is already at line 1");
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "[lmtp]\n[queue a]\nname = A\n", 6, "[queue a] is already at line 3");
	/* Its keys still count as the first section's. */
	expect_error("[ticketd]\ndatabase = x\n[queue a]\naddress = a@b\n"
	    "[ticketd]\ndatabase = y\n", 6, "database: set twice");
}

static void
test_database_writable(void)
{
	char		*dir = g_dir_make_tmp("test-conf-XXXXXX", NULL);
	char		*text, *path, *cause = NULL;
	struct conf	*c;

	text = g_strdup_printf("[ticketd]\n\ndatabase = %s/sub/t.db\n"
	    "[queue a]\naddress = a@b\n", dir);
	path = write_conf(text);
	c = conf_load(path, &cause);
	g_assert_nonnull(c);
	g_assert_cmpint(conf_check_database(c, &cause), ==, 0);
	conf_unref(c);
	g_free(text);
	g_unlink(path);
	g_free(path);
	/* A directory nobody can create a file in, root included. */
	path = write_conf("[ticketd]\n\ndatabase = /proc/ticketd/t.db\n"
	    "[queue a]\naddress = a@b\n");
	c = conf_load(path, &cause);
	g_assert_nonnull(c);
	g_assert_cmpint(conf_check_database(c, &cause), ==, -1);
	text = g_strdup_printf("%s:3: database: /proc: ", path);
	if (!g_str_has_prefix(cause, text))
		g_error("wanted \"%s...\", got \"%s\"", text, cause);
	conf_unref(c);
	g_free(text);
	g_free(cause);
	g_unlink(path);
	g_free(path);
	g_rmdir(dir);
	g_free(dir);
}

/* [autoreply] bounce_suppress and envelope_sender: defaults and checks. */
static void
test_bounce_keys(void)
{
	const char	*texts[] = { base, "[ticketd]\ndatabase = x\n[autoreply]\n"
			    "bounce_suppress = 0\nenvelope_sender = <>\n[queue a]\n"
			    "address = a@b\n", "[ticketd]\ndatabase = x\n[autoreply]\n"
			    "bounce_suppress = 36h\nenvelope_sender = a+bounces@b\n"
			    "[queue a]\naddress = a@b\n" };
	const guint	 suppress[] = { 7 * 86400, 0, 36 * 3600 };
	const char	*sender[] = { "", "", "a+bounces@b" };
	char		*path, *cause;

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		struct conf	*c;

		path = write_conf(texts[i]);
		cause = NULL;
		c = conf_load(path, &cause);
		g_assert_null(cause);
		g_assert_cmpuint(c->bounce_suppress, ==, suppress[i]);
		g_assert_cmpstr(c->ack_envelope_sender, ==, sender[i]);
		conf_unref(c);
		g_unlink(path);
		g_free(path);
	}
	expect_error("[ticketd]\ndatabase = x\n[autoreply]\n"
	    "bounce_suppress = forever\n[queue a]\naddress = a@b\n", 4,
	    "bounce_suppress: expected a duration");
	cause = load_error("[ticketd]\ndatabase = x\n[autoreply]\n"
	    "envelope_sender = <a@b>\n[queue a]\naddress = a@b\n", &path);
	g_assert_nonnull(strstr(cause, "envelope_sender: \"<a@b>\" is neither"));
	g_free(cause);
	g_free(path);
}

static void
test_missing_file(void)
{
	char	*cause = NULL;

	g_assert_null(conf_load("/nonexistent/ticketd.conf", &cause));
	g_assert_nonnull(strstr(cause, "/nonexistent/ticketd.conf"));
	g_free(cause);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/valid", test_valid);
	g_test_add_func("/conf/errors", test_errors);
	g_test_add_func("/conf/whole-file-errors", test_whole_file_errors);
	g_test_add_func("/conf/missing-file", test_missing_file);
	g_test_add_func("/conf/timezone", test_timezone);
	g_test_add_func("/conf/quoted", test_quoted);
	g_test_add_func("/conf/duplicate-section", test_duplicate_section);
	g_test_add_func("/conf/database-writable", test_database_writable);
	g_test_add_func("/conf/bounce-keys", test_bounce_keys);
	return g_test_run();
}
