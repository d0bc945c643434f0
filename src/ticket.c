/*
 * ticket: the ticket policy for incoming mail (see ticket.h): dedupe,
 * which ticket a mail joins, who takes part in a ticket, and what is
 * recorded about each decision.
 *
 * The order of evidence: the same mail stored before; In-Reply-To, then
 * References from the newest; a stored mail that cites this one; the
 * subject tag. A cited Message-ID or a tag only counts for a sender who
 * is a participant of the ticket; our own signed Message-IDs count for
 * anyone, since only someone who received our mail can quote one.
 */
#include <string.h>

#include "agent.h"
#include "bounce.h"
#include "conf.h"
#include "dsn.h"
#include "lifecycle.h"
#include "log.h"
#include "mime.h"
#include "notify.h"
#include "quote.h"
#include "reply.h"
#include "rules.h"
#include "store.h"
#include "tally.h"
#include "template.h"
#include "ticket.h"

/* Header fields that transport adds on the way: not part of the mail. */
static const char *const ticket_trace_fields[] = {
	"received", "return-path", "delivered-to", "x-original-to",
	"envelope-to", "x-envelope-from", "x-envelope-to", "x-delivered-to",
};

static int
ticket_trace_field(const char *line, gsize len)
{
	const char	*colon = memchr(line, ':', len);

	if (colon == NULL)
		return 0;
	for (gsize i = 0; i < G_N_ELEMENTS(ticket_trace_fields); i++)
		if ((gsize)(colon - line) == strlen(ticket_trace_fields[i]) &&
		    g_ascii_strncasecmp(line, ticket_trace_fields[i],
		    colon - line) == 0)
			return 1;
	return 0;
}

/* SHA-256 of the mail without trace fields, every line ended by LF. */
static char *
ticket_content_digest(GBytes *raw)
{
	GChecksum	*sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize		 size, len;
	const char	*p = g_bytes_get_data(raw, &size), *end, *nl;
	int		 in_header = 1, skipping = 0;
	char		*key;

	/* An empty mail has no data pointer to count from. */
	end = p != NULL ? p + size : NULL;
	while (p != NULL && p < end) {
		nl = memchr(p, '\n', end - p);
		len = (nl ? nl : end) - p;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (in_header && len == 0)
			in_header = 0;
		if (in_header && *p != ' ' && *p != '\t')
			skipping = ticket_trace_field(p, len);
		if (!in_header || !skipping) {
			g_checksum_update(sum, (const guchar *)p, len);
			g_checksum_update(sum, (const guchar *)"\n", 1);
		}
		p = nl ? nl + 1 : end;
	}
	key = g_strdup_printf("sha256:%s", g_checksum_get_string(sum));
	g_checksum_free(sum);
	return key;
}

static char *
ticket_full_dedupe_key(const struct mail *m)
{
	char	*from, *date, *key;

	if (m->message_id == NULL || *m->message_id == '\0')
		return ticket_content_digest(m->raw);
	from = g_utf8_strdown(m->from_addr, -1);
	date = m->date ? g_date_time_format(m->date, "%Y-%m-%dT%H:%M:%SZ") :
	    g_strdup("");
	/* The same form as the migration that rewrote older keys. */
	key = g_strdup_printf("%s\n%s\n%s", m->message_id, from, date);
	g_free(from);
	g_free(date);
	return key;
}

/*
 * Only the headers of a mail too big to fetch: keyed apart, so the
 * whole mail is still stored when it comes another way.
 */
char *
ticket_dedupe_key(const struct mail *m, int partial)
{
	char	*key = ticket_full_dedupe_key(m), *p;

	if (!partial)
		return key;
	p = g_strconcat("partial:", key, NULL);
	g_free(key);
	return p;
}

void
ticket_decision_clear(struct ticket_decision *d)
{
	g_free(d->ref);
	g_free(d->sender);
	g_free(d->refused_why);
	g_free(d->agent_why);
	g_free(d->agent_queue);
	if (d->related != NULL)
		g_array_free(d->related, TRUE);
	csat_rating_clear(&d->csat);
	memset(d, 0, sizeof *d);
}

/* The same mail again; one of ours coming back counts too. */
static int
ticket_find_duplicate(struct store *st,
    const struct ticket_mail *tm, struct ticket_decision *d, char **cause)
{
	const char	*msgid = tm->mail->message_id;
	gint64		 ours;
	int		 found;

	found = st->ops->message_find(st, tm->dedupe_key, &d->message_id,
	    &d->ticket_id, cause);
	if (found == 0 && msgid != NULL && reply_msgid_verify(tm->conf, msgid, &ours))
		found = st->ops->message_find(st, msgid, &d->message_id,
		    &d->ticket_id, cause);
	if (found == 1)
		d->outcome = TICKET_DUPLICATE;
	return found;
}

