/*
 * test-store: the SQLite store and the ingest steps on top of it:
 * tickets, dedupe, threading by Message-ID, HMAC id and subject tag,
 * unparseable mail, savepoint rollback, the thread key, and bounces.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "conf.h"
#include "reply.h"
#include "ingest.h"
#include "mime.h"
#include "store.h"
#include "thread.h"

#include "store-fixture.h"

/* Ingest text as one mail; returns the job for the caller to inspect. */
static struct ingest_job *
ingest(struct fixture *f, const char *text)
{
	GBytes			*raw = g_bytes_new(text, strlen(text));
	struct ingest_job	*job;

	job = ingest_job_new(raw, "test", "test", "sender@example.org",
	    "support", f->conf);
	ingest_run_one(f->st, job);
	return job;
}

static gint64
ingest_ticket(struct fixture *f, const char *text, enum ingest_status want)
{
	struct ingest_job	*job = ingest(f, text);
	gint64			 id = job->ticket_id;

	g_assert_cmpint(job->status, ==, want);
	ingest_job_free(job);
	return id;
}

static guint
count_messages(struct fixture *f, gint64 ticket)
{
	GPtrArray	*msgs;
	char		*cause = NULL;
	guint		 n;

	g_assert_cmpint(f->st->ops->message_list(f->st, ticket, &msgs,
	    &cause), ==, 0);
	n = msgs->len;
	g_ptr_array_free(msgs, TRUE);
	return n;
}

static const char first[] =
    "From: Somchai <somchai@example.co.th>\r\n"
    "To: support@example.com\r\n"
    "Subject: Printer broken\r\n"
    "Message-ID: <first@example.co.th>\r\n"
    "\r\n"
    "It does not print.\r\n";

static void
test_new_ticket(struct fixture *f, gconstpointer data)
{
	struct store_ticket	*t = NULL;
	GPtrArray		*events;
	char			*cause = NULL;
	gint64			 id = ingest_ticket(f, first, INGEST_STORED);

	g_assert_cmpint(id, ==, 1);
	g_assert_cmpint(f->st->ops->ticket_get(f->st, id, &t, &cause), ==, 1);
	g_assert_cmpstr(t->subject, ==, "Printer broken");
	g_assert_cmpstr(t->requester_addr, ==, "somchai@example.co.th");
	g_assert_cmpstr(t->requester_name, ==, "Somchai");
	g_assert_cmpstr(t->status, ==, "new");
	g_assert_cmpstr(t->queue, ==, "support");
	g_assert_cmpuint(t->messages, ==, 1);
	g_assert_false(t->attention);
	store_ticket_free(t);
	g_assert_cmpint(f->st->ops->event_list(f->st, id, &events, &cause), ==, 0);
	g_assert_cmpuint(events->len, ==, 2);
	g_assert_cmpstr(((struct store_event *)events->pdata[0])->type, ==,
	    "created");
	g_assert_cmpstr(((struct store_event *)events->pdata[1])->type, ==,
	    "message");
	g_ptr_array_free(events, TRUE);
	g_assert_cmpint(f->st->ops->ticket_get(f->st, 99, &t, &cause), ==, 0);
}

static void
test_duplicate(struct fixture *f, gconstpointer data)
{
	gint64	 id = ingest_ticket(f, first, INGEST_STORED);

	g_assert_cmpint(ingest_ticket(f, first, INGEST_DUPLICATE), ==, id);
	g_assert_cmpuint(count_messages(f, id), ==, 1);
}

static void
test_duplicate_without_message_id(struct fixture *f, gconstpointer data)
{
	const char	*mail = "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n";
	gint64		 id = ingest_ticket(f, mail, INGEST_STORED);

	g_assert_cmpint(ingest_ticket(f, mail, INGEST_DUPLICATE), ==, id);
	g_assert_cmpint(ingest_ticket(f, "From: a@example.org\r\nSubject: x\r\n"
	    "\r\nother body\r\n", INGEST_STORED), !=, id);
}

