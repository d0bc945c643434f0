/*
 * test-lifecycle: what the path of an action may do. Closing a ticket
 * by hand is for ticketctl; a command that came by mail may not, even
 * when built without agent_commands_parse(). Notifications are kept in
 * the transaction of their cause and made after it. SLA facts are
 * recorded as things happen.
 */
#include <string.h>

#include "agent.h"
#include "lifecycle.h"
#include "mime.h"
#include "notify.h"
#include "store.h"
#include "template.h"

#include "store-fixture.h"

static gint64
ticket_new_priority(struct fixture *f, const char *priority)
{
	struct store_ticket	 t = { 0 };
	char			*cause = NULL;

	t.subject = "s";
	t.requester_name = "";
	t.requester_addr = "c@example.org";
	t.status = "open";
	t.queue = "support";
	t.priority = (char *)priority;
	t.created_at = 1000;
	g_assert_cmpint(f->st->ops->ticket_create(f->st, &t, &cause), ==, 0);
	return t.id;
}

static gint64
ticket_new(struct fixture *f)
{
	return ticket_new_priority(f, "normal");
}

/* Ask for status via path: lifecycle_act's result, *cause on error. */
static int
set_status(struct fixture *f, gint64 id, const char *via, const char *status,
    char **cause)
{
	struct lifecycle_action	 a = { 0 };
	GPtrArray		*cmds = agent_commands_new();
	int			 rc;

	agent_command_append(cmds, AGENT_CMD_STATUS, status);
	a.ticket_id = id;
	a.via = via;
	a.commands = cmds;
	a.now = 2000;
	g_assert_cmpint(f->st->ops->begin(f->st, cause), ==, 0);
	if ((rc = lifecycle_act(f->st, f->conf, &a, cause)) == 0)
		g_assert_cmpint(f->st->ops->commit(f->st, cause), ==, 0);
	else
		f->st->ops->rollback(f->st);
	g_ptr_array_unref(cmds);
	return rc;
}

static char *
status_of(struct fixture *f, gint64 id)
{
	struct store_ticket	*t;
	char			*cause = NULL, *s;

	g_assert_cmpint(f->st->ops->ticket_get(f->st, id, &t, &cause), ==, 1);
	s = g_strdup(t->status);
	store_ticket_free(t);
	return s;
}

static void
test_close_by_path(struct fixture *f, gconstpointer data)
{
	gint64	 id = ticket_new(f);
	char	*cause = NULL, *s;

	g_assert_cmpint(set_status(f, id, "mail", "closed", &cause), ==, -1);
	g_assert_nonnull(strstr(cause, "unknown status \"closed\""));
	g_free(cause);
	cause = NULL;
	g_assert_cmpstr((s = status_of(f, id)), ==, "open");
	g_free(s);
	g_assert_cmpint(set_status(f, id, "mail", "resolved", &cause), ==, 0);
	g_assert_cmpint(set_status(f, id, "ticketctl", "closed", &cause), ==, 0);
	g_assert_cmpstr((s = status_of(f, id)), ==, "closed");
	g_free(s);
	g_assert_cmpint(set_status(f, id, "ticketctl", "new", &cause), ==, -1);
	g_assert_nonnull(strstr(cause, "unknown status \"new\""));
	g_free(cause);
}

static guint
outbox_rows(struct fixture *f, const char *kind)
{
	GPtrArray	*rows;
	char		*cause = NULL;
	guint		 n = 0;

	g_assert_cmpint(f->st->ops->outbox_list(f->st, 0, &rows, &cause), ==, 0);
	for (guint i = 0; i < rows->len; i++)
		n += strcmp(((struct store_outbox *)rows->pdata[i])->kind,
		    kind) == 0;
	g_ptr_array_free(rows, TRUE);
	return n;
}

static const char agents_conf[] =
	"acknowledge = no\n"
	"[smtp]\nurl = smtp://127.0.0.1:1\n"
	"[autoreply]\nper_ticket = 2/1h\n"
	"[agent a1]\naddress = a1@agents.test\n"
	"[agent a2]\naddress = a2@agents.test\n"
	"[agent a3]\naddress = a3@agents.test\nnotify = none\n";