static void
ticket_refuse(struct ticket_decision *d, gint64 ticket, char *why)
{
	if (d->refused_ticket != 0) {
		g_free(why);
		return;
	}
	d->refused_ticket = ticket;
	d->refused_why = why;
}

static int
ticket_join(struct ticket_decision *d, gint64 ticket, const char *how,
    const char *ref)
{
	d->outcome = TICKET_FOLLOW_UP;
	d->ticket_id = ticket;
	d->how = how;
	d->ref = g_strdup(ref);
	return 1;
}

/* Does msgid lead to a ticket this sender may join? 1, 0 or -1. */
static int
ticket_match_msgid(struct store *st, const struct conf *conf,
    struct ticket_decision *d, const char *msgid, const char *how,
    char **cause)
{
	gint64	 ticket;
	int	 found;

	if (reply_msgid_verify(conf, msgid, &ticket) &&
	    (found = st->ops->ticket_exists(st, ticket, cause)) != 0)
		return found < 0 ? -1 : ticket_join(d, ticket, how, msgid);
	if ((found = st->ops->msgid_ticket(st, msgid, d->sender, &ticket,
	    cause)) != 1)
		return found;
	if ((found = st->ops->participant_find(st, ticket, d->sender,
	    cause)) != 0)
		return found < 0 ? -1 : ticket_join(d, ticket, how, msgid);
	ticket_refuse(d, ticket, g_strdup_printf("cites <%s> of ticket %"
	    G_GINT64_FORMAT ", but <%s> is not a participant of it", msgid,
	    ticket, d->sender));
	return 0;
}

static int
ticket_match_references(struct store *st,
    const struct ticket_mail *tm, struct ticket_decision *d, char **cause)
{
	const struct mail	*m = tm->mail;
	int			 found;

	if (m->in_reply_to != NULL && (found = ticket_match_msgid(st, tm->conf, d,
	    m->in_reply_to, "in-reply-to", cause)) != 0)
		return found;
	for (guint i = m->references->len; i > 0; i--)
		if ((found = ticket_match_msgid(st, tm->conf, d,
		    m->references->pdata[i - 1], "references", cause)) != 0)
			return found;
	return 0;
}

static int
ticket_mail_names(const struct mail *m, const char *address)
{
	return g_ptr_array_find_with_equal_func(m->addresses, address,
	    g_str_equal, NULL);
}

/* Another ticket whose mail answers this one: it is told, not merged. */
static void
ticket_relate(struct ticket_decision *d, gint64 ticket)
{
	if (ticket == d->ticket_id)
		return;
	if (d->related == NULL)
		d->related = g_array_new(FALSE, FALSE, sizeof(gint64));
	for (guint i = 0; i < d->related->len; i++)
		if (g_array_index(d->related, gint64, i) == ticket)
			return;
	g_array_append_val(d->related, ticket);
}

/*
 * A stored mail that cites this one: a reply that came first. Its
 * sender would have been a participant had this mail come first if it
 * is on this mail's From, To or Cc; then this mail joins its ticket (the
 * oldest such), and other tickets of such replies are named.
 */
static int
ticket_match_cited_by(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, char **cause)
{
	const char	*msgid = tm->mail->message_id;
	GPtrArray	*refs;
	int		 found = 0;

	if (msgid == NULL || st->ops->msgid_referrers(st, msgid, &refs,
	    cause) != 0)
		return msgid == NULL ? 0 : -1;
	for (guint i = 0; i < refs->len; i++) {
		struct store_referrer	*r = refs->pdata[i];
		char			*from = g_utf8_strdown(r->from_addr, -1);

		if (!ticket_mail_names(tm->mail, from))
			ticket_refuse(d, r->ticket_id, g_strdup_printf(
			    "is cited by <%s> of ticket %" G_GINT64_FORMAT
			    ", whose sender <%s> is not on this mail",
			    r->msgid ? r->msgid : "", r->ticket_id, from));
		else if (found)
			ticket_relate(d, r->ticket_id);
		else
			found = ticket_join(d, r->ticket_id, "a reply stored "
			    "before it", r->msgid);
		g_free(from);
	}
	g_ptr_array_free(refs, TRUE);
	return found;
}

/* A subject tag is a hint: it joins only for a participant. */
static int
ticket_match_tag(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, char **cause)
{
	gint64	 ticket;
	int	 found;

	if (!thread_tag_find(tm->conf->subject_tag, tm->mail->subject, &ticket))
		return 0;
	if ((found = st->ops->ticket_exists(st, ticket, cause)) != 1)
		return found;
	if ((found = st->ops->participant_find(st, ticket, d->sender,
	    cause)) == 0)
		d->foreign_tag = ticket;
	return found < 0 ? -1 : found == 0 ? 0 :
	    ticket_join(d, ticket, "subject tag", NULL);
}

