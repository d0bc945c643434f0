/*
 * sla: pure functions over time: business hours, holidays, and business
 * time added and measured over them. Times are unix seconds UTC; a
 * queue's hours and holidays are read in its zone.
 */
#ifndef SLA_H
#define SLA_H

#include <glib.h>

/* Open intervals per weekday (0 = Monday), minutes since local midnight. */
struct sla_hours {
	int	 always;		/* no hours set: always open */
	guint	 n[7];
	struct {
		guint16	 start, end;	/* [start, end) */
	}	 span[7][4];
};

/*
 * Parse e.g. "mon-fri 09:00-18:00, sat 10:00-14:00" (or "" / "always").
 * -1 and *cause on a syntax error.
 */
int	 sla_hours_parse(const char *spec, struct sla_hours *, char **cause);

/* Is t inside the hours, read in tz? */
int	 sla_hours_open(const struct sla_hours *, GTimeZone *tz, gint64 t);

/* Whole days off: local dates as yyyymmdd, sorted, each once. */
struct sla_holidays {
	GArray	*days;			/* guint32 */
};

/*
 * Read holidays from text, one date a line with an optional name:
 * "2026-12-31 New Year's Eve"; blank lines and lines starting with '#'
 * or ';' are skipped. NULL and *cause ("file:line: message", every bad
 * line) on error; file names the text in messages.
 */
struct sla_holidays *sla_holidays_parse(const char *file, const char *text,
	    char **cause);
struct sla_holidays *sla_holidays_load(const char *path, char **cause);
void	 sla_holidays_free(struct sla_holidays *);
int	 sla_holiday(const struct sla_holidays *, int year, int month,
	    int day);

/*
 * When business time runs: the hours (NULL: every hour of every day)
 * and holidays (NULL: none) of a queue, read in its zone tz (NULL: UTC).
 * Business seconds are the seconds inside the hours on days that are
 * not holidays; a 24/7 target uses a calendar of NULL hours and NULL
 * holidays.
 */
struct sla_calendar {
	const struct sla_hours	  *hours;
	const struct sla_holidays *holidays;
	GTimeZone		  *tz;
};

/*
 * The moment at which seconds of business time have passed since
 * start: start itself when seconds is 0 and start is inside the hours,
 * else the end of the last business second. A ticket that comes in
 * outside the hours starts its clock when they open. -1 when the
 * calendar has no business time in the ten years after start.
 */
gint64	 sla_add(const struct sla_calendar *, gint64 start, gint64 seconds);

/* The business seconds in [from, to); 0 when to <= from. */
gint64	 sla_between(const struct sla_calendar *, gint64 from, gint64 to);

/* The targets a policy sets, as deadlines ask for them. */
enum sla_kind {
	SLA_FIRST_RESPONSE,
	SLA_NEXT_RESPONSE,
	SLA_RESOLUTION,
	SLA_KINDS
};

/* Where a ticket's clocks stand: what its SLA facts say. */
struct sla_clock {
	gint64	 created_at;
	gint64	 first_response_at;	/* 0: no agent has answered yet */
	gint64	 waiting_since;		/* 0: no customer mail unanswered */
	gint64	 paused_since;		/* 0: neither pending nor resolved */
	gint64	 paused;		/* seconds paused so far, counted
					 * by the same calendar */
	int	 done;			/* resolved or closed */
};

/*
 * The deadlines of a ticket under targets (seconds, 0: none) and warn
 * (percent, 0: no warning), counted by cal: due[k] and warn[k] are
 * moments, 0 when that clock does not run: the first response once
 * given, the next response with no mail waiting, the resolution while
 * the ticket is paused or done. The resolution clock leaves out the
 * time paused.
 */
void	 sla_deadlines(const struct sla_calendar *cal,
	    const guint targets[SLA_KINDS], guint warn,
	    const struct sla_clock *clock, gint64 due[SLA_KINDS],
	    gint64 warn_at[SLA_KINDS]);

/* The start of day's date in tz (a DST change may make it not 00:00). */
gint64	 sla_local_midnight(GTimeZone *, GDateTime *day);
/* t (unix seconds) on tz's clocks; g_date_time_unref. */
GDateTime *sla_local_time(GTimeZone *, gint64 t);

/* "45s", "5m 00s", "2h 05m", "3d 04h": how long, for people. g_free. */
char	*sla_duration_text(gint64 secs);

/*
 * A promise to answer by t, for a customer writing at now, in language
 * lang ("th", else English), read in tz: "by Monday 10:00, Bangkok
 * time", "ภายในวันจันทร์ เวลา 10:00 น."; the date too when t is six
 * days or more away (a weekday alone could then be read as today):
 * "by Monday 7 December 10:00, Bangkok time". g_free.
 */
char	*sla_format_promise(gint64 t, gint64 now, GTimeZone *tz,
	    const char *lang);

#endif
