/*
 * bounce: a DSN about mail we sent updates its outbox row and its
 * ticket; a hard bounce holds back automatic mail to the address.
 *
 * dsn.c has already read the report in the parse pool; here the writer
 * only looks up the row and writes. The outbox row is found by the
 * Message-ID we gave the mail, so a DSN for one of several mails to the
 * same ticket marks the right one.
 */
#include <string.h>

#include "bounce.h"
#include "conf.h"
#include "dsn.h"
#include "log.h"
#include "store.h"

/* "failed 5.1.1: smtp; 550 ...": what ticketctl outbox shows. */
static char *
bounce_summary(const struct dsn_rcpt *r)
{
	return g_strdup_printf("%s%s%s%s%s", dsn_action_name(r->action),
	    *r->status ? " " : "", r->status, *r->diagnostic ? ": " : "",
	    r->diagnostic);
}

/* "bounced", or "delivered" for a report of success (RFC 3461 NOTIFY). */
static int
bounce_event(struct store *st, const struct conf *conf, gint64 ticket,
    const struct store_outbox *o, const struct dsn_rcpt *r, const char *rcpt,
    const char *summary, int held, const struct dsn *d, gint64 at,
    char **cause)
{
	const char	*type = r->action == DSN_DELIVERED ? "delivered" : "bounced";
	GString		*detail = g_string_new("");
	char		*until;
	int		 rc;

	if (o != NULL)
		g_string_append_printf(detail, "%s to <%s>, outbox %"
		    G_GINT64_FORMAT ": ", o->kind, o->rcpt, o->id);
	else
		g_string_append_printf(detail, "<%s>: ", rcpt);
	g_string_append_printf(detail, "%s (%s report%s%s)", summary, d->format,
	    *d->reporting_mta ? " from " : "", d->reporting_mta);
	if (held) {
		until = store_time_iso(at + conf->bounce_suppress);
		g_string_append_printf(detail, "; no automatic mail to <%s> "
		    "until %s", rcpt, until);
		g_free(until);
	}
	log_info("ticket %" G_GINT64_FORMAT ": %s: %s", ticket, type,
	    detail->str);
	rc = st->ops->event_add(st, ticket, at, type, detail->str, cause);
	g_string_free(detail, TRUE);
	return rc;
}

/* Row, suppression and event for the DSN of our mail on ticket. */
static int
bounce_record(struct store *st, const struct conf *conf, gint64 ticket,
    const struct store_outbox *o, const struct dsn *d, gint64 at,
    char **cause)
{
	const struct dsn_rcpt	*r = dsn_rcpt_for(d, o ? o->rcpt : NULL);
	const char		*rcpt = o != NULL ? o->rcpt : r->rcpt;
	char			*summary = bounce_summary(r);
	int			 held, rc = -1;

	held = dsn_is_hard(r) && conf->bounce_suppress > 0 && *rcpt != '\0';
	if (o != NULL && r->action != DSN_DELIVERED &&
	    st->ops->outbox_report(st, o->id, dsn_action_name(r->action),
	    summary, cause) != 0)
		goto out;
	if (held && st->ops->bounce_add(st, rcpt, ticket, at, r->status,
	    cause) != 0)
		goto out;
	rc = bounce_event(st, conf, ticket, o, r, rcpt, summary, held, d, at,
	    cause);
out:
	g_free(summary);
	return rc;
}

int
bounce_apply(struct store *st, const struct conf *conf, const struct dsn *d,
    gint64 ticket, gint64 received_at, char **cause)
{
	struct store_outbox	*o = NULL;
	int			 rc;

	if (st->ops->outbox_by_msgid(st, d->original_msgid, &o, cause) == -1)
		return -1;
	/* A row of another ticket under our id cannot be: trust the MAC. */
	if (o != NULL && o->ticket_id != ticket)
		g_clear_pointer(&o, store_outbox_free);
	rc = bounce_record(st, conf, ticket, o, d, received_at, cause);
	store_outbox_free(o);
	return rc;
}

int
bounce_held(struct store *st, const struct conf *conf, const char *address,
    gint64 now, char **why, char **cause)
{
	char	*status = NULL, *at_iso, *until;
	gint64	 at;
	int	 found;

	*why = NULL;
	if (conf->bounce_suppress == 0 || address == NULL || *address == '\0')
		return 0;
	found = st->ops->bounce_since(st, address, now - conf->bounce_suppress,
	    &at, &status, cause);
	if (found != 1)
		return found;
	at_iso = store_time_iso(at);
	until = store_time_iso(at + conf->bounce_suppress);
	*why = g_strdup_printf("<%s> bounced (%s) at %s: no automatic mail "
	    "until %s", address, status, at_iso, until);
	g_free(at_iso);
	g_free(until);
	g_free(status);
	return 1;
}
