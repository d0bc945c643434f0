/*
 * ticketctl: the admin tool. A table of commands, each reading the
 * store that the configuration names; --json gives machine output for
 * scripts and tests, the default is for people.
 *
 * Whatever an agent does by mail, an admin does here: reply, note,
 * status, assign, tag and priority each make one lifecycle action (see
 * lifecycle.h), as the admin or, with --as, as an agent, applied in one
 * transaction; the output is what changed and the ticket after it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <glib/gstdio.h>

#include "agent.h"
#include "conf.h"
#include "dblock.h"
#include "json.h"
#include "lifecycle.h"
#include "log.h"
#include "mime.h"
#include "notify.h"
#include "reply.h"
#include "report.h"
#include "rules.h"
#include "search.h"
#include "sla.h"
#include "source.h"
#include "status.h"
#include "store.h"
#include "template.h"
#include "ticket.h"

#ifndef TICKETD_CONF
#define TICKETD_CONF	"/etc/ticketd/ticketd.conf"	/* make sets it */
#endif

static char	*opt_conf = NULL;
static gboolean	 opt_json = FALSE;
static char	*opt_canned = NULL;
static gboolean	 opt_archive = FALSE;
static char	*opt_as = NULL;
static gboolean	 opt_note = FALSE;
static char	**opt_status = NULL;
static char	*opt_queue = NULL;
static char	*opt_assignee = NULL;
static char	*opt_tag = NULL;
static char	*opt_rules = NULL;
static gboolean	 opt_reply = FALSE;
static char	*opt_from = NULL;
static char	*opt_to = NULL;
static char	*opt_by = NULL;
static gboolean	 opt_csv = FALSE;
static char	*opt_html = NULL;
static char	*opt_mail = NULL;
static char	*opt_since = NULL;
static gint	 opt_limit = -1;	/* not given: list all, search 20 */
static gint	 opt_offset = 0;
static char	*opt_sort = NULL;

static const GOptionEntry ctl_options[] = {
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_conf,
	    "Configuration file (default " TICKETD_CONF ")", "FILE" },
	{ "json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
	    "Print JSON", NULL },
	{ "canned", 0, 0, G_OPTION_ARG_STRING, &opt_canned,
	    "reply: the canned reply template to send", "NAME" },
	{ "archive", 0, 0, G_OPTION_ARG_NONE, &opt_archive,
	    "import: no acknowledgements, keep the mails' dates", NULL },
	{ "as", 0, 0, G_OPTION_ARG_STRING, &opt_as,
	    "reply, status, assign, tag, priority: act as this agent",
	    "AGENT" },
	{ "note", 0, 0, G_OPTION_ARG_NONE, &opt_note,
	    "reply: an internal note, never sent to the customer", NULL },
	{ "status", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_status,
	    "list: tickets with this status (repeat, or S1,S2)", "S" },
	{ "queue", 0, 0, G_OPTION_ARG_STRING, &opt_queue,
	    "list: tickets of this queue; rules test: the mail's queue", "Q" },
	{ "assignee", 0, 0, G_OPTION_ARG_STRING, &opt_assignee,
	    "list: tickets assigned to this agent (none: to nobody)", "AGENT" },
	{ "tag", 0, 0, G_OPTION_ARG_STRING, &opt_tag,
	    "list: tickets with this tag", "TAG" },
	{ "rules", 0, 0, G_OPTION_ARG_FILENAME, &opt_rules,
	    "rules test: this rule file or directory, not the configuration's",
	    "PATH" },
	{ "from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
	    "report: the first day (YYYY-MM-DD; default: a week ago)", "DATE" },
	{ "to", 0, 0, G_OPTION_ARG_STRING, &opt_to,
	    "report: the last day (default: yesterday)", "DATE" },
	{ "by", 0, 0, G_OPTION_ARG_STRING, &opt_by,
	    "report: a group each queue|agent|priority|tag|day|week", "WHAT" },
	{ "csv", 0, 0, G_OPTION_ARG_NONE, &opt_csv,
	    "report: print CSV", NULL },
	{ "html", 0, 0, G_OPTION_ARG_FILENAME, &opt_html,
	    "report: write the HTML page to FILE", "FILE" },
	{ "mail", 0, 0, G_OPTION_ARG_STRING, &opt_mail,
	    "report: mail it to ADDRESS through the outbox", "ADDRESS" },
	{ "reply", 0, 0, G_OPTION_ARG_NONE, &opt_reply,
	    "rules test: the mail is a follow-up (default: it opens a ticket)",
	    NULL },
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "list: tickets updated since DATE (YYYY-MM-DD) or for DURATION "
	    "(7d, 12h)", "WHEN" },
	{ "limit", 0, 0, G_OPTION_ARG_INT, &opt_limit,
	    "list: at most N tickets; search: N messages (default 20)", "N" },
	{ "offset", 0, 0, G_OPTION_ARG_INT, &opt_offset,
	    "list: skip the first N (the next page)", "N" },
	{ "sort", 0, 0, G_OPTION_ARG_STRING, &opt_sort,
	    "list: id|updated|priority, or -id ... for descending", "KEY" },
	{ NULL }
};

/* What list --status takes: every status a ticket can have. */
static const char *const ctl_statuses[] = {
	"new", "open", "pending", "resolved", "closed", NULL
};

/* The ticket's fields; its number under idkey ("id", or "ticket"). */
static void
ctl_ticket_fields(struct json *j, const struct store_ticket *t,
    const char *idkey)
{
	json_key(j, idkey);
	json_int(j, t->id);
	json_key(j, "subject");
	json_string(j, t->subject);
	json_key(j, "requester");
	json_string(j, t->requester_addr);
	json_key(j, "requester_name");
	json_string(j, t->requester_name);
	json_key(j, "status");
	json_string(j, t->status);
	json_key(j, "queue");
	json_string(j, t->queue);
	json_key(j, "priority");
	json_string(j, t->priority);
	json_key(j, "assignee");
	json_string(j, t->assignee);
	json_key(j, "tags");
	json_open(j, '[');
	for (char **tag = t->tags; tag && *tag; tag++)
		json_string(j, *tag);
	json_close(j, ']');
	json_key(j, "attention");
	json_bool(j, t->attention);
	json_key(j, "created_at");
	json_time(j, t->created_at);
	json_key(j, "updated_at");
	json_time(j, t->updated_at);
	json_key(j, "status_at");
	json_time(j, t->status_at);
}

/*
 * Print rows (freed here) as a JSON array, or for people a header line
 * and a line each. NULL rows means the store failed, and cause says why.
 */
static int
ctl_print_rows(GPtrArray *rows, char *cause, const char *header,
    void (*json_row)(struct json *, gconstpointer),
    void (*text_row)(gconstpointer))
{
	struct json	 j = { g_string_new(NULL), 0 };

	if (rows == NULL) {
		fprintf(stderr, "ticketctl: %s\n", cause);
		g_free(cause);
		g_string_free(j.out, TRUE);
		return EX_SOFTWARE;
	}
	if (!opt_json)
		printf("%s\n", header);
	json_open(&j, '[');
	for (guint i = 0; i < rows->len; i++)
		if (opt_json)
			json_row(&j, rows->pdata[i]);
		else
			text_row(rows->pdata[i]);
	json_close(&j, ']');
	if (opt_json)
		printf("%s\n", j.out->str);
	g_string_free(j.out, TRUE);
	g_ptr_array_free(rows, TRUE);
	return EX_OK;
}

static void
ctl_ticket_json(struct json *j, gconstpointer row)
{
	const struct store_ticket *t = row;

	json_open(j, '{');
	ctl_ticket_fields(j, t, "id");
	json_key(j, "messages");
	json_int(j, t->messages);
	json_close(j, '}');
}

static void
ctl_ticket_text(gconstpointer row)
{
	const struct store_ticket *t = row;

	printf("%6" G_GINT64_FORMAT "  %-8s %-8s %-10s %-30s %s\n", t->id,
	    t->status, t->priority, t->queue, t->requester_addr, t->subject);
}

#define CTL_TICKET_HEADER	"TICKET  STATUS   PRIORITY QUEUE      " \
	"REQUESTER                      SUBJECT"


/* The tickets f selects, as list prints them. */
static int
ctl_find(struct store *st, const struct store_filter *f)
{
	GPtrArray	*tickets = NULL;
	char		*cause = NULL;

	st->ops->ticket_find(st, f, &tickets, &cause);
	return ctl_print_rows(tickets, cause, CTL_TICKET_HEADER,
	    ctl_ticket_json, ctl_ticket_text);
}

/*
 * The statuses of --status, each given once or more, alone or as
 * "open,pending": a NULL-terminated list (g_strfreev), or NULL when one
 * is not a status.
 */
