/*
 * lifecycle: status, assignment, priority and tags of a ticket, the
 * words agents add, and the mail each change causes (see lifecycle.h).
 *
 * An action works on one copy of the ticket: every command changes the
 * copy and records its event, and the copy is saved once at the end, so
 * a failure anywhere leaves the caller's transaction to undo it all.
 */
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "csat.h"
#include "lifecycle.h"
#include "log.h"
#include "mime.h"
#include "notify.h"
#include "reply.h"
#include "rules.h"
#include "sla.h"
#include "store.h"
#include "tally.h"
#include "template.h"
#include "thread.h"

/* One action under way. */
struct lc {
	struct store		*st;
	const struct conf	*conf;
	struct store_ticket	*t;
	const char		*agent;		/* who, or NULL */
	const char		*via;
	gint64			 now;
	int			 status_set;	/* a command chose the status */
	int			 assigned;	/* the assignee changed */
	struct store_sla	 sla;		/* the ticket's SLA facts ... */
	int			 sla_state;	/* unread, read, changed */
};

enum { LC_SLA_UNREAD, LC_SLA_READ, LC_SLA_CHANGED };

static int	 lc_timers(struct lc *, char **);

/* "agent somchai (mail)", "admin (ticketctl)", "ticketd (timer)". */
static char *
lc_who(const char *agent, const char *via)
{
	if (agent != NULL)
		return g_strdup_printf("agent %s (%s)", agent, via);
	return g_strdup_printf("%s (%s)", strcmp(via, "ticketctl") == 0 ?
	    "admin" : "ticketd", via);
}

static int
lc_event(struct lc *lc, const char *type, char *detail, char **cause)
{
	int	 rc = lc->st->ops->event_add(lc->st, lc->t->id, lc->now, type,
		    detail, cause);

	g_free(detail);
	return rc;
}

