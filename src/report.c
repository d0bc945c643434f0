/*
 * report: the figures of a period from the SLA facts (see report.h),
 * and their JSON and CSV forms; report-html.c draws the page.
 *
 * One pass over the tickets created before the end of the period, with
 * the day of an event found by binary search among the period's local
 * day starts: a million tickets need no time zone arithmetic each.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "sla.h"
#include "store.h"

const gint64 report_fr_bucket_upto[REPORT_FR_BUCKETS] = {
	15 * 60, 30 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 86400,
	3 * 86400, G_MAXINT64,
};

static const char *const report_by_names[] = {
	[REPORT_BY_NONE] = NULL,
	[REPORT_BY_QUEUE] = "queue",
	[REPORT_BY_AGENT] = "agent",
	[REPORT_BY_PRIORITY] = "priority",
	[REPORT_BY_TAG] = "tag",
	[REPORT_BY_DAY] = "day",
	[REPORT_BY_WEEK] = "week",
};

/* A group's figures as they are gathered: the samples behind the stats. */
struct report_acc {
	struct report_figures	*fig;
	GArray			*fr, *fr_business;	/* gint64 */
	GArray			*res, *res_business;
};

/* The pass under way. */
struct report_pass {
	struct report		*r;
	const struct conf	*conf;
	struct report_acc	 total;
	GHashTable		*groups;	/* key -> struct report_acc * */
	GHashTable		*tags;		/* ticket -> GPtrArray of tags */
	GArray			*days;		/* struct report_day_info */
	GHashTable		*policies;	/* name -> count, first responses */
};

int
report_by_parse(const char *name, enum report_by *by)
{
	for (gsize i = 1; i < G_N_ELEMENTS(report_by_names); i++)
		if (strcmp(name, report_by_names[i]) == 0) {
			*by = i;
			return 0;
		}
	return -1;
}

/* Whatever the locale: JSON has a dot. */
char *
report_fixed_text(double v, int decimals)
{
	char	 format[16], buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_snprintf(format, sizeof(format), "%%.%df", decimals);
	return g_strdup(g_ascii_formatd(buf, sizeof(buf), format, v));
}

char *
report_share_text(const struct report_share *s)
{
	if (s->targeted == 0)
		return g_strdup("null");
	return report_fixed_text((double)s->met / s->targeted, 4);
}

static char *
report_ratio_text(guint n, guint of, int decimals)
{
	return of == 0 ? g_strdup("null") : report_fixed_text((double)n / of,
	    decimals);
}

double
report_csat_mean(const struct report_figures *f)
{
	guint	 sum = 0;

	for (int i = 0; i < 5; i++)
		sum += (guint)(i + 1) * f->csat[i];
	return f->csat_count > 0 ? (double)sum / f->csat_count : 0;
}

char *
report_csat_text(const struct report_figures *f)
{
	return f->csat_count == 0 ? g_strdup("null") :
	    report_fixed_text(report_csat_mean(f), 2);
}

char *
report_date_text(const struct report *r, gint64 t)
{
	GDateTime	*local = sla_local_time(r->q.tz, t);
	char		*s = g_date_time_format(local, "%Y-%m-%d");

	g_date_time_unref(local);
	return s;
}

/*
 * The days of the period.
 */

/* A day of the period: its start, key, week and weekday. */
struct report_day_info {
	gint64		 start;
	gint64		 length;	/* 86400, but on a DST change */
	char		*key;		/* "2026-11-23" */
	char		*week_key;	/* its Monday's */
	guint		 week;		/* in r->weeks */
	guint		 weekday;	/* 0: Monday */
};

static void
report_day_info_clear(gpointer arg)
{
	struct report_day_info	*d = arg;

	g_free(d->key);
	g_free(d->week_key);
}

static void
report_days(struct report_pass *p)
{
	struct report		*r = p->r;
	gint64			 t = r->q.from;
	struct report_day_info	 di;
	GDateTime		*day, *monday, *next;

	while (t < r->q.to) {
		struct report_day d = { t, 0, 0 };

		day = sla_local_time(r->q.tz, t);
		di.start = t;
		di.weekday = (guint)g_date_time_get_day_of_week(day) - 1;
		monday = g_date_time_add_days(day, -(gint)di.weekday);
		di.key = g_date_time_format(day, "%Y-%m-%d");
		di.week_key = g_date_time_format(monday, "%Y-%m-%d");
		if (di.weekday == 0 || r->weeks->len == 0) {
			struct report_week w = { sla_local_midnight(r->q.tz,
			    monday), { 0, 0 } };

			g_array_append_val(r->weeks, w);
		}
		di.week = r->weeks->len - 1;
		g_array_append_val(p->days, di);
		g_array_append_val(r->days, d);
		next = g_date_time_add_days(day, 1);
		t = sla_local_midnight(r->q.tz, next);
		g_array_index(p->days, struct report_day_info,
		    p->days->len - 1).length = t - di.start;
		g_date_time_unref(next);
		g_date_time_unref(monday);
		g_date_time_unref(day);
	}
}

