/*
 * sla: pure functions over time: business hours and, later, deadlines.
 * Times are unix seconds UTC; a queue's hours are read in its zone.
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

#endif
