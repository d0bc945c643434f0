/*
 * test-store: the SQLite store and the ingest steps on top of it:
 * tickets, dedupe, threading by Message-ID, HMAC id and subject tag,
 * unparseable mail, savepoint rollback, the thread key, bounces, and
 * the lifecycle ops: ticket_find filters, ticket_update, tags, links,
 * resolved tickets, message authors, and schema migration 6.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "conf.h"
#include "reply.h"
#include "ingest.h"
#include "mime.h"
#include "search.h"
#include "store.h"
#include "thread.h"

#include "mail-fixture.h"
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
	struct store	*st2 = store_open(f->db, &cause);

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

	g_assert_null(store_open("/nonexistent/dir/t.db", &cause));
	g_assert_nonnull(strstr(cause, "/nonexistent/dir/t.db"));
	g_free(cause);
	cause = NULL;
	/* The URI's password must not reach a log. */
	g_assert_null(store_open("postgresql://u:secret@/ticketd?"
	    "host=/nonexistent/dir", &cause));
	g_assert_nonnull(strstr(cause, "postgresql postgresql://u@/ticketd"));
	g_assert_null(strstr(cause, "secret"));
	g_free(cause);
	cause = NULL;
	g_assert_null(store_open("mysql://db/ticketd", &cause));
	g_assert_cmpstr(cause, ==, "no store backend for mysql:// URIs");
	g_free(cause);
}

/* A URI is a server's database; anything else a SQLite file. */
static void
test_backend_by_database(void)
{
	char	*cause = NULL, *name;

	g_assert_true(store_backend("/var/lib/ticketd/t.db", &cause) ==
	    &store_sqlite_ops);
	g_assert_true(store_backend("t.db", &cause) == &store_sqlite_ops);
	/* Not a scheme: a relative path with a colon in it. */
	g_assert_true(store_backend("./a://b", &cause) == &store_sqlite_ops);
	g_assert_null(cause);
	g_assert_cmpstr(store_local_path("/var/lib/ticketd/t.db"), ==,
	    "/var/lib/ticketd/t.db");
	g_assert_null(store_local_path("postgres:///ticketd?host=/run/pg"));
	g_assert_cmpuint(store_uri_scheme("postgresql://h/db"), ==, 10);
	g_assert_cmpuint(store_uri_scheme("/tmp/x.db"), ==, 0);
	/* Messages show no password. */
	name = store_database_name("postgresql://u:secret@db/ticketd");
	g_assert_null(strstr(name, "secret"));
	g_assert_nonnull(strstr(name, "u@db/ticketd"));
	g_free(name);
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

/* A ticket made through the store alone; status_at is then at. */
static gint64
ticket_new(struct fixture *f, const char *requester, const char *status,
    const char *queue, const char *assignee, gint64 at)
{
	struct store_ticket	 t = { 0 };
	char			*cause = NULL;

	t.subject = "s";
	t.requester_name = "";
	t.requester_addr = (char *)requester;
	t.status = (char *)status;
	t.queue = (char *)queue;
	t.priority = "normal";
	t.assignee = (char *)assignee;
	t.created_at = at;
	g_assert_cmpint(f->st->ops->ticket_create(f->st, &t, &cause), ==, 0);
	g_assert_cmpint(t.status_at, ==, at);
	return t.id;
}

/* Ids, comma-separated, of a GArray (freed) or a GPtrArray of tickets. */
static char *
ids_text(GArray *ids, GPtrArray *tickets)
{
	GString	*s = g_string_new(NULL);
	guint	 n = ids != NULL ? ids->len : tickets->len;

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? "," : "",
		    ids != NULL ? g_array_index(ids, gint64, i) :
		    ((struct store_ticket *)tickets->pdata[i])->id);
	if (ids != NULL)
		g_array_free(ids, TRUE);
	return g_string_free(s, FALSE);
}

static void
assert_found(struct fixture *f, const struct store_filter *flt,
    const char *want)
{
	GPtrArray	*tickets = NULL;
	char		*cause = NULL, *got;

	g_assert_cmpint(f->st->ops->ticket_find(f->st, flt, &tickets, &cause),
	    ==, 0);
	g_assert_null(cause);
	got = ids_text(NULL, tickets);
	g_assert_cmpstr(got, ==, want);
	g_free(got);
	g_ptr_array_free(tickets, TRUE);
}

