/*
 * test-sla: parsing business hours and asking whether a moment is
 * inside them, in zones with and without daylight saving time; holiday
 * files; business time added to a moment and measured between two,
 * across weekends, holidays and DST changes, for 24/7 queues, and for
 * tickets that arrive outside the hours.
 */
#include <string.h>

#include "sla.h"

#define HM(h, m)	((h) * 60 + (m))

/* Unix seconds of a UTC wall-clock time. */
static gint64
utc(int year, int month, int day, int hour, int minute, int second)
{
	GDateTime	*dt;
	gint64		 t;

	dt = g_date_time_new_utc(year, month, day, hour, minute, second);
	g_assert_nonnull(dt);
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

static GTimeZone *
zone(const char *name)
{
	GTimeZone	*tz = g_time_zone_new_identifier(name);

	if (tz == NULL)
		g_error("time zone %s is not installed (tzdata)", name);
	return tz;
}

static void
parse_ok(const char *spec, struct sla_hours *hours)
{
	char	*cause = NULL;

	if (sla_hours_parse(spec, hours, &cause) != 0)
		g_error("\"%s\": %s", spec, cause);
	g_assert_null(cause);
}

static void
span_is(const struct sla_hours *hours, int day, guint i, int start, int end)
{
	g_assert_cmpuint(i, <, hours->n[day]);
	g_assert_cmpint(hours->span[day][i].start, ==, start);
	g_assert_cmpint(hours->span[day][i].end, ==, end);
}

static void
test_parse_valid(void)
{
	struct sla_hours	 h;
	int			 d;

	parse_ok("mon-fri 09:00-18:00, sat 10:00-14:00", &h);
	g_assert_false(h.always);
	for (d = 0; d < 5; d++) {
		g_assert_cmpuint(h.n[d], ==, 1);
		span_is(&h, d, 0, HM(9, 0), HM(18, 0));
	}
	g_assert_cmpuint(h.n[5], ==, 1);
	span_is(&h, 5, 0, HM(10, 0), HM(14, 0));
	g_assert_cmpuint(h.n[6], ==, 0);

	/* Case, several spans per entry, single-digit hours, 24:00. */
	parse_ok("  Mon-TUE 9:00-12:30\t13:30-18:00 ,SUN 00:00-24:00 ", &h);
	g_assert_cmpuint(h.n[0], ==, 2);
	span_is(&h, 0, 0, HM(9, 0), HM(12, 30));
	span_is(&h, 0, 1, HM(13, 30), HM(18, 0));
	g_assert_cmpuint(h.n[1], ==, 2);
	g_assert_cmpuint(h.n[2], ==, 0);
	span_is(&h, 6, 0, 0, HM(24, 0));

	/* A week that starts on Sunday wraps around. */
	parse_ok("sun-thu 08:00-17:00", &h);
	g_assert_cmpuint(h.n[6], ==, 1);
	for (d = 0; d < 4; d++)
		g_assert_cmpuint(h.n[d], ==, 1);
	g_assert_cmpuint(h.n[4], ==, 0);
	g_assert_cmpuint(h.n[5], ==, 0);

	/* Spans are sorted; overlapping and touching ones merge. */
	parse_ok("mon 13:00-14:00, mon 09:00-12:00, mon 11:00-13:00, "
	    "mon 07:00-08:00, mon 20:00-21:00, mon 22:00-23:00", &h);
	g_assert_cmpuint(h.n[0], ==, 4);
	span_is(&h, 0, 0, HM(7, 0), HM(8, 0));
	span_is(&h, 0, 1, HM(9, 0), HM(14, 0));
	span_is(&h, 0, 2, HM(20, 0), HM(21, 0));
	span_is(&h, 0, 3, HM(22, 0), HM(23, 0));
	/* A fifth that bridges two still fits. */
	parse_ok("mon 01:00-02:00 03:00-04:00 05:00-06:00 07:00-08:00, "
	    "mon 01:30-03:30", &h);
	g_assert_cmpuint(h.n[0], ==, 3);
	span_is(&h, 0, 0, HM(1, 0), HM(4, 0));
	span_is(&h, 0, 2, HM(7, 0), HM(8, 0));

	/* Nothing is left over from an earlier parse. */
	parse_ok("always", &h);
	g_assert_true(h.always);
	for (d = 0; d < 7; d++)
		g_assert_cmpuint(h.n[d], ==, 0);
	parse_ok("", &h);
	g_assert_true(h.always);
	parse_ok("  Always ", &h);
	g_assert_true(h.always);
}

static void
test_parse_invalid(void)
{
	static const struct {
		const char	*spec, *cause;
	} cases[] = {
		{ "mon-fri", "missing hours after \"mon-fri\"" },
		{ "mon-fri  , sat 10:00-11:00",
		    "missing hours after \"mon-fri\"" },
		{ "mon-fri 18:00-09:00", "span \"18:00-09:00\" does not end "
		    "after it starts (split spans over midnight in two)" },
		{ "mon 09:00-09:00", "span \"09:00-09:00\" does not end "
		    "after it starts (split spans over midnight in two)" },
		{ "monday 09:00-10:00", "unknown day \"monday\" (use mon, "
		    "tue, ... sun)" },
		{ "mon-xyz 09:00-10:00", "unknown day \"mon-xyz\" (use mon, "
		    "tue, ... sun)" },
		{ "mon- 09:00-10:00", "unknown day \"mon-\" (use mon, "
		    "tue, ... sun)" },
		{ "always, mon 09:00-10:00", "unknown day \"always\" (use "
		    "mon, tue, ... sun)" },
		{ "09:00-18:00", "missing day before \"09:00-18:00\"" },
		{ "mon 25:00-26:00", "bad time in \"25:00-26:00\" (want "
		    "HH:MM, 00:00 to 24:00)" },
		{ "mon 24:00-24:00", "bad time in \"24:00-24:00\" (want "
		    "HH:MM, 00:00 to 24:00)" },
		{ "mon 09:00-24:01", "bad time in \"09:00-24:01\" (want "
		    "HH:MM, 00:00 to 24:00)" },
		{ "mon 09:60-10:00", "bad time in \"09:60-10:00\" (want "
		    "HH:MM, 00:00 to 24:00)" },
		{ "mon 0900-1000", "bad time in \"0900-1000\" (want HH:MM, "
		    "00:00 to 24:00)" },
		{ "mon 9-17", "bad time in \"9-17\" (want HH:MM, 00:00 to "
		    "24:00)" },
		{ "mon 09:00-18:00x", "bad time in \"09:00-18:00x\" (want "
		    "HH:MM, 00:00 to 24:00)" },
		{ "mon 09:00", "bad span \"09:00\" (want HH:MM-HH:MM)" },
		{ "mon 09:00-10:00,, tue 09:00-10:00",
		    "empty entry between commas" },
		{ "mon 09:00-10:00,", "empty entry between commas" },
		{ "mon 01:00-02:00 03:00-04:00 05:00-06:00 07:00-08:00 "
		    "09:00-10:00", "more than 4 spans on mon" },
		{ "sat-sun 01:00-02:00 03:00-04:00 05:00-06:00 07:00-08:00, "
		    "sun 09:00-10:00", "more than 4 spans on sun" },
	};
	struct sla_hours	 h;
	char			*cause;
	gsize			 i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		cause = NULL;
		if (sla_hours_parse(cases[i].spec, &h, &cause) != -1)
			g_error("\"%s\" parsed", cases[i].spec);
		g_assert_cmpstr(cause, ==, cases[i].cause);
		g_free(cause);
	}
}

