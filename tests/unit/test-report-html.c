/*
 * test-report-html: report_html() on a report built by hand, with a
 * Thai group key, a hostile CSAT comment and a week without a target.
 * The page must hold every chart once, draw nothing from the network,
 * escape what it quotes and give each figure the text the JSON gives.
 *
 * With REPORT_HTML_OUT set, the page is also written there to be looked
 * at in a browser.
 */
#include <string.h>

#include "report.h"

#define DAY	86400
#define HOSTILE	"<script>alert(\"x\")</script> & 'co'"

static struct report_stats
stats(guint count, gint64 median, gint64 p90, double mean, gint64 max)
{
	struct report_stats	 s = { count, median, p90, mean, max };

	return s;
}

static void
low_add(struct report_figures *f, gint64 ticket, int rating,
    const char *comment)
{
	struct report_low_score	*l = g_new0(struct report_low_score, 1);

	l->ticket = ticket;
	l->rating = rating;
	l->comment = g_strdup(comment);
	g_ptr_array_add(f->csat_low, l);
}

static void
low_free(gpointer p)
{
	struct report_low_score	*l = p;

	g_free(l->comment);
	g_free(l);
}

static struct report_figures *
group(const char *key, guint created, guint resolved, guint met)
{
	struct report_figures	*f = g_new0(struct report_figures, 1);

	f->key = g_strdup(key);
	f->created = created;
	f->resolved = resolved;
	f->has_backlog = 1;
	f->backlog = created - resolved;
	f->first_response = stats(created, 600 * created, 900 * created,
	    650.25 * created, 4000);
	f->first_response_target.targeted = created;
	f->first_response_target.met = met;
	f->messages = 3 * created;
	f->csat_low = g_ptr_array_new_with_free_func(low_free);
	return f;
}

static void
figures_free(gpointer p)
{
	struct report_figures	*f = p;

	g_free(f->key);
	g_ptr_array_unref(f->csat_low);
	g_free(f);
}

static void
days_fill(struct report *r)
{
	struct report_day	 d;
	struct report_week	 w;
	int			 i;

	for (i = 0; i < 21; i++) {
		d.start = r->q.from + i * DAY;
		d.created = 5 + (i * 7) % 11;
		d.resolved = 3 + (i * 5) % 9;
		g_array_append_val(r->days, d);
	}
	for (i = 0; i < 3; i++) {
		w.start = r->q.from + i * 7 * DAY;
		w.first_response_target.targeted = i == 1 ? 0 : 10 + i;
		w.first_response_target.met = i == 1 ? 0 : 8 + i;
		g_array_append_val(r->weeks, w);
	}
}

static void
total_fill(struct report_figures *f)
{
	static const guint	 csat[5] = { 2, 1, 3, 9, 15 };
	static const guint	 age[REPORT_AGES] = { 7, 4, 2, 1 };

	f->created = 120;
	f->resolved = 97;
	f->reopened = 6;
	f->has_backlog = 1;
	f->backlog = 14;
	memcpy(f->backlog_age, age, sizeof age);
	f->first_response = stats(118, 1800, 14520, 2730.46, 90061);
	f->first_response_business = stats(118, 1500, 9000, 2012.04, 40000);
	f->first_response_target.targeted = 6;
	f->first_response_target.met = 5;
	f->first_response_breaches = 1;
	f->resolution = stats(97, 86400, 400000, 120000.5, 900000);
	f->next_response_target.targeted = 40;
	f->next_response_target.met = 31;
	f->one_touch = 41;
	f->messages = 330;
	f->csat_count = 30;
	memcpy(f->csat, csat, sizeof csat);
	f->csat_low = g_ptr_array_new_with_free_func(low_free);
	low_add(f, 1042, 1, HOSTILE);
	low_add(f, 1077, 2, "ช้ามาก รอสามวัน");
	low_add(f, 1101, 1, "");
}