static gint64
message_new(struct fixture *f, gint64 ticket, const char *key,
    const char *author, const char *body)
{
	struct mail		*m = parse("From: a@example.org\r\n"
				    "Subject: x\r\n\r\n> quoted\r\ntext\r\n");
	struct store_message_in	 in = { 0 };
	char			*cause = NULL;
	gint64			 id = 0;

	in.ticket_id = ticket;
	in.direction = author != NULL ? "agent" : "in";
	in.source = "test";
	in.return_path = "";
	in.dedupe_key = key;
	in.received_at = 1000;
	in.mail = m;
	in.author = author;
	in.body = body;
	g_assert_cmpint(f->st->ops->message_add(f->st, &in, &id, &cause), ==, 0);
	mail_free(m);
	return id;
}

static void
test_find(struct fixture *f, gconstpointer data)
{
	const char *const	 open[] = { "new", "open", NULL };
	const char *const	 one[] = { "open", NULL };
	const char *const	 none[] = { NULL };
	const char *const	 live[] = { "new", "open", "pending", NULL };
	struct store_filter	 flt = { 0 };
	GPtrArray		*tickets;
	struct store_ticket	*t;
	char			*cause = NULL;

	ticket_new(f, "Somchai@Example.co.th", "new", "support", NULL, 10);
	ticket_new(f, "other@example.org", "open", "sales", "alice", 20);
	ticket_new(f, "somchai@example.co.th", "pending", "support", "alice", 30);
	ticket_new(f, "x@example.org", "resolved", "support", "bob", 40);
	ticket_new(f, "SOMCHAI@example.co.th", "open", "support", "", 50);
	g_assert_cmpint(f->st->ops->tag_add(f->st, 1, "vip", &cause), ==, 1);
	g_assert_cmpint(f->st->ops->tag_add(f->st, 3, "vip", &cause), ==, 1);
	message_new(f, 3, "k1", NULL, NULL);

	assert_found(f, NULL, "1,2,3,4,5");
	assert_found(f, &flt, "1,2,3,4,5");
	flt.statuses = open;
	assert_found(f, &flt, "1,2,5");
	flt.statuses = one;
	assert_found(f, &flt, "2,5");
	flt.statuses = none;
	assert_found(f, &flt, "");
	flt = (struct store_filter){ .queue = "sales" };
	assert_found(f, &flt, "2");
	flt = (struct store_filter){ .assignee = "" };
	assert_found(f, &flt, "1,5");
	flt.assignee = "alice";
	assert_found(f, &flt, "2,3");
	flt = (struct store_filter){ .tag = "vip" };
	assert_found(f, &flt, "1,3");
	flt.assignee = "alice";
	assert_found(f, &flt, "3");
	flt = (struct store_filter){ .requester = "somchai@EXAMPLE.co.th" };
	assert_found(f, &flt, "1,3,5");
	flt.exclude = 3;
	assert_found(f, &flt, "1,5");
	flt.exclude = 0;
	flt.descending = 1;
	assert_found(f, &flt, "5,3,1");
	flt.limit = 2;
	assert_found(f, &flt, "5,3");
	flt = (struct store_filter){ .statuses = live, .queue = "support",
	    .assignee = "" };
	assert_found(f, &flt, "1,5");
	flt = (struct store_filter){ .limit = 1 };
	assert_found(f, &flt, "1");
	/* Values are bound, never spliced into the SQL. */
	flt = (struct store_filter){ .requester = "x' OR '1'='1" };
	assert_found(f, &flt, "");

	/* Found tickets come with their tags, counts and new fields. */
	flt = (struct store_filter){ .tag = "vip", .assignee = "alice" };
	g_assert_cmpint(f->st->ops->ticket_find(f->st, &flt, &tickets, &cause),
	    ==, 0);
	t = tickets->pdata[0];
	g_assert_cmpstr(t->tags[0], ==, "vip");
	g_assert_null(t->tags[1]);
	g_assert_cmpuint(t->messages, ==, 1);
	g_assert_cmpstr(t->assignee, ==, "alice");
	g_assert_cmpint(t->status_at, ==, 30);
	g_ptr_array_free(tickets, TRUE);
}

static struct store_ticket *
ticket_fetch(struct fixture *f, gint64 id)
{
	struct store_ticket	*t = NULL;
	char			*cause = NULL;

	g_assert_cmpint(f->st->ops->ticket_get(f->st, id, &t, &cause), ==, 1);
	return t;
}

