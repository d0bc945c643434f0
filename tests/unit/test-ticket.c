/*
 * test-ticket: the ticket policy on a real SQLite store: the dedupe key,
 * joins earned by participants, a reply that arrives before its
 * original, our signed Message-IDs, and the deliveries of a mail.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "conf.h"
#include "mime.h"
#include "rules.h"
#include "store.h"
#include "thread.h"
#include "ticket.h"

#include "store-fixture.h"
#include "mail-fixture.h"

static char *
key_of(const char *text)
{
	struct mail	*m = parse(text);
	char		*key = ticket_dedupe_key(m, 0);

	mail_free(m);
	return key;
}

/*
 * File one mail for queue address rcpt, with rs (or none) matched first
 * as the parse pool would; returns the outcome and ticket.
 */
static enum ticket_outcome
file_ruled(struct fixture *f, const char *text, const char *rcpt,
    struct rules *rs, gint64 *ticket)
{
	struct mail		*m = parse(text);
	char			*key = ticket_dedupe_key(m, 0), *cause = NULL;
	GPtrArray		*deliveries = g_ptr_array_new();
	struct store_delivery	 d = { "support", (char *)rcpt };
	struct rules_input	 in = { 0 };
	struct ticket_mail	 tm = { m, key, "test", "", "support",
				    deliveries, 1700000000, 1, NULL, NULL, f->conf };
	struct ticket_result	 res;
	struct rules_matches	*ms = NULL;

