/*
 * test-conf: the configuration parser, its file:line errors, the
 * recipient-to-queue lookup, the agents, and the [sla] policies with
 * the queues' holiday files.
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

/* One of the error lines reads "path:line: ...needle...". */
static void
expect_error(const char *text, guint line, const char *needle)
{
	char	*path, *cause = load_error(text, &path);
	char	*prefix = g_strdup_printf("%s:%u: ", path, line);
	char	**lines;
	int	 found = 0;

	g_assert_nonnull(cause);
	lines = g_strsplit(cause, "\n", -1);
	for (char **l = lines; *l != NULL; l++)
		if (g_str_has_prefix(*l, prefix) && strstr(*l, needle) != NULL)
			found = 1;
	if (!found)
		g_error("wanted \"%s...%s\", got \"%s\"", prefix, needle, cause);
	g_strfreev(lines);
	g_free(prefix);
	g_free(path);
	g_free(cause);
}

/* Load text, which must be valid. */
static struct conf *
load_ok(const char *text)
{
	char		*path = write_conf(text), *cause = NULL;
	struct conf	*c = conf_load(path, &cause);

	if (c == NULL)
		g_error("wanted a valid file, got \"%s\"", cause);
	g_unlink(path);
	g_free(path);
	return c;
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
	expect_error("[ticketd]\nhostname = h\ndatabase = mysql:///t\n"
	    "[queue a]\naddress = a@b\n", 3,
	    "[ticketd] database: no store backend for mysql:// URIs");
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

/* Every [agent] key, with agents before the queues they name. */
static const char agents[] =
    "[ticketd]\n"
    "database = x\n"
    "close_after = 36h\n"
    "[agents]\n"
    "require_auth = yes\n"
    "authserv_id = mx.example.com\n"
    "[agent somchai]\n"
    "address = Somchai@Example.com, somchai.k@gmail.example\n"
    "name = Somchai K.\n"
    "queues = support, billing\n"
    "notify = assigned\n"
    "[agent lek_2-x]\n"
    "address = lek@example.com\n"
    "[queue support]\n"
    "address = support@example.com\n"
    "[queue billing]\n"
    "address = billing@example.com\n"
    "[queue sales]\n"
    "address = sales@example.com\n";

static void
test_agents_valid(void)
{
	struct conf		*c = load_ok(agents);
	const struct conf_agent	*a, *lek;

	g_assert_cmpuint(c->close_after, ==, 36 * 3600);
	g_assert_cmpint(c->agents_require_auth, ==, 1);
	g_assert_cmpstr(c->agents_authserv_id, ==, "mx.example.com");
	g_assert_cmpuint(c->agents->len, ==, 2);
	a = c->agents->pdata[0];
	g_assert_true(conf_agent_by_name(c, "somchai") == a);
	g_assert_cmpstr(a->name, ==, "somchai");
	g_assert_cmpstr(a->display_name, ==, "Somchai K.");
	g_assert_cmpstr(a->addresses[0], ==, "somchai@example.com");
	g_assert_cmpstr(a->addresses[1], ==, "somchai.k@gmail.example");
	g_assert_null(a->addresses[2]);
	g_assert_cmpstr(a->queues[0], ==, "support");
	g_assert_cmpstr(a->queues[1], ==, "billing");
	g_assert_null(a->queues[2]);
	g_assert_cmpint(a->notify, ==, CONF_NOTIFY_ASSIGNED);
	/* Defaults. */
	lek = conf_agent_by_name(c, "lek_2-x");
	g_assert_true(lek == c->agents->pdata[1]);
	g_assert_cmpstr(lek->display_name, ==, "lek_2-x");
	g_assert_null(lek->queues);
	g_assert_cmpint(lek->notify, ==, CONF_NOTIFY_ALL);
	g_assert_null(conf_agent_by_name(c, "Somchai"));
	g_assert_null(conf_agent_by_name(c, "nobody"));
	/* Addresses: any case, nothing else. */
	g_assert_true(conf_agent_by_address(c, "somchai@example.com") == a);
	g_assert_true(conf_agent_by_address(c, "SOMCHAI@example.COM") == a);
	g_assert_true(conf_agent_by_address(c, "Somchai.K@Gmail.Example") == a);
	g_assert_true(conf_agent_by_address(c, "LEK@example.com") == lek);
	g_assert_null(conf_agent_by_address(c, "somchai+x@example.com"));
	g_assert_null(conf_agent_by_address(c, "somchai@example.org"));
	g_assert_null(conf_agent_by_address(c, "support@example.com"));
	g_assert_null(conf_agent_by_address(c, ""));
	/* Queues: the named ones, or every one. */
	g_assert_cmpint(conf_agent_serves(a, "support"), ==, 1);
	g_assert_cmpint(conf_agent_serves(a, "billing"), ==, 1);
	g_assert_cmpint(conf_agent_serves(a, "sales"), ==, 0);
	g_assert_cmpint(conf_agent_serves(a, "Support"), ==, 0);
	g_assert_cmpint(conf_agent_serves(lek, "sales"), ==, 1);
	g_assert_cmpint(conf_agent_serves(lek, "support"), ==, 1);
	conf_unref(c);
}

static void
test_agents_defaults(void)
{
	struct conf	*c = load_ok(base);

	g_assert_cmpuint(c->close_after, ==, 7 * 86400);
	g_assert_cmpuint(c->pending_resolve, ==, 7 * 86400);
	g_assert_cmpuint(c->agents->len, ==, 0);
	g_assert_cmpint(c->agents_require_auth, ==, 0);
	g_assert_null(c->agents_authserv_id);
	g_assert_null(conf_agent_by_address(c, "support@example.com"));
	g_assert_null(conf_agent_by_name(c, "support"));
	conf_unref(c);
	/* An empty authserv_id is none; 0 closes never; 32 characters. */
	c = load_ok("[ticketd]\ndatabase = x\nclose_after = 0\n[agents]\n"
	    "require_auth = no\nauthserv_id =\n[queue a]\naddress = a@b\n"
	    "[agent 0123456789abcdefghijklmnopqrstuv]\naddress = x@b\n"
	    "name =\nnotify = NONE\n");
	g_assert_cmpuint(c->close_after, ==, 0);
	g_assert_null(c->agents_authserv_id);
	g_assert_cmpstr(((struct conf_agent *)c->agents->pdata[0])->display_name,
	    ==, "0123456789abcdefghijklmnopqrstuv");
	g_assert_cmpint(((struct conf_agent *)c->agents->pdata[0])->notify, ==,
	    CONF_NOTIFY_NONE);
	conf_unref(c);
	c = load_ok("[ticketd]\ndatabase = x\nclose_after = 2d\n[queue a]\n"
	    "address = a@b\n");
	g_assert_cmpuint(c->close_after, ==, 2 * 86400);
	conf_unref(c);
}

#define HEAD	"[ticketd]\ndatabase = x\n[queue support]\n" \
		"address = support@example.com\n"

static void
test_agents_errors(void)
{
	expect_error(HEAD "[agent Somchai]\naddress = s@b\n", 5,
	    "[agent Somchai]: an agent name is 1 to 32 characters of a-z, "
	    "0-9, _ and -, starting with a letter or digit");
	expect_error(HEAD "[agent -s]\naddress = s@b\n", 5, "an agent name is");
	expect_error(HEAD "[agent _s]\naddress = s@b\n", 5, "an agent name is");
	expect_error(HEAD "[agent s.k]\naddress = s@b\n", 5, "an agent name is");
	expect_error(HEAD "[agent none]\naddress = s@b\n", 5,
	    "are words of #assign and ticketctl assign, not agent names");
	expect_error(HEAD "[agent me]\naddress = s@b\n", 5, "not agent names");
	expect_error(HEAD "[agent s k]\naddress = s@b\n", 5, "an agent name is");
	expect_error(HEAD "[agent 0123456789abcdefghijklmnopqrstuvw]\n"
	    "address = s@b\n", 5, "an agent name is");
	expect_error(HEAD "[agent]\naddress = s@b\n", 5,
	    "[agent] needs a name: [agent NAME]");
	expect_error(HEAD "[agent s]\nname = S\n", 5,
	    "[agent s] has no address");
	expect_error(HEAD "[agent s]\naddress =\n", 5,
	    "[agent s] has no address");
	expect_error(HEAD "[agent s]\naddress = s@b, nope\n", 6,
	    "address: \"nope\" is not an address");
	expect_error(HEAD "[agent s]\naddress = s@b\n[agent t]\nname = T\n"
	    "address = t@b, S@B\n", 9, "address: s@b is already owned by an "
	    "agent at line 6");
	/* A queue's address, also when the queue comes later, or +ext. */
	expect_error("[ticketd]\ndatabase = x\n[agent s]\naddress = s@b, "
	    "Support@Example.com\n[queue support]\naddress = SUPPORT@example.com\n",
	    4, "address: support@example.com belongs to [queue support]; an "
	    "agent writes from an address of their own");
	expect_error(HEAD "[agent s]\naddress = support+s@example.com\n", 6,
	    "support+s@example.com belongs to [queue support]");
	expect_error(HEAD "[lmtp]\nrecipient_delimiter = -\n[agent s]\n"
	    "address = support-s@example.com\n", 8,
	    "support-s@example.com belongs to [queue support]");
	expect_error(HEAD "[agent s]\naddress = s@b\nqueues = support, "
	    "billing\n[queue sales]\naddress = sales@b\n", 7,
	    "queues: \"billing\" is not a [queue NAME]");
	expect_error(HEAD "[agent s]\naddress = s@b\nqueues = ,\n", 7,
	    "queues: no queue named; leave the key out for every queue");
	expect_error(HEAD "[agent s]\naddress = s@b\nnotify = some\n", 7,
	    "notify: expected one of all, assigned, none, not \"some\"");
	expect_error(HEAD "[agent s]\naddress = s@b\ncolour = red\n", 7,
	    "unknown key \"colour\" in this section");
	expect_error(HEAD "[agent s]\naddress = s@b\naddress = t@b\n", 7,
	    "address: set twice in this section");
	expect_error(HEAD "[agent s]\naddress = s@b\n[agent t]\naddress = t@b\n"
	    "[agent s]\nname = S\n", 9, "[agent s] is already at line 5");
	expect_error(HEAD "[agents]\nrequire_auth = yes\n", 6,
	    "require_auth: yes needs authserv_id");
	expect_error(HEAD "[agents]\nauthserv_id =\nrequire_auth = yes\n", 7,
	    "require_auth: yes needs authserv_id");
	expect_error(HEAD "[agents]\nrequire_auth = maybe\n", 6,
	    "require_auth: expected yes or no, not \"maybe\"");
	expect_error(HEAD "[agents]\nnotify = all\n", 6,
	    "unknown key \"notify\" in this section");
	expect_error(HEAD "[agents]\n[agents]\n", 6,
	    "[agents] is already at line 5");
	expect_error(HEAD "[agents x]\n", 5, "unknown section [agents x]");
	expect_error("[ticketd]\ndatabase = x\nclose_after = soon\n[queue a]\n"
	    "address = a@b\n", 3, "close_after: expected a duration from 0s "
	    "to 31536000s (suffix s, m, h or d), not \"soon\"");
	expect_error("[ticketd]\ndatabase = x\nclose_after = 366d\n[queue a]\n"
	    "address = a@b\n", 3, "close_after: expected a duration");
}

/* Every mistake of a file in one run, each at its line. */
static void
test_agents_all_errors(void)
{
	char	*path, *cause, *want;

	cause = load_error("[ticketd]\ndatabase = x\n[agents]\nrequire_auth = "
	    "yes\n[agent s]\naddress = nope, q@b\nqueues = no\nnotify = x\n"
	    "[agent t]\n[queue q]\naddress = q@b\n", &path);
	want = g_strdup_printf(
	    "%s:6: address: \"nope\" is not an address\n"
	    "%s:8: notify: expected one of all, assigned, none, not \"x\"\n"
	    "%s:4: require_auth: yes needs authserv_id, the host name your MX "
	    "writes in Authentication-Results\n"
	    "%s:6: address: q@b belongs to [queue q]; an agent writes from an "
	    "address of their own\n"
	    "%s:7: queues: \"no\" is not a [queue NAME]\n"
	    "%s:9: [agent t] has no address", path, path, path, path, path, path);
	g_assert_cmpstr(cause, ==, want);
	g_free(want);
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

/* Rules are part of the conf: loaded with it, their errors with file:line. */
static void
test_rules(void)
{
	char		*dir = g_dir_make_tmp("test-conf-XXXXXX", NULL);
	char		*good = g_build_filename(dir, "good.rules", NULL);
	char		*bad = g_build_filename(dir, "bad.rules", NULL);
	char		*text, *cause = NULL, *path, *want;
	struct conf	*c;

	g_assert_true(g_file_set_contents(good, "[rule vip]\n"
	    "match = from ~ /@vip\\.example$/\npriority = high\n", -1, NULL));
	g_assert_true(g_file_set_contents(bad, "[rule x]\n"
	    "match = subject ~ /(/\n", -1, NULL));
	text = g_strdup_printf("[ticketd]\ndatabase = x\nrules = %s\n"
	    "[queue a]\naddress = a@b\n", good);
	c = conf_load((path = write_conf(text)), &cause);
	g_assert_null(cause);
	g_assert_nonnull(c->rules);
	conf_unref(c);
	g_unlink(path);
	g_free(path);
	g_free(text);
	text = g_strdup_printf("[ticketd]\ndatabase = x\nrules = %s\n"
	    "[queue a]\naddress = a@b\n", bad);
	cause = load_error(text, &path);
	want = g_strdup_printf("%s:2: match: invalid regex", bad);
	g_assert_nonnull(cause);
	g_assert_nonnull(strstr(cause, want));
	g_free(want);
	g_free(cause);
	g_free(path);
	g_free(text);
	g_unlink(good);
	g_unlink(bad);
	g_rmdir(dir);
	g_free(good);
	g_free(bad);
	g_free(dir);
}

static const char sla_conf[] = HEAD
    "[queue billing]\naddress = billing@example.com\n"
    "[agent lead]\naddress = lead@example.com\n"
    "[sla everyone]\nfirst_response = 8h\n"
    "[sla urgent]\npriority = urgent\nfirst_response = 1h\n"
    "resolution = 8h\nwarn = 50%\nbusiness_hours = no\n"
    "[sla support]\nqueue = support\nfirst_response = 4h\n"
    "next_response = 4h\nescalate = lead\n"
    "[sla support-urgent]\nqueue = support\npriority = urgent\n"
    "first_response = 30m\nescalate = boss@example.com\n"
    "[sla support-urgent-again]\nqueue = support\npriority = urgent\n"
    "first_response = 10m\n";

static void
test_sla(void)
{
	struct conf		*c = load_ok(sla_conf);
	const struct conf_sla	*s;

	g_assert_cmpuint(c->slas->len, ==, 5);
	s = conf_sla_for(c, "support", "urgent");
	g_assert_cmpstr(s->name, ==, "support-urgent");
	g_assert_cmpuint(s->first_response, ==, 1800);
	g_assert_cmpuint(s->resolution, ==, 0);
	g_assert_true(s->business_hours);
	g_assert_cmpuint(s->warn, ==, 80);
	g_assert_cmpstr(s->escalate, ==, "boss@example.com");
	g_assert_cmpstr(conf_sla_for(c, "support", "high")->name, ==, "support");
	g_assert_cmpstr(conf_sla_for(c, "support", NULL)->name, ==, "support");
	s = conf_sla_for(c, "billing", "urgent");
	g_assert_cmpstr(s->name, ==, "urgent");
	g_assert_cmpuint(s->warn, ==, 50);
	g_assert_false(s->business_hours);
	g_assert_cmpuint(s->resolution, ==, 8 * 3600);
	g_assert_cmpstr(conf_sla_for(c, "billing", "low")->name, ==,
	    "everyone");
	conf_unref(c);
	c = load_ok(HEAD);
	g_assert_null(conf_sla_for(c, "support", "urgent"));
	conf_unref(c);
}

static void
test_sla_errors(void)
{
	expect_error(HEAD "[sla]\nfirst_response = 1h\n", 5,
	    "[sla] needs a name: [sla NAME]");
	expect_error(HEAD "[sla x]\nqueue = nope\nfirst_response = 1h\n", 6,
	    "[sla x] queue: no [queue nope]");
	expect_error(HEAD "[sla x]\npriority = hgih\nfirst_response = 1h\n", 6,
	    "[sla x] priority: unknown priority \"hgih\"");
	expect_error(HEAD "[sla x]\nfirst_response = 1h\nescalate = nobody\n",
	    7, "[sla x] escalate: \"nobody\" is neither an [agent NAME] nor "
	    "an address");
	expect_error(HEAD "[sla x]\nqueue = support\n", 5,
	    "[sla x] sets no target: give first_response, next_response or "
	    "resolution");
	expect_error(HEAD "[sla x]\nfirst_response = soon\n", 6,
	    "first_response: expected a duration");
	expect_error(HEAD "[sla x]\nfirst_response = 1h\nwarn = 100%\n", 7,
	    "warn: expected a percentage from 0% to 99%, not \"100%\"");
	expect_error(HEAD "[sla x]\nfirst_response = 1h\nwarn = most\n", 7,
	    "warn: expected a percentage");
	expect_error(HEAD "[sla x]\nfirst_response = 1h\nescalated = a@b\n", 7,
	    "escalated");
	expect_error(HEAD "[sla x]\nfirst_response = 1h\n[sla x]\n"
	    "resolution = 2h\n", 7, "[sla x] is already at line 5");
}

/* [metrics] listen: host:port, [IPv6]:port, off when empty; no unix:. */
static void
test_metrics(void)
{
	struct conf	*c = load_ok(HEAD "[metrics]\nlisten = [::1]:9425\n");

	g_assert_cmpstr(c->metrics_listen, ==, "[::1]:9425");
	g_assert_cmpuint(c->metrics_listen_line, ==, 6);
	conf_unref(c);
	c = load_ok(HEAD "[metrics]\nlisten =\n");
	g_assert_null(c->metrics_listen);
	conf_unref(c);
	c = load_ok(HEAD);
	g_assert_null(c->metrics_listen);
	conf_unref(c);
	expect_error(HEAD "[metrics]\nlisten = 9425\n", 6,
	    "[metrics] listen: \"9425\" is not host:port");
	expect_error(HEAD "[metrics]\nlisten = unix:/run/m\n", 6,
	    "[metrics] listen: \"unix:/run/m\" is not host:port");
	expect_error(HEAD "[metrics]\nport = 1\n", 6, "port");
}

static void
test_csat(void)
{
	struct conf	*c = load_ok(base);
	char		*path, *cause;

	g_assert_cmpint(c->csat_send, ==, 0);
	g_assert_cmpuint(c->csat_delay, ==, 3600);
	g_assert_cmpuint(c->pending_remind, ==, 3 * 86400);
	conf_unref(c);
	c = load_ok(HEAD "[csat]\nsend = no\ndelay = 2d\n");
	g_assert_cmpuint(c->csat_delay, ==, 2 * 86400);
	conf_unref(c);
	cause = load_error(HEAD "[csat]\nsend = yes\n", &path);
	g_assert_nonnull(strstr(cause, ": [csat] send = yes, but [ticketd] "
	    "templates is not set"));
	g_free(cause);
	g_free(path);
	expect_error(HEAD "[csat]\ndelay = 31d\n", 6, "delay:");
	expect_error(HEAD "[csat]\nsend = perhaps\n", 6, "send:");
}

static void
test_holidays(void)
{
	char		*hol = write_conf("# Thai\n2026-12-31 New Year's Eve\n");
	char		*bad = write_conf("2026-12-31\nsoon\n");
	char		*text = g_strdup_printf("%sholidays = %s\n", HEAD, hol);
	struct conf	*c = load_ok(text);
	char		*want;

	g_assert_true(sla_holiday(conf_queue_by_name(c, "support")->holidays,
	    2026, 12, 31));
	conf_unref(c);
	g_free(text);
	text = g_strdup_printf("%sholidays = %s\n", HEAD, bad);
	want = g_strdup_printf("[queue support] holidays: %s:2: not a date",
	    bad);
	expect_error(text, 5, want);
	g_free(want);
	g_free(text);
	text = g_strdup_printf("%sholidays = /nonexistent/holidays.txt\n",
	    HEAD);
	expect_error(text, 5, "[queue support] holidays: "
	    "/nonexistent/holidays.txt: ");
	g_free(text);
	g_unlink(hol);
	g_unlink(bad);
	g_free(hol);
	g_free(bad);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/rules", test_rules);
	g_test_add_func("/conf/valid", test_valid);
	g_test_add_func("/conf/errors", test_errors);
	g_test_add_func("/conf/whole-file-errors", test_whole_file_errors);
	g_test_add_func("/conf/missing-file", test_missing_file);
	g_test_add_func("/conf/timezone", test_timezone);
	g_test_add_func("/conf/quoted", test_quoted);
	g_test_add_func("/conf/duplicate-section", test_duplicate_section);
	g_test_add_func("/conf/database-writable", test_database_writable);
	g_test_add_func("/conf/bounce-keys", test_bounce_keys);
	g_test_add_func("/conf/agents-valid", test_agents_valid);
	g_test_add_func("/conf/agents-defaults", test_agents_defaults);
	g_test_add_func("/conf/agents-errors", test_agents_errors);
	g_test_add_func("/conf/agents-all-errors", test_agents_all_errors);
	g_test_add_func("/conf/sla", test_sla);
	g_test_add_func("/conf/sla-errors", test_sla_errors);
	g_test_add_func("/conf/holidays", test_holidays);
	g_test_add_func("/conf/csat", test_csat);
	g_test_add_func("/conf/metrics", test_metrics);
	return g_test_run();
}
