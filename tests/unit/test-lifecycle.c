/*
 * test-lifecycle: what the path of an action may do. Closing a ticket
 * by hand is for ticketctl; a command that came by mail may not, even
 * when built without agent_commands_parse().
 */
#include <string.h>

#include "agent.h"
#include "lifecycle.h"
#include "mime.h"
#include "store.h"

#include "store-fixture.h"

static gint64
ticket_new(struct fixture *f)
{
	struct store_ticket	 t = { 0 };
	char			*cause = NULL;

	t.subject = "s";
	t.requester_name = "";
	t.requester_addr = "c@example.org";
	t.status = "open";
	t.queue = "support";
	t.priority = "normal";
	t.created_at = 1000;
	g_assert_cmpint(f->st->ops->ticket_create(f->st, &t, &cause), ==, 0);
	return t.id;
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	g_test_add("/lifecycle/close-by-path", struct fixture, NULL,
	    fixture_setup, test_close_by_path, fixture_teardown);
	return g_test_run();
}
