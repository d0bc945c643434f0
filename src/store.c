/*
 * store: the backend registry, which picks a backend by the database
 * string, and the helpers every backend shares.
 */
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include "store-backend.h"

/* Tried in order: the first whose match() takes the database. */
static const struct store_ops *store_backends[] = {
	&store_sqlite_ops,
	&store_pg_ops,
	NULL,
};

/* The length of database's URI scheme ("postgresql"), 0 when no URI. */
gsize
store_uri_scheme(const char *database)
{
	gsize	 n = 0;

	if (!g_ascii_isalpha(database[0]))
		return 0;
	while (g_ascii_isalnum(database[n]) || database[n] == '+' ||
	    database[n] == '-' || database[n] == '.')
		n++;
	return strncmp(database + n, "://", 3) == 0 ? n : 0;
}

const struct store_ops *
store_backend(const char *database, char **cause)
{
	gsize	 n = store_uri_scheme(database);

	for (const struct store_ops **b = store_backends; *b != NULL; b++)
		if ((*b)->match(database))
			return *b;
	*cause = g_strdup_printf("no store backend for %.*s:// URIs",
	    (int)n, database);
	return NULL;
}

const char *
store_local_path(const char *database)
{
	const struct store_ops	*b;
	char			*cause = NULL;

	if ((b = store_backend(database, &cause)) == NULL) {
		g_free(cause);
		return NULL;
	}
	return b->local ? database : NULL;
}

char *
store_database_name(const char *database)
{
	gsize	 n = store_uri_scheme(database);
	GUri	*uri;
	char	*name;

	if (n == 0)
		return g_strdup(database);
	if ((uri = g_uri_parse(database, G_URI_FLAGS_HAS_PASSWORD |
	    G_URI_FLAGS_ENCODED, NULL)) == NULL)
		return g_strdup_printf("%.*s://...", (int)n, database);
	name = g_uri_to_string_partial(uri, G_URI_HIDE_PASSWORD);
	g_uri_unref(uri);
	return name;
}

struct store *
store_open(const char *database, char **cause)
{
	const struct store_ops	*b;

	if ((b = store_backend(database, cause)) == NULL)
		return NULL;
	return b->open(database, cause);
}

void
store_close(struct store *st)
{
	if (st != NULL)
		st->ops->close(st);
}

int
store_thread_key(struct store *st, guint8 *key, gsize len, char **cause)
{
	GBytes	*value = NULL;
	int	 found;

	if (st->ops->begin(st, cause) != 0)
		return -1;
	found = st->ops->meta_get(st, "thread_key", &value, cause);
	if (found == 1 && g_bytes_get_size(value) != len) {
		*cause = g_strdup("stored thread_key has the wrong length");
		found = -1;
	}
	if (found == 0) {
		/* The key signs our Message-IDs: it must be unguessable. */
		if (getrandom(key, len, 0) != (ssize_t)len) {
			*cause = g_strdup_printf("getrandom: %s",
			    g_strerror(errno));
			st->ops->rollback(st);
			return -1;
		}
		value = g_bytes_new(key, len);
		if (st->ops->meta_set(st, "thread_key", value, cause) != 0)
			found = -1;
	}
	if (found == -1 || st->ops->commit(st, cause) != 0) {
		st->ops->rollback(st);
		if (value != NULL)
			g_bytes_unref(value);
		return -1;
	}
	memcpy(key, g_bytes_get_data(value, NULL), len);
	g_bytes_unref(value);
	return 0;
}

/* Append the len-octet keys of more that out does not hold yet. */
static void
store_keys_add(GByteArray *out, GBytes *more, gsize len)
{
	const guint8	*k;
	gsize		 n = 0, j;

	k = more != NULL ? g_bytes_get_data(more, &n) : NULL;
	for (gsize i = 0; i + len <= n; i += len) {
		for (j = 0; j < out->len && memcmp(out->data + j, k + i, len) != 0;
		    j += len)
			;
		if (j >= out->len)
			g_byte_array_append(out, k + i, len);
	}
}

/*
 * current, the keys known, and the random key of a database that
 * signed before secret_file was set (or before keys were kept).
 */
