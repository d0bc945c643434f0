/*
 * store: the backend registry, which picks a backend by the database
 * string, and the helpers every backend shares.
 */
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include "store.h"

/* Tried in order: the first whose match() takes the database. */
static const struct store_ops *store_backends[] = {
	&store_sqlite_ops,
	NULL,
};

/* Servers a URI may name, for the error when their backend is not built. */
static const struct {
	const char	*scheme;
	const char	*engine;
} store_engines[] = {
	{ "postgresql", "PostgreSQL" },
	{ "postgres", "PostgreSQL" },
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
	for (gsize i = 0; i < G_N_ELEMENTS(store_engines); i++)
		if (strlen(store_engines[i].scheme) == n &&
		    g_ascii_strncasecmp(database, store_engines[i].scheme,
		    n) == 0) {
			*cause = g_strdup_printf("%s support is not built in",
			    store_engines[i].engine);
			return NULL;
		}
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
