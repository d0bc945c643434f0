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

#include "agent.h"
#include "conf.h"
#include "json.h"
#include "lifecycle.h"
#include "log.h"
#include "mime.h"
#include "notify.h"
#include "reply.h"
#include "source.h"
#include "store.h"

#define TICKETCTL_CONF	"/etc/ticketd/ticketd.conf"

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

static const GOptionEntry ctl_options[] = {
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_conf,
	    "Configuration file (default " TICKETCTL_CONF ")", "FILE" },
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
	    "list: tickets of this queue", "Q" },
	{ "assignee", 0, 0, G_OPTION_ARG_STRING, &opt_assignee,
	    "list: tickets assigned to this agent (none: to nobody)", "AGENT" },
	{ "tag", 0, 0, G_OPTION_ARG_STRING, &opt_tag,
	    "list: tickets with this tag", "TAG" },
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
 * Print rows (freed here) as a JSON array, or a line each for people.
 * NULL rows means the store failed, and cause says why.
 */
static int
ctl_print_rows(GPtrArray *rows, char *cause,
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

	printf("%6" G_GINT64_FORMAT "  %-8s %-10s %-30s %s\n", t->id, t->status,
	    t->queue, t->requester_addr, t->subject);
}

/* The tickets f selects, as list prints them. */
static int
ctl_find(struct store *st, const struct store_filter *f)
{
	GPtrArray	*tickets = NULL;
	char		*cause = NULL;

	st->ops->ticket_find(st, f, &tickets, &cause);
	return ctl_print_rows(tickets, cause, ctl_ticket_json, ctl_ticket_text);
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

static int
ctl_list(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct store_filter	 f = { 0 };
	char			**statuses = NULL;
	int			 rc;

	if (argc != 1)
		return EX_USAGE;
	if (opt_status != NULL && (statuses = ctl_status_filter(opt_status)) ==
	    NULL)
		return EX_DATAERR;
	f.statuses = (const char *const *)statuses;
	f.queue = opt_queue;
	f.assignee = g_strcmp0(opt_assignee, "none") == 0 ? "" : opt_assignee;
	f.tag = opt_tag;
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
	f.newest_first = 1;
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
	if (st->ops->message_list(st, id, &v.msgs, &cause) != 0 ||
	    st->ops->event_list(st, id, &v.events, &cause) != 0 ||
	    st->ops->outbox_list(st, id, &v.outbox, &cause) != 0 ||
	    st->ops->link_list(st, id, &v.links, &cause) != 0)
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

static int
ctl_status(struct store *st, struct conf *conf, int argc, char **argv)
{
	return ctl_one(st, conf, argc, argv, AGENT_CMD_STATUS);
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

	printf("%6" G_GINT64_FORMAT "  ticket %-6" G_GINT64_FORMAT
	    " %-6s %-7s %2u  %s%s%s\n", o->id, o->ticket_id, o->kind, o->status,
	    o->attempts, o->rcpt, o->last_error ? "  " : "",
	    o->last_error ? o->last_error : "");
}

static int
ctl_outbox(struct store *st, struct conf *conf, int argc, char **argv)
{
	GPtrArray	*rows = NULL;
	char		*cause = NULL;

	if (argc != 1)
		return EX_USAGE;
	st->ops->outbox_list(st, 0, &rows, &cause);
	return ctl_print_rows(rows, cause, ctl_outbox_json, ctl_outbox_text);
}

static int
ctl_import(struct store *st, struct conf *conf, int argc, char **argv)
{
	char	*cause = NULL;
	guint	 n;
	int	 rc;

	if (argc != 2)
		return EX_USAGE;
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

static const struct ctl_command {
	const char	*name;
	const char	*usage;
	int		 (*run)(struct store *, struct conf *, int argc,
			    char **argv);
} ctl_commands[] = {
	{ "list", "list [--status S[,S...]] [--queue Q] "
	    "[--assignee AGENT|none] [--tag TAG] [--json]", ctl_list },
	{ "show", "show N [--json]", ctl_show },
	{ "customer", "customer ADDRESS [--json]", ctl_customer },
	{ "reply", "reply N [FILE|-] [--note | --canned NAME] [--as AGENT] "
	    "[--json]", ctl_reply },
	{ "status", "status N open|pending|resolved|closed [--as AGENT] "
	    "[--json]", ctl_status },
	{ "assign", "assign N AGENT|none [--as AGENT] [--json]", ctl_assign },
	{ "tag", "tag N [+]TAG|-TAG ... [--as AGENT] [--json]", ctl_tag },
	{ "priority", "priority N urgent|high|normal|low [--as AGENT] [--json]",
	    ctl_priority },
	{ "outbox", "outbox [--json]", ctl_outbox },
	{ "import", "import NAME [--archive]", ctl_import },
};

static int
ctl_usage(void)
{
	fprintf(stderr, "usage: ticketctl [-c FILE] COMMAND\ncommands:\n");
	for (gsize i = 0; i < G_N_ELEMENTS(ctl_commands); i++)
		fprintf(stderr, "  %s\n", ctl_commands[i].usage);
	return EX_USAGE;
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
	char		**v;
	int		 n, rc = EX_OK;

	ctl_split_args(argc, argv, opts, words);
	n = opts->len - 1;
	v = (char **)opts->pdata;
	ctx = g_option_context_new("COMMAND [ARGS] - ticketd admin tool");
	g_option_context_add_main_entries(ctx, ctl_options, NULL);
	if (!g_option_context_parse(ctx, &n, &v, &error)) {
		fprintf(stderr, "ticketctl: %s\n", error->message);
		g_error_free(error);
		rc = EX_USAGE;
	}
	g_option_context_free(ctx);
	g_ptr_array_free(opts, TRUE);
	return rc;
}

/* The command of argv[1] on the store and configuration named. */
static int
ctl_main(int argc, char **argv)
{
	const struct ctl_command *cmd = NULL;
	struct conf		*conf;
	struct store		*st;
	char			*cause = NULL;
	int			 status;

	for (gsize i = 0; argc > 1 && i < G_N_ELEMENTS(ctl_commands); i++)
		if (strcmp(argv[1], ctl_commands[i].name) == 0)
			cmd = &ctl_commands[i];
	if (cmd == NULL)
		return ctl_usage();
	log_open("ticketctl", 0);
	/* A server that hangs up mid-import is an error, not a death. */
	signal(SIGPIPE, SIG_IGN);
	if ((conf = conf_load(opt_conf ? opt_conf : TICKETCTL_CONF,
	    &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return EX_CONFIG;
	}
	if ((st = store_open("sqlite", conf->database, &cause)) == NULL) {
		fprintf(stderr, "ticketctl: %s\n", cause);
		conf_unref(conf);
		return EX_UNAVAILABLE;
	}
	status = cmd->run(st, conf, argc - 1, argv + 1);
	if (status == EX_USAGE)
		fprintf(stderr, "usage: ticketctl %s\n", cmd->usage);
	store_close(st);
	conf_unref(conf);
	return status;
}

int
main(int argc, char **argv)
{
	GPtrArray	*words = g_ptr_array_new();
	int		 status;

	if ((status = ctl_parse_args(argc, argv, words)) == EX_OK)
		status = ctl_main(words->len - 1, (char **)words->pdata);
	g_ptr_array_free(words, TRUE);
	return status;
}