static void
lc_replace(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

/*
 * SLA facts, recorded as they happen: the first public reply of an
 * agent, each resolution, reopening, and the time spent pending,
 * resolved or closed, which the resolution time does not count.
 */

static struct store_sla *
lc_sla(struct lc *lc, char **cause)
{
	if (lc->sla_state == LC_SLA_UNREAD) {
		if (lc->st->ops->sla_get(lc->st, lc->t->id, &lc->sla, cause) ==
		    -1)
			return NULL;
		lc->sla_state = LC_SLA_READ;
	}
	return &lc->sla;
}

/*
 * The ticket's policy, and the calendar its business time runs by: the
 * queue's hours and holidays, unless the policy counts around the clock.
 */
static const struct conf_sla *
lc_sla_policy(struct lc *lc, struct sla_calendar *cal)
{
	const struct conf_queue	*q = reply_queue_of(lc->conf, lc->t);
	const struct conf_sla	*p = conf_sla_for(lc->conf, q->name,
				    lc->t->priority);

	conf_sla_calendar(q, p, cal);
	return p;
}

/* Met (1) or not (0) against target, or -1 when there is none. */
static int
lc_sla_met(const struct conf_sla *p, guint target, gint64 wall,
    gint64 business)
{
	if (p == NULL || target == 0)
		return -1;
	return (p->business_hours ? business : wall) <= target;
}

static void
lc_sla_name(struct store_sla *f, const struct conf_sla *p)
{
	g_free(f->policy);
	f->policy = p != NULL ? g_strdup(p->name) : NULL;
}

/* The customer's wait for this answer, after the first, as a fact. */
static int
lc_sla_wait_done(struct lc *lc, struct store_sla *f, char **cause)
{
	struct store_sla_wait	 w;
	struct sla_calendar	 cal;
	const struct conf_sla	*p = lc_sla_policy(lc, &cal);

	w.since = f->waiting_since;
	w.answered_at = lc->now;
	w.wall = lc->now - f->waiting_since;
	w.business = sla_between(&cal, f->waiting_since, lc->now);
	w.met = lc_sla_met(p, p ? p->next_response : 0, w.wall, w.business);
	f->waiting_since = 0;
	return lc->st->ops->sla_wait_add(lc->st, lc->t->id, &w, cause);
}

/* An agent answered the customer: the first time is the first response. */
static int
lc_sla_reply(struct lc *lc, char **cause)
{
	struct store_sla	*f = lc_sla(lc, cause);
	struct sla_calendar	 cal;
	const struct conf_sla	*p;

	if (f == NULL)
		return -1;
	f->agent_replies++;
	if (f->waiting_since != 0 && lc_sla_wait_done(lc, f, cause) != 0)
		return -1;
	if (f->first_response_at == 0) {
		p = lc_sla_policy(lc, &cal);
		f->first_response_at = lc->now;
		f->first_response_wall = lc->now - lc->t->created_at;
		f->first_response_business = sla_between(&cal,
		    lc->t->created_at, lc->now);
		f->first_response_met = lc_sla_met(p, p ? p->first_response : 0,
		    f->first_response_wall, f->first_response_business);
		lc_sla_name(f, p);
		/* On the writer, counted when the transaction commits. */
		tally_observe(TALLY_FIRST_RESPONSE_SECONDS,
		    f->first_response_wall);
	}
	lc->sla_state = LC_SLA_CHANGED;
	return 0;
}

/* A customer wrote again: after the first response, a wait begins. */
static int
lc_sla_customer(struct lc *lc, char **cause)
{
	struct store_sla	*f = lc_sla(lc, cause);

	if (f == NULL)
		return -1;
	if (f->first_response_at != 0 && f->waiting_since == 0) {
		f->waiting_since = lc->now;
		lc->sla_state = LC_SLA_CHANGED;
	}
	return 0;
}

static int
lc_sla_done(const char *status)
{
	return strcmp(status, "resolved") == 0 || strcmp(status, "closed") == 0;
}

/* The status goes from from to to. */
static int
lc_sla_status(struct lc *lc, const char *from, const char *to, char **cause)
{
	struct store_sla	*f = lc_sla(lc, cause);
	struct sla_calendar	 cal;
	const struct conf_sla	*p;

	if (f == NULL)
		return -1;
	p = lc_sla_policy(lc, &cal);
	if (f->paused_since != 0) {
		f->paused_wall += lc->now - f->paused_since;
		f->paused_business += sla_between(&cal, f->paused_since,
		    lc->now);
		f->paused_since = 0;
	}
	if (lc_sla_done(to) && !lc_sla_done(from)) {
		f->resolved_at = lc->now;
		f->resolution_wall = MAX(0, lc->now - lc->t->created_at -
		    f->paused_wall);
		f->resolution_business = MAX(0, sla_between(&cal,
		    lc->t->created_at, lc->now) - f->paused_business);
		f->resolution_met = lc_sla_met(p, p ? p->resolution : 0,
		    f->resolution_wall, f->resolution_business);
		lc_sla_name(f, p);
	} else if (lc_sla_done(from) && !lc_sla_done(to)) {
		f->reopens++;
		f->reopened_at = lc->now;
	}
	if (strcmp(to, "pending") == 0 || lc_sla_done(to))
		f->paused_since = lc->now;
	lc->sla_state = LC_SLA_CHANGED;
	return 0;
}

static int
lc_status(struct lc *lc, const char *status, const char *why, char **cause)
{
	char	*who;

	if (strcmp(lc->t->status, status) == 0)
		return 0;
	who = lc_who(lc->agent, lc->via);
	if (lc_event(lc, strcmp(status, "open") == 0 && (strcmp(lc->t->status,
	    "pending") == 0 || strcmp(lc->t->status, "resolved") == 0) ?
	    "reopened" : "status", g_strdup_printf("%s -> %s by %s: %s",
	    lc->t->status, status, who, why), cause) != 0) {
		g_free(who);
		return -1;
	}
	g_free(who);
	if (lc_sla_status(lc, lc->t->status, status, cause) != 0)
		return -1;
	lc_replace(&lc->t->status, status);
	lc->t->status_at = lc->now;
	return 0;
}

static int
lc_assign(struct lc *lc, const char *agent, const char *why, char **cause)
{
	const struct conf_agent	*a;
	char			*who;
	int			 rc;

	if (g_strcmp0(lc->t->assignee, agent) == 0)
		return 0;
	if (agent != NULL && (a = conf_agent_by_name(lc->conf, agent)) != NULL &&
	    !conf_agent_serves(a, lc->t->queue)) {
		*cause = g_strdup_printf("agent %s does not work in queue %s",
		    agent, lc->t->queue);
		return -1;
	}
	who = lc_who(lc->agent, lc->via);
	rc = lc_event(lc, agent ? "assigned" : "unassigned", g_strdup_printf(
	    "%s%s%s by %s: %s", lc->t->assignee ? lc->t->assignee : "nobody",
	    " -> ", agent ? agent : "nobody", who, why), cause);
	g_free(who);
	lc_replace(&lc->t->assignee, agent);
	lc->assigned = 1;
	return rc;
}

static int
lc_priority(struct lc *lc, const char *priority, char **cause)
{
	char	*who;
	int	 rc;

	if (strcmp(lc->t->priority, priority) == 0)
		return 0;
	who = lc_who(lc->agent, lc->via);
	rc = lc_event(lc, "priority", g_strdup_printf("%s -> %s by %s",
	    lc->t->priority, priority, who), cause);
	g_free(who);
	lc_replace(&lc->t->priority, priority);
	return rc;
}

static int
lc_tag(struct lc *lc, const char *tag, int add, char **cause)
{
	int	 changed = add ? lc->st->ops->tag_add(lc->st, lc->t->id, tag,
		    cause) : lc->st->ops->tag_remove(lc->st, lc->t->id, tag,
		    cause);
	char	*who;
	int	 rc;

	if (changed <= 0)
		return changed;
	who = lc_who(lc->agent, lc->via);
	rc = lc_event(lc, add ? "tagged" : "untagged", g_strdup_printf(
	    "%s by %s", tag, who), cause);
	g_free(who);
	return rc;
}

static int
lc_command(struct lc *lc, const struct agent_command *c, char **cause)
{
	switch (c->cmd) {
	case AGENT_CMD_NOTE:
		return 0;
	case AGENT_CMD_STATUS:
		/* Closing by hand is the admin's; mail can only resolve. */
		if (agent_check_status(c->arg,
		    strcmp(lc->via, "ticketctl") == 0, cause) != 0)
			return -1;
		lc->status_set = 1;
		return lc_status(lc, c->arg, "asked for", cause);
	case AGENT_CMD_PRIORITY:
		return lc_priority(lc, c->arg, cause);
	case AGENT_CMD_TAG:
	case AGENT_CMD_UNTAG:
		return lc_tag(lc, c->arg, c->cmd == AGENT_CMD_TAG, cause);
	case AGENT_CMD_ASSIGN:
		return lc_assign(lc, c->arg, "asked for", cause);
	case AGENT_CMD_CANNED:
		if (reply_canned(lc->st, lc->conf, lc->t->id, c->arg,
		    lc->agent, lc->now, cause) != 0)
			return -1;
		return lc_sla_reply(lc, cause);
	}
	g_assert_not_reached();
}

/* A note written at the command line, as a mail with our Message-ID. */
static struct mail *
lc_note_mail(struct lc *lc, const struct lifecycle_action *a, char **cause)
{
	struct mime_draft	 d = { 0 };
	struct mail		*built;
	char			*msgid;

	if (lc->conf->msgid_keys == NULL) {
		*cause = g_strdup("no Message-ID key loaded");
		return NULL;
	}
	msgid = thread_msgid_make(g_bytes_get_data(lc->conf->msgid_keys, NULL),
	    lc->t->id, lc->conf->hostname);
	d.from_name = a->agent ? a->agent : "admin";
	d.from_addr = "";
	d.to_addr = "";
	d.subject = lc->t->subject;
	d.message_id = msgid;
	d.body = a->text;
	d.date = lc->now;
	built = mime_build(&d);
	g_free(msgid);
	return built;
}

/* The agent's own mail, or a note written at the command line. */
static int
lc_store_words(struct lc *lc, const struct lifecycle_action *a, int note,
    char **cause)
{
	struct store_message_in	 in = { 0 };
	struct mail		*built = NULL;
	gint64			 id;
	int			 rc;

	if (a->mail == NULL && (!note || a->text == NULL))
		return 0;
	if (a->mail == NULL && (built = lc_note_mail(lc, a, cause)) == NULL)
		return -1;
	in.ticket_id = lc->t->id;
	in.direction = note ? "note" : "agent";
	in.source = a->source ? a->source : a->via;
	in.return_path = "";
	in.dedupe_key = a->dedupe_key ? a->dedupe_key : NULL;
	in.received_at = lc->now;
	in.mail = a->mail ? a->mail : built;
	in.deliveries = a->deliveries;
	in.author = a->agent;
	in.body = a->text ? a->text : "";
	if (in.dedupe_key == NULL)
		in.dedupe_key = g_strdup_printf("note:%" G_GINT64_FORMAT ":%"
		    G_GINT64_FORMAT ":%u", lc->t->id, g_get_real_time(),
		    g_random_int());
	rc = lc->st->ops->message_add(lc->st, &in, &id, cause);
	if (in.dedupe_key != a->dedupe_key)
		g_free((char *)in.dedupe_key);
	if (built != NULL)
		mail_free(built);
	if (rc != 0)
		return -1;
	return lc_event(lc, note ? "note" : "agent_mail", g_strdup_printf(
	    "message %" G_GINT64_FORMAT " by %s", id, a->agent ? a->agent :
	    "admin"), cause);
}

static int
lc_is_ours(const struct conf *conf, const char *addr)
{
	return conf_queue_for_address(conf, addr) != NULL ||
	    conf_agent_by_address(conf, addr) != NULL;
}

/* The ticket's other customers: its participants but ours and the requester. */
static GPtrArray *
lc_cc(struct lc *lc, char **cause)
{
	GPtrArray	*all, *cc;

	if (lc->st->ops->participant_list(lc->st, lc->t->id, &all, cause) != 0)
		return NULL;
	cc = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < all->len; i++) {
		const char	*addr = all->pdata[i];

		if (g_ascii_strcasecmp(addr, lc->t->requester_addr) != 0 &&
		    !lc_is_ours(lc->conf, addr))
			g_ptr_array_add(cc, g_strdup(addr));
	}
	g_ptr_array_free(all, TRUE);
	return cc;
}