static struct report *
sample(guint fr_target)
{
	static const guint	 buckets[REPORT_FR_BUCKETS] = {
		21, 30, 18, 17, 12, 9, 6, 4, 1,
	};
	struct report		*r = g_new0(struct report, 1);
	int			 d, h;

	r->q.tz = g_time_zone_new_identifier("Asia/Bangkok");
	g_assert_nonnull(r->q.tz);
	r->q.from = 1794762000;		/* 2026-11-16 00:00 +07 */
	r->q.to = r->q.from + 21 * DAY;
	r->q.by = REPORT_BY_QUEUE;
	total_fill(&r->total);
	r->groups = g_ptr_array_new_with_free_func(figures_free);
	g_ptr_array_add(r->groups, group("billing", 30, 25, 20));
	g_ptr_array_add(r->groups, group("ฝ่ายบริการลูกค้า", 50, 40, 45));
	g_ptr_array_add(r->groups, group("sales \"EU\" <b>", 40, 32, 0));
	r->days = g_array_new(FALSE, FALSE, sizeof(struct report_day));
	r->weeks = g_array_new(FALSE, FALSE, sizeof(struct report_week));
	days_fill(r);
	for (d = 0; d < 7; d++)
		for (h = 0; h < 24; h++)
			r->hour_of_week[d][h] = d < 5 && h >= 9 && h < 18 ?
			    (guint)(10 + (h * 3 + d) % 9) : (guint)(h % 5 == 0);
	memcpy(r->fr_buckets, buckets, sizeof buckets);
	r->fr_target = fr_target;
	r->fr_target_policy = fr_target != 0 ? g_strdup("standard") : NULL;
	return r;
}

static void
sample_free(struct report *r)
{
	g_ptr_array_unref(r->total.csat_low);
	g_ptr_array_unref(r->groups);
	g_array_unref(r->days);
	g_array_unref(r->weeks);
	g_time_zone_unref(r->q.tz);
	g_free(r->fr_target_policy);
	g_free(r);
}

static char *
render(guint fr_target)
{
	struct report	*r = sample(fr_target);
	GString		*out = g_string_new(NULL);
	const char	*path = g_getenv("REPORT_HTML_OUT");

	report_html(r, "Support <weekly> & co", out);
	sample_free(r);
	if (path != NULL && fr_target != 0)
		g_assert_true(g_file_set_contents(path, out->str, -1, NULL));
	return g_string_free(out, FALSE);
}