/* The day of the period t falls on, or -1 outside it. */
static int
report_day_of(const struct report_pass *p, gint64 t)
{
	guint	 lo = 0, hi = p->days->len;

	if (t < p->r->q.from || t >= p->r->q.to || hi == 0)
		return -1;
	while (hi - lo > 1) {
		guint mid = (lo + hi) / 2;

		if (g_array_index(p->days, struct report_day_info, mid).start <=
		    t)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo;
}

static const struct report_day_info *
report_day(const struct report_pass *p, int day)
{
	return &g_array_index(p->days, struct report_day_info, day);
}

/*
 * Groups.
 */

static void
report_acc_init(struct report_acc *a, struct report_figures *fig)
{
	a->fig = fig;
	a->fr = g_array_new(FALSE, FALSE, sizeof(gint64));
	a->fr_business = g_array_new(FALSE, FALSE, sizeof(gint64));
	a->res = g_array_new(FALSE, FALSE, sizeof(gint64));
	a->res_business = g_array_new(FALSE, FALSE, sizeof(gint64));
	fig->csat_low = g_ptr_array_new();
}

static void
report_acc_free(gpointer arg)
{
	struct report_acc	*a = arg;

	g_array_free(a->fr, TRUE);
	g_array_free(a->fr_business, TRUE);
	g_array_free(a->res, TRUE);
	g_array_free(a->res_business, TRUE);
	g_free(a);
}

static struct report_acc *
report_group(struct report_pass *p, const char *key)
{
	struct report_acc	*a = g_hash_table_lookup(p->groups, key);
	struct report_figures	*fig;

	if (a != NULL)
		return a;
	fig = g_new0(struct report_figures, 1);
	fig->key = g_strdup(key);
	fig->has_backlog = p->r->q.by != REPORT_BY_DAY &&
	    p->r->q.by != REPORT_BY_WEEK;
	a = g_new0(struct report_acc, 1);
	report_acc_init(a, fig);
	g_ptr_array_add(p->r->groups, fig);
	g_hash_table_insert(p->groups, fig->key, a);
	return a;
}

/*
 * The groups an event of ticket t at when counts in, total first:
 * by day or week, the event's own; else the ticket's queue, agent,
 * priority or tags. n of them in out.
 */
#define REPORT_MAX_ACCS	64

static guint
report_accs(struct report_pass *p, const struct store_report_ticket *t,
    gint64 when, struct report_acc **out)
{
	GPtrArray	*tags;
	guint		 n = 0;
	int		 day;

	out[n++] = &p->total;
	switch (p->r->q.by) {
	case REPORT_BY_NONE:
		break;
	case REPORT_BY_QUEUE:
		out[n++] = report_group(p, t->queue);
		break;
	case REPORT_BY_AGENT:
		out[n++] = report_group(p, t->assignee ? t->assignee : "");
		break;
	case REPORT_BY_PRIORITY:
		out[n++] = report_group(p, t->priority);
		break;
	case REPORT_BY_TAG:
		tags = g_hash_table_lookup(p->tags, &t->id);
		for (guint i = 0; tags && i < tags->len &&
		    n < REPORT_MAX_ACCS; i++)
			out[n++] = report_group(p, tags->pdata[i]);
		break;
	case REPORT_BY_DAY:
	case REPORT_BY_WEEK:
		if ((day = report_day_of(p, when)) >= 0)
			out[n++] = report_group(p, p->r->q.by == REPORT_BY_DAY ?
			    report_day(p, day)->key :
			    report_day(p, day)->week_key);
		break;
	}
	return n;
}

/*
 * The pass.
 */

static int
report_in(const struct report *r, gint64 t)
{
	return t >= r->q.from && t < r->q.to;
}

/* Open at the end of the period, as far as the last resolution tells. */
static int
report_open_at(const struct store_report_ticket *t, gint64 end)
{
	const struct store_sla	*f = &t->sla;

	if (t->created_at >= end)
		return 0;
	if (f->resolved_at == 0)
		return strcmp(t->status, "closed") != 0 &&
		    strcmp(t->status, "resolved") != 0;
	if (f->reopened_at > f->resolved_at)
		return end >= f->reopened_at || end < f->resolved_at;
	return end < f->resolved_at;
}

static guint
report_age_bucket(gint64 age)
{
	if (age < 86400)
		return REPORT_AGE_UNDER_1D;
	if (age < 3 * 86400)
		return REPORT_AGE_1D_3D;
	if (age < 7 * 86400)
		return REPORT_AGE_3D_7D;
	return REPORT_AGE_OVER_7D;
}

static void
report_share_add(struct report_share *s, int met)
{
	if (met < 0)
		return;
	s->targeted++;
	s->met += met == 1;
}

static gint64
report_offset(GTimeZone *tz, gint64 t)
{
	return g_time_zone_get_offset(tz, g_time_zone_find_interval(tz,
	    G_TIME_TYPE_UNIVERSAL, t));
}

/* The hour on the clock at t, on day di: the zone asked only on a DST day. */
static guint
report_hour(GTimeZone *tz, const struct report_day_info *di, gint64 t)
{
	gint64	 secs = t - di->start;

	if (di->length != 86400)
		secs += report_offset(tz, t) - report_offset(tz, di->start);
	return (guint)CLAMP(secs / 3600, 0, 23);
}

static void
report_created(struct report_pass *p, const struct store_report_ticket *t)
{
	struct report_acc	*accs[REPORT_MAX_ACCS];
	const struct store_sla	*f = &t->sla;
	guint			 n = report_accs(p, t, t->created_at, accs);
	int			 day = report_day_of(p, t->created_at);
	const struct report_day_info *di = report_day(p, day);
	guint			 hour;

	for (guint i = 0; i < n; i++) {
		struct report_figures *fig = accs[i]->fig;

		fig->created++;
		fig->messages += t->messages;
		report_share_add(&fig->first_response_target,
		    f->first_response_met);
		fig->first_response_breaches += f->first_response_met == 0;
		if (f->first_response_at == 0)
			continue;
		g_array_append_val(accs[i]->fr, f->first_response_wall);
		g_array_append_val(accs[i]->fr_business,
		    f->first_response_business);
	}
	g_array_index(p->r->days, struct report_day, day).created++;
	report_share_add(&g_array_index(p->r->weeks, struct report_week,
	    di->week).first_response_target, f->first_response_met);
	hour = report_hour(p->r->q.tz, di, t->created_at);
	p->r->hour_of_week[di->weekday][hour]++;
	if (f->first_response_at != 0)
		for (guint b = 0; b < REPORT_FR_BUCKETS; b++)
			if (f->first_response_wall <= report_fr_bucket_upto[b]) {
				p->r->fr_buckets[b]++;
				break;
			}
}

static void
report_resolved(struct report_pass *p, const struct store_report_ticket *t)
{
	struct report_acc	*accs[REPORT_MAX_ACCS];
	const struct store_sla	*f = &t->sla;
	guint			 n = report_accs(p, t, f->resolved_at, accs);

	for (guint i = 0; i < n; i++) {
		struct report_figures *fig = accs[i]->fig;

		fig->resolved++;
		fig->one_touch += f->agent_replies == 1;
		report_share_add(&fig->resolution_target, f->resolution_met);
		g_array_append_val(accs[i]->res, f->resolution_wall);
		g_array_append_val(accs[i]->res_business,
		    f->resolution_business);
	}
	g_array_index(p->r->days, struct report_day,
	    report_day_of(p, f->resolved_at)).resolved++;
}

/* A rating given in the period: the low ones with their comments. */
static void
report_rated(struct report_pass *p, const struct store_report_ticket *t)
{
	struct report_acc	*accs[REPORT_MAX_ACCS];
	guint			 n = report_accs(p, t, t->csat_rated_at, accs);

	if (t->csat_rating < 1 || t->csat_rating > 5)
		return;
	for (guint i = 0; i < n; i++) {
		struct report_figures	*fig = accs[i]->fig;
		struct report_low_score	*l;

		fig->csat_count++;
		fig->csat[t->csat_rating - 1]++;
		if (t->csat_rating > 2)
			continue;
		l = g_new0(struct report_low_score, 1);
		l->ticket = t->id;
		l->rating = t->csat_rating;
		l->comment = g_strdup(t->csat_comment ? t->csat_comment : "");
		g_ptr_array_add(fig->csat_low, l);
	}
}

static void
report_ticket(const struct store_report_ticket *t, gpointer arg)
{
	struct report_pass	*p = arg;
	struct report		*r = p->r;
	struct report_acc	*accs[REPORT_MAX_ACCS];
	guint			 n;

	if (report_in(r, t->created_at))
		report_created(p, t);
	if (report_in(r, t->sla.resolved_at))
		report_resolved(p, t);
	if (report_in(r, t->csat_rated_at))
		report_rated(p, t);
	if (report_in(r, t->sla.reopened_at)) {
		n = report_accs(p, t, t->sla.reopened_at, accs);
		for (guint i = 0; i < n; i++)
			accs[i]->fig->reopened++;
	}
	if (!report_open_at(t, r->q.to))
		return;
	n = report_accs(p, t, 0, accs);
	for (guint i = 0; i < n; i++) {
		accs[i]->fig->backlog++;
		accs[i]->fig->backlog_age[report_age_bucket(r->q.to -
		    t->created_at)]++;
	}
}

static void
report_wait(const struct store_report_ticket *t,
    const struct store_sla_wait *w, gpointer arg)
{
	struct report_pass	*p = arg;
	struct report_acc	*accs[REPORT_MAX_ACCS];
	guint			 n = report_accs(p, t, w->answered_at, accs);

	for (guint i = 0; i < n; i++)
		report_share_add(&accs[i]->fig->next_response_target, w->met);
}

static void
report_tag(gint64 ticket, const char *tag, gpointer arg)
{
	struct report_pass	*p = arg;
	GPtrArray		*tags = g_hash_table_lookup(p->tags, &ticket);

	if (tags == NULL) {
		gint64 *key = g_new(gint64, 1);

		*key = ticket;
		tags = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(p->tags, key, tags);
	}
	g_ptr_array_add(tags, g_strdup(tag));
}

/*
 * Figures from samples.
 */

/*
 * The k-th smallest of v[0..n) (0-based), moving v about: Hoare's
 * selection, linear on average. A million first responses need no sort.
 */
static gint64
report_select(gint64 *v, guint n, guint k)
{
	guint	 lo = 0, hi = n - 1;

	while (lo < hi) {
		gint64	 pivot = v[lo + (hi - lo) / 2], t;
		guint	 i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i++] = v[j];
				v[j] = t;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

gint64
report_nearest_rank(gint64 *v, guint n, guint pct)
{
	guint64	 rank = ((guint64)n * pct + 99) / 100;

	return report_select(v, n, (guint)MAX(rank, 1) - 1);
}

static void
report_stats(GArray *sample, struct report_stats *st)
{
	const gint64	*v = (const gint64 *)(void *)sample->data;
	gint64		 sum = 0;

	memset(st, 0, sizeof(*st));
	if ((st->count = sample->len) == 0)
		return;
	st->max = v[0];
	for (guint i = 0; i < sample->len; i++) {
		sum += v[i];
		st->max = MAX(st->max, v[i]);
	}
	st->mean = (double)sum / sample->len;
	st->median = report_nearest_rank((gint64 *)(void *)sample->data,
	    sample->len, 50);
	st->p90 = report_nearest_rank((gint64 *)(void *)sample->data,
	    sample->len, 90);
}

static void
report_finish(struct report_acc *a)
{
	report_stats(a->fr, &a->fig->first_response);
	report_stats(a->fr_business, &a->fig->first_response_business);
	report_stats(a->res, &a->fig->resolution);
	report_stats(a->res_business, &a->fig->resolution_business);
}

static int
report_key_cmp(gconstpointer a, gconstpointer b)
{
	const struct report_figures *x = *(struct report_figures *const *)a;
	const struct report_figures *y = *(struct report_figures *const *)b;

	return strcmp(x->key, y->key);
}

/* The target line of the first-response chart: the commonest policy's. */
static void
report_fr_target(struct report_pass *p, const struct report_query *q)
{
	struct report		*r = p->r;
	const struct conf_sla	*best = NULL;

	for (guint i = 0; i < p->conf->slas->len; i++) {
		const struct conf_sla *s = p->conf->slas->pdata[i];

		if (s->first_response == 0 || (q->queue != NULL &&
		    s->queue != NULL && strcmp(s->queue, q->queue) != 0))
			continue;
		/* The policy of most tickets: one for every priority. */
		if (best == NULL || (best->priority != NULL &&
		    s->priority == NULL))
			best = s;
	}
	if (best == NULL)
		return;
	r->fr_target = best->first_response;
	r->fr_target_policy = g_strdup(best->name);
}

static void
report_pass_init(struct report_pass *p, struct report *r,
    const struct conf *conf)
{
	memset(p, 0, sizeof(*p));
	p->r = r;
	p->conf = conf;
	r->total.has_backlog = 1;
	report_acc_init(&p->total, &r->total);
	p->groups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    report_acc_free);
	p->tags = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    (GDestroyNotify)g_ptr_array_unref);
	p->days = g_array_new(FALSE, FALSE, sizeof(struct report_day_info));
	g_array_set_clear_func(p->days, report_day_info_clear);
}