static void
test_ticket_update(struct fixture *f, gconstpointer data)
{
	gint64			 id = ticket_new(f, "a@example.org", "new",
				    "support", NULL, 100);
	struct store_ticket	*t = ticket_fetch(f, id), *u;
	char			*cause = NULL;

	g_assert_cmpint(t->status_at, ==, 100);
	g_assert_null(t->assignee);
	g_free(t->status);
	g_free(t->priority);
	t->status = g_strdup("resolved");
	t->status_at = 500;
	t->priority = g_strdup("high");
	t->assignee = g_strdup("alice");
	t->attention = 1;
	t->updated_at = 600;
	g_assert_cmpint(f->st->ops->ticket_update(f->st, t, &cause), ==, 0);
	u = ticket_fetch(f, id);
	g_assert_cmpstr(u->status, ==, "resolved");
	g_assert_cmpint(u->status_at, ==, 500);
	g_assert_cmpstr(u->priority, ==, "high");
	g_assert_cmpstr(u->assignee, ==, "alice");
	g_assert_true(u->attention);
	g_assert_cmpint(u->updated_at, ==, 600);
	g_assert_cmpint(u->created_at, ==, 100);
	g_assert_cmpstr(u->subject, ==, "s");
	store_ticket_free(u);

	/* "" is no assignee, as NULL is. */
	g_free(t->assignee);
	t->assignee = g_strdup("");
	g_assert_cmpint(f->st->ops->ticket_update(f->st, t, &cause), ==, 0);
	u = ticket_fetch(f, id);
	g_assert_null(u->assignee);
	store_ticket_free(u);

	t->id = 99;
	g_assert_cmpint(f->st->ops->ticket_update(f->st, t, &cause), ==, -1);
	g_assert_cmpstr(cause, ==, "ticket 99: no such ticket to update");
	g_free(cause);
	store_ticket_free(t);
}

static void
test_tags(struct fixture *f, gconstpointer data)
{
	const struct store_ops	*ops = f->st->ops;
	gint64			 id = ticket_new(f, "a@example.org", "new",
				    "support", NULL, 1);
	struct store_ticket	*t;
	char			*cause = NULL;

	g_assert_cmpint(ops->tag_add(f->st, id, "vip", &cause), ==, 1);
	g_assert_cmpint(ops->tag_add(f->st, id, "vip", &cause), ==, 0);
	g_assert_cmpint(ops->tag_add(f->st, id, "billing", &cause), ==, 1);
	t = ticket_fetch(f, id);
	g_assert_cmpstr(t->tags[0], ==, "billing");
	g_assert_cmpstr(t->tags[1], ==, "vip");
	g_assert_null(t->tags[2]);
	store_ticket_free(t);
	g_assert_cmpint(ops->tag_remove(f->st, id, "vip", &cause), ==, 1);
	g_assert_cmpint(ops->tag_remove(f->st, id, "vip", &cause), ==, 0);
	g_assert_cmpint(ops->tag_remove(f->st, id, "never", &cause), ==, 0);
	t = ticket_fetch(f, id);
	g_assert_cmpstr(t->tags[0], ==, "billing");
	g_assert_null(t->tags[1]);
	store_ticket_free(t);
	g_assert_null(cause);
	g_assert_cmpint(ops->tag_add(f->st, 99, "vip", &cause), ==, -1);
	g_assert_nonnull(cause);
	g_free(cause);
}

static char *
links(struct fixture *f, gint64 id)
{
	GArray	*ids = NULL;
	char	*cause = NULL;

	g_assert_cmpint(f->st->ops->link_list(f->st, id, &ids, &cause), ==, 0);
	return ids_text(ids, NULL);
}

static void
test_links(struct fixture *f, gconstpointer data)
{
	const struct store_ops	*ops = f->st->ops;
	char			*cause = NULL, *got;
	const char		*want[] = { "", "2,3", "1", "1", "" };

	for (int i = 1; i <= 4; i++)
		ticket_new(f, "a@example.org", "new", "support", NULL, i);
	g_assert_cmpint(ops->link_add(f->st, 1, 3, &cause), ==, 0);
	g_assert_cmpint(ops->link_add(f->st, 3, 1, &cause), ==, 0);
	g_assert_cmpint(ops->link_add(f->st, 1, 3, &cause), ==, 0);
	g_assert_cmpint(ops->link_add(f->st, 2, 1, &cause), ==, 0);
	g_assert_null(cause);
	for (int i = 1; i <= 4; i++) {
		got = links(f, i);
		g_assert_cmpstr(got, ==, want[i]);
		g_free(got);
	}
	g_assert_cmpint(ops->link_add(f->st, 2, 2, &cause), ==, -1);
	g_assert_cmpstr(cause, ==, "ticket 2: cannot be linked to itself");
	g_clear_pointer(&cause, g_free);
	g_assert_cmpint(ops->link_add(f->st, 2, 99, &cause), ==, -1);
	g_assert_nonnull(cause);
	g_free(cause);
}

