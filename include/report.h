/*
 * report: the figures of a period, read from the SLA facts the store
 * keeps (never from logs, so a report run twice gives the same
 * numbers), and their JSON, CSV and HTML forms.
 *
 * Which tickets count where:
 *  - created, first response, messages per ticket and arrivals: the
 *    tickets created in the period;
 *  - resolved, resolution and one-touch: the tickets whose (last)
 *    resolution falls in the period;
 *  - reopened: those reopened (last) in the period;
 *  - next response: the waits answered in the period;
 *  - satisfaction: the last ratings given in the period;
 *  - backlog: the tickets open at the end of the period, aged from
 *    their creation.
 * Durations are seconds; time statistics use the nearest rank (the
 * median of 1, 2, 9 is 2), so every figure is one that happened. Days,
 * weeks (from Monday) and hours of the week are counted in the
 * report's time zone.
 */
#ifndef REPORT_H
#define REPORT_H

#include <glib.h>

struct conf;
struct store;

enum report_by {
	REPORT_BY_NONE,
	REPORT_BY_QUEUE,
	REPORT_BY_AGENT,	/* the assignee; "" for none */
	REPORT_BY_PRIORITY,
	REPORT_BY_TAG,		/* a ticket counts under each of its tags */
	REPORT_BY_DAY,		/* "2026-11-23" */
	REPORT_BY_WEEK,		/* the Monday: "2026-11-23" */
};

/* Backlog ages at the end of the period. */
enum {
	REPORT_AGE_UNDER_1D,
	REPORT_AGE_1D_3D,
	REPORT_AGE_3D_7D,
	REPORT_AGE_OVER_7D,
	REPORT_AGES
};

struct report_query {
	gint64		 from;		/* [from, to): unix seconds */
	gint64		 to;
	char		*queue;		/* NULL: every queue */
	enum report_by	 by;
	GTimeZone	*tz;
};

/* Nearest-rank statistics of a sample of durations; 0 when empty. */
struct report_stats {
	guint		 count;
	gint64		 median;
	gint64		 p90;
	double		 mean;
	gint64		 max;
};

/* A target's record: how many had one, how many met it. */
struct report_share {
	guint		 targeted;	/* met or not; no policy: not counted */
	guint		 met;
};

struct report_low_score {
	gint64		 ticket;
	int		 rating;
	char		*comment;	/* "" when none */
};

/* The figures of one group, or of the whole report. */
struct report_figures {
	char		*key;		/* the group, NULL for the total */
	guint		 created;
	guint		 resolved;
	guint		 reopened;
	int		 has_backlog;	/* groups by day or week have none */
	guint		 backlog;
	guint		 backlog_age[REPORT_AGES];
	struct report_stats first_response;		/* wall clock */
	struct report_stats first_response_business;
	struct report_share first_response_target;
	guint		 first_response_breaches;
	struct report_stats resolution;
	struct report_stats resolution_business;
	struct report_share resolution_target;
	struct report_share next_response_target;
	guint		 one_touch;	/* resolved with one agent reply */
	guint		 messages;	/* of the tickets created */
	guint		 csat_count;
	guint		 csat[5];	/* ratings 1 to 5 */
	GPtrArray	*csat_low;	/* struct report_low_score *: 1 and 2 */
};

/* Created against resolved, a day of the period. */
struct report_day {
	gint64		 start;
	guint		 created;
	guint		 resolved;
};

/* The first responses within target, a week of the period (from Monday). */
struct report_week {
	gint64		 start;
	struct report_share first_response_target;
};

/* The first-response distribution: how many answered within upto. */
#define REPORT_FR_BUCKETS	9
extern const gint64 report_fr_bucket_upto[REPORT_FR_BUCKETS]; /* last: G_MAXINT64 */

struct report {
	struct report_query	 q;
	struct report_figures	 total;
	GPtrArray		*groups;	/* struct report_figures *, by key */
	GArray			*days;		/* struct report_day */
	GArray			*weeks;		/* struct report_week */
	guint			 hour_of_week[7][24]; /* [0]: Monday, local */
	guint			 fr_buckets[REPORT_FR_BUCKETS];
	guint			 fr_target;	/* seconds: the policy most
						   tickets had; 0: none */
	char			*fr_target_policy;
};

/*
 * The nearest rank of pct of v[0..n), n > 0: the smallest value with pct
 * percent of them at or below it. Reorders v.
 */
gint64		 report_nearest_rank(gint64 *v, guint n, guint pct);

/* "queue", "agent", ... as --by names them: 0 and *by, or -1. */
int		 report_by_parse(const char *name, enum report_by *by);

/* The figures of q from the store: NULL and *cause on a store error. */
struct report	*report_make(struct store *, const struct conf *,
		    const struct report_query *q, char **cause);
void		 report_free(struct report *);

/*
 * Numbers as the JSON writes them, for the other forms to say the same:
 * a share as a fraction with 4 decimals ("0.8333"), "null" when nothing
 * had the target; any other fraction with decimals places. g_free.
 */
char		*report_share_text(const struct report_share *);
char		*report_fixed_text(double v, int decimals);
/* The average rating, 0 with none; as the JSON writes it, or "null". */
double		 report_csat_mean(const struct report_figures *);
char		*report_csat_text(const struct report_figures *);
/* A date of the report's time zone: "2026-11-23". g_free. */
char		*report_date_text(const struct report *, gint64 t);

/* The forms: each appends to out. */
void		 report_text(const struct report *, GString *out);
void		 report_json(const struct report *, GString *out);
void		 report_csv(const struct report *, GString *out);
/* One self-contained page: no script, no network, charts inline SVG. */
void		 report_html(const struct report *, const char *title,
		    GString *out);

#endif
