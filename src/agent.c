/*
 * agent: recognising agent mail and reading its commands (see agent.h).
 *
 * A claim is a (ticket, agent) pair that one of our signatures vouches
 * for: a reply-address token, or an agent-bound Message-ID the mail
 * answers. Every claim the mail makes must agree, name an agent who is
 * still configured, and match the From; a signed In-Reply-To of another
 * ticket is a disagreement too. A shaped token that fails its signature
 * is a forgery even when nothing else is claimed.
 */
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "mime.h"
#include "store.h"
#include "template.h"
#include "thread.h"

struct agent_claims {
	gint64		 ticket;	/* 0 until one verifies */
	char		*agent;
	const char	*how;
	char		*why;		/* the first reason it fails */
};

static void
claims_fail(struct agent_claims *c, char *why)
{
	if (c->why == NULL)
		c->why = why;
	else
		g_free(why);
}

static void
claims_add(struct agent_claims *c, gint64 ticket, char *agent,
    const char *how)
{
	if (c->ticket == 0) {
		c->ticket = ticket;
		c->agent = agent;
		c->how = how;
		return;
	}
	if (c->ticket != ticket)
		claims_fail(c, g_strdup_printf("its tokens name tickets %"
		    G_GINT64_FORMAT " and %" G_GINT64_FORMAT, c->ticket, ticket));
	else if (agent != NULL && c->agent != NULL &&
	    strcmp(agent, c->agent) != 0)
		claims_fail(c, g_strdup_printf("its tokens name agents %s and "
		    "%s", c->agent, agent));
	g_free(agent);
}


static void
claims_from_address(const struct conf *conf, struct agent_claims *c,
    const char *addr)
{
	gsize		 n;
	const guint8	*keys = conf_msgid_keys(conf, &n);
	char		*token = conf_address_token(conf, addr), *agent;
	gint64		 id;

	if (token == NULL)
		return;
	switch (thread_token_verify_any(keys, n, token, &id, &agent)) {
	case 1:
		claims_add(c, id, agent, "reply address");
		break;
	case -1:
		claims_fail(c, g_strdup_printf("the token in <%s> has a bad "
		    "signature", addr));
		break;
	case 0:
		break;
	}
	g_free(token);
}

/*
 * In-Reply-To names the mail answered: a signed one of another ticket
 * contradicts a token. In References only agent-bound ones count: the
 * thread may hold older tickets' mail.
 */
static void
claims_from_msgids(const struct conf *conf, struct agent_claims *c,
    const struct mail *m)
{
	gsize		 n;
	const guint8	*keys = conf_msgid_keys(conf, &n);
	char		*agent = NULL;
	gint64		 id;

	if (m->in_reply_to != NULL && thread_msgid_verify_any_agent(keys, n,
	    m->in_reply_to, &id, &agent)) {
		if (agent != NULL || c->ticket != 0)
			claims_add(c, id, agent, "notification Message-ID");
	}
	for (guint i = m->references->len; i > 0; i--) {
		agent = NULL;
		if (thread_msgid_verify_any_agent(keys, n,
		    m->references->pdata[i - 1], &id, &agent) && agent != NULL) {
			claims_add(c, id, agent, "notification Message-ID");
			break;
		}
	}
}

static void
claims_collect(const struct conf *conf, const struct mail *m,
    GPtrArray *deliveries, struct agent_claims *c)
{
	for (guint i = 0; deliveries != NULL && i < deliveries->len; i++) {
		const struct store_delivery *dl = deliveries->pdata[i];
		char	*addr = g_ascii_strdown(dl->address, -1);

		claims_from_address(conf, c, addr);
		g_free(addr);
	}
	for (guint i = 0; i < m->addresses->len; i++)
		claims_from_address(conf, c, m->addresses->pdata[i]);
	claims_from_msgids(conf, c, m);
}

/* The mail's domain and a "method=pass" for it in one resinfo. */
static int
agent_resinfo_passes(const char *resinfo, const char *domain)
{
	char	**words = g_strsplit_set(resinfo, " \t\r\n", -1);
	int	 method = -1, pass = 0, aligned = 0;
	const char *v;

	for (char **w = words; *w != NULL; w++) {
		if (**w == '\0')
			continue;
		if (method < 0) {
			method = g_ascii_strcasecmp(*w, "dkim=pass") == 0 ? 1 :
			    g_ascii_strcasecmp(*w, "dmarc=pass") == 0 ? 2 : 0;
			pass = method > 0;
			continue;
		}
		if ((method == 1 && (g_ascii_strncasecmp(*w, "header.d=", 9) == 0 ||
		    g_ascii_strncasecmp(*w, "header.i=", 9) == 0)) ||
		    (method == 2 && g_ascii_strncasecmp(*w, "header.from=", 12) == 0)) {
			v = strchr(*w, '=') + 1;
			if (strchr(v, '@') != NULL)
				v = strchr(v, '@') + 1;
			aligned = aligned || g_ascii_strcasecmp(v, domain) == 0;
		}
	}
	g_strfreev(words);
	return pass && aligned;
}