static void
test_live(struct fixture *f, gconstpointer data)
{
	const struct store_ops	*ops = f->st->ops;
	GArray			*ids = NULL;
	char			*cause = NULL, *got;

	ticket_new(f, "a@example.org", "resolved", "support", NULL, 300);
	ticket_new(f, "a@example.org", "closed", "support", NULL, 100);
	ticket_new(f, "a@example.org", "open", "support", NULL, 200);
	ticket_new(f, "a@example.org", "pending", "support", NULL, 400);
	g_assert_cmpint(ops->tickets_live(f->st, 0, 2, &ids, &cause), ==, 0);
	got = ids_text(ids, NULL);
	g_assert_cmpstr(got, ==, "1,3");
	g_free(got);
	g_assert_cmpint(ops->tickets_live(f->st, 3, 2, &ids, &cause), ==, 0);
	got = ids_text(ids, NULL);
	g_assert_cmpstr(got, ==, "4");
	g_free(got);
	g_assert_null(cause);
}

/* The unfired timers due by now, as "ticket:kind@due" words. */
static char *
timers_due(struct fixture *f, gint64 now)
{
	GArray	*due = NULL;
	GString	*s = g_string_new(NULL);
	char	*cause = NULL;

	g_assert_cmpint(f->st->ops->timer_due(f->st, now, 100, &due, &cause),
	    ==, 0);
	g_assert_null(cause);
	for (guint i = 0; i < due->len; i++) {
		struct store_timer *t = &g_array_index(due, struct store_timer,
		    i);

		g_string_append_printf(s, "%s%" G_GINT64_FORMAT ":%s@%"
		    G_GINT64_FORMAT, i ? " " : "", t->ticket_id, t->kind, t->due);
	}
	g_array_free(due, TRUE);
	return g_string_free(s, FALSE);
}

static void
timers_set(struct fixture *f, gint64 ticket, const char *kind, gint64 due,
    gint64 basis)
{
	struct store_timer	 t = { 0, (char *)kind, due, basis };
	char			*cause = NULL;

	g_assert_cmpint(f->st->ops->timer_set(f->st, ticket, &t,
	    kind != NULL, &cause), ==, 0);
	g_assert_null(cause);
}

static void
test_timers(struct fixture *f, gconstpointer data)
{
	const struct store_ops	*ops = f->st->ops;
	char			*cause = NULL, *got;
	gint64			 next = 0;

	ticket_new(f, "a@example.org", "open", "support", NULL, 100);
	ticket_new(f, "b@example.org", "open", "support", NULL, 100);
	g_assert_cmpint(ops->timer_next(f->st, &next, &cause), ==, 0);
	timers_set(f, 1, "first_response.warn", 500, 100);
	timers_set(f, 2, "first_response.warn", 300, 100);
	g_assert_cmpint(ops->timer_next(f->st, &next, &cause), ==, 1);
	g_assert_cmpint(next, ==, 300);
	got = timers_due(f, 500);
	g_assert_cmpstr(got, ==, "2:first_response.warn@300 "
	    "1:first_response.warn@500");
	g_free(got);
	/* Fired, it stays fired on the same clock, wherever it moves. */
	g_assert_cmpint(ops->timer_fired(f->st, 2, "first_response.warn",
	    &cause), ==, 0);
	timers_set(f, 2, "first_response.warn", 200, 100);
	got = timers_due(f, 1000);
	g_assert_cmpstr(got, ==, "1:first_response.warn@500");
	g_free(got);
	/* ... and runs again on a new one. */
	timers_set(f, 2, "first_response.warn", 700, 650);
	got = timers_due(f, 1000);
	g_assert_cmpstr(got, ==, "1:first_response.warn@500 "
	    "2:first_response.warn@700");
	g_free(got);
	/* What is no longer wanted goes; a failed one is put off. */
	timers_set(f, 1, NULL, 0, 0);
	g_assert_cmpint(ops->timer_retry(f->st, 2, "first_response.warn", 900,
	    &cause), ==, 0);
	got = timers_due(f, 800);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
	g_assert_cmpint(ops->timer_next(f->st, &next, &cause), ==, 1);
	g_assert_cmpint(next, ==, 900);
	g_assert_cmpint(ops->timer_clear(f->st, 2, &cause), ==, 0);
	g_assert_cmpint(ops->timer_next(f->st, &next, &cause), ==, 0);
	g_assert_null(cause);
}