static guint
count(const char *hay, const char *needle)
{
	guint		 n = 0;
	const char	*p;

	for (p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* The data-value of the figure at path; it must be there, once. */
static char *
value_of(const char *html, const char *path)
{
	char		*attr = g_strdup_printf("data-figure=\"%s\" "
			    "data-value=\"", path);
	const char	*p = strstr(html, attr), *end;

	if (p == NULL)
		g_error("no figure %s", path);
	g_assert_cmpuint(count(html, attr), ==, 1);
	p += strlen(attr);
	end = strchr(p, '"');
	g_free(attr);
	return g_strndup(p, end - p);
}

static void
value_is(const char *html, const char *path, const char *expect)
{
	char	*v = value_of(html, path);

	g_assert_cmpstr(v, ==, expect);
	g_free(v);
}

static void
test_charts(void)
{
	static const char *const ids[] = {
		"created-resolved", "first-response", "sla-weekly",
		"backlog-age", "hour-of-week", "csat",
	};
	char		*html = render(3600), *id, *lower;
	const char	*p, *end;
	gsize		 i;

	for (i = 0; i < G_N_ELEMENTS(ids); i++) {
		id = g_strdup_printf("<figure id=\"chart-%s\">", ids[i]);
		g_assert_cmpuint(count(html, id), ==, 1);
		g_free(id);
	}
	g_assert_cmpuint(count(html, "<svg"), ==, G_N_ELEMENTS(ids));
	g_assert_cmpuint(count(html, "<figcaption>"), ==, G_N_ELEMENTS(ids));
	for (p = html; (p = strstr(p, "<svg")) != NULL; p = end) {
		end = strchr(p, '>');
		id = g_strndup(p, end - p);
		g_assert_nonnull(strstr(id, " viewBox=\"0 0 "));
		g_assert_nonnull(strstr(id, " role=\"img\""));
		g_assert_nonnull(strstr(id, " aria-label=\""));
		g_free(id);
	}
	lower = g_ascii_strdown(html, -1);
	g_assert_null(strstr(lower, "<script"));
	g_assert_null(strstr(lower, "http:"));
	g_assert_null(strstr(lower, "https:"));
	g_assert_null(strstr(lower, "url("));
	g_assert_null(strstr(lower, "@import"));
	g_assert_nonnull(strstr(lower, "@media print"));
	g_free(lower);
	/* 24 hours by 7 days, each with its count and a tooltip. */
	g_assert_cmpuint(count(html, "<rect class=\"cell\""), ==, 7 * 24);
	g_assert_cmpuint(count(html, "<title>Mon 09:00–10:00: "), ==, 1);
	/* 21 days by 2, 9 buckets, 3 weeks, 4 ages, 5 ratings. */
	g_assert_cmpuint(count(html, "<rect class=\"bar "), ==,
	    42 + 9 + 3 + 4 + 5);
	g_assert_cmpuint(count(html, "<rect class=\"bar empty\""), ==, 1);
	g_free(html);
}

static void
test_bars_have_values(void)
{
	char		*html = render(3600);
	const char	*p, *end;
	char		*tag;
	guint		 n = 0;

	for (p = html; (p = strstr(p, "<rect class=\"")) != NULL; p = end) {
		end = strchr(p, '>');
		tag = g_strndup(p, end - p);
		if (strstr(tag, "\"bar ") != NULL ||
		    strstr(tag, "\"cell\"") != NULL) {
			g_assert_nonnull(strstr(tag, " data-value=\""));
			n++;
		}
		g_free(tag);
	}
	g_assert_cmpuint(n, ==, 63 + 7 * 24);
	g_assert_nonnull(strstr(html, "data-value=\"0.8000\"><title>week of "
	    "2026-11-16"));
	g_assert_nonnull(strstr(html, "data-value=\"null\"><title>week of "
	    "2026-11-23: no target"));
	g_assert_nonnull(strstr(html, "data-value=\"15\"><title>5: 15 "
	    "ratings"));
	g_free(html);
}

static void
test_escaped(void)
{
	char	*html = render(3600);

	g_assert_null(strstr(html, HOSTILE));
	g_assert_null(strstr(html, "<b>"));
	g_assert_null(strstr(html, "<weekly>"));
	g_assert_nonnull(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)"
	    "&lt;/script&gt; &amp; &#39;co&#39;"));
	g_assert_nonnull(strstr(html, "<title>Support &lt;weekly&gt; &amp; "
	    "co</title>"));
	value_is(html, "groups.2.key", "sales &quot;EU&quot; &lt;b&gt;");
	/* Thai is written as it is, in UTF-8. */
	g_assert_nonnull(strstr(html, "<meta charset=\"utf-8\">"));
	value_is(html, "groups.1.key", "ฝ่ายบริการลูกค้า");
	g_assert_nonnull(strstr(html, "ช้ามาก รอสามวัน"));
	g_free(html);
}