/* Drop RFC 5322 comments: "dkim=pass (good signature) header.d=x". */
static char *
agent_uncomment(const char *s)
{
	GString	*out = g_string_new(NULL);
	int	 depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

/*
 * Only the topmost Authentication-Results counts: the receiving MTA
 * adds its own above anything the sender wrote (RFC 8601 5).
 */
static int
agent_authenticated(const struct conf *conf, const struct mail *m)
{
	const char	*ar = mail_header(m, "authentication-results");
	const char	*domain = strrchr(m->from_addr, '@');
	char		*text, **parts, *id;
	int		 ok = 0;

	if (ar == NULL || domain == NULL)
		return 0;
	text = agent_uncomment(ar);
	parts = g_strsplit(text, ";", -1);
	/* An empty header, or only a comment, has no authserv-id. */
	id = g_strstrip(g_strdup(parts[0] != NULL ? parts[0] : ""));
	/* "authserv-id [version]" */
	id[strcspn(id, " \t")] = '\0';
	if (g_ascii_strcasecmp(id, conf->agents_authserv_id) == 0)
		for (char **p = parts + 1; *p != NULL && !ok; p++)
			ok = agent_resinfo_passes(*p, domain + 1);
	g_free(id);
	g_strfreev(parts);
	g_free(text);
	return ok;
}

/* An agent writing to a customer from their own mailbox, a queue on Cc. */
static int
agent_is_copy(const struct conf *conf, const struct mail *m)
{
	int	 customer = 0;

	for (guint i = 0; i < m->to_addrs->len; i++) {
		if (conf_queue_for_address(conf, m->to_addrs->pdata[i]) != NULL)
			return 0;
		customer = customer || conf_agent_by_address(conf,
		    m->to_addrs->pdata[i]) == NULL;
	}
	return customer;
}

static void
agent_verdict_claims(const struct conf *conf, const struct mail *m,
    struct agent_claims *c, struct agent_evidence *ev)
{
	const struct conf_agent	*from = conf_agent_by_address(conf, m->from_addr);
	const struct conf_agent	*claimed = conf_agent_by_name(conf, c->agent);

	if (claimed == NULL)
		claims_fail(c, g_strdup_printf("the token is agent %s's, who is "
		    "no longer an agent", c->agent));
	else if (from != claimed)
		claims_fail(c, g_strdup_printf("the token is agent %s's, but "
		    "the From <%s> is not one of %s's addresses", c->agent,
		    m->from_addr, c->agent));
	else if (conf->agents_require_auth && !agent_authenticated(conf, m))
		claims_fail(c, g_strdup_printf("no Authentication-Results "
		    "from %s with a DKIM or DMARC pass for <%s>",
		    conf->agents_authserv_id, m->from_addr));
	if (c->why != NULL) {
		ev->verdict = AGENT_FORGED;
		ev->why = g_steal_pointer(&c->why);
		return;
	}
	ev->verdict = AGENT_VERIFIED;
	ev->ticket_id = c->ticket;
	ev->agent = claimed;
	ev->how = c->how;
}

void
agent_recognise(const struct conf *conf, const struct mail *m,
    GPtrArray *deliveries, struct agent_evidence *ev)
{
	struct agent_claims	 c = { 0 };
	const struct conf_agent	*from = conf_agent_by_address(conf, m->from_addr);

	memset(ev, 0, sizeof *ev);
	claims_collect(conf, m, deliveries, &c);
	if (c.ticket != 0 && c.why == NULL)
		agent_verdict_claims(conf, m, &c, ev);
	else if (c.why != NULL) {
		ev->verdict = AGENT_FORGED;
		ev->why = g_steal_pointer(&c.why);
	} else if (from != NULL && agent_is_copy(conf, m)) {
		ev->verdict = AGENT_COPY;
		ev->agent = from;
	} else if (from != NULL) {
		ev->verdict = AGENT_FORGED;
		ev->why = g_strdup_printf("the From <%s> is agent %s's, but the "
		    "mail carries no token of ours", m->from_addr, from->name);
	}
	g_free(c.agent);
	g_free(c.why);
}

void
agent_evidence_clear(struct agent_evidence *ev)
{
	g_free(ev->why);
	memset(ev, 0, sizeof *ev);
}

char *
agent_reply_address(const struct conf *conf, const struct conf_queue *q,
    gint64 id, const char *agent)
{
	char		*token, *out;

	if (conf->msgid_keys == NULL)
		return NULL;
	token = thread_token_make(g_bytes_get_data(conf->msgid_keys, NULL), id,
	    agent);
	out = conf_token_address(conf, q, token);
	g_free(token);
	return out;
}

/*
 * Commands.
 */

static const char *const agent_statuses[] = {
	"new", "open", "pending", "resolved", "closed", NULL
};
static const char *const agent_priorities[] = {
	"urgent", "high", "normal", "low", NULL
};

static int
agent_one_of(const char *const *list, const char *v)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, v) == 0)
			return 1;
	return 0;
}