static void
report_pass_clear(struct report_pass *p)
{
	GHashTableIter		 it;
	gpointer		 v;

	report_finish(&p->total);
	g_hash_table_iter_init(&it, p->groups);
	while (g_hash_table_iter_next(&it, NULL, &v))
		report_finish(v);
	g_array_free(p->total.fr, TRUE);
	g_array_free(p->total.fr_business, TRUE);
	g_array_free(p->total.res, TRUE);
	g_array_free(p->total.res_business, TRUE);
	g_hash_table_destroy(p->groups);
	g_hash_table_destroy(p->tags);
	g_array_free(p->days, TRUE);
}

struct report *
report_make(struct store *st, const struct conf *conf,
    const struct report_query *q, char **cause)
{
	struct report		*r = g_new0(struct report, 1);
	struct report_pass	 p;
	int			 rc = 0;

	r->q = *q;
	r->q.queue = g_strdup(q->queue);
	r->q.tz = g_time_zone_ref(q->tz);
	r->groups = g_ptr_array_new();
	r->days = g_array_new(FALSE, FALSE, sizeof(struct report_day));
	r->weeks = g_array_new(FALSE, FALSE, sizeof(struct report_week));
	report_pass_init(&p, r, conf);
	report_days(&p);
	if (q->by == REPORT_BY_TAG)
		rc = st->ops->report_tags(st, q->to, report_tag, &p, cause);
	if (rc == 0)
		rc = st->ops->report_tickets(st, q->from, q->to, q->queue,
		    report_ticket, &p, cause);
	if (rc == 0)
		rc = st->ops->report_waits(st, q->from, q->to, q->queue,
		    report_wait, &p, cause);
	report_fr_target(&p, q);
	report_pass_clear(&p);
	g_ptr_array_sort(r->groups, report_key_cmp);
	if (rc == 0)
		return r;
	report_free(r);
	return NULL;
}

