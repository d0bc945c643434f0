/*
 * reply: renders, builds and queues the mail ticketd sends, and decides
 * when an automatic reply must not go out.
 *
 * An acknowledgement answers the mail that opened a ticket. It goes out
 * with the null envelope sender and Auto-Submitted: auto-replied, so
 * that neither a bounce nor a well-behaved responder answers it, and it
 * is rate limited per address and per ticket for the ones that are not
 * well behaved. Our own loop marker catches mail we sent coming back.
 */
#include <string.h>

#include "bounce.h"
#include "conf.h"
#include "log.h"
#include "mime.h"
#include "reply.h"
#include "sla.h"
#include "store.h"
#include "tally.h"
#include "template.h"
#include "thread.h"

#define REPLY_LOOP_HEADER	"X-Ticketd-Loop"

/* Local parts that never want an automatic answer. */
static const char *const reply_robot_locals[] = {
	"mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply",
	"donotreply", "do-not-reply", "do_not_reply", "bounce", "bounces",
	NULL
};

static int
reply_is_robot(const char *addr)
{
	const char	*at = strrchr(addr, '@');
	char		*local = g_ascii_strdown(addr, at ? at - addr : -1);
	int		 robot = 0;

	for (const char *const *r = reply_robot_locals; *r && !robot; r++)
		robot = strcmp(local, *r) == 0;
	/* List software: owner-list@ and list-request@ (RFC 3834 3.1.3). */
	robot = robot || g_str_has_prefix(local, "owner-") ||
	    g_str_has_suffix(local, "-request") ||
	    g_str_has_prefix(local, "bounce-") || g_str_has_prefix(local, "bounces+");
	g_free(local);
	return robot;
}

/*
 * Does the first word of header name (lower case, without parameters)
 * equal one of values? With values NULL: is the header there at all?
 */
static int
reply_header_is(const struct mail *m, const char *name,
    const char *const *values)
{
	const char	*v = mail_header(m, name);
	char		*token;
	int		 match = 0;

	if (v == NULL || values == NULL)
		return v != NULL;
	token = g_strstrip(g_ascii_strdown(v, strcspn(v, ";")));
	for (; *values != NULL && !match; values++)
		match = strcmp(token, *values) == 0;
	g_free(token);
	return match;
}

const char *
reply_automatic(const struct mail *m)
{
	static const char *const no[] = { "no", NULL };
	static const char *const bulk[] = { "bulk", "junk", "list", NULL };
	static const char *const report[] = { "multipart/report", NULL };

	if (reply_header_is(m, "auto-submitted", NULL) &&
	    !reply_header_is(m, "auto-submitted", no))
		return "Auto-Submitted is not \"no\"";
	if (reply_header_is(m, "precedence", bulk))
		return "Precedence is bulk, junk or list";
	if (reply_header_is(m, "content-type", report))
		return "the mail is a delivery or read report";
	if (reply_header_is(m, "list-id", NULL) ||
	    reply_header_is(m, "list-unsubscribe", NULL))
		return "the mail came from a mailing list";
	if (reply_header_is(m, "x-auto-response-suppress", NULL))
		return "X-Auto-Response-Suppress asks for no automatic reply";
	if (reply_header_is(m, "x-ticketd-loop", NULL))
		return "the mail carries our loop marker";
	return NULL;
}

const char *
reply_suppress_reason(const struct conf *conf, const struct mail *m,
    const char *return_path)
{
	const char	*why;

	if (return_path == NULL || *return_path == '\0')
		return "empty return path";
	if ((why = reply_automatic(m)) != NULL)
		return why;
	if (reply_is_robot(return_path) || reply_is_robot(m->from_addr))
		return "the sender is a mailer daemon, postmaster or noreply "
		    "address";
	/* A From of only a name is a person: the requester is the envelope. */
	if (*m->from_addr == '\0' && *m->from_name == '\0')
		return "the mail has no From address";
	if (conf_queue_for_address(conf, m->from_addr) != NULL ||
	    conf_queue_for_address(conf, return_path) != NULL)
		return "the sender is one of our own queue addresses";
	return NULL;
}