int
agent_check_status(const char *status, int closed_ok, char **error)
{
	if (agent_one_of(agent_statuses + 1, status) &&
	    (closed_ok || strcmp(status, "closed") != 0))
		return 0;
	*error = g_strdup_printf("unknown status \"%s\" (open, pending, "
	    "resolved%s)", status, closed_ok ? ", closed" : "");
	return -1;
}

int
agent_check_priority(const char *priority, char **error)
{
	if (agent_one_of(agent_priorities, priority))
		return 0;
	*error = g_strdup_printf("unknown priority \"%s\" (urgent, high, "
	    "normal, low)", priority);
	return -1;
}

int
agent_check_tag(const char *tag, char **error)
{
	if (*tag != '\0' && g_utf8_validate(tag, -1, NULL) &&
	    g_utf8_strlen(tag, -1) <= 64 && strpbrk(tag, " \t,;\"#") == NULL)
		return 0;
	*error = g_strdup_printf("bad tag \"%s\" (one word, at most 64 "
	    "characters, no , ; \" or #)", tag);
	return -1;
}

int
agent_check_queue(const struct conf *conf, GPtrArray *cmds, const char *queue,
    char **error)
{
	const struct conf_agent	*a;

	for (guint i = 0; cmds != NULL && i < cmds->len; i++) {
		const struct agent_command *c = cmds->pdata[i];

		if (c->cmd != AGENT_CMD_ASSIGN || c->arg == NULL ||
		    ((a = conf_agent_by_name(conf, c->arg)) != NULL &&
		    conf_agent_serves(a, queue)))
			continue;
		*error = g_strdup_printf("agent %s does not work in queue %s",
		    c->arg, queue);
		return -1;
	}
	return 0;
}

struct agent_verb {
	const char	*name;
	enum agent_cmd	 cmd;
	const char	*fixed;		/* the argument it implies, or NULL */
	int		 takes;		/* 0: none, 1: one word, 2: words */
};

static const struct agent_verb agent_verbs[] = {
	{ "note", AGENT_CMD_NOTE, NULL, 0 },
	{ "resolve", AGENT_CMD_STATUS, "resolved", 0 },
	{ "close", AGENT_CMD_STATUS, "resolved", 0 },
	{ "pending", AGENT_CMD_STATUS, "pending", 0 },
	{ "open", AGENT_CMD_STATUS, "open", 0 },
	{ "status", AGENT_CMD_STATUS, NULL, 1 },
	{ "priority", AGENT_CMD_PRIORITY, NULL, 1 },
	{ "tag", AGENT_CMD_TAG, NULL, 2 },
	{ "untag", AGENT_CMD_UNTAG, NULL, 2 },
	{ "assign", AGENT_CMD_ASSIGN, NULL, 1 },
	{ "canned", AGENT_CMD_CANNED, NULL, 1 },
};

static void
agent_command_free(gpointer p)
{
	struct agent_command	*c = p;

	g_free(c->arg);
	g_free(c);
}

GPtrArray *
agent_commands_new(void)
{
	return g_ptr_array_new_with_free_func(agent_command_free);
}

void
agent_command_append(GPtrArray *cmds, enum agent_cmd cmd, const char *arg)
{
	struct agent_command	*c = g_new0(struct agent_command, 1);

	c->cmd = cmd;
	c->arg = g_strdup(arg);
	g_ptr_array_add(cmds, c);
}

/* Templates of mail ticketd writes by itself: not canned replies. */
static int
agent_template_reserved(const char *name)
{
	return strcmp(name, "ack") == 0 || strcmp(name, "command-error") == 0 ||
	    g_str_has_prefix(name, "notify-");
}

