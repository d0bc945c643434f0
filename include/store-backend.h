/*
 * store-backend: what the store's backends share, and only they (and
 * store.c) include. A backend hands each result row to the mappers
 * here through struct store_row, whose few accessors every engine can
 * give (sqlite3_column_*, PQgetvalue); the mappers make the store's
 * structs of them. So the order of a struct's columns is written once,
 * in the STORE_*_COLUMNS lists below (plain SQL, for every engine), and
 * the mapper beside it, not once per backend.
 */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H

#include "store.h"

struct store_row;

struct store_row_ops {
	/* Column col as a number; SQL NULL reads as 0. */
	gint64		 (*int64)(const struct store_row *, int col);
	double		 (*real)(const struct store_row *, int col);
	/* As UTF-8 text, NULL for SQL NULL; valid until the next row. */
	const char	*(*text)(const struct store_row *, int col);
	/* As bytes, *len long; valid until the next row. */
	const void	*(*blob)(const struct store_row *, int col, gsize *len);
};

/* One result row; a backend embeds it in its own row handle. */
struct store_row {
	const struct store_row_ops *ops;
};

/* A row made into a new object (the element of a list). */
typedef gpointer	 (*store_row_new)(const struct store_row *);
/* A row stored into out: a struct to fill, or an array to append to. */
typedef void		 (*store_row_fill)(const struct store_row *,
			    gpointer out);

/* A copy of the column's text, or NULL. */
char		*store_row_strdup(const struct store_row *, int col);

/* Lists of objects, as backends collect them: a mapper and its list. */
struct store_rows {
	store_row_new	 row;
	GPtrArray	*a;
};

/* store_row_fill: rows->row(row) appended to rows->a. */
void		 store_rows_add(const struct store_row *, gpointer rows);

#define STORE_TICKET_COLUMNS "t.id, t.subject, t.requester_name, " \
	"t.requester_addr, t.status, t.queue, t.priority, t.created_at, " \
	"t.updated_at, t.attention, (SELECT count(*) FROM messages m WHERE " \
	"m.ticket_id = t.id), t.assignee, t.status_at"
/* A struct store_ticket of STORE_TICKET_COLUMNS, tags not read. */
gpointer	 store_row_ticket(const struct store_row *);

#define STORE_MESSAGE_COLUMNS "id, ticket_id, direction, source, " \
	"return_path, from_name, from_addr, to_addrs, cc_addrs, date, " \
	"message_id, subject, body, parsed, received_at, author"
/* A struct store_message, without attachments and deliveries. */
gpointer	 store_row_message(const struct store_row *);

#define STORE_ATTACHMENT_COLUMNS "name, type, size"
gpointer	 store_row_attachment(const struct store_row *);

#define STORE_DELIVERY_COLUMNS "queue, address"
gpointer	 store_row_delivery(const struct store_row *);

#define STORE_REFERRER_COLUMNS "m.id, m.ticket_id, m.from_addr, m.message_id"
gpointer	 store_row_referrer(const struct store_row *);

#define STORE_EVENT_COLUMNS "id, ticket_id, at, type, detail"
gpointer	 store_row_event(const struct store_row *);

#define STORE_OUTBOX_COLUMNS "id, ticket_id, kind, envelope_from, rcpt, " \
	"message_id, data, status, attempts, created_at, next_attempt_at, " \
	"sent_at, last_error, claimed_by, claimed_at"
gpointer	 store_row_outbox(const struct store_row *);

#define STORE_NOTIFY_COLUMNS "id, ticket_id, kind, actor, text, " \
	"message_id, created_at"
gpointer	 store_row_notify(const struct store_row *);

/* Then the rank, however the backend's query makes it. */
#define STORE_HIT_COLUMNS "m.id, m.ticket_id, t.status, t.queue, " \
	"m.subject, m.from_name, m.from_addr, m.date, m.received_at, m.body"
gpointer	 store_row_hit(const struct store_row *);

/* status (or NULL), queue, count. */
gpointer	 store_row_stats_count(const struct store_row *);

/* The first column, as a new string. */
gpointer	 store_row_text(const struct store_row *);

/* Fills: the first column into a gint64 *; appended to a GArray of gint64. */
void		 store_fill_int(const struct store_row *, gpointer out);
void		 store_fill_id_add(const struct store_row *, gpointer ids);
/* The first two columns into a gint64[2]. */
void		 store_fill_int2(const struct store_row *, gpointer out);
/* The first column into a new GBytes (GBytes **). */
void		 store_fill_blob(const struct store_row *, gpointer out);

/* queued, deferred, sending, failed, failed_since, oldest_unsent. */
void		 store_fill_outbox_summary(const struct store_row *,
		    gpointer out);

/* A bounce's at and status (struct store_bounce_out). */
struct store_bounce_out {
	gint64		*at;
	char		**status;
};
void		 store_fill_bounce(const struct store_row *, gpointer out);

/* requester_facts(): open tickets, first contact (struct store_facts_out). */
struct store_facts_out {
	guint		*open;
	int		*first;
};
void		 store_fill_facts(const struct store_row *, gpointer out);

#define STORE_SLA_COLUMNS "policy, first_response_at, first_response_wall, " \
	"first_response_business, first_response_met, resolved_at, " \
	"resolution_wall, resolution_business, resolution_met, reopens, " \
	"agent_replies, paused_since, paused_wall, paused_business, " \
	"waiting_since, reopened_at"
void		 store_fill_sla(const struct store_row *, gpointer out);

#define STORE_SLA_WAIT_COLUMNS "since, answered_at, wall, business, met"
/* Appended to a GArray of struct store_sla_wait. */
void		 store_fill_sla_wait_add(const struct store_row *, gpointer a);

#define STORE_TIMER_COLUMNS "ticket_id, kind, due, basis"
/* Appended to a GArray of struct store_timer. */
void		 store_fill_timer_add(const struct store_row *, gpointer a);

#define STORE_CSAT_COLUMNS "survey_at, survey_msgid, rating, comment, rated_at"
void		 store_fill_csat(const struct store_row *, gpointer out);

/*
 * The report ops' rows, each handed to the caller's function while the
 * backend holds them (strings are not copied). Ticket rows: t.id,
 * t.queue, t.priority, t.assignee, t.status, t.created_at, the message
 * count, then the SLA facts and the rating (see store-sqlite.c's
 * S_REPORT_TICKETS); wait rows: the six ticket columns, then
 * STORE_SLA_WAIT_COLUMNS; tag rows: ticket id, tag.
 */
struct store_report_each {
	void		 (*ticket)(const struct store_report_ticket *,
			    gpointer);
	void		 (*wait)(const struct store_report_ticket *,
			    const struct store_sla_wait *, gpointer);
	void		 (*tag)(gint64, const char *, gpointer);
	gpointer	 arg;
};
void		 store_report_ticket_row(const struct store_row *,
		    gpointer each);
void		 store_report_wait_row(const struct store_row *, gpointer each);
void		 store_report_tag_row(const struct store_row *, gpointer each);

#endif