static void
test_authors(struct fixture *f, gconstpointer data)
{
	gint64			 id = ticket_new(f, "a@example.org", "open",
				    "support", NULL, 1);
	const char		*order[] = { "bob", "alice", NULL, "bob",
				    "carol", "alice" };
	GPtrArray		*names = NULL, *msgs = NULL;
	struct store_message	*m;
	char			*cause = NULL, *key;

	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		key = g_strdup_printf("k%u", i);
		message_new(f, id, key, order[i], order[i] ? "reply" : NULL);
		g_free(key);
	}
	g_assert_cmpint(f->st->ops->ticket_authors(f->st, id, &names, &cause),
	    ==, 0);
	g_assert_cmpuint(names->len, ==, 3);
	g_assert_cmpstr(names->pdata[0], ==, "bob");
	g_assert_cmpstr(names->pdata[1], ==, "alice");
	g_assert_cmpstr(names->pdata[2], ==, "carol");
	g_ptr_array_free(names, TRUE);

	/* The body given replaces the mail's; author is kept. */
	g_assert_cmpint(f->st->ops->message_list(f->st, id, &msgs, &cause),
	    ==, 0);
	m = msgs->pdata[0];
	g_assert_cmpstr(m->author, ==, "bob");
	g_assert_cmpstr(m->direction, ==, "agent");
	g_assert_cmpstr(m->body, ==, "reply");
	m = msgs->pdata[2];
	g_assert_null(m->author);
	g_assert_nonnull(strstr(m->body, "> quoted"));
	g_ptr_array_free(msgs, TRUE);
}

/* Run the sqlite3 shell on the fixture's database; its output or NULL. */
static char *
sqlite_shell(struct fixture *f, const char *sql)
{
	char	*argv[] = { "sqlite3", f->db, (char *)sql, NULL };
	char	*out = NULL;
	int	 status;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL))
		return NULL;
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	return g_strchomp(out);
}

/*
 * Migration 6 on a database at version 6: the fixture's fresh one,
 * taken back to the old schema (what migration 6 adds, dropped) and
 * given a ticket the old way, with no status_at.
 */
static const char downgrade[] =
    "DROP INDEX tickets_status; DROP INDEX tickets_requester;"
    "DROP INDEX tickets_assignee; DROP INDEX tickets_queue;"
    "DROP INDEX tags_tag; DROP TABLE ticket_links; DROP TABLE notify_pending;"
    "DROP INDEX messages_from; DROP INDEX tickets_requester_status;"
    "DROP TABLE sla_waits; DROP TABLE sla_facts; DROP TABLE timers;"
    "DROP TABLE csat; DROP TABLE messages_fts_terms; DROP TABLE messages_fts;"
    "DROP TABLE search_state;"
    "ALTER TABLE tickets DROP COLUMN assignee;"
    "ALTER TABLE tickets DROP COLUMN status_at;"
    "ALTER TABLE messages DROP COLUMN author;"
    "INSERT INTO tickets (subject, requester_name, requester_addr, status,"
    " queue, priority, created_at, updated_at) VALUES ('old', '',"
    " 'Old@Example.org', 'resolved', 'support', 'normal', 100, 250);"
    "PRAGMA user_version = 6;";

static void
test_migration(struct fixture *f, gconstpointer data)
{
	struct store_filter	 flt = { .requester = "old@example.org" };
	struct store_ticket	*t;
	char			*out, *cause = NULL;

	store_close(f->st);
	if ((out = sqlite_shell(f, downgrade)) == NULL) {
		f->st = store_open(f->db, &cause);
		g_test_skip("no sqlite3 shell");
		return;
	}
	g_free(out);
	f->st = store_open(f->db, &cause);
	g_assert_null(cause);
	out = sqlite_shell(f, "PRAGMA user_version");
	g_assert_cmpstr(out, ==, "11");
	g_free(out);
	t = ticket_fetch(f, 1);
	g_assert_cmpint(t->status_at, ==, 250);
	g_assert_null(t->assignee);
	store_ticket_free(t);
	assert_found(f, &flt, "1");
	ticket_new(f, "b@example.org", "new", "support", "alice", 300);
	g_assert_cmpint(f->st->ops->link_add(f->st, 1, 2, &cause), ==, 0);
	message_new(f, 2, "k", "alice", NULL);
	flt = (struct store_filter){ .assignee = "alice" };
	assert_found(f, &flt, "2");
}

