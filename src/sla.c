/*
 * sla: business hours, holidays and business time, as pure functions
 * over time.
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
#include <stdlib.h>
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

/*
 * Holidays.
 */

static int
guint32_cmp(gconstpointer a, gconstpointer b)
{
	guint32	 x = *(const guint32 *)a, y = *(const guint32 *)b;

	return x < y ? -1 : x > y;
}

/* "2026-12-31" at the start of line: yyyymmdd, or 0. */
static guint32
holiday_date(const char *line)
{
	static const char	 shape[] = "dddd-dd-dd";
	int			 y, m, d;

	for (int i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !g_ascii_isdigit(line[i]) :
		    line[i] != shape[i])
			return 0;
	if (line[10] != '\0' && !g_ascii_isspace(line[10]))
		return 0;
	y = atoi(line);
	m = atoi(line + 5);
	d = atoi(line + 8);
	if (y < 1 || !g_date_valid_dmy(d, m, y))
		return 0;
	return y * 10000 + m * 100 + d;
}

struct sla_holidays *
sla_holidays_parse(const char *file, const char *text, char **cause)
{
	struct sla_holidays	*h = g_new0(struct sla_holidays, 1);
	char			**lines = g_strsplit(text, "\n", -1);
	GString			*errors = g_string_new(NULL);
	guint32			 date;

	h->days = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (guint i = 0; lines[i] != NULL; i++) {
		char *line = g_strstrip(lines[i]);

		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if ((date = holiday_date(line)) == 0)
			g_string_append_printf(errors, "%s%s:%u: not a date "
			    "(want YYYY-MM-DD, then an optional name): %.40s",
			    errors->len ? "\n" : "", file, i + 1, line);
		else
			g_array_append_val(h->days, date);
	}
	g_strfreev(lines);
	if (errors->len > 0) {
		*cause = g_string_free(errors, FALSE);
		sla_holidays_free(h);
		return NULL;
	}
	g_string_free(errors, TRUE);
	g_array_sort(h->days, guint32_cmp);
	for (guint i = 1; i < h->days->len; i++)
		if (g_array_index(h->days, guint32, i) ==
		    g_array_index(h->days, guint32, i - 1))
			g_array_remove_index(h->days, i--);
	return h;
}

struct sla_holidays *
sla_holidays_load(const char *path, char **cause)
{
	struct sla_holidays	*h;
	GError			*error = NULL;
	char			*text;

	if (!g_file_get_contents(path, &text, NULL, &error)) {
		*cause = g_strdup_printf("%s: %s", path, error->message);
		g_error_free(error);
		return NULL;
	}
	h = sla_holidays_parse(path, text, cause);
	g_free(text);
	return h;
}

void
sla_holidays_free(struct sla_holidays *h)
{
	if (h == NULL)
		return;
	g_array_unref(h->days);
	g_free(h);
}

int
sla_holiday(const struct sla_holidays *h, int year, int month, int day)
{
	guint32	 want = year * 10000 + month * 100 + day;
	guint	 at;

	return h != NULL && g_array_binary_search(h->days, &want, guint32_cmp,
	    &at);
}

/*
 * Business time. Both walk the local days from the first one, turning
 * each day's spans into moments with g_date_time_new() in the zone, so
 * that a day of a DST change is as long as its clock says: an office
 * open 01:00-04:00 on the night the clocks go forward is open two hours.
 */

#define SLA_DAYS_MAX	(10 * 366)	/* how far to look for open hours */

/*
 * Minute minute (up to 24:00, the next day's 00:00) of a local day, as
 * a moment. A time a DST change skips is taken as the first one after
 * it, as g_date_time_new() does.
 */
static gint64
local_moment(const struct sla_calendar *cal, const GDate *date, int minute)
{
	GTimeZone	*tz = cal->tz ? g_time_zone_ref(cal->tz) :
			    g_time_zone_new_utc();
	GDate		 day = *date;
	GDateTime	*dt;
	gint64		 t;

	if (minute == 24 * 60) {
		g_date_add_days(&day, 1);
		minute = 0;
	}
	dt = g_date_time_new(tz, g_date_get_year(&day), g_date_get_month(&day),
	    g_date_get_day(&day), minute / 60, minute % 60, 0);
	t = dt != NULL ? g_date_time_to_unix(dt) : G_MAXINT64;
	if (dt != NULL)
		g_date_time_unref(dt);
	g_time_zone_unref(tz);
	return t;
}