/* A delivery status notification that returns mail we signed. */
static int
ticket_match_bounce(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, char **cause)
{
	const char	*orig = tm->dsn ? tm->dsn->original_msgid : NULL;
	gint64		 ticket;
	int		 found;

	if (orig == NULL || !reply_msgid_verify(tm->conf, orig, &ticket))
		return 0;
	if ((found = st->ops->ticket_exists(st, ticket, cause)) != 1)
		return found;
	d->bounce = 1;
	return ticket_join(d, ticket, "delivery status notification", orig);
}

static void
ticket_refuse_agent(struct ticket_decision *d, char *why)
{
	d->agent = AGENT_FORGED;
	d->agent_who = NULL;
	g_free(d->agent_why);
	d->agent_why = why;
}

/*
 * An agent's mail acts on the ticket its token names, if that still
 * exists and lies in the agent's queues. 1 when it does.
 */
static int
ticket_match_agent(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, char **cause)
{
	struct agent_evidence	 ev;
	struct store_ticket	*t = NULL;
	int			 found;

	agent_recognise(tm->conf, tm->mail, tm->deliveries, &ev);
	d->agent = ev.verdict;
	d->agent_who = ev.agent;
	d->agent_why = g_steal_pointer(&ev.why);
	if (ev.verdict == AGENT_VERIFIED &&
	    (found = st->ops->ticket_get(st, ev.ticket_id, &t, cause)) != 1) {
		if (found < 0)
			return -1;
		ticket_refuse_agent(d, g_strdup_printf("its token names ticket %"
		    G_GINT64_FORMAT ", which does not exist", ev.ticket_id));
	} else if (ev.verdict == AGENT_VERIFIED &&
	    !conf_agent_serves(ev.agent, t->queue))
		ticket_refuse_agent(d, g_strdup_printf("agent %s does not work "
		    "in queue %s", ev.agent->name, t->queue));
	else if (ev.verdict == AGENT_VERIFIED) {
		d->outcome = TICKET_AGENT;
		d->ticket_id = ev.ticket_id;
		d->how = ev.how;
		d->agent_queue = g_strdup(t->queue);
	}
	store_ticket_free(t);
	agent_evidence_clear(&ev);
	return d->outcome == TICKET_AGENT;
}

/* A customer on To is a participant: the agent's copy goes there. */
static int
ticket_copy_joins(struct store *st, const struct ticket_mail *tm,
    gint64 ticket, char **cause)
{
	GPtrArray	*to = tm->mail->to_addrs;
	int		 found = 0;

	for (guint i = 0; i < to->len && found == 0; i++)
		found = st->ops->participant_find(st, ticket, to->pdata[i],
		    cause);
	return found;
}

/*
 * An agent's own mail to a customer, a queue on Cc: the ticket of the
 * mail it answers, or the one its subject names, when the customer it
 * goes to takes part in it.
 */
static int
ticket_match_copy(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, char **cause)
{
	const struct mail	*m = tm->mail;
	gint64			 ticket;
	int			 found = 0;

	for (guint i = m->references->len + 1; i > 0; i--) {
		const char	*ref = i > m->references->len ? m->in_reply_to :
				    m->references->pdata[i - 1];

		if (ref == NULL || (!reply_msgid_verify(tm->conf, ref, &ticket) &&
		    (found = st->ops->msgid_ticket(st, ref, NULL, &ticket,
		    cause)) != 1)) {
			if (ref != NULL && found < 0)
				return -1;
			continue;
		}
		if ((found = ticket_copy_joins(st, tm, ticket, cause)) != 0)
			return found < 0 ? -1 : ticket_join(d, ticket,
			    "the agent's copy", ref);
	}
	if (!thread_tag_find(tm->conf->subject_tag, m->subject, &ticket) ||
	    (found = st->ops->ticket_exists(st, ticket, cause)) == 0)
		return 0;
	if (found < 0 || (found = ticket_copy_joins(st, tm, ticket, cause)) <= 0)
		return found;
	return ticket_join(d, ticket, "the agent's copy", NULL);
}

/* A customer's mail to a closed ticket opens a new one that links it. */
static int
ticket_check_closed(struct store *st, struct ticket_decision *d, char **cause)
{
	struct store_ticket	*t;
	int			 found;

	if (d->outcome != TICKET_FOLLOW_UP || d->bounce ||
	    d->agent == AGENT_COPY)
		return 0;
	if ((found = st->ops->ticket_get(st, d->ticket_id, &t, cause)) != 1)
		return found;
	if (strcmp(t->status, "closed") == 0) {
		d->closed = d->ticket_id;
		d->ticket_id = 0;
		d->outcome = TICKET_NEW;
	}
	store_ticket_free(t);
	return 0;
}

