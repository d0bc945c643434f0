/*
 * json: a small JSON writer onto a GString, for ticketctl's --json.
 * The caller writes structure; json_* add values with correct escaping
 * and commas. Strings must be UTF-8 (everything inside ticketd is).
 */
#ifndef JSON_H
#define JSON_H

#include <glib.h>

struct json {
	GString	*out;
	int	 need_comma;
};

void	json_open(struct json *, char bracket);	/* '{' or '[' */
void	json_close(struct json *, char bracket);	/* '}' or ']' */
void	json_key(struct json *, const char *key);	/* then one value */
void	json_string(struct json *, const char *);	/* NULL -> null */
void	json_int(struct json *, gint64);
void	json_bool(struct json *, int);
/* A number already written as JSON ("0.8333", "null"). */
void	json_number(struct json *, const char *literal);
void	json_time(struct json *, gint64 unix_seconds);	/* ISO 8601 UTC */

#endif