/* Bangkok is UTC+7 all year. 2024-03-01 is a Friday. */
static void
test_open_bangkok(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = zone("Asia/Bangkok");

	parse_ok("mon-fri 09:00-18:00, sat 10:00-14:00", &h);
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 1, 1, 59, 59)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 1, 2, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 1, 10, 59, 59)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 1, 11, 0, 0)));
	/* Friday 23:30 UTC is already Saturday 06:30 in Bangkok. */
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 1, 23, 30, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 2, 3, 0, 0)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 2, 7, 0, 0)));
	/* Sunday is closed all day; Monday 01:00 local is Sunday UTC. */
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 3, 5, 0, 0)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 3, 18, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 4, 2, 0, 0)));
	g_time_zone_unref(tz);
}

/*
 * Berlin leaves CET (+1) for CEST (+2) on Sunday 2024-03-31 at 02:00 and
 * returns on Sunday 2024-10-27 at 03:00. Offices open by the wall clock.
 */
static void
test_open_berlin_dst(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = zone("Europe/Berlin");

	parse_ok("mon-fri 08:00-17:00", &h);
	/* 06:30 UTC: 07:30 in winter, 08:30 in summer. */
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 25, 6, 30, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 4, 1, 6, 30, 0)));
	/* 15:30 UTC: 17:30 in summer, 16:30 in winter. */
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 10, 25, 15, 30, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 10, 28, 15, 30, 0)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 10, 28, 16, 0, 0)));

	/* 02:00-03:00 never happens in March and twice in October. */
	parse_ok("sun 02:00-03:00", &h);
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 31, 0, 59, 59)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 31, 1, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 10, 27, 0, 30, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 10, 27, 1, 30, 0)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 10, 27, 2, 0, 0)));
	g_time_zone_unref(tz);
}

