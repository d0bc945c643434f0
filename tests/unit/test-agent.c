/*
 * test-agent: recognising agent mail (every forgery has its case) and
 * reading #commands.
 */
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "mime.h"
#include "store.h"
#include "thread.h"

#include "mail-fixture.h"

static const char conf_text[] =
	"[ticketd]\n"
	"database = /tmp/test-agent.db\n"
	"templates = templates\n"
	"[queue support]\n"
	"address = support@example.com\n"
	"[queue billing]\n"
	"address = billing@example.com\n"
	"[agent somchai]\n"
	"address = somchai@example.com, somchai.k@gmail.example\n"
	"name = Somchai K.\n"
	"[agent malee]\n"
	"address = malee@example.com\n"
	"queues = billing\n";

static guint8	 key[THREAD_KEY_LEN];

static struct conf *
load(const char *extra)
{
	char		*text = g_strconcat(conf_text, extra, NULL);
	char		*cause = NULL;
	struct conf	*c = conf_load_buffer("t.conf", text, strlen(text),
			    &cause);

	if (c == NULL)
		g_error("%s", cause);
	c->msgid_keys = g_bytes_new(key, sizeof key);
	g_free(text);
	return c;
}

static char *
token(gint64 id, const char *agent)
{
	return thread_token_make(key, id, agent);
}

/* A reply from `from` to `to` (headers as given), verdict and all. */
static void
recognise(struct conf *c, const char *from, const char *to,
    const char *irt, struct agent_evidence *ev)
{
	char		*text = g_strdup_printf("From: %s\nTo: %s\n%s%s%s"
			    "Subject: Re: [#7] help\nMessage-ID: <r@x>\n\n"
			    "Done.\n", from, to, irt ? "In-Reply-To: <" : "",
			    irt ? irt : "", irt ? ">\n" : "");
	struct mail	*m = parse(text);

	agent_recognise(c, m, NULL, ev);
	mail_free(m);
	g_free(text);
}

static void
test_verified_by_address(void)
{
	struct conf		*c = load("");
	struct agent_evidence	 ev;
	char			*t = token(7, "somchai");
	char			*to = g_strdup_printf("support+%s@example.com", t);

	recognise(c, "Somchai <Somchai@Example.com>", to, NULL, &ev);
	g_assert_cmpint(ev.verdict, ==, AGENT_VERIFIED);
	g_assert_cmpint(ev.ticket_id, ==, 7);
	g_assert_cmpstr(ev.agent->name, ==, "somchai");
	agent_evidence_clear(&ev);
	/* His other address too. */
	recognise(c, "somchai.k@gmail.example", to, NULL, &ev);
	g_assert_cmpint(ev.verdict, ==, AGENT_VERIFIED);
	agent_evidence_clear(&ev);
	g_free(to);
	g_free(t);
	conf_unref(c);
}

static void
test_verified_by_msgid(void)
{
	struct conf		*c = load("");
	struct agent_evidence	 ev;
	char			*id = thread_msgid_make_agent(key, 9, "somchai",
				    "h.example");

	recognise(c, "somchai@example.com", "support@example.com", id, &ev);
	g_assert_cmpint(ev.verdict, ==, AGENT_VERIFIED);
	g_assert_cmpint(ev.ticket_id, ==, 9);
	agent_evidence_clear(&ev);
	g_free(id);
	conf_unref(c);
}

static void
assert_forged(struct agent_evidence *ev, const char *why)
{
	g_assert_cmpint(ev->verdict, ==, AGENT_FORGED);
	if (strstr(ev->why, why) == NULL)
		g_error("why \"%s\" lacks \"%s\"", ev->why, why);
	agent_evidence_clear(ev);
}

static void
test_forgeries(void)
{
	struct conf		*c = load("");
	struct agent_evidence	 ev;
	char			*t = token(7, "somchai"), *to, *bad, *id;

	/* The agent's From without a token. */
	recognise(c, "somchai@example.com", "support@example.com", NULL, &ev);
	assert_forged(&ev, "carries no token");
	/* A token from someone else: a forwarded notification. */
	to = g_strdup_printf("support+%s@example.com", t);
	recognise(c, "customer@example.org", to, NULL, &ev);
	assert_forged(&ev, "is not one of somchai's addresses");
	/* Another agent's From with somchai's token. */
	recognise(c, "malee@example.com", to, NULL, &ev);
	assert_forged(&ev, "is not one of somchai's addresses");
	/* Ticket 7's token used on ticket 8's notification. */
	id = thread_msgid_make_agent(key, 8, "somchai", NULL);
	recognise(c, "somchai@example.com", to, id, &ev);
	assert_forged(&ev, "name tickets 7 and 8");
	g_free(id);
	/* ...or on ticket 8's mail to the customer. */
	id = thread_msgid_make(key, 8, NULL);
	recognise(c, "somchai@example.com", to, id, &ev);
	assert_forged(&ev, "name tickets 7 and 8");
	g_free(id);
	g_free(to);
	/* A bad signature. */
	bad = g_strdup(t);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	to = g_strdup_printf("support+%s@example.com", bad);
	recognise(c, "somchai@example.com", to, NULL, &ev);
	assert_forged(&ev, "bad signature");
	g_free(to);
	g_free(bad);
	/* A token of an agent removed from the configuration. */
	g_free(t);
	t = token(7, "somsak");
	to = g_strdup_printf("support+%s@example.com", t);
	recognise(c, "somsak@example.com", to, NULL, &ev);
	assert_forged(&ev, "no longer an agent");
	g_free(to);
	g_free(t);
	conf_unref(c);
}

