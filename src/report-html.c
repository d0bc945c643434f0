/*
 * report-html: a report as one self-contained HTML page. No script and
 * nothing fetched: the styles are inline and the charts are SVG drawn
 * here, so the page can be mailed, archived and printed as it is.
 *
 * Every figure in a table carries data-figure (its JSON path) and
 * data-value (the text the JSON writes for it, from the same helpers),
 * so a test can hold the page to the JSON; the visible text is free to
 * be friendlier. Every bar and cell carries data-value the same way.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "report.h"
#include "sla.h"

/* The chart frame, in viewBox units. */
#define CW	560		/* width */
#define CH	244		/* height */
#define PX0	48		/* plot area: left, right, top, bottom */
#define PX1	(CW - 12)
#define PY0	28
#define PY1	(CH - 36)
#define XLABELS	10		/* at most this many labels on an x axis */

enum fk {
	FK_COUNT, FK_BACKLOG, FK_MEDIAN, FK_P90, FK_MEAN, FK_MAX,
	FK_SHARE, FK_ONE_TOUCH, FK_MPT, FK_CSAT_AVG
};

/* A figure of struct report_figures: where it is and how to say it. */
struct fig {
	const char	*label;
	const char	*path;		/* JSON, after "total."; NULL: none */
	enum fk		 kind;
	size_t		 off;
	int		 span;		/* columns; 0: covered by the left */
};

#define F(label, path, kind, m) \
	{ label, path, kind, offsetof(struct report_figures, m), 1 }
#define F2(path, kind, m) \
	{ NULL, path, kind, offsetof(struct report_figures, m), 2 }
#define COVERED		{ NULL, NULL, FK_COUNT, 0, 0 }
#define BLANK(n)	{ NULL, NULL, FK_COUNT, 0, n }

static const struct fig volume_figs[] = {
	F("Created", "created", FK_COUNT, created),
	F("Resolved", "resolved", FK_COUNT, resolved),
	F("Reopened", "reopened", FK_COUNT, reopened),
	F("Backlog at the end", "backlog", FK_BACKLOG, backlog),
	F("Backlog < 1 d", "backlog_age.under_1d", FK_BACKLOG, backlog_age[0]),
	F("Backlog 1–3 d", "backlog_age.1d_3d", FK_BACKLOG, backlog_age[1]),
	F("Backlog 3–7 d", "backlog_age.3d_7d", FK_BACKLOG, backlog_age[2]),
	F("Backlog > 7 d", "backlog_age.over_7d", FK_BACKLOG, backlog_age[3]),
	F("One-touch resolutions", "one_touch", FK_ONE_TOUCH, one_touch),
	F("Messages per ticket", "messages_per_ticket", FK_MPT, messages),
};

static const struct fig csat_figs[] = {
	F("Ratings", "csat.count", FK_COUNT, csat_count),
	F("Average (1–5)", "csat.average", FK_CSAT_AVG, csat),
	F("Rated 1", "csat.distribution.0", FK_COUNT, csat[0]),
	F("Rated 2", "csat.distribution.1", FK_COUNT, csat[1]),
	F("Rated 3", "csat.distribution.2", FK_COUNT, csat[2]),
	F("Rated 4", "csat.distribution.3", FK_COUNT, csat[3]),
	F("Rated 5", "csat.distribution.4", FK_COUNT, csat[4]),
};

/* Response times: first response and resolution, wall clock and
 * business hours, then next response. */
struct time_row {
	const char	*label;
	struct fig	 c[5];
};

#define STAT_ROW(label, key, kind) { label, {				\
	F(NULL, "first_response." key, kind, first_response),		\
	F(NULL, "first_response.business." key, kind,			\
	    first_response_business),					\
	F(NULL, "resolution." key, kind, resolution),			\
	F(NULL, "resolution.business." key, kind, resolution_business),	\
	BLANK(1) } }

static const struct time_row time_rows[] = {
	{ "Count", { F2("first_response.count", FK_COUNT,
	    first_response.count), COVERED, F2("resolution.count", FK_COUNT,
	    resolution.count), COVERED, BLANK(1) } },
	STAT_ROW("Median", "median", FK_MEDIAN),
	STAT_ROW("90th percentile", "p90", FK_P90),
	STAT_ROW("Mean", "mean", FK_MEAN),
	STAT_ROW("Longest", "max", FK_MAX),
	{ "Within target", { F2("first_response.within_target", FK_SHARE,
	    first_response_target), COVERED,
	    F2("resolution.within_target", FK_SHARE, resolution_target),
	    COVERED, F(NULL, "next_response.within_target", FK_SHARE,
	    next_response_target) } },
	{ "With a target", { F2("first_response.targeted", FK_COUNT,
	    first_response_target.targeted), COVERED,
	    F2("resolution.targeted", FK_COUNT, resolution_target.targeted),
	    COVERED, F(NULL, "next_response.targeted", FK_COUNT,
	    next_response_target.targeted) } },
	{ "Breaches", { F2("first_response.breaches", FK_COUNT,
	    first_response_breaches), COVERED, BLANK(2), COVERED,
	    BLANK(1) } },
};

