/*
 * mime: turns the raw bytes of a message into a struct mail.
 *
 * This is the only file that includes gmime and uchardet. Parsing never
 * fails: a message gmime cannot make sense of, or in which no text can
 * be found, still yields a struct mail with parsed == 0, the raw bytes,
 * what could be read and a parse_error, so nothing is dropped and the
 * ticket asks for attention.
 * Every string in a struct mail is valid UTF-8 with no NUL inside it and
 * no control character but tab, newline and form feed (U+FFFD stands
 * for them: they are binary debris, never text).
 */
#ifndef MIME_H
#define MIME_H

#include <glib.h>

struct mail_attachment {
	char	*name;		/* decoded file name, "" when none */
	char	*type;		/* "type/subtype", lower case */
	gsize	 size;		/* decoded size in octets */
	GBytes	*content;	/* decoded content */
};

/* A mailbox of an address header. */
struct mail_mailbox {
	char	*name;		/* decoded display name, "" when none */
	char	*addr;		/* addr-spec, lower case */
};

/* One top-level header field. */
struct mail_field {
	char	*name;		/* lower case */
	char	*value;		/* decoded, unfolded, on one line */
};

struct mail {
	GBytes		*raw;		/* the message exactly as received */
	int		 parsed;	/* 0: no header block or no text found */
	char		*parse_error;	/* why, when parsed == 0 */

	char		*message_id;	/* without <>, NULL when absent */
	char		*in_reply_to;	/* first id, without <>, or NULL */
	GPtrArray	*references;	/* char *, without <>, oldest first */
	char		*subject;	/* decoded, "" when absent */
	char		*from_name;	/* decoded display name, "" when none */
	char		*from_addr;	/* addr-spec, "" when none */
	char		*to;		/* decoded address list, "" when none */
	char		*cc;		/* decoded address list, "" when none */
	GPtrArray	*addresses;	/* char *: every addr-spec on From, To
					   and Cc, lower case, each once */
	GPtrArray	*to_addrs;	/* char *: those on To alone */
	GPtrArray	*from_list;	/* struct mail_mailbox *: From, in
					   order, groups flattened, with names */
	GPtrArray	*to_list;	/* struct mail_mailbox *: the same, To */
	GPtrArray	*cc_list;	/* struct mail_mailbox *: the same, Cc */
	GDateTime	*date;		/* Date: header in UTC, NULL if absent */
	char		*content_language; /* NULL when absent */
	char		*body;		/* readable text */
	GPtrArray	*attachments;	/* struct mail_attachment * */
	GHashTable	*headers;	/* lower-case name -> first value, unfolded */
	GPtrArray	*header_list;	/* struct mail_field *: every top-level
					   field in order (the message's, then
					   the Content-* gmime files under its
					   part) */

	/*
	 * The machine-readable parts of a delivery report (RFC 3464), each
	 * transfer-decoded, NULL when the mail has none: the first
	 * message/delivery-status part, and the first text/rfc822-headers
	 * part (a returned message/rfc822 is among the attachments).
	 */
	GBytes		*delivery_status;
	GBytes		*returned_headers;
};

/* Call once, before any thread starts. */
void		 mime_init(void);

/* 0 when mime_parse() can read charset, else -1 with *cause. */
int		 mime_charset_check(const char *charset, char **cause);

/*
 * Parse raw (a reference is taken). The result is freed with mail_free().
 * fallback_charset (NULL for windows-1252) is the last resort for
 * unlabelled 8-bit text that is not UTF-8 and that charset detection
 * cannot place; it comes from the configuration each mail was received
 * under, so a reload changes it for new mail only.
 */
struct mail	*mime_parse(GBytes *raw, const char *fallback_charset);
void		 mail_free(struct mail *);

/* The first value of a top-level header, or NULL. Owned by the mail. */
const char	*mail_header(const struct mail *, const char *name);

/*
 * Every value of a top-level header (any case), in order: a new array
 * of const char * owned by the mail; free it with g_ptr_array_unref.
 */
GPtrArray	*mail_header_all(const struct mail *, const char *name);

/* An outgoing mail, as mime_build() turns it into RFC 5322 bytes. */
struct mime_draft {
	const char	*from_name;	/* "" for none */
	const char	*from_addr;
	const char	*to_name;
	const char	*to_addr;
	GPtrArray	*cc;		/* char *: addresses, or NULL */
	const char	*reply_to;	/* address, or NULL */
	const char	*subject;
	const char	*message_id;	/* without <> */
	const char	*in_reply_to;	/* without <>, or NULL */
	GPtrArray	*references;	/* char *, without <>, or NULL */
	GPtrArray	*headers;	/* char *: name, value, ...; or NULL */
	const char	*body;		/* UTF-8, \n line ends */
	GPtrArray	*attachments;	/* struct mail_attachment *, or NULL */
	gint64		 date;		/* unix seconds */
};

/*
 * Build a text/plain UTF-8 message with CRLF line ends, or a
 * multipart/mixed one when there are attachments. Every header
 * value has its control characters (CR and LF above all) replaced by
 * spaces before gmime encodes it (RFC 2047 where needed), so text that
 * came from a customer can never add a header. Returns it as a struct
 * mail (free with mail_free) whose raw holds the bytes and whose fields
 * come from the draft: there is no need to parse our own output.
 */
struct mail	*mime_build(const struct mime_draft *);

#endif