static void
test_customers_and_copies(void)
{
	struct conf		*c = load("");
	struct agent_evidence	 ev;
	char			*id = thread_msgid_make(key, 8, NULL);

	/* A customer answering our mail: no agent in sight. */
	recognise(c, "customer@example.org", "support@example.com", id, &ev);
	g_assert_cmpint(ev.verdict, ==, AGENT_NONE);
	agent_evidence_clear(&ev);
	/* An agent writing to a customer, the queue on Cc. */
	recognise(c, "somchai@example.com", "customer@example.org\n"
	    "Cc: support@example.com", NULL, &ev);
	g_assert_cmpint(ev.verdict, ==, AGENT_COPY);
	g_assert_cmpstr(ev.agent->name, ==, "somchai");
	agent_evidence_clear(&ev);
	g_free(id);
	conf_unref(c);
}

static void
test_require_auth(void)
{
	struct conf		*c = load("[agents]\nrequire_auth = yes\n"
				    "authserv_id = mx.example.com\n");
	struct agent_evidence	 ev;
	char			*t = token(7, "somchai");
	char			*to = g_strdup_printf("support+%s@example.com\n"
				    "Authentication-Results: %%s", t);
	char			*hdr;
	static const struct {
		const char	*ar;
		int		 ok;
	} cases[] = {
		{ "mx.example.com; dkim=pass (good) header.d=example.com", 1 },
		{ "mx.example.com 1; dmarc=pass header.from=Example.COM", 1 },
		{ "mx.example.com; spf=pass; dkim=pass header.i=@example.com", 1 },
		{ "mx.example.com; dkim=fail header.d=example.com", 0 },
		{ "mx.example.com; dkim=pass header.d=evil.example", 0 },
		{ "evil.example; dkim=pass header.d=example.com", 0 },
		{ "mx.example.com; spf=pass smtp.mailfrom=example.com", 0 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		hdr = g_strdup_printf(to, cases[i].ar);
		recognise(c, "somchai@example.com", hdr, NULL, &ev);
		if (cases[i].ok)
			g_assert_cmpint(ev.verdict, ==, AGENT_VERIFIED);
		else
			assert_forged(&ev, "Authentication-Results");
		agent_evidence_clear(&ev);
		g_free(hdr);
	}
	/* Without any header at all. */
	hdr = g_strdup_printf("support+%s@example.com", t);
	recognise(c, "somchai@example.com", hdr, NULL, &ev);
	assert_forged(&ev, "Authentication-Results");
	g_free(hdr);
	g_free(to);
	g_free(t);
	conf_unref(c);
}

static void
test_reply_address(void)
{
	struct conf		*c = load("");
	char			*a = agent_reply_address(c, c->queues->pdata[0],
				    42, "somchai");
	char			*t = token(42, "somchai");
	char			*want = g_strdup_printf("support+%s@example.com",
				    t);

	g_assert_cmpstr(a, ==, want);
	g_free(want);
	g_free(t);
	g_free(a);
	conf_unref(c);
}

static GPtrArray *
parse_ok(struct conf *c, const char *text, char **rest)
{
	GPtrArray	*cmds = NULL;
	char		*error = NULL;

	if (agent_commands_parse(c, text, "somchai", &cmds, rest, &error) != 0)
		g_error("%s", error);
	return cmds;
}

static void
test_commands(void)
{
	struct conf		*c = load("");
	GPtrArray		*cmds;
	struct agent_command	*cmd;
	char			*rest;

	cmds = parse_ok(c, "\n#pending\n#priority HIGH\n#tag vip, billing\n"
	    "#assign me\n#canned need-more-info\n\nHello,\n#1 is fixed.\n",
	    &rest);
	g_assert_cmpuint(cmds->len, ==, 6);
	cmd = cmds->pdata[0];
	g_assert_cmpint(cmd->cmd, ==, AGENT_CMD_STATUS);
	g_assert_cmpstr(cmd->arg, ==, "pending");
	cmd = cmds->pdata[1];
	g_assert_cmpstr(cmd->arg, ==, "high");
	g_assert_cmpstr(((struct agent_command *)cmds->pdata[2])->arg, ==, "vip");
	g_assert_cmpstr(((struct agent_command *)cmds->pdata[3])->arg, ==,
	    "billing");
	cmd = cmds->pdata[4];
	g_assert_cmpint(cmd->cmd, ==, AGENT_CMD_ASSIGN);
	g_assert_cmpstr(cmd->arg, ==, "somchai");
	g_assert_cmpstr(rest, ==, "Hello,\n#1 is fixed.\n");
	g_ptr_array_unref(cmds);
	g_free(rest);

	cmds = parse_ok(c, "#note\nInternal only", &rest);
	g_assert_cmpint(((struct agent_command *)cmds->pdata[0])->cmd, ==,
	    AGENT_CMD_NOTE);
	g_assert_cmpstr(rest, ==, "Internal only");
	g_ptr_array_unref(cmds);
	g_free(rest);

	cmds = parse_ok(c, "#close", &rest);
	g_assert_cmpstr(((struct agent_command *)cmds->pdata[0])->arg, ==,
	    "resolved");
	g_assert_cmpstr(rest, ==, "");
	g_ptr_array_unref(cmds);
	g_free(rest);

	cmds = parse_ok(c, "No commands here.\n#pending\n", &rest);
	g_assert_cmpuint(cmds->len, ==, 0);
	g_assert_cmpstr(rest, ==, "No commands here.\n#pending\n");
	g_ptr_array_unref(cmds);
	g_free(rest);
	conf_unref(c);
}

static void
test_command_errors(void)
{
	struct conf	*c = load("");
	GPtrArray	*cmds = (GPtrArray *)1;
	char		*rest = (char *)1, *error = NULL;

	g_assert_cmpint(agent_commands_parse(c, "#priority hgih\n#assign nobody\n"
	    "#frobnicate\n#canned ack\n#status closed\n#note now\nText",
	    "somchai", &cmds, &rest, &error), ==, -1);
	g_assert_null(cmds);
	g_assert_null(rest);
	g_assert_nonnull(strstr(error, "line 1: unknown priority \"hgih\""));
	g_assert_nonnull(strstr(error, "line 2: no agent \"nobody\""));
	g_assert_nonnull(strstr(error, "line 3: unknown command \"#frobnicate\""));
	g_assert_nonnull(strstr(error, "line 4: no canned reply \"ack\""));
	g_assert_nonnull(strstr(error, "line 5: unknown status \"closed\""));
	g_assert_nonnull(strstr(error, "line 6: #note takes no value"));
	g_free(error);
	/* A note is never sent; a canned reply always is. */
	g_assert_cmpint(agent_commands_parse(c, "#note\n#canned need-more-info\n",
	    "somchai", &cmds, &rest, &error), ==, -1);
	g_assert_nonnull(strstr(error, "#note keeps the mail from the customer"));
	g_free(error);
	/* malee works in billing only. */
	cmds = NULL;
	g_assert_cmpint(agent_commands_parse(c, "#assign malee\n#tag x", "somchai",
	    &cmds, &rest, &error), ==, 0);
	g_assert_cmpint(agent_check_queue(c, cmds, "billing", &error), ==, 0);
	g_assert_cmpint(agent_check_queue(c, cmds, "support", &error), ==, -1);
	g_assert_cmpstr(error, ==, "agent malee does not work in queue support");
	g_free(error);
	g_ptr_array_unref(cmds);
	g_free(rest);
	/* "me" means nobody from the command line. */
	g_assert_cmpint(agent_commands_parse(c, "#assign me", NULL, &cmds,
	    &rest, &error), ==, -1);
	g_assert_nonnull(strstr(error, "no agent \"me\""));
	g_free(error);
	conf_unref(c);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	for (gsize i = 0; i < sizeof key; i++)
		key[i] = (guint8)(i * 7 + 3);
	g_test_add_func("/agent/verified/address", test_verified_by_address);
	g_test_add_func("/agent/verified/msgid", test_verified_by_msgid);
	g_test_add_func("/agent/forgeries", test_forgeries);
	g_test_add_func("/agent/customers-and-copies", test_customers_and_copies);
	g_test_add_func("/agent/require-auth", test_require_auth);
	g_test_add_func("/agent/reply-address", test_reply_address);
	g_test_add_func("/agent/commands", test_commands);
	g_test_add_func("/agent/command-errors", test_command_errors);
	return g_test_run();
}