static GBytes *
store_keys_merge(const guint8 *current, gsize len, GBytes *known,
    GBytes *random)
{
	GByteArray	*out = g_byte_array_new();

	g_byte_array_append(out, current, len);
	store_keys_add(out, known, len);
	store_keys_add(out, random, len);
	return g_byte_array_free_to_bytes(out);
}

int
store_msgid_keys(struct store *st, const guint8 *current, gsize len,
    GBytes **keys, char **cause)
{
	GBytes	*known = NULL, *random = NULL;
	int	 found;

	*keys = NULL;
	if (st->ops->begin(st, cause) != 0)
		return -1;
	found = st->ops->meta_get(st, "msgid_keys", &known, cause);
	if (found >= 0)
		found = st->ops->meta_get(st, "thread_key", &random, cause);
	if (found >= 0) {
		*keys = store_keys_merge(current, len, known, random);
		if (known == NULL || !g_bytes_equal(known, *keys))
			found = st->ops->meta_set(st, "msgid_keys", *keys, cause);
	}
	if (known != NULL)
		g_bytes_unref(known);
	if (random != NULL)
		g_bytes_unref(random);
	if (found < 0 || st->ops->commit(st, cause) != 0) {
		st->ops->rollback(st);
		if (*keys != NULL)
			g_bytes_unref(*keys);
		*keys = NULL;
		return -1;
	}
	return 0;
}

void
store_sla_clear(struct store_sla *sla)
{
	g_free(sla->policy);
	memset(sla, 0, sizeof(*sla));
	sla->first_response_met = sla->resolution_met = -1;
}

void
store_stats_count_free(gpointer p)
{
	struct store_stats_count	*c = p;

	g_free(c->status);
	g_free(c->queue);
	g_free(c);
}

void
store_stats_clear(struct store_stats *s)
{
	if (s->tickets != NULL)
		g_ptr_array_free(s->tickets, TRUE);
	if (s->at_risk != NULL)
		g_ptr_array_free(s->at_risk, TRUE);
	memset(s, 0, sizeof(*s));
}

void
store_csat_clear(struct store_csat *c)
{
	g_free(c->survey_msgid);
	g_free(c->comment);
	memset(c, 0, sizeof(*c));
}

void
store_timer_clear(gpointer p)
{
	struct store_timer	*t = p;

	g_free(t->kind);
	t->kind = NULL;
}

void
store_ticket_free(struct store_ticket *t)
{
	if (t == NULL)
		return;
	g_free(t->subject);
	g_free(t->requester_name);
	g_free(t->requester_addr);
	g_free(t->status);
	g_free(t->queue);
	g_free(t->priority);
	g_free(t->assignee);
	g_strfreev(t->tags);
	g_free(t);
}

void
store_hit_free(struct store_hit *h)
{
	if (h == NULL)
		return;
	g_free(h->status);
	g_free(h->queue);
	g_free(h->subject);
	g_free(h->from_name);
	g_free(h->from_addr);
	g_free(h->date);
	g_free(h->body);
	g_free(h);
}

static void
store_attachment_free(struct store_attachment *a)
{
	g_free(a->name);
	g_free(a->type);
	g_free(a);
}

void
store_message_free(struct store_message *m)
{
	if (m == NULL)
		return;
	g_free(m->direction);
	g_free(m->source);
	g_free(m->return_path);
	g_free(m->from_name);
	g_free(m->from_addr);
	g_free(m->to);
	g_free(m->cc);
	g_free(m->date);
	g_free(m->message_id);
	g_free(m->subject);
	g_free(m->body);
	g_free(m->author);
	if (m->attachments != NULL) {
		g_ptr_array_set_free_func(m->attachments,
		    (GDestroyNotify)store_attachment_free);
		g_ptr_array_free(m->attachments, TRUE);
	}
	if (m->deliveries != NULL) {
		g_ptr_array_set_free_func(m->deliveries,
		    (GDestroyNotify)store_delivery_free);
		g_ptr_array_free(m->deliveries, TRUE);
	}
	g_free(m);
}

void
store_delivery_free(struct store_delivery *d)
{
	if (d == NULL)
		return;
	g_free(d->queue);
	g_free(d->address);
	g_free(d);
}