static void
test_figures(void)
{
	char	*html = render(3600);

	value_is(html, "total.created", "120");
	value_is(html, "total.backlog", "14");
	value_is(html, "total.backlog_age.under_1d", "7");
	value_is(html, "total.backlog_age.over_7d", "1");
	value_is(html, "total.first_response.median", "1800");
	value_is(html, "total.first_response.mean", "2730.5");
	value_is(html, "total.first_response.business.p90", "9000");
	value_is(html, "total.first_response.within_target", "0.8333");
	value_is(html, "total.first_response.breaches", "1");
	value_is(html, "total.resolution.within_target", "null");
	value_is(html, "total.resolution.business.median", "null");
	value_is(html, "total.resolution.max", "900000");
	value_is(html, "total.next_response.within_target", "0.7750");
	value_is(html, "total.one_touch", "0.4227");
	value_is(html, "total.messages_per_ticket", "2.75");
	value_is(html, "total.csat.count", "30");
	value_is(html, "total.csat.average", "4.13");
	value_is(html, "total.csat.distribution.4", "15");
	value_is(html, "total.csat.low.0.ticket", "1042");
	value_is(html, "total.csat.low.1.rating", "2");
	value_is(html, "groups.0.key", "billing");
	value_is(html, "groups.2.created", "40");
	value_is(html, "groups.2.first_response.within_target", "0.0000");
	value_is(html, "groups.1.first_response.within_target", "0.9000");
	value_is(html, "groups.1.first_response.median", "30000");
	value_is(html, "groups.1.resolution.median", "null");
	value_is(html, "groups.1.csat.average", "null");
	/* Stats shown as durations; null as a dash. */
	g_assert_nonnull(strstr(html, "data-value=\"1800\">30m 00s</td>"));
	g_assert_nonnull(strstr(html, "data-value=\"90061\">1d 01h</td>"));
	g_assert_nonnull(strstr(html, "data-value=\"0.8333\">83.3%</td>"));
	g_assert_nonnull(strstr(html, "data-value=\"null\">–</td>"));
	g_free(html);
}

static void
test_target(void)
{
	char	*html = render(3600);

	g_assert_cmpuint(count(html, "class=\"target\""), ==, 1);
	g_assert_nonnull(strstr(html, "target 1h (standard)"));
	g_free(html);
	html = render(0);
	g_assert_cmpuint(count(html, "class=\"target\""), ==, 0);
	g_assert_null(strstr(html, "(standard)"));
	g_free(html);
}

/* Nothing happened: every chart is still there and every stat null. */
static void
test_empty(void)
{
	struct report	 r;
	GString		*out = g_string_new(NULL);

	memset(&r, 0, sizeof r);
	r.q.tz = g_time_zone_new_utc();
	r.q.from = 1794787200;
	r.q.to = r.q.from + DAY;
	r.total.csat_low = g_ptr_array_new();
	r.groups = g_ptr_array_new();
	r.days = g_array_new(FALSE, FALSE, sizeof(struct report_day));
	r.weeks = g_array_new(FALSE, FALSE, sizeof(struct report_week));
	report_html(&r, "", out);
	g_assert_cmpuint(count(out->str, "<figure id=\"chart-"), ==, 6);
	g_assert_null(strstr(out->str, "<h2>By "));
	g_assert_null(strstr(out->str, "class=\"target\""));
	g_assert_null(strstr(out->str, "class=\"average\""));
	value_is(out->str, "total.backlog", "null");
	value_is(out->str, "total.first_response.median", "null");
	value_is(out->str, "total.first_response.mean", "null");
	value_is(out->str, "total.one_touch", "null");
	value_is(out->str, "total.messages_per_ticket", "null");
	value_is(out->str, "total.csat.average", "null");
	value_is(out->str, "total.created", "0");
	g_string_free(out, TRUE);
	g_ptr_array_unref(r.total.csat_low);
	g_ptr_array_unref(r.groups);
	g_array_unref(r.days);
	g_array_unref(r.weeks);
	g_time_zone_unref(r.q.tz);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report-html/charts", test_charts);
	g_test_add_func("/report-html/bars", test_bars_have_values);
	g_test_add_func("/report-html/escaped", test_escaped);
	g_test_add_func("/report-html/figures", test_figures);
	g_test_add_func("/report-html/target", test_target);
	g_test_add_func("/report-html/empty", test_empty);
	return g_test_run();
}