/* "Somchai K. (Example Support)": a person, speaking for the queue. */
static char *
lc_from_name(const struct conf *conf, const struct conf_queue *q,
    const char *agent)
{
	const struct conf_agent	*a = agent ? conf_agent_by_name(conf, agent) :
				    NULL;
	const char		*team = *q->display_name ? q->display_name :
				    q->name;

	if (a == NULL)
		return g_strdup(team);
	return g_strdup_printf("%s (%s)", a->display_name, team);
}

static int
lc_reply(struct lc *lc, const struct lifecycle_action *a, char **cause)
{
	struct reply_mail	 rm = { 0 };
	struct mail		*parent;
	gint64			 received = lc->now;
	char			*from_name, *subject;
	GPtrArray		*cc;
	int			 rc;

	parent = reply_last_incoming(lc->st, lc->conf, lc->t->id, &received,
	    cause);
	if (parent == NULL && *cause != NULL)
		return -1;
	if ((cc = lc_cc(lc, cause)) == NULL) {
		if (parent != NULL)
			mail_free(parent);
		return -1;
	}
	rm.kind = "agent_reply";
	rm.ticket = lc->t;
	rm.queue = reply_queue_of(lc->conf, lc->t);
	rm.parent = parent;
	rm.subject = subject = g_strconcat("Re: ", lc->t->subject, NULL);
	rm.text = a->text;
	rm.from_name = from_name = lc_from_name(lc->conf, rm.queue, a->agent);
	rm.cc = cc;
	rm.author = a->agent;
	rm.attachments = a->attachments;
	rm.on_ticket = 1;
	rm.received_at = received;
	rm.now = lc->now;
	rc = reply_send(lc->st, lc->conf, &rm, cause);
	g_free(subject);
	g_free(from_name);
	g_ptr_array_free(cc, TRUE);
	if (parent != NULL)
		mail_free(parent);
	return rc;
}

int
lifecycle_has_words(const char *text)
{
	for (; text != NULL && *text != '\0'; text++)
		if (!g_ascii_isspace(*text))
			return 1;
	return 0;
}

static int
lc_has_command(const struct lifecycle_action *a, enum agent_cmd cmd)
{
	for (guint i = 0; a->commands != NULL && i < a->commands->len; i++) {
		const struct agent_command *c = a->commands->pdata[i];

		if (c->cmd == cmd)
			return 1;
	}
	return 0;
}

static int
lc_is_note(const struct lifecycle_action *a)
{
	return a->note || lc_has_command(a, AGENT_CMD_NOTE);
}

static int
lc_notify(struct lc *lc, enum notify_kind kind, const char *text,
    char **cause)
{
	struct notify_event	 ev = { 0 };

	ev.kind = kind;
	ev.ticket = lc->t;
	ev.actor = lc->agent;
	ev.text = text;
	ev.now = lc->now;
	return notify_agents(lc->st, lc->conf, &ev, cause);
}

/* What follows from the action when no command said otherwise. */
static int
lc_defaults(struct lc *lc, int replied, char **cause)
{
	if (replied && lc->t->assignee == NULL && lc->agent != NULL &&
	    lc_assign(lc, lc->agent, "first to reply", cause) != 0)
		return -1;
	if (replied && !lc->status_set)
		return lc_status(lc, "pending", "replied to the customer", cause);
	return 0;
}

