/*
 * notify: who among the agents hears of what happened on a ticket, and
 * the mail that tells them (see notify.h).
 *
 * The rate limits of automatic replies hold per agent and ticket: an
 * agent hears of every ticket, so a per-address limit would silence a
 * busy helpdesk, while a loop is always about one ticket.
 */
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "log.h"
#include "mime.h"
#include "notify.h"
#include "reply.h"
#include "store.h"
#include "template.h"

#define NOTIFY_HISTORY	10	/* other open tickets shown */
#define NOTIFY_BATCH	64	/* kept notifications made per flush */

static const char *const notify_templates[] = {
	[NOTIFY_NEW] = "notify-new",
	[NOTIFY_REPLY] = "notify-reply",
	[NOTIFY_NOTE] = "notify-note",
	[NOTIFY_ASSIGN] = "notify-assign",
	[NOTIFY_SLA_WARN] = "notify-sla-warn",
	[NOTIFY_SLA_BREACH] = "notify-sla-breach",
	[NOTIFY_CSAT_LOW] = "notify-csat-low",
};

/* About the ticket as a whole: for its assignee, or everyone when none. */
static int
notify_is_alert(enum notify_kind kind)
{
	return kind == NOTIFY_SLA_WARN || kind == NOTIFY_SLA_BREACH ||
	    kind == NOTIFY_CSAT_LOW;
}

static int
notify_listed(GPtrArray *names, const char *name)
{
	for (guint i = 0; names != NULL && i < names->len; i++)
		if (strcmp(names->pdata[i], name) == 0)
			return 1;
	return 0;
}

/* Would this agent hear of this kind of thing on this ticket at all? */
static int
notify_wants(const struct conf_agent *a, const struct notify_event *ev)
{
	const char	*assignee = ev->ticket->assignee;

	if (ev->actor != NULL && strcmp(a->name, ev->actor) == 0)
		return 0;
	if (!conf_agent_serves(a, ev->ticket->queue))
		return 0;
	switch (a->notify) {
	case CONF_NOTIFY_NONE:
		return 0;
	case CONF_NOTIFY_ASSIGNED:
		/* A deadline on nobody's ticket is everyone's. */
		if (assignee == NULL && notify_is_alert(ev->kind))
			return 1;
		return assignee != NULL && strcmp(assignee, a->name) == 0;
	case CONF_NOTIFY_ALL:
		return 1;
	}
	g_assert_not_reached();
}

/* The agents ev concerns before anyone's preferences, by name. */
static int
notify_audience(struct store *st, const struct conf *conf,
    const struct notify_event *ev, GPtrArray **names, char **cause)
{
	const char	*assignee = ev->ticket->assignee;

	if (ev->kind == NOTIFY_NOTE || ev->kind == NOTIFY_ASSIGN) {
		if (st->ops->ticket_authors(st, ev->ticket->id, names,
		    cause) != 0)
			return -1;
		if (assignee != NULL && !notify_listed(*names, assignee))
			g_ptr_array_insert(*names, 0, g_strdup(assignee));
		return 0;
	}
	*names = g_ptr_array_new_with_free_func(g_free);
	if ((ev->kind == NOTIFY_REPLY || notify_is_alert(ev->kind)) &&
	    assignee != NULL &&
	    conf_agent_by_name(conf, assignee) != NULL) {
		g_ptr_array_add(*names, g_strdup(assignee));
		return 0;
	}
	for (guint i = 0; i < conf->agents->len; i++) {
		const struct conf_agent	*a = conf->agents->pdata[i];

		g_ptr_array_add(*names, g_strdup(a->name));
	}
	return 0;
}

