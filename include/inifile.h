/*
 * inifile: the line reader of ticketd's key-file style, shared by
 * ticketd.conf (conf.c) and the rule files (rules.c), so that admins
 * learn one syntax, read and reported the same way: "[section]" or
 * "[section name]" headers, "key = value" lines, and comments that
 * start with ';' or '#' at the start of a line or after whitespace.
 * What the sections and keys mean is for the caller; inifile_error()
 * gives its messages the "file:line: message" form.
 */
#ifndef INIFILE_H
#define INIFILE_H

#include <stdarg.h>

#include <glib.h>

/*
 * Called for each line that is not blank once its comment is gone, with
 * its number (from 1) and its text, trimmed, which the callee may
 * modify but not keep.
 */
typedef void	(*inifile_line_cb)(void *arg, guint line, char *text);

/* Split len octets of text (NULs included) into lines, for cb. */
void	 inifile_read(const char *text, gsize len, inifile_line_cb cb,
	    void *arg);

/*
 * A line that starts with '[': 0 with *name and *arg (NULL when there is
 * none) pointing into line, trimmed; -1 when it is malformed.
 */
int	 inifile_section(char *line, char **name, char **arg);

/*
 * "key = value": 0 with *key and *value pointing into line, trimmed; -1
 * when there is no '='.
 */
int	 inifile_key_value(char *line, char **key, char **value);

/*
 * Append "file:line: message" (just "file: message" when line is 0) to
 * errors, on a line of its own after any before it.
 */
void	 inifile_error(GString *errors, const char *file, guint line,
	    const char *fmt, va_list ap) G_GNUC_PRINTF(4, 0);

#endif
