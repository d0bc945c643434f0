/*
 * json: writes JSON text. Escapes control characters, quotes and
 * backslashes; leaves other UTF-8 as it is, which JSON allows.
 */
#include "json.h"
#include "store.h"

static void
json_comma(struct json *j)
{
	if (j->need_comma)
		g_string_append_c(j->out, ',');
	j->need_comma = 1;
}

void
json_open(struct json *j, char bracket)
{
	json_comma(j);
	g_string_append_c(j->out, bracket);
	j->need_comma = 0;
}

void
json_close(struct json *j, char bracket)
{
	g_string_append_c(j->out, bracket);
	j->need_comma = 1;
}

void
json_key(struct json *j, const char *key)
{
	json_string(j, key);
	g_string_append_c(j->out, ':');
	j->need_comma = 0;
}

void
json_string(struct json *j, const char *s)
{
	json_comma(j);
	if (s == NULL) {
		g_string_append(j->out, "null");
		return;
	}
	g_string_append_c(j->out, '"');
	for (; *s != '\0'; s++) {
		unsigned char	 c = *s;

		if (c == '"' || c == '\\')
			g_string_append_printf(j->out, "\\%c", c);
		else if (c == '\n')
			g_string_append(j->out, "\\n");
		else if (c == '\t')
			g_string_append(j->out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(j->out, "\\u%04x", c);
		else
			g_string_append_c(j->out, c);
	}
	g_string_append_c(j->out, '"');
}

void
json_int(struct json *j, gint64 v)
{
	json_comma(j);
	g_string_append_printf(j->out, "%" G_GINT64_FORMAT, v);
}

void
json_number(struct json *j, const char *literal)
{
	json_comma(j);
	g_string_append(j->out, literal);
}

void
json_bool(struct json *j, int v)
{
	json_comma(j);
	g_string_append(j->out, v ? "true" : "false");
}

void
json_time(struct json *j, gint64 t)
{
	char	*iso = store_time_iso(t);

	json_string(j, iso);
	g_free(iso);
}
