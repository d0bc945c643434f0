/*
 * test-store: the SQLite store and the ingest steps on top of it:
 * tickets, dedupe, threading by Message-ID, HMAC id and subject tag,
 * unparseable mail, savepoint rollback and the thread key.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

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
	g_test_add_func("/store/open-failure", test_open_failure);
	return g_test_run();
}
