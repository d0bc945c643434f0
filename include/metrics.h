/*
 * metrics: the Prometheus endpoint, GET /metrics on [metrics] listen,
 * in the text exposition format 0.0.4. Counters and histograms come
 * from tally.h; gauges are read from the database at each scrape, on a
 * store handle of the endpoint's own, within METRICS_STORE_TIMEOUT: a
 * locked or slow database gives a scrape without them (and counts in
 * ticketd_metrics_store_errors_total), never a hung one.
 *
 * This is the only file that sees libmicrohttpd; its server runs in a
 * thread of its own, one request at a time.
 */
#ifndef METRICS_H
#define METRICS_H

#include <glib.h>

struct conf;
struct store_stats;

struct metrics;

/*
 * The endpoint of conf's [metrics] listen, or an idle one when it is
 * not set (a reload may set it). NULL and *cause ("path:line: [metrics]
 * listen ADDR: why") when the address cannot be listened on.
 */
struct metrics	*metrics_start(struct conf *, char **cause);
/*
 * Take on a reloaded conf: its queues, and its listen address when
 * that changed. A new address that cannot be listened on is logged,
 * and the old one goes on serving.
 */
void		 metrics_reload(struct metrics *, struct conf *);
void		 metrics_stop(struct metrics *);

/*
 * A scrape's text into out: tally's counters and histograms, then the
 * gauges of stats (the parts in stats->read; every queue of conf
 * appears, at 0 when the database has none), the start time and the
 * build. Pure, for tests.
 */
void		 metrics_format(GString *out, const struct conf *,
		    const struct store_stats *, gint64 start_time);

#endif