static void
report_figures_clear(struct report_figures *fig)
{
	g_free(fig->key);
	for (guint i = 0; fig->csat_low && i < fig->csat_low->len; i++) {
		struct report_low_score *l = fig->csat_low->pdata[i];

		g_free(l->comment);
		g_free(l);
	}
	if (fig->csat_low != NULL)
		g_ptr_array_free(fig->csat_low, TRUE);
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	report_figures_clear(&r->total);
	for (guint i = 0; i < r->groups->len; i++) {
		report_figures_clear(r->groups->pdata[i]);
		g_free(r->groups->pdata[i]);
	}
	g_ptr_array_free(r->groups, TRUE);
	g_array_free(r->days, TRUE);
	g_array_free(r->weeks, TRUE);
	g_free(r->q.queue);
	g_time_zone_unref(r->q.tz);
	g_free(r->fr_target_policy);
	g_free(r);
}

/*
 * JSON.
 */

static void
report_json_fixed(struct json *j, const char *key, char *text)
{
	json_key(j, key);
	json_number(j, text);
	g_free(text);
}

static void
report_json_uint(struct json *j, const char *key, guint v)
{
	json_key(j, key);
	json_int(j, v);
}

/* A statistic, null for an empty sample. */
static void
report_json_stat(struct json *j, const char *key, const struct report_stats *s,
    gint64 v)
{
	json_key(j, key);
	if (s->count == 0)
		json_number(j, "null");
	else
		json_int(j, v);
}