static int
lc_load(struct lc *lc, gint64 id, char **cause)
{
	int	 found = lc->st->ops->ticket_get(lc->st, id, &lc->t, cause);

	if (found == 0)
		*cause = g_strdup_printf("no ticket %" G_GINT64_FORMAT, id);
	return found == 1 ? 0 : -1;
}

static int
lc_check_agent(struct lc *lc, char **cause)
{
	const struct conf_agent	*a;

	if (lc->agent == NULL)
		return 0;
	if ((a = conf_agent_by_name(lc->conf, lc->agent)) == NULL) {
		*cause = g_strdup_printf("no agent \"%s\"", lc->agent);
		return -1;
	}
	if (!conf_agent_serves(a, lc->t->queue)) {
		*cause = g_strdup_printf("agent %s does not work in queue %s",
		    a->name, lc->t->queue);
		return -1;
	}
	return 0;
}

static int
lc_save(struct lc *lc, char **cause)
{
	lc->t->updated_at = lc->now;
	if (lc->sla_state == LC_SLA_CHANGED && lc->st->ops->sla_put(lc->st,
	    lc->t->id, &lc->sla, cause) != 0)
		return -1;
	lc->sla_state = LC_SLA_READ;
	if (lc->st->ops->ticket_update(lc->st, lc->t, cause) != 0)
		return -1;
	return lc_timers(lc, cause);
}

static void
lc_done(struct lc *lc)
{
	store_ticket_free(lc->t);
	store_sla_clear(&lc->sla);
}

static int
lc_run(struct lc *lc, const struct lifecycle_action *a, char **cause)
{
	int	 note = lc_is_note(a);
	int	 replied = !note && !a->stored_only &&
		    lifecycle_has_words(a->text);

	if (lc_check_agent(lc, cause) != 0 ||
	    lc_store_words(lc, a, note, cause) != 0)
		return -1;
	if (a->stored_only)
		return 0;
	if (replied && (lc_reply(lc, a, cause) != 0 ||
	    lc_sla_reply(lc, cause) != 0))
		return -1;
	for (guint i = 0; a->commands != NULL && i < a->commands->len; i++)
		if (lc_command(lc, a->commands->pdata[i], cause) != 0)
			return -1;
	/* A canned reply answers the customer as much as words do. */
	if (lc_defaults(lc, replied || lc_has_command(a, AGENT_CMD_CANNED),
	    cause) != 0 || lc_save(lc, cause) != 0)
		return -1;
	if (note && lifecycle_has_words(a->text) &&
	    lc_notify(lc, NOTIFY_NOTE, a->text, cause) != 0)
		return -1;
	if (lc->assigned && lc->t->assignee != NULL &&
	    lc_notify(lc, NOTIFY_ASSIGN, NULL, cause) != 0)
		return -1;
	return 0;
}

int
lifecycle_act(struct store *st, const struct conf *conf,
    const struct lifecycle_action *a, char **cause)
{
	struct lc	 lc = { st, conf, NULL, a->agent, a->via, a->now, 0, 0 };
	int		 rc;

	if (lc_load(&lc, a->ticket_id, cause) != 0)
		return -1;
	rc = lc_run(&lc, a, cause);
	lc_done(&lc);
	return rc;
}

int
lifecycle_set_status(struct store *st, const struct conf *conf, gint64 id,
    const char *status, const char *who, const char *via, const char *why,
    gint64 now, char **cause)
{
	struct lc	 lc = { st, conf, NULL, who, via, now, 1, 0 };
	int		 rc;

	if (lc_load(&lc, id, cause) != 0)
		return -1;
	rc = lc_status(&lc, status, why, cause);
	if (rc == 0)
		rc = lc_save(&lc, cause);
	lc_done(&lc);
	return rc;
}

int
lifecycle_customer_mail(struct store *st, const struct conf *conf, gint64 id,
    const struct mail *m, gint64 message, const char *text, gint64 now,
    char **cause)
{
	struct lc		 lc = { st, conf, NULL, NULL, "customer mail",
				    now, 0, 0 };
	struct notify_event	 ev = { 0 };
	int			 rc = 0;

	if (lc_load(&lc, id, cause) != 0)
		return -1;
	if (strcmp(lc.t->status, "pending") == 0 ||
	    strcmp(lc.t->status, "resolved") == 0) {
		char	*why = g_strdup_printf("the customer wrote <%s>",
			    m->message_id ? m->message_id : "");

		rc = lc_status(&lc, "open", why, cause);
		g_free(why);
	}
	if (rc == 0)
		rc = lc_sla_customer(&lc, cause);
	if (rc == 0)
		rc = lc_save(&lc, cause);
	ev.kind = NOTIFY_REPLY;
	ev.ticket = lc.t;
	ev.text = text;
	ev.message_id = message;
	ev.now = now;
	if (rc == 0)
		rc = notify_agents(st, conf, &ev, cause);
	lc_done(&lc);
	return rc;
}

int
lifecycle_new_ticket(struct store *st, const struct conf *conf, gint64 id,
    gint64 message, const char *text, gint64 now, char **cause)
{
	struct lc		 lc = { st, conf, NULL, NULL, "customer mail",
				    now, 0, 0 };
	struct notify_event	 ev = { 0 };
	int			 rc;

	if (lc_load(&lc, id, cause) != 0)
		return -1;
	rc = lc_timers(&lc, cause);
	ev.kind = NOTIFY_NEW;
	ev.ticket = lc.t;
	ev.text = text;
	ev.message_id = message;
	ev.now = now;
	if (rc == 0)
		rc = notify_agents(st, conf, &ev, cause);
	lc_done(&lc);
	return rc;
}

/*
 * Rules.
 */