int
reply_keys_load(struct conf *conf, struct store *st, char **cause)
{
	guint8		 key[THREAD_KEY_LEN];
	GChecksum	*sum;
	gsize		 len = THREAD_KEY_LEN;

	if (conf->secret == NULL) {
		if (store_thread_key(st, key, THREAD_KEY_LEN, cause) != 0)
			return -1;
	} else {
		sum = g_checksum_new(G_CHECKSUM_SHA256);
		g_checksum_update(sum, g_bytes_get_data(conf->secret, NULL),
		    g_bytes_get_size(conf->secret));
		g_checksum_get_digest(sum, key, &len);
		g_checksum_free(sum);
	}
	if (conf->msgid_keys != NULL)
		g_bytes_unref(conf->msgid_keys);
	return store_msgid_keys(st, key, THREAD_KEY_LEN, &conf->msgid_keys,
	    cause);
}

int
reply_msgid_verify(const struct conf *conf, const char *msgid, gint64 *id)
{
	gsize		 n;
	const guint8	*keys = conf_msgid_keys(conf, &n);

	return thread_msgid_verify_any(keys, n, msgid, id);
}

/* Is addr (lower case) named in the To or Cc text as a whole address? */
static int
reply_addressed_to(const struct mail *m, const char *addr)
{
	char	*hay = g_ascii_strdown(m->to, -1);
	char	*cc = g_ascii_strdown(m->cc, -1);
	char	*both = g_strconcat(hay, ", ", cc, NULL);
	gsize	 len = strlen(addr);
	int	 found = 0;

	for (char *p = strstr(both, addr); p != NULL && !found;
	    p = strstr(p + 1, addr))
		found = (p == both || strchr(" <,:\"", p[-1]) != NULL) &&
		    strchr(" >,;\"", p[len]) != NULL;
	g_free(hay);
	g_free(cc);
	g_free(both);
	return found;
}

/* The queue address the customer wrote to, else the queue's first. */
static const char *
reply_from_address(const struct conf_queue *q, const struct mail *m)
{
	for (char **a = q->addresses; m != NULL && *a != NULL; a++)
		if (reply_addressed_to(m, *a))
			return *a;
	return q->addresses[0];
}

/* RFC 5322 3.6.4: the parent's References (or In-Reply-To), then its id. */
static GPtrArray *
reply_references(const struct mail *parent)
{
	GPtrArray	*refs = g_ptr_array_new_with_free_func(g_free);

	if (parent == NULL)
		return refs;
	for (guint i = 0; i < parent->references->len; i++)
		g_ptr_array_add(refs, g_strdup(parent->references->pdata[i]));
	if (refs->len == 0 && parent->in_reply_to != NULL)
		g_ptr_array_add(refs, g_strdup(parent->in_reply_to));
	if (parent->message_id != NULL)
		g_ptr_array_add(refs, g_strdup(parent->message_id));
	return refs;
}

/* Hand s to keep, which frees it once the template is rendered. */
static const char *
reply_keep(GPtrArray *keep, char *s)
{
	g_ptr_array_add(keep, s);
	return s;
}

static const char *
reply_assignee_name(const struct conf *conf, const struct store_ticket *t)
{
	const struct conf_agent	*a;

	if (t->assignee == NULL)
		return "";
	a = conf_agent_by_name(conf, t->assignee);
	return a != NULL ? a->display_name : t->assignee;
}

/*
 * The acknowledgement's honest promise: the first-response deadline of
 * the ticket's [sla] policy, in the language the template will be
 * rendered in; NULL without a policy or a first_response target.
 */
static char *
reply_promise(const struct conf *conf, const struct reply_mail *rm)
{
	const struct conf_queue	*q = rm->queue;
	const struct conf_sla	*s = conf_sla_for(conf, q->name,
				    rm->ticket->priority);
	struct sla_calendar	 cal;
	gint64			 by;

	if (s == NULL || s->first_response == 0)
		return NULL;
	conf_sla_calendar(q, s, &cal);
	if ((by = sla_add(&cal, rm->received_at, s->first_response)) == -1)
		return NULL;
	return sla_format_promise(by, rm->received_at, q->timezone,
	    template_language(conf->templates, rm->template, rm->lang,
	    q->language));
}

/* What a template may say about the ticket, then what the caller adds. */
static void
reply_vars(const struct conf *conf, const struct reply_mail *rm,
    struct template_vars *v, GPtrArray *keep)
{
	const struct store_ticket *t = rm->ticket;
	GDateTime	*local = sla_local_time(rm->queue->timezone,
			    rm->received_at);