static void
report_json_stats(struct json *j, const struct report_stats *s)
{
	report_json_stat(j, "median", s, s->median);
	report_json_stat(j, "p90", s, s->p90);
	if (s->count == 0)
		report_json_fixed(j, "mean", g_strdup("null"));
	else
		report_json_fixed(j, "mean", report_fixed_text(s->mean, 1));
	report_json_stat(j, "max", s, s->max);
}

static void
report_json_target(struct json *j, const char *key,
    const struct report_stats *wall, const struct report_stats *business,
    const struct report_share *share)
{
	json_key(j, key);
	json_open(j, '{');
	report_json_uint(j, "count", wall->count);
	report_json_stats(j, wall);
	json_key(j, "business");
	json_open(j, '{');
	report_json_stats(j, business);
	json_close(j, '}');
	report_json_fixed(j, "within_target", report_share_text(share));
	report_json_uint(j, "targeted", share->targeted);
}

static void
report_json_backlog(struct json *j, const struct report_figures *f)
{
	static const char *const ages[REPORT_AGES] = {
		"under_1d", "1d_3d", "3d_7d", "over_7d",
	};

	json_key(j, "backlog");
	if (!f->has_backlog) {
		json_number(j, "null");
		json_key(j, "backlog_age");
		json_number(j, "null");
		return;
	}
	json_int(j, f->backlog);
	json_key(j, "backlog_age");
	json_open(j, '{');
	for (int i = 0; i < REPORT_AGES; i++)
		report_json_uint(j, ages[i], f->backlog_age[i]);
	json_close(j, '}');
}