/* One local day's business spans, as moments; the count. */
static guint
day_spans(const struct sla_calendar *cal, const GDate *date, gint64 start[],
    gint64 end[])
{
	const struct sla_hours	*h = cal->hours;
	int			 wd = g_date_get_weekday(date) - 1;
	guint			 n;

	if (sla_holiday(cal->holidays, g_date_get_year(date),
	    g_date_get_month(date), g_date_get_day(date)))
		return 0;
	if (h == NULL || h->always) {
		start[0] = local_moment(cal, date, 0);
		end[0] = local_moment(cal, date, 24 * 60);
		return 1;
	}
	n = h->n[wd];
	for (guint i = 0; i < n; i++) {
		start[i] = local_moment(cal, date, h->span[wd][i].start);
		end[i] = local_moment(cal, date, h->span[wd][i].end);
	}
	return n;
}

/* The local date of t in the calendar's zone. */
static void
local_date(const struct sla_calendar *cal, gint64 t, GDate *date)
{
	GDateTime	*utc = g_date_time_new_from_unix_utc(t);
	GDateTime	*local = cal->tz ? g_date_time_to_timezone(utc, cal->tz) :
			    g_date_time_ref(utc);

	g_date_clear(date, 1);
	g_date_set_dmy(date, g_date_time_get_day_of_month(local),
	    g_date_time_get_month(local), g_date_time_get_year(local));
	g_date_time_unref(local);
	g_date_time_unref(utc);
}

static int
calendar_24_7(const struct sla_calendar *cal)
{
	return (cal->hours == NULL || cal->hours->always) &&
	    (cal->holidays == NULL || cal->holidays->days->len == 0);
}

gint64
sla_add(const struct sla_calendar *cal, gint64 start, gint64 seconds)
{
	gint64	 s[SPANS_MAX], e[SPANS_MAX], from;
	GDate	 date;

	if (calendar_24_7(cal))
		return start + seconds;
	/* The day before too: its spans may end after start's midnight. */
	local_date(cal, start, &date);
	g_date_subtract_days(&date, 1);
	for (int day = 0; day < SLA_DAYS_MAX; day++, g_date_add_days(&date, 1)) {
		guint n = day_spans(cal, &date, s, e);

		for (guint i = 0; i < n; i++) {
			if (e[i] <= start)
				continue;
			from = MAX(s[i], start);
			if (seconds <= e[i] - from)
				return from + seconds;
			seconds -= e[i] - from;
		}
	}
	return -1;
}

gint64
sla_between(const struct sla_calendar *cal, gint64 from, gint64 to)
{
	gint64	 s[SPANS_MAX], e[SPANS_MAX], sum = 0;
	GDate	 date;

	if (to <= from)
		return 0;
	if (calendar_24_7(cal))
		return to - from;
	local_date(cal, from, &date);
	g_date_subtract_days(&date, 1);
	for (int day = 0; day < SLA_DAYS_MAX; day++, g_date_add_days(&date, 1)) {
		guint n = day_spans(cal, &date, s, e);

		if (local_moment(cal, &date, 0) >= to)
			break;
		for (guint i = 0; i < n; i++)
			if (e[i] > from && s[i] < to)
				sum += MIN(e[i], to) - MAX(s[i], from);
	}
	return sum;
}

/*
 * Deadlines.
 */

/* The moment seconds (and that share of them, for the warning) run out. */
static void
deadline(const struct sla_calendar *cal, gint64 start, gint64 already,
    guint target, guint warn, gint64 *due, gint64 *warn_at)
{
	gint64	 t;

	*due = *warn_at = 0;
	if (target == 0)
		return;
	if ((t = sla_add(cal, start, already + target)) != -1)
		*due = t;
	if (warn > 0 && (t = sla_add(cal, start, already +
	    (gint64)target * warn / 100)) != -1)
		*warn_at = t;
}