	memset(v, 0, sizeof *v);
	v->value[TV_TICKET_ID] = reply_keep(keep, g_strdup_printf("%" G_GINT64_FORMAT, t->id));
	v->value[TV_TAG] = reply_keep(keep, thread_tag_format(conf->subject_tag, t->id));
	v->value[TV_SUBJECT] = reply_keep(keep, thread_subject_clean(
	    conf->subject_tag, t->id, rm->parent && !rm->agent ?
	    rm->parent->subject : t->subject));
	v->value[TV_REQUESTER_NAME] = *t->requester_name ? t->requester_name :
	    t->requester_addr;
	v->value[TV_REQUESTER_ADDRESS] = t->requester_addr;
	v->value[TV_QUEUE] = *rm->queue->display_name ?
	    rm->queue->display_name : rm->queue->name;
	v->value[TV_PRIORITY] = t->priority;
	v->value[TV_RECEIVED] = reply_keep(keep, g_date_time_format(local,
	    "%Y-%m-%d %H:%M %Z"));
	v->value[TV_STATUS] = t->status;
	v->value[TV_TAGS] = reply_keep(keep, t->tags ? g_strjoinv(", ",
	    t->tags) : g_strdup(""));
	v->value[TV_ASSIGNEE] = reply_assignee_name(conf, t);
	v->flag[TF_AFTER_HOURS] = !sla_hours_open(&rm->queue->hours,
	    rm->queue->timezone, rm->received_at);
	v->flag[TF_ASSIGNED] = t->assignee != NULL;
	if (strcmp(rm->kind, "ack") == 0 && (v->value[TV_REPLY_BY] =
	    reply_keep(keep, reply_promise(conf, rm))) != NULL)
		v->flag[TF_REPLY_BY] = 1;
	for (int i = 0; rm->vars != NULL && i < TV_COUNT; i++)
		if (rm->vars->value[i] != NULL)
			v->value[i] = rm->vars->value[i];
	for (int i = 0; rm->vars != NULL && i < TF_COUNT; i++)
		v->flag[i] = v->flag[i] || rm->vars->flag[i];
	g_date_time_unref(local);
}

/* Template headers other than Subject go out as they are. */
static GPtrArray *
reply_headers(const struct conf *conf, const struct reply_mail *rm,
    const struct template_output *out, char **subject)
{
	GPtrArray	*h = g_ptr_array_new();
	const char	*text = rm->subject ? rm->subject : "";

	for (guint i = 0; out != NULL && i + 1 < out->headers->len; i += 2) {
		const char	*name = out->headers->pdata[i];

		if (g_ascii_strcasecmp(name, "Subject") == 0)
			text = out->headers->pdata[i + 1];
		else {
			g_ptr_array_add(h, (char *)name);
			g_ptr_array_add(h, out->headers->pdata[i + 1]);
		}
	}
	if (rm->automatic) {
		g_ptr_array_add(h, "Auto-Submitted");
		g_ptr_array_add(h, strcmp(rm->kind, "ack") == 0 ||
		    strcmp(rm->kind, "reply") == 0 ||
		    strcmp(rm->kind, "agent_error") == 0 ?
		    "auto-replied" : "auto-generated");
	}
	g_ptr_array_add(h, "X-Auto-Response-Suppress");
	g_ptr_array_add(h, "All");
	g_ptr_array_add(h, REPLY_LOOP_HEADER);
	g_ptr_array_add(h, conf->hostname);
	/* One tag and one "Re:", whatever the template and subject held. */
	*subject = thread_subject_reply(conf->subject_tag, rm->ticket->id, text);
	return h;
}

static const char *
reply_from(const struct reply_mail *rm)
{
	return reply_from_address(rm->queue, rm->agent ? NULL : rm->parent);
}

static struct mail *
reply_build(const struct conf *conf, const struct reply_mail *rm,
    const char *body, const struct template_output *out)
{
	/* The newest key signs; reply_send() checked there is one. */
	const guint8		*key = g_bytes_get_data(conf->msgid_keys, NULL);
	struct mime_draft	 d = { 0 };
	GPtrArray		*refs = reply_references(rm->parent);
	char			*msgid, *subject;
	struct mail		*sent;

	msgid = thread_msgid_make_agent(key, rm->ticket->id, rm->agent,
	    conf->hostname);
	d.from_name = rm->from_name ? rm->from_name : rm->queue->display_name;
	d.from_addr = reply_from(rm);
	d.to_name = rm->to_addr ? (rm->to_name ? rm->to_name : "") :
	    rm->ticket->requester_name;
	d.to_addr = rm->to_addr ? rm->to_addr : rm->ticket->requester_addr;
	d.cc = rm->cc;
	d.reply_to = rm->reply_to;
	d.message_id = msgid;
	d.in_reply_to = rm->parent ? rm->parent->message_id : NULL;
	d.references = refs;
	d.headers = reply_headers(conf, rm, out, &subject);
	d.subject = subject;
	d.body = body;
	d.attachments = rm->attachments;
	d.date = rm->now;
	sent = mime_build(&d);
	g_ptr_array_free(d.headers, TRUE);
	g_ptr_array_free(refs, TRUE);
	g_free(subject);
	g_free(msgid);
	return sent;
}

