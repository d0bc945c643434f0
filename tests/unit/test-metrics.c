/*
 * test-metrics: the exposition text (label escaping, every configured
 * queue at 0, parts the database did not give left out, histogram
 * buckets) and tally's transaction frames (counts wait for the commit,
 * a rolled-back savepoint's are dropped).
 */
#include <string.h>

#include "conf.h"
#include "metrics.h"
#include "store.h"
#include "tally.h"

static struct conf *
conf_with_queues(void)
{
	static const char text[] = "[ticketd]\ndatabase = x\n"
	    "[queue support]\naddress = support@example.com\n"
	    "[queue say \"hi\" \\ bye]\naddress = odd@example.com\n";
	char		*cause = NULL;
	struct conf	*c = conf_load_buffer("t.conf", text, sizeof text - 1,
			    &cause);

	g_assert_null(cause);
	return c;
}

static struct store_stats_count *
count_new(const char *status, const char *queue, gint64 n)
{
	struct store_stats_count *c = g_new0(struct store_stats_count, 1);

	c->status = g_strdup(status);
	c->queue = g_strdup(queue);
	c->count = n;
	return c;
}

static gboolean
has_line(const GString *text, const char *line)
{
	char	*l = g_strconcat("\n", line, "\n", NULL);
	int	 found = strstr(text->str, l) != NULL;

	g_free(l);
	return found;
}

static void
test_escaping(void)
{
	struct conf		*c = conf_with_queues();
	struct store_stats	 st = { 0 };
	GString			*out = g_string_new("\n");

	tally_reset();
	st.read = STORE_STATS_TICKETS | STORE_STATS_SLA;
	st.tickets = g_ptr_array_new_with_free_func(store_stats_count_free);
	g_ptr_array_add(st.tickets, count_new("open", "say \"hi\" \\ bye", 3));
	g_ptr_array_add(st.tickets, count_new("new", "gone\nqueue", 2));
	metrics_format(out, c, &st, 1234);
	g_assert_true(has_line(out,
	    "ticketd_tickets{queue=\"say \\\"hi\\\" \\\\ bye\",status=\"open\"} 3"));
	g_assert_true(has_line(out,
	    "ticketd_tickets{queue=\"support\",status=\"new\"} 0"));
	/* A queue no longer configured, with a newline in its name. */
	g_assert_true(has_line(out,
	    "ticketd_tickets{queue=\"gone\\nqueue\",status=\"new\"} 2"));
	g_assert_true(has_line(out,
	    "ticketd_sla_at_risk_tickets{queue=\"support\"} 0"));
	/* The outbox part was not read: not exported as 0. */
	g_assert_null(strstr(out->str, "ticketd_outbox_backlog"));
	g_assert_true(has_line(out, "ticketd_start_time_seconds 1234"));
	g_assert_true(has_line(out, "# TYPE ticketd_tickets gauge"));
	store_stats_clear(&st);
	g_string_free(out, TRUE);
	conf_unref(c);
}

static void
test_histogram(void)
{
	GString	*out = g_string_new("\n");

	tally_reset();
	tally_observe(TALLY_COMMIT_SECONDS, 400);	/* 0.4 ms */
	tally_observe(TALLY_COMMIT_SECONDS, 3000);
	tally_observe(TALLY_COMMIT_SECONDS, 60 * 1000000);
	tally_format(out);
	g_assert_true(has_line(out,
	    "ticketd_ingest_commit_duration_seconds_bucket{le=\"0.0005\"} 1"));
	g_assert_true(has_line(out,
	    "ticketd_ingest_commit_duration_seconds_bucket{le=\"0.005\"} 2"));
	g_assert_true(has_line(out,
	    "ticketd_ingest_commit_duration_seconds_bucket{le=\"5\"} 2"));
	g_assert_true(has_line(out,
	    "ticketd_ingest_commit_duration_seconds_bucket{le=\"+Inf\"} 3"));
	g_assert_true(has_line(out,
	    "ticketd_ingest_commit_duration_seconds_count 3"));
	g_assert_true(has_line(out,
	    "ticketd_ingest_commit_duration_seconds_sum 60.003400"));
	g_string_free(out, TRUE);
}

static gboolean
counted(const char *line)
{
	GString		*out = g_string_new("\n");
	gboolean	 found;

	tally_format(out);
	found = has_line(out, line);
	g_string_free(out, TRUE);
	return found;
}

static void
test_frames(void)
{
	tally_reset();
	tally_begin();
	tally_savepoint();
	tally_count(TALLY_TICKETS_CREATED, 1);
	tally_release();
	tally_savepoint();
	tally_count(TALLY_TICKETS_CREATED, 1);
	tally_count(TALLY_RULE_ERRORS, 1);
	tally_rollback_savepoint();
	/* Nothing shows before the commit. */
	g_assert_true(counted("ticketd_tickets_created_total 0"));
	tally_commit();
	g_assert_true(counted("ticketd_tickets_created_total 1"));
	g_assert_true(counted("ticketd_rule_errors_total 0"));
	/* A whole transaction rolled back counts nothing. */
	tally_begin();
	tally_count(TALLY_DUPLICATES, 1);
	tally_rollback();
	g_assert_true(counted("ticketd_duplicates_total 0"));
	/* Outside a frame: at once. */
	tally_count(TALLY_DUPLICATES, 2);
	tally_lmtp_reply("550 5.1.1 No such mailbox");
	tally_lmtp_reply("250 2.0.0 Ok");
	tally_imap_error("sup\"port");
	g_assert_true(counted("ticketd_duplicates_total 2"));
	g_assert_true(counted("ticketd_lmtp_rejections_total{code=\"550\"} 1"));
	g_assert_true(counted("ticketd_imap_errors_total{account=\"sup\\\"port\"} 1"));
	g_assert_false(counted("ticketd_lmtp_rejections_total{code=\"250\"} 1"));
	tally_reset();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/metrics/escaping", test_escaping);
	g_test_add_func("/metrics/histogram", test_histogram);
	g_test_add_func("/metrics/frames", test_frames);
	return g_test_run();
}
