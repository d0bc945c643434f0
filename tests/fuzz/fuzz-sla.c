/*
 * fuzz-sla: business hours, holiday files and business time on any
 * input. The input is "HOURS\nSTART SECONDS ZONE\nHOLIDAYS...": the
 * hours and the holidays must parse or fail with a message, and when
 * they parse, business time must add up: the moment sla_add() gives is
 * never before the start, and sla_between() of the start and that
 * moment is the business time that was added.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "sla.h"

static const char *const zones[] = {
	"UTC", "Asia/Bangkok", "Europe/Berlin", "America/New_York",
	"Australia/Lord_Howe", "Asia/Kathmandu",
	/* DST changes at midnight: the day has no 00:00, or two. */
	"Asia/Beirut", "America/Santiago", "America/Sao_Paulo", "Asia/Tehran",
};

/* Years 1970 to 2100, and at most a year of business time. */
#define FUZZ_START_MAX	G_GINT64_CONSTANT(4102444800)
#define FUZZ_SECONDS_MAX (366 * 86400)

static void
check_time(const struct sla_hours *hours, const struct sla_holidays *hol,
    const char *line)
{
	struct sla_calendar	 cal = { hours, hol, NULL };
	long long		 start, seconds;
	unsigned int		 z;
	gint64			 t;

	if (sscanf(line, "%lld %lld %u", &start, &seconds, &z) != 3 ||
	    start < 0 || start > FUZZ_START_MAX || seconds < 0 ||
	    seconds > FUZZ_SECONDS_MAX)
		return;
	cal.tz = g_time_zone_new_identifier(zones[z % G_N_ELEMENTS(zones)]);
	FUZZ_REQUIRE(cal.tz != NULL);
	if ((t = sla_add(&cal, start, seconds)) != -1) {
		FUZZ_REQUIRE(t >= start);
		FUZZ_REQUIRE(sla_between(&cal, start, t) == seconds);
	}
	g_time_zone_unref(cal.tz);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*text = g_strndup((const char *)data, size);
	char			**lines = g_strsplit(text, "\n", 3);
	char			*cause = NULL;
	struct sla_hours	 hours;
	struct sla_holidays	*hol = NULL;

	if (lines[0] == NULL || lines[1] == NULL)
		goto out;
	if (sla_hours_parse(lines[0], &hours, &cause) != 0) {
		FUZZ_REQUIRE(cause != NULL && *cause != '\0');
		goto out;
	}
	if (lines[2] != NULL && (hol = sla_holidays_parse("h.txt", lines[2],
	    &cause)) == NULL) {
		FUZZ_REQUIRE(cause != NULL && strncmp(cause, "h.txt:", 6) == 0);
		goto out;
	}
	check_time(&hours, hol, lines[1]);
out:
	sla_holidays_free(hol);
	g_free(cause);
	g_strfreev(lines);
	g_free(text);
	return 0;
}