static int
lc_rule_event(struct lc *lc, const char *type, const struct rules_fired *f,
    const struct rules_action *a, const char *skipped, char **cause)
{
	return lc_event(lc, type, g_strdup_printf("rule %s (%s): %s = %s%s%s",
	    f->name, f->where, rules_act_name(a->act), a->value ? a->value :
	    "no", skipped ? ": skipped, " : "", skipped ? skipped : ""), cause);
}

static int
lc_rule_skip(struct lc *lc, const struct rules_fired *f,
    const struct rules_action *a, char *why, char **cause)
{
	int	 rc;

	log_info("ticket %" G_GINT64_FORMAT ": rule %s (%s): %s = %s skipped: "
	    "%s", lc->t->id, f->name, f->where, rules_act_name(a->act),
	    a->value ? a->value : "no", why);
	rc = lc_rule_event(lc, "rule_skipped", f, a, why, cause);
	g_free(why);
	return rc;
}

static int
lc_rule_queue(struct lc *lc, const char *queue, char **cause)
{
	if (strcmp(lc->t->queue, queue) == 0)
		return 0;
	if (lc_event(lc, "queue", g_strdup_printf("%s -> %s by ticketd (rules)",
	    lc->t->queue, queue), cause) != 0)
		return -1;
	lc_replace(&lc->t->queue, queue);
	return 0;
}

/* An action that changes the ticket itself; mail waits for lc_rule_mail. */
static int
lc_rule_state(struct lc *lc, const struct rules_result *res,
    const struct rules_fired *f, const struct rules_action *a, char **cause)
{
	const struct conf_agent	*ag;
	const char		*queue = res->queue ? res->queue : lc->t->queue;
	char			*why;
	int			 rc;

	switch (a->act) {
	case RULES_ASSIGN:
		ag = conf_agent_by_name(lc->conf, a->value);
		if (ag == NULL || !conf_agent_serves(ag, queue))
			return lc_rule_skip(lc, f, a, g_strdup_printf("agent %s "
			    "does not work in queue %s", a->value, queue), cause);
		break;
	case RULES_CANNED:
	case RULES_NOTIFY:
		return 0;
	case RULES_PRIORITY:
	case RULES_TAG:
	case RULES_UNTAG:
	case RULES_QUEUE:
	case RULES_STATUS:
	case RULES_NO_ACK:
		break;
	}
	if (lc_rule_event(lc, "rule", f, a, NULL, cause) != 0)
		return -1;
	switch (a->act) {
	case RULES_PRIORITY:
		return lc_priority(lc, a->value, cause);
	case RULES_TAG:
	case RULES_UNTAG:
		return lc_tag(lc, a->value, a->act == RULES_TAG, cause);
	case RULES_QUEUE:
		return lc_rule_queue(lc, a->value, cause);
	case RULES_ASSIGN:
	case RULES_STATUS:
		why = g_strdup_printf("rule %s (%s)", f->name, f->where);
		rc = a->act == RULES_ASSIGN ? lc_assign(lc, a->value, why,
		    cause) : lc_status(lc, a->value, why, cause);
		g_free(why);
		return rc;
	case RULES_NO_ACK:	/* ticket.c held the acknowledgement back */
	case RULES_CANNED:
	case RULES_NOTIFY:
		return 0;
	}
	g_assert_not_reached();
}

/* notify = ADDRESS or AGENT: a short plain mail about the ticket. */
static int
lc_rule_notify(struct lc *lc, const struct rules_fired *f, const char *who,
    const struct mail *m, char **cause)
{
	const struct conf_agent	*ag = conf_agent_by_name(lc->conf, who);
	struct reply_mail	 rm = { 0 };
	char			*subject, *text, *reply_to = NULL;
	int			 rc;

	rm.kind = "rule_notify";
	rm.ticket = lc->t;
	rm.queue = reply_queue_of(lc->conf, lc->t);
	rm.parent = m;
	/* reply.c puts the ticket's tag in front: "[#N] [rule NAME] ...". */
	rm.subject = subject = g_strdup_printf("[rule %s] %s", f->name,
	    lc->t->subject);
	rm.text = text = g_strdup_printf("Rule %s (%s) matched mail <%s> from "
	    "<%s> on ticket #%" G_GINT64_FORMAT " (queue %s, priority %s, "
	    "status %s).\n\nSubject: %s\n", f->name, f->where,
	    m->message_id ? m->message_id : "", m->from_addr, lc->t->id,
	    lc->t->queue, lc->t->priority, lc->t->status, m->subject);
	if (ag != NULL) {
		rm.to_name = ag->display_name;
		rm.to_addr = ag->addresses[0];
		rm.agent = ag->name;
		rm.reply_to = reply_to = agent_reply_address(lc->conf, rm.queue,
		    lc->t->id, ag->name);
	} else
		rm.to_addr = who;
	rm.automatic = 1;
	rm.received_at = rm.now = lc->now;
	rc = reply_send(lc->st, lc->conf, &rm, cause);
	g_free(subject);
	g_free(text);
	g_free(reply_to);
	return rc;
}

/* Mail a rule sends, once the ticket is saved: each reply, each address once. */
static int
lc_rule_mail(struct lc *lc, const struct rules_fired *f,
    const struct rules_action *a, GHashTable *done, const struct mail *m,
    const char *return_path, char **cause)
{
	const char	*suppress;
	char		*key, *why;

	if (a->act != RULES_CANNED && a->act != RULES_NOTIFY)
		return 0;
	key = g_strdup_printf("%d %s", a->act, a->value);
	if (!g_hash_table_add(done, key))
		return 0;
	if (a->act == RULES_NOTIFY)
		return lc_rule_event(lc, "rule", f, a, NULL, cause) != 0 ? -1 :
		    lc_rule_notify(lc, f, a->value, m, cause);
	if ((suppress = reply_suppress_reason(lc->conf, m, return_path)) != NULL)
		return lc_rule_skip(lc, f, a, g_strdup_printf("no automatic "
		    "reply: %s", suppress), cause);
	switch (reply_canned_auto(lc->st, lc->conf, lc->t->id, a->value,
	    lc->now, &why, cause)) {
	case 1:
		return lc_rule_event(lc, "rule", f, a, NULL, cause);
	case 0:
		return lc_rule_skip(lc, f, a, why, cause);
	default:
		return -1;
	}
}

