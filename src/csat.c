/*
 * csat: satisfaction surveys and the ratings that answer them (see
 * csat.h).
 */
#include <string.h>

#include "conf.h"
#include "csat.h"
#include "mime.h"
#include "quote.h"
#include "reply.h"
#include "store.h"
#include "template.h"
#include "thread.h"

/* How a rule's "acknowledge = no" reads among the ticket's events. */
#define CSAT_RULE_NO_ACK	": acknowledge = no"

/* The mail that opened ticket id, parsed, and its return path. */
static int
csat_first_mail(struct store *st, const struct conf *conf, gint64 id,
    struct mail **m, char **return_path, char **cause)
{
	GPtrArray	*msgs;
	GBytes		*raw;
	int		 rc = 0;

	*m = NULL;
	*return_path = NULL;
	if (st->ops->message_list(st, id, &msgs, cause) != 0)
		return -1;
	for (guint i = 0; i < msgs->len && *m == NULL && rc == 0; i++) {
		const struct store_message *msg = msgs->pdata[i];

		if (strcmp(msg->direction, "in") != 0)
			continue;
		if ((rc = st->ops->message_raw(st, msg->id, &raw, cause)) < 0)
			break;
		if (rc == 0)
			continue;
		rc = 0;
		*m = mime_parse(raw, conf->fallback_charset);
		*return_path = g_strdup(msg->return_path);
		g_bytes_unref(raw);
	}
	g_ptr_array_free(msgs, TRUE);
	return rc;
}

/* Did a rule say acknowledge = no for ticket id? */
static int
csat_rule_no_ack(struct store *st, gint64 id, int *said, char **cause)
{
	GPtrArray	*events;

	*said = 0;
	if (st->ops->event_list(st, id, &events, cause) != 0)
		return -1;
	for (guint i = 0; i < events->len && !*said; i++) {
		const struct store_event *e = events->pdata[i];

		*said = strcmp(e->type, "rule") == 0 && e->detail != NULL &&
		    g_str_has_suffix(e->detail, CSAT_RULE_NO_ACK);
	}
	g_ptr_array_free(events, TRUE);
	return 0;
}

/* Why ticket id's customer must get no survey, or NULL. */
static int
csat_unwanted(struct store *st, const struct conf *conf, gint64 id,
    char **why, char **cause)
{
	struct mail		*m;
	struct store_csat	 c;
	char			*return_path;
	const char		*reason = NULL;
	int			 said;

	*why = NULL;
	if (conf->templates == NULL ||
	    !template_exists(conf->templates, CSAT_TEMPLATE)) {
		*why = g_strdup("no " CSAT_TEMPLATE " template");
		return 0;
	}
	if (st->ops->csat_get(st, id, &c, cause) < 0)
		return -1;
	if (c.survey_at != 0) {
		*why = g_strdup("a survey went before: one a ticket");
		store_csat_clear(&c);
		return 0;
	}
	if (csat_first_mail(st, conf, id, &m, &return_path, cause) != 0 ||
	    csat_rule_no_ack(st, id, &said, cause) != 0)
		return -1;
	if (m != NULL)
		reason = reply_suppress_reason(conf, m, return_path);
	if (reason != NULL)
		*why = g_strdup_printf("the mail that opened it: %s", reason);
	else if (said)
		*why = g_strdup("a rule said acknowledge = no");
	if (m != NULL)
		mail_free(m);
	g_free(return_path);
	return 0;
}

/* mailto:support+s42.5.MAC@example.com?subject=Rating%205%20%5B%2342%5D */
static char *
csat_link(const struct conf *conf, const struct store_ticket *t, int rating,
    gint64 now)
{
	const guint8	*key = g_bytes_get_data(conf->msgid_keys, NULL);
	char		*token = thread_csat_token_make(key, t->id, rating, now);
	char		*addr = conf_token_address(conf, reply_queue_of(conf, t),
			    token);
	char		*tag = thread_tag_format(conf->subject_tag, t->id);
	char		*subject = g_strdup_printf("Rating %d %s", rating, tag);
	char		*escaped = g_uri_escape_string(subject, NULL, FALSE);
	char		*link = g_strdup_printf("mailto:%s?subject=%s", addr,
			    escaped);

	g_free(escaped);
	g_free(subject);
	g_free(tag);
	g_free(addr);
	g_free(token);
	return link;
}