static void
test_open_utc(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = g_time_zone_new_utc();

	parse_ok("mon-fri 09:00-17:00", &h);
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 1, 9, 0, 0)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 1, 17, 0, 0)));
	/* NULL means UTC. */
	g_assert_true(sla_hours_open(&h, NULL, utc(2024, 3, 1, 16, 59, 59)));
	g_assert_false(sla_hours_open(&h, NULL, utc(2024, 3, 1, 8, 59, 59)));
	g_time_zone_unref(tz);
}

static void
test_open_weekend(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = g_time_zone_new_utc();
	int			 day;

	parse_ok("mon-fri 00:00-24:00", &h);
	/* 2024-03-02 and 03 are Saturday and Sunday. */
	for (day = 2; day <= 3; day++) {
		g_assert_false(sla_hours_open(&h, tz,
		    utc(2024, 3, day, 0, 0, 0)));
		g_assert_false(sla_hours_open(&h, tz,
		    utc(2024, 3, day, 12, 0, 0)));
		g_assert_false(sla_hours_open(&h, tz,
		    utc(2024, 3, day, 23, 59, 59)));
	}
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 4, 0, 0, 0)));

	/* A Sunday-to-Thursday week. */
	parse_ok("sun-thu 08:00-17:00", &h);
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 1, 10, 0, 0)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 2, 10, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 3, 10, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 7, 10, 0, 0)));
	g_time_zone_unref(tz);
}

static void
test_open_midnight(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = g_time_zone_new_utc();

	parse_ok("fri 20:00-24:00, sat 00:00-02:00", &h);
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 1, 19, 59, 59)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 1, 20, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 1, 23, 59, 59)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 2, 0, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 2, 1, 59, 59)));
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 2, 2, 0, 0)));

	/* Without sat, 24:00 ends the day. */
	parse_ok("fri 20:00-24:00", &h);
	g_assert_false(sla_hours_open(&h, tz, utc(2024, 3, 2, 0, 0, 0)));
	g_time_zone_unref(tz);
}

static void
test_open_always(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = zone("Asia/Bangkok");

	parse_ok("", &h);
	g_assert_true(sla_hours_open(&h, tz, utc(2024, 3, 2, 3, 0, 0)));
	g_assert_true(sla_hours_open(&h, tz, 0));
	parse_ok("always", &h);
	g_assert_true(sla_hours_open(&h, NULL, utc(2024, 3, 3, 23, 0, 0)));
	g_time_zone_unref(tz);
}