/* A satisfaction rating joins the ticket it rates, closed or not. */
static int
ticket_match_rating(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, char **cause)
{
	int	 found;

	if ((found = csat_recognise(st, tm->conf, tm->mail, tm->deliveries,
	    &d->csat, cause)) != 1)
		return found;
	d->outcome = TICKET_FOLLOW_UP;
	d->ticket_id = d->csat.ticket;
	d->how = "satisfaction rating";
	return 1;
}

int
ticket_decide(struct store *st,
    const struct ticket_mail *tm, struct ticket_decision *d, char **cause)
{
	const char	*sender = *tm->mail->from_addr ? tm->mail->from_addr :
			    tm->return_path;
	int		 found;

	memset(d, 0, sizeof *d);
	d->sender = g_utf8_strdown(sender, -1);
	if ((found = ticket_find_duplicate(st, tm, d, cause)) != 0 ||
	    (found = ticket_match_agent(st, tm, d, cause)) != 0 ||
	    (found = ticket_match_rating(st, tm, d, cause)) != 0)
		return found < 0 ? -1 : 0;
	if (d->agent == AGENT_COPY)
		found = ticket_match_copy(st, tm, d, cause);
	else if ((found = ticket_match_bounce(st, tm, d, cause)) == 0 &&
	    (found = ticket_match_references(st, tm, d, cause)) == 0 &&
	    (found = ticket_match_cited_by(st, tm, d, cause)) == 0)
		found = ticket_match_tag(st, tm, d, cause);
	if (found == 0)
		d->outcome = TICKET_NEW;
	if (found < 0 || ticket_check_closed(st, d, cause) < 0)
		return -1;
	return 0;
}

/* The sender and every address on From, To and Cc but ours and agents'. */
static int
ticket_add_participants(struct store *st, const struct ticket_mail *tm,
    gint64 ticket, const char *sender, char **cause)
{
	GPtrArray	*addrs = tm->mail->addresses;

	if (*sender != '\0' && conf_agent_by_address(tm->conf, sender) == NULL &&
	    st->ops->participant_add(st, ticket, sender, cause) != 0)
		return -1;
	for (guint i = 0; i < addrs->len; i++)
		if (conf_queue_for_address(tm->conf, addrs->pdata[i]) == NULL &&
		    conf_agent_by_address(tm->conf, addrs->pdata[i]) == NULL &&
		    st->ops->participant_add(st, ticket, addrs->pdata[i],
		    cause) != 0)
			return -1;
	return 0;
}

static int
ticket_event(struct store *st, gint64 ticket, gint64 at, const char *type,
    char *detail, char **cause)
{
	int	 rc = st->ops->event_add(st, ticket, at, type, detail, cause);

	g_free(detail);
	return rc;
}

/* Why the mail did not join a ticket it points at: said on both. */
static int
ticket_note_refusals(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, char **cause)
{
	const char	*msgid = tm->mail->message_id ? tm->mail->message_id : "";
	gint64		 at = tm->received_at;

	if (d->foreign_tag != 0 && ticket_event(st, d->ticket_id, at,
	    "tag_ignored", g_strdup_printf("subject names ticket %"
	    G_GINT64_FORMAT ", but the sender is not on it", d->foreign_tag),
	    cause) != 0)
		return -1;
	if (d->refused_ticket == 0)
		return 0;
	if (ticket_event(st, d->ticket_id, at, "reference_refused",
	    g_strdup_printf("this mail %s", d->refused_why), cause) != 0)
		return -1;
	return ticket_event(st, d->refused_ticket, at, "reference_refused",
	    g_strdup_printf("mail <%s> from <%s> %s; it opened ticket %"
	    G_GINT64_FORMAT, msgid, d->sender, d->refused_why, d->ticket_id),
	    cause);
}

/* The closed ticket the customer wrote to and the new one name each other. */
static int
ticket_link_closed(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, char **cause)
{
	if (d->closed == 0)
		return 0;
	if (st->ops->link_add(st, d->closed, d->ticket_id, cause) != 0 ||
	    ticket_event(st, d->ticket_id, tm->received_at, "linked",
	    g_strdup_printf("follows closed ticket %" G_GINT64_FORMAT,
	    d->closed), cause) != 0)
		return -1;
	return ticket_event(st, d->closed, tm->received_at, "linked",
	    g_strdup_printf("the customer wrote again after it closed: ticket %"
	    G_GINT64_FORMAT, d->ticket_id), cause);
}

