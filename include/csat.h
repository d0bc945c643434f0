/*
 * csat: customer satisfaction by mail. A while after a ticket is
 * resolved ([csat] delay), its customer gets a survey with five mailto:
 * links, one per rating, each to a signed address of the queue
 * (support+s42.5.MAC@example.com); a click in any mail client sends the
 * rating. A reply to the survey whose first line is a digit 1 to 5
 * counts as well, the rest of it as the comment. The last rating of a
 * ticket is the one kept.
 *
 * A token that does not verify (forged, of another ticket, or of a
 * survey that is not the ticket's latest) counts nothing: the mail is
 * then the customer mail it looks like.
 */
#ifndef CSAT_H
#define CSAT_H

#include <glib.h>

struct conf;
struct mail;
struct store;

/* The template of the survey. */
#define CSAT_TEMPLATE	"csat-survey"

/*
 * Survey ticket id's customer now, in the open transaction: 1 when
 * queued; 0 with *why (g_free) when it must not go: the mail that opened
 * the ticket was automatic, a rule said acknowledge = no, the address
 * bounced, or the rate limits hold; -1 and *cause on a store error.
 */
int	 csat_survey(struct store *, const struct conf *, gint64 id,
	    gint64 now, char **why, char **cause);

/* What a mail says of satisfaction. */
struct csat_rating {
	gint64		 ticket;
	int		 rating;	/* 1 to 5 */
	char		*comment;	/* "" when none */
	const char	*how;		/* "survey link", "reply to the survey" */
	char		*refused;	/* a token was there but counts nothing */
};

/*
 * Does m, delivered to recipients (struct store_delivery *, or NULL),
 * rate a ticket? 1 and *r when it does; 0 when not, with r->refused set
 * when it carried a token that does not count; -1 and *cause on a store
 * error. Clear *r with csat_rating_clear() in every case.
 */
int	 csat_recognise(struct store *, const struct conf *,
	    const struct mail *m, GPtrArray *recipients,
	    struct csat_rating *r, char **cause);
void	 csat_rating_clear(struct csat_rating *);

/*
 * The words of a reply to a survey, quotes stripped: 1, *rating and
 * *comment (g_free) when their first line is a rating: "4", "4.",
 * "4/5", "4 out of 5", or "4 - quick and kind" (the comment goes on in
 * the lines after); else 0, as for "4 days later it broke again".
 */
int	 csat_reply_rating(const char *text, int *rating, char **comment);

/*
 * Keep r on its ticket in the open transaction, from the message row
 * that carried it: the last rating wins. *was is the rating before (0:
 * none). -1 and *cause on a store error.
 */
int	 csat_record(struct store *, const struct csat_rating *r, gint64 now,
	    int *was, char **cause);

#endif
