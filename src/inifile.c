/*
 * inifile: splits key-file text into lines, sections and key = value
 * pairs, and formats errors about them (see inifile.h). No policy of its
 * own: the callers know what their sections and keys mean.
 */
#include <string.h>

#include "inifile.h"

/* Strip a comment: ';' or '#' at the start or after whitespace. */
static void
inifile_strip_comment(char *line)
{
	for (char *s = line; *s != '\0'; s++)
		if ((*s == ';' || *s == '#') &&
		    (s == line || g_ascii_isspace(s[-1]))) {
			*s = '\0';
			break;
		}
}

void
inifile_read(const char *text, gsize len, inifile_line_cb cb, void *arg)
{
	char	*copy, **lines;
	guint	 n = 0;

	copy = g_strndup(text, len);
	lines = g_strsplit(copy, "\n", -1);
	g_free(copy);
	for (char **l = lines; *l != NULL; l++) {
		n++;
		inifile_strip_comment(*l);
		g_strstrip(*l);
		if (**l != '\0')
			cb(arg, n, *l);
	}
	g_strfreev(lines);
}

int
inifile_section(char *line, char **name, char **arg)
{
	char	*end = strchr(line, ']');

	if (*line != '[' || end == NULL || *g_strstrip(end + 1) != '\0')
		return -1;
	*end = '\0';
	*name = g_strstrip(line + 1);
	*arg = strpbrk(*name, " \t");
	if (*arg != NULL) {
		*(*arg)++ = '\0';
		*arg = g_strstrip(*arg);
	}
	return 0;
}

int
inifile_key_value(char *line, char **key, char **value)
{
	char	*eq = strchr(line, '=');

	if (eq == NULL)
		return -1;
	*eq = '\0';
	*key = g_strstrip(line);
	*value = g_strstrip(eq + 1);
	return 0;
}

void
inifile_error(GString *errors, const char *file, guint line, const char *fmt,
    va_list ap)
{
	if (errors->len > 0)
		g_string_append_c(errors, '\n');
	if (line > 0)
		g_string_append_printf(errors, "%s:%u: ", file, line);
	else
		g_string_append_printf(errors, "%s: ", file);
	g_string_append_vprintf(errors, fmt, ap);
}