static int
ticket_create(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, char **cause)
{
	const struct mail	*m = tm->mail;
	struct store_ticket	 t = { 0 };
	char			*tags[] = { "unparsed", NULL };
	int			 rc;

	t.subject = thread_subject_strip(m->subject);
	t.requester_name = m->from_name;
	t.requester_addr = *m->from_addr != '\0' ? m->from_addr :
	    (char *)tm->return_path;
	/* An agent who writes first: the customer is on To. */
	if (d->agent == AGENT_COPY) {
		t.requester_name = "";
		t.requester_addr = m->to_addrs->pdata[0];
	}
	t.status = "new";
	t.queue = (char *)tm->queue;
	t.priority = "normal";
	t.attention = !m->parsed || *t.requester_addr == '\0';
	t.created_at = tm->received_at;
	t.tags = m->parsed ? NULL : tags;
	rc = st->ops->ticket_create(st, &t, cause);
	g_free(t.subject);
	if (rc != 0)
		return -1;
	d->ticket_id = t.id;
	if (st->ops->event_add(st, t.id, tm->received_at, "created", tm->queue,
	    cause) != 0 || ticket_link_closed(st, tm, d, cause) != 0)
		return -1;
	return ticket_note_refusals(st, tm, d, cause);
}

static int
ticket_add_message(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, gint64 *id, char **cause)
{
	struct store_message_in	 in = { 0 };
	const struct mail	*m = tm->mail;
	char			*how = NULL;

	in.ticket_id = d->ticket_id;
	/* An agent's own mail to a customer: ours, though not sent by us. */
	in.direction = d->agent == AGENT_COPY ? "out" : "in";
	in.author = d->agent == AGENT_COPY ? d->agent_who->name : NULL;
	in.source = tm->source;
	in.return_path = tm->return_path;
	in.dedupe_key = tm->dedupe_key;
	in.received_at = tm->received_at;
	in.mail = m;
	in.deliveries = tm->deliveries;
	if (st->ops->message_add(st, &in, id, cause) != 0)
		return -1;
	if (d->how != NULL)
		how = g_strdup_printf(", matched by %s%s%s%s", d->how,
		    d->ref ? " <" : "", d->ref ? d->ref : "", d->ref ? ">" : "");
	if (ticket_event(st, d->ticket_id, tm->received_at, "message",
	    g_strdup_printf("message %" G_GINT64_FORMAT " from <%s> via %s%s",
	    *id, m->from_addr, tm->source, how ? how : ""), cause) != 0) {
		g_free(how);
		return -1;
	}
	g_free(how);
	/* A follow-up whose text we cannot read needs a human as well. */
	if (!m->parsed && (st->ops->event_add(st, d->ticket_id,
	    tm->received_at, "parse_failed", m->parse_error, cause) != 0 ||
	    st->ops->ticket_attention(st, d->ticket_id, cause) != 0))
		return -1;
	if (tm->attention != NULL &&
	    (st->ops->ticket_attention(st, d->ticket_id, cause) != 0 ||
	    st->ops->event_add(st, d->ticket_id, tm->received_at, "attention",
	    tm->attention, cause) != 0))
		return -1;
	/* A claim to be an agent that did not hold earns no place either. */
	if (d->agent == AGENT_FORGED)
		return 0;
	return ticket_add_participants(st, tm, d->ticket_id, d->sender, cause);
}

