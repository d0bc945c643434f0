/*
 * dsn: decides whether a parsed mail is a delivery status notification
 * and reads what it says: per recipient, the action, the status code
 * and the diagnostic, and the Message-ID of the mail that bounced.
 *
 * RFC 3464 reports (multipart/report; report-type=delivery-status, as
 * Postfix, Exim 4.8x and later, Exchange, Gmail and Sendmail write them)
 * are read from their message/delivery-status part. Bounces in plain
 * text are read where their format is known (qmail's "This is the
 * qmail-send program", Exim's "This message was created automatically by
 * mail delivery software"), and any other mail from a mailer daemon that
 * says it could not be delivered gets what a status code in its text
 * tells. The original's Message-ID comes from the returned
 * message/rfc822 or text/rfc822-headers part, or the copy of the
 * message quoted in the text.
 *
 * Pure: nothing here touches the store, so it runs in the parse pool.
 * Every string in a struct dsn is valid UTF-8 on one line.
 */
#ifndef DSN_H
#define DSN_H

#include <glib.h>

struct mail;

/* Ordered: the worse outcome compares greater. */
enum dsn_action {
	DSN_DELIVERED,		/* delivered, relayed or expanded */
	DSN_DELAYED,		/* still being retried: not a failure */
	DSN_FAILED,		/* given up */
};

struct dsn_rcpt {
	char		*rcpt;		/* address, "" when the report names none */
	enum dsn_action	 action;
	char		*status;	/* "5.1.1", "" when unknown */
	char		*diagnostic;	/* "smtp; 550 5.1.1 ...", "" when none */
};

struct dsn {
	const char	*format;	/* rfc3464, qmail, exim, text (static) */
	char		*original_msgid; /* without <>, NULL when not found */
	char		*reporting_mta;	/* "" when not said */
	GPtrArray	*rcpts;		/* struct dsn_rcpt *, at least one */
};

/*
 * The DSN in m, or NULL when m is not one. return_path is the envelope
 * sender ("" for the null sender, NULL when unknown). Free with
 * dsn_free.
 */
struct dsn		*dsn_parse(const struct mail *m, const char *return_path);
void			 dsn_free(struct dsn *);

/*
 * The recipient the report says most about for rcpt: the entry for that
 * address (compared without case), else the worst entry. Owned by dsn.
 */
const struct dsn_rcpt	*dsn_rcpt_for(const struct dsn *, const char *rcpt);

/* Is this a permanent failure (status 5.x.x)? */
int			 dsn_is_hard(const struct dsn_rcpt *);

/* "delivered", "delayed", "failed". */
const char		*dsn_action_name(enum dsn_action);

#endif