/* What the rules read of a requester, from a second handle. */
static void
test_requester_facts(struct fixture *f, gconstpointer data)
{
	struct store	*reader;
	char		*cause = NULL;
	guint		 open = 99;
	int		 is_first = -1;
	gint64		 t;

	reader = store_open(f->db, &cause);
	g_assert_nonnull(reader);
	g_assert_cmpint(reader->ops->requester_facts(reader, "A@example.org",
	    &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, 0);
	g_assert_cmpint(is_first, ==, 1);
	t = ticket_new(f, "a@Example.org", "open", "support", NULL, 100);
	ticket_new(f, "a@example.org", "pending", "support", NULL, 100);
	ticket_new(f, "a@example.org", "resolved", "support", NULL, 100);
	ticket_new(f, "b@example.org", "new", "support", NULL, 100);
	message_new(f, t, "k1", NULL, NULL);
	g_assert_cmpint(reader->ops->requester_facts(reader, "a@EXAMPLE.org",
	    &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, 2);
	g_assert_cmpint(is_first, ==, 0);
	g_assert_cmpint(reader->ops->requester_facts(reader, "b@example.org",
	    &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, 1);
	g_assert_cmpint(is_first, ==, 1);
	/* A requester with more open tickets than are counted. */
	for (int i = 0; i < STORE_FACTS_OPEN_MAX + 5; i++)
		ticket_new(f, "many@example.org", "open", "support", NULL, 100);
	g_assert_cmpint(reader->ops->requester_facts(reader, "many@example.org",
	    &open, &is_first, &cause), ==, 0);
	g_assert_cmpuint(open, ==, STORE_FACTS_OPEN_MAX);
	g_assert_null(cause);
	store_close(reader);
}

/*
 * Migration 10 on a database at version 9 with a ticket reopened after
 * its resolution: the reopening's time comes from its status event.
 */
static void
test_migration_10(struct fixture *f, gconstpointer data)
{
	struct store_sla	 sla;
	char			*out, *cause = NULL;

	ticket_new(f, "a@example.org", "open", "support", NULL, 100);
	store_close(f->st);
	if ((out = sqlite_shell(f, "DROP TABLE timers; DROP TABLE csat;"
	    "DROP TABLE messages_fts_terms; DROP TABLE messages_fts;"
	    "DROP TABLE search_state;"
	    "DROP INDEX sla_waits_answered;"
	    "ALTER TABLE sla_facts DROP COLUMN reopened_at;"
	    "INSERT INTO sla_facts VALUES (1, 'p', 0, 0, 0, -1, 300, 200, 200, "
	    "1, 1, 0, 0, 0, 0, 0);"
	    "INSERT INTO events (ticket_id, at, type, detail) VALUES "
	    "(1, 300, 'status', 'open -> resolved by admin (ticketctl): x'), "
	    "(1, 777, 'reopened', 'resolved -> open by ticketd (customer "
	    "mail): y'), (1, 900, 'reopened', 'pending -> open by x: z');"
	    "PRAGMA user_version = 9;")) == NULL) {
		f->st = store_open(f->db, &cause);
		g_test_skip("no sqlite3 shell");
		return;
	}
	g_free(out);
	f->st = store_open(f->db, &cause);
	g_assert_null(cause);
	g_assert_cmpint(f->st->ops->sla_get(f->st, 1, &sla, &cause), ==, 1);
	g_assert_cmpint(sla.reopened_at, ==, 777);
	g_assert_cmpuint(sla.reopens, ==, 1);
	store_sla_clear(&sla);
}

/*
 * The message ids search finds for query, comma-separated, reading at
 * most tail messages past the index; *unread: what it left.
 */
static char *
search_ids(struct fixture *f, const char *query, const char *queue,
    guint tail, gint64 *unread)
{
	char			**terms, *cause = NULL;
	struct store_search	 q = { .queue = queue, .limit = 10, .ranked = 100,
				    .scan = 100, .tail = tail };
	struct store_search_note note = { 0 };
	GPtrArray		*hits = NULL;
	GString			*out = g_string_new(NULL);

	terms = search_parse(query, &cause);
	g_assert_nonnull(terms);
	q.terms = terms;
	g_assert_cmpint(f->st->ops->search(f->st, &q, &hits, &note, &cause), ==,
	    0);
	g_assert_null(cause);
	for (guint i = 0; i < hits->len; i++)
		g_string_append_printf(out, "%s%" G_GINT64_FORMAT, i ? "," : "",
		    ((struct store_hit *)hits->pdata[i])->message_id);
	g_ptr_array_free(hits, TRUE);
	g_strfreev(terms);
	if (unread != NULL)
		*unread = note.unread;
	return g_string_free(out, FALSE);
}

#define assert_search_tail(f, query, queue, tail, want) do {		\
	char *got_ = search_ids(f, query, queue, tail, NULL);		\
	g_assert_cmpstr(got_, ==, want);				\
	g_free(got_);							\
} while (0)

static guint
search_index(struct fixture *f, guint max)
{
	char	*cause = NULL;
	guint	 n = 0;

	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->search_index(f->st, max, 0, &n, &cause), ==,
	    0);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	return n;
}

/*
 * The same results from a scan of what is not indexed (tail 100) as from
 * the index (tail 0), rank and order too: long terms, a two-character
 * one (the trigrams it starts), both, a queue, a word three times.
 */
static void
search_checks(struct fixture *f, guint tail, gint64 m1, gint64 m2, gint64 m3)
{
	char	*want;

	assert_search_tail(f, "zebra", NULL, tail, "");
	want = g_strdup_printf("%" G_GINT64_FORMAT, m1);
	assert_search_tail(f, "giraffe neck", NULL, tail, want);
	assert_search_tail(f, "neck", "support", tail, want);
	assert_search_tail(f, "ck", NULL, tail, want);	/* at the end */
	g_free(want);
	want = g_strdup_printf("%" G_GINT64_FORMAT, m2);
	assert_search_tail(f, "qa giraffe", NULL, tail, want);
	assert_search_tail(f, "qa", NULL, tail, want);
	g_free(want);
	want = g_strdup_printf("%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%"
	    G_GINT64_FORMAT, m3, m2, m1);
	assert_search_tail(f, "giraffe", NULL, tail, want);
	assert_search_tail(f, "a@example", NULL, tail, want);
	g_free(want);
}

/*
 * A message is not indexed in the transaction that stores it, but found
 * by a scan of what is not indexed yet, and by the index once indexed a
 * batch at a time; one undone with its savepoint is not found.
 */
static void
test_search(struct fixture *f, gconstpointer data)
{
	char	*cause = NULL, *got;
	gint64	 t1, t2, m1, m2, m3, unread = -1;

	t1 = ticket_new(f, "a@example.org", "open", "support", NULL, 100);
	t2 = ticket_new(f, "b@example.org", "open", "billing", NULL, 100);
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	m1 = message_new(f, t1, "k1", NULL, "The giraffe neck");
	g_assert_cmpint(f->st->ops->savepoint(f->st, &cause), ==, 0);
	message_new(f, t1, "k2", NULL, "A zebra crossing");
	f->st->ops->rollback_savepoint(f->st);
	m2 = message_new(f, t2, "k3", NULL, "Giraffe QA report");
	m3 = message_new(f, t2, "k4", NULL, "giraffe, Giraffe, GIRAFFE!");
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);

	search_checks(f, 100, m1, m2, m3);
	got = search_ids(f, "giraffe", NULL, 0, &unread);
	g_assert_cmpstr(got, ==, "");
	g_assert_cmpint(unread, ==, 3);
	g_free(got);

	g_assert_cmpuint(search_index(f, 1), ==, 1);
	got = search_ids(f, "giraffe", NULL, 0, &unread);
	g_assert_cmpint(g_ascii_strtoll(got, NULL, 10), ==, m1);
	g_assert_cmpint(unread, ==, 2);
	g_free(got);
	g_assert_cmpuint(search_index(f, 100), ==, 2);
	g_assert_cmpuint(search_index(f, 100), ==, 0);
	search_checks(f, 0, m1, m2, m3);
	got = search_ids(f, "giraffe", NULL, 0, &unread);
	g_assert_cmpint(unread, ==, 0);
	g_free(got);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, \
	fn, fixture_teardown)