/* The columns of the table of groups. */
static const struct fig group_figs[] = {
	F("Created", "created", FK_COUNT, created),
	F("Resolved", "resolved", FK_COUNT, resolved),
	F("Reopened", "reopened", FK_COUNT, reopened),
	F("Backlog", "backlog", FK_BACKLOG, backlog),
	F("First resp. median", "first_response.median", FK_MEDIAN,
	    first_response),
	F("First resp. p90", "first_response.p90", FK_P90, first_response),
	F("First resp. in target", "first_response.within_target",
	    FK_SHARE, first_response_target),
	F("Resolution median", "resolution.median", FK_MEDIAN, resolution),
	F("Resolution in target", "resolution.within_target", FK_SHARE,
	    resolution_target),
	F("Next resp. in target", "next_response.within_target", FK_SHARE,
	    next_response_target),
	F("One-touch", "one_touch", FK_ONE_TOUCH, one_touch),
	F("Messages per ticket", "messages_per_ticket", FK_MPT, messages),
	F("CSAT average", "csat.average", FK_CSAT_AVG, csat),
};

static const char *const by_names[] = {
	"none", "queue", "agent", "priority", "tag", "day", "week",
};
static const char *
by_name(enum report_by by)
{
	return (gsize)by < G_N_ELEMENTS(by_names) ? by_names[by] : "group";
}

static const char *const day_abbr[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};
static const char *const age_labels[REPORT_AGES] = {
	"< 1 d", "1–3 d", "3–7 d", "> 7 d",
};

static const char style[] =
	":root{--a:#2f6db5;--b:#e08a2c;--ink:#1d232b;--mute:#5b6573;"
	"--rule:#d5dae1}body{margin:24px auto;max-width:1180px;"
	"padding:0 16px;color:var(--ink);font:14px/1.45 \"Noto Sans\","
	"\"Noto Sans Thai\",\"Loma\",\"Garuda\",\"TLWG Typist\",sans-serif}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;"
	"margin:28px 0 8px;border-bottom:1px solid var(--rule);"
	"padding-bottom:4px}.meta{color:var(--mute);margin:0}"
	".tables{display:flex;flex-wrap:wrap;gap:12px 32px;"
	"align-items:start}.scroll{overflow-x:auto}"
	"table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
	"th,td{padding:3px 10px;border-bottom:1px solid var(--rule);"
	"vertical-align:top}th{text-align:left;font-weight:600}"
	"thead th{vertical-align:bottom;border-bottom:2px solid var(--ink)}"
	"td[data-value]{text-align:right;white-space:nowrap}"
	"th.by{text-transform:capitalize}.groups tbody th{min-width:8em}"
	"td.comment{max-width:60ch;overflow-wrap:anywhere}"
	".charts{display:grid;"
	"grid-template-columns:repeat(auto-fit,minmax(520px,1fr));"
	"gap:16px 28px}figure{margin:0;break-inside:avoid;"
	"page-break-inside:avoid}figcaption{color:var(--mute);"
	"font-size:13px;margin-top:2px}svg{width:100%;height:auto;"
	"display:block}svg text{font-size:12px;fill:var(--mute)}"
	"svg .grid{stroke:#e6e9ee}svg .axis{stroke:#9aa3ae}"
	"svg .a{fill:var(--a)}svg .b{fill:var(--b)}svg .empty{fill:none;"
	"stroke:#b8c0ca;stroke-dasharray:3 3}"
	"svg .target,svg .average{stroke:#c0392b;stroke-width:2;"
	"stroke-dasharray:6 3}svg text.note{fill:#c0392b;font-weight:600}"
	"svg text.value{fill:var(--ink);font-size:11px}"
	"@media print{@page{size:A4;margin:14mm}body{margin:0;"
	"max-width:none;font-size:10pt;padding:0}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	".charts{display:block}.charts figure{max-width:160mm;"
	"margin:0 auto 8mm}h2{break-after:avoid;page-break-after:avoid}"
	".scroll{overflow:visible}thead{display:table-header-group}"
	"tr{break-inside:avoid;page-break-inside:avoid}table{font-size:9pt}"
	"th,td{padding:2px 6px}.groups{font-size:7pt}"
	".groups th,.groups td{padding:2px 3px}}";

/* Text for HTML, in content or in a quoted attribute. Control
 * characters go: they are never meant and some are not allowed. */
static void
esc(GString *out, const char *s)
{
	char		*v = g_utf8_make_valid(s != NULL ? s : "", -1);
	const char	*p;

	for (p = v; *p != '\0'; p++) {
		switch (*p) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default:
			if ((guchar)*p >= 0x20 && *p != 0x7f)
				g_string_append_c(out, *p);
			else if (*p == '\n' || *p == '\t')
				g_string_append_c(out, ' ');
		}
	}
	g_free(v);
}