/* The survey went: it is the ticket's latest, the rating stays. */
static int
csat_sent(struct store *st, gint64 id, gint64 now, char *msgid, char **cause)
{
	struct store_csat	 c;
	int			 rc;

	if (st->ops->csat_get(st, id, &c, cause) < 0) {
		g_free(msgid);
		return -1;
	}
	c.survey_at = now;
	g_free(c.survey_msgid);
	c.survey_msgid = msgid;
	rc = st->ops->csat_put(st, id, &c, cause);
	store_csat_clear(&c);
	return rc;
}

int
csat_survey(struct store *st, const struct conf *conf, gint64 id,
    gint64 now, char **why, char **cause)
{
	struct template_vars	 vars = { { NULL }, { 0 } };
	struct store_ticket	*t = NULL;
	struct reply_auto	 au = { "csat", &vars, NULL };
	char			*msgid = NULL;
	int			 rc, found;

	if (csat_unwanted(st, conf, id, why, cause) != 0)
		return -1;
	if (*why != NULL)
		return 0;
	if ((found = st->ops->ticket_get(st, id, &t, cause)) != 1) {
		if (found == 0)
			*cause = g_strdup_printf("no ticket %" G_GINT64_FORMAT,
			    id);
		return -1;
	}
	for (int r = 1; r <= 5; r++)
		vars.value[TV_CSAT_1 + r - 1] = csat_link(conf, t, r, now);
	au.sent_msgid = &msgid;
	rc = reply_auto_send(st, conf, id, CSAT_TEMPLATE, &au, now, why, cause);
	if (rc == 1 && csat_sent(st, id, now, msgid, cause) != 0)
		rc = -1;
	else if (rc != 1)
		g_free(msgid);
	for (int r = 0; r < 5; r++)
		g_free((char *)vars.value[TV_CSAT_1 + r]);
	store_ticket_free(t);
	return rc;
}

/*
 * Ratings.
 */

/* The customer's words, without what they quoted. */
static char *
csat_words(const struct mail *m)
{
	char	*text = quote_strip(m->body ? m->body : "", NULL);

	return g_strstrip(text);
}

/* A token in addr: 1 and *r when it verifies; r->refused when it does not. */
static int
csat_token(struct store *st, const struct conf *conf, const char *addr,
    struct csat_rating *r, char **cause)
{
	char			*token = conf_address_token(conf, addr);
	struct store_csat	 c;
	gsize			 n;
	const guint8		*keys = conf_msgid_keys(conf, &n);
	gint64			 id;
	int			 rating, found, rc = 0;

	if (token == NULL || !thread_csat_token_parse(token, &id, &rating)) {
		g_free(token);
		return 0;
	}
	/* The same address may come as a recipient and on To. */
	g_clear_pointer(&r->refused, g_free);
	if ((found = st->ops->csat_get(st, id, &c, cause)) < 0)
		rc = -1;
	else if (found == 0 || c.survey_at == 0)
		r->refused = g_strdup_printf("<%s> names ticket %" G_GINT64_FORMAT
		    ", which was sent no survey", addr, id);
	else if (!thread_csat_token_verify_any(keys, n, token, c.survey_at))
		r->refused = g_strdup_printf("the token of <%s> does not verify: "
		    "forged, or of another survey", addr);
	else {
		r->ticket = id;
		r->rating = rating;
		r->how = "survey link";
		rc = 1;
	}
	store_csat_clear(&c);
	g_free(token);
	return rc;
}

static int
csat_from_tokens(struct store *st, const struct conf *conf,
    const struct mail *m, GPtrArray *recipients, struct csat_rating *r,
    char **cause)
{
	GPtrArray	*addrs = g_ptr_array_new();
	int		 rc = 0;

	for (guint i = 0; recipients != NULL && i < recipients->len; i++)
		g_ptr_array_add(addrs, ((struct store_delivery *)
		    recipients->pdata[i])->address);
	for (guint i = 0; i < m->to_addrs->len; i++)
		g_ptr_array_add(addrs, m->to_addrs->pdata[i]);
	for (guint i = 0; i < addrs->len && rc == 0; i++)
		rc = csat_token(st, conf, addrs->pdata[i], r, cause);
	g_ptr_array_free(addrs, TRUE);
	if (rc == 1)
		r->comment = csat_words(m);
	return rc;
}