/* Unix seconds of a wall-clock time in tz. */
static gint64
local(GTimeZone *tz, int year, int month, int day, int hour, int minute)
{
	GDateTime	*dt = g_date_time_new(tz, year, month, day, hour,
			    minute, 0);
	gint64		 t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

#define H(n)	((gint64)(n) * 3600)

static struct sla_holidays *
holidays_ok(const char *text)
{
	char			*cause = NULL;
	struct sla_holidays	*h = sla_holidays_parse("h.txt", text, &cause);

	if (h == NULL)
		g_error("%s", cause);
	return h;
}

static void
test_holidays_parse(void)
{
	struct sla_holidays	*h;
	char			*cause = NULL;

	h = holidays_ok("# Thai holidays\n2026-12-31 New Year's Eve\n\n"
	    "; and\n2026-12-05\t King Bhumibol's birthday\n2026-12-05\n"
	    "  2027-01-01  \n");
	g_assert_cmpuint(h->days->len, ==, 3);
	g_assert_true(sla_holiday(h, 2026, 12, 5));
	g_assert_true(sla_holiday(h, 2026, 12, 31));
	g_assert_true(sla_holiday(h, 2027, 1, 1));
	g_assert_false(sla_holiday(h, 2026, 12, 30));
	g_assert_false(sla_holiday(NULL, 2026, 12, 31));
	sla_holidays_free(h);

	g_assert_null(sla_holidays_parse("h.txt", "2026-12-31\n2026-02-30 x\n"
	    "31.12.2026\n2026-12-311\n2026-1-5\n", &cause));
	g_assert_cmpstr(cause, ==,
	    "h.txt:2: not a date (want YYYY-MM-DD, then an optional name): "
	    "2026-02-30 x\n"
	    "h.txt:3: not a date (want YYYY-MM-DD, then an optional name): "
	    "31.12.2026\n"
	    "h.txt:4: not a date (want YYYY-MM-DD, then an optional name): "
	    "2026-12-311\n"
	    "h.txt:5: not a date (want YYYY-MM-DD, then an optional name): "
	    "2026-1-5");
	g_free(cause);
	cause = NULL;
	g_assert_null(sla_holidays_load("/nonexistent/holidays.txt", &cause));
	g_assert_nonnull(strstr(cause, "/nonexistent/holidays.txt: "));
	g_free(cause);
}

/* Bangkok, no DST: weekends, a holiday, mail outside the hours. */
static void
test_business_bangkok(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = zone("Asia/Bangkok");
	struct sla_holidays	*hol = holidays_ok("2026-11-30 a Monday off\n");
	struct sla_calendar	 cal = { &h, NULL, tz };
	gint64			 fri17 = local(tz, 2026, 11, 27, 17, 0);

	parse_ok("mon-fri 09:00-18:00", &h);
	/* Friday 17:00 + 6 h: one on Friday, five on Monday. */
	g_assert_cmpint(sla_add(&cal, fri17, H(6)), ==,
	    local(tz, 2026, 11, 30, 14, 0));
	g_assert_cmpint(sla_between(&cal, fri17, local(tz, 2026, 11, 30, 14,
	    0)), ==, H(6));
	/* Saturday, or Friday night: the clock starts on Monday at 09:00. */
	g_assert_cmpint(sla_add(&cal, local(tz, 2026, 11, 28, 10, 0), H(1)),
	    ==, local(tz, 2026, 11, 30, 10, 0));
	g_assert_cmpint(sla_add(&cal, local(tz, 2026, 11, 27, 20, 0), H(1)),
	    ==, local(tz, 2026, 11, 30, 10, 0));
	g_assert_cmpint(sla_add(&cal, local(tz, 2026, 11, 28, 10, 0), 0), ==,
	    local(tz, 2026, 11, 30, 9, 0));
	g_assert_cmpint(sla_add(&cal, fri17, 0), ==, fri17);
	/* Ending exactly at closing time stays on that day. */
	g_assert_cmpint(sla_add(&cal, fri17, H(1)), ==,
	    local(tz, 2026, 11, 27, 18, 0));
	g_assert_cmpint(sla_between(&cal, local(tz, 2026, 11, 28, 0, 0),
	    local(tz, 2026, 11, 30, 9, 0)), ==, 0);
	/* With Monday off, Tuesday. */
	cal.holidays = hol;
	g_assert_cmpint(sla_add(&cal, fri17, H(6)), ==,
	    local(tz, 2026, 12, 1, 14, 0));
	g_assert_cmpint(sla_between(&cal, fri17, local(tz, 2026, 12, 1, 14,
	    0)), ==, H(6));
	/* A week of business hours is 45 of them. */
	g_assert_cmpint(sla_between(&cal, local(tz, 2026, 12, 7, 0, 0),
	    local(tz, 2026, 12, 14, 0, 0)), ==, H(45));
	g_assert_cmpint(sla_between(&cal, fri17, fri17), ==, 0);
	g_assert_cmpint(sla_between(&cal, fri17, fri17 - 5), ==, 0);
	sla_holidays_free(hol);
	g_time_zone_unref(tz);
}

/* Berlin: the day the clocks go forward is an hour short. */
static void
test_business_berlin_dst(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = zone("Europe/Berlin");
	struct sla_calendar	 cal = { &h, NULL, tz };

	parse_ok("mon-sun 01:00-04:00", &h);
	g_assert_cmpint(sla_between(&cal, local(tz, 2026, 3, 28, 0, 0),
	    local(tz, 2026, 3, 29, 0, 0)), ==, H(3));
	g_assert_cmpint(sla_between(&cal, local(tz, 2026, 3, 29, 0, 0),
	    local(tz, 2026, 3, 30, 0, 0)), ==, H(2));
	g_assert_cmpint(sla_between(&cal, local(tz, 2026, 10, 25, 0, 0),
	    local(tz, 2026, 10, 26, 0, 0)), ==, H(4));
	/* Saturday's three hours, then Sunday 01:00 CET + 1 h = 03:00 CEST. */
	g_assert_cmpint(sla_add(&cal, local(tz, 2026, 3, 28, 1, 0), H(4)), ==,
	    utc(2026, 3, 29, 1, 0, 0));
	/* An office 09:00-17:00 opens at 09:00 by the clock either side. */
	parse_ok("mon-fri 09:00-17:00", &h);
	g_assert_cmpint(sla_add(&cal, local(tz, 2026, 3, 27, 16, 0), H(2)), ==,
	    utc(2026, 3, 30, 8, 0, 0));
	g_assert_cmpint(sla_add(&cal, local(tz, 2026, 10, 23, 16, 0), H(2)),
	    ==, utc(2026, 10, 26, 9, 0, 0));
	g_time_zone_unref(tz);
}

/* 24/7: plain arithmetic; hours "always" with holidays skip those. */
static void
test_business_24_7(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = zone("Asia/Bangkok");
	struct sla_calendar	 cal = { NULL, NULL, tz };
	struct sla_holidays	*hol = holidays_ok("2026-12-31\n");
	gint64			 t = local(tz, 2026, 12, 30, 22, 0);

	g_assert_cmpint(sla_add(&cal, t, H(8)), ==, t + H(8));
	g_assert_cmpint(sla_between(&cal, t, t + H(30)), ==, H(30));
	parse_ok("always", &h);
	cal.hours = &h;
	cal.holidays = hol;
	/* Two hours on the 30th, none on the 31st, six on New Year's Day. */
	g_assert_cmpint(sla_add(&cal, t, H(8)), ==,
	    local(tz, 2027, 1, 1, 6, 0));
	g_assert_cmpint(sla_between(&cal, t, local(tz, 2027, 1, 1, 6, 0)), ==,
	    H(8));
	/* Beirut's clocks go forward at midnight: 2024-03-31 has no 00:00. */
	g_time_zone_unref(cal.tz);
	cal.tz = zone("Asia/Beirut");
	cal.holidays = NULL;
	parse_ok("mon-sun 00:00-24:00", &h);
	t = local(cal.tz, 2024, 3, 30, 0, 0);
	g_assert_cmpint(sla_between(&cal, t, t + H(48)), ==, H(48));
	g_assert_cmpint(sla_add(&cal, t, H(48)), ==, t + H(48));
	parse_ok("mon-sun 22:00-24:00, mon-sun 00:00-02:00", &h);
	g_assert_cmpint(sla_between(&cal, t, sla_add(&cal, t, H(7))), ==,
	    H(7));
	/* No hours at all: never. */
	memset(&h, 0, sizeof h);
	g_assert_cmpint(sla_add(&cal, t, H(1)), ==, -1);
	g_assert_cmpint(sla_between(&cal, t, t + H(100)), ==, 0);
	sla_holidays_free(hol);
	g_time_zone_unref(cal.tz);
}

static void
test_promise(void)
{
	GTimeZone	*bkk = zone("Asia/Bangkok");
	GTimeZone	*ny = zone("America/New_York");
	GTimeZone	*u = g_time_zone_new_utc();
	gint64		 now = local(bkk, 2026, 11, 27, 17, 0);	/* a Friday */
	gint64		 mon = local(bkk, 2026, 11, 30, 10, 0);
	gint64		 far = local(bkk, 2026, 12, 7, 10, 0);
	char		*s;

#define PROMISE(want, t, tz, lang) do {					\
	s = sla_format_promise((t), now, (tz), (lang));			\
	g_assert_cmpstr(s, ==, (want));					\
	g_free(s);							\
} while (0)
	PROMISE("by Monday 10:00, Bangkok time", mon, bkk, "en");
	PROMISE("by Monday 10:00, Bangkok time", mon, bkk, NULL);
	PROMISE("by Monday 10:00, Bangkok time", mon, bkk, "ja");
	PROMISE("by Monday 7 December 10:00, Bangkok time", far, bkk, "en");
	PROMISE("ภายในวันจันทร์ เวลา 10:00 น.", mon, bkk, "th");
	PROMISE("ภายในวันจันทร์ที่ 7 ธันวาคม เวลา 10:00 น.", far, bkk, "th");
	PROMISE("by Sunday 22:00, New York time", mon, ny, "en");
	PROMISE("ภายในวันอาทิตย์ เวลา 22:00 น. (เวลา New York)", mon, ny,
	    "th");
	PROMISE("by Monday 03:00, UTC time", mon, u, "en");
#undef PROMISE
	g_time_zone_unref(bkk);
	g_time_zone_unref(ny);
	g_time_zone_unref(u);
}