/* Numbers in SVG are always written with a dot, whatever the locale. */
static void
num(GString *out, const char *name, double v)
{
	char	 buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append_printf(out, " %s=\"%s\"", name,
	    g_ascii_formatd(buf, sizeof buf, "%.1f", v));
}

/* A duration for people: "45s", "12m 05s", "1h 05m", "2d 03h". */
static void
dur_text(GString *out, gint64 s)
{
	char	*text = sla_duration_text(s);

	g_string_append(out, text);
	g_free(text);
}

/* A round duration short, as axis labels want it: "15m", "4h", "1d". */
static void
short_dur(GString *out, gint64 s)
{
	if (s > 0 && s % 86400 == 0)
		g_string_append_printf(out, "%" G_GINT64_FORMAT "d", s / 86400);
	else if (s > 0 && s % 3600 == 0)
		g_string_append_printf(out, "%" G_GINT64_FORMAT "h", s / 3600);
	else if (s > 0 && s % 60 == 0)
		g_string_append_printf(out, "%" G_GINT64_FORMAT "m", s / 60);
	else
		dur_text(out, s);
}

static void
percent_text(GString *out, double fraction)
{
	char	 buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append_printf(out, "%s%%",
	    g_ascii_formatd(buf, sizeof buf, "%.1f", fraction * 100));
}

static char *
stat_text(const struct report_stats *st, enum fk kind, GString *shown)
{
	gint64	 v;

	if (st->count == 0)
		return NULL;
	if (kind == FK_MEAN) {
		dur_text(shown, llround(st->mean));
		return report_fixed_text(st->mean, 1);
	}
	v = kind == FK_MEDIAN ? st->median : kind == FK_P90 ? st->p90 :
	    st->max;
	dur_text(shown, v);
	return g_strdup_printf("%" G_GINT64_FORMAT, v);
}

static char *
ratio_text(guint n, guint of, int decimals, int percent, GString *shown)
{
	char	*v;

	if (of == 0)
		return NULL;
	v = report_fixed_text((double)n / of, decimals);
	if (percent)
		percent_text(shown, (double)n / of);
	else
		g_string_append(shown, v);
	return v;
}

/* The JSON text of a figure, NULL for null, and what people see. */
static char *
fig_text(const struct report_figures *f, const struct fig *d, GString *shown)
{
	const char			*p = (const char *)f + d->off;
	const struct report_share	*sh = (const void *)p;
	char				*v;

	switch (d->kind) {
	case FK_BACKLOG:
		if (!f->has_backlog)
			return NULL;
		/* FALLTHROUGH */
	case FK_COUNT:
		g_string_append_printf(shown, "%u", *(const guint *)p);
		return g_strdup_printf("%u", *(const guint *)p);
	case FK_SHARE:
		if (sh->targeted == 0)
			return NULL;
		percent_text(shown, (double)sh->met / sh->targeted);
		return report_share_text(sh);
	case FK_ONE_TOUCH:
		return ratio_text(f->one_touch, f->resolved, 4, 1, shown);
	case FK_MPT:
		return ratio_text(f->messages, f->created, 2, 0, shown);
	case FK_CSAT_AVG:
		if (f->csat_count == 0)
			return NULL;
		v = report_fixed_text(report_csat_mean(f), 2);
		g_string_append(shown, v);
		return v;
	default:
		return stat_text((const void *)p, d->kind, shown);
	}
}