void
store_referrer_free(struct store_referrer *r)
{
	if (r == NULL)
		return;
	g_free(r->from_addr);
	g_free(r->msgid);
	g_free(r);
}

void
store_event_free(struct store_event *e)
{
	if (e == NULL)
		return;
	g_free(e->type);
	g_free(e->detail);
	g_free(e);
}

void
store_notify_free(struct store_notify *n)
{
	if (n == NULL)
		return;
	g_free(n->actor);
	g_free(n->text);
	g_free(n);
}

void
store_outbox_free(struct store_outbox *o)
{
	if (o == NULL)
		return;
	g_free(o->kind);
	g_free(o->envelope_from);
	g_free(o->rcpt);
	g_free(o->message_id);
	if (o->data != NULL)
		g_bytes_unref(o->data);
	g_free(o->status);
	g_free(o->last_error);
	g_free(o->claimed_by);
	g_free(o);
}

char *
store_time_iso(gint64 t)
{
	GDateTime	*dt = g_date_time_new_from_unix_utc(t);
	char		*s;

	if (dt == NULL)
		return g_strdup("");
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return s;
}

/*
 * The row mappers (store-backend.h): each reads its STORE_*_COLUMNS in
 * that order, whatever engine the row comes from.
 */
#define R_INT(r, i)	((r)->ops->int64((r), (i)))
#define R_STR(r, i)	store_row_strdup((r), (i))

char *
store_row_strdup(const struct store_row *r, int col)
{
	return g_strdup(r->ops->text(r, col));
}

void
store_rows_add(const struct store_row *r, gpointer arg)
{
	struct store_rows	*rows = arg;

	g_ptr_array_add(rows->a, rows->row(r));
}

gpointer
store_row_text(const struct store_row *r)
{
	return R_STR(r, 0);
}

gpointer
store_row_ticket(const struct store_row *r)
{
	struct store_ticket	*t = g_new0(struct store_ticket, 1);

	t->id = R_INT(r, 0);
	t->subject = R_STR(r, 1);
	t->requester_name = R_STR(r, 2);
	t->requester_addr = R_STR(r, 3);
	t->status = R_STR(r, 4);
	t->queue = R_STR(r, 5);
	t->priority = R_STR(r, 6);
	t->created_at = R_INT(r, 7);
	t->updated_at = R_INT(r, 8);
	t->attention = R_INT(r, 9);
	t->messages = R_INT(r, 10);
	t->assignee = R_STR(r, 11);
	t->status_at = R_INT(r, 12);
	return t;
}

gpointer
store_row_message(const struct store_row *r)
{
	struct store_message	*m = g_new0(struct store_message, 1);

	m->id = R_INT(r, 0);
	m->ticket_id = R_INT(r, 1);
	m->direction = R_STR(r, 2);
	m->source = R_STR(r, 3);
	m->return_path = R_STR(r, 4);
	m->from_name = R_STR(r, 5);
	m->from_addr = R_STR(r, 6);
	m->to = R_STR(r, 7);
	m->cc = R_STR(r, 8);
	m->date = R_STR(r, 9);
	m->message_id = R_STR(r, 10);
	m->subject = R_STR(r, 11);
	m->body = R_STR(r, 12);
	m->parsed = R_INT(r, 13);
	m->received_at = R_INT(r, 14);
	m->author = R_STR(r, 15);
	return m;
}

gpointer
store_row_attachment(const struct store_row *r)
{
	struct store_attachment	*a = g_new0(struct store_attachment, 1);

	a->name = R_STR(r, 0);
	a->type = R_STR(r, 1);
	a->size = R_INT(r, 2);
	return a;
}

gpointer
store_row_delivery(const struct store_row *r)
{
	struct store_delivery	*d = g_new0(struct store_delivery, 1);

	d->queue = R_STR(r, 0);
	d->address = R_STR(r, 1);
	return d;
}

gpointer
store_row_referrer(const struct store_row *r)
{
	struct store_referrer	*f = g_new0(struct store_referrer, 1);

	f->message_id = R_INT(r, 0);
	f->ticket_id = R_INT(r, 1);
	f->from_addr = R_STR(r, 2);
	f->msgid = R_STR(r, 3);
	return f;
}