static char **
ctl_status_filter(char **given)
{
	GPtrArray	*out = g_ptr_array_new_with_free_func(g_free);
	char		**words;

	for (; *given != NULL; given++) {
		words = g_strsplit(*given, ",", -1);
		for (char **w = words; *w != NULL; w++) {
			char	*s = g_ascii_strdown(g_strstrip(*w), -1);

			if (*s != '\0' && g_strv_contains(ctl_statuses, s)) {
				g_ptr_array_add(out, s);
				continue;
			}
			fprintf(stderr, "ticketctl: unknown status \"%s\" "
			    "(new, open, pending, resolved, closed)\n", s);
			g_free(s);
			g_strfreev(words);
			g_ptr_array_free(out, TRUE);
			return NULL;
		}
		g_strfreev(words);
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static gint64	 ctl_day_start(GTimeZone *, const char *);

/* --since: a local date in the first queue's zone, or a span before now. */
static int
ctl_since(const struct conf *conf, const char *arg, gint64 *since)
{
	const struct conf_queue	*queue = conf->queues->pdata[0];
	gint64			 span = conf_parse_duration(arg);

	if (span >= 0)
		*since = g_get_real_time() / G_USEC_PER_SEC - span;
	else if ((*since = ctl_day_start(queue->timezone, arg)) < 0) {
		fprintf(stderr, "ticketctl: --since: \"%s\" is neither a date "
		    "(YYYY-MM-DD) nor a duration (7d, 12h)\n", arg);
		return -1;
	}
	return 0;
}

static int
ctl_sort(const char *arg, struct store_filter *f)
{
	static const char *const keys[] = { "id", "updated", "priority", NULL };

	f->descending = arg[0] == '-';
	for (guint i = 0; keys[i] != NULL; i++)
		if (strcmp(arg + f->descending, keys[i]) == 0) {
			f->sort = i;
			return 0;
		}
	fprintf(stderr, "ticketctl: --sort: \"%s\": id, updated or priority, "
	    "with - before it for descending\n", arg);
	return -1;
}

static int
ctl_list(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct store_filter	 f = { 0 };
	char			**statuses = NULL;
	int			 rc;

	if (argc != 1 || opt_limit == 0 || opt_limit < -1 || opt_offset < 0)
		return EX_USAGE;
	if ((opt_status != NULL && (statuses = ctl_status_filter(opt_status)) ==
	    NULL) || (opt_since != NULL && ctl_since(conf, opt_since,
	    &f.since) != 0) || (opt_sort != NULL && ctl_sort(opt_sort,
	    &f) != 0)) {
		g_strfreev(statuses);
		return EX_DATAERR;
	}
	f.statuses = (const char *const *)statuses;
	f.queue = opt_queue;
	f.assignee = g_strcmp0(opt_assignee, "none") == 0 ? "" : opt_assignee;
	f.tag = opt_tag;
	f.limit = MAX(opt_limit, 0);
	f.offset = opt_offset;
	rc = ctl_find(st, &f);
	g_strfreev(statuses);
	return rc;
}

/* Every ticket of one requester, newest first. */
static int
ctl_customer(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct store_filter	 f = { 0 };

	if (argc != 2)
		return EX_USAGE;
	f.requester = argv[1];
	f.descending = 1;
	return ctl_find(st, &f);
}

/* "key": [ ... ], each row printed by row(). */
static void
ctl_json_array(struct json *j, const char *key, const GPtrArray *rows,
    void (*row)(struct json *, gconstpointer))
{
	json_key(j, key);
	json_open(j, '[');
	for (guint i = 0; i < rows->len; i++)
		row(j, rows->pdata[i]);
	json_close(j, ']');
}

static void
ctl_attachment_json(struct json *j, gconstpointer row)
{
	const struct store_attachment *a = row;

	json_open(j, '{');
	json_key(j, "name");
	json_string(j, a->name);
	json_key(j, "type");
	json_string(j, a->type);
	json_key(j, "size");
	json_int(j, a->size);
	json_close(j, '}');
}

static void
ctl_delivery_json(struct json *j, gconstpointer row)
{
	const struct store_delivery *d = row;

	json_open(j, '{');
	json_key(j, "queue");
	json_string(j, d->queue);
	json_key(j, "address");
	json_string(j, d->address);
	json_close(j, '}');
}

static void
ctl_message_json(struct json *j, gconstpointer row)
{
	const struct store_message *m = row;

	json_open(j, '{');
	json_key(j, "id");
	json_int(j, m->id);
	json_key(j, "direction");
	json_string(j, m->direction);
	json_key(j, "source");
	json_string(j, m->source);
	json_key(j, "author");
	json_string(j, m->author);
	json_key(j, "return_path");
	json_string(j, m->return_path);
	json_key(j, "from");
	json_string(j, m->from_addr);
	json_key(j, "from_name");
	json_string(j, m->from_name);
	json_key(j, "to");
	json_string(j, m->to);
	json_key(j, "cc");
	json_string(j, m->cc);
	json_key(j, "date");
	json_string(j, m->date);
	json_key(j, "received_at");
	json_time(j, m->received_at);
	json_key(j, "message_id");
	json_string(j, m->message_id);
	json_key(j, "subject");
	json_string(j, m->subject);
	json_key(j, "parsed");
	json_bool(j, m->parsed);
	json_key(j, "body");
	json_string(j, m->body);
	ctl_json_array(j, "attachments", m->attachments, ctl_attachment_json);
	ctl_json_array(j, "delivered_to", m->deliveries, ctl_delivery_json);
	json_close(j, '}');
}

/* "support@example.com (support), billing (imap)": where a mail went. */
static void
ctl_deliveries_text(const struct store_message *m)
{
	if (m->deliveries->len == 0)
		return;
	printf("Delivered-To:");
	for (guint i = 0; i < m->deliveries->len; i++) {
		struct store_delivery *d = g_ptr_array_index(m->deliveries, i);

		if (*d->address != '\0')
			printf("%s <%s> (queue %s)", i ? "," : "", d->address,
			    d->queue);
		else
			printf("%s queue %s", i ? "," : "", d->queue);
	}
	printf("\n");
}

static void
ctl_event_json(struct json *j, gconstpointer row)
{
	const struct store_event *e = row;

	json_open(j, '{');
	json_key(j, "at");
	json_time(j, e->at);
	json_key(j, "type");
	json_string(j, e->type);
	json_key(j, "detail");
	json_string(j, e->detail);
	json_close(j, '}');
}

static void
ctl_outbox_json(struct json *j, gconstpointer row)
{
	const struct store_outbox *o = row;

	json_open(j, '{');
	json_key(j, "id");
	json_int(j, o->id);
	json_key(j, "ticket");
	json_int(j, o->ticket_id);
	json_key(j, "kind");
	json_string(j, o->kind);
	json_key(j, "rcpt");
	json_string(j, o->rcpt);
	json_key(j, "envelope_from");
	json_string(j, o->envelope_from);
	json_key(j, "message_id");
	json_string(j, o->message_id);
	json_key(j, "status");
	json_string(j, o->status);
	json_key(j, "attempts");
	json_int(j, o->attempts);
	json_key(j, "created_at");
	json_time(j, o->created_at);
	json_key(j, "next_attempt_at");
	json_time(j, o->next_attempt_at);
	json_key(j, "last_error");
	json_string(j, o->last_error);
	json_key(j, "claimed_by");
	json_string(j, o->claimed_by);
	json_close(j, '}');
}

/* Everything show prints of one ticket. */
struct ctl_view {
	struct store_ticket	*t;
	GPtrArray		*msgs;
	GPtrArray		*events;
	GPtrArray		*outbox;
	GArray			*links;		/* gint64 */
	struct store_sla	 sla;
	GArray			*waits;		/* struct store_sla_wait */
	struct store_csat	 csat;
	const struct conf	*conf;		/* for the deadlines */
};

static void
ctl_view_clear(struct ctl_view *v)
{
	store_ticket_free(v->t);
	if (v->msgs != NULL)
		g_ptr_array_free(v->msgs, TRUE);
	if (v->events != NULL)
		g_ptr_array_free(v->events, TRUE);
	if (v->outbox != NULL)
		g_ptr_array_free(v->outbox, TRUE);
	if (v->links != NULL)
		g_array_free(v->links, TRUE);
	store_sla_clear(&v->sla);
	if (v->waits != NULL)
		g_array_free(v->waits, TRUE);
	store_csat_clear(&v->csat);
}

/* A moment, or null for none (0). */
static void
ctl_json_when(struct json *j, const char *key, gint64 t)
{
	json_key(j, key);
	if (t == 0)
		json_string(j, NULL);
	else
		json_time(j, t);
}

/* A met field (or any tri-state): true, false, or null for -1. */
static void
ctl_json_met(struct json *j, const char *key, int met)
{
	json_key(j, key);
	if (met == -1)
		json_string(j, NULL);
	else
		json_bool(j, met);
}

/* One target's facts: when, NAME_seconds, its business seconds, met. */
static void
ctl_sla_target(struct json *j, const char *at_key, const char *name,
    gint64 at, gint64 wall, gint64 business, int met)
{
	char	*key;

	ctl_json_when(j, at_key, at);
	json_key(j, key = g_strdup_printf("%s_seconds", name));
	g_free(key);
	json_int(j, wall);
	json_key(j, key = g_strdup_printf("%s_business_seconds", name));
	g_free(key);
	json_int(j, business);
	key = g_strdup_printf("%s_met", name);
	ctl_json_met(j, key, met);
	g_free(key);
}

/* The deadlines running now, by the ticket's policy, as "deadlines". */
static void
ctl_deadlines_json(struct json *j, const struct conf *conf,
    const struct store_ticket *t, const struct store_sla *s)
{
	static const char *const kinds[SLA_KINDS] = {
		"first_response", "next_response", "resolution",
	};
	gint64			 due[SLA_KINDS], warn[SLA_KINDS];
	const struct conf_sla	*p = lifecycle_deadlines(conf, t, s, due, warn);

	json_key(j, "deadlines");
	if (p == NULL) {
		json_string(j, NULL);
		return;
	}
	json_open(j, '{');
	json_key(j, "policy");
	json_string(j, p->name);
	for (int k = 0; k < SLA_KINDS; k++) {
		json_key(j, kinds[k]);
		if (due[k] == 0) {
			json_string(j, NULL);
			continue;
		}
		json_open(j, '{');
		ctl_json_when(j, "warn_at", warn[k]);
		ctl_json_when(j, "due_at", due[k]);
		json_close(j, '}');
	}
	json_close(j, '}');
}

static void
ctl_sla_json(struct json *j, const struct conf *conf,
    const struct store_ticket *t, const struct store_sla *s,
    const GArray *waits)
{
	json_key(j, "sla");
	json_open(j, '{');
	json_key(j, "policy");
	json_string(j, s->policy);
	ctl_sla_target(j, "first_response_at", "first_response",
	    s->first_response_at, s->first_response_wall,
	    s->first_response_business, s->first_response_met);
	ctl_sla_target(j, "resolved_at", "resolution", s->resolved_at,
	    s->resolution_wall, s->resolution_business, s->resolution_met);
	json_key(j, "reopens");
	json_int(j, s->reopens);
	json_key(j, "agent_replies");
	json_int(j, s->agent_replies);
	json_key(j, "next_responses");
	json_open(j, '[');
	for (guint i = 0; i < waits->len; i++) {
		const struct store_sla_wait *w = &g_array_index(waits,
		    struct store_sla_wait, i);

		json_open(j, '{');
		ctl_json_when(j, "since", w->since);
		ctl_sla_target(j, "answered_at", "wait", w->answered_at,
		    w->wall, w->business, w->met);
		json_close(j, '}');
	}
	json_close(j, ']');
	ctl_json_when(j, "waiting_since", s->waiting_since);
	ctl_deadlines_json(j, conf, t, s);
	json_close(j, '}');
}

/* The survey and the last rating, or null when none was sent. */
static void
ctl_csat_json(struct json *j, const struct store_csat *c)
{
	json_key(j, "csat");
	if (c->survey_at == 0) {
		json_string(j, NULL);
		return;
	}
	json_open(j, '{');
	ctl_json_when(j, "survey_at", c->survey_at);
	json_key(j, "rating");
	if (c->rating != 0)
		json_int(j, c->rating);
	else
		json_string(j, NULL);
	json_key(j, "comment");
	json_string(j, c->rating != 0 ? c->comment : NULL);
	ctl_json_when(j, "rated_at", c->rated_at);
	json_close(j, '}');
}

static void
ctl_show_json(const struct ctl_view *v)
{
	struct json	 j = { g_string_new(NULL), 0 };

	json_open(&j, '{');
	ctl_ticket_fields(&j, v->t, "id");
	json_key(&j, "links");
	json_open(&j, '[');
	for (guint i = 0; i < v->links->len; i++)
		json_int(&j, g_array_index(v->links, gint64, i));
	json_close(&j, ']');
	ctl_json_array(&j, "messages", v->msgs, ctl_message_json);
	ctl_json_array(&j, "events", v->events, ctl_event_json);
	ctl_json_array(&j, "outbox", v->outbox, ctl_outbox_json);
	ctl_sla_json(&j, v->conf, v->t, &v->sla, v->waits);
	ctl_csat_json(&j, &v->csat);
	json_close(&j, '}');
	printf("%s\n", j.out->str);
	g_string_free(j.out, TRUE);
}

static void
ctl_show_head(const struct ctl_view *v)
{
	const struct store_ticket *t = v->t;
	char	*created = store_time_iso(t->created_at);

	printf("Ticket %" G_GINT64_FORMAT ": %s\nStatus: %s  Queue: %s  "
	    "Priority: %s%s%s%s\nRequester: %s <%s>\nCreated: %s\n", t->id,
	    t->subject, t->status, t->queue, t->priority,
	    t->assignee ? "  Assignee: " : "", t->assignee ? t->assignee : "",
	    t->attention ? "  NEEDS ATTENTION" : "", t->requester_name,
	    t->requester_addr, created);
	g_free(created);
	if (t->tags != NULL && *t->tags != NULL) {
		char	*tags = g_strjoinv(", ", t->tags);

		printf("Tags: %s\n", tags);
		g_free(tags);
	}
	for (guint i = 0; i < v->links->len; i++)
		printf("%s%" G_GINT64_FORMAT "%s", i ? ", " : "Linked: ",
		    g_array_index(v->links, gint64, i),
		    i + 1 == v->links->len ? "\n" : "");
}

static void
ctl_show_text(const struct ctl_view *v)
{
	ctl_show_head(v);
	for (guint i = 0; i < v->msgs->len; i++) {
		struct store_message *m = g_ptr_array_index(v->msgs, i);

		printf("\n--- message %" G_GINT64_FORMAT " (%s%s%s) from %s "
		    "<%s>\n", m->id, m->direction, m->author ? " by " : "",
		    m->author ? m->author : "", m->from_name, m->from_addr);
		ctl_deliveries_text(m);
		printf("Subject: %s\n\n%s\n", m->subject, m->body);
		for (guint k = 0; k < m->attachments->len; k++) {
			struct store_attachment *a =
			    g_ptr_array_index(m->attachments, k);

			printf("[attachment: %s, %s, %zu octets]\n", a->name,
			    a->type, a->size);
		}
	}
	printf("\n");
	for (guint i = 0; i < v->events->len; i++) {
		struct store_event	*e = g_ptr_array_index(v->events, i);
		char			*at = store_time_iso(e->at);

		printf("%s  %-12s %s\n", at, e->type, e->detail);
		g_free(at);
	}
}

static gint64
ctl_ticket_id(const char *arg)
{
	char	*end;
	gint64	 id = g_ascii_strtoll(arg, &end, 10);

	if (*end != '\0' || id <= 0) {
		fprintf(stderr, "ticketctl: not a ticket number: %s\n", arg);
		return -1;
	}
	return id;
}

/* Print "ticket N: cause" and free it; returns status. */
static int
ctl_fail(gint64 id, char *cause, int status)
{
	fprintf(stderr, "ticketctl: ticket %" G_GINT64_FORMAT ": %s\n", id,
	    cause);
	g_free(cause);
	return status;
}

/* Print "ticketctl: cause" and free it; returns status. */
static int
ctl_error(char *cause, int status)
{
	fprintf(stderr, "ticketctl: %s\n", cause);
	g_free(cause);
	return status;
}

/* Ticket id into *t: EX_OK, or the status to exit with. */
static int
ctl_ticket_get(struct store *st, gint64 id, struct store_ticket **t)
{
	char	*cause = NULL;

	switch (st->ops->ticket_get(st, id, t, &cause)) {
	case 1:
		return EX_OK;
	case 0:
		return ctl_fail(id, g_strdup("no such ticket"), EX_DATAERR);
	case -1:
		return ctl_fail(id, cause, EX_SOFTWARE);
	}
	g_assert_not_reached();
}

static int
ctl_show(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct ctl_view	 v = { 0 };
	char		*cause = NULL;
	gint64		 id;
	int		 rc;

	if (argc != 2)
		return EX_USAGE;
	if ((id = ctl_ticket_id(argv[1])) <= 0)
		return EX_USAGE;
	if ((rc = ctl_ticket_get(st, id, &v.t)) != EX_OK)
		return rc;
	v.conf = conf;
	if (st->ops->message_list(st, id, &v.msgs, &cause) != 0 ||
	    st->ops->event_list(st, id, &v.events, &cause) != 0 ||
	    st->ops->outbox_list(st, id, &v.outbox, &cause) != 0 ||
	    st->ops->link_list(st, id, &v.links, &cause) != 0 ||
	    st->ops->sla_get(st, id, &v.sla, &cause) == -1 ||
	    st->ops->sla_wait_list(st, id, &v.waits, &cause) != 0 ||
	    st->ops->csat_get(st, id, &v.csat, &cause) == -1)
		rc = ctl_fail(id, cause, EX_SOFTWARE);
	else if (opt_json)
		ctl_show_json(&v);
	else
		ctl_show_text(&v);
	ctl_view_clear(&v);
	return rc;
}

/*
 * The outcome of an action.
 */

static int
ctl_tagged(char **tags, const char *tag)
{
	return tags != NULL && g_strv_contains((const char *const *)tags, tag);
}

/* "tag +vip", "tag -billing": what is in a and not in b. */
static void
ctl_tag_changes(GPtrArray *out, char **a, char **b, char sign)
{
	for (char **tag = a; tag != NULL && *tag != NULL; tag++)
		if (!ctl_tagged(b, *tag))
			g_ptr_array_add(out, g_strdup_printf("tag %c%s", sign,
			    *tag));
}

/* What the action sent, then what it changed from b to t, a line each. */
static GPtrArray *
ctl_changes(const struct lifecycle_action *a, const struct store_ticket *b,
    const struct store_ticket *t)
{
	GPtrArray	*out = g_ptr_array_new_with_free_func(g_free);
	int		 note = a->note;

	for (guint i = 0; i < a->commands->len; i++) {
		const struct agent_command *c = a->commands->pdata[i];

		note = note || c->cmd == AGENT_CMD_NOTE;
		if (c->cmd == AGENT_CMD_CANNED)
			g_ptr_array_add(out, g_strdup_printf("canned reply %s "
			    "queued", c->arg));
	}
	if (lifecycle_has_words(a->text))
		g_ptr_array_insert(out, 0, g_strdup(note ? "note added" :
		    "reply queued"));
	if (strcmp(b->status, t->status) != 0)
		g_ptr_array_add(out, g_strdup_printf("status %s -> %s",
		    b->status, t->status));
	if (g_strcmp0(b->assignee, t->assignee) != 0)
		g_ptr_array_add(out, g_strdup_printf("assignee %s -> %s",
		    b->assignee ? b->assignee : "none",
		    t->assignee ? t->assignee : "none"));
	if (strcmp(b->priority, t->priority) != 0)
		g_ptr_array_add(out, g_strdup_printf("priority %s -> %s",
		    b->priority, t->priority));
	ctl_tag_changes(out, t->tags, b->tags, '+');
	ctl_tag_changes(out, b->tags, t->tags, '-');
	return out;
}

/*
 * "ticket 42: status open -> pending", a line a change; or with --json
 * the ticket as it is now and the same lines as "changes".
 */
static void
ctl_report(const struct lifecycle_action *a, const struct store_ticket *b,
    const struct store_ticket *t)
{
	GPtrArray	*changes = ctl_changes(a, b, t);
	struct json	 j = { g_string_new(NULL), 0 };

	json_open(&j, '{');
	ctl_ticket_fields(&j, t, "ticket");
	json_key(&j, "changes");
	json_open(&j, '[');
	for (guint i = 0; i < changes->len; i++) {
		json_string(&j, changes->pdata[i]);
		if (!opt_json)
			printf("ticket %" G_GINT64_FORMAT ": %s\n", t->id,
			    (char *)changes->pdata[i]);
	}
	json_close(&j, ']');
	json_close(&j, '}');
	if (opt_json)
		printf("%s\n", j.out->str);
	else if (changes->len == 0)
		printf("ticket %" G_GINT64_FORMAT ": no change\n", t->id);
	g_string_free(j.out, TRUE);
	g_ptr_array_free(changes, TRUE);
}

/*
 * Apply a, as the admin or the agent of --as, in one transaction, and
 * report it. Mail may be queued, so our Message-ID keys are loaded first.
 */
/*
 * The agents' notifications the action kept: made now. Should that fail,
 * the daemon makes them on its next round; the action stands.
 */
static void
ctl_notify(struct store *st, const struct conf *conf)
{
	char	*cause = NULL;
	guint	 n;

	if (notify_flush_commit(st, conf, &n, &cause) != 0) {
		fprintf(stderr, "ticketctl: notifications are left to ticketd: "
		    "%s\n", cause);
		g_free(cause);
	}
}

static int
ctl_act(struct store *st, struct conf *conf, struct lifecycle_action *a)
{
	struct store_ticket	*before = NULL, *after = NULL;
	char			*cause = NULL;
	int			 rc;

	a->agent = opt_as;
	a->via = a->source = "ticketctl";
	a->now = g_get_real_time() / G_USEC_PER_SEC;
	mime_init();
	if (reply_keys_load(conf, st, &cause) != 0 ||
	    st->ops->begin(st, &cause) != 0)
		return ctl_fail(a->ticket_id, cause, EX_SOFTWARE);
	if ((rc = ctl_ticket_get(st, a->ticket_id, &before)) == EX_OK &&
	    lifecycle_act(st, conf, a, &cause) != 0)
		rc = ctl_fail(a->ticket_id, cause, EX_DATAERR);
	if (rc == EX_OK)
		rc = ctl_ticket_get(st, a->ticket_id, &after);
	if (rc == EX_OK && st->ops->commit(st, &cause) != 0)
		rc = ctl_fail(a->ticket_id, cause, EX_SOFTWARE);
	if (rc == EX_OK) {
		ctl_report(a, before, after);
		ctl_notify(st, conf);
	} else
		st->ops->rollback(st);
	store_ticket_free(before);
	store_ticket_free(after);
	return rc;
}

/* Apply cmds (freed here) to the ticket numbered arg. */
static int
ctl_act_commands(struct store *st, struct conf *conf, const char *arg,
    GPtrArray *cmds)
{
	struct lifecycle_action	 a = { 0 };
	int			 rc = EX_USAGE;

	if ((a.ticket_id = ctl_ticket_id(arg)) > 0) {
		a.commands = cmds;
		rc = ctl_act(st, conf, &a);
	}
	g_ptr_array_unref(cmds);
	return rc;
}

/*
 * reply
 */

/* All of stdin, or NULL on a read error. */
static char *
ctl_read_stdin(gsize *len)
{
	GString	*s = g_string_new(NULL);
	char	 buf[8192];
	size_t	 n;

	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		g_string_append_len(s, buf, n);
	if (ferror(stdin)) {
		g_string_free(s, TRUE);
		return NULL;
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* The UTF-8 text of path, or of stdin for "-": EX_OK and *text (g_free). */
static int
ctl_read_text(const char *path, char **text)
{
	GError	*error = NULL;
	gsize	 len;
	int	 in = strcmp(path, "-") == 0;

	if (in && (*text = ctl_read_stdin(&len)) == NULL) {
		fprintf(stderr, "ticketctl: stdin: %s\n", g_strerror(errno));
		return EX_NOINPUT;
	}
	if (!in && !g_file_get_contents(path, text, &len, &error)) {
		fprintf(stderr, "ticketctl: %s\n", error->message);
		g_error_free(error);
		return EX_NOINPUT;
	}
	/* A NUL fails too: the text is a C string from here on. */
	if (g_utf8_validate(*text, len, NULL))
		return EX_OK;
	fprintf(stderr, "ticketctl: %s: not UTF-8 text\n", in ? "stdin" : path);
	g_free(*text);
	return EX_DATAERR;
}

/*
 * The reply's commands and words: #command lines at the top of text, as
 * in an agent's mail, then --canned. EX_OK, or the status to exit with.
 */
static int
ctl_reply_parse(const struct conf *conf, gint64 id, const char *text,
    GPtrArray **cmds, char **rest)
{
	char	*error = NULL;

	if (text == NULL) {
		*cmds = agent_commands_new();
		*rest = NULL;
	} else if (agent_commands_parse(conf, text, opt_as, cmds, rest,
	    &error) != 0)
		return ctl_fail(id, error, EX_DATAERR);
	if (opt_canned != NULL)
		agent_command_append(*cmds, AGENT_CMD_CANNED, opt_canned);
	if ((*cmds)->len > 0 || lifecycle_has_words(*rest))
		return EX_OK;
	g_ptr_array_unref(*cmds);
	g_free(*rest);
	return ctl_fail(id, g_strdup("the text is empty: nothing to do"),
	    EX_DATAERR);
}

static int
ctl_reply(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct lifecycle_action	 a = { 0 };
	GPtrArray		*cmds;
	char			*text = NULL, *rest;
	int			 rc;

	if (argc < 2 || argc > 3 || (opt_note && opt_canned != NULL) ||
	    (a.ticket_id = ctl_ticket_id(argv[1])) <= 0)
		return EX_USAGE;
	/* --canned alone reads nothing. */
	if ((argc == 3 || opt_canned == NULL) &&
	    (rc = ctl_read_text(argc == 3 ? argv[2] : "-", &text)) != EX_OK)
		return rc;
	rc = ctl_reply_parse(conf, a.ticket_id, text, &cmds, &rest);
	g_free(text);
	if (rc != EX_OK)
		return rc;
	a.commands = cmds;
	a.text = rest;
	a.note = opt_note;
	rc = ctl_act(st, conf, &a);
	g_ptr_array_unref(cmds);
	g_free(rest);
	return rc;
}

/*
 * status, assign, tag, priority
 */

/* "none" is nobody, "me" the agent of --as; else an agent's name. */
static int
ctl_assignee(const struct conf *conf, char **name, char **error)
{
	if (strcmp(*name, "none") == 0) {
		g_free(*name);
		*name = NULL;
		return 0;
	}
	if (strcmp(*name, "me") == 0 && opt_as != NULL) {
		g_free(*name);
		*name = g_strdup(opt_as);
	}
	if (conf_agent_by_name(conf, *name) != NULL)
		return 0;
	*error = g_strdup_printf("no agent \"%s\"", *name);
	return -1;
}

/*
 * One value from the command line as a command onto cmds, checked as
 * agent.h checks a mail's: EX_OK, or EX_DATAERR and why on stderr.
 */
static int
ctl_command_add(const struct conf *conf, GPtrArray *cmds, enum agent_cmd cmd,
    const char *value)
{
	char	*v = g_ascii_strdown(value, -1), *error = NULL;
	int	 rc = 0;

	switch (cmd) {
	case AGENT_CMD_STATUS:
		rc = agent_check_status(v, 1, &error);
		break;
	case AGENT_CMD_PRIORITY:
		rc = agent_check_priority(v, &error);
		break;
	case AGENT_CMD_ASSIGN:
		rc = ctl_assignee(conf, &v, &error);
		break;
	case AGENT_CMD_TAG:
	case AGENT_CMD_UNTAG:
		g_free(v);
		v = g_strdup(value);
		rc = agent_check_tag(v, &error);
		break;
	case AGENT_CMD_NOTE:
	case AGENT_CMD_CANNED:
		g_assert_not_reached();
	}
	if (rc == 0)
		agent_command_append(cmds, cmd, v);
	else
		fprintf(stderr, "ticketctl: %s\n", error);
	g_free(error);
	g_free(v);
	return rc == 0 ? EX_OK : EX_DATAERR;
}

/* "status N S", "assign N A", "priority N P": one command. */
static int
ctl_one(struct store *st, struct conf *conf, int argc, char **argv,
    enum agent_cmd cmd)
{
	GPtrArray	*cmds;

	if (argc != 3)
		return EX_USAGE;
	cmds = agent_commands_new();
	if (ctl_command_add(conf, cmds, cmd, argv[2]) != EX_OK) {
		g_ptr_array_unref(cmds);
		return EX_DATAERR;
	}
	return ctl_act_commands(st, conf, argv[1], cmds);
}

static int	 ctl_health(struct store *, struct conf *);

static int	 ctl_store_open(const struct conf *, struct store **);

/* cause, of the database (without a URI's password). */
static void
ctl_database_error(const struct conf *conf, char *cause)
{
	char	*name = store_database_name(conf->database);

	fprintf(stderr, "ticketctl: %s: %s\n", name, cause);
	g_free(name);
	g_free(cause);
}

/* A SQLite file that is there, or a database on a server. */
static int
ctl_database_exists(const struct conf *conf)
{
	const char	*file = store_local_path(conf->database);

	return file == NULL || g_file_test(file, G_FILE_TEST_EXISTS);
}

/*
 * "status": the daemon's health, without making a database that is not
 * there yet (ticketctl run as root would own it); "status N STATUS": a
 * ticket's.
 */
static int
ctl_status(struct store *none, struct conf *conf, int argc, char **argv)
{
	struct store	*st = NULL;
	int		 rc;

	if ((argc > 1 || ctl_database_exists(conf)) &&
	    (rc = ctl_store_open(conf, &st)) != EX_OK)
		return rc;
	rc = argc == 1 ? ctl_health(st, conf) :
	    ctl_one(st, conf, argc, argv, AGENT_CMD_STATUS);
	store_close(st);
	return rc;
}

static int
ctl_assign(struct store *st, struct conf *conf, int argc, char **argv)
{
	return ctl_one(st, conf, argc, argv, AGENT_CMD_ASSIGN);
}

static int
ctl_priority(struct store *st, struct conf *conf, int argc, char **argv)
{
	return ctl_one(st, conf, argc, argv, AGENT_CMD_PRIORITY);
}

/* "tag N +vip -billing urgent": a bare tag is added. */
static int
ctl_tag(struct store *st, struct conf *conf, int argc, char **argv)
{
	GPtrArray	*cmds;
	int		 rc = EX_OK;

	if (argc < 3)
		return EX_USAGE;
	cmds = agent_commands_new();
	for (int i = 2; i < argc; i++) {
		char	 sign = argv[i][0];

		if (ctl_command_add(conf, cmds, sign == '-' ? AGENT_CMD_UNTAG :
		    AGENT_CMD_TAG, argv[i] + (sign == '-' || sign == '+')) !=
		    EX_OK)
			rc = EX_DATAERR;
	}
	if (rc != EX_OK) {
		g_ptr_array_unref(cmds);
		return rc;
	}
	return ctl_act_commands(st, conf, argv[1], cmds);
}

static void
ctl_outbox_text(gconstpointer row)
{
	const struct store_outbox *o = row;

	printf("%6" G_GINT64_FORMAT "  %6" G_GINT64_FORMAT
	    "  %-8s %-9s %8u  %s%s%s\n", o->id, o->ticket_id, o->kind,
	    o->status, o->attempts, o->rcpt, o->last_error ? "  " : "",
	    o->last_error ? o->last_error : "");
}

#define CTL_OUTBOX_HEADER	"    ID  TICKET  KIND     STATUS    " \
	"ATTEMPTS  RECIPIENT  ERROR"


static int
ctl_outbox(struct store *st, struct conf *conf, int argc, char **argv)
{
	GPtrArray	*rows = NULL;
	char		*cause = NULL;

	if (argc != 1)
		return EX_USAGE;
	st->ops->outbox_list(st, 0, &rows, &cause);
	return ctl_print_rows(rows, cause, CTL_OUTBOX_HEADER, ctl_outbox_json,
	    ctl_outbox_text);
}

/*
 * Why an admin's retry or cancel of outbox row id did not apply: it is
 * not there, or not in a state for it.
 */
static int
ctl_outbox_refused(struct store *st, gint64 id, const char *verb)
{
	struct store_outbox	*o = NULL;
	char			*cause = NULL;

	switch (st->ops->outbox_get(st, id, &o, &cause)) {
	case -1:
		return ctl_error(cause, EX_SOFTWARE);
	case 0:
		fprintf(stderr, "ticketctl: outbox %" G_GINT64_FORMAT ": no "
		    "such mail\n", id);
		return EX_DATAERR;
	case 1:
		break;
	}
	fprintf(stderr, "ticketctl: outbox %" G_GINT64_FORMAT ": %s: cannot "
	    "%s it%s\n", id, o->status, verb, strcmp(o->status, "sending") ==
	    0 ? " while it is being sent; try again in a moment" : "");
	store_outbox_free(o);
	return EX_DATAERR;
}

/* outbox retry|cancel ID, with an event on the mail's ticket. */
static int
ctl_outbox_admin(struct store *st, int argc, char **argv, int cancel)
{
	const char		*verb = cancel ? "cancel" : "retry";
	struct store_outbox	*o = NULL;
	char			*cause = NULL, *detail, *end;
	gint64			 id, now = g_get_real_time() / G_USEC_PER_SEC;
	int			 rc;

	if (argc != 2)
		return EX_USAGE;
	if ((id = g_ascii_strtoll(argv[1], &end, 10)) <= 0 || *end != '\0') {
		fprintf(stderr, "ticketctl: not an outbox id: %s\n", argv[1]);
		return EX_USAGE;
	}
	if (st->ops->begin(st, &cause) != 0)
		return ctl_error(cause, EX_TEMPFAIL);
	if ((rc = st->ops->outbox_admin(st, id, cancel, now, &o,
	    &cause)) != 1) {
		st->ops->rollback(st);
		return rc == 0 ? ctl_outbox_refused(st, id, verb) :
		    ctl_error(cause, EX_SOFTWARE);
	}
	detail = g_strdup_printf("%s to <%s>, outbox %" G_GINT64_FORMAT
	    ", by an admin", o->kind, o->rcpt, id);
	if ((o->ticket_id > 0 && st->ops->event_add(st, o->ticket_id, now,
	    cancel ? "send_cancelled" : "send_retried", detail,
	    &cause) != 0) || st->ops->commit(st, &cause) != 0) {
		st->ops->rollback(st);
		rc = ctl_error(cause, EX_TEMPFAIL);
	} else {
		printf("outbox %" G_GINT64_FORMAT ": %s\n", id, o->status);
		rc = EX_OK;
	}
	g_free(detail);
	store_outbox_free(o);
	return rc;
}

static int
ctl_outbox_retry(struct store *st, struct conf *conf, int argc, char **argv)
{
	return ctl_outbox_admin(st, argc, argv, 0);
}

static int
ctl_outbox_cancel(struct store *st, struct conf *conf, int argc, char **argv)
{
	return ctl_outbox_admin(st, argc, argv, 1);
}

static int
ctl_import(struct store *st, struct conf *conf, int argc, char **argv)
{
	char	*cause = NULL;
	guint	 n;
	int	 rc;

	if (argc != 2)
		return EX_USAGE;
	if (conf_imap_by_name(conf, argv[1]) == NULL) {
		fprintf(stderr, "ticketctl: import: no [imap %s] in %s%s",
		    argv[1], conf->path, conf->imaps->len > 0 ?
		    "; its accounts are:" : " (it has no [imap] accounts)");
		for (guint i = 0; i < conf->imaps->len; i++)
			fprintf(stderr, " %s", ((struct conf_imap *)
			    conf->imaps->pdata[i])->name);
		fprintf(stderr, "\n");
		return EX_DATAERR;
	}
	mime_init();
	rc = source_imap_import(conf, st, argv[1], opt_archive, &n, &cause);
	printf("imap %s: %u messages imported%s\n", argv[1], n,
	    rc == 0 ? "" : " before an error");
	if (rc != 0) {
		fprintf(stderr, "ticketctl: imap %s: %s (run import again to "
		    "resume)\n", argv[1], cause);
		g_free(cause);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}


/*
 * status: the daemon's health, from its lock, its status file
 * (status.h) and the database.
 */

#define CTL_STUCK_AFTER	3600	/* an unsent mail this old needs a look */

struct ctl_health {
	int				 running;
	long				 pid;
	struct status_view		*view;	/* the running daemon's */
	struct store_outbox_summary	 outbox;
	gint64				 db_size, wal_size;
	GPtrArray			*problems;	/* char * */
	gint64				 now;
};

static const struct status_account *
ctl_health_account(const struct ctl_health *h, const char *name)
{
	for (guint i = 0; h->view != NULL && i < h->view->accounts->len; i++) {
		const struct status_account *a = h->view->accounts->pdata[i];

		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

static gint64
ctl_file_size(const char *path, const char *suffix)
{
	char		*p = g_strconcat(path, suffix, NULL);
	GStatBuf	 sb;
	gint64		 size = g_stat(p, &sb) == 0 ? (gint64)sb.st_size : 0;

	g_free(p);
	return size;
}

static void
ctl_health_problems(struct ctl_health *h, const struct conf *conf)
{
	const struct store_outbox_summary *o = &h->outbox;

	if (!h->running) {
		g_ptr_array_add(h->problems, g_strdup("ticketd is not running"));
		return;
	}
	if (h->view != NULL && h->view->reload_at != 0 && !h->view->reload_ok)
		g_ptr_array_add(h->problems, g_strdup_printf("the last reload "
		    "failed, the configuration before it still runs: %s",
		    h->view->reload_error ? h->view->reload_error : "?"));
	for (guint i = 0; i < conf->imaps->len; i++) {
		const struct conf_imap *cfg = conf->imaps->pdata[i];
		const struct status_account *a = ctl_health_account(h,
		    cfg->name);

		if (a != NULL && !a->connected && a->last_error_at != 0)
			g_ptr_array_add(h->problems, g_strdup_printf("imap %s: "
			    "not connected: %s", cfg->name, a->last_error ?
			    a->last_error : "unknown error"));
	}
	if (o->failed_since > 0)
		g_ptr_array_add(h->problems, g_strdup_printf("outbox: %u "
		    "mail%s failed for good in the last day (ticketctl outbox)",
		    o->failed_since, o->failed_since == 1 ? "" : "s"));
	if (o->oldest_unsent != 0 && h->now - o->oldest_unsent >=
	    CTL_STUCK_AFTER) {
		char	*age = sla_duration_text(h->now - o->oldest_unsent);

		g_ptr_array_add(h->problems, g_strdup_printf("outbox: the "
		    "oldest unsent mail has waited %s", age));
		g_free(age);
	}
}

static int
ctl_health_gather(struct store *st, const struct conf *conf,
    struct ctl_health *h)
{
	char		*cause = NULL;
	char		*base = conf_state_base(conf);
	const char	*file = store_local_path(conf->database);

	h->now = g_get_real_time() / G_USEC_PER_SEC;
	h->problems = g_ptr_array_new_with_free_func(g_free);
	h->running = dblock_holder(base, &h->pid, &cause);
	if (h->running == 1 && status_read(base, &h->view, &cause) == -1)
		h->running = -1;
	g_free(base);
	if (h->running == -1 || (st != NULL &&
	    st->ops->outbox_summary(st, h->now - 86400, &h->outbox,
	    &cause) != 0))
		return ctl_error(cause, EX_SOFTWARE);
	/* A file a daemon left behind when it was killed is not this one's. */
	if (h->view != NULL && h->view->pid != h->pid)
		g_clear_pointer(&h->view, status_view_free);
	/* A server's database has no size we could read here. */
	h->db_size = file != NULL ? ctl_file_size(file, "") : -1;
	h->wal_size = file != NULL ? ctl_file_size(file, "-wal") : 0;
	ctl_health_problems(h, conf);
	return EX_OK;
}

static void
ctl_health_json_imap(struct json *j, const struct ctl_health *h,
    const struct conf *conf)
{
	json_key(j, "imap");
	json_open(j, '[');
	for (guint i = 0; i < conf->imaps->len; i++) {
		const struct conf_imap *cfg = conf->imaps->pdata[i];
		const struct status_account *a = ctl_health_account(h,
		    cfg->name);

		json_open(j, '{');
		json_key(j, "name");
		json_string(j, cfg->name);
		json_key(j, "connected");
		json_bool(j, a != NULL && a->connected);
		ctl_json_when(j, "last_ok", a ? a->last_ok : 0);
		ctl_json_when(j, "last_error_at", a ? a->last_error_at : 0);
		json_key(j, "last_error");
		json_string(j, a ? a->last_error : NULL);
		json_close(j, '}');
	}
	json_close(j, ']');
}

static void
ctl_health_json_outbox(struct json *j, const struct store_outbox_summary *o)
{
	json_key(j, "outbox");
	json_open(j, '{');
	json_key(j, "queued");
	json_int(j, o->queued);
	json_key(j, "deferred");
	json_int(j, o->deferred);
	json_key(j, "sending");
	json_int(j, o->sending);
	json_key(j, "failed");
	json_int(j, o->failed);
	json_key(j, "failed_last_day");
	json_int(j, o->failed_since);
	ctl_json_when(j, "oldest_unsent_at", o->oldest_unsent);
	json_close(j, '}');
}

static void
ctl_health_json(const struct ctl_health *h, const struct conf *conf)
{
	const struct status_view *v = h->view;
	struct json	 j = { g_string_new(NULL), 0 };
	char		*name = store_database_name(conf->database);

	json_open(&j, '{');
	json_key(&j, "running");
	json_bool(&j, h->running);
	json_key(&j, "pid");
	h->running ? json_int(&j, h->pid) : json_string(&j, NULL);
	ctl_json_when(&j, "started_at", v ? v->started : 0);
	json_key(&j, "listeners");
	json_open(&j, '[');
	for (char **l = v ? v->listeners : NULL; l && *l; l++)
		json_string(&j, *l);
	json_close(&j, ']');
	json_key(&j, "reload");
	json_open(&j, '{');
	ctl_json_when(&j, "at", v ? v->reload_at : 0);
	json_key(&j, "ok");
	v && v->reload_at ? json_bool(&j, v->reload_ok) :
	    json_string(&j, NULL);
	json_key(&j, "error");
	json_string(&j, v ? v->reload_error : NULL);
	json_close(&j, '}');
	ctl_health_json_imap(&j, h, conf);
	ctl_health_json_outbox(&j, &h->outbox);
	json_key(&j, "database");
	json_open(&j, '{');
	json_key(&j, "path");
	json_string(&j, name);
	g_free(name);
	json_key(&j, "size_bytes");
	if (h->db_size >= 0)
		json_int(&j, h->db_size + h->wal_size);
	else
		json_string(&j, NULL);
	json_close(&j, '}');
	json_key(&j, "problems");
	json_open(&j, '[');
	for (guint i = 0; i < h->problems->len; i++)
		json_string(&j, h->problems->pdata[i]);
	json_close(&j, ']');
	json_close(&j, '}');
	printf("%s\n", j.out->str);
	g_string_free(j.out, TRUE);
}

/* "2026-11-28 09:12:03 +07 (3 hours 5 minutes ago)", or "never". */
static char *
ctl_when_text(const struct conf *conf, gint64 t, gint64 now)
{
	const struct conf_queue	*queue = conf->queues->pdata[0];
	GDateTime		*local;
	char			*day, *ago, *text;

	if (t == 0)
		return g_strdup("never");
	local = sla_local_time(queue->timezone, t);
	day = g_date_time_format(local, "%Y-%m-%d %H:%M:%S %Z");
	ago = sla_duration_text(MAX(now - t, 0));
	text = g_strdup_printf("%s (%s ago)", day, ago);
	g_free(ago);
	g_free(day);
	g_date_time_unref(local);
	return text;
}

static void
ctl_health_text_imap(const struct ctl_health *h, const struct conf *conf)
{
	for (guint i = 0; i < conf->imaps->len; i++) {
		const struct conf_imap *cfg = conf->imaps->pdata[i];
		const struct status_account *a = ctl_health_account(h,
		    cfg->name);
		char	*ok = ctl_when_text(conf, a ? a->last_ok : 0, h->now);
		char	*bad = ctl_when_text(conf, a ? a->last_error_at : 0,
			    h->now);

		printf("imap %s: %s; last success %s; last error %s%s%s\n",
		    cfg->name, a && a->connected ? "connected" :
		    "not connected", ok, bad, a && a->last_error ? ": " : "",
		    a && a->last_error ? a->last_error : "");
		g_free(ok);
		g_free(bad);
	}
}

static void
ctl_health_text(const struct ctl_health *h, const struct conf *conf)
{
	const struct status_view		*v = h->view;
	const struct store_outbox_summary	*o = &h->outbox;
	char					*when, *list, *name;

	when = ctl_when_text(conf, v ? v->started : 0, h->now);
	if (h->running)
		printf("ticketd: running, pid %ld, started %s\n", h->pid, when);
	else
		printf("ticketd: not running\n");
	g_free(when);
	list = v && v->listeners ? g_strjoinv(", ", v->listeners) : NULL;
	printf("listening: %s\n", list ? list : "-");
	g_free(list);
	when = ctl_when_text(conf, v ? v->reload_at : 0, h->now);
	printf("last reload: %s%s\n", when, v == NULL || v->reload_at == 0 ?
	    "" : v->reload_ok ? ", ok" : ", FAILED");
	g_free(when);
	ctl_health_text_imap(h, conf);
	when = ctl_when_text(conf, o->oldest_unsent, h->now);
	printf("outbox: %u queued, %u deferred, %u sending, %u failed (%u in "
	    "the last day); oldest unsent: %s\n", o->queued, o->deferred,
	    o->sending, o->failed, o->failed_since, when);
	g_free(when);
	name = store_database_name(conf->database);
	if (h->db_size >= 0)
		printf("database: %s, %.1f MB\n", name,
		    (h->db_size + h->wal_size) / 1e6);
	else
		printf("database: %s\n", name);
	g_free(name);
	for (guint i = 0; i < h->problems->len; i++)
		printf("problem: %s\n", (char *)h->problems->pdata[i]);
}

/*
 * 0 when all is well, 1 when something needs the admin, 3 when the
 * daemon is not running (as LSB init scripts' status does).
 */
static int
ctl_health(struct store *st, struct conf *conf)
{
	struct ctl_health	 h = { 0 };
	int			 rc;

	if ((rc = ctl_health_gather(st, conf, &h)) == EX_OK) {
		if (opt_json)
			ctl_health_json(&h, conf);
		else
			ctl_health_text(&h, conf);
		rc = !h.running ? 3 : h.problems->len > 0 ? 1 : 0;
	}
	status_view_free(h.view);
	g_ptr_array_free(h.problems, TRUE);
	return rc;
}

/*
 * rules check, rules test, why
 */

/* Report a check: "N rules ok", or errors (a cause of lines, freed). */
static int
ctl_rules_report(guint n, char *errors)
{
	struct json	 j = { g_string_new(NULL), 0 };
	char		**lines = NULL;

	json_open(&j, '{');
	json_key(&j, "ok");
	json_bool(&j, errors == NULL);
	if (errors == NULL) {
		json_key(&j, "rules");
		json_int(&j, n);
	} else {
		lines = g_strsplit(errors, "\n", -1);
		json_key(&j, "errors");
		json_open(&j, '[');
		for (char **l = lines; *l != NULL; l++)
			if (**l != '\0')
				json_string(&j, *l);
		json_close(&j, ']');
	}
	json_close(&j, '}');
	if (opt_json)
		printf("%s\n", j.out->str);
	else if (errors == NULL)
		printf("%u rules ok\n", n);
	else
		for (char **l = lines; *l != NULL; l++)
			if (**l != '\0')
				fprintf(stderr, "%s\n", *l);
	g_string_free(j.out, TRUE);
	g_strfreev(lines);
	g_free(errors);
	return errors == NULL ? EX_OK : EX_CONFIG;
}

/* Append cause (freed) to the errors so far. */
static void
ctl_errors_add(GString **errors, char *cause)
{
	if (*errors == NULL)
		*errors = g_string_new(NULL);
	g_string_append(*errors, cause);
	if ((*errors)->len > 0 && (*errors)->str[(*errors)->len - 1] != '\n')
		g_string_append_c(*errors, '\n');
	g_free(cause);
}

/*
 * "rules check": the configuration's rules, which conf_load() loaded and
 * checked, or each FILE (a file or a directory) against it. Each FILE is
 * loaded on its own: rule names must be unique within one, not across.
 */
static int
ctl_rules_check(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct rules	*rs;
	GString		*errors = NULL;
	char		*cause = NULL;
	guint		 n = 0;

	if ((conf = conf_load(opt_conf ? opt_conf : TICKETD_CONF,
	    &cause)) == NULL)
		return ctl_rules_report(0, cause);
	if (argc == 1 && conf->rules != NULL)
		n = rules_count(conf->rules);
	for (int i = 1; i < argc; i++) {
		if ((rs = rules_load(argv[i], conf, &cause)) == NULL) {
			ctl_errors_add(&errors, cause);
			continue;
		}
		n += rules_count(rs);
		rules_unref(rs);
	}
	conf_unref(conf);
	return ctl_rules_report(n, errors ? g_string_free(errors, FALSE) :
	    NULL);
}

/* The queue of the mail's first To or Cc address that is one of ours. */
static const struct conf_queue *
ctl_mail_queue(const struct conf *conf, const struct mail *m,
    const char **rcpt)
{
	GPtrArray		*lists[] = { m->to_list, m->cc_list };
	const struct conf_queue	*q;

	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; i < lists[l]->len; i++) {
			const struct mail_mailbox *mb = lists[l]->pdata[i];

			if ((q = conf_queue_for_address(conf, mb->addr)) !=
			    NULL) {
				*rcpt = mb->addr;
				return q;
			}
		}
	return NULL;
}

/*
 * The queue, recipient and envelope sender of rules test: --queue, else
 * the queue of the first recipient that is ours, else the first queue.
 * EX_OK, or EX_DATAERR for an unknown --queue.
 */
static int
ctl_test_envelope(const struct conf *conf, const struct mail *m,
    struct rules_input *in)
{
	const struct conf_queue	*q = NULL;
	const char		*rcpt = NULL;

	if (opt_queue != NULL &&
	    (q = conf_queue_by_name(conf, opt_queue)) == NULL) {
		fprintf(stderr, "ticketctl: no queue \"%s\"\n", opt_queue);
		return EX_DATAERR;
	}
	if (q == NULL && (q = ctl_mail_queue(conf, m, &rcpt)) == NULL &&
	    conf->queues->len > 0)
		q = conf->queues->pdata[0];
	if (q != NULL && rcpt == NULL && q->addresses != NULL)
		rcpt = q->addresses[0];
	in->queue = q != NULL ? q->name : NULL;
	in->recipient = rcpt;
	in->inside_hours = q == NULL || sla_hours_open(&q->hours, q->timezone,
	    g_get_real_time() / G_USEC_PER_SEC);
	in->sender = m->from_addr;
	return EX_OK;
}

/*
 * Our Message-ID keys as the store keeps them, read only (reply_keys_load
 * may write them), so that ticket_decide() knows replies to our mail.
 */
static int
ctl_test_keys(struct store *st, struct conf *conf, char **cause)
{
	GBytes	*keys = NULL;

	if (st->ops->meta_get(st, "msgid_keys", &keys, cause) < 0)
		return -1;
	if (conf->msgid_keys != NULL)
		g_bytes_unref(conf->msgid_keys);
	conf->msgid_keys = keys;
	return 0;
}

/*
 * Would the mail join a ticket? The ticket policy decides, writing
 * nothing: *joined is the ticket, or 0 for a new one; *how says what it
 * found.
 */
static int
ctl_test_decide(struct store *st, const struct conf *conf,
    const struct mail *m, const struct rules_input *in, gint64 *joined,
    char **how, char **cause)
{
	struct store_delivery	 dl = { (char *)in->queue,
				    (char *)(in->recipient ? in->recipient : "") };
	struct ticket_mail	 tm = { 0 };
	struct ticket_decision	 d;
	GPtrArray		*deliveries = g_ptr_array_new();
	int			 rc;

	g_ptr_array_add(deliveries, &dl);
	tm.mail = m;
	tm.dedupe_key = ticket_dedupe_key(m, 0);
	tm.source = "ticketctl";
	tm.return_path = in->sender;
	tm.queue = in->queue;
	tm.deliveries = deliveries;
	tm.received_at = g_get_real_time() / G_USEC_PER_SEC;
	tm.conf = conf;
	if ((rc = ticket_decide(st, &tm, &d, cause)) == 0) {
		*joined = d.outcome == TICKET_NEW ? 0 : d.ticket_id;
		switch (d.outcome) {
		case TICKET_NEW:
			*how = g_strdup("opens a ticket");
			break;
		case TICKET_FOLLOW_UP:
			*how = g_strdup_printf("joins ticket %" G_GINT64_FORMAT
			    " (%s)", d.ticket_id, d.how);
			break;
		case TICKET_DUPLICATE:
			*how = g_strdup_printf("is stored already, on ticket %"
			    G_GINT64_FORMAT, d.ticket_id);
			break;
		case TICKET_AGENT:
			*how = g_strdup_printf("is an agent's, on ticket %"
			    G_GINT64_FORMAT, d.ticket_id);
			break;
		}
		ticket_decision_clear(&d);
	}
	g_free((char *)tm.dedupe_key);
	g_ptr_array_unref(deliveries);
	return rc;
}

/* The requester's open tickets (new, open, pending) but joined, and
 * whether they wrote before. */
static int
ctl_test_requester(struct store *st, const struct mail *m, gint64 joined,
    struct rules_input *in, char **cause)
{
	static const char *const open[] = { "new", "open", "pending", NULL };
	struct store_filter	 f = { 0 };
	GPtrArray		*tickets = NULL;

	if (*m->from_addr == '\0')
		return 0;
	f.requester = m->from_addr;
	if (st->ops->ticket_find(st, &f, &tickets, cause) != 0)
		return -1;
	in->first_contact = tickets->len == 0;
	for (guint i = 0; i < tickets->len; i++) {
		const struct store_ticket *t = tickets->pdata[i];

		if (t->id != joined && g_strv_contains(open, t->status))
			in->open_tickets++;
	}
	g_ptr_array_free(tickets, TRUE);
	return 0;
}

/*
 * What the store says of the mail, when the database exists: whether it
 * joins a ticket (unless --reply says so), and the requester's facts.
 * It is only read. Without a database: a new ticket, a first contact.
 * *how (g_free) says how the mail was taken.
 */
static void
ctl_test_store(struct conf *conf, const struct mail *m,
    struct rules_input *in, char **how)
{
	struct store	*st;
	char		*cause = NULL;
	gint64		 joined = 0;

	in->open_tickets = 0;
	in->first_contact = 1;
	in->reply = opt_reply;
	*how = g_strdup(opt_reply ? "a reply (--reply)" : "opens a ticket "
	    "(no database)");
	if (!ctl_database_exists(conf))
		return;
	if ((st = store_open(conf->database, &cause)) == NULL)
		goto fail;
	if (!opt_reply) {
		g_free(*how);
		*how = NULL;
		if (ctl_test_keys(st, conf, &cause) != 0 ||
		    ctl_test_decide(st, conf, m, in, &joined, how, &cause) != 0) {
			*how = g_strdup("opens a ticket (not decided)");
			store_close(st);
			goto fail;
		}
		in->reply = joined != 0;
	}
	if (ctl_test_requester(st, m, joined, in, &cause) != 0) {
		store_close(st);
		goto fail;
	}
	store_close(st);
	return;
fail:
	ctl_database_error(conf, cause);
}

/* The mail of rules test, parsed: EX_OK and *m, or the status. */
static int
ctl_test_mail(const struct conf *conf, const char *path, struct mail **m)
{
	GError	*error = NULL;
	char	*data;
	gsize	 len;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "ticketctl: %s\n", error->message);
		g_error_free(error);
		return EX_NOINPUT;
	}
	mime_init();
	*m = mime_parse(g_bytes_new_take(data, len), conf->fallback_charset);
	return EX_OK;
}

/* One rule of a rules_eval() trace, as an object. */
static void
ctl_trace_rule(struct json *j, const struct rules_trace_rule *tr)
{
	static const char *const results[] = {
		[RULES_VERDICT_MATCHED] = "matched",
		[RULES_VERDICT_NO_MATCH] = "no match",
		[RULES_VERDICT_ERROR] = "error",
		[RULES_VERDICT_SKIPPED] = "skipped",
		[RULES_VERDICT_NOT_TRIED] = "not tried",
	};

	json_open(j, '{');
	json_key(j, "rule");
	json_string(j, tr->name);
	json_key(j, "where");
	json_string(j, tr->where);
	json_key(j, "result");
	json_string(j, results[tr->verdict]);
	json_key(j, "matched");
	json_bool(j, tr->verdict == RULES_VERDICT_MATCHED);
	json_key(j, "decided_by");
	if (tr->decided_by > 0)
		json_int(j, tr->decided_by);
	else
		json_string(j, NULL);
	json_key(j, "conditions");
	json_open(j, '[');
	for (guint i = 0; i < tr->conds->len; i++) {
		const struct rules_trace_cond *tc = tr->conds->pdata[i];

		json_open(j, '{');
		json_key(j, "line");
		json_int(j, tc->line);
		json_key(j, "condition");
		json_string(j, tc->condition);
		ctl_json_met(j, "result", tc->result);
		json_key(j, "detail");
		json_string(j, tc->detail);
		json_key(j, "text");
		json_string(j, tc->text);
		json_close(j, '}');
	}
	json_close(j, ']');
	json_key(j, "actions");
	json_open(j, '[');
	for (guint i = 0; i < tr->actions->len; i++) {
		const struct rules_action *a = tr->actions->pdata[i];

		json_open(j, '{');
		json_key(j, "key");
		json_string(j, rules_act_name(a->act));
		json_key(j, "value");
		json_string(j, a->value ? a->value : "no");
		json_close(j, '}');
	}
	json_close(j, ']');
	json_key(j, "stop");
	json_bool(j, tr->stop);
	json_close(j, '}');
}

/* What the mail was taken for: the facts the rules read beyond it. */
static void
ctl_test_input(struct json *j, const struct rules_input *in, const char *how)
{
	if (!opt_json) {
		printf("mail: %s\n", how);
		printf("mail: queue %s, %s, sender <%s>, recipient <%s>, "
		    "open-tickets %u, first-contact %s, hours %s, language %s, "
		    "size %" G_GUINT64_FORMAT "\n", in->queue ? in->queue :
		    "(none)", in->reply ? "reply" : "new", in->sender,
		    in->recipient ? in->recipient : "", in->open_tickets,
		    in->first_contact ? "yes" : "no", in->inside_hours ?
		    "inside" : "outside", in->language ? in->language :
		    "(unknown)", in->size);
		return;
	}
	json_key(j, "input");
	json_open(j, '{');
	json_key(j, "queue");
	json_string(j, in->queue);
	json_key(j, "reply");
	json_bool(j, in->reply);
	json_key(j, "ticket");
	json_string(j, how);
	json_key(j, "sender");
	json_string(j, in->sender);
	json_key(j, "recipient");
	json_string(j, in->recipient);
	json_key(j, "open_tickets");
	json_int(j, in->open_tickets);
	json_key(j, "first_contact");
	json_bool(j, in->first_contact);
	json_key(j, "hours");
	json_string(j, in->inside_hours ? "inside" : "outside");
	json_key(j, "language");
	json_string(j, in->language);
	json_key(j, "size");
	json_int(j, in->size);
	json_close(j, '}');
}

/* Print what rules_test found: the trace, or --json. */
static void
ctl_test_print(const struct rules_input *in, const char *how,
    const GPtrArray *trace, const struct rules_result *res)
{
	struct json	 j = { g_string_new(NULL), 0 };

	json_open(&j, '{');
	ctl_test_input(&j, in, how);
	if (opt_json) {
		json_key(&j, "rules");
		json_open(&j, '[');
		for (guint i = 0; i < trace->len; i++)
			ctl_trace_rule(&j, trace->pdata[i]);
		json_close(&j, ']');
		json_key(&j, "errors");
		json_open(&j, '[');
	}
	if (!opt_json) {
		char *text = rules_trace_text(trace);

		fputs(text, stdout);
		g_free(text);
	}
	for (guint i = 0; i < res->errors->len; i++)
		if (opt_json)
			json_string(&j, res->errors->pdata[i]);
		else
			printf("error: %s\n", (char *)res->errors->pdata[i]);
	if (opt_json) {
		json_close(&j, ']');
		json_close(&j, '}');
		printf("%s\n", j.out->str);
	} else if (res->fired->len == 0)
		printf("no rule fired\n");
	g_string_free(j.out, TRUE);
}

/*
 * "rules test MAIL": a dry run of the rules (the configuration's or
 * --rules PATH) on a mail. Nothing is written: the store, when there is
 * one, is only read, for whether the mail joins a ticket (ticket.h's
 * policy; --reply says so without asking) and the requester's facts.
 */
static int
ctl_rules_test(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct rules_input	 in = { 0 };
	struct rules_result	 res;
	struct rules		*rs;
	struct mail		*m;
	GPtrArray		*trace;
	char			*cause = NULL, *how;
	int			 rc;

	if (argc != 2)
		return EX_USAGE;
	if (opt_rules != NULL) {
		if ((rs = rules_load(opt_rules, conf, &cause)) == NULL)
			return ctl_rules_report(0, cause);
	} else if (conf->rules != NULL)
		rs = rules_ref(conf->rules);
	else {
		fprintf(stderr, "ticketctl: no rules: the configuration has no "
		    "rules = and --rules is not given\n");
		return EX_CONFIG;
	}
	if ((rc = ctl_test_mail(conf, argv[1], &m)) != EX_OK) {
		rules_unref(rs);
		return rc;
	}
	in.mail = m;
	in.language = template_detect_language(m->content_language, m->body);
	in.size = g_bytes_get_size(m->raw);
	if ((rc = ctl_test_envelope(conf, m, &in)) == EX_OK) {
		ctl_test_store(conf, m, &in, &how);
		trace = rules_trace_new();
		rules_eval(rs, &in, &res, trace);
		ctl_test_print(&in, how, trace, &res);
		g_free(how);
		rules_result_clear(&res);
		g_ptr_array_unref(trace);
	}
	mail_free(m);
	rules_unref(rs);
	return rc;
}

/*
 * report: the figures of whole days, in the time zone of --queue or of
 * the first queue.
 */

/* The local midnight starting day (YYYY-MM-DD), or -1. */
static gint64
ctl_day_start(GTimeZone *tz, const char *day)
{
	int		 y, m, d, n = 0;
	GDateTime	*t;
	gint64		 secs;

	if (sscanf(day, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    day[n] != '\0' || !g_date_valid_dmy(d, m, y))
		return -1;
	t = g_date_time_new(tz, y, m, d, 0, 0, 0);
	secs = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return secs;
}

/* The day n days from day's start, as the clock on the wall counts. */
static gint64
ctl_day_add(GTimeZone *tz, gint64 start, int n)
{
	GDateTime	*local = sla_local_time(tz, start);
	GDateTime	*later = g_date_time_add_days(local, n);
	gint64		 secs = sla_local_midnight(tz, later);

	g_date_time_unref(later);
	g_date_time_unref(local);
	return secs;
}

static gint64
ctl_today(GTimeZone *tz)
{
	GDateTime	*now = g_date_time_new_now(tz);
	gint64		 start = sla_local_midnight(tz, now);

	g_date_time_unref(now);
	return start;
}

static int
ctl_report_query(const struct conf *conf, struct report_query *q)
{
	const struct conf_queue	*queue = conf->queues->pdata[0];

	memset(q, 0, sizeof(*q));
	if (opt_queue != NULL &&
	    (queue = conf_queue_by_name(conf, opt_queue)) == NULL) {
		fprintf(stderr, "ticketctl: no queue \"%s\"\n", opt_queue);
		return EX_USAGE;
	}
	q->queue = opt_queue;
	q->tz = queue->timezone;
	if (opt_by != NULL && report_by_parse(opt_by, &q->by) != 0) {
		fprintf(stderr, "ticketctl: --by: expected queue, agent, "
		    "priority, tag, day or week, not \"%s\"\n", opt_by);
		return EX_USAGE;
	}
	q->to = opt_to ? ctl_day_start(q->tz, opt_to) : ctl_today(q->tz);
	if (opt_to != NULL && q->to != -1)
		q->to = ctl_day_add(q->tz, q->to, 1);
	q->from = opt_from ? ctl_day_start(q->tz, opt_from) :
	    q->to == -1 ? -1 : ctl_day_add(q->tz, q->to, -7);
	if (q->from == -1 || q->to == -1 || q->from >= q->to) {
		fprintf(stderr, "ticketctl: --from and --to: expected dates "
		    "YYYY-MM-DD, the first not after the last\n");
		return EX_USAGE;
	}
	return EX_OK;
}

static int
ctl_write_file(const char *path, const GString *s)
{
	GError	*error = NULL;

	if (g_file_set_contents(path, s->str, (gssize)s->len, &error))
		return EX_OK;
	fprintf(stderr, "ticketctl: %s\n", error->message);
	g_error_free(error);
	return EX_CANTCREAT;
}

/*
 * The report as a mail through the outbox: the text in the body, the
 * page attached (mail clients do not draw inline SVG in a message).
 */
static int
ctl_report_mail(struct store *st, const struct conf *conf,
    const struct report *r, const GString *text, const GString *html)
{
	const struct conf_queue	*queue = r->q.queue ? conf_queue_by_name(conf,
				    r->q.queue) : conf->queues->pdata[0];
	struct mail_attachment	 a = { 0 };
	struct mime_draft	 d = { 0 };
	struct store_outbox	 o = { 0 };
	GPtrArray		*atts = g_ptr_array_new();
	GPtrArray		*headers = g_ptr_array_new();
	char			*from = report_date_text(r, r->q.from);
	char			*to = report_date_text(r, r->q.to - 1);
	char			*cause = NULL, *msgid, *subject;
	struct mail		*m;
	int			 rc;

	a.name = g_strdup_printf("ticketd-report-%s-%s.html", from, to);
	a.type = "text/html";
	a.content = g_bytes_new_static(html->str, html->len);
	g_ptr_array_add(atts, &a);
	g_ptr_array_add(headers, "Auto-Submitted");
	g_ptr_array_add(headers, "auto-generated");
	msgid = g_strdup_printf("report.%" G_GINT64_FORMAT ".%08x@%s",
	    g_get_real_time(), g_random_int(), conf->hostname);
	subject = g_strdup_printf("Support report %s to %s%s%s", from, to,
	    r->q.queue ? ", queue " : "", r->q.queue ? r->q.queue : "");
	d.from_name = queue->display_name;
	d.from_addr = queue->addresses[0];
	d.to_name = "";
	d.to_addr = opt_mail;
	d.subject = subject;
	d.message_id = msgid;
	d.headers = headers;
	d.body = text->str;
	d.attachments = atts;
	d.date = g_get_real_time() / G_USEC_PER_SEC;
	m = mime_build(&d);
	o.kind = "report";
	o.envelope_from = queue->addresses[0];
	o.rcpt = opt_mail;
	o.message_id = m->message_id;
	o.data = m->raw;
	o.created_at = d.date;
	if ((rc = st->ops->begin(st, &cause)) == 0 &&
	    (rc = st->ops->outbox_add(st, &o, &cause)) == 0)
		rc = st->ops->commit(st, &cause);
	if (rc != 0) {
		st->ops->rollback(st);
		fprintf(stderr, "ticketctl: %s\n", cause);
		g_free(cause);
	} else
		printf("report queued to <%s>, outbox %" G_GINT64_FORMAT "\n",
		    opt_mail, o.id);
	mail_free(m);
	g_bytes_unref(a.content);
	g_free(a.name);
	g_ptr_array_free(atts, TRUE);
	g_ptr_array_free(headers, TRUE);
	g_free(subject);
	g_free(msgid);
	g_free(from);
	g_free(to);
	return rc == 0 ? EX_OK : EX_TEMPFAIL;
}

static int
ctl_report_out(struct store *st, const struct conf *conf,
    const struct report *r)
{
	GString	*out = g_string_new(NULL), *html = NULL;
	int	 rc = EX_OK;

	if (opt_html != NULL || opt_mail != NULL) {
		html = g_string_new(NULL);
		report_html(r, "Support report", html);
	}
	if (opt_html != NULL)
		rc = ctl_write_file(opt_html, html);
	if (opt_json)
		report_json(r, out);
	else if (opt_csv)
		report_csv(r, out);
	else
		report_text(r, out);
	if (rc == EX_OK && opt_mail != NULL)
		rc = ctl_report_mail(st, conf, r, out, html);
	else if (rc == EX_OK)
		fwrite(out->str, 1, out->len, stdout);
	if (html != NULL)
		g_string_free(html, TRUE);
	g_string_free(out, TRUE);
	return rc;
}

static int
ctl_report_cmd(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct report_query	 q;
	struct report		*r;
	char			*cause = NULL;
	int			 rc;

	if (argc != 1)
		return EX_USAGE;
	if ((rc = ctl_report_query(conf, &q)) != EX_OK)
		return rc;
	if ((r = report_make(st, conf, &q, &cause)) == NULL) {
		fprintf(stderr, "ticketctl: %s\n", cause);
		g_free(cause);
		return EX_TEMPFAIL;
	}
	rc = ctl_report_out(st, conf, r);
	report_free(r);
	return rc;
}

/*
 * why: the ticket's events of type "rule", whose detail the pipeline
 * writes as "rule NAME (FILE:LINE): KEY = VALUE", grouped by rule in
 * order (a rule that fired again, on a later mail, is a new group), and
 * its "rules_error" events.
 */
struct ctl_why {
	char		*rule;		/* "rule NAME (FILE:LINE)" */
	char		*name;
	char		*where;
	gint64		 at;
	GPtrArray	*changes;	/* char *: "KEY = VALUE" */
};

static void
ctl_why_free(gpointer v)
{
	struct ctl_why	*w = v;

	g_free(w->rule);
	g_free(w->name);
	g_free(w->where);
	g_ptr_array_unref(w->changes);
	g_free(w);
}

/*
 * Add a "rule" event to the groups: to the last one when it is of the
 * same rule, else as a new one. A detail not in the pipeline's form is a
 * group of its own, with no name.
 */
static void
ctl_why_add(GPtrArray *groups, const struct store_event *e)
{
	const char	*colon = strstr(e->detail, "): ");
	const char	*paren = strstr(e->detail, " (");
	struct ctl_why	*w = groups->len ? groups->pdata[groups->len - 1] :
			    NULL;
	char		*rule;

	if (strncmp(e->detail, "rule ", 5) != 0 || colon == NULL ||
	    paren == NULL || paren > colon)
		colon = NULL;
	rule = colon != NULL ? g_strndup(e->detail, colon + 1 - e->detail) :
	    g_strdup(e->detail);
	if (colon != NULL && w != NULL && w->name != NULL &&
	    strcmp(w->rule, rule) == 0) {
		g_ptr_array_add(w->changes, g_strdup(colon + 3));
		g_free(rule);
		return;
	}
	w = g_new0(struct ctl_why, 1);
	w->rule = rule;
	w->at = e->at;
	w->changes = g_ptr_array_new_with_free_func(g_free);
	if (colon != NULL) {
		w->name = g_strndup(e->detail + 5, paren - e->detail - 5);
		w->where = g_strndup(paren + 2, colon - paren - 2);
		g_ptr_array_add(w->changes, g_strdup(colon + 3));
	}
	g_ptr_array_add(groups, w);
}

static void
ctl_why_json(gint64 id, const GPtrArray *groups, const GPtrArray *errors)
{
	struct json	 j = { g_string_new(NULL), 0 };

	json_open(&j, '{');
	json_key(&j, "ticket");
	json_int(&j, id);
	json_key(&j, "rules");
	json_open(&j, '[');
	for (guint i = 0; i < groups->len; i++) {
		const struct ctl_why *w = groups->pdata[i];

		json_open(&j, '{');
		json_key(&j, "rule");
		json_string(&j, w->name);
		json_key(&j, "where");
		json_string(&j, w->where);
		json_key(&j, "at");
		json_time(&j, w->at);
		json_key(&j, "changes");
		json_open(&j, '[');
		for (guint k = 0; k < w->changes->len; k++)
			json_string(&j, w->changes->pdata[k]);
		json_close(&j, ']');
		if (w->name == NULL) {
			json_key(&j, "detail");
			json_string(&j, w->rule);
		}
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_key(&j, "errors");
	json_open(&j, '[');
	for (guint i = 0; i < errors->len; i++)
		ctl_event_json(&j, errors->pdata[i]);
	json_close(&j, ']');
	json_close(&j, '}');
	printf("%s\n", j.out->str);
	g_string_free(j.out, TRUE);
}

static void
ctl_why_text(gint64 id, const GPtrArray *groups, const GPtrArray *errors)
{
	char	*at;

	if (groups->len == 0)
		printf("ticket %" G_GINT64_FORMAT ": no rule fired\n", id);
	for (guint i = 0; i < groups->len; i++) {
		const struct ctl_why *w = groups->pdata[i];

		at = store_time_iso(w->at);
		printf("%s  %s\n", at, w->rule);
		for (guint k = 0; k < w->changes->len; k++)
			printf("    %s\n", (char *)w->changes->pdata[k]);
		g_free(at);
	}
	for (guint i = 0; i < errors->len; i++) {
		const struct store_event *e = errors->pdata[i];

		at = store_time_iso(e->at);
		printf("%s  rules error: %s\n", at, e->detail);
		g_free(at);
	}
}

static int
ctl_why(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct store_ticket	*t = NULL;
	GPtrArray		*events = NULL, *groups, *errors;
	char			*cause = NULL;
	gint64			 id;
	int			 rc;

	if (argc != 2)
		return EX_USAGE;
	if ((id = ctl_ticket_id(argv[1])) <= 0)
		return EX_USAGE;
	if ((rc = ctl_ticket_get(st, id, &t)) != EX_OK)
		return rc;
	store_ticket_free(t);
	if (st->ops->event_list(st, id, &events, &cause) != 0)
		return ctl_fail(id, cause, EX_SOFTWARE);
	groups = g_ptr_array_new_with_free_func(ctl_why_free);
	errors = g_ptr_array_new();
	for (guint i = 0; i < events->len; i++) {
		const struct store_event *e = events->pdata[i];

		if (strcmp(e->type, "rule") == 0)
			ctl_why_add(groups, e);
		else if (strcmp(e->type, "rules_error") == 0)
			g_ptr_array_add(errors, (gpointer)e);
	}
	if (opt_json)
		ctl_why_json(id, groups, errors);
	else
		ctl_why_text(id, groups, errors);
	g_ptr_array_unref(groups);
	g_ptr_array_unref(errors);
	g_ptr_array_free(events, TRUE);
	return EX_OK;
}

/*
 * search: messages holding every term of the query (search.h), one row
 * per message, best first among the newest CTL_SEARCH_RANKED that match
 * in the index and the newest CTL_SEARCH_TAIL not indexed yet (the
 * daemon indexes mail within a second; more wait while it indexes an
 * old database, or while it is down). When no term can use the index,
 * only the newest CTL_SEARCH_SCAN messages are read. Either is said on
 * stderr.
 */
#define CTL_SEARCH_LIMIT	20	/* messages shown without --limit */
#define CTL_SEARCH_RANKED	10000
#define CTL_SEARCH_SCAN		10000
#define CTL_SEARCH_TAIL		5000
#define CTL_SEARCH_SUBJECT	30	/* characters of subject shown */
#define CTL_SEARCH_SNIPPET	60

static void
ctl_hit_json(struct json *j, const struct store_hit *h, const char *snippet)
{
	json_open(j, '{');
	json_key(j, "ticket");
	json_int(j, h->ticket_id);
	json_key(j, "message");
	json_int(j, h->message_id);
	json_key(j, "status");
	json_string(j, h->status);
	json_key(j, "queue");
	json_string(j, h->queue);
	json_key(j, "subject");
	json_string(j, h->subject);
	json_key(j, "from");
	json_string(j, h->from_addr);
	json_key(j, "from_name");
	json_string(j, h->from_name);
	json_key(j, "date");
	json_string(j, h->date);
	json_key(j, "received_at");
	json_time(j, h->received_at);
	json_key(j, "snippet");
	json_string(j, snippet);
	json_close(j, '}');
}

/* One line: the subject cut and padded by characters, not octets. */
static void
ctl_hit_text(const struct store_hit *h, const char *snippet, GTimeZone *tz)
{
	GDateTime	*t = sla_local_time(tz, h->received_at);
	char		*day = g_date_time_format(t, "%Y-%m-%d %H:%M");
	/* g_utf8_substring() reads past a string shorter than its end. */
	char		*subject = g_utf8_substring(h->subject, 0,
			    MIN(CTL_SEARCH_SUBJECT, g_utf8_strlen(h->subject, -1)));
	glong		 pad = CTL_SEARCH_SUBJECT - g_utf8_strlen(subject, -1);

	printf("%6" G_GINT64_FORMAT "  %-8s %-10s %-16s  %s%*s  %s\n",
	    h->ticket_id, h->status, h->queue, day, subject, (int)pad, "",
	    snippet);
	g_free(subject);
	g_free(day);
	g_date_time_unref(t);
}

/* Dates on the clocks of tz; --json gives UTC. */
static void
ctl_hits_print(GPtrArray *hits, char *const *terms, GTimeZone *tz)
{
	struct json	 j = { g_string_new(NULL), 0 };
	char		*snippet;

	if (!opt_json)
		printf("%6s  %-8s %-10s %-16s  %-*s  %s\n", "TICKET", "STATUS",
		    "QUEUE", "DATE", CTL_SEARCH_SUBJECT, "SUBJECT", "SNIPPET");
	json_open(&j, '[');
	for (guint i = 0; i < hits->len; i++) {
		const struct store_hit *h = hits->pdata[i];

		snippet = search_snippet(h->body, terms, CTL_SEARCH_SNIPPET);
		if (opt_json)
			ctl_hit_json(&j, h, snippet);
		else
			ctl_hit_text(h, snippet, tz);
		g_free(snippet);
	}
	json_close(&j, ']');
	if (opt_json)
		printf("%s\n", j.out->str);
	g_string_free(j.out, TRUE);
}

static void
ctl_search_note(const struct store_search_note *note)
{
	if (note->window)
		fprintf(stderr, "ticketctl: search: no term can use the index "
		    "(one character, or two that start over %d trigrams): "
		    "only the newest %d messages are searched\n",
		    SEARCH_EXPAND_MAX, CTL_SEARCH_SCAN);
	if (note->unread > 0)
		fprintf(stderr, "ticketctl: search: %" G_GINT64_FORMAT
		    " messages not indexed yet; results may be incomplete\n",
		    note->unread);
}

static int
ctl_search(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct store_search	 q = { .queue = opt_queue,
				    .ranked = CTL_SEARCH_RANKED,
				    .scan = CTL_SEARCH_SCAN,
				    .tail = CTL_SEARCH_TAIL };
	struct store_search_note note = { 0 };
	GPtrArray		*hits = NULL;
	char			*query, **terms, *cause = NULL;
	int			 rc = EX_OK;

	if (argc < 2)
		return EX_USAGE;
	if (opt_limit == 0 || opt_limit < -1) {
		fprintf(stderr, "ticketctl: search: --limit must be 1 or "
		    "more\n");
		return EX_USAGE;
	}
	query = g_strjoinv(" ", argv + 1);
	terms = search_parse(query, &cause);
	g_free(query);
	if (terms == NULL) {
		fprintf(stderr, "ticketctl: search: %s\n", cause);
		g_free(cause);
		return EX_DATAERR;
	}
	q.terms = terms;
	q.limit = opt_limit == -1 ? CTL_SEARCH_LIMIT : opt_limit;
	if (st->ops->search(st, &q, &hits, &note, &cause) != 0) {
		fprintf(stderr, "ticketctl: search: %s\n", cause);
		g_free(cause);
		rc = EX_SOFTWARE;
	} else {
		ctl_search_note(&note);
		ctl_hits_print(hits, terms, ((struct conf_queue *)
		    conf->queues->pdata[0])->timezone);
		g_ptr_array_free(hits, TRUE);
	}
	g_strfreev(terms);
	return rc;
}

/* What ctl_main() leaves to a command. */
#define CTL_OWN_CONF	0x1	/* loads (and reports) the configuration */
#define CTL_NO_STORE	0x2	/* opens the store itself, if at all */

static const struct ctl_command {
	const char	*name;
	const char	*sub;		/* its second word, or NULL */
	const char	*usage;
	int		 (*run)(struct store *, struct conf *, int argc,
			    char **argv);
	int		 flags;
} ctl_commands[] = {
	{ "status", NULL, "status [--json]", ctl_status, CTL_NO_STORE },
	{ "list", NULL, "list [--status S[,S...]] [--queue Q] "
	    "[--assignee AGENT|none] [--tag TAG] [--since DATE|SPAN] "
	    "[--sort [-]id|updated|priority] [--limit N] [--offset N] [--json]",
	    ctl_list },
	{ "show", NULL, "show N [--json]", ctl_show },
	{ "customer", NULL, "customer ADDRESS [--json]", ctl_customer },
	{ "reply", NULL, "reply N [FILE|-] [--note | --canned NAME] [--as AGENT] "
	    "[--json]", ctl_reply },
	{ "status", NULL, "status N open|pending|resolved|closed [--as AGENT] "
	    "[--json]", ctl_status },
	{ "assign", NULL, "assign N AGENT|none [--as AGENT] [--json]", ctl_assign },
	{ "tag", NULL, "tag N [+]TAG|-TAG ... [--as AGENT] [--json]", ctl_tag },
	{ "priority", NULL, "priority N urgent|high|normal|low [--as AGENT] [--json]",
	    ctl_priority },
	{ "outbox", "retry", "outbox retry ID", ctl_outbox_retry },
	{ "outbox", "cancel", "outbox cancel ID", ctl_outbox_cancel },
	{ "outbox", NULL, "outbox [--json]", ctl_outbox },
	{ "import", NULL, "import NAME [--archive]", ctl_import },
	{ "rules", "check", "rules check [FILE...] [--json]", ctl_rules_check,
	    CTL_OWN_CONF | CTL_NO_STORE },
	{ "rules", "test", "rules test MAIL [--queue Q] [--reply] "
	    "[--rules PATH] [--json]", ctl_rules_test, CTL_NO_STORE },
	{ "why", NULL, "why N [--json]", ctl_why },
	{ "search", NULL, "search QUERY... [--queue Q] [--limit N] [--json]",
	    ctl_search },
	{ "report", NULL, "report [--from DATE] [--to DATE] [--queue Q] "
	    "[--by queue|agent|priority|tag|day|week] [--json|--csv] "
	    "[--html FILE] [--mail ADDRESS]", ctl_report_cmd },
};

/* The commands' usage lines, for --help and after a wrong command. */
static char *
ctl_commands_text(void)
{
	GString	*out = g_string_new("Commands:\n");

	for (gsize i = 0; i < G_N_ELEMENTS(ctl_commands); i++)
		g_string_append_printf(out, "  %s\n", ctl_commands[i].usage);
	g_string_append(out, "\nSee ticketctl(8).");
	return g_string_free(out, FALSE);
}

static int
ctl_usage(const char *unknown)
{
	char	*text = ctl_commands_text();

	if (unknown != NULL)
		fprintf(stderr, "ticketctl: unknown command: %s\n", unknown);
	fprintf(stderr, "usage: ticketctl [-c FILE] COMMAND [ARGS]\n%s\n",
	    text);
	g_free(text);
	return EX_USAGE;
}

/* After EX_USAGE: every form of the command called name. */
static void
ctl_usage_of(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(ctl_commands); i++)
		if (strcmp(ctl_commands[i].name, name) == 0)
			fprintf(stderr, "usage: ticketctl %s\n",
			    ctl_commands[i].usage);
}

/* What one argument is, before GOption sees it. */
enum ctl_arg {
	CTL_ARG_WORD,		/* the command's */
	CTL_ARG_OPTION,
	CTL_ARG_OPTION_VALUE,	/* an option; the next argument its value */
};

/*
 * Our long options and short ones are options; so is any other
 * "--word", which GOption then refuses. Anything else that starts with
 * '-' is a word: "-vip" in "tag N -vip", "-" for stdin.
 */
static enum ctl_arg
ctl_arg_kind(const char *arg)
{
	const GOptionEntry	*e;
	size_t			 n;

	if (arg[0] != '-' || arg[1] == '\0')
		return CTL_ARG_WORD;
	for (e = ctl_options; e->long_name != NULL; e++) {
		n = strlen(e->long_name);
		if ((arg[1] == '-' && strncmp(arg + 2, e->long_name, n) == 0 &&
		    (arg[2 + n] == '\0' || arg[2 + n] == '=')) ||
		    (e->short_name != '\0' && arg[1] == e->short_name &&
		    arg[2] == '\0'))
			break;
	}
	if (e->long_name != NULL)
		return e->arg == G_OPTION_ARG_NONE || strchr(arg, '=') != NULL ?
		    CTL_ARG_OPTION : CTL_ARG_OPTION_VALUE;
	if (arg[1] == '-' || strcmp(arg, "-h") == 0 || strcmp(arg, "-?") == 0)
		return CTL_ARG_OPTION;
	return CTL_ARG_WORD;
}

/*
 * Split argv into the options, for GOption, and the command with its
 * words, both NULL-terminated lists of argv's strings; after "--" all
 * are words. GOption alone would read "tag N -cheap" as -c and -h.
 */
static void
ctl_split_args(int argc, char **argv, GPtrArray *opts, GPtrArray *words)
{
	int	 i;

	g_ptr_array_add(opts, argv[0]);
	g_ptr_array_add(words, argv[0]);
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		switch (ctl_arg_kind(argv[i])) {
		case CTL_ARG_WORD:
			g_ptr_array_add(words, argv[i]);
			break;
		case CTL_ARG_OPTION_VALUE:
			g_ptr_array_add(opts, argv[i]);
			if (i + 1 < argc)
				g_ptr_array_add(opts, argv[++i]);
			break;
		case CTL_ARG_OPTION:
			g_ptr_array_add(opts, argv[i]);
			break;
		}
	}
	for (i++; i < argc; i++)
		g_ptr_array_add(words, argv[i]);
	g_ptr_array_add(opts, NULL);
	g_ptr_array_add(words, NULL);
}

/* Parse the options out of argv: EX_OK and *words, or EX_USAGE. */
static int
ctl_parse_args(int argc, char **argv, GPtrArray *words)
{
	GOptionContext	*ctx;
	GPtrArray	*opts = g_ptr_array_new();
	GError		*error = NULL;
	char		**v, *commands;
	int		 n, rc = EX_OK;

	ctl_split_args(argc, argv, opts, words);
	n = opts->len - 1;
	v = (char **)opts->pdata;
	ctx = g_option_context_new("COMMAND [ARGS] - ticketd admin tool");
	g_option_context_add_main_entries(ctx, ctl_options, NULL);
	commands = ctl_commands_text();
	g_option_context_set_description(ctx, commands);
	if (!g_option_context_parse(ctx, &n, &v, &error)) {
		fprintf(stderr, "ticketctl: %s\n", error->message);
		g_error_free(error);
		rc = EX_USAGE;
	}
	g_option_context_free(ctx);
	g_free(commands);
	g_ptr_array_free(opts, TRUE);
	return rc;
}

/* The command of argv[1] (and argv[2]), or NULL. */
static const struct ctl_command *
ctl_command_find(int argc, char **argv)
{
	for (gsize i = 0; argc > 1 && i < G_N_ELEMENTS(ctl_commands); i++) {
		const struct ctl_command *c = &ctl_commands[i];

		if (strcmp(argv[1], c->name) == 0 && (c->sub == NULL ||
		    (argc > 2 && strcmp(argv[2], c->sub) == 0)))
			return c;
	}
	return NULL;
}

/*
 * A database ticketctl made as root is the daemon's user's, or the
 * daemon, which becomes that user, could not write it.
 */
static void
ctl_store_give(const struct conf *conf, const char *file)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char	*cause = NULL, *path;
	uid_t	 uid;
	gid_t	 gid;

	if (conf_user_ids(conf, &uid, &gid, &cause) != 1) {
		g_free(cause);
		return;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		path = g_strconcat(file, suffixes[i], NULL);
		if (chown(path, uid, gid) == -1 && errno != ENOENT)
			fprintf(stderr, "ticketctl: %s: chown: %s\n", path,
			    g_strerror(errno));
		g_free(path);
	}
}

static int
ctl_store_open(const struct conf *conf, struct store **st)
{
	const char	*file = store_local_path(conf->database);
	char		*cause = NULL;
	int		 made = file != NULL &&
			    !g_file_test(file, G_FILE_TEST_EXISTS);

	if ((*st = store_open(conf->database, &cause)) == NULL) {
		fprintf(stderr, "ticketctl: %s\n", cause);
		g_free(cause);
		return EX_UNAVAILABLE;
	}
	if (made)
		ctl_store_give(conf, file);
	return EX_OK;
}

/* The command of argv[1] on the store and configuration named. */
static int
ctl_main(int argc, char **argv)
{
	const struct ctl_command *cmd;
	struct conf		*conf = NULL;
	struct store		*st = NULL;
	char			*cause = NULL;
	int			 status;

	if ((cmd = ctl_command_find(argc, argv)) == NULL)
		return ctl_usage(argc > 1 ? argv[1] : NULL);
	log_open("ticketctl", 0);
	/* A server that hangs up mid-import is an error, not a death. */
	signal(SIGPIPE, SIG_IGN);
	if (!(cmd->flags & CTL_OWN_CONF) && (conf = conf_load(opt_conf ?
	    opt_conf : TICKETD_CONF, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		g_free(cause);
		return EX_CONFIG;
	}
	if (!(cmd->flags & CTL_NO_STORE) &&
	    (status = ctl_store_open(conf, &st)) != EX_OK) {
		conf_unref(conf);
		return status;
	}
	/* A command with two words sees the second as its argv[0]. */
	if (cmd->sub != NULL)
		argc--, argv++;
	status = cmd->run(st, conf, argc - 1, argv + 1);
	if (status == EX_USAGE)
		ctl_usage_of(cmd->name);
	if (st != NULL)
		store_close(st);
	if (conf != NULL)
		conf_unref(conf);
	return status;
}

int
main(int argc, char **argv)
{
	GPtrArray	*words = g_ptr_array_new();
	int		 status;

	/* What ticketctl makes (a database, a report) is not for others. */
	umask(umask(0) | 027);
	if ((status = ctl_parse_args(argc, argv, words)) == EX_OK)
		status = ctl_main(words->len - 1, (char **)words->pdata);
	g_ptr_array_free(words, TRUE);
	return status;
}