static int
lc_rules_run(struct lc *lc, const struct rules_result *res,
    const struct mail *m, const char *return_path, char **cause)
{
	GHashTable	*done;
	int		 rc = 0;

	for (guint i = 0; i < res->fired->len; i++) {
		const struct rules_fired *f = res->fired->pdata[i];

		for (guint j = 0; j < f->actions->len; j++)
			if (lc_rule_state(lc, res, f, f->actions->pdata[j],
			    cause) != 0)
				return -1;
	}
	if (lc_save(lc, cause) != 0)
		return -1;
	done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < res->fired->len && rc == 0; i++) {
		const struct rules_fired *f = res->fired->pdata[i];

		for (guint j = 0; j < f->actions->len && rc == 0; j++)
			rc = lc_rule_mail(lc, f, f->actions->pdata[j], done, m,
			    return_path, cause);
	}
	g_hash_table_destroy(done);
	if (rc == 0 && lc->assigned && lc->t->assignee != NULL)
		rc = lc_notify(lc, NOTIFY_ASSIGN, NULL, cause);
	return rc;
}

int
lifecycle_rules(struct store *st, const struct conf *conf, gint64 id,
    const struct rules_result *res, const struct mail *m,
    const char *return_path, gint64 now, char **cause)
{
	struct lc	 lc = { st, conf, NULL, NULL, "rules", now, 0, 0 };
	int		 rc;

	if (res->fired->len == 0)
		return 0;
	if (lc_load(&lc, id, cause) != 0)
		return -1;
	rc = lc_rules_run(&lc, res, m, return_path, cause);
	lc_done(&lc);
	return rc;
}

/*
 * Timers: what comes due on a ticket is worked out again at every save
 * of it, from its status and SLA facts under the conf of the day, and
 * kept as its rows of the deadline queue (timer.c fires them).
 */

#define LC_TIMERS	(2 * SLA_KINDS + 4)
#define LC_SLA_STALE	86400	/* seconds late: a timer mails nobody */

static const char *const lc_sla_kinds[SLA_KINDS] = {
	[SLA_FIRST_RESPONSE] = "first_response",
	[SLA_NEXT_RESPONSE] = "next_response",
	[SLA_RESOLUTION] = "resolution",
};

/* "first_response.warn" and the like, by kind and stage. */
static const char *const lc_sla_timer_names[SLA_KINDS][2] = {
	[SLA_FIRST_RESPONSE] = { "first_response.warn", "first_response.breach" },
	[SLA_NEXT_RESPONSE] = { "next_response.warn", "next_response.breach" },
	[SLA_RESOLUTION] = { "resolution.warn", "resolution.breach" },
};

const struct conf_sla *
lifecycle_deadlines(const struct conf *conf, const struct store_ticket *t,
    const struct store_sla *f, gint64 due[SLA_KINDS],
    gint64 warn_at[SLA_KINDS])
{
	const struct conf_queue	*q = reply_queue_of(conf, t);
	const struct conf_sla	*p = conf_sla_for(conf, q->name, t->priority);
	struct sla_calendar	 cal;
	struct sla_clock	 c = { 0 };

	memset(due, 0, SLA_KINDS * sizeof(*due));
	memset(warn_at, 0, SLA_KINDS * sizeof(*warn_at));
	if (p == NULL)
		return NULL;
	conf_sla_calendar(q, p, &cal);
	c.created_at = t->created_at;
	c.first_response_at = f->first_response_at;
	c.waiting_since = f->waiting_since;
	c.paused_since = f->paused_since;
	c.paused = p->business_hours ? f->paused_business : f->paused_wall;
	c.done = lc_sla_done(t->status);
	sla_deadlines(&cal, (const guint[SLA_KINDS]){ p->first_response,
	    p->next_response, p->resolution }, p->warn, &c, due, warn_at);
	return p;
}

static void
lc_want(struct store_timer *want, guint *n, const char *kind, gint64 due,
    gint64 basis)
{
	want[*n].ticket_id = 0;
	want[*n].kind = (char *)kind;
	want[*n].due = due;
	want[*n].basis = basis;
	(*n)++;
}

/* The SLA's warnings and breaches still to come: a clock's start is its basis. */
static int
lc_sla_timers(struct lc *lc, struct store_timer *want, guint *n, char **cause)
{
	const struct store_sla	*f;
	gint64			 due[SLA_KINDS], warn[SLA_KINDS], basis;

	if (conf_sla_for(lc->conf, reply_queue_of(lc->conf, lc->t)->name,
	    lc->t->priority) == NULL)
		return 0;
	if ((f = lc_sla(lc, cause)) == NULL)
		return -1;
	lifecycle_deadlines(lc->conf, lc->t, f, due, warn);
	for (int k = 0; k < SLA_KINDS; k++) {
		basis = k == SLA_NEXT_RESPONSE ? f->waiting_since :
		    lc->t->created_at;
		if (warn[k] != 0)
			lc_want(want, n, lc_sla_timer_names[k][0], warn[k], basis);
		if (due[k] != 0)
			lc_want(want, n, lc_sla_timer_names[k][1], due[k], basis);
	}
	return 0;
}

