/*
 * test-report: the figures of a week from hand-made SLA facts, each
 * worked out by hand below: who counts where, the nearest-rank
 * statistics, the shares, the backlog and its ages, the groups, the
 * days and hours, and the JSON and CSV that carry them.
 */
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "report.h"
#include "store.h"

#include "store-fixture.h"

#define H	3600
#define D	86400

/* Monday 16 November 2026, 00:00 UTC: the week reported on. */
static gint64
monday(void)
{
	GDateTime	*t = g_date_time_new_utc(2026, 11, 16, 0, 0, 0);
	gint64		 s = g_date_time_to_unix(t);

	g_date_time_unref(t);
	return s;
}

static gint64
ticket(struct fixture *f, const char *queue, const char *priority,
    const char *status, gint64 created)
{
	struct store_ticket	 t = { 0 };
	char			*cause = NULL;

	t.subject = "s";
	t.requester_name = "";
	t.requester_addr = "c@example.org";
	t.status = (char *)status;
	t.queue = (char *)queue;
	t.priority = (char *)priority;
	t.created_at = created;
	g_assert_cmpint(f->st->ops->ticket_create(f->st, &t, &cause), ==, 0);
	return t.id;
}

/* SLA facts: a first response after fr (0: none) met or not, and so on. */
static void
facts(struct fixture *f, gint64 id, gint64 created, gint64 fr, int fr_met,
    gint64 res, int res_met, guint replies, gint64 reopened_at)
{
	struct store_sla	 s = { 0 };
	char			*cause = NULL;

	s.first_response_at = fr ? created + fr : 0;
	s.first_response_wall = fr;
	s.first_response_business = fr / 2;
	s.first_response_met = fr_met;
	s.resolved_at = res ? created + res : 0;
	s.resolution_wall = res;
	s.resolution_business = res / 2;
	s.resolution_met = res_met;
	s.agent_replies = replies;
	s.reopened_at = reopened_at;
	g_assert_cmpint(f->st->ops->sla_put(f->st, id, &s, &cause), ==, 0);
}

static void
wait_answered(struct fixture *f, gint64 id, gint64 at, int met)
{
	struct store_sla_wait	 w = { at - 600, at, 600, 300, met };
	char			*cause = NULL;

	g_assert_cmpint(f->st->ops->sla_wait_add(f->st, id, &w, &cause), ==, 0);
}

static void
message(struct fixture *f, gint64 id, const char *msgid, gint64 at)
{
	char			*text = g_strdup_printf("Message-ID: <%s>\n"
				    "From: c@example.org\nSubject: s\n\nhi\n",
				    msgid);
	struct mail		*m = mime_parse(g_bytes_new_take(text,
				    strlen(text)), NULL);
	struct store_message_in	 in = { 0 };
	gint64			 row;
	char			*cause = NULL;

	in.ticket_id = id;
	in.direction = "in";
	in.source = "lmtp";
	in.return_path = "c@example.org";
	in.dedupe_key = msgid;
	in.received_at = at;
	in.mail = m;
	g_assert_cmpint(f->st->ops->message_add(f->st, &in, &row, &cause), ==,
	    0);
	mail_free(m);
}

/*
 * The week: T1..T3 and T6 created in it, T4 and T5 before; T1, T3 and T4
 * resolved in it; T3 reopened; T2, T5 and T6 open at its end.
 */
static void
week(struct fixture *f)
{
	gint64	 m = monday(), t1, t2, t3, t4, t6;

	t1 = ticket(f, "support", "normal", "resolved", m + 9 * H + 1800);
	facts(f, t1, m + 9 * H + 1800, 600, 1, H, 1, 1, 0);
	message(f, t1, "m1a@x", m + 9 * H + 1800);
	message(f, t1, "m1b@x", m + 10 * H);
	t2 = ticket(f, "support", "high", "open", m + D + 10 * H);
	facts(f, t2, m + D + 10 * H, 1800, 1, 0, -1, 2, 0);
	message(f, t2, "m2@x", m + D + 10 * H);
	wait_answered(f, t2, m + D + 12 * H, 0);
	t3 = ticket(f, "billing", "normal", "resolved", m + 2 * D + 14 * H);
	facts(f, t3, m + 2 * D + 14 * H, 2 * H, 0, D, 0, 3,
	    m + 2 * D + 14 * H + 12 * H);
	wait_answered(f, t3, m + 2 * D + 20 * H, 1);
	/* Created the week before, resolved on Thursday at noon. */
	t4 = ticket(f, "billing", "normal", "resolved", m + 3 * D + 12 * H -
	    4 * D);
	facts(f, t4, m + 3 * D + 12 * H - 4 * D, 600, 1, 4 * D, 0, 1, 0);
	ticket(f, "support", "normal", "open", m - 15 * D);
	t6 = ticket(f, "support", "low", "new", m + 6 * D + 23 * H);
	(void)t6;
	/* A wait answered after the week counts nowhere. */
	wait_answered(f, t2, m + 8 * D, 1);
}