void
sla_deadlines(const struct sla_calendar *cal, const guint targets[SLA_KINDS],
    guint warn, const struct sla_clock *c, gint64 due[SLA_KINDS],
    gint64 warn_at[SLA_KINDS])
{
	for (int k = 0; k < SLA_KINDS; k++)
		due[k] = warn_at[k] = 0;
	if (c->first_response_at == 0 && !c->done)
		deadline(cal, c->created_at, 0, targets[SLA_FIRST_RESPONSE],
		    warn, &due[SLA_FIRST_RESPONSE],
		    &warn_at[SLA_FIRST_RESPONSE]);
	if (c->waiting_since != 0 && !c->done)
		deadline(cal, c->waiting_since, 0, targets[SLA_NEXT_RESPONSE],
		    warn, &due[SLA_NEXT_RESPONSE],
		    &warn_at[SLA_NEXT_RESPONSE]);
	if (c->paused_since == 0 && !c->done)
		deadline(cal, c->created_at, c->paused, targets[SLA_RESOLUTION],
		    warn, &due[SLA_RESOLUTION], &warn_at[SLA_RESOLUTION]);
}

/*
 * Promises.
 */

static const char *const en_days[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};
static const char *const en_months[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};
static const char *const th_days[7] = {
	"วันจันทร์", "วันอังคาร", "วันพุธ", "วันพฤหัสบดี", "วันศุกร์", "วันเสาร์",
	"วันอาทิตย์",
};
static const char *const th_months[12] = {
	"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
	"กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
};

/* "Bangkok" for Asia/Bangkok, "New York" for America/New_York. */
static char *
zone_city(GTimeZone *tz, GDateTime *at)
{
	const char	*id = g_time_zone_get_identifier(tz);
	const char	*slash = strrchr(id, '/');
	char		*city;

	if (slash == NULL || strchr(id, ',') != NULL)
		return g_strdup(g_date_time_get_timezone_abbreviation(at));
	city = g_strdup(slash + 1);
	g_strdelimit(city, "_", ' ');
	return city;
}

char *
sla_format_promise(gint64 t, gint64 now, GTimeZone *tz, const char *lang)
{
	GDateTime	*at = sla_local_time(tz, t);
	int		 wd = g_date_time_get_day_of_week(at) - 1;
	int		 day = g_date_time_get_day_of_month(at);
	int		 month = g_date_time_get_month(at) - 1;
	int		 far = t - now >= 6 * 86400;
	char		*hm = g_date_time_format(at, "%H:%M");
	char		*city = zone_city(tz, at);
	char		*out;

	if (lang != NULL && strcmp(lang, "th") == 0) {
		char *where = strcmp(g_time_zone_get_identifier(tz),
		    "Asia/Bangkok") == 0 ? g_strdup("") :
		    g_strdup_printf(" (เวลา %s)", city);

		out = far ? g_strdup_printf("ภายใน%sที่ %d %s เวลา %s น.%s",
		    th_days[wd], day, th_months[month], hm, where) :
		    g_strdup_printf("ภายใน%s เวลา %s น.%s", th_days[wd], hm,
		    where);
		g_free(where);
	} else if (far)
		out = g_strdup_printf("by %s %d %s %s, %s time", en_days[wd],
		    day, en_months[month], hm, city);
	else
		out = g_strdup_printf("by %s %s, %s time", en_days[wd], hm,
		    city);
	g_free(city);
	g_free(hm);
	g_date_time_unref(at);
	return out;
}

gint64
sla_local_midnight(GTimeZone *tz, GDateTime *day)
{
	GDateTime	*m = g_date_time_new(tz, g_date_time_get_year(day),
			    g_date_time_get_month(day),
			    g_date_time_get_day_of_month(day), 0, 0, 0);
	gint64		 t = g_date_time_to_unix(m);

	g_date_time_unref(m);
	return t;
}

GDateTime *
sla_local_time(GTimeZone *tz, gint64 t)
{
	GDateTime	*utc = g_date_time_new_from_unix_utc(t);
	GDateTime	*local = g_date_time_to_timezone(utc, tz);

	g_date_time_unref(utc);
	return local;
}

char *
sla_duration_text(gint64 secs)
{
	secs = MAX(secs, 0);
	if (secs >= 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "d %02" G_GINT64_FORMAT
		    "h", secs / 86400, secs % 86400 / 3600);
	if (secs >= 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "h %02" G_GINT64_FORMAT
		    "m", secs / 3600, secs % 3600 / 60);
	if (secs >= 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "m %02" G_GINT64_FORMAT
		    "s", secs / 60, secs % 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "s", secs);
}