/* A status that moves on by itself: pending is reminded, then resolved. */
static void
lc_status_timers(struct lc *lc, struct store_timer *want, guint *n)
{
	const struct conf	*c = lc->conf;
	gint64			 since = lc->t->status_at;

	if (strcmp(lc->t->status, "pending") == 0) {
		if (c->pending_remind != 0 && (c->pending_resolve == 0 ||
		    c->pending_remind < c->pending_resolve))
			lc_want(want, n, "pending_remind",
			    since + c->pending_remind, since);
		if (c->pending_resolve != 0)
			lc_want(want, n, "pending_resolve",
			    since + c->pending_resolve, since);
	} else if (strcmp(lc->t->status, "resolved") == 0 &&
	    c->close_after != 0)
		lc_want(want, n, "close_after", since + c->close_after, since);
}

/*
 * The survey, [csat] delay after the ticket was resolved (or closed),
 * however soon it closes. One a ticket: its clock never starts again,
 * so once fired it stays fired.
 */
static int
lc_survey_timer(struct lc *lc, struct store_timer *want, guint *n,
    char **cause)
{
	const struct store_sla	*f;

	if (!lc->conf->csat_send || !lc_sla_done(lc->t->status))
		return 0;
	if ((f = lc_sla(lc, cause)) == NULL)
		return -1;
	if (f->resolved_at != 0)
		lc_want(want, n, "csat_survey", f->resolved_at +
		    lc->conf->csat_delay, 0);
	return 0;
}

static int
lc_timers_want(struct lc *lc, struct store_timer *want, guint *n,
    char **cause)
{
	*n = 0;
	if (lc_sla_timers(lc, want, n, cause) != 0 ||
	    lc_survey_timer(lc, want, n, cause) != 0)
		return -1;
	lc_status_timers(lc, want, n);
	return 0;
}

/*
 * Fired timers stay, closed or not: a ticket opened again must not fire
 * them a second time.
 */
static int
lc_timers(struct lc *lc, char **cause)
{
	struct store_timer	 want[LC_TIMERS];
	guint			 n;

	if (lc_timers_want(lc, want, &n, cause) != 0)
		return -1;
	return lc->st->ops->timer_set(lc->st, lc->t->id, want, n, cause);
}

/* The SLA target of timer kind, and whether it is the breach. */
static int
lc_sla_timer_kind(const char *kind, int *breach)
{
	for (int k = 0; k < SLA_KINDS; k++)
		for (int b = 0; b < 2; b++)
			if (strcmp(kind, lc_sla_timer_names[k][b]) == 0) {
				*breach = b;
				return k;
			}
	return -1;
}

static void
lc_sla_missed(struct lc *lc, int *met)
{
	*met = 0;
	lc->sla_state = LC_SLA_CHANGED;
}

/*
 * A warning or a breach: its event, the breached tag, and the agents'
 * notification, kept in this transaction so that it fires once.
 */
/* What a warning or breach says: the target, when it is due, and how long is left. */
static char *
lc_sla_text(int k, int breach, gint64 due, gint64 now, const char *policy)
{
	char	*when = store_time_iso(due), *left, *text;

	if (breach) {
		text = g_strdup_printf("%s breached: it was due at %s (policy "
		    "%s)", lc_sla_kinds[k], when, policy);
		g_free(when);
		return text;
	}
	left = sla_duration_text(due - now);
	text = g_strdup_printf("%s due at %s (policy %s): %s left",
	    lc_sla_kinds[k], when, policy, left);
	g_free(left);
	g_free(when);
	return text;
}

/*
 * A warning or a breach: its event, the breached tag, and the agents'
 * notification, kept in this transaction so that it fires once. A
 * breach found more than LC_SLA_STALE late (mail imported with its old
 * dates, a long outage) is recorded, but mails nobody: it is history.
 */
static int
lc_sla_fire(struct lc *lc, int k, int breach, char **cause)
{
	gint64			 due[SLA_KINDS], warn[SLA_KINDS];
	const struct store_sla	*f = lc_sla(lc, cause);
	const struct conf_sla	*p;
	char			*text;
	int			 rc, stale;

	if (f == NULL)
		return -1;
	/* A warning missed while ticketd was down: the breach says it all. */
	if ((p = lifecycle_deadlines(lc->conf, lc->t, f, due, warn)) == NULL ||
	    (!breach && due[k] <= lc->now))
		return 0;
	text = lc_sla_text(k, breach, due[k], lc->now, p->name);
	stale = lc->now - due[k] > LC_SLA_STALE;
	rc = lc_event(lc, breach ? "sla_breach" : "sla_warning", stale ?
	    g_strdup_printf("%s; found more than a day late, nobody was "
	    "mailed", text) : g_strdup(text), cause);
	if (rc == 0 && breach)
		rc = lc_tag(lc, "breached", 1, cause);
	/* A fact already: the answer or resolution can only come late. */
	if (breach && k == SLA_FIRST_RESPONSE)
		lc_sla_missed(lc, &lc->sla.first_response_met);
	else if (breach && k == SLA_RESOLUTION)
		lc_sla_missed(lc, &lc->sla.resolution_met);
	if (rc == 0 && !stale)
		rc = lc_notify(lc, breach ? NOTIFY_SLA_BREACH : NOTIFY_SLA_WARN,
		    text, cause);
	g_free(text);
	return rc;
}

/* The customer has not answered for pending_remind: remind them, once. */
static int
lc_remind(struct lc *lc, char **cause)
{
	char	*why = NULL;

	if (lc->conf->templates == NULL ||
	    !template_exists(lc->conf->templates, LIFECYCLE_REMIND_TEMPLATE))
		return lc_event(lc, "remind_skipped", g_strdup("no "
		    LIFECYCLE_REMIND_TEMPLATE " template"), cause);
	switch (reply_canned_auto(lc->st, lc->conf, lc->t->id,
	    LIFECYCLE_REMIND_TEMPLATE, lc->now, &why, cause)) {
	case 1:
		return lc_event(lc, "reminded", g_strdup_printf("pending for "
		    "%us (pending_remind)", lc->conf->pending_remind), cause);
	case 0:
		return lc_event(lc, "remind_skipped", why, cause);
	default:
		return -1;
	}
}

