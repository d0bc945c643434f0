/*
 * sla: business hours, as pure functions over time.
 *
 * A queue's hours are written like "mon-fri 09:00-18:00, sat 10:00-14:00":
 * comma-separated entries, each a day or a range of days followed by
 * one or more spans of local time. A day range may wrap around the week
 * ("sun-thu"). A span that crosses midnight is written as two. The
 * spans of each day are kept sorted and merged where they touch, which
 * later deadline arithmetic can walk without surprises.
 *
 * Errors are short and name the offending word; the caller adds the
 * file and line.
 */
#include <string.h>

#include "sla.h"

#define SPANS_MAX	G_N_ELEMENTS(((struct sla_hours *)0)->span[0])

static const char *const day_names[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

/* 0 for Monday, or -1. */
static int
day_parse(const char *s, gsize len)
{
	int	 i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (g_ascii_strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "mon" or "mon-fri"; days[] gets 1 for every day included. */
static int
days_parse(const char *word, int days[7], char **cause)
{
	const char	*dash = strchr(word, '-');
	int		 first, last, d;

	first = day_parse(word, dash ? (gsize)(dash - word) : strlen(word));
	last = dash ? day_parse(dash + 1, strlen(dash + 1)) : first;
	if (first == -1 || last == -1) {
		if (g_ascii_isdigit(*word))
			*cause = g_strdup_printf("missing day before \"%s\"",
			    word);
		else
			*cause = g_strdup_printf("unknown day \"%s\" (use "
			    "mon, tue, ... sun)", word);
		return -1;
	}
	memset(days, 0, 7 * sizeof days[0]);
	for (d = first;; d = (d + 1) % 7) {
		days[d] = 1;
		if (d == last)
			break;
	}
	return 0;
}

/* "HH:MM" into minutes; 24:00 only where is_end. -1 when malformed. */
static int
time_parse(const char *s, gsize len, int is_end)
{
	int	 h, m;

	if (len == 4 && g_ascii_isdigit(s[0]) && s[1] == ':') {
		h = s[0] - '0';
		s += 2;
	} else if (len == 5 && g_ascii_isdigit(s[0]) &&
	    g_ascii_isdigit(s[1]) && s[2] == ':') {
		h = (s[0] - '0') * 10 + (s[1] - '0');
		s += 3;
	} else
		return -1;
	if (!g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1]))
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !is_end)))
		return -1;
	return h * 60 + m;
}

static int
span_parse(const char *word, int *start, int *end, char **cause)
{
	const char	*dash = strchr(word, '-');

	if (dash == NULL) {
		*cause = g_strdup_printf("bad span \"%s\" (want HH:MM-HH:MM)",
		    word);
		return -1;
	}
	*start = time_parse(word, dash - word, 0);
	*end = time_parse(dash + 1, strlen(dash + 1), 1);
	if (*start == -1 || *end == -1) {
		*cause = g_strdup_printf("bad time in \"%s\" (want HH:MM, "
		    "00:00 to 24:00)", word);
		return -1;
	}
	if (*end <= *start) {
		*cause = g_strdup_printf("span \"%s\" does not end after it "
		    "starts (split spans over midnight in two)", word);
		return -1;
	}
	return 0;
}

/* Insert in order, merging with spans it overlaps or touches. */
static int
day_add(struct sla_hours *hours, int day, int start, int end, char **cause)
{
	guint	 n = hours->n[day], i, j;

	for (i = 0; i < n && hours->span[day][i].end < start; i++)
		;
	/* Absorb every span from i on that this one reaches. */
	for (j = i; j < n && hours->span[day][j].start <= end; j++) {
		start = MIN(start, hours->span[day][j].start);
		end = MAX(end, hours->span[day][j].end);
	}
	if (j == i && n == SPANS_MAX) {
		*cause = g_strdup_printf("more than %u spans on %s",
		    (guint)SPANS_MAX, day_names[day]);
		return -1;
	}
	memmove(&hours->span[day][i + 1], &hours->span[day][j],
	    (n - j) * sizeof hours->span[day][0]);
	hours->span[day][i].start = start;
	hours->span[day][i].end = end;
	hours->n[day] = n - (j - i) + 1;
	return 0;
}

/* "mon-fri 09:00-12:00 13:00-18:00" */
static int
entry_parse(const char *entry, struct sla_hours *hours, char **cause)
{
	char	**words;
	int	 days[7], start, end, d, error = -1;
	guint	 i, day_word, spans = 0;

	words = g_strsplit_set(entry, " \t", -1);
	for (i = 0; words[i] != NULL && *words[i] == '\0'; i++)
		;
	if (words[i] == NULL) {
		*cause = g_strdup("empty entry between commas");
		goto out;
	}
	day_word = i;
	if (days_parse(words[day_word], days, cause) == -1)
		goto out;
	for (i++; words[i] != NULL; i++) {
		if (*words[i] == '\0')
			continue;
		if (span_parse(words[i], &start, &end, cause) == -1)
			goto out;
		for (d = 0; d < 7; d++)
			if (days[d] && day_add(hours, d, start, end, cause) == -1)
				goto out;
		spans++;
	}
	if (spans == 0) {
		*cause = g_strdup_printf("missing hours after \"%s\"",
		    words[day_word]);
		goto out;
	}
	error = 0;
out:
	g_strfreev(words);
	return error;
}

int
sla_hours_parse(const char *spec, struct sla_hours *hours, char **cause)
{
	char	*copy, **entries;
	int	 error = 0;
	guint	 i;

	memset(hours, 0, sizeof *hours);
	copy = g_strstrip(g_strdup(spec));
	if (*copy == '\0' || g_ascii_strcasecmp(copy, "always") == 0) {
		hours->always = 1;
		g_free(copy);
		return 0;
	}
	entries = g_strsplit(copy, ",", -1);
	for (i = 0; entries[i] != NULL && error == 0; i++)
		error = entry_parse(entries[i], hours, cause);
	g_strfreev(entries);
	g_free(copy);
	return error;
}

/*
 * Weekday and minute of the local wall clock. Around a DST change that
 * is what an office is open by: 09:00 is 09:00 in summer and in winter.
 */
int
sla_hours_open(const struct sla_hours *hours, GTimeZone *tz, gint64 t)
{
	GDateTime	*utc, *local;
	int		 day, minute, open = 0;
	guint		 i;

	if (hours->always)
		return 1;
	if ((utc = g_date_time_new_from_unix_utc(t)) == NULL)
		return 0;	/* outside years 1 to 9999 */
	local = tz != NULL ? g_date_time_to_timezone(utc, tz) :
	    g_date_time_ref(utc);
	g_date_time_unref(utc);
	if (local == NULL)
		return 0;
	day = g_date_time_get_day_of_week(local) - 1;
	minute = g_date_time_get_hour(local) * 60 +
	    g_date_time_get_minute(local);
	for (i = 0; i < hours->n[day]; i++)
		if (minute >= hours->span[day][i].start &&
		    minute < hours->span[day][i].end)
			open = 1;
	g_date_time_unref(local);
	return open;
}
