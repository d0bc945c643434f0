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

#include "bounce.h"
#include "conf.h"
#include "dsn.h"
#include "mime.h"
#include "reply.h"
#include "store.h"
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
	if (d->related != NULL)
		g_array_free(d->related, TRUE);
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

int
ticket_decide(struct store *st,
    const struct ticket_mail *tm, struct ticket_decision *d, char **cause)
{
	const char	*sender = *tm->mail->from_addr ? tm->mail->from_addr :
			    tm->return_path;
	int		 found;

	memset(d, 0, sizeof *d);
	d->sender = g_utf8_strdown(sender, -1);
	if ((found = ticket_find_duplicate(st, tm, d, cause)) == 0 &&
	    (found = ticket_match_bounce(st, tm, d, cause)) == 0 &&
	    (found = ticket_match_references(st, tm, d, cause)) == 0 &&
	    (found = ticket_match_cited_by(st, tm, d, cause)) == 0)
		found = ticket_match_tag(st, tm, d, cause);
	if (found == 0)
		d->outcome = TICKET_NEW;
	return found < 0 ? -1 : 0;
}

/* The sender and every address on From, To and Cc but our own queues. */
static int
ticket_add_participants(struct store *st, const struct ticket_mail *tm,
    gint64 ticket, const char *sender, char **cause)
{
	GPtrArray	*addrs = tm->mail->addresses;

	if (*sender != '\0' &&
	    st->ops->participant_add(st, ticket, sender, cause) != 0)
		return -1;
	for (guint i = 0; i < addrs->len; i++)
		if (conf_queue_for_address(tm->conf, addrs->pdata[i]) == NULL &&
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
	    cause) != 0)
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
	in.direction = "in";
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
    gint64 ticket, int *queued, char **cause)
{
	struct reply_trigger	 trig = { ticket, tm->mail, tm->return_path,
				    tm->queue, tm->received_at, tm->dsn == NULL ?
				    NULL : "the mail is a delivery status "
				    "notification" };

	if (tm->no_ack)
		return 0;
	return reply_ack(st, tm->conf, &trig, queued, cause);
}

static int
ticket_record(struct store *st, const struct ticket_mail *tm,
    struct ticket_decision *d,
    struct ticket_result *res, char **cause)
{
	gint64	 id;

	switch (d->outcome) {
	case TICKET_DUPLICATE:
		return ticket_add_deliveries(st, tm, d, cause);
	case TICKET_FOLLOW_UP:
		if (d->bounce && bounce_apply(st, tm->conf, tm->dsn,
		    d->ticket_id, tm->received_at, cause) != 0)
			return -1;
		if (ticket_add_message(st, tm, d, &id, cause) != 0)
			return -1;
		return ticket_note_late_original(st, tm, d, id, cause);
	case TICKET_NEW:
		if (ticket_create(st, tm, d, cause) != 0 ||
		    ticket_add_message(st, tm, d, &id, cause) != 0)
			return -1;
		return ticket_acknowledge(st, tm, d->ticket_id,
		    &res->queued_mail, cause);
	}
	g_assert_not_reached();
}

int
ticket_file(struct store *st, const struct ticket_mail *tm,
    struct ticket_result *res, char **cause)
{
	struct ticket_decision	 d;
	int			 rc;

	memset(res, 0, sizeof *res);
	if (ticket_decide(st, tm, &d, cause) != 0) {
		ticket_decision_clear(&d);
		return -1;
	}
	rc = ticket_record(st, tm, &d, res, cause);
	res->outcome = d.outcome;
	res->ticket_id = d.ticket_id;
	ticket_decision_clear(&d);
	return rc;
}