static void
test_reply_by_references(struct fixture *f, gconstpointer data)
{
	gint64	 id = ingest_ticket(f, first, INGEST_STORED);

	g_assert_cmpint(ingest_ticket(f, "From: somchai@example.co.th\r\n"
	    "Subject: Re: Printer broken\r\nMessage-ID: <second@x>\r\n"
	    "In-Reply-To: <unknown@x>\r\n"
	    "References: <first@example.co.th> <unknown@x>\r\n\r\nstill\r\n",
	    INGEST_STORED), ==, id);
	g_assert_cmpuint(count_messages(f, id), ==, 2);
}

static void
test_reply_by_our_msgid(struct fixture *f, gconstpointer data)
{
	gint64	 id = ingest_ticket(f, first, INGEST_STORED);
	char	*ours = thread_msgid_make(f->key, id, "hd.test");
	char	*forged = thread_msgid_make((const guint8 *)
		    "0123456789abcdef0123456789abcdef", id, "hd.test");
	char	*mail;

	mail = g_strdup_printf("From: x@example.org\r\nSubject: AW: something\r\n"
	    "Message-ID: <r1@x>\r\nIn-Reply-To: <%s>\r\n\r\nthanks\r\n", ours);
	g_assert_cmpint(ingest_ticket(f, mail, INGEST_STORED), ==, id);
	g_free(mail);
	/* A Message-ID signed with another key is no evidence at all. */
	mail = g_strdup_printf("From: x@example.org\r\nSubject: AW: something\r\n"
	    "Message-ID: <r2@x>\r\nIn-Reply-To: <%s>\r\n\r\nthanks\r\n", forged);
	g_assert_cmpint(ingest_ticket(f, mail, INGEST_STORED), !=, id);
	g_free(mail);
	g_free(ours);
	g_free(forged);
}

static void
test_reply_by_subject_tag(struct fixture *f, gconstpointer data)
{
	gint64		 id = ingest_ticket(f, first, INGEST_STORED);
	GPtrArray	*events;
	char		*cause = NULL;
	gint64		 other;

	g_assert_cmpint(ingest_ticket(f, "From: SOMCHAI@example.co.th\r\n"
	    "Subject: RE[2]: SV: [#1] Printer broken\r\nMessage-ID: <t1@x>\r\n"
	    "\r\nmore\r\n", INGEST_STORED), ==, id);
	/* A tag for a ticket that does not exist opens a new one. */
	g_assert_cmpint(ingest_ticket(f, "From: somchai@example.co.th\r\n"
	    "Subject: Re: [#4711] old\r\nMessage-ID: <t2@x>\r\n\r\nx\r\n",
	    INGEST_STORED), ==, id + 1);
	/* A stranger who types the tag does not get into the ticket. */
	other = ingest_ticket(f, "From: mallory@example.net\r\n"
	    "Subject: [#1] let me in\r\nMessage-ID: <t3@x>\r\n\r\nx\r\n",
	    INGEST_STORED);
	g_assert_cmpint(other, !=, id);
	g_assert_cmpuint(count_messages(f, id), ==, 2);
	g_assert_cmpint(f->st->ops->event_list(f->st, other, &events, &cause),
	    ==, 0);
	g_assert_cmpstr(((struct store_event *)events->pdata[1])->type, ==,
	    "tag_ignored");
	g_ptr_array_free(events, TRUE);
}

static void
test_new_ticket_subject_stripped(struct fixture *f, gconstpointer data)
{
	struct store_ticket	*t = NULL;
	char			*cause = NULL;
	gint64			 id = ingest_ticket(f, "From: a@example.org\r\n"
				    "Subject: Re: Fwd: Invoice\r\nMessage-ID: <s@x>"
				    "\r\n\r\nx\r\n", INGEST_STORED);

	g_assert_cmpint(f->st->ops->ticket_get(f->st, id, &t, &cause), ==, 1);
	g_assert_cmpstr(t->subject, ==, "Invoice");
	store_ticket_free(t);
}

static void
test_unparseable(struct fixture *f, gconstpointer data)
{
	struct store_ticket	*t = NULL;
	GPtrArray		*msgs;
	char			*cause = NULL;
	gint64			 id = ingest_ticket(f, "this is not a mail\n"
				    "at all\n", INGEST_STORED);

	g_assert_cmpint(f->st->ops->ticket_get(f->st, id, &t, &cause), ==, 1);
	g_assert_true(t->attention);
	g_assert_cmpstr(t->tags[0], ==, "unparsed");
	/* No From: the envelope sender is the requester. */
	g_assert_cmpstr(t->requester_addr, ==, "sender@example.org");
	store_ticket_free(t);
	g_assert_cmpint(f->st->ops->message_list(f->st, id, &msgs, &cause), ==, 0);
	g_assert_false(((struct store_message *)msgs->pdata[0])->parsed);
	g_ptr_array_free(msgs, TRUE);
}