static struct report *
make(struct fixture *f, enum report_by by)
{
	struct report_query	 q = { 0 };
	struct report		*r;
	char			*cause = NULL;

	q.from = monday();
	q.to = q.from + 7 * D;
	q.by = by;
	q.tz = g_time_zone_new_utc();
	r = report_make(f->st, f->conf, &q, &cause);
	g_assert_null(cause);
	g_time_zone_unref(q.tz);
	return r;
}

static void
assert_share(const struct report_share *s, const char *want)
{
	char	*got = report_share_text(s);

	g_assert_cmpstr(got, ==, want);
	g_free(got);
}

static void
test_total(struct fixture *f, gconstpointer data)
{
	struct report			*r;
	const struct report_figures	*t;

	week(f);
	r = make(f, REPORT_BY_NONE);
	t = &r->total;
	g_assert_cmpuint(t->created, ==, 4);
	g_assert_cmpuint(t->resolved, ==, 3);
	g_assert_cmpuint(t->reopened, ==, 1);
	g_assert_cmpuint(t->backlog, ==, 3);
	g_assert_cmpuint(t->backlog_age[REPORT_AGE_UNDER_1D], ==, 1);
	g_assert_cmpuint(t->backlog_age[REPORT_AGE_1D_3D], ==, 0);
	g_assert_cmpuint(t->backlog_age[REPORT_AGE_3D_7D], ==, 1);
	g_assert_cmpuint(t->backlog_age[REPORT_AGE_OVER_7D], ==, 1);
	/* 600, 1800, 7200: the median is the 2nd, p90 the 3rd. */
	g_assert_cmpuint(t->first_response.count, ==, 3);
	g_assert_cmpint(t->first_response.median, ==, 1800);
	g_assert_cmpint(t->first_response.p90, ==, 7200);
	g_assert_cmpfloat(t->first_response.mean, ==, 3200.0);
	g_assert_cmpint(t->first_response.max, ==, 7200);
	g_assert_cmpint(t->first_response_business.median, ==, 900);
	assert_share(&t->first_response_target, "0.6667");
	g_assert_cmpuint(t->first_response_breaches, ==, 1);
	/* 3600, 86400, 345600. */
	g_assert_cmpint(t->resolution.median, ==, D);
	g_assert_cmpint(t->resolution.p90, ==, 4 * D);
	assert_share(&t->resolution_target, "0.3333");
	assert_share(&t->next_response_target, "0.5000");
	g_assert_cmpuint(t->one_touch, ==, 2);
	g_assert_cmpuint(t->messages, ==, 3);
	/* Monday 09:30, Tuesday 10:00, Wednesday 14:00, Sunday 23:00. */
	g_assert_cmpuint(r->hour_of_week[0][9], ==, 1);
	g_assert_cmpuint(r->hour_of_week[1][10], ==, 1);
	g_assert_cmpuint(r->hour_of_week[2][14], ==, 1);
	g_assert_cmpuint(r->hour_of_week[6][23], ==, 1);
	g_assert_cmpuint(r->days->len, ==, 7);
	g_assert_cmpuint(g_array_index(r->days, struct report_day, 0).created,
	    ==, 1);
	g_assert_cmpuint(g_array_index(r->days, struct report_day, 0).resolved,
	    ==, 1);
	g_assert_cmpuint(g_array_index(r->days, struct report_day, 3).resolved,
	    ==, 2);
	g_assert_cmpuint(r->weeks->len, ==, 1);
	g_assert_cmpuint(r->fr_buckets[0], ==, 1);
	g_assert_cmpuint(r->fr_buckets[1], ==, 1);
	g_assert_cmpuint(r->fr_buckets[3], ==, 1);
	report_free(r);
}

static const struct report_figures *
group(const struct report *r, const char *key)
{
	for (guint i = 0; i < r->groups->len; i++) {
		const struct report_figures *g = r->groups->pdata[i];

		if (strcmp(g->key, key) == 0)
			return g;
	}
	g_error("no group %s", key);
}

static void
test_groups(struct fixture *f, gconstpointer data)
{
	struct report			*r;
	const struct report_figures	*g;

	week(f);
	r = make(f, REPORT_BY_QUEUE);
	g_assert_cmpuint(r->groups->len, ==, 2);
	g = group(r, "billing");
	g_assert_cmpuint(g->created, ==, 1);
	g_assert_cmpuint(g->resolved, ==, 2);
	g_assert_cmpuint(g->reopened, ==, 1);
	g_assert_cmpuint(g->backlog, ==, 0);
	g = group(r, "support");
	g_assert_cmpuint(g->created, ==, 3);
	g_assert_cmpuint(g->backlog, ==, 3);
	assert_share(&g->next_response_target, "0.0000");
	report_free(r);
	/* By day: each figure on the day of its own event, no backlog. */
	r = make(f, REPORT_BY_DAY);
	g = group(r, "2026-11-19");
	g_assert_cmpuint(g->created, ==, 0);
	g_assert_cmpuint(g->resolved, ==, 2);
	g_assert_false(g->has_backlog);
	g = group(r, "2026-11-16");
	g_assert_cmpuint(g->created, ==, 1);
	report_free(r);
}