/* Resolved for [csat] delay: ask the customer how we did. */
static int
lc_survey(struct lc *lc, char **cause)
{
	char	*why = NULL;

	switch (csat_survey(lc->st, lc->conf, lc->t->id, lc->now, &why,
	    cause)) {
	case 1:
		return 0;
	case 0:
		return lc_event(lc, "csat_skipped", why, cause);
	default:
		return -1;
	}
}

static int
lc_timer_status(struct lc *lc, const char *to, guint after, const char *key,
    char **cause)
{
	char	*why = g_strdup_printf("%s for %us (%s)", lc->t->status, after,
		    key);
	int	 rc = lc_status(lc, to, why, cause);

	g_free(why);
	return rc;
}

static int
lc_timer_act(struct lc *lc, const struct store_timer *tm, char **cause)
{
	const struct conf	*c = lc->conf;
	const char		*kind = tm->kind;
	int			 k, breach;

	if ((k = lc_sla_timer_kind(kind, &breach)) >= 0)
		return lc_sla_fire(lc, k, breach, cause);
	/* Mail to the customer a day late (an upgrade, an outage) is noise. */
	if ((strcmp(kind, "pending_remind") == 0 ||
	    strcmp(kind, "csat_survey") == 0) && lc->now - tm->due > LC_SLA_STALE)
		return lc_event(lc, strcmp(kind, "csat_survey") == 0 ?
		    "csat_skipped" : "remind_skipped", g_strdup("found more "
		    "than a day late"), cause);
	if (strcmp(kind, "pending_remind") == 0)
		return lc_remind(lc, cause);
	if (strcmp(kind, "csat_survey") == 0)
		return lc_survey(lc, cause);
	if (strcmp(kind, "pending_resolve") == 0)
		return lc_timer_status(lc, "resolved", c->pending_resolve, kind,
		    cause);
	if (strcmp(kind, "close_after") == 0)
		return lc_timer_status(lc, "closed", c->close_after, kind,
		    cause);
	*cause = g_strdup_printf("unknown timer \"%s\"", kind);
	return -1;
}

/* Is tm still due by now, on the same clock, as the ticket stands? */
static int
lc_timer_stands(const struct store_timer *tm, const struct store_timer *want,
    guint n, gint64 now)
{
	for (guint i = 0; i < n; i++)
		if (strcmp(want[i].kind, tm->kind) == 0)
			return want[i].due <= now && want[i].basis == tm->basis;
	return 0;
}

int
lifecycle_timer_fire(struct store *st, const struct conf *conf,
    const struct store_timer *tm, gint64 now, int *fired, char **cause)
{
	struct lc		 lc = { st, conf, NULL, NULL, "timer", now, 1, 0 };
	struct store_timer	 want[LC_TIMERS];
	guint			 n;
	int			 rc, found;

	*fired = 0;
	if ((found = st->ops->ticket_get(st, tm->ticket_id, &lc.t, cause)) != 1)
		return found == 0 ? st->ops->timer_clear(st, tm->ticket_id,
		    cause) : -1;
	/* A reload may have moved it: then it is only put in its place. */
	if ((rc = lc_timers_want(&lc, want, &n, cause)) == 0 &&
	    lc_timer_stands(tm, want, n, now)) {
		*fired = 1;
		rc = lc_timer_act(&lc, tm, cause);
		if (rc == 0)
			rc = lc_save(&lc, cause);
		if (rc == 0)
			rc = st->ops->timer_fired(st, tm->ticket_id, tm->kind,
			    cause);
	} else if (rc == 0)
		rc = lc_timers(&lc, cause);
	lc_done(&lc);
	return rc;
}

int
lifecycle_rated(struct store *st, const struct conf *conf, gint64 id,
    int rating, int was, const char *text, gint64 now, char **cause)
{
	struct lc	 lc = { st, conf, NULL, NULL, "satisfaction", now, 0, 0 };
	int		 low = rating <= LIFECYCLE_CSAT_LOW, rc;

	if (lc_load(&lc, id, cause) != 0)
		return -1;
	rc = lc_tag(&lc, LIFECYCLE_CSAT_LOW_TAG, low, cause);
	if (rc == 0)
		rc = lc_save(&lc, cause);
	/* Told once as it turns low, not again for each repeat. */
	if (rc == 0 && low && (was == 0 || was > LIFECYCLE_CSAT_LOW))
		rc = lc_notify(&lc, NOTIFY_CSAT_LOW, text, cause);
	lc_done(&lc);
	return rc;
}

/* One ticket's timers; one that fails is logged and keeps its old ones. */
static int
lc_timers_again(struct store *st, const struct conf *conf, gint64 id,
    char **cause)
{
	struct lc	 lc = { st, conf, NULL, NULL, "timer", 0, 0, 0 };
	char		*why = NULL;
	int		 rc;

	if (st->ops->savepoint(st, cause) != 0)
		return -1;
	if ((rc = lc_load(&lc, id, &why)) == 0)
		rc = lc_timers(&lc, &why);
	lc_done(&lc);
	if (rc == 0)
		return st->ops->release(st, cause);
	st->ops->rollback_savepoint(st);
	log_warn("ticket %" G_GINT64_FORMAT ": timers not worked out again: %s",
	    id, why ? why : "unknown error");
	g_free(why);
	return 0;
}

int
lifecycle_timers_rebuild(struct store *st, const struct conf *conf,
    gint64 *after, guint limit, guint *done, char **cause)
{
	GArray	*ids;
	int	 rc = 0;

	*done = 0;
	if (st->ops->tickets_live(st, *after, limit, &ids, cause) != 0)
		return -1;
	for (guint i = 0; i < ids->len && rc == 0; i++) {
		*after = g_array_index(ids, gint64, i);
		rc = lc_timers_again(st, conf, *after, cause);
		(*done)++;
	}
	g_array_free(ids, TRUE);
	return rc;
}