	in.mail = m;
	in.queue = "support";
	in.size = g_bytes_get_size(m->raw);
	if (rs != NULL)
		tm.rules = ms = rules_match(rs, &in, 0);
	g_ptr_array_add(deliveries, &d);
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	g_assert_cmpint(ticket_file(f->st, &tm, &res, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	g_assert_null(cause);
	*ticket = res.ticket_id;
	rules_matches_free(ms);
	g_ptr_array_free(deliveries, TRUE);
	g_free(key);
	mail_free(m);
	return res.outcome;
}

static enum ticket_outcome
file_to(struct fixture *f, const char *text, const char *rcpt,
    gint64 *ticket)
{
	return file_ruled(f, text, rcpt, NULL, ticket);
}

static enum ticket_outcome
file(struct fixture *f, const char *text, gint64 *ticket)
{
	return file_to(f, text, "support@example.com", ticket);
}

/* The events of a ticket as "type: detail" lines. */
static char *
events(struct fixture *f, gint64 ticket)
{
	GString		*s = g_string_new(NULL);
	GPtrArray	*ev;
	char		*cause = NULL;

	g_assert_cmpint(f->st->ops->event_list(f->st, ticket, &ev, &cause),
	    ==, 0);
	for (guint i = 0; i < ev->len; i++) {
		struct store_event *e = ev->pdata[i];

		g_string_append_printf(s, "%s: %s\n", e->type, e->detail);
	}
	g_ptr_array_free(ev, TRUE);
	return g_string_free(s, FALSE);
}

static const char original[] =
    "From: Customer <cust@customer.example>\r\n"
    "To: support@example.com\r\n"
    "Cc: Colleague <Colleague@Customer.Example>\r\n"
    "Subject: VPN drops\r\n"
    "Date: Wed, 25 Nov 2026 10:00:00 +0700\r\n"
    "Message-ID: <orig@customer.example>\r\n"
    "\r\n"
    "It drops.\r\n";

static void
test_key_names_the_originator(void)
{
	char	*a = key_of(original);
	char	*other_from = key_of("From: x@example.net\r\n"
		    "Date: Wed, 25 Nov 2026 10:00:00 +0700\r\n"
		    "Message-ID: <orig@customer.example>\r\n\r\nother\r\n");
	char	*other_date = key_of("From: cust@customer.example\r\n"
		    "Date: Wed, 25 Nov 2026 10:00:01 +0700\r\n"
		    "Message-ID: <orig@customer.example>\r\n\r\nIt drops.\r\n");
	char	*transported = key_of("Return-Path: <bounce@customer.example>\r\n"
		    "Received: from a by b; Wed, 25 Nov 2026 10:00:09 +0700\r\n"
		    "Delivered-To: billing@example.com\r\n"
		    "From: CUST@customer.example\r\n"
		    "Date: Wed, 25 Nov 2026 03:00:00 +0000\r\n"
		    "Message-ID: <orig@customer.example>\r\n\r\nIt drops.\r\n");

	g_assert_cmpstr(a, ==, "orig@customer.example\ncust@customer.example\n"
	    "2026-11-25T03:00:00Z");
	g_assert_cmpstr(a, !=, other_from);
	g_assert_cmpstr(a, !=, other_date);
	g_assert_cmpstr(a, ==, transported);
	g_free(a);
	g_free(other_from);
	g_free(other_date);
	g_free(transported);
}

static void
test_key_without_message_id(void)
{
	const char	*lf = "From: a@example.org\nSubject: x\n\nline 1\nline 2\n";
	char		*k1 = key_of(lf);
	char		*k2 = key_of("Received: from mx by mx2;\r\n\tThu, 1 Jan 2026"
			    "\r\nFrom: a@example.org\r\nSubject: x\r\n\r\n"
			    "line 1\r\nline 2\r\n");
	char		*k3 = key_of("From: a@example.org\nSubject: x\n\n"
			    "line 1\nline 3\n");
	/* A Received line in the body is content, not a trace header. */
	char		*k4 = key_of("From: a@example.org\nSubject: x\n\n"
			    "Received: x\nline 1\nline 2\n");

	g_assert_true(g_str_has_prefix(k1, "sha256:"));
	g_assert_cmpstr(k1, ==, k2);
	g_assert_cmpstr(k1, !=, k3);
	g_assert_cmpstr(k1, !=, k4);
	g_free(k1);
	g_free(k2);
	g_free(k3);
	g_free(k4);
}

static void
test_stranger_cites(struct fixture *f, gconstpointer data)
{
	gint64	 t, s;
	char	*ev;

	g_assert_cmpint(file(f, original, &t), ==, TICKET_NEW);
	g_assert_cmpint(file(f, "From: mallory@example.net\r\n"
	    "Message-ID: <m@example.net>\r\n"
	    "References: <orig@customer.example>\r\n\r\nlet me in\r\n", &s),
	    ==, TICKET_NEW);
	g_assert_cmpint(s, !=, t);
	ev = events(f, s);
	g_assert_nonnull(strstr(ev, "reference_refused: this mail cites "
	    "<orig@customer.example> of ticket 1, but <mallory@example.net> "
	    "is not a participant of it\n"));
	g_free(ev);
	ev = events(f, t);
	g_assert_nonnull(strstr(ev, "reference_refused: mail <m@example.net> "
	    "from <mallory@example.net> cites"));
	g_assert_nonnull(strstr(ev, "it opened ticket 2\n"));
	g_free(ev);
}

static void
test_participants_join(struct fixture *f, gconstpointer data)
{
	gint64	 t, r;

	g_assert_cmpint(file(f, original, &t), ==, TICKET_NEW);
	/* On Cc of the ticket's mail: by reference, and by tag. */
	g_assert_cmpint(file(f, "From: colleague@customer.example\r\n"
	    "Message-ID: <c1@customer.example>\r\n"
	    "In-Reply-To: <orig@customer.example>\r\n\r\nme too\r\n", &r),
	    ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(r, ==, t);
	/* The queue address is on To of every mail: no participant. */
	g_assert_cmpint(file(f, "From: support@example.com\r\n"
	    "Message-ID: <q1@example.com>\r\nSubject: [#1] x\r\n"
	    "In-Reply-To: <orig@customer.example>\r\n\r\nloop\r\n", &r),
	    ==, TICKET_NEW);
	/* A joined mail's To and Cc take part from then on. */
	g_assert_cmpint(file(f, "From: cust@customer.example\r\n"
	    "Cc: boss@customer.example\r\nMessage-ID: <c2@customer.example>\r\n"
	    "In-Reply-To: <c1@customer.example>\r\n\r\nadding my boss\r\n", &r),
	    ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(file(f, "From: boss@customer.example\r\n"
	    "Subject: Re: [#1] VPN drops\r\nMessage-ID: <b1@customer.example>"
	    "\r\n\r\nfix it\r\n", &r), ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(r, ==, t);
}

/* Two mails share a Message-ID: a reply finds the one its sender is on. */
static void
test_reused_msgid_reply(struct fixture *f, gconstpointer data)
{
	gint64	 x, t, r;

	g_assert_cmpint(file(f, "From: mallory@example.net\r\n"
	    "Message-ID: <orig@customer.example>\r\n\r\nsquatting\r\n", &x),
	    ==, TICKET_NEW);
	g_assert_cmpint(file(f, original, &t), ==, TICKET_NEW);
	g_assert_cmpint(t, !=, x);
	g_assert_cmpint(file(f, "From: cust@customer.example\r\n"
	    "Message-ID: <r@customer.example>\r\n"
	    "In-Reply-To: <orig@customer.example>\r\n\r\nmine\r\n", &r),
	    ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(r, ==, t);
}

static void
test_signed_msgid_joins_anyone(struct fixture *f, gconstpointer data)
{
	gint64	 t, r;
	char	*ours, *mail;

	g_assert_cmpint(file(f, original, &t), ==, TICKET_NEW);
	ours = thread_msgid_make(f->key, t, "hd.test");
	mail = g_strdup_printf("From: helpdesk@partner.example\r\n"
	    "Message-ID: <p1@partner.example>\r\nIn-Reply-To: <%s>\r\n"
	    "\r\nforwarded\r\n", ours);
	g_assert_cmpint(file(f, mail, &r), ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(r, ==, t);
	g_free(mail);
	g_free(ours);
}

static void
test_reply_before_original(struct fixture *f, gconstpointer data)
{
	gint64	 r, o;
	char	*ev;

	g_assert_cmpint(file(f, "From: cust@customer.example\r\n"
	    "Message-ID: <re@customer.example>\r\nSubject: Re: VPN drops\r\n"
	    "In-Reply-To: <orig@customer.example>\r\n\r\nforgot\r\n", &r),
	    ==, TICKET_NEW);
	g_assert_cmpint(file(f, original, &o), ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(o, ==, r);
	ev = events(f, r);
	g_assert_nonnull(strstr(ev, "matched by a reply stored before it "
	    "<re@customer.example>"));
	g_assert_nonnull(strstr(ev, "joined_late: message 2 "
	    "<orig@customer.example> arrived after <re@customer.example>"));
	g_free(ev);
}

/* Two replies to a missing original opened two tickets: both are told. */
static void
test_two_replies_before_original(struct fixture *f, gconstpointer data)
{
	gint64	 r1, r2, o;
	char	*ev;

	g_assert_cmpint(file(f, "From: cust@customer.example\r\n"
	    "Message-ID: <re1@customer.example>\r\n"
	    "In-Reply-To: <orig@customer.example>\r\n\r\none\r\n", &r1),
	    ==, TICKET_NEW);
	g_assert_cmpint(file(f, "From: colleague@customer.example\r\n"
	    "Message-ID: <re2@customer.example>\r\n"
	    "In-Reply-To: <orig@customer.example>\r\n\r\ntwo\r\n", &r2),
	    ==, TICKET_NEW);
	g_assert_cmpint(file(f, original, &o), ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(o, ==, r1);
	ev = events(f, r1);
	g_assert_nonnull(strstr(ev, "related: ticket 2 also answers "
	    "<orig@customer.example>\n"));
	g_free(ev);
	ev = events(f, r2);
	g_assert_nonnull(strstr(ev, "related: <orig@customer.example>, which "
	    "mail of this ticket answers, arrived later and is in ticket 1\n"));
	g_free(ev);
}

static void
test_stranger_cites_first(struct fixture *f, gconstpointer data)
{
	gint64	 s, o;
	char	*ev;

	g_assert_cmpint(file(f, "From: mallory@example.net\r\n"
	    "Message-ID: <m@example.net>\r\n"
	    "In-Reply-To: <orig@customer.example>\r\n\r\nfirst!\r\n", &s),
	    ==, TICKET_NEW);
	g_assert_cmpint(file(f, original, &o), ==, TICKET_NEW);
	g_assert_cmpint(o, !=, s);
	ev = events(f, o);
	g_assert_nonnull(strstr(ev, "reference_refused: this mail is cited by "
	    "<m@example.net> of ticket 1, whose sender <mallory@example.net> "
	    "is not on this mail\n"));
	g_free(ev);
}

static void
test_deliveries(struct fixture *f, gconstpointer data)
{
	GPtrArray	*msgs;
	char		*cause = NULL, *ev;
	gint64		 t, again;

	g_assert_cmpint(file(f, original, &t), ==, TICKET_NEW);
	g_assert_cmpint(file_to(f, original, "billing@example.com", &again),
	    ==, TICKET_DUPLICATE);
	g_assert_cmpint(again, ==, t);
	g_assert_cmpint(file_to(f, original, "billing@example.com", &again),
	    ==, TICKET_DUPLICATE);
	g_assert_cmpint(f->st->ops->message_list(f->st, t, &msgs, &cause),
	    ==, 0);
	g_assert_cmpuint(msgs->len, ==, 1);
	g_assert_cmpuint(((struct store_message *)msgs->pdata[0])->deliveries->len,
	    ==, 2);
	g_ptr_array_free(msgs, TRUE);
	ev = events(f, t);
	g_assert_nonnull(strstr(ev, "delivered: message 1 also delivered to "
	    "<billing@example.com> (queue support) via test\n"));
	g_assert_null(strstr(strstr(ev, "delivered:") + 1, "delivered:"));
	g_free(ev);
}

static const char ruled[] =
    "[rule first]\nmatch = subject contains \"vpn\"\npriority = high\n"
    "tag = vpn, x\nuntag = x\nassign = malee\n"
    "[rule again]\nwhen = reply\nmatch = body ~ /still/\ntag = again\n"
    "status = pending\n";

/* The writer decides and applies: events name the rule, file:line. */
static void
test_rules(struct fixture *f, gconstpointer data)
{
	struct store_ticket	*t;
	struct rules		*rs;
	char			*cause = NULL, *ev;
	gint64			 id, again;

	rs = rules_load_buffer("t.rules", ruled, strlen(ruled), f->conf, &cause);
	g_assert_null(cause);
	g_assert_cmpint(file_ruled(f, original, "support@example.com", rs, &id),
	    ==, TICKET_NEW);
	g_assert_cmpint(f->st->ops->ticket_get(f->st, id, &t, &cause), ==, 1);
	g_assert_cmpstr(t->priority, ==, "high");
	g_assert_null(t->assignee);
	g_assert_cmpstr(t->tags[0], ==, "vpn");
	g_assert_null(t->tags[1]);
	store_ticket_free(t);
	ev = events(f, id);
	g_assert_nonnull(strstr(ev,
	    "rule: rule first (t.rules:1): priority = high\n"
	    "priority: normal -> high by ticketd (rules)\n"
	    "rule: rule first (t.rules:1): tag = vpn\n"
	    "tagged: vpn by ticketd (rules)\n"
	    "rule: rule first (t.rules:1): tag = x\n"
	    "tagged: x by ticketd (rules)\n"
	    "rule: rule first (t.rules:1): untag = x\n"
	    "untagged: x by ticketd (rules)\n"
	    "rule_skipped: rule first (t.rules:1): assign = malee: skipped, "
	    "agent malee does not work in queue support\n"));
	g_assert_null(strstr(ev, "rule again"));
	g_free(ev);
	/* The same mail again: a duplicate gets no rules. */
	g_assert_cmpint(file_ruled(f, original, "support@example.com", rs,
	    &again), ==,
	    TICKET_DUPLICATE);
	g_assert_cmpint(file_ruled(f, "From: Customer <cust@customer.example>\r\n"
	    "Subject: Re: VPN drops\r\nIn-Reply-To: <orig@customer.example>\r\n"
	    "Message-ID: <re@customer.example>\r\n\r\nstill\r\n",
	    "support@example.com", rs, &again), ==, TICKET_FOLLOW_UP);
	g_assert_cmpint(again, ==, id);
	ev = events(f, id);
	g_assert_nonnull(strstr(ev, "rule: rule again (t.rules:7): tag = again\n"));
	g_assert_nonnull(strstr(ev, "rule: rule again (t.rules:7): status = "
	    "pending\nstatus: new -> pending by ticketd (rules): rule again "
	    "(t.rules:7)\n"));
	/* when = new: the follow-up's subject matches, but it is a reply. */
	g_assert_null(strstr(strstr(ev, "rule again"), "rule first"));
	g_free(ev);
	rules_unref(rs);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
#define ADD(path, fn) g_test_add(path, struct fixture, \
	"[queue billing]\naddress = billing@example.com\n", fixture_setup, fn, \
	fixture_teardown)
	g_test_add_func("/ticket/key-names-the-originator",
	    test_key_names_the_originator);
	g_test_add_func("/ticket/key-without-message-id",
	    test_key_without_message_id);
	ADD("/ticket/stranger-cites", test_stranger_cites);
	ADD("/ticket/participants-join", test_participants_join);
	ADD("/ticket/reused-msgid-reply", test_reused_msgid_reply);
	ADD("/ticket/signed-msgid-joins-anyone", test_signed_msgid_joins_anyone);
	ADD("/ticket/reply-before-original", test_reply_before_original);
	ADD("/ticket/two-replies-before-original",
	    test_two_replies_before_original);
	ADD("/ticket/stranger-cites-first", test_stranger_cites_first);
	ADD("/ticket/deliveries", test_deliveries);
	g_test_add("/ticket/rules", struct fixture, "[queue billing]\n"
	    "address = billing@example.com\n[agent malee]\n"
	    "address = malee@example.com\nqueues = billing\n", fixture_setup,
	    test_rules, fixture_teardown);
	return g_test_run();
}