gpointer
store_row_event(const struct store_row *r)
{
	struct store_event	*e = g_new0(struct store_event, 1);

	e->id = R_INT(r, 0);
	e->ticket_id = R_INT(r, 1);
	e->at = R_INT(r, 2);
	e->type = R_STR(r, 3);
	e->detail = R_STR(r, 4);
	return e;
}

gpointer
store_row_outbox(const struct store_row *r)
{
	struct store_outbox	*o = g_new0(struct store_outbox, 1);
	const void		*data;
	gsize			 len;

	o->id = R_INT(r, 0);
	o->ticket_id = R_INT(r, 1);
	o->kind = R_STR(r, 2);
	o->envelope_from = R_STR(r, 3);
	o->rcpt = R_STR(r, 4);
	o->message_id = R_STR(r, 5);
	data = r->ops->blob(r, 6, &len);
	o->data = g_bytes_new(data, len);
	o->status = R_STR(r, 7);
	o->attempts = R_INT(r, 8);
	o->created_at = R_INT(r, 9);
	o->next_attempt_at = R_INT(r, 10);
	o->sent_at = R_INT(r, 11);
	o->last_error = R_STR(r, 12);
	o->claimed_by = R_STR(r, 13);
	o->claimed_at = R_INT(r, 14);
	return o;
}

gpointer
store_row_notify(const struct store_row *r)
{
	struct store_notify	*n = g_new0(struct store_notify, 1);

	n->id = R_INT(r, 0);
	n->ticket_id = R_INT(r, 1);
	n->kind = R_INT(r, 2);
	n->actor = R_STR(r, 3);
	n->text = R_STR(r, 4);
	n->message_id = R_INT(r, 5);
	n->created_at = R_INT(r, 6);
	return n;
}

gpointer
store_row_hit(const struct store_row *r)
{
	struct store_hit	*h = g_new0(struct store_hit, 1);

	h->message_id = R_INT(r, 0);
	h->ticket_id = R_INT(r, 1);
	h->status = R_STR(r, 2);
	h->queue = R_STR(r, 3);
	h->subject = R_STR(r, 4);
	h->from_name = R_STR(r, 5);
	h->from_addr = R_STR(r, 6);
	h->date = R_STR(r, 7);
	h->received_at = R_INT(r, 8);
	h->body = R_STR(r, 9);
	h->rank = r->ops->real(r, 10);
	return h;
}

gpointer
store_row_stats_count(const struct store_row *r)
{
	struct store_stats_count	*c = g_new0(struct store_stats_count, 1);

	c->status = R_STR(r, 0);
	c->queue = R_STR(r, 1);
	c->count = R_INT(r, 2);
	return c;
}

void
store_fill_int(const struct store_row *r, gpointer out)
{
	*(gint64 *)out = R_INT(r, 0);
}

void
store_fill_id_add(const struct store_row *r, gpointer ids)
{
	gint64	 id = R_INT(r, 0);

	g_array_append_val((GArray *)ids, id);
}

void
store_fill_int2(const struct store_row *r, gpointer out)
{
	((gint64 *)out)[0] = R_INT(r, 0);
	((gint64 *)out)[1] = R_INT(r, 1);
}

void
store_fill_blob(const struct store_row *r, gpointer out)
{
	const void	*data;
	gsize		 len;

	data = r->ops->blob(r, 0, &len);
	*(GBytes **)out = g_bytes_new(data, len);
}

void
store_fill_outbox_summary(const struct store_row *r, gpointer out)
{
	struct store_outbox_summary	*sum = out;

	sum->queued = R_INT(r, 0);
	sum->deferred = R_INT(r, 1);
	sum->sending = R_INT(r, 2);
	sum->failed = R_INT(r, 3);
	sum->failed_since = R_INT(r, 4);
	sum->oldest_unsent = R_INT(r, 5);
}

void
store_fill_bounce(const struct store_row *r, gpointer out)
{
	struct store_bounce_out	*b = out;

	*b->at = R_INT(r, 0);
	*b->status = R_STR(r, 1);
}

void
store_fill_facts(const struct store_row *r, gpointer out)
{
	struct store_facts_out	*f = out;

	*f->open = (guint)R_INT(r, 0);
	*f->first = R_INT(r, 1) != 0;
}