static void
report_json_csat(struct json *j, const struct report_figures *f)
{
	json_key(j, "csat");
	json_open(j, '{');
	report_json_uint(j, "count", f->csat_count);
	report_json_fixed(j, "average", report_csat_text(f));
	json_key(j, "distribution");
	json_open(j, '[');
	for (int i = 0; i < 5; i++)
		json_int(j, f->csat[i]);
	json_close(j, ']');
	json_key(j, "low");
	json_open(j, '[');
	for (guint i = 0; i < f->csat_low->len; i++) {
		const struct report_low_score *l = f->csat_low->pdata[i];

		json_open(j, '{');
		json_key(j, "ticket");
		json_int(j, l->ticket);
		json_key(j, "rating");
		json_int(j, l->rating);
		json_key(j, "comment");
		json_string(j, l->comment);
		json_close(j, '}');
	}
	json_close(j, ']');
	json_close(j, '}');
}

static void
report_json_figures(struct json *j, const struct report_figures *f)
{
	json_open(j, '{');
	if (f->key != NULL) {
		json_key(j, "key");
		json_string(j, f->key);
	}
	report_json_uint(j, "created", f->created);
	report_json_uint(j, "resolved", f->resolved);
	report_json_uint(j, "reopened", f->reopened);
	report_json_backlog(j, f);
	report_json_target(j, "first_response", &f->first_response,
	    &f->first_response_business, &f->first_response_target);
	report_json_uint(j, "breaches", f->first_response_breaches);
	json_close(j, '}');
	report_json_target(j, "resolution", &f->resolution,
	    &f->resolution_business, &f->resolution_target);
	json_close(j, '}');
	json_key(j, "next_response");
	json_open(j, '{');
	report_json_fixed(j, "within_target",
	    report_share_text(&f->next_response_target));
	report_json_uint(j, "targeted", f->next_response_target.targeted);
	json_close(j, '}');
	report_json_fixed(j, "one_touch", report_ratio_text(f->one_touch,
	    f->resolved, 4));
	report_json_fixed(j, "messages_per_ticket",
	    report_ratio_text(f->messages, f->created, 2));
	report_json_csat(j, f);
	json_close(j, '}');
}

static void
report_json_series(struct json *j, const struct report *r)
{
	char	*date;

	json_key(j, "days");
	json_open(j, '[');
	for (guint i = 0; i < r->days->len; i++) {
		const struct report_day *d = &g_array_index(r->days,
		    struct report_day, i);

		json_open(j, '{');
		json_key(j, "date");
		json_string(j, (date = report_date_text(r, d->start)));
		g_free(date);
		report_json_uint(j, "created", d->created);
		report_json_uint(j, "resolved", d->resolved);
		json_close(j, '}');
	}
	json_close(j, ']');
	json_key(j, "weeks");
	json_open(j, '[');
	for (guint i = 0; i < r->weeks->len; i++) {
		const struct report_week *w = &g_array_index(r->weeks,
		    struct report_week, i);

		json_open(j, '{');
		json_key(j, "week");
		json_string(j, (date = report_date_text(r, w->start)));
		g_free(date);
		report_json_fixed(j, "within_target",
		    report_share_text(&w->first_response_target));
		report_json_uint(j, "targeted",
		    w->first_response_target.targeted);
		json_close(j, '}');
	}
	json_close(j, ']');
}

