/*
 * ticketctl: the admin tool. A table of commands, each reading the
 * store that the configuration names; --json gives machine output for
 * scripts and tests, the default is for people.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conf.h"
#include "json.h"
#include "log.h"
#include "mime.h"
#include "reply.h"
#include "source.h"
#include "store.h"

#define TICKETCTL_CONF	"/etc/ticketd/ticketd.conf"

static char	*opt_conf = NULL;
static gboolean	 opt_json = FALSE;
static char	*opt_canned = NULL;
static gboolean	 opt_archive = FALSE;

static const GOptionEntry ctl_options[] = {
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_conf,
	    "Configuration file (default " TICKETCTL_CONF ")", "FILE" },
	{ "json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
	    "Print JSON", NULL },
	{ "canned", 0, 0, G_OPTION_ARG_STRING, &opt_canned,
	    "reply: the canned reply template to send", "NAME" },
	{ "archive", 0, 0, G_OPTION_ARG_NONE, &opt_archive,
	    "import: no acknowledgements, keep the mails' dates", NULL },
	{ NULL }
};

static void
ctl_ticket_fields(struct json *j, const struct store_ticket *t)
{
	json_key(j, "id");
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
	ctl_ticket_fields(j, t);
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

static int
ctl_list(struct store *st, struct conf *conf, int argc, char **argv)
{
	GPtrArray	*tickets = NULL;
	char		*cause = NULL;

	if (argc != 1)
		return EX_USAGE;
	st->ops->ticket_list(st, &tickets, &cause);
	return ctl_print_rows(tickets, cause, ctl_ticket_json, ctl_ticket_text);
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

static void
ctl_show_json(const struct store_ticket *t, GPtrArray *msgs, GPtrArray *events,
    GPtrArray *outbox)
{
	struct json	 j = { g_string_new(NULL), 0 };

	json_open(&j, '{');
	ctl_ticket_fields(&j, t);
	ctl_json_array(&j, "messages", msgs, ctl_message_json);
	ctl_json_array(&j, "events", events, ctl_event_json);
	ctl_json_array(&j, "outbox", outbox, ctl_outbox_json);
	json_close(&j, '}');
	printf("%s\n", j.out->str);
	g_string_free(j.out, TRUE);
}

static void
ctl_show_text(const struct store_ticket *t, GPtrArray *msgs, GPtrArray *events)
{
	char	*created = store_time_iso(t->created_at);

	printf("Ticket %" G_GINT64_FORMAT ": %s\nStatus: %s  Queue: %s  "
	    "Priority: %s%s\nRequester: %s <%s>\nCreated: %s\n", t->id,
	    t->subject, t->status, t->queue, t->priority,
	    t->attention ? "  NEEDS ATTENTION" : "", t->requester_name,
	    t->requester_addr, created);
	g_free(created);
	for (guint i = 0; i < msgs->len; i++) {
		struct store_message *m = g_ptr_array_index(msgs, i);

		printf("\n--- message %" G_GINT64_FORMAT " (%s) from %s <%s>\n",
		    m->id, m->direction, m->from_name, m->from_addr);
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
	for (guint i = 0; i < events->len; i++) {
		struct store_event	*e = g_ptr_array_index(events, i);
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

static int
ctl_show(struct store *st, struct conf *conf, int argc, char **argv)
{
	struct store_ticket	*t = NULL;
	GPtrArray		*msgs = NULL, *events = NULL, *outbox = NULL;
	char			*cause = NULL;
	gint64			 id;
	int			 found;

	if (argc != 2)
		return EX_USAGE;
	if ((id = ctl_ticket_id(argv[1])) <= 0)
		return EX_USAGE;
	found = st->ops->ticket_get(st, id, &t, &cause);
	if (found == 0) {
		fprintf(stderr, "ticketctl: no ticket %" G_GINT64_FORMAT "\n", id);
		return EX_DATAERR;
	}
	if (found < 0 || st->ops->message_list(st, id, &msgs, &cause) != 0 ||
	    st->ops->event_list(st, id, &events, &cause) != 0 ||
	    st->ops->outbox_list(st, id, &outbox, &cause) != 0) {
		fprintf(stderr, "ticketctl: %s\n", cause);
		g_free(cause);
		store_ticket_free(t);
		if (msgs != NULL)
			g_ptr_array_free(msgs, TRUE);
		if (events != NULL)
			g_ptr_array_free(events, TRUE);
		if (outbox != NULL)
			g_ptr_array_free(outbox, TRUE);
		return EX_SOFTWARE;
	}
	if (opt_json)
		ctl_show_json(t, msgs, events, outbox);
	else
		ctl_show_text(t, msgs, events);
	store_ticket_free(t);
	g_ptr_array_free(msgs, TRUE);
	g_ptr_array_free(events, TRUE);
	g_ptr_array_free(outbox, TRUE);
	return EX_OK;
}

static int
ctl_reply(struct store *st, struct conf *conf, int argc, char **argv)
{
	char	*cause = NULL;
	gint64	 id;

	if (argc != 2 || opt_canned == NULL || (id = ctl_ticket_id(argv[1])) <= 0)
		return EX_USAGE;
	mime_init();
	if (reply_keys_load(conf, st, &cause) != 0 ||
	    st->ops->begin(st, &cause) != 0) {
		fprintf(stderr, "ticketctl: %s\n", cause);
		g_free(cause);
		return EX_SOFTWARE;
	}
	if (reply_canned(st, conf, id, opt_canned, NULL,
	    g_get_real_time() / G_USEC_PER_SEC, &cause) != 0 ||
	    st->ops->commit(st, &cause) != 0) {
		st->ops->rollback(st);
		fprintf(stderr, "ticketctl: reply to ticket %" G_GINT64_FORMAT
		    ": %s\n", id, cause);
		g_free(cause);
		return EX_DATAERR;
	}
	printf("ticket %" G_GINT64_FORMAT ": canned reply %s queued\n", id,
	    opt_canned);
	return EX_OK;
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
	{ "list", "list [--json]", ctl_list },
	{ "show", "show N [--json]", ctl_show },
	{ "reply", "reply N --canned NAME", ctl_reply },
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

int
main(int argc, char **argv)
{
	GOptionContext		*ctx;
	GError			*error = NULL;
	const struct ctl_command *cmd = NULL;
	struct conf		*conf;
	struct store		*st;
	char			*cause = NULL;
	int			 status;

	ctx = g_option_context_new("COMMAND [ARGS] - ticketd admin tool");
	g_option_context_add_main_entries(ctx, ctl_options, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "ticketctl: %s\n", error->message);
		return EX_USAGE;
	}
	g_option_context_free(ctx);
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