void
store_fill_sla(const struct store_row *r, gpointer out)
{
	struct store_sla	*o = out;

	o->policy = R_STR(r, 0);
	o->first_response_at = R_INT(r, 1);
	o->first_response_wall = R_INT(r, 2);
	o->first_response_business = R_INT(r, 3);
	o->first_response_met = R_INT(r, 4);
	o->resolved_at = R_INT(r, 5);
	o->resolution_wall = R_INT(r, 6);
	o->resolution_business = R_INT(r, 7);
	o->resolution_met = R_INT(r, 8);
	o->reopens = R_INT(r, 9);
	o->agent_replies = R_INT(r, 10);
	o->paused_since = R_INT(r, 11);
	o->paused_wall = R_INT(r, 12);
	o->paused_business = R_INT(r, 13);
	o->waiting_since = R_INT(r, 14);
	o->reopened_at = R_INT(r, 15);
}

/* STORE_SLA_WAIT_COLUMNS from column col on. */
static void
store_sla_wait_read(const struct store_row *r, int col,
    struct store_sla_wait *w)
{
	w->since = R_INT(r, col);
	w->answered_at = R_INT(r, col + 1);
	w->wall = R_INT(r, col + 2);
	w->business = R_INT(r, col + 3);
	w->met = R_INT(r, col + 4);
}

void
store_fill_sla_wait_add(const struct store_row *r, gpointer a)
{
	struct store_sla_wait	 w;

	store_sla_wait_read(r, 0, &w);
	g_array_append_val((GArray *)a, w);
}

void
store_fill_timer_add(const struct store_row *r, gpointer a)
{
	struct store_timer	 t;

	t.ticket_id = R_INT(r, 0);
	t.kind = R_STR(r, 1);
	t.due = R_INT(r, 2);
	t.basis = R_INT(r, 3);
	g_array_append_val((GArray *)a, t);
}

void
store_fill_csat(const struct store_row *r, gpointer out)
{
	struct store_csat	*c = out;

	c->survey_at = R_INT(r, 0);
	c->survey_msgid = R_STR(r, 1);
	c->rating = R_INT(r, 2);
	c->comment = R_STR(r, 3);
	c->rated_at = R_INT(r, 4);
}

/* The ticket part of a report row, columns 0 to 5; strings not copied. */
static void
store_report_ticket_read(const struct store_row *r,
    struct store_report_ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->id = R_INT(r, 0);
	t->queue = r->ops->text(r, 1);
	t->priority = r->ops->text(r, 2);
	t->assignee = r->ops->text(r, 3);
	t->status = r->ops->text(r, 4);
	t->created_at = R_INT(r, 5);
}

void
store_report_ticket_row(const struct store_row *r, gpointer arg)
{
	struct store_report_each	*e = arg;
	struct store_report_ticket	 t;
	struct store_sla		*f = &t.sla;

	store_report_ticket_read(r, &t);
	t.messages = (guint)R_INT(r, 6);
	f->first_response_at = R_INT(r, 7);
	f->first_response_wall = R_INT(r, 8);
	f->first_response_business = R_INT(r, 9);
	f->first_response_met = R_INT(r, 10);
	f->resolved_at = R_INT(r, 11);
	f->resolution_wall = R_INT(r, 12);
	f->resolution_business = R_INT(r, 13);
	f->resolution_met = R_INT(r, 14);
	f->reopens = (guint)R_INT(r, 15);
	f->reopened_at = R_INT(r, 16);
	f->agent_replies = (guint)R_INT(r, 17);
	t.csat_rating = R_INT(r, 18);
	t.csat_rated_at = R_INT(r, 19);
	t.csat_comment = r->ops->text(r, 20);
	e->ticket(&t, e->arg);
}

void
store_report_wait_row(const struct store_row *r, gpointer arg)
{
	struct store_report_each	*e = arg;
	struct store_report_ticket	 t;
	struct store_sla_wait		 w;

	store_report_ticket_read(r, &t);
	store_sla_wait_read(r, 6, &w);
	e->wait(&t, &w, e->arg);
}

void
store_report_tag_row(const struct store_row *r, gpointer arg)
{
	struct store_report_each	*e = arg;

	e->tag(R_INT(r, 0), r->ops->text(r, 1), e->arg);
}