/* The value of one command, checked; -1 and *error when it is bad. */
static int
agent_check_arg(const struct conf *conf, enum agent_cmd cmd, const char *self,
    char **arg, char **error)
{
	const struct conf_agent	*a;

	switch (cmd) {
	case AGENT_CMD_NOTE:
		return 0;
	case AGENT_CMD_STATUS:
		return agent_check_status(*arg, 0, error);
	case AGENT_CMD_PRIORITY:
		return agent_check_priority(*arg, error);
	case AGENT_CMD_TAG:
	case AGENT_CMD_UNTAG:
		return agent_check_tag(*arg, error);
	case AGENT_CMD_ASSIGN:
		if (strcmp(*arg, "me") == 0 && self != NULL) {
			g_free(*arg);
			*arg = g_strdup(self);
		}
		if ((a = conf_agent_by_name(conf, *arg)) != NULL)
			return 0;
		*error = g_strdup_printf("no agent \"%s\"", *arg);
		return -1;
	case AGENT_CMD_CANNED:
		if (conf->templates != NULL && !agent_template_reserved(*arg) &&
		    template_exists(conf->templates, *arg))
			return 0;
		*error = g_strdup_printf("no canned reply \"%s\"", *arg);
		return -1;
	}
	g_assert_not_reached();
}

/* One "#verb args" line into cmds; -1 and *error when it is bad. */
static int
agent_parse_line(const struct conf *conf, const char *line, const char *self,
    GPtrArray *cmds, char **error)
{
	char		**words = g_strsplit_set(line + 1, " \t,", -1);
	GPtrArray	*args = g_ptr_array_new();
	const struct agent_verb *v = NULL;
	int		 rc = 0;

	for (char **w = words + 1; *w != NULL; w++)
		if (**w != '\0')
			g_ptr_array_add(args, *w);
	for (gsize i = 0; i < G_N_ELEMENTS(agent_verbs) && v == NULL; i++)
		if (g_ascii_strcasecmp(words[0], agent_verbs[i].name) == 0)
			v = &agent_verbs[i];
	if (v == NULL)
		*error = g_strdup_printf("unknown command \"#%s\"", words[0]);
	else if ((v->takes == 0 && args->len > 0) || (v->takes == 1 &&
	    args->len != 1) || (v->takes == 2 && args->len == 0))
		*error = g_strdup_printf("#%s takes %s", v->name, v->takes == 0 ?
		    "no value" : v->takes == 1 ? "one value" : "a value");
	for (guint i = 0; *error == NULL && i < MAX(args->len, 1); i++) {
		char	*arg = g_strdup(v->fixed ? v->fixed : args->len ?
			    (char *)args->pdata[i] : NULL);

		if (arg != NULL && v->cmd != AGENT_CMD_CANNED &&
		    v->cmd != AGENT_CMD_TAG && v->cmd != AGENT_CMD_UNTAG) {
			char	*low = g_ascii_strdown(arg, -1);

			g_free(arg);
			arg = low;
		}
		if (agent_check_arg(conf, v->cmd, self, &arg, error) == 0)
			agent_command_append(cmds, v->cmd, arg);
		g_free(arg);
	}
	rc = *error == NULL ? 0 : -1;
	g_ptr_array_free(args, TRUE);
	g_strfreev(words);
	return rc;
}

static int
agent_has(GPtrArray *cmds, enum agent_cmd cmd)
{
	for (guint i = 0; i < cmds->len; i++)
		if (((struct agent_command *)cmds->pdata[i])->cmd == cmd)
			return 1;
	return 0;
}

static int
agent_is_command(const char *line)
{
	return line[0] == '#' && g_ascii_isalpha(line[1]);
}

int
agent_commands_parse(const struct conf *conf, const char *text,
    const char *self, GPtrArray **cmds, char **rest, char **error)
{
	GString		*errors = g_string_new(NULL);
	const char	*p = text, *nl;
	guint		 lineno = 0;
	char		*line, *why;

	*cmds = agent_commands_new();
	for (;; p = nl + 1) {
		nl = strchr(p, '\n');
		line = g_strstrip(g_strndup(p, nl ? nl - p : (gssize)strlen(p)));
		lineno++;
		if (*line != '\0' && !agent_is_command(line)) {
			g_free(line);
			break;
		}
		why = NULL;
		if (*line != '\0' && agent_parse_line(conf, line, self, *cmds,
		    &why) != 0)
			g_string_append_printf(errors, "%sline %u: %s",
			    errors->len ? "; " : "", lineno, why);
		g_free(why);
		g_free(line);
		if (nl == NULL) {
			p += strlen(p);
			break;
		}
	}
	if (agent_has(*cmds, AGENT_CMD_NOTE) && agent_has(*cmds, AGENT_CMD_CANNED))
		g_string_append_printf(errors, "%s#note keeps the mail from the "
		    "customer, but #canned sends them a reply",
		    errors->len ? "; " : "");
	if (errors->len > 0) {
		g_ptr_array_unref(*cmds);
		*cmds = NULL;
		*rest = NULL;
		*error = g_string_free(errors, FALSE);
		return -1;
	}
	g_string_free(errors, TRUE);
	*rest = g_strdup(p);
	return 0;
}
