/*
 * smtp: sends a finished message over SMTP with libcurl; the only file
 * that includes curl.h.
 *
 * One struct smtp keeps one curl easy handle, so consecutive sends reuse
 * the connection. It is used by one thread at a time.
 */
#ifndef SMTP_H
#define SMTP_H

#include <glib.h>

struct smtp_config {
	const char	*url;		/* smtp://host:port or smtps://host:port */
	int		 starttls;	/* require STARTTLS on smtp:// */
	const char	*user;		/* NULL or "": no AUTH */
	const char	*password;
	const char	*ca_file;	/* extra trust anchor, or NULL */
	guint		 timeout;	/* seconds for connect and each reply */
};

enum smtp_result {
	SMTP_SENT,		/* the server accepted it */
	SMTP_TEMPFAIL,		/* 4xx, connection or TLS trouble: retry */
	SMTP_PERMFAIL,		/* 5xx: do not retry */
};

/* Call once before any thread starts. */
void		 smtp_init(void);

/* The config is copied. NULL and *cause when it cannot be used. */
struct smtp	*smtp_new(const struct smtp_config *, char **cause);
void		 smtp_free(struct smtp *);

/*
 * Send message (RFC 5322, CRLF line ends) from envelope_from ("" for the
 * null sender <>) to the NULL-terminated rcpts. *detail is set to the
 * server's reply code and text, or the local error, for every result;
 * free it with g_free.
 */
enum smtp_result smtp_send(struct smtp *, const char *envelope_from,
		    const char *const *rcpts, GBytes *message, char **detail);

#endif