static const char *
csat_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * What follows the digit on the first line: nothing, "/5", "of 5",
 * "out of 5" (then "." or "!" at most), or a dash or colon and the
 * start of the comment. The line's words after it, or NULL when the
 * line is not a rating ("4 days later it broke again").
 */
static const char *
csat_after_digit(const char *p)
{
	static const char *const outof[] = { "/", "of", "out of" };
	static const char *const dashes[] = { "-", ":", "\u2013", "\u2014" };

	p = csat_blank(p);
	for (gsize i = 0; i < G_N_ELEMENTS(dashes); i++)
		if (g_str_has_prefix(p, dashes[i]))
			return csat_blank(p + strlen(dashes[i]));
	for (gsize i = 0; i < G_N_ELEMENTS(outof); i++)
		if (g_str_has_prefix(p, outof[i])) {
			p = csat_blank(p + strlen(outof[i]));
			if (*p++ != '5')
				return NULL;
			break;
		}
	if (*p == '.' || *p == '!')
		p++;
	p = csat_blank(p);
	return *p == '\0' ? p : NULL;
}

int
csat_reply_rating(const char *text, int *rating, char **comment)
{
	const char	*nl = strchr(text, '\n'), *words;
	char		*first = g_strndup(text, nl ? (gsize)(nl - text) :
			    strlen(text));

	g_strstrip(first);
	if (first[0] < '1' || first[0] > '5' ||
	    (words = csat_after_digit(first + 1)) == NULL) {
		g_free(first);
		return 0;
	}
	*rating = first[0] - '0';
	*comment = g_strstrip(g_strdup_printf("%s\n%s", words, nl ? nl + 1 :
	    ""));
	g_free(first);
	return 1;
}

/* A reply to the survey whose first line is a digit 1 to 5. */
static int
csat_from_reply(struct store *st, const struct mail *m,
    struct csat_rating *r, char **cause)
{
	gint64	 id;
	char	*words;
	int	 found, rating;

	if (m->in_reply_to == NULL)
		return 0;
	if ((found = st->ops->csat_by_msgid(st, m->in_reply_to, &id,
	    cause)) != 1)
		return found;
	words = csat_words(m);
	if ((found = csat_reply_rating(words, &rating, &r->comment)) == 1) {
		r->ticket = id;
		r->rating = rating;
		r->how = "reply to the survey";
	}
	g_free(words);
	return found;
}

int
csat_recognise(struct store *st, const struct conf *conf,
    const struct mail *m, GPtrArray *recipients, struct csat_rating *r,
    char **cause)
{
	int	 rc;

	memset(r, 0, sizeof(*r));
	/* A machine answering the survey (a vacation notice) rates nothing. */
	if (reply_automatic(m) != NULL)
		return 0;
	if ((rc = csat_from_tokens(st, conf, m, recipients, r, cause)) == 0)
		rc = csat_from_reply(st, m, r, cause);
	if (rc == 1)
		g_clear_pointer(&r->refused, g_free);
	return rc;
}

void
csat_rating_clear(struct csat_rating *r)
{
	g_free(r->comment);
	g_free(r->refused);
	memset(r, 0, sizeof(*r));
}

int
csat_record(struct store *st, const struct csat_rating *r, gint64 now,
    int *was, char **cause)
{
	struct store_csat	 c;
	char			*detail;
	int			 rc;

	if (st->ops->csat_get(st, r->ticket, &c, cause) < 0)
		return -1;
	*was = c.rating;
	c.rating = r->rating;
	g_free(c.comment);
	c.comment = g_strdup(r->comment ? r->comment : "");
	c.rated_at = now;
	rc = st->ops->csat_put(st, r->ticket, &c, cause);
	detail = *was ? g_strdup_printf("%d of 5 (was %d), by %s%s%s",
	    r->rating, *was, r->how, *c.comment ? ": " : "", c.comment) :
	    g_strdup_printf("%d of 5, by %s%s%s", r->rating, r->how,
	    *c.comment ? ": " : "", c.comment);
	if (rc == 0)
		rc = st->ops->event_add(st, r->ticket, now, "csat_rated", detail,
		    cause);
	g_free(detail);
	store_csat_clear(&c);
	return rc;
}
