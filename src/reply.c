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

static const char *
reply_suppress_header(const struct mail *m)
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
	if ((why = reply_suppress_header(m)) != NULL)
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
	gsize	 len;
	const guint8 *keys;

	if (conf->msgid_keys == NULL)
		return 0;
	keys = g_bytes_get_data(conf->msgid_keys, &len);
	return thread_msgid_verify_any(keys, len / THREAD_KEY_LEN, msgid, id);
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

/* What a template may say about the ticket. */
struct reply_context {
	const struct conf	*conf;
	const struct conf_queue	*queue;
	const struct store_ticket *ticket;
	const struct mail	*parent;	/* the mail we answer, or NULL */
	gint64			 received_at;
	const char		*kind;		/* ack, reply */
	const char		*template;
	const char		*envelope_from;
	int			 automatic;
	gint64			 now;
};

/* Hand s to keep, which frees it once the template is rendered. */
static const char *
reply_keep(GPtrArray *keep, char *s)
{
	g_ptr_array_add(keep, s);
	return s;
}

static void
reply_vars(const struct reply_context *rc, struct template_vars *v,
    GPtrArray *keep)
{
	const struct store_ticket *t = rc->ticket;
	GDateTime	*utc = g_date_time_new_from_unix_utc(rc->received_at);
	GDateTime	*local = g_date_time_to_timezone(utc, rc->queue->timezone);
	char		*s;

	memset(v, 0, sizeof *v);
	v->value[TV_TICKET_ID] = reply_keep(keep, g_strdup_printf("%" G_GINT64_FORMAT, t->id));
	v->value[TV_TAG] = reply_keep(keep, thread_tag_format(rc->conf->subject_tag, t->id));
	v->value[TV_SUBJECT] = reply_keep(keep, thread_subject_clean(
	    rc->conf->subject_tag, t->id, rc->parent ? rc->parent->subject :
	    t->subject));
	v->value[TV_REQUESTER_NAME] = *t->requester_name ? t->requester_name :
	    t->requester_addr;
	v->value[TV_REQUESTER_ADDRESS] = t->requester_addr;
	v->value[TV_QUEUE] = *rc->queue->display_name ?
	    rc->queue->display_name : rc->queue->name;
	v->value[TV_PRIORITY] = t->priority;
	s = g_date_time_format(local, "%Y-%m-%d %H:%M %Z");
	v->value[TV_RECEIVED] = reply_keep(keep, s);
	v->flag[TF_AFTER_HOURS] = !sla_hours_open(&rc->queue->hours,
	    rc->queue->timezone, rc->received_at);
	g_date_time_unref(local);
	g_date_time_unref(utc);
}

/* Template headers other than Subject go out as they are. */
static GPtrArray *
reply_headers(const struct reply_context *rc, const struct template_output *out,
    char **subject)
{
	GPtrArray	*h = g_ptr_array_new();
	const char	*text = "";

	for (guint i = 0; i + 1 < out->headers->len; i += 2) {
		const char	*name = out->headers->pdata[i];

		if (g_ascii_strcasecmp(name, "Subject") == 0)
			text = out->headers->pdata[i + 1];
		else {
			g_ptr_array_add(h, (char *)name);
			g_ptr_array_add(h, out->headers->pdata[i + 1]);
		}
	}
	if (rc->automatic) {
		g_ptr_array_add(h, "Auto-Submitted");
		g_ptr_array_add(h, strcmp(rc->kind, "ack") == 0 ?
		    "auto-replied" : "auto-generated");
	}
	g_ptr_array_add(h, "X-Auto-Response-Suppress");
	g_ptr_array_add(h, "All");
	g_ptr_array_add(h, REPLY_LOOP_HEADER);
	g_ptr_array_add(h, rc->conf->hostname);
	/* One tag and one "Re:", whatever the template and subject held. */
	*subject = thread_subject_reply(rc->conf->subject_tag, rc->ticket->id,
	    text);
	return h;
}

static struct mail *
reply_build(const struct reply_context *rc, const struct template_output *out)
{
	/* The newest key signs; reply_queue() checked there is one. */
	const guint8		*key = g_bytes_get_data(rc->conf->msgid_keys,
				    NULL);
	struct mime_draft	 d = { 0 };
	GPtrArray		*refs = reply_references(rc->parent);
	char			*msgid, *subject;
	struct mail		*sent;

	msgid = thread_msgid_make(key, rc->ticket->id, rc->conf->hostname);
	d.from_name = rc->queue->display_name;
	d.from_addr = reply_from_address(rc->queue, rc->parent);
	d.to_name = rc->ticket->requester_name;
	d.to_addr = rc->ticket->requester_addr;
	d.message_id = msgid;
	d.in_reply_to = rc->parent ? rc->parent->message_id : NULL;
	d.references = refs;
	d.headers = reply_headers(rc, out, &subject);
	d.subject = subject;
	d.body = out->body;
	d.date = rc->now;
	sent = mime_build(&d);
	g_ptr_array_free(d.headers, TRUE);
	g_ptr_array_free(refs, TRUE);
	g_free(subject);
	g_free(msgid);
	return sent;
}

