/*
 * tally: the daemon's counters and histograms, which the metrics
 * endpoint (metrics.h) exports. Counting is a relaxed atomic add on a
 * fixed table, so the hot paths take no lock and need no library.
 *
 * The writer counts what happens inside a transaction only when it
 * commits: between tally_begin() and tally_commit() a thread's counts
 * wait in a thread-local frame, those of a savepoint rolled back are
 * dropped, and tally_rollback() drops them all. Only the one savepoint
 * level that ingest uses per mail is tracked; a nested savepoint's
 * counts belong to the one around it. A thread with no open frame
 * counts at once.
 */
#ifndef TALLY_H
#define TALLY_H

#include <glib.h>

/* Counter slots; a labelled counter has one slot per label value. */
enum tally_slot {
	TALLY_MAIL_LMTP,		/* ticketd_mail_received_total{source} */
	TALLY_MAIL_PIPE,
	TALLY_MAIL_IMAP,
	TALLY_TICKETS_CREATED,
	TALLY_FOLLOW_UPS,
	TALLY_AGENT_MAILS,
	TALLY_DUPLICATES,
	TALLY_ACK_SENT,			/* ticketd_acknowledgements_total{outcome} */
	TALLY_ACK_SUPPRESSED,
	TALLY_ACK_FAILED,
	TALLY_OUTBOX_DEFERRALS,
	TALLY_LMTP_SESSIONS,
	TALLY_RULE_ERRORS,
	TALLY_METRICS_STORE_ERRORS,
	TALLY_SLOTS
};

enum tally_hist {
	TALLY_COMMIT_SECONDS,		/* observed in microseconds */
	TALLY_FIRST_RESPONSE_SECONDS,	/* observed in seconds */
	TALLY_HISTS
};

void	 tally_count(enum tally_slot, gint64 n);
/* The slot of ticketd_mail_received_total for a source's name. */
enum tally_slot tally_source_slot(const char *source);
/* An LMTP reply: a 4xx or 5xx counts as a rejection by its code. */
void	 tally_lmtp_reply(const char *reply);
/* A failed IMAP session or connection of account (a config name). */
void	 tally_imap_error(const char *account);
/* The account is exported from now on, at 0 until it fails. */
void	 tally_imap_known(const char *account);
/* One value, in the histogram's unit (see enum tally_hist). */
void	 tally_observe(enum tally_hist, gint64 value);

/* The writer's transaction frame (see above). */
void	 tally_begin(void);
void	 tally_savepoint(void);
void	 tally_release(void);
void	 tally_rollback_savepoint(void);
void	 tally_commit(void);
void	 tally_rollback(void);

/*
 * Append every counter and histogram to out in the Prometheus text
 * exposition format 0.0.4, with HELP and TYPE lines.
 */
void	 tally_format(GString *out);
/* The HELP and TYPE lines of a metric (type: counter, gauge, ...). */
void	 tally_head(GString *out, const char *name, const char *help,
	    const char *type);
/* A label value as the format quotes it: \ " and newline escaped. */
void	 tally_label_escape(GString *out, const char *value);
/* Forget every count (for tests), and free what tally_imap_error() kept. */
void	 tally_reset(void);

#endif