static void
test_savepoint_isolates_failure(struct fixture *f, gconstpointer data)
{
	char		*cause = NULL;
	gint64		 found, message;

	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->savepoint(f->st, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->event_add(f->st, 1, 0, "x", "y", &cause),
	    ==, -1);	/* no ticket 1: the foreign key refuses it */
	g_assert_nonnull(cause);
	g_free(cause);
	cause = NULL;
	f->st->ops->rollback_savepoint(f->st);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->message_find(f->st, "none", &message, &found,
	    &cause),
	    ==, 0);
}

static void
test_thread_key_persists(struct fixture *f, gconstpointer data)
{
	guint8		 again[THREAD_KEY_LEN];
	char		*cause = NULL;
	struct store	*st2 = store_open("sqlite", f->db, &cause);

	g_assert_nonnull(st2);
	g_assert_cmpint(store_thread_key(st2, again, sizeof again, &cause),
	    ==, 0);
	g_assert_cmpmem(again, sizeof again, f->key, sizeof f->key);
	store_close(st2);
}

static void
test_open_failure(void)
{
	char	*cause = NULL;

	g_assert_null(store_open("sqlite", "/nonexistent/dir/t.db", &cause));
	g_assert_nonnull(strstr(cause, "/nonexistent/dir/t.db"));
	g_free(cause);
	cause = NULL;
	g_assert_null(store_open("postgres", "x", &cause));
	g_assert_cmpstr(cause, ==, "unknown store backend: postgres");
	g_free(cause);
}

