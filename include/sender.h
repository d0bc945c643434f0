/*
 * sender: how the outbox hands a finished mail on. Backends are chosen
 * by the scheme of [smtp] url: smtp:// and smtps:// send over SMTP;
 * file:DIRECTORY writes each mail to a file there, for dry runs and for
 * admins who want to see what would go out.
 */
#ifndef SENDER_H
#define SENDER_H

#include <glib.h>

struct conf;

enum sender_result {
	SENDER_SENT,		/* accepted: never send it again */
	SENDER_TEMPFAIL,	/* try again later */
	SENDER_PERMFAIL,	/* never deliverable */
};

struct sender;

struct sender_ops {
	const char		*name;
	const char		*scheme;	/* URL prefix it serves */
	struct sender		*(*open)(const struct conf *, char **cause);
	/* *detail: what happened, for logs and the event log (g_free). */
	enum sender_result	 (*send)(struct sender *, const char *from,
				    const char *rcpt, GBytes *message,
				    char **detail);
	void			 (*close)(struct sender *);
};

struct sender {
	const struct sender_ops	*ops;
};

extern const struct sender_ops sender_smtp_ops;
extern const struct sender_ops sender_smtps_ops;
extern const struct sender_ops sender_file_ops;

/* The backend for conf's [smtp] url. NULL and *cause when none fits. */
struct sender	*sender_open(const struct conf *, char **cause);
void		 sender_close(struct sender *);
/* Does some backend serve this URL? */
int		 sender_url_known(const char *url);

#endif