/* Outbox row, outgoing message and event, all in the open transaction. */
static int
reply_store(struct store *st, const struct reply_context *rc,
    const struct mail *sent, const char *lang, char **cause)
{
	struct store_outbox	 o = { 0 };
	struct store_message_in	 in = { 0 };
	gint64			 message;
	char			*detail;
	int			 rc_ = -1;

	o.ticket_id = rc->ticket->id;
	o.kind = (char *)rc->kind;
	o.envelope_from = (char *)rc->envelope_from;
	o.rcpt = rc->ticket->requester_addr;
	o.message_id = sent->message_id;
	o.data = sent->raw;
	o.created_at = rc->now;
	in.ticket_id = rc->ticket->id;
	in.direction = "out";
	in.source = rc->kind;
	in.return_path = rc->envelope_from;
	in.dedupe_key = sent->message_id;
	in.received_at = rc->now;
	in.mail = sent;
	if (st->ops->outbox_add(st, &o, cause) == 0 &&
	    st->ops->message_add(st, &in, &message, cause) == 0) {
		detail = g_strdup_printf("%s \"%s\" (%s) to <%s>, outbox %"
		    G_GINT64_FORMAT, rc->kind, rc->template, lang,
		    rc->ticket->requester_addr, o.id);
		rc_ = st->ops->event_add(st, rc->ticket->id, rc->now,
		    strcmp(rc->kind, "ack") == 0 ? "ack_queued" : "reply_queued",
		    detail, cause);
		g_free(detail);
	}
	return rc_;
}

static int
reply_queue(struct store *st, const struct reply_context *rc,
    const char *want_lang, char **cause)
{
	struct template_output	 out = { 0 };
	struct template_vars	 vars;
	GPtrArray		*keep = g_ptr_array_new_with_free_func(g_free);
	struct mail		*sent;
	int			 ret;

	if (rc->conf->msgid_keys == NULL) {
		*cause = g_strdup("no Message-ID key loaded");
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	reply_vars(rc, &vars, keep);
	ret = template_render(rc->conf->templates, rc->template, want_lang,
	    rc->queue->language, &vars, &out, cause);
	g_ptr_array_free(keep, TRUE);
	if (ret != 0)
		return -1;
	sent = reply_build(rc, &out);
	ret = reply_store(st, rc, sent, out.lang, cause);
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
	return st->ops->event_add(st, ticket, now, "ack_suppressed", why, cause);
}

int
reply_ack(struct store *st, const struct conf *conf,
    const struct reply_trigger *trig, int *queued, char **cause)
{
	const struct conf_queue	*q = conf_queue_by_name(conf, trig->queue);
	struct store_ticket	*t = NULL;
	struct reply_context	 rc = { 0 };
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
	rc = (struct reply_context){ conf, q, t, trig->mail, trig->received_at,
	    "ack", "ack", conf->ack_envelope_sender, 1, trig->received_at };
	ret = reply_queue(st, &rc, template_detect_language(
	    trig->mail->content_language, trig->mail->body), cause);
	if (ret == 0)
		ret = st->ops->autoreply_add(st, t->requester_addr, t->id,
		    trig->received_at, cause);
	*queued = ret == 0;
	store_ticket_free(t);
	return ret;
}

/* The newest incoming mail of the ticket, parsed again from its raw form. */
static struct mail *
reply_last_incoming(struct store *st, const struct conf *conf, gint64 id,
    gint64 *received, char **cause)
{
	GPtrArray	*msgs;
	struct mail	*m = NULL;

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

int
reply_canned(struct store *st, const struct conf *conf, gint64 id,
    const char *name, gint64 now, char **cause)
{
	struct store_ticket	*t = NULL;
	const struct conf_queue	*q;
	struct reply_context	 rc = { 0 };
	struct mail		*parent;
	gint64			 received = now;
	int			 ret, found;

	if (conf->templates == NULL || !template_exists(conf->templates, name)) {
		*cause = g_strdup_printf("no template %s.LANG.txt in %s", name,
		    conf->templates_dir ? conf->templates_dir : "(templates unset)");
		return -1;
	}
	if ((found = st->ops->ticket_get(st, id, &t, cause)) != 1) {
		if (found == 0)
			*cause = g_strdup_printf("no ticket %" G_GINT64_FORMAT, id);
		return -1;
	}
	if ((q = conf_queue_by_name(conf, t->queue)) == NULL)
		q = conf->queues->pdata[0];
	parent = reply_last_incoming(st, conf, id, &received, cause);
	if (parent == NULL && *cause != NULL) {
		store_ticket_free(t);
		return -1;
	}
	rc = (struct reply_context){ conf, q, t, parent, received, "reply", name,
	    NULL, 0, now };
	rc.envelope_from = reply_from_address(q, parent);
	ret = reply_queue(st, &rc, parent ? template_detect_language(
	    parent->content_language, parent->body) : NULL, cause);
	if (parent != NULL)
		mail_free(parent);
	store_ticket_free(t);
	return ret;
}