/* An outbox row for ticket, as the sender leaves it after a 250. */
static struct store_outbox *
outbox_sent(struct fixture *f, gint64 ticket, const char *msgid)
{
	struct store_outbox	*o = g_new0(struct store_outbox, 1);
	char			*cause = NULL;

	o->ticket_id = ticket;
	o->kind = g_strdup("ack");
	o->envelope_from = g_strdup("");
	o->rcpt = g_strdup("somchai@example.co.th");
	o->message_id = g_strdup(msgid);
	o->data = g_bytes_new_static("x", 1);
	o->status = g_strdup("sent");
	o->sent_at = 1;
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->outbox_add(f->st, o, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->outbox_update(f->st, o, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	return o;
}

static char *
dsn_mail(const char *id, const char *action, const char *status)
{
	return g_strdup_printf("From: MAILER-DAEMON@mx.example.co.th\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Message-ID: <dsn.%s@mx>\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.example.co.th\r\n\r\n"
	    "Final-Recipient: rfc822; somchai@example.co.th\r\nAction: %s\r\n"
	    "Status: %s\r\nDiagnostic-Code: smtp; 550 %s mailbox gone\r\n\r\n"
	    "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	    "Message-ID: <%s>\r\n\r\n--b--\r\n", status, action, status,
	    status, id);
}

static struct store_outbox *
outbox_get(struct fixture *f, const char *msgid)
{
	struct store_outbox	*o = NULL;
	char			*cause = NULL;

	g_assert_cmpint(f->st->ops->outbox_by_msgid(f->st, msgid, &o, &cause),
	    ==, 1);
	return o;
}

static guint
count_events(struct fixture *f, gint64 ticket, const char *type)
{
	GPtrArray	*events;
	char		*cause = NULL;
	guint		 n = 0;

	g_assert_cmpint(f->st->ops->event_list(f->st, ticket, &events, &cause),
	    ==, 0);
	for (guint i = 0; i < events->len; i++)
		n += strcmp(((struct store_event *)events->pdata[i])->type,
		    type) == 0;
	g_ptr_array_free(events, TRUE);
	return n;
}

static void
test_bounce(struct fixture *f, gconstpointer data)
{
	gint64			 id = ingest_ticket(f, first, INGEST_STORED);
	char			*ours = thread_msgid_make(f->key, id, "hd.test");
	struct store_outbox	*o = outbox_sent(f, id, ours), *now;
	char			*mail, *why = NULL, *cause = NULL;

	/* A success report (NOTIFY=SUCCESS) changes nothing but the log. */
	mail = dsn_mail(ours, "relayed", "2.0.0");
	g_assert_cmpint(ingest_ticket(f, mail, INGEST_STORED), ==, id);
	g_free(mail);
	now = outbox_get(f, ours);
	g_assert_cmpstr(now->status, ==, "sent");
	store_outbox_free(now);
	g_assert_cmpuint(count_events(f, id, "delivered"), ==, 1);
	g_assert_cmpuint(count_events(f, id, "bounced"), ==, 0);

	/* A delay warning: delayed, not failed, and nothing held. */
	mail = dsn_mail(ours, "delayed", "4.4.1");
	g_assert_cmpint(ingest_ticket(f, mail, INGEST_STORED), ==, id);
	g_free(mail);
	now = outbox_get(f, ours);
	g_assert_cmpstr(now->status, ==, "delayed");
	store_outbox_free(now);
	g_assert_cmpint(bounce_held(f->st, f->conf, "somchai@example.co.th",
	    time(NULL), &why, &cause), ==, 0);

	/* The failure: joins the ticket, fails the row, holds acks. */
	mail = dsn_mail(ours, "failed", "5.1.1");
	g_assert_cmpint(ingest_ticket(f, mail, INGEST_STORED), ==, id);
	g_free(mail);
	now = outbox_get(f, ours);
	g_assert_cmpstr(now->status, ==, "failed");
	g_assert_cmpstr(now->last_error, ==,
	    "failed 5.1.1: smtp; 550 5.1.1 mailbox gone");
	store_outbox_free(now);
	g_assert_cmpuint(count_messages(f, id), ==, 4);
	g_assert_cmpuint(count_events(f, id, "bounced"), ==, 2);
	g_assert_cmpint(bounce_held(f->st, f->conf, "SOMCHAI@example.co.th",
	    time(NULL), &why, &cause), ==, 1);
	g_assert_nonnull(strstr(why, "bounced (5.1.1)"));
	g_free(why);

	/* A late delay warning does not undo the failure. */
	mail = dsn_mail(ours, "delayed", "4.4.2");
	ingest_ticket(f, mail, INGEST_STORED);
	g_free(mail);
	now = outbox_get(f, ours);
	g_assert_cmpstr(now->status, ==, "failed");
	store_outbox_free(now);
	store_outbox_free(o);
	g_free(ours);
}

/* A fast bounce can be stored before the sender records its 250. */
static void
test_bounce_before_sent_mark(struct fixture *f, gconstpointer data)
{
	gint64			 id = ingest_ticket(f, first, INGEST_STORED);
	char			*ours = thread_msgid_make(f->key, id, "hd.test");
	struct store_outbox	*o = outbox_sent(f, id, ours), *now;
	char			*mail = dsn_mail(ours, "failed", "5.1.1");
	char			*cause = NULL;

	ingest_ticket(f, mail, INGEST_STORED);
	g_assert_cmpint(f->st->ops->outbox_update(f->st, o, &cause), ==, 0);
	now = outbox_get(f, ours);
	g_assert_cmpstr(now->status, ==, "failed");
	g_assert_nonnull(now->last_error);
	store_outbox_free(now);
	store_outbox_free(o);
	g_free(mail);
	g_free(ours);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, \
	fn, fixture_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	ADD("/store/new-ticket", test_new_ticket);
	ADD("/store/duplicate", test_duplicate);
	ADD("/store/duplicate-without-message-id",
	    test_duplicate_without_message_id);
	ADD("/store/reply-by-references", test_reply_by_references);
	ADD("/store/reply-by-our-msgid", test_reply_by_our_msgid);
	ADD("/store/reply-by-subject-tag", test_reply_by_subject_tag);
	ADD("/store/new-ticket-subject-stripped",
	    test_new_ticket_subject_stripped);
	ADD("/store/unparseable", test_unparseable);
	ADD("/store/savepoint", test_savepoint_isolates_failure);
	ADD("/store/thread-key-persists", test_thread_key_persists);
	ADD("/store/bounce", test_bounce);
	ADD("/store/bounce-before-sent-mark", test_bounce_before_sent_mark);
	g_test_add_func("/store/open-failure", test_open_failure);
	return g_test_run();
}