/* The requester's other open tickets, a line each. */
static char *
notify_history(struct store *st, const struct store_ticket *t, char **cause)
{
	static const char *const open[] = { "new", "open", "pending", NULL };
	struct store_filter	 f = { 0 };
	GPtrArray		*found;
	GString			*s = g_string_new(NULL);

	f.statuses = open;
	f.requester = t->requester_addr;
	f.exclude = t->id;
	f.descending = 1;
	f.limit = NOTIFY_HISTORY;
	if (st->ops->ticket_find(st, &f, &found, cause) != 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	for (guint i = 0; i < found->len; i++) {
		const struct store_ticket *o = found->pdata[i];
		char	*when = store_time_iso(o->updated_at);

		g_string_append_printf(s, "  #%" G_GINT64_FORMAT "  %-8s %s  %s\n",
		    o->id, o->status, when, o->subject);
		g_free(when);
	}
	g_ptr_array_free(found, TRUE);
	return g_string_free(s, FALSE);
}

/* Within the per-ticket windows, counted for this agent? Sets *why. */
static int
notify_over_limit(struct store *st, const struct conf *conf,
    const char *addr, gint64 ticket, gint64 now, char **why, char **cause)
{
	*why = NULL;
	for (guint i = 0; i < conf->limit_ticket->len && *why == NULL; i++) {
		struct conf_limit lim = g_array_index(conf->limit_ticket,
		    struct conf_limit, i);
		guint	 n;

		if (st->ops->autoreply_count_pair(st, addr, ticket,
		    now - lim.seconds, &n, cause) != 0)
			return -1;
		if (n >= lim.count)
			*why = g_strdup_printf("rate limit: %u per %us to <%s> "
			    "about this ticket", lim.count, lim.seconds, addr);
	}
	return 0;
}

/* Who hears: an agent, or (escalate) an address of nobody's. */
struct notify_to {
	const char	*agent;		/* NULL: a plain address */
	const char	*name;
	const char	*addr;
};

static int
notify_one(struct store *st, const struct conf *conf,
    const struct notify_event *ev, const struct mail *parent,
    const struct notify_to *to, const struct template_vars *vars,
    guint *queued, char **cause)
{
	struct reply_mail	 rm = { 0 };
	char			*reply_to = NULL, *why;
	int			 rc;

	if (notify_over_limit(st, conf, to->addr, ev->ticket->id, ev->now,
	    &why, cause) != 0)
		return -1;
	if (why != NULL) {
		log_info("ticket %" G_GINT64_FORMAT ": <%s> not notified: %s",
		    ev->ticket->id, to->addr, why);
		rc = st->ops->event_add(st, ev->ticket->id, ev->now,
		    "notify_suppressed", why, cause);
		g_free(why);
		return rc;
	}
	rm.kind = "notify";
	rm.ticket = ev->ticket;
	rm.queue = reply_queue_of(conf, ev->ticket);
	rm.parent = parent;
	rm.template = notify_templates[ev->kind];
	rm.vars = vars;
	rm.preface = to->agent != NULL ? NOTIFY_MARKER : NULL;
	rm.to_name = to->name;
	rm.to_addr = to->addr;
	if (to->agent != NULL)
		rm.reply_to = reply_to = agent_reply_address(conf, rm.queue,
		    ev->ticket->id, to->agent);
	rm.agent = to->agent;
	rm.automatic = 1;
	rm.received_at = rm.now = ev->now;
	rc = reply_send(st, conf, &rm, cause);
	g_free(reply_to);
	if (rc == 0)
		rc = st->ops->autoreply_add(st, to->addr, ev->ticket->id,
		    ev->now, cause);
	*queued += rc == 0;
	return rc;
}

static int
notify_agent(struct store *st, const struct conf *conf,
    const struct notify_event *ev, const struct mail *parent,
    const struct conf_agent *a, const struct template_vars *vars,
    guint *queued, char **cause)
{
	struct notify_to	 to = { a->name, a->display_name,
				    a->addresses[0] };

	return notify_one(st, conf, ev, parent, &to, vars, queued, cause);
}

/*
 * At a breach, the policy's escalate hears too: an agent (by name or
 * address) who was not told already, or an address of nobody's.
 */
static int
notify_escalate(struct store *st, const struct conf *conf,
    const struct notify_event *ev, const struct mail *parent,
    GPtrArray *told, const struct template_vars *vars, guint *queued,
    char **cause)
{
	const struct conf_sla	*p = conf_sla_for(conf, reply_queue_of(conf,
				    ev->ticket)->name, ev->ticket->priority);
	const struct conf_agent	*a;
	struct notify_to	 to = { NULL, NULL, NULL };

	if (ev->kind != NOTIFY_SLA_BREACH || p == NULL || p->escalate == NULL)
		return 0;
	if ((a = conf_agent_by_name(conf, p->escalate)) == NULL)
		a = conf_agent_by_address(conf, p->escalate);
	if (a != NULL)
		return notify_listed(told, a->name) ? 0 : notify_agent(st,
		    conf, ev, parent, a, vars, queued, cause);
	to.addr = p->escalate;
	return notify_one(st, conf, ev, parent, &to, vars, queued, cause);
}

/* A breach is worth a mail to escalate even with no agents. */
static int
notify_wanted(const struct conf *conf, enum notify_kind kind)
{
	return (kind == NOTIFY_SLA_BREACH || (conf->agents != NULL &&
	    conf->agents->len > 0)) && conf->templates != NULL &&
	    conf->smtp_url != NULL;
}

/* Everyone ev concerns, told now. */
static int
notify_make(struct store *st, const struct conf *conf,
    const struct notify_event *ev, const struct mail *parent, guint *queued,
    char **cause)
{
	struct template_vars	 vars = { { NULL }, { 0 } };
	const struct conf_agent	*actor, *a;
	GPtrArray		*names, *told;
	char			*history;
	int			 rc = 0;

	if (notify_audience(st, conf, ev, &names, cause) != 0)
		return -1;
	if ((history = notify_history(st, ev->ticket, cause)) == NULL) {
		g_ptr_array_free(names, TRUE);
		return -1;
	}
	actor = ev->actor ? conf_agent_by_name(conf, ev->actor) : NULL;
	vars.value[TV_TEXT] = ev->text ? ev->text : "";
	vars.value[TV_HISTORY] = history;
	vars.flag[TF_HISTORY] = *history != '\0';
	vars.value[TV_AGENT] = actor ? actor->display_name :
	    ev->actor ? ev->actor : "";
	told = g_ptr_array_new();
	for (guint i = 0; i < names->len && rc == 0; i++)
		if ((a = conf_agent_by_name(conf, names->pdata[i])) != NULL &&
		    notify_wants(a, ev)) {
			g_ptr_array_add(told, a->name);
			rc = notify_agent(st, conf, ev, parent, a, &vars,
			    queued, cause);
		}
	if (rc == 0)
		rc = notify_escalate(st, conf, ev, parent, told, &vars, queued,
		    cause);
	g_ptr_array_free(told, TRUE);
	g_free(history);
	g_ptr_array_free(names, TRUE);
	return rc;
}

int
notify_agents(struct store *st, const struct conf *conf,
    const struct notify_event *ev, char **cause)
{
	struct store_notify	 n = { 0 };

	if (!notify_wanted(conf, ev->kind))
		return 0;
	n.ticket_id = ev->ticket->id;
	n.kind = ev->kind;
	n.actor = (char *)ev->actor;
	n.text = (char *)ev->text;
	n.message_id = ev->message_id;
	n.created_at = ev->now;
	return st->ops->notify_add(st, &n, cause);
}

/* The mail a notification is about, for its threading headers. */
static struct mail *
notify_parent(struct store *st, const struct conf *conf, gint64 id,
    char **cause)
{
	GBytes		*raw;
	struct mail	*m;
	int		 found;

	if (id == 0 || (found = st->ops->message_raw(st, id, &raw,
	    cause)) == 0)
		return NULL;
	if (found < 0)
		return NULL;
	m = mime_parse(raw, conf->fallback_charset);
	g_bytes_unref(raw);
	return m;
}

static int
notify_flush_one(struct store *st, const struct conf *conf,
    const struct store_notify *n, guint *queued, char **cause)
{
	struct notify_event	 ev = { 0 };
	struct store_ticket	*t = NULL;
	struct mail		*parent;
	int			 rc = 0, found;

	*cause = NULL;
	if ((found = st->ops->ticket_get(st, n->ticket_id, &t, cause)) < 0)
		return -1;
	parent = notify_parent(st, conf, n->message_id, cause);
	if (parent == NULL && *cause != NULL) {
		store_ticket_free(t);
		return -1;
	}
	ev.kind = n->kind;
	ev.ticket = t;
	ev.actor = n->actor;
	ev.text = n->text;
	ev.message_id = n->message_id;
	ev.now = n->created_at;
	if (found == 1 && notify_wanted(conf, n->kind))
		rc = notify_make(st, conf, &ev, parent, queued, cause);
	if (rc == 0)
		rc = st->ops->notify_delete(st, n->id, cause);
	if (parent != NULL)
		mail_free(parent);
	store_ticket_free(t);
	return rc;
}

/*
 * One that cannot be made (a template gone bad since) is dropped with
 * an event on its ticket, so that it holds up no other.
 */
static int
notify_flush_safe(struct store *st, const struct conf *conf,
    const struct store_notify *n, guint *queued, char **cause)
{
	char	*why = NULL, *detail;
	int	 rc;

	if (st->ops->savepoint(st, cause) != 0)
		return -1;
	if (notify_flush_one(st, conf, n, queued, &why) == 0)
		return st->ops->release(st, cause);
	st->ops->rollback_savepoint(st);
	log_warn("ticket %" G_GINT64_FORMAT ": notification dropped: %s",
	    n->ticket_id, why ? why : "unknown error");
	detail = g_strdup_printf("agents were not told: %s", why ? why : "");
	rc = st->ops->notify_delete(st, n->id, cause);
	if (rc == 0)
		rc = st->ops->event_add(st, n->ticket_id, n->created_at,
		    "notify_failed", detail, cause);
	g_free(detail);
	g_free(why);
	return rc;
}

int
notify_flush(struct store *st, const struct conf *conf, guint *queued,
    char **cause)
{
	GPtrArray	*kept;
	guint		 n;
	int		 rc = 0;

	*queued = 0;
	do {
		if (st->ops->notify_list(st, NOTIFY_BATCH, &kept, cause) != 0)
			return -1;
		n = kept->len;
		for (guint i = 0; i < n && rc == 0; i++)
			rc = notify_flush_safe(st, conf, kept->pdata[i], queued,
			    cause);
		g_ptr_array_free(kept, TRUE);
	} while (rc == 0 && n == NOTIFY_BATCH);
	return rc;
}

int
notify_flush_commit(struct store *st, const struct conf *conf, guint *queued,
    char **cause)
{
	if (st->ops->begin(st, cause) != 0)
		return -1;
	if (notify_flush(st, conf, queued, cause) != 0 ||
	    st->ops->commit(st, cause) != 0) {
		st->ops->rollback(st);
		return -1;
	}
	return 0;
}