static const char *
reply_event_type(const char *kind)
{
	static const char *const types[][2] = {
		{ "ack", "ack_queued" }, { "reply", "reply_queued" },
		{ "agent_reply", "agent_reply_queued" },
		{ "notify", "notified" }, { "agent_error", "agent_error_queued" },
		{ "csat", "csat_queued" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(types); i++)
		if (strcmp(kind, types[i][0]) == 0)
			return types[i][1];
	return "mail_queued";
}

static int
reply_outbox_row(struct store *st, const struct reply_mail *rm,
    const struct mail *sent, const char *envelope_from, const char *rcpt,
    GString *ids, char **cause)
{
	struct store_outbox	 o = { 0 };

	o.ticket_id = rm->ticket->id;
	o.kind = (char *)rm->kind;
	o.envelope_from = (char *)envelope_from;
	o.rcpt = (char *)rcpt;
	o.message_id = sent->message_id;
	o.data = sent->raw;
	o.created_at = rm->now;
	if (st->ops->outbox_add(st, &o, cause) != 0)
		return -1;
	g_string_append_printf(ids, "%s%" G_GINT64_FORMAT, ids->len ? ", " : "",
	    o.id);
	return 0;
}

/* Outbox rows, outgoing message and event, all in the open transaction. */
static int
reply_store(struct store *st, const struct reply_mail *rm,
    const struct mail *sent, const char *what, char **cause)
{
	struct store_message_in	 in = { 0 };
	const char		*env = rm->envelope_from ? rm->envelope_from :
				    sent->from_addr;
	const char		*to = rm->to_addr ? rm->to_addr :
				    rm->ticket->requester_addr;
	GString			*ids = g_string_new(NULL);
	gint64			 message;
	char			*detail;
	int			 rc = -1;

	if (reply_outbox_row(st, rm, sent, env, to, ids, cause) != 0)
		goto out;
	for (guint i = 0; rm->cc != NULL && i < rm->cc->len; i++)
		if (reply_outbox_row(st, rm, sent, env, rm->cc->pdata[i], ids,
		    cause) != 0)
			goto out;
	in.ticket_id = rm->ticket->id;
	in.direction = "out";
	in.source = rm->kind;
	in.return_path = env;
	in.dedupe_key = sent->message_id;
	in.received_at = rm->now;
	in.mail = sent;
	in.author = rm->author;
	if (rm->on_ticket && st->ops->message_add(st, &in, &message, cause) != 0)
		goto out;
	detail = g_strdup_printf("%s to <%s>%s%s, outbox %s", what, to,
	    rm->cc && rm->cc->len ? " and " : "", rm->cc && rm->cc->len ?
	    "its Cc" : "", ids->str);
	rc = st->ops->event_add(st, rm->ticket->id, rm->now,
	    reply_event_type(rm->kind), detail, cause);
	g_free(detail);
out:
	g_string_free(ids, TRUE);
	return rc;
}

/* The template's body, below the preface when there is one. */
static char *
reply_body(const struct reply_mail *rm, const struct template_output *out)
{
	const char	*body = out ? out->body : rm->text ? rm->text : "";

	if (rm->preface == NULL)
		return g_strdup(body);
	return g_strdup_printf("%s\n\n%s", rm->preface, body);
}

int
reply_send(struct store *st, const struct conf *conf,
    const struct reply_mail *rm, char **cause)
{
	struct template_output	 out = { 0 };
	struct template_vars	 vars;
	GPtrArray		*keep = g_ptr_array_new_with_free_func(g_free);
	struct mail		*sent;
	char			*body, *what;
	int			 ret = 0;

	if (conf->msgid_keys == NULL) {
		*cause = g_strdup("no Message-ID key loaded");
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	if (rm->template != NULL) {
		reply_vars(conf, rm, &vars, keep);
		ret = template_render(conf->templates, rm->template, rm->lang,
		    rm->queue->language, &vars, &out, cause);
	}
	g_ptr_array_free(keep, TRUE);
	if (ret != 0)
		return -1;
	body = reply_body(rm, rm->template ? &out : NULL);
	sent = reply_build(conf, rm, body, rm->template ? &out : NULL);
	what = rm->template ? g_strdup_printf("%s \"%s\" (%s)", rm->kind,
	    rm->template, out.lang) : g_strdup(rm->kind);
	ret = reply_store(st, rm, sent, what, cause);
	if (ret == 0 && rm->sent_msgid != NULL)
		*rm->sent_msgid = g_strdup(sent->message_id);
	g_free(what);
	g_free(body);
	template_output_clear(&out);
	mail_free(sent);
	return ret;
}

/* Over any per-address or per-ticket window? Sets *why. */
static int
reply_over_limit(struct store *st, const struct conf *conf, const char *addr,
    gint64 ticket, gint64 now, char **why, char **cause)
{
	const GArray	*lists[] = { conf->limit_address, conf->limit_ticket };

	*why = NULL;
	for (guint l = 0; l < 2; l++)
		for (guint i = 0; i < lists[l]->len && *why == NULL; i++) {
			struct conf_limit lim = g_array_index(lists[l],
			    struct conf_limit, i);
			guint	 to_address, for_ticket;

			if (st->ops->autoreply_count(st, addr, ticket,
			    now - lim.seconds, &to_address, &for_ticket,
			    cause) != 0)
				return -1;
			if ((l == 0 ? to_address : for_ticket) >= lim.count)
				*why = g_strdup_printf("rate limit: %u per %us %s",
				    lim.count, lim.seconds, l == 0 ?
				    "to this address" : "for this ticket");
		}
	return 0;
}

static int
reply_suppressed(struct store *st, gint64 ticket, gint64 now, const char *why,
    char **cause)
{
	log_info("ticket %" G_GINT64_FORMAT ": no acknowledgement: %s", ticket,
	    why);
	tally_count(TALLY_ACK_SUPPRESSED, 1);
	return st->ops->event_add(st, ticket, now, "ack_suppressed", why, cause);
}

int
reply_ack(struct store *st, const struct conf *conf,
    const struct reply_trigger *trig, int *queued, char **cause)
{
	const struct conf_queue	*q = conf_queue_by_name(conf, trig->queue);
	struct store_ticket	*t = NULL;
	struct reply_mail	 rm = { 0 };
	const char		*why;
	char			*limit = NULL;
	int			 ret;

	*queued = 0;
	if (q == NULL || !q->acknowledge || conf->smtp_url == NULL ||
	    conf->templates == NULL)
		return 0;
	if ((why = trig->why_not) != NULL ||
	    (why = reply_suppress_reason(conf, trig->mail,
	    trig->return_path)) != NULL)
		return reply_suppressed(st, trig->ticket_id, trig->received_at,
		    why, cause);
	if (st->ops->ticket_get(st, trig->ticket_id, &t, cause) != 1)
		return -1;
	if (reply_over_limit(st, conf, t->requester_addr, t->id,
	    trig->received_at, &limit, cause) != 0 || (limit == NULL &&
	    bounce_held(st, conf, t->requester_addr, trig->received_at, &limit,
	    cause) == -1)) {
		store_ticket_free(t);
		return -1;
	}
	if (limit != NULL) {
		ret = reply_suppressed(st, t->id, trig->received_at, limit, cause);
		g_free(limit);
		store_ticket_free(t);
		return ret;
	}
	rm.kind = "ack";
	rm.ticket = t;
	rm.queue = q;
	rm.parent = trig->mail;
	rm.template = "ack";
	rm.lang = template_detect_language(trig->mail->content_language,
	    trig->mail->body);
	rm.envelope_from = conf->ack_envelope_sender;
	rm.automatic = 1;
	rm.on_ticket = 1;
	rm.received_at = rm.now = trig->received_at;
	ret = reply_send(st, conf, &rm, cause);
	if (ret == 0)
		ret = st->ops->autoreply_add(st, t->requester_addr, t->id,
		    trig->received_at, cause);
	*queued = ret == 0;
	store_ticket_free(t);
	return ret;
}

struct mail *
reply_last_incoming(struct store *st, const struct conf *conf, gint64 id,
    gint64 *received, char **cause)
{
	GPtrArray	*msgs;
	struct mail	*m = NULL;

	*cause = NULL;
	if (st->ops->message_list(st, id, &msgs, cause) != 0)
		return NULL;
	for (guint i = msgs->len; i > 0 && m == NULL; i--) {
		struct store_message *sm = msgs->pdata[i - 1];
		GBytes	*raw;

		if (strcmp(sm->direction, "in") != 0)
			continue;
		if (st->ops->message_raw(st, sm->id, &raw, cause) != 1)
			break;
		m = mime_parse(raw, conf->fallback_charset);
		g_bytes_unref(raw);
		*received = sm->received_at;
	}
	g_ptr_array_free(msgs, TRUE);
	return m;
}

const struct conf_queue *
reply_queue_of(const struct conf *conf, const struct store_ticket *t)
{
	const struct conf_queue	*q = conf_queue_by_name(conf, t->queue);

	return q != NULL ? q : conf->queues->pdata[0];
}

/* Queue canned reply name on ticket t: by author, or automatic. */
static int
reply_canned_send(struct store *st, const struct conf *conf,
    struct store_ticket *t, const char *name, const char *author,
    const struct reply_auto *au, gint64 now, char **cause)
{
	struct reply_mail	 rm = { 0 };
	struct mail		*parent;
	gint64			 received = now;
	int			 ret;

	parent = reply_last_incoming(st, conf, t->id, &received, cause);
	if (parent == NULL && *cause != NULL)
		return -1;
	rm.kind = "reply";
	rm.ticket = t;
	rm.queue = reply_queue_of(conf, t);
	rm.parent = parent;
	rm.template = name;
	rm.lang = parent ? template_detect_language(parent->content_language,
	    parent->body) : NULL;
	rm.author = author;
	rm.on_ticket = 1;
	rm.received_at = received;
	rm.now = now;
	if (au != NULL) {
		rm.kind = au->kind;
		rm.vars = au->vars;
		rm.sent_msgid = au->sent_msgid;
		rm.automatic = 1;
		rm.envelope_from = conf->ack_envelope_sender;
	}
	ret = reply_send(st, conf, &rm, cause);
	if (parent != NULL)
		mail_free(parent);
	return ret;
}

/* Ticket id, with canned reply name there to send; 1, 0 or -1. */
static int
reply_canned_ticket(struct store *st, const struct conf *conf, gint64 id,
    const char *name, struct store_ticket **t, char **cause)
{
	int	 found;

	if (conf->templates == NULL || !template_exists(conf->templates, name)) {
		*cause = g_strdup_printf("no template %s.LANG.txt in %s", name,
		    conf->templates_dir ? conf->templates_dir : "(templates unset)");
		return -1;
	}
	if ((found = st->ops->ticket_get(st, id, t, cause)) == 0)
		*cause = g_strdup_printf("no ticket %" G_GINT64_FORMAT, id);
	return found == 1 ? 0 : -1;
}

int
reply_canned(struct store *st, const struct conf *conf, gint64 id,
    const char *name, const char *author, gint64 now, char **cause)
{
	struct store_ticket	*t = NULL;
	int			 ret;

	if (reply_canned_ticket(st, conf, id, name, &t, cause) != 0)
		return -1;
	ret = reply_canned_send(st, conf, t, name, author, NULL, now, cause);
	store_ticket_free(t);
	return ret;
}

int
reply_canned_auto(struct store *st, const struct conf *conf, gint64 id,
    const char *name, gint64 now, char **why, char **cause)
{
	struct reply_auto	 au = { "reply", NULL, NULL };

	return reply_auto_send(st, conf, id, name, &au, now, why, cause);
}

int
reply_auto_send(struct store *st, const struct conf *conf, gint64 id,
    const char *name, const struct reply_auto *au, gint64 now, char **why,
    char **cause)
{
	struct store_ticket	*t = NULL;
	int			 ret;

	*why = NULL;
	if (reply_canned_ticket(st, conf, id, name, &t, cause) != 0)
		return -1;
	if (reply_over_limit(st, conf, t->requester_addr, t->id, now, why,
	    cause) != 0 || (*why == NULL && bounce_held(st, conf,
	    t->requester_addr, now, why, cause) == -1))
		ret = -1;
	else if (*why != NULL)
		ret = 0;
	else if ((ret = reply_canned_send(st, conf, t, name, NULL, au, now,
	    cause)) == 0)
		ret = st->ops->autoreply_add(st, t->requester_addr, t->id, now,
		    cause) == 0 ? 1 : -1;
	store_ticket_free(t);
	return ret;
}