static void
report_json_charts(struct json *j, const struct report *r)
{
	json_key(j, "hour_of_week");
	json_open(j, '[');
	for (int d = 0; d < 7; d++) {
		json_open(j, '[');
		for (int h = 0; h < 24; h++)
			json_int(j, r->hour_of_week[d][h]);
		json_close(j, ']');
	}
	json_close(j, ']');
	json_key(j, "first_response_distribution");
	json_open(j, '{');
	json_key(j, "target");
	if (r->fr_target != 0)
		json_int(j, r->fr_target);
	else
		json_number(j, "null");
	json_key(j, "policy");
	json_string(j, r->fr_target_policy);
	json_key(j, "buckets");
	json_open(j, '[');
	for (int b = 0; b < REPORT_FR_BUCKETS; b++) {
		json_open(j, '{');
		json_key(j, "upto");
		if (report_fr_bucket_upto[b] == G_MAXINT64)
			json_number(j, "null");
		else
			json_int(j, report_fr_bucket_upto[b]);
		report_json_uint(j, "count", r->fr_buckets[b]);
		json_close(j, '}');
	}
	json_close(j, ']');
	json_close(j, '}');
}

void
report_json(const struct report *r, GString *out)
{
	struct json	 j = { out, 0 };
	char		*date;

	json_open(&j, '{');
	json_key(&j, "from");
	json_string(&j, (date = report_date_text(r, r->q.from)));
	g_free(date);
	json_key(&j, "to");
	json_string(&j, (date = report_date_text(r, r->q.to - 1)));
	g_free(date);
	json_key(&j, "timezone");
	json_string(&j, g_time_zone_get_identifier(r->q.tz));
	json_key(&j, "queue");
	json_string(&j, r->q.queue);
	json_key(&j, "by");
	json_string(&j, report_by_names[r->q.by]);
	json_key(&j, "total");
	report_json_figures(&j, &r->total);
	json_key(&j, "groups");
	json_open(&j, '[');
	for (guint i = 0; i < r->groups->len; i++)
		report_json_figures(&j, r->groups->pdata[i]);
	json_close(&j, ']');
	report_json_series(&j, r);
	report_json_charts(&j, r);
	json_close(&j, '}');
	g_string_append_c(out, '\n');
}

/*
 * CSV: a row for the total and each group, the figures as the JSON has
 * them ("null" left empty), for spreadsheets.
 */

static const char report_csv_head[] = "group,created,resolved,reopened,"
    "backlog,backlog_under_1d,backlog_1d_3d,backlog_3d_7d,backlog_over_7d,"
    "first_response_count,first_response_median,first_response_p90,"
    "first_response_mean,first_response_max,first_response_within_target,"
    "first_response_breaches,resolution_count,resolution_median,"
    "resolution_p90,resolution_within_target,next_response_within_target,"
    "one_touch,messages_per_ticket,csat_count,csat_average\n";

/* A number as the JSON has it: empty for null. */
static void
report_csv_field(GString *out, const char *v, int last)
{
	if (strcmp(v, "null") != 0)
		g_string_append(out, v);
	g_string_append_c(out, last ? '\n' : ',');
}

/*
 * A group's name: quoted (RFC 4180), and never read as a formula by a
 * spreadsheet ("=cmd|..." gets a quote mark in front).
 */
static void
report_csv_text(GString *out, const char *v)
{
	g_string_append_c(out, '"');
	if (*v != '\0' && strchr("=+-@", *v) != NULL)
		g_string_append_c(out, '\'');
	for (const char *c = v; *c; c++) {
		if (*c == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *c);
	}
	g_string_append(out, "\",");
}

static void
report_csv_take(GString *out, char *v)
{
	report_csv_field(out, v, 0);
	g_free(v);
}

static char *
report_csv_stat(const struct report_stats *s, gint64 v)
{
	return s->count == 0 ? g_strdup("null") :
	    g_strdup_printf("%" G_GINT64_FORMAT, v);
}

static void
report_csv_row(GString *out, const struct report_figures *f)
{
	char	*average;

	report_csv_text(out, f->key ? f->key : "total");
	report_csv_take(out, g_strdup_printf("%u", f->created));
	report_csv_take(out, g_strdup_printf("%u", f->resolved));
	report_csv_take(out, g_strdup_printf("%u", f->reopened));
	report_csv_take(out, f->has_backlog ? g_strdup_printf("%u",
	    f->backlog) : g_strdup("null"));
	for (int i = 0; i < REPORT_AGES; i++)
		report_csv_take(out, f->has_backlog ? g_strdup_printf("%u",
		    f->backlog_age[i]) : g_strdup("null"));
	report_csv_take(out, g_strdup_printf("%u", f->first_response.count));
	report_csv_take(out, report_csv_stat(&f->first_response,
	    f->first_response.median));
	report_csv_take(out, report_csv_stat(&f->first_response,
	    f->first_response.p90));
	report_csv_take(out, f->first_response.count == 0 ? g_strdup("null") :
	    report_fixed_text(f->first_response.mean, 1));
	report_csv_take(out, report_csv_stat(&f->first_response,
	    f->first_response.max));
	report_csv_take(out, report_share_text(&f->first_response_target));
	report_csv_take(out, g_strdup_printf("%u",
	    f->first_response_breaches));
	report_csv_take(out, g_strdup_printf("%u", f->resolution.count));
	report_csv_take(out, report_csv_stat(&f->resolution,
	    f->resolution.median));
	report_csv_take(out, report_csv_stat(&f->resolution,
	    f->resolution.p90));
	report_csv_take(out, report_share_text(&f->resolution_target));
	report_csv_take(out, report_share_text(&f->next_response_target));
	report_csv_take(out, report_ratio_text(f->one_touch, f->resolved, 4));
	report_csv_take(out, report_ratio_text(f->messages, f->created, 2));
	report_csv_take(out, g_strdup_printf("%u", f->csat_count));
	report_csv_field(out, (average = report_csat_text(f)), 1);
	g_free(average);
}