static void
test_forms(struct fixture *f, gconstpointer data)
{
	struct report	*r;
	GString		*out = g_string_new(NULL);

	week(f);
	r = make(f, REPORT_BY_PRIORITY);
	report_json(r, out);
	g_assert_nonnull(strstr(out->str, "\"from\":\"2026-11-16\",\"to\":"
	    "\"2026-11-22\",\"timezone\":\"UTC\""));
	g_assert_nonnull(strstr(out->str, "\"first_response\":{\"count\":3,"
	    "\"median\":1800,\"p90\":7200,\"mean\":3200.0,\"max\":7200,"));
	g_assert_nonnull(strstr(out->str, "\"within_target\":0.6667,"
	    "\"targeted\":3,\"breaches\":1}"));
	g_assert_nonnull(strstr(out->str, "\"one_touch\":0.6667,"
	    "\"messages_per_ticket\":0.75,"));
	/* Nothing had a target: null, not 0. */
	g_assert_nonnull(strstr(out->str, "{\"key\":\"low\",\"created\":1,"));
	g_assert_nonnull(strstr(out->str, "\"csat\":{\"count\":0,\"average\":"
	    "null,"));
	g_string_truncate(out, 0);
	report_csv(r, out);
	g_assert_true(g_str_has_prefix(out->str, "group,created,"));
	g_assert_nonnull(strstr(out->str, "\n\"total\",4,3,1,3,1,0,1,1,3,1800,"
	    "7200,3200.0,7200,0.6667,1,3,86400,345600,0.3333,0.5000,0.6667,"
	    "0.75,0,\n"));
	g_assert_nonnull(strstr(out->str, "\n\"low\",1,"));
	g_string_free(out, TRUE);
	report_free(r);
}

/* A tag that reads as a formula stays text in a spreadsheet. */
static void
test_csv_formula(struct fixture *f, gconstpointer data)
{
	struct report	*r;
	GString		*out = g_string_new(NULL);
	char		*cause = NULL;

	week(f);
	g_assert_cmpint(f->st->ops->tag_add(f->st, 1, "=cmd|' /c calc'!A0",
	    &cause), ==, 1);
	r = make(f, REPORT_BY_TAG);
	report_csv(r, out);
	g_assert_nonnull(strstr(out->str, "\n\"'=cmd|' /c calc'!A0\",1,"));
	g_string_free(out, TRUE);
	report_free(r);
}

/* The Sunday Berlin turns its clocks back: 25 hours, 10:00 is 10:00. */
static void
test_dst_hours(struct fixture *f, gconstpointer data)
{
	GDateTime		*at = g_date_time_new_utc(2026, 10, 25, 9, 0, 0);
	struct report_query	 q = { 0 };
	struct report		*r;
	char			*cause = NULL;

	ticket(f, "support", "normal", "new", g_date_time_to_unix(at));
	q.tz = g_time_zone_new_identifier("Europe/Berlin");
	g_assert_nonnull(q.tz);
	q.from = g_date_time_to_unix(at) - 9 * H - 2 * H;	/* local midnight */
	q.to = q.from + 25 * H;
	r = report_make(f->st, f->conf, &q, &cause);
	g_assert_null(cause);
	g_assert_cmpuint(r->days->len, ==, 1);
	g_assert_cmpuint(r->hour_of_week[6][10], ==, 1);
	report_free(r);
	g_time_zone_unref(q.tz);
	g_date_time_unref(at);
}

static int
cmp64(gconstpointer a, gconstpointer b)
{
	gint64	 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* Selection gives what sorting gives, duplicates and all. */
static void
test_rank(void)
{
	GRand	*rand = g_rand_new_with_seed(42);

	for (int round = 0; round < 500; round++) {
		guint	 n = g_rand_int_range(rand, 1, 300);
		guint	 pct = g_rand_int_range(rand, 1, 101);
		gint64	*v = g_new(gint64, n), *sorted = g_new(gint64, n);
		gint32	 spread = g_rand_boolean(rand) ? 5 : 100000;
		guint	 rank = (n * pct + 99) / 100;

		for (guint i = 0; i < n; i++)
			v[i] = sorted[i] = g_rand_int_range(rand, 0, spread);
		qsort(sorted, n, sizeof(*sorted), (GCompareFunc)cmp64);
		g_assert_cmpint(report_nearest_rank(v, n, pct), ==,
		    sorted[MAX(rank, 1) - 1]);
		g_free(v);
		g_free(sorted);
	}
	g_rand_free(rand);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	g_test_add_func("/report/rank", test_rank);
	g_test_add("/report/total", struct fixture, NULL, fixture_setup,
	    test_total, fixture_teardown);
	g_test_add("/report/groups", struct fixture, NULL, fixture_setup,
	    test_groups, fixture_teardown);
	g_test_add("/report/forms", struct fixture, NULL, fixture_setup,
	    test_forms, fixture_teardown);
	g_test_add("/report/csv-formula", struct fixture, NULL, fixture_setup,
	    test_csv_formula, fixture_teardown);
	g_test_add("/report/dst-hours", struct fixture, NULL, fixture_setup,
	    test_dst_hours, fixture_teardown);
	return g_test_run();
}