/* The same mail again, perhaps for another queue address: keep that. */
static int
ticket_add_deliveries(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, char **cause)
{
	struct store_delivery	*dl;
	int			 added;

	for (guint i = 0; i < tm->deliveries->len; i++) {
		dl = tm->deliveries->pdata[i];
		if ((added = st->ops->delivery_add(st, d->message_id, dl,
		    cause)) < 0)
			return -1;
		if (added && ticket_event(st, d->ticket_id, tm->received_at,
		    "delivered", g_strdup_printf("message %" G_GINT64_FORMAT
		    " also delivered to %s%s%s(queue %s) via %s", d->message_id,
		    *dl->address ? "<" : "", dl->address,
		    *dl->address ? "> " : "", dl->queue, tm->source),
		    cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * The original of a reply that opened the ticket: say why it is here.
 * Replies to it that opened tickets of their own stay there (tickets
 * are not merged), and each side names the other.
 */
static int
ticket_note_late_original(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, gint64 id, char **cause)
{
	const char	*msgid = tm->mail->message_id;
	gint64		 other;

	if (d->ref == NULL || strcmp(d->how, "a reply stored before it") != 0)
		return 0;
	if (ticket_event(st, d->ticket_id, tm->received_at, "joined_late",
	    g_strdup_printf("message %" G_GINT64_FORMAT " <%s> arrived after "
	    "<%s>, which answers it; the ticket keeps its subject, requester "
	    "and acknowledgement", id, msgid, d->ref), cause) != 0)
		return -1;
	for (guint i = 0; d->related != NULL && i < d->related->len; i++) {
		other = g_array_index(d->related, gint64, i);
		if (ticket_event(st, d->ticket_id, tm->received_at, "related",
		    g_strdup_printf("ticket %" G_GINT64_FORMAT " also answers "
		    "<%s>", other, msgid), cause) != 0 ||
		    ticket_event(st, other, tm->received_at, "related",
		    g_strdup_printf("<%s>, which mail of this ticket answers, "
		    "arrived later and is in ticket %" G_GINT64_FORMAT, msgid,
		    d->ticket_id), cause) != 0)
			return -1;
	}
	return 0;
}

static int
ticket_acknowledge(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, const char *no_ack, int *queued,
    char **cause)
{
	struct reply_trigger	 trig = { d->ticket_id, tm->mail,
				    tm->return_path, tm->queue,
				    tm->received_at, NULL };

	if (tm->dsn != NULL)
		trig.why_not = "the mail is a delivery status notification";
	else if (d->agent != AGENT_NONE ||
	    conf_agent_by_address(tm->conf, tm->mail->from_addr) != NULL)
		trig.why_not = "the sender is one of our agents";
	else
		trig.why_not = no_ack;
	if (tm->no_ack)
		return 0;
	return reply_ack(st, tm->conf, &trig, queued, cause);
}

/* A claim to be an agent that did not hold: said, and logged. */
static int
ticket_note_forgery(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, char **cause)
{
	const char	*msgid = tm->mail->message_id;

	if (d->agent != AGENT_FORGED)
		return 0;
	log_warn("ticket %" G_GINT64_FORMAT ": mail <%s> from <%s> is not "
	    "taken as an agent's: %s", d->ticket_id, msgid ? msgid : "",
	    tm->mail->from_addr, d->agent_why);
	return ticket_event(st, d->ticket_id, tm->received_at, "agent_refused",
	    g_strdup_printf("mail <%s> from <%s> is customer mail: %s",
	    msgid ? msgid : "", tm->mail->from_addr, d->agent_why), cause);
}

/*
 * What a customer's mail does to the ticket: reopen it, tell the
 * agents. Mail a machine wrote (an out-of-office notice) does neither,
 * so no machine can keep a ticket open.
 */
static int
ticket_after_customer(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, gint64 message, int new, char **cause)
{
	const char	*automatic = reply_automatic(tm->mail);
	char		*text;
	int		 rc;

	if (ticket_note_forgery(st, tm, d, cause) != 0)
		return -1;
	if (d->agent == AGENT_COPY)
		return ticket_event(st, d->ticket_id, tm->received_at,
		    "agent_copy", g_strdup_printf("agent %s wrote to <%s> from "
		    "their own mailbox; recorded, not sent again",
		    d->agent_who->name, (char *)tm->mail->to_addrs->pdata[0]),
		    cause);
	if (d->bounce || (!new && automatic != NULL))
		return 0;
	text = quote_strip(tm->mail->body, NULL);
	rc = new ? lifecycle_new_ticket(st, tm->conf, d->ticket_id, message,
	    text, tm->received_at, cause) : lifecycle_customer_mail(st,
	    tm->conf, d->ticket_id, tm->mail, message, text, tm->received_at,
	    cause);
	g_free(text);
	return rc;
}

/* What an agent's mail does, before its words and commands are read. */
static void
ticket_agent_action(const struct ticket_mail *tm,
    const struct ticket_decision *d, struct lifecycle_action *act)
{
	act->ticket_id = d->ticket_id;
	act->agent = d->agent_who->name;
	act->via = "mail";
	act->mail = tm->mail;
	act->source = tm->source;
	act->dedupe_key = tm->dedupe_key;
	act->deliveries = tm->deliveries;
	act->now = tm->received_at;
}

/* Store an agent's mail whose commands were wrong, and tell them. */
static int
ticket_agent_error(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, const char *words, const char *error,
    char **cause)
{
	const struct conf_agent	*a = d->agent_who;
	struct store_ticket	*t;
	struct reply_mail	 rm = { 0 };
	struct template_vars	 vars = { { NULL }, { 0 } };
	struct lifecycle_action	 act = { 0 };
	char			*reply_to;
	int			 rc;

	ticket_agent_action(tm, d, &act);
	act.text = words;
	act.stored_only = 1;
	if (lifecycle_act(st, tm->conf, &act, cause) != 0 ||
	    ticket_event(st, d->ticket_id, tm->received_at,
	    "agent_command_error", g_strdup_printf("agent %s: %s; nothing "
	    "was done", a->name, error), cause) != 0 ||
	    st->ops->ticket_get(st, d->ticket_id, &t, cause) != 1)
		return -1;
	vars.value[TV_ERROR] = error;
	vars.value[TV_TEXT] = words;
	rm.kind = "agent_error";
	rm.ticket = t;
	rm.queue = reply_queue_of(tm->conf, t);
	rm.parent = tm->mail;
	rm.template = "command-error";
	rm.vars = &vars;
	rm.to_name = a->display_name;
	rm.to_addr = tm->mail->from_addr;
	rm.reply_to = reply_to = agent_reply_address(tm->conf, rm.queue, t->id,
	    a->name);
	rm.agent = a->name;
	rm.automatic = 1;
	rm.received_at = rm.now = tm->received_at;
	rc = reply_send(st, tm->conf, &rm, cause);
	g_free(reply_to);
	store_ticket_free(t);
	return rc;
}

/*
 * An agent's verified mail: its words without what it quotes, its
 * commands, then the action. A machine's mail from the agent's mailbox
 * (their out-of-office notice) is kept and does nothing.
 */
static int
ticket_agent_mail(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, char **cause)
{
	struct lifecycle_action	 act = { 0 };
	const char		*automatic = reply_automatic(tm->mail);
	char			*words = quote_strip(tm->mail->body, NOTIFY_MARKER);
	char			*rest = NULL, *error = NULL;
	GPtrArray		*cmds = NULL;
	int			 rc;

	ticket_agent_action(tm, d, &act);
	if (automatic != NULL) {
		act.text = words;
		act.stored_only = 1;
		rc = lifecycle_act(st, tm->conf, &act, cause);
		if (rc == 0)
			rc = ticket_event(st, d->ticket_id, tm->received_at,
			    "agent_automatic", g_strdup_printf("agent %s's "
			    "mailbox answered by itself (%s); nothing was done",
			    act.agent, automatic), cause);
	} else if (agent_commands_parse(tm->conf, words, act.agent, &cmds,
	    &rest, &error) != 0 || agent_check_queue(tm->conf, cmds,
	    d->agent_queue, &error) != 0)
		rc = ticket_agent_error(st, tm, d, words, error, cause);
	else {
		act.commands = cmds;
		act.text = rest;
		act.attachments = tm->mail->attachments;
		rc = lifecycle_act(st, tm->conf, &act, cause);
	}
	if (cmds != NULL)
		g_ptr_array_unref(cmds);
	g_free(rest);
	g_free(error);
	g_free(words);
	return rc;
}

/*
 * Rules.
 */

/* Do the rules' actions apply? Customers' mail that is stored anew. */
static int
ticket_gets_rules(const struct ticket_decision *d)
{
	switch (d->outcome) {
	case TICKET_DUPLICATE:
	case TICKET_AGENT:
		return 0;
	case TICKET_FOLLOW_UP:
	case TICKET_NEW:
		return !d->bounce && d->agent != AGENT_COPY &&
		    d->csat.rating == 0;
	}
	g_assert_not_reached();
}

/* "rule NAME (FILE:LINE): acknowledge = no" of the last rule that said so. */
static char *
ticket_rules_no_ack(const struct rules_result *rr)
{
	if (rr == NULL || rr->acknowledge)
		return NULL;
	for (guint i = rr->fired->len; i-- > 0;) {
		const struct rules_fired *f = rr->fired->pdata[i];

		for (guint j = 0; j < f->actions->len; j++)
			if (((const struct rules_action *)f->actions->pdata[j])->
			    act == RULES_NO_ACK)
				return g_strdup_printf("rule %s (%s): "
				    "acknowledge = no", f->name, f->where);
	}
	return NULL;
}

/* What kept rules from deciding: logged, and an event on the ticket. */
static int
ticket_rules_error(struct store *st, const struct ticket_mail *tm,
    gint64 ticket, const char *error, char **cause)
{
	const char	*msgid = tm->mail->message_id;

	log_warn("rules: %s (mail <%s>, ticket %" G_GINT64_FORMAT ")", error,
	    msgid ? msgid : "", ticket);
	tally_count(TALLY_RULE_ERRORS, 1);
	return st->ops->event_add(st, ticket, tm->received_at, "rules_error",
	    error, cause);
}

/* After the mail is on its ticket: the rules' errors, then their actions. */
static int
ticket_rules_apply(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, const struct rules_result *rr,
    char **cause)
{
	if (tm->rules_error != NULL && ticket_gets_rules(d) &&
	    ticket_rules_error(st, tm, d->ticket_id, tm->rules_error,
	    cause) != 0)
		return -1;
	if (rr == NULL)
		return 0;
	for (guint i = 0; i < rr->errors->len; i++)
		if (ticket_rules_error(st, tm, d->ticket_id, rr->errors->pdata[i],
		    cause) != 0)
			return -1;
	return lifecycle_rules(st, tm->conf, d->ticket_id, rr, tm->mail,
	    tm->return_path, tm->received_at, cause);
}

static int
ticket_record_new(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, const struct rules_result *rr,
    struct ticket_result *res, char **cause)
{
	struct ticket_mail	 moved = *tm;
	char			*no_ack = ticket_rules_no_ack(rr);
	gint64			 id;
	int			 rc = -1;

	/* queue = NAME: the ticket opens there. */
	if (rr != NULL && rr->queue != NULL)
		moved.queue = rr->queue;
	if (ticket_create(st, &moved, d, cause) == 0 &&
	    ticket_add_message(st, &moved, d, &id, cause) == 0 &&
	    ticket_acknowledge(st, &moved, d, no_ack, &res->queued_mail,
	    cause) == 0 &&
	    ticket_after_customer(st, &moved, d, id, 1, cause) == 0)
		rc = ticket_rules_apply(st, &moved, d, rr, cause);
	g_free(no_ack);
	return rc;
}

/*
 * A rating: kept with its mail, and nothing else a customer's mail
 * does: the resolved ticket stays resolved, and only a low rating is
 * told to the agents.
 */
static int
ticket_record_rating(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, char **cause)
{
	const struct csat_rating *r = &d->csat;
	gint64			 id;
	char			*text;
	int			 was, rc;

	if (ticket_add_message(st, tm, d, &id, cause) != 0 ||
	    csat_record(st, r, tm->received_at, &was, cause) != 0)
		return -1;
	text = g_strdup_printf("%d of 5 from <%s>%s%s", r->rating,
	    tm->mail->from_addr, *r->comment ? ":\n\n" : "", r->comment);
	rc = lifecycle_rated(st, tm->conf, r->ticket, r->rating, was, text,
	    tm->received_at, cause);
	g_free(text);
	return rc;
}

/* A rating's token that counts nothing: said where the mail went. */
static int
ticket_note_csat_refused(struct store *st, const struct ticket_mail *tm,
    const struct ticket_decision *d, char **cause)
{
	const char	*msgid = tm->mail->message_id;

	if (d->csat.refused == NULL || d->outcome == TICKET_DUPLICATE)
		return 0;
	log_warn("ticket %" G_GINT64_FORMAT ": mail <%s> from <%s> counts as "
	    "no rating: %s", d->ticket_id, msgid ? msgid : "",
	    tm->mail->from_addr, d->csat.refused);
	return ticket_event(st, d->ticket_id, tm->received_at, "csat_refused",
	    g_strdup_printf("mail <%s> from <%s> counts as no rating: %s",
	    msgid ? msgid : "", tm->mail->from_addr, d->csat.refused), cause);
}

static int
ticket_record(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d, const struct rules_result *rr,
    struct ticket_result *res, char **cause)
{
	gint64	 id;

	switch (d->outcome) {
	case TICKET_DUPLICATE:
		return ticket_add_deliveries(st, tm, d, cause);
	case TICKET_AGENT:
		return ticket_agent_mail(st, tm, d, cause);
	case TICKET_FOLLOW_UP:
		if (d->csat.rating != 0)
			return ticket_record_rating(st, tm, d, cause);
		if (d->bounce && bounce_apply(st, tm->conf, tm->dsn,
		    d->ticket_id, tm->received_at, cause) != 0)
			return -1;
		if (ticket_add_message(st, tm, d, &id, cause) != 0 ||
		    ticket_note_late_original(st, tm, d, id, cause) != 0 ||
		    ticket_after_customer(st, tm, d, id, 0, cause) != 0)
			return -1;
		return ticket_rules_apply(st, tm, d, rr, cause);
	case TICKET_NEW:
		return ticket_record_new(st, tm, d, rr, res, cause);
	}
	g_assert_not_reached();
}

int
ticket_file(struct store *st, const struct ticket_mail *tm,
    struct ticket_result *res, char **cause)
{
	struct ticket_decision	 d;
	struct rules_result	 rr;
	int			 rc, rules;

	memset(res, 0, sizeof *res);
	if (ticket_decide(st, tm, &d, cause) != 0) {
		ticket_decision_clear(&d);
		return -1;
	}
	/* Only now is it known whether the mail opens a ticket. */
	if ((rules = tm->rules != NULL && ticket_gets_rules(&d)))
		rules_decide(tm->rules, d.outcome == TICKET_FOLLOW_UP, &rr,
		    NULL);
	rc = ticket_record(st, tm, &d, rules ? &rr : NULL, res, cause);
	if (rc == 0)
		rc = ticket_note_csat_refused(st, tm, &d, cause);
	if (rules)
		rules_result_clear(&rr);
	/* Notifications and agents' mail may have queued mail as well. */
	if (d.outcome != TICKET_DUPLICATE && tm->conf->smtp_url != NULL)
		res->queued_mail = 1;
	res->notified = d.outcome != TICKET_DUPLICATE &&
	    tm->conf->agents->len > 0;
	res->outcome = d.outcome;
	res->ticket_id = d.ticket_id;
	ticket_decision_clear(&d);
	return rc;
}