void
report_csv(const struct report *r, GString *out)
{
	g_string_append(out, report_csv_head);
	report_csv_row(out, &r->total);
	for (guint i = 0; i < r->groups->len; i++)
		report_csv_row(out, r->groups->pdata[i]);
}

/*
 * Text, for people at a terminal and the body of the mailed report.
 */

static void
report_text_share(GString *out, const char *what,
    const struct report_share *s)
{
	if (s->targeted == 0)
		g_string_append_printf(out, "%sno target", what);
	else
		g_string_append_printf(out, "%s%.1f%% of %u within target", what,
		    100.0 * s->met / s->targeted, s->targeted);
}

static void
report_text_stats(GString *out, const char *what, const struct report_stats *s)
{
	char	*median, *p90, *max, *mean;

	if (s->count == 0) {
		g_string_append_printf(out, "  %-15s none\n", what);
		return;
	}
	median = sla_duration_text(s->median);
	p90 = sla_duration_text(s->p90);
	mean = sla_duration_text((gint64)(s->mean + 0.5));
	max = sla_duration_text(s->max);
	g_string_append_printf(out, "  %-15s %u: median %s, p90 %s, mean %s, "
	    "longest %s\n", what, s->count, median, p90, mean, max);
	g_free(median);
	g_free(p90);
	g_free(mean);
	g_free(max);
}

static void
report_text_figures(GString *out, const struct report_figures *f)
{

	g_string_append_printf(out, "%s\n  created %u, resolved %u, reopened "
	    "%u", f->key ? f->key : "all tickets", f->created, f->resolved,
	    f->reopened);
	if (f->has_backlog)
		g_string_append_printf(out, "; backlog %u (under 1d %u, 1-3d "
		    "%u, 3-7d %u, over 7d %u)", f->backlog, f->backlog_age[0],
		    f->backlog_age[1], f->backlog_age[2], f->backlog_age[3]);
	g_string_append_c(out, '\n');
	report_text_stats(out, "first response", &f->first_response);
	report_text_share(out, "                  ", &f->first_response_target);
	g_string_append_printf(out, ", %u breached\n",
	    f->first_response_breaches);
	report_text_stats(out, "resolution", &f->resolution);
	report_text_share(out, "                  ", &f->resolution_target);
	report_text_share(out, "\n  next response   ",
	    &f->next_response_target);
	g_string_append_printf(out, "\n  one-touch       %u of %u resolved\n"
	    "  messages        %u in %u tickets\n", f->one_touch, f->resolved,
	    f->messages, f->created);
	if (f->csat_count > 0)
		g_string_append_printf(out, "  satisfaction    %.2f from %u "
		    "(1: %u, 2: %u, 3: %u, 4: %u, 5: %u)\n",
		    report_csat_mean(f), f->csat_count, f->csat[0],
		    f->csat[1], f->csat[2], f->csat[3], f->csat[4]);
}

void
report_text(const struct report *r, GString *out)
{
	char	*from = report_date_text(r, r->q.from);
	char	*to = report_date_text(r, r->q.to - 1);

	g_string_append_printf(out, "Tickets %s to %s (%s)%s%s\n\n", from, to,
	    g_time_zone_get_identifier(r->q.tz), r->q.queue ? ", queue " : "",
	    r->q.queue ? r->q.queue : "");
	report_text_figures(out, &r->total);
	for (guint i = 0; i < r->groups->len; i++) {
		g_string_append_c(out, '\n');
		report_text_figures(out, r->groups->pdata[i]);
	}
	g_free(from);
	g_free(to);
}