static void
test_notify_deferred(struct fixture *f, gconstpointer data)
{
	gint64		 id = ticket_new(f);
	char		*cause = NULL;
	GPtrArray	*kept;
	guint		 made;

	/* The fixture's [ticketd] has no templates key to add one to. */
	f->conf->templates = template_load("templates", &cause);
	g_assert_nonnull(f->conf->templates);

	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	g_assert_cmpint(lifecycle_new_ticket(f->st, f->conf, id, 0, "Help!",
	    1000, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	/* Kept, not yet made: the cause's transaction rendered nothing. */
	g_assert_cmpuint(outbox_rows(f, "notify"), ==, 0);
	g_assert_cmpint(f->st->ops->notify_list(f->st, 10, &kept, &cause), ==, 0);
	g_assert_cmpuint(kept->len, ==, 1);
	g_ptr_array_free(kept, TRUE);
	g_assert_cmpint(notify_flush_commit(f->st, f->conf, &made, &cause), ==, 0);
	g_assert_cmpuint(made, ==, 2);		/* a3 has notify = none */
	g_assert_cmpuint(outbox_rows(f, "notify"), ==, 2);
	g_assert_cmpint(f->st->ops->notify_list(f->st, 10, &kept, &cause), ==, 0);
	g_assert_cmpuint(kept->len, ==, 0);
	g_ptr_array_free(kept, TRUE);
	/* Again: nothing kept, nothing made. */
	g_assert_cmpint(notify_flush_commit(f->st, f->conf, &made, &cause), ==, 0);
	g_assert_cmpuint(made, ==, 0);
	/* The per-ticket limit holds per agent: two each, then none. */
	for (int i = 0; i < 2; i++) {
		g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
		g_assert_cmpint(lifecycle_new_ticket(f->st, f->conf, id, 0,
		    "More", 1001 + i, &cause), ==, 0);
		g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
		g_assert_cmpint(notify_flush_commit(f->st, f->conf, &made,
		    &cause), ==, 0);
		g_assert_cmpuint(made, ==, i == 0 ? 2 : 0);
	}
	g_assert_cmpuint(outbox_rows(f, "notify"), ==, 4);
}

static const char sla_conf[] =
	"acknowledge = no\n"
	"[agent a1]\naddress = a1@agents.test\n"
	"[sla normal]\npriority = normal\nfirst_response = 1h\n"
	"next_response = 30m\nresolution = 2h\nbusiness_hours = no\n";

/* At now, the customer writes again. */
static void
customer_at(struct fixture *f, gint64 id, gint64 now)
{
	static const char text[] = "Message-ID: <c@x>\nSubject: s\n\nhello\n";
	struct mail	*m = mime_parse(g_bytes_new_static(text,
			    sizeof(text) - 1), NULL);
	char		*cause = NULL;

	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	if (lifecycle_customer_mail(f->st, f->conf, id, m, 0, "hello", now,
	    &cause) != 0)
		g_error("%s", cause);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	mail_free(m);
}

/* The next-response waits of ticket id, "wall/met" each, joined. */
static char *
waits_of(struct fixture *f, gint64 id)
{
	GArray	*w;
	GString	*out = g_string_new(NULL);
	char	*cause = NULL;

	g_assert_cmpint(f->st->ops->sla_wait_list(f->st, id, &w, &cause), ==,
	    0);
	for (guint i = 0; i < w->len; i++) {
		struct store_sla_wait *x = &g_array_index(w, struct store_sla_wait,
		    i);

		g_string_append_printf(out, "%s%" G_GINT64_FORMAT "/%d", i ?
		    " " : "", x->wall, x->met);
	}
	g_array_free(w, TRUE);
	return g_string_free(out, FALSE);
}

/* At now, agent (or an admin) writes text (or nothing) and sets status. */
static void
act_at(struct fixture *f, gint64 id, const char *agent, const char *text,
    const char *status, gint64 now)
{
	struct lifecycle_action	 a = { 0 };
	GPtrArray		*cmds = agent_commands_new();
	char			*cause = NULL;

	if (status != NULL)
		agent_command_append(cmds, AGENT_CMD_STATUS, status);
	a.ticket_id = id;
	a.agent = agent;
	a.via = "ticketctl";
	a.commands = cmds;
	a.text = text;
	a.now = now;
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	if (lifecycle_act(f->st, f->conf, &a, &cause) != 0)
		g_error("%s", cause);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	g_ptr_array_unref(cmds);
}

static void
sla_of(struct fixture *f, gint64 id, struct store_sla *sla)
{
	char	*cause = NULL;

	g_assert_cmpint(f->st->ops->sla_get(f->st, id, sla, &cause), ==, 1);
}

static void
test_sla_facts(struct fixture *f, gconstpointer data)
{
	gint64			 id = ticket_new(f), low;
	struct store_sla	 sla;
	char			*cause = NULL, *waits;

	/* Nothing yet: zero, targets unknown. */
	g_assert_cmpint(f->st->ops->sla_get(f->st, id, &sla, &cause), ==, 0);
	g_assert_cmpint(sla.first_response_at, ==, 0);
	g_assert_cmpint(sla.first_response_met, ==, -1);
	/* Created at 1000; a1 answers at 2800, and the ticket is pending. */
	act_at(f, id, "a1", "Hello", NULL, 2800);
	sla_of(f, id, &sla);
	g_assert_cmpint(sla.first_response_at, ==, 2800);
	g_assert_cmpint(sla.first_response_wall, ==, 1800);
	g_assert_cmpint(sla.first_response_business, ==, 1800);
	g_assert_cmpint(sla.first_response_met, ==, 1);
	g_assert_cmpstr(sla.policy, ==, "normal");
	g_assert_cmpuint(sla.agent_replies, ==, 1);
	g_assert_cmpint(sla.paused_since, ==, 2800);
	store_sla_clear(&sla);
	/*
	 * The customer writes at 4000 and the ticket opens again; the
	 * answer at 5000 ends a wait of 1000 s, within next_response, and
	 * changes no first response.
	 */
	customer_at(f, id, 4000);
	act_at(f, id, "a1", "More", NULL, 5000);
	/* Resolved at 6000: 5000 s less 2200 s pending. */
	act_at(f, id, NULL, NULL, "resolved", 6000);
	sla_of(f, id, &sla);
	g_assert_cmpint(sla.first_response_at, ==, 2800);
	g_assert_cmpuint(sla.agent_replies, ==, 2);
	g_assert_cmpint(sla.paused_wall, ==, 2200);
	g_assert_cmpint(sla.resolved_at, ==, 6000);
	g_assert_cmpint(sla.resolution_wall, ==, 2800);
	g_assert_cmpint(sla.resolution_met, ==, 1);
	g_assert_cmpuint(sla.reopens, ==, 0);
	store_sla_clear(&sla);
	/* Reopened at 7000, resolved again at 20000: over the 2 h. */
	act_at(f, id, NULL, NULL, "open", 7000);
	act_at(f, id, NULL, NULL, "resolved", 20000);
	sla_of(f, id, &sla);
	g_assert_cmpuint(sla.reopens, ==, 1);
	g_assert_cmpint(sla.paused_wall, ==, 3200);
	g_assert_cmpint(sla.resolution_wall, ==, 15800);
	g_assert_cmpint(sla.resolution_met, ==, 0);
	store_sla_clear(&sla);
	/* Twice, then an answer 4000 s after the first: one wait, missed. */
	customer_at(f, id, 21000);
	customer_at(f, id, 22000);
	act_at(f, id, "a1", "Sorry", NULL, 25000);
	sla_of(f, id, &sla);
	g_assert_cmpuint(sla.reopens, ==, 2);
	g_assert_cmpint(sla.waiting_since, ==, 0);
	store_sla_clear(&sla);
	g_assert_cmpstr((waits = waits_of(f, id)), ==, "1000/1 4000/0");
	g_free(waits);
	/* No policy for priority low: facts, but no target to meet. */
	low = ticket_new_priority(f, "low");
	act_at(f, low, "a1", "Hi", "resolved", 100000);
	sla_of(f, low, &sla);
	g_assert_cmpint(sla.first_response_wall, ==, 99000);
	g_assert_cmpint(sla.first_response_met, ==, -1);
	g_assert_cmpint(sla.resolution_met, ==, -1);
	g_assert_null(sla.policy);
	store_sla_clear(&sla);
}

/* Ticket id's timers due by now, "kind@due" each, joined. */
static char *
timers_of(struct fixture *f, gint64 id, gint64 now)
{
	GArray	*due;
	GString	*out = g_string_new(NULL);
	char	*cause = NULL;

	g_assert_cmpint(f->st->ops->timer_due(f->st, now, 100, &due, &cause),
	    ==, 0);
	for (guint i = 0; i < due->len; i++) {
		struct store_timer *t = &g_array_index(due, struct store_timer,
		    i);

		if (t->ticket_id == id)
			g_string_append_printf(out, "%s%s@%" G_GINT64_FORMAT,
			    out->len ? " " : "", t->kind, t->due);
	}
	g_array_free(due, TRUE);
	return g_string_free(out, FALSE);
}

/* Fire ticket id's timer kind, as the queue would at now: *fired. */
static int
fire(struct fixture *f, gint64 id, const char *kind, gint64 now)
{
	struct store_timer	 tm = { 0 };
	GArray			*due;
	char			*cause = NULL;
	int			 fired = -1;

	g_assert_cmpint(f->st->ops->timer_due(f->st, G_MAXINT64, 100, &due,
	    &cause), ==, 0);
	for (guint i = 0; i < due->len; i++) {
		struct store_timer *t = &g_array_index(due, struct store_timer,
		    i);

		if (t->ticket_id == id && strcmp(t->kind, kind) == 0)
			tm = *t;
	}
	g_assert_nonnull(tm.kind);
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	if (lifecycle_timer_fire(f->st, f->conf, &tm, now, &fired, &cause) != 0)
		g_error("%s", cause);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	g_array_free(due, TRUE);
	return fired;
}

static guint
events_of(struct fixture *f, gint64 id, const char *type)
{
	GPtrArray	*ev;
	char		*cause = NULL;
	guint		 n = 0;

	g_assert_cmpint(f->st->ops->event_list(f->st, id, &ev, &cause), ==, 0);
	for (guint i = 0; i < ev->len; i++)
		n += strcmp(((struct store_event *)ev->pdata[i])->type,
		    type) == 0;
	g_ptr_array_free(ev, TRUE);
	return n;
}

/* Has ticket id an event of type whose detail ends in tail? */
static int
has_detail(struct fixture *f, gint64 id, const char *type, const char *tail)
{
	GPtrArray	*ev;
	char		*cause = NULL;
	int		 found = 0;

	g_assert_cmpint(f->st->ops->event_list(f->st, id, &ev, &cause), ==, 0);
	for (guint i = 0; i < ev->len; i++) {
		const struct store_event *e = ev->pdata[i];

		found |= strcmp(e->type, type) == 0 &&
		    g_str_has_suffix(e->detail, tail);
	}
	g_ptr_array_free(ev, TRUE);
	return found;
}

#define EVER	G_MAXINT64

static void
test_timers(struct fixture *f, gconstpointer data)
{
	gint64	 id = ticket_new(f), after = 0, old;
	guint	 done;
	char	*cause = NULL, *got;

	/* Created at 1000: the first response by 4600, the resolution by 8200. */
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	g_assert_cmpint(lifecycle_timers_rebuild(f->st, f->conf, &after, 10,
	    &done, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	g_assert_cmpuint(done, ==, 1);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "first_response.warn@3880 "
	    "first_response.breach@4600 resolution.warn@6760 "
	    "resolution.breach@8200");
	g_free(got);
	/* The warning fires once: an event, and the agents' kept notification. */
	g_assert_cmpint(fire(f, id, "first_response.warn", 3900), ==, 1);
	g_assert_cmpuint(events_of(f, id, "sla_warning"), ==, 1);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "first_response.breach@4600 "
	    "resolution.warn@6760 resolution.breach@8200");
	g_free(got);
	/* Pending at 4000: the resolution clock stops, the customer's runs. */
	act_at(f, id, NULL, NULL, "pending", 4000);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "first_response.breach@4600 "
	    "pending_remind@263200 pending_resolve@608800");
	g_free(got);
	/* The breach: the breached tag; then nothing fires twice. */
	g_assert_cmpint(fire(f, id, "first_response.breach", 4600), ==, 1);
	g_assert_cmpuint(events_of(f, id, "sla_breach"), ==, 1);
	g_assert_cmpuint(events_of(f, id, "tagged"), ==, 1);
	/* Open at 5000 after 1000 s pending: resolution due 1000 s later. */
	act_at(f, id, NULL, NULL, "open", 5000);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "resolution.warn@7760 resolution.breach@9200");
	g_free(got);
	/* A reload that moved a deadline on: the timer is only put there. */
	f->conf->close_after = 100;
	act_at(f, id, NULL, NULL, "resolved", 6000);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "close_after@6100");
	g_free(got);
	f->conf->close_after = 500;
	g_assert_cmpint(fire(f, id, "close_after", 6200), ==, 0);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "close_after@6500");
	g_free(got);
	/* A breach found a day late is history: recorded, nobody mailed. */
	old = ticket_new(f);
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	after = old - 1;
	g_assert_cmpint(lifecycle_timers_rebuild(f->st, f->conf, &after, 1,
	    &done, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	g_assert_cmpint(fire(f, old, "first_response.breach", 4600 + 86401), ==,
	    1);
	g_assert_cmpuint(events_of(f, old, "sla_breach"), ==, 1);
	g_assert_true(has_detail(f, old, "sla_breach", "; found more than a "
	    "day late, nobody was mailed"));
	/* Closed: nothing more is to come. */
	g_assert_cmpint(fire(f, id, "close_after", 6500), ==, 1);
	g_assert_cmpstr((got = status_of(f, id)), ==, "closed");
	g_free(got);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
	/*
	 * Opened again at 7000: the breach that fired stays fired, and the
	 * resolution clock left out 2000 s pending, resolved and closed.
	 */
	act_at(f, id, NULL, NULL, "open", 7000);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "resolution.warn@8760 resolution.breach@10200");
	g_free(got);
	g_assert_null(cause);
}