/* One <td>: the figure with its JSON path and text, or an empty cell. */
static void
fig_cell(GString *out, const struct report_figures *f, const char *prefix,
    const struct fig *d)
{
	GString	*shown;
	char	*v;

	if (d->span == 0)
		return;
	g_string_append(out, "<td");
	if (d->span > 1)
		g_string_append_printf(out, " colspan=\"%d\"", d->span);
	if (d->path == NULL) {
		g_string_append(out, "></td>");
		return;
	}
	shown = g_string_new(NULL);
	if ((v = fig_text(f, d, shown)) == NULL)
		g_string_assign(shown, "–");
	g_string_append_printf(out, " data-figure=\"%s%s\" data-value=\"",
	    prefix, d->path);
	esc(out, v != NULL ? v : "null");
	g_string_append(out, "\">");
	esc(out, shown->str);
	g_string_append(out, "</td>");
	g_string_free(shown, TRUE);
	g_free(v);
}

static void
list_table(GString *out, const char *caption, const struct report_figures *f,
    const struct fig *figs, gsize n)
{
	gsize	 i;

	g_string_append_printf(out, "<table class=\"summary\"><thead><tr>"
	    "<th colspan=\"2\">%s</th></tr></thead><tbody>\n", caption);
	for (i = 0; i < n; i++) {
		g_string_append_printf(out, "<tr><th>%s</th>", figs[i].label);
		fig_cell(out, f, "total.", &figs[i]);
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</tbody></table>\n");
}

static void
time_table(GString *out, const struct report_figures *f)
{
	gsize	 i, j;

	g_string_append(out, "<table class=\"times\"><thead><tr><th></th>"
	    "<th colspan=\"2\">First response</th>"
	    "<th colspan=\"2\">Resolution</th><th>Next response</th></tr>"
	    "<tr><th></th><th>clock</th><th>business</th><th>clock</th>"
	    "<th>business</th><th></th></tr></thead><tbody>\n");
	for (i = 0; i < G_N_ELEMENTS(time_rows); i++) {
		g_string_append_printf(out, "<tr><th>%s</th>",
		    time_rows[i].label);
		for (j = 0; j < G_N_ELEMENTS(time_rows[i].c); j++)
			fig_cell(out, f, "total.", &time_rows[i].c[j]);
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</tbody></table>\n");
}

static void
groups_table(GString *out, const struct report *r)
{
	const struct report_figures	*f;
	char				 prefix[32];
	guint				 i;
	gsize				 j;

	g_string_append_printf(out, "<h2>By %s</h2>\n<div class=\"scroll\">"
	    "<table class=\"groups\"><thead><tr><th class=\"by\">%s</th>",
	    by_name(r->q.by), by_name(r->q.by));
	for (j = 0; j < G_N_ELEMENTS(group_figs); j++)
		g_string_append_printf(out, "<th>%s</th>", group_figs[j].label);
	g_string_append(out, "</tr></thead><tbody>\n");
	for (i = 0; i < r->groups->len; i++) {
		f = g_ptr_array_index(r->groups, i);
		g_snprintf(prefix, sizeof prefix, "groups.%u.", i);
		g_string_append_printf(out, "<tr><th data-figure=\"%skey\" "
		    "data-value=\"", prefix);
		esc(out, f->key);
		g_string_append(out, "\">");
		esc(out, f->key != NULL && *f->key != '\0' ? f->key : "(none)");
		g_string_append(out, "</th>");
		for (j = 0; j < G_N_ELEMENTS(group_figs); j++)
			fig_cell(out, f, prefix, &group_figs[j]);
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</tbody></table></div>\n");
}

static void
low_table(GString *out, const struct report_figures *f)
{
	const struct report_low_score	*l;
	guint				 i, n;

	n = f->csat_low != NULL ? f->csat_low->len : 0;
	g_string_append(out, "<h2>Low satisfaction scores</h2>\n");
	if (n == 0) {
		g_string_append(out, "<p>None in the period.</p>\n");
		return;
	}
	g_string_append(out, "<table class=\"low\"><thead><tr><th>Ticket</th>"
	    "<th>Rating</th><th>Comment</th></tr></thead><tbody>\n");
	for (i = 0; i < n; i++) {
		l = g_ptr_array_index(f->csat_low, i);
		g_string_append_printf(out, "<tr><td data-figure=\"total.csat."
		    "low.%u.ticket\" data-value=\"%" G_GINT64_FORMAT "\">#%"
		    G_GINT64_FORMAT "</td><td data-figure=\"total.csat.low.%u."
		    "rating\" data-value=\"%d\">%d</td><td class=\"comment\">",
		    i, l->ticket, l->ticket, i, l->rating, l->rating);
		esc(out, l->comment);
		g_string_append(out, "</td></tr>\n");
	}
	g_string_append(out, "</tbody></table>\n");
}

/* Charts. Each is a <figure id="chart-NAME"> holding one <svg>. */

static void
chart_open(GString *out, const char *name, const char *label, int h)
{
	g_string_append_printf(out, "<figure id=\"chart-%s\">\n<svg "
	    "viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"", name, CW, h);
	esc(out, label);
	g_string_append(out, "\">\n");
}

static void
chart_close(GString *out, const char *caption)
{
	g_string_append(out, "</svg>\n<figcaption>");
	esc(out, caption);
	g_string_append(out, "</figcaption>\n</figure>\n");
}

/* The smallest of 1, 2, 5, 10, 20... that makes four steps reach max. */
static guint
nice_step(guint max)
{
	guint	 mag, m[] = { 1, 2, 5 };
	int	 i;

	for (mag = 1;; mag *= 10)
		for (i = 0; i < 3; i++)
			if (m[i] * mag * 4 >= max || mag > G_MAXUINT / 100)
				return m[i] * mag;
}

static double
yof(double v, double ymax)
{
	return PY1 - (PY1 - PY0) * (ymax > 0 ? MIN(v / ymax, 1) : 0);
}

/* The start of a <line> or <rect>: the caller closes the tag. */
static void
svg_line(GString *out, const char *cls, double x1, double y1, double x2,
    double y2)
{
	g_string_append_printf(out, "<line class=\"%s\"", cls);
	num(out, "x1", x1);
	num(out, "y1", y1);
	num(out, "x2", x2);
	num(out, "y2", y2);
}

static void
svg_rect(GString *out, const char *cls, double x, double y, double w,
    double h)
{
	g_string_append_printf(out, "<rect class=\"%s\"", cls);
	num(out, "x", x);
	num(out, "y", y);
	num(out, "width", w);
	num(out, "height", h);
}

/* A tooltip, and the end of the element it is in. */
static void
svg_title(GString *out, const char *elem, const char *tip)
{
	g_string_append(out, "><title>");
	esc(out, tip);
	g_string_append_printf(out, "</title></%s>\n", elem);
}

static void
text_at(GString *out, double x, double y, const char *anchor,
    const char *cls, const char *s)
{
	g_string_append_printf(out, "<text class=\"%s\" text-anchor=\"%s\"",
	    cls, anchor);
	num(out, "x", x);
	num(out, "y", y);
	g_string_append_c(out, '>');
	esc(out, s);
	g_string_append(out, "</text>\n");
}

/* Grid lines and labels for 0 to 4 steps, and the x axis. */
static void
y_axis(GString *out, guint step, const char *unit)
{
	char	 s[32];
	int	 i;

	for (i = 0; i <= 4; i++) {
		svg_line(out, i == 0 ? "axis" : "grid", PX0, yof(i, 4), PX1,
		    yof(i, 4));
		g_string_append(out, "/>");
		g_snprintf(s, sizeof s, "%u%s", i * step, unit);
		text_at(out, PX0 - 6, yof(i, 4) + 4, "end", "", s);
	}
}

/* A bar from the x axis; value is its data-value, tip its tooltip. */
static void
bar(GString *out, double x, double w, double y, const char *cls,
    const char *value, const char *tip)
{
	char	*c = g_strconcat("bar ", cls, NULL);

	svg_rect(out, c, x, y, MAX(w, 0.5), PY1 - y);
	g_string_append(out, " data-value=\"");
	esc(out, value);
	g_string_append_c(out, '"');
	svg_title(out, "rect", tip);
	g_free(c);
}

/* A dashed line across the plot at x, labelled at its top. */
static void
marker(GString *out, const char *cls, double x, const char *label,
    const char *value)
{
	svg_line(out, cls, x, PY0 - 8, x, PY1);
	if (value != NULL)
		g_string_append_printf(out, " data-value=\"%s\"", value);
	svg_title(out, "line", label);
	text_at(out, x < CW / 2 ? x + 5 : x - 5, PY0 - 12,
	    x < CW / 2 ? "start" : "end", "note", label);
}

static void
count_bar(GString *out, double x, double w, guint n, guint ymax,
    const char *cls, const char *tip)
{
	char	 v[16];

	g_snprintf(v, sizeof v, "%u", n);
	bar(out, x, w, yof(n, ymax), cls, v, tip);
}

/* Bars with a count on top, for the charts with few of them. */
static void
labelled_bars(GString *out, const guint *n, const char *const *labels,
    guint len, const char *what)
{
	double	 slot = (double)(PX1 - PX0) / len;
	guint	 i, max = 0, step;
	char	*tip, v[16];

	for (i = 0; i < len; i++)
		max = MAX(max, n[i]);
	step = nice_step(max);
	y_axis(out, step, "");
	for (i = 0; i < len; i++) {
		tip = g_strdup_printf("%s: %u %s", labels[i], n[i], what);
		count_bar(out, PX0 + slot * (i + 0.2), slot * 0.6, n[i],
		    4 * step, "a", tip);
		g_snprintf(v, sizeof v, "%u", n[i]);
		text_at(out, PX0 + slot * (i + 0.5), yof(n[i], 4 * step) - 4,
		    "middle", "value", v);
		text_at(out, PX0 + slot * (i + 0.5), PY1 + 16, "middle", "",
		    labels[i]);
		g_free(tip);
	}
}

static void
legend(GString *out, double x, const char *cls, const char *label)
{
	svg_rect(out, cls, x, 6, 10, 10);
	g_string_append(out, "/>");
	text_at(out, x + 14, 15, "start", "", label);
}

/* A date label every few slots, "11-16", so they never overlap. */
static void
date_label(GString *out, const struct report *r, gint64 t, guint i,
    guint n, double x)
{
	char	*d;

	if (i % ((n + XLABELS - 1) / XLABELS) != 0)
		return;
	d = report_date_text(r, t);
	text_at(out, x, PY1 + 16, "middle", "", strlen(d) > 5 ? d + 5 : d);
	g_free(d);
}

static void
chart_created_resolved(GString *out, const struct report *r)
{
	const struct report_day	*d;
	guint			 i, n = r->days->len, max = 0, step;
	double			 slot = (double)(PX1 - PX0) / MAX(n, 1);
	char			*date, *tip;

	chart_open(out, "created-resolved", "Tickets created and resolved "
	    "per day", CH);
	for (i = 0; i < n; i++) {
		d = &g_array_index(r->days, struct report_day, i);
		max = MAX(max, MAX(d->created, d->resolved));
	}
	step = nice_step(max);
	y_axis(out, step, "");
	legend(out, PX1 - 170, "a", "created");
	legend(out, PX1 - 90, "b", "resolved");
	for (i = 0; i < n; i++) {
		d = &g_array_index(r->days, struct report_day, i);
		date = report_date_text(r, d->start);
		tip = g_strdup_printf("%s: %u created", date, d->created);
		count_bar(out, PX0 + slot * (i + 0.1), slot * 0.4, d->created,
		    4 * step, "a", tip);
		g_free(tip);
		tip = g_strdup_printf("%s: %u resolved", date, d->resolved);
		count_bar(out, PX0 + slot * (i + 0.5), slot * 0.4, d->resolved,
		    4 * step, "b", tip);
		date_label(out, r, d->start, i, n, PX0 + slot * (i + 0.5));
		g_free(tip);
		g_free(date);
	}
	chart_close(out, "Tickets created against tickets resolved, per day.");
}

/* Where a duration falls on the bucket axis: within its bucket, in
 * proportion, so the bars left of a target line are those within it. */
static double
bucket_x(gint64 t, double slot)
{
	gint64	 lo = 0, hi;
	int	 i;

	for (i = 0; i < REPORT_FR_BUCKETS - 1; i++) {
		hi = report_fr_bucket_upto[i];
		if (t <= hi)
			return PX0 + slot * (i + (double)(t - lo) / (hi - lo));
		lo = hi;
	}
	return PX0 + slot * (REPORT_FR_BUCKETS - 0.5);
}

static void
target_line(GString *out, const struct report *r, double slot)
{
	GString	*label = g_string_new("target ");
	char	 v[16];

	short_dur(label, r->fr_target);
	if (r->fr_target_policy != NULL && *r->fr_target_policy != '\0')
		g_string_append_printf(label, " (%s)", r->fr_target_policy);
	g_snprintf(v, sizeof v, "%u", r->fr_target);
	marker(out, "target", bucket_x(r->fr_target, slot), label->str, v);
	g_string_free(label, TRUE);
}

static void
chart_first_response(GString *out, const struct report *r)
{
	GString		*s[REPORT_FR_BUCKETS];
	const char	*labels[REPORT_FR_BUCKETS];
	double		 slot = (double)(PX1 - PX0) / REPORT_FR_BUCKETS;
	int		 i, last = REPORT_FR_BUCKETS - 1;

	chart_open(out, "first-response", "Distribution of first response "
	    "times", CH);
	for (i = 0; i < REPORT_FR_BUCKETS; i++) {
		s[i] = g_string_new(i < last ? "≤ " : "> ");
		short_dur(s[i], report_fr_bucket_upto[i < last ? i : i - 1]);
		labels[i] = s[i]->str;
	}
	labelled_bars(out, r->fr_buckets, labels, REPORT_FR_BUCKETS,
	    "first responses");
	if (r->fr_target != 0)
		target_line(out, r, slot);
	for (i = 0; i < REPORT_FR_BUCKETS; i++)
		g_string_free(s[i], TRUE);
	chart_close(out, "Tickets by time to first response; the dashed line "
	    "is the first-response target most tickets had.");
}

static void
week_bar(GString *out, const struct report *r, const struct report_week *w,
    double x, double width)
{
	const struct report_share	*sh = &w->first_response_target;
	char				*date, *share, *tip;
	GString				*pct = g_string_new(NULL);

	date = report_date_text(r, w->start);
	share = report_share_text(sh);
	if (sh->targeted == 0) {
		tip = g_strdup_printf("week of %s: no target", date);
		bar(out, x, width, PY0, "empty", share, tip);
		text_at(out, x + width / 2, PY1 - 6, "middle", "", "–");
	} else {
		percent_text(pct, (double)sh->met / sh->targeted);
		tip = g_strdup_printf("week of %s: %s of %u within target",
		    date, pct->str, sh->targeted);
		bar(out, x, width, yof(100.0 * sh->met / sh->targeted, 100),
		    "a", share, tip);
	}
	g_string_free(pct, TRUE);
	g_free(tip);
	g_free(share);
	g_free(date);
}

static void
chart_sla_weekly(GString *out, const struct report *r)
{
	const struct report_week	*w;
	guint				 i, n = r->weeks->len;
	double				 slot = (double)(PX1 - PX0) / MAX(n, 1);

	chart_open(out, "sla-weekly", "Share of first responses within "
	    "target, per week", CH);
	y_axis(out, 25, "%");
	for (i = 0; i < n; i++) {
		w = &g_array_index(r->weeks, struct report_week, i);
		week_bar(out, r, w, PX0 + slot * (i + 0.2), slot * 0.6);
		date_label(out, r, w->start, i, n, PX0 + slot * (i + 0.5));
	}
	chart_close(out, "First responses within target, per week from "
	    "Monday; an empty outline is a week without a target.");
}

static void
chart_backlog_age(GString *out, const struct report *r)
{
	chart_open(out, "backlog-age", "Open tickets at the end of the "
	    "period by age", CH);
	if (r->total.has_backlog)
		labelled_bars(out, r->total.backlog_age, age_labels,
		    REPORT_AGES, "open tickets");
	else
		text_at(out, CW / 2, CH / 2, "middle", "", "No backlog figures "
		    "for this report.");
	chart_close(out, "Tickets open at the end of the period, by age "
	    "since creation.");
}

/* From pale to full blue (#1f4e9e), in proportion to the busiest hour:
 * linear, so twice as dark is twice as many. */
static void
heat(GString *out, guint n, guint max)
{
	double	 t = max > 0 ? (double)n / max : 0;

	g_string_append_printf(out, " fill=\"rgb(%d,%d,%d)\"",
	    (int)lround(243 - t * 212), (int)lround(245 - t * 167),
	    (int)lround(249 - t * 91));
}

#define HOW_TOP		22
#define HOW_CELL	22	/* a row, with its gap */

static void
heat_cell(GString *out, int day, int hour, guint n, guint max)
{
	double	 cw = (PX1 - PX0) / 24.0;
	char	*tip;

	svg_rect(out, "cell", PX0 + cw * hour + 1, HOW_TOP + HOW_CELL * day,
	    cw - 2, HOW_CELL - 2);
	heat(out, n, max);
	g_string_append_printf(out, " data-value=\"%u\"", n);
	tip = g_strdup_printf("%s %02d:00–%02d:00: %u created", day_abbr[day],
	    hour, hour + 1, n);
	svg_title(out, "rect", tip);
	g_free(tip);
}

static void
chart_hour_of_week(GString *out, const struct report *r)
{
	double	 cw = (PX1 - PX0) / 24.0;
	int	 d, h, bottom = HOW_TOP + 7 * HOW_CELL;
	guint	 max = 0;
	char	 s[32];

	chart_open(out, "hour-of-week", "Tickets created by hour of the week",
	    bottom + 30);
	for (d = 0; d < 7; d++)
		for (h = 0; h < 24; h++)
			max = MAX(max, r->hour_of_week[d][h]);
	for (h = 0; h < 24; h += 3) {
		g_snprintf(s, sizeof s, "%02d", h);
		text_at(out, PX0 + cw * (h + 0.5), HOW_TOP - 6, "middle", "",
		    s);
	}
	for (d = 0; d < 7; d++) {
		text_at(out, PX0 - 6, HOW_TOP + HOW_CELL * d + 15, "end", "",
		    day_abbr[d]);
		for (h = 0; h < 24; h++)
			heat_cell(out, d, h, r->hour_of_week[d][h], max);
	}
	for (h = 0; h <= 4; h++) {
		svg_rect(out, "key", PX1 - 120 + 16 * h, bottom + 10, 14, 10);
		heat(out, h, 4);
		g_string_append(out, "/>");
	}
	text_at(out, PX1 - 126, bottom + 19, "end", "", "0");
	g_snprintf(s, sizeof s, "%u", max);
	text_at(out, PX1 - 38, bottom + 19, "start", "", s);
	chart_close(out, "Tickets created by hour of the week, in the "
	    "report's time zone; darker is busier.");
}

static void
chart_csat(GString *out, const struct report *r)
{
	static const char *const labels[5] = { "1", "2", "3", "4", "5" };
	const struct report_figures	*f = &r->total;
	double				 slot = (double)(PX1 - PX0) / 5;
	char				*avg, *s;

	chart_open(out, "csat", "Satisfaction ratings from 1 to 5", CH);
	labelled_bars(out, f->csat, labels, 5, "ratings");
	avg = report_fixed_text(report_csat_mean(f), 2);
	if (f->csat_count > 0) {
		s = g_strdup_printf("average %s", avg);
		marker(out, "average", PX0 + slot * (report_csat_mean(f) - 0.5), s,
		    NULL);
		g_free(s);
	}
	s = f->csat_count > 0 ? g_strdup_printf("Satisfaction ratings, 1 "
	    "(worst) to 5 (best): %u ratings, average %s.", f->csat_count,
	    avg) : g_strdup("Satisfaction ratings: none in the period.");
	chart_close(out, s);
	g_free(s);
	g_free(avg);
}

static void
page_head(GString *out, const struct report *r, const char *title)
{
	const char	*tz = r->q.tz != NULL ?
			    g_time_zone_get_identifier(r->q.tz) : "UTC";
	char		*from = report_date_text(r, r->q.from);
	char		*to = report_date_text(r, r->q.to - 1), *meta;

	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-"
	    "Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'"
	    "\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>");
	esc(out, title);
	g_string_append_printf(out, "</title>\n<style>\n%s</style>\n</head>\n"
	    "<body>\n<header>\n<h1>", style);
	esc(out, title);
	meta = g_strdup_printf("%s to %s · %s · %s%s%s", from, to, tz,
	    r->q.queue != NULL ? r->q.queue : "all queues",
	    r->q.by != REPORT_BY_NONE ? " · by " : "",
	    r->q.by != REPORT_BY_NONE ? by_name(r->q.by) : "");
	g_string_append(out, "</h1>\n<p class=\"meta\">");
	esc(out, meta);
	g_string_append(out, "</p>\n</header>\n");
	g_free(meta);
	g_free(from);
	g_free(to);
}

void
report_html(const struct report *r, const char *title, GString *out)
{
	page_head(out, r, title);
	g_string_append(out, "<h2>Summary</h2>\n<div class=\"tables\">\n");
	list_table(out, "Tickets", &r->total, volume_figs,
	    G_N_ELEMENTS(volume_figs));
	time_table(out, &r->total);
	list_table(out, "Satisfaction", &r->total, csat_figs,
	    G_N_ELEMENTS(csat_figs));
	g_string_append(out, "</div>\n<h2>Charts</h2>\n"
	    "<div class=\"charts\">\n");
	chart_created_resolved(out, r);
	chart_first_response(out, r);
	chart_sla_weekly(out, r);
	chart_backlog_age(out, r);
	chart_hour_of_week(out, r);
	chart_csat(out, r);
	g_string_append(out, "</div>\n");
	if (r->groups != NULL && r->groups->len > 0)
		groups_table(out, r);
	low_table(out, &r->total);
	g_string_append(out, "</body>\n</html>\n");
}