static void
timer_put(struct fixture *f, gint64 ticket, const char *kind, gint64 due)
{
	struct store_timer	 t = { ticket, (char *)kind, due, 1 };
	char			*cause = NULL;

	g_assert_cmpint(f->st->ops->timer_set(f->st, ticket, &t, 1, &cause),
	    ==, 0);
}

static gint64
stats_count(const GPtrArray *rows, const char *status, const char *queue)
{
	for (guint i = 0; i < rows->len; i++) {
		const struct store_stats_count *c = rows->pdata[i];

		if (g_strcmp0(c->status, status) == 0 &&
		    strcmp(c->queue, queue) == 0)
			return c->count;
	}
	return 0;
}

/* The metrics' gauges: tickets by queue and status, SLA at risk, the bound. */
static void
test_stats(struct fixture *f, gconstpointer data)
{
	struct store_stats	 st = { 0 };
	struct store_timer	 two[2] = { { 0, "first_response.warn", 500, 1 },
				    { 0, "first_response.breach", 90000, 1 } };
	gint64			 a, b, c;
	char			*cause = NULL;

	a = ticket_new(f, "a@example.org", "new", "support", NULL, 100);
	b = ticket_new(f, "b@example.org", "open", "support", NULL, 100);
	c = ticket_new(f, "c@example.org", "new", "billing", NULL, 100);
	ticket_new(f, "d@example.org", "closed", "support", NULL, 100);
	/* a: breach due by the horizon; b: warned, breach far; c: far. */
	timer_put(f, a, "first_response.breach", 1000);
	two[0].ticket_id = two[1].ticket_id = b;
	g_assert_cmpint(f->st->ops->timer_set(f->st, b, two, 2, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->timer_fired(f->st, b, "first_response.warn",
	    &cause), ==, 0);
	timer_put(f, c, "resolution.breach", 90000);
	g_assert_cmpint(f->st->ops->stats(f->st, 3600, 2000, &st, &cause), ==, 0);
	g_assert_cmpint(st.read, ==, STORE_STATS_TICKETS | STORE_STATS_OUTBOX |
	    STORE_STATS_SLA);
	g_assert_cmpint(stats_count(st.tickets, "new", "support"), ==, 1);
	g_assert_cmpint(stats_count(st.tickets, "open", "support"), ==, 1);
	g_assert_cmpint(stats_count(st.tickets, "new", "billing"), ==, 1);
	g_assert_cmpint(stats_count(st.tickets, "closed", "support"), ==, 0);
	g_assert_cmpint(stats_count(st.at_risk, NULL, "support"), ==, 2);
	g_assert_cmpint(stats_count(st.at_risk, NULL, "billing"), ==, 0);
	g_assert_cmpint(st.outbox.queued + st.outbox.deferred +
	    st.outbox.sending, ==, 0);
	store_stats_clear(&st);

	/* No time at all: interrupted, nothing read, and the handle still works. */
	g_assert_cmpint(f->st->ops->begin(f->st, &cause), ==, 0);
	for (int i = 0; i < 3000; i++)
		ticket_new(f, "e@example.org", "new", "support", NULL, 100);
	g_assert_cmpint(f->st->ops->commit(f->st, &cause), ==, 0);
	g_assert_cmpint(f->st->ops->stats(f->st, 3600, 0, &st, &cause), ==, -1);
	g_assert_nonnull(strstr(cause, "interrupt"));
	g_assert_cmpint(st.read, ==, 0);
	g_clear_pointer(&cause, g_free);
	store_stats_clear(&st);
	g_assert_cmpint(f->st->ops->stats(f->st, 3600, 2000, &st, &cause), ==, 0);
	g_assert_cmpint(stats_count(st.tickets, "new", "support"), ==, 3001);
	store_stats_clear(&st);
}

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
	g_test_add_func("/store/backend", test_backend_by_database);
	ADD("/store/thread-key-persists", test_thread_key_persists);
	ADD("/store/bounce", test_bounce);
	ADD("/store/bounce-before-sent-mark", test_bounce_before_sent_mark);
	ADD("/store/find", test_find);
	ADD("/store/ticket-update", test_ticket_update);
	ADD("/store/tags", test_tags);
	ADD("/store/links", test_links);
	ADD("/store/live", test_live);
	ADD("/store/timers", test_timers);
	ADD("/store/authors", test_authors);
	ADD("/store/migration", test_migration);
	ADD("/store/migration-10", test_migration_10);
	ADD("/store/requester-facts", test_requester_facts);
	ADD("/store/search", test_search);
	g_test_add_func("/store/open-failure", test_open_failure);
	ADD("/store/stats", test_stats);
	return g_test_run();
}