/* Closed before the survey was due, it still goes: once, and not a day late. */
static void
test_survey_timer(struct fixture *f, gconstpointer data)
{
	gint64	 id = ticket_new(f), late = ticket_new(f);
	char	*got;

	/* [csat] send = yes needs templates, which this fixture has not. */
	f->conf->csat_send = 1;
	f->conf->csat_delay = 3600;
	f->conf->close_after = 100;
	act_at(f, id, NULL, NULL, "resolved", 2000);
	g_assert_cmpint(fire(f, id, "close_after", 2100), ==, 1);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "csat_survey@5600");
	g_free(got);
	/* No template here: the survey is skipped, and said so; once. */
	g_assert_cmpint(fire(f, id, "csat_survey", 5600), ==, 1);
	g_assert_cmpuint(events_of(f, id, "csat_skipped"), ==, 1);
	got = timers_of(f, id, EVER);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
	act_at(f, late, NULL, NULL, "resolved", 2000);
	g_assert_cmpint(fire(f, late, "csat_survey", 5600 + 86401), ==, 1);
	g_assert_true(has_detail(f, late, "csat_skipped", "found more than a day "
	    "late"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	g_test_add("/lifecycle/close-by-path", struct fixture, NULL,
	    fixture_setup, test_close_by_path, fixture_teardown);
	g_test_add("/lifecycle/notify-deferred", struct fixture, agents_conf,
	    fixture_setup, test_notify_deferred, fixture_teardown);
	g_test_add("/lifecycle/sla-facts", struct fixture, sla_conf,
	    fixture_setup, test_sla_facts, fixture_teardown);
	g_test_add("/lifecycle/timers", struct fixture, sla_conf,
	    fixture_setup, test_timers, fixture_teardown);
	g_test_add("/lifecycle/survey-timer", struct fixture, sla_conf,
	    fixture_setup, test_survey_timer, fixture_teardown);
	return g_test_run();
}