/* Deadlines for the clocks of a ticket that came on Friday at 17:00. */
static void
test_deadlines(void)
{
	struct sla_hours	 h;
	GTimeZone		*tz = zone("Asia/Bangkok");
	struct sla_calendar	 cal = { &h, NULL, tz };
	const guint		 targets[SLA_KINDS] = { H(1), H(4), H(8) };
	struct sla_clock	 c = { 0 };
	gint64			 due[SLA_KINDS], warn[SLA_KINDS];

	parse_ok("mon-fri 09:00-18:00", &h);
	c.created_at = local(tz, 2026, 11, 27, 17, 0);
	sla_deadlines(&cal, targets, 80, &c, due, warn);
	g_assert_cmpint(due[SLA_FIRST_RESPONSE], ==, local(tz, 2026, 11, 27,
	    18, 0));
	g_assert_cmpint(warn[SLA_FIRST_RESPONSE], ==, local(tz, 2026, 11, 27,
	    17, 48));
	g_assert_cmpint(due[SLA_NEXT_RESPONSE], ==, 0);
	/* 8 h: one on Friday, seven on Monday; the warning at 6 h 24 m. */
	g_assert_cmpint(due[SLA_RESOLUTION], ==, local(tz, 2026, 11, 30, 16,
	    0));
	g_assert_cmpint(warn[SLA_RESOLUTION], ==, local(tz, 2026, 11, 30, 14,
	    24));
	/* Answered, pending: no first response or resolution clock. */
	c.first_response_at = c.created_at + 600;
	c.paused_since = c.created_at + 600;
	sla_deadlines(&cal, targets, 80, &c, due, warn);
	g_assert_cmpint(due[SLA_FIRST_RESPONSE], ==, 0);
	g_assert_cmpint(due[SLA_RESOLUTION], ==, 0);
	/* The customer wrote on Monday at 10:00 after 2 h paused. */
	c.paused_since = 0;
	c.paused = H(2);
	c.waiting_since = local(tz, 2026, 11, 30, 10, 0);
	sla_deadlines(&cal, targets, 0, &c, due, warn);
	g_assert_cmpint(due[SLA_NEXT_RESPONSE], ==, local(tz, 2026, 11, 30, 14,
	    0));
	g_assert_cmpint(warn[SLA_NEXT_RESPONSE], ==, 0);
	g_assert_cmpint(due[SLA_RESOLUTION], ==, local(tz, 2026, 11, 30, 18,
	    0));
	/* Resolved: nothing runs. */
	c.done = 1;
	sla_deadlines(&cal, targets, 80, &c, due, warn);
	for (int k = 0; k < SLA_KINDS; k++)
		g_assert_cmpint(due[k] + warn[k], ==, 0);
	g_time_zone_unref(tz);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sla/parse/valid", test_parse_valid);
	g_test_add_func("/sla/parse/invalid", test_parse_invalid);
	g_test_add_func("/sla/open/bangkok", test_open_bangkok);
	g_test_add_func("/sla/open/berlin-dst", test_open_berlin_dst);
	g_test_add_func("/sla/open/utc", test_open_utc);
	g_test_add_func("/sla/open/weekend", test_open_weekend);
	g_test_add_func("/sla/open/midnight", test_open_midnight);
	g_test_add_func("/sla/open/always", test_open_always);
	g_test_add_func("/sla/holidays/parse", test_holidays_parse);
	g_test_add_func("/sla/business/bangkok", test_business_bangkok);
	g_test_add_func("/sla/business/berlin-dst", test_business_berlin_dst);
	g_test_add_func("/sla/business/24-7", test_business_24_7);
	g_test_add_func("/sla/promise", test_promise);
	g_test_add_func("/sla/deadlines", test_deadlines);
	return g_test_run();
}
