/*
 * test-dsn: dsn_parse() on the bounces of tests/corpus (Exchange, Gmail,
 * Exim, qmail, a Postfix delay warning) and on small inline mails: what
 * is not a bounce, plain-text bounces of no known format, an Exim delay
 * warning, and hostile reports.
 */
#include <string.h>

#include "dsn.h"
#include "mime.h"

#include "mail-fixture.h"

#define ORIG	"tkt1.0123456789abcdef.0123456789abcdef0123456789abcdef" \
		"@support.example.com"

static void
assert_rcpt(const struct dsn *d, guint i, const char *rcpt,
    enum dsn_action action, const char *status, const char *diag_part)
{
	const struct dsn_rcpt	*r;

	g_assert_cmpuint(i, <, d->rcpts->len);
	r = d->rcpts->pdata[i];
	g_assert_cmpstr(r->rcpt, ==, rcpt);
	g_assert_cmpstr(dsn_action_name(r->action), ==, dsn_action_name(action));
	g_assert_cmpstr(r->status, ==, status);
	g_assert_nonnull(strstr(r->diagnostic, diag_part));
	g_assert_null(strchr(r->diagnostic, '\n'));
}

/* The sample's bounce, read with the null envelope sender. */
static struct dsn *
corpus_dsn(const char *name, const char *format)
{
	struct mail	*m = corpus(name);
	struct dsn	*d = dsn_parse(m, "");

	mail_free(m);
	g_assert_nonnull(d);
	g_assert_cmpstr(d->format, ==, format);
	g_assert_cmpstr(d->original_msgid, ==, ORIG);
	return d;
}

static void
test_exchange(void)
{
	struct dsn	*d = corpus_dsn("dsn-exchange.eml", "rfc3464");

	g_assert_cmpstr(d->reporting_mta, ==,
	    "AM0PR01MB1234.eurprd01.prod.exchangelabs.com");
	g_assert_cmpuint(d->rcpts->len, ==, 1);
	assert_rcpt(d, 0, "jane.doe@contoso.com", DSN_FAILED, "5.1.10",
	    "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not "
	    "found by SMTP address lookup");
	g_assert_true(dsn_is_hard(dsn_rcpt_for(d, "JANE.DOE@contoso.com")));
	dsn_free(d);
}

static void
test_gmail(void)
{
	struct dsn	*d = corpus_dsn("dsn-gmail.eml", "rfc3464");

	g_assert_cmpuint(d->rcpts->len, ==, 1);
	/* Four continued lines unfold into one. */
	assert_rcpt(d, 0, "no.such.user@gmail.com", DSN_FAILED, "5.1.1",
	    "does not exist. Please try 550-5.1.1 double-checking");
	g_assert_nonnull(strstr(((struct dsn_rcpt *)d->rcpts->pdata[0])->
	    diagnostic, "p=NoSuchUser"));
	dsn_free(d);
}

static void
test_exim(void)
{
	struct dsn	*d = corpus_dsn("dsn-exim.eml", "exim");

	g_assert_cmpuint(d->rcpts->len, ==, 1);
	assert_rcpt(d, 0, "nobody@example.net", DSN_FAILED, "5.1.1",
	    "SMTP error from remote mail server after RCPT TO:<nobody@example.net>: "
	    "550 5.1.1 <nobody@example.net>: Recipient address rejected");
	dsn_free(d);
}

static void
test_qmail(void)
{
	struct dsn	*d = corpus_dsn("dsn-qmail.eml", "qmail");

	g_assert_cmpuint(d->rcpts->len, ==, 2);
	assert_rcpt(d, 0, "ghost@example.org", DSN_FAILED, "5.1.1",
	    "Sorry, no mailbox here by that name. (#5.1.1)");
	/* No enhanced code: the 550 gives the class. */
	assert_rcpt(d, 1, "someone@remote.example", DSN_FAILED, "5.0.0",
	    "Remote host said: 550 Requested action not taken");
	g_assert_true(dsn_rcpt_for(d, "someone@remote.example") ==
	    d->rcpts->pdata[1]);
	dsn_free(d);
}

static void
test_postfix_delayed(void)
{
	struct dsn	*d = corpus_dsn("dsn-postfix-delayed.eml", "rfc3464");

	g_assert_cmpuint(d->rcpts->len, ==, 1);
	assert_rcpt(d, 0, "slow@example.net", DSN_DELAYED, "4.4.1",
	    "X-Postfix; connect to mx.example.net[192.0.2.25]:25: Connection "
	    "timed out");
	g_assert_false(dsn_is_hard(d->rcpts->pdata[0]));
	dsn_free(d);
}

/* Mail that mentions bounces but is none. */
static void
test_not_dsn(void)
{
	static const char *const mails[] = {
		/* A customer forwards a bounce. */
		"From: customer@example.org\nTo: support@example.com\n"
		"Subject: Fwd: Undelivered Mail Returned to Sender\n\n"
		"Hi. This is the qmail-send program at mail.example.org.\n"
		"<x@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n",
		/* ... or attaches the whole report. */
		"From: customer@example.org\nSubject: Fwd: failure notice\n"
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\nsee below\n"
		"--b\nContent-Type: message/rfc822\n\n"
		"From: MAILER-DAEMON@example.org\nSubject: Undelivered\n"
		"Content-Type: multipart/report; report-type=delivery-status; "
		"boundary=c\n\n--c\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@b\n"
		"Action: failed\nStatus: 5.1.1\n\n--c--\n\n--b--\n",
		/* A read receipt is a report, but not about delivery. */
		"From: reader@example.org\nSubject: Read: hello\n"
		"MIME-Version: 1.0\nContent-Type: multipart/report; "
		"report-type=disposition-notification; boundary=d\n\n"
		"--d\nContent-Type: text/plain\n\nread\n--d\n"
		"Content-Type: message/disposition-notification\n\n"
		"Final-Recipient: rfc822; reader@example.org\n"
		"Disposition: manual-action/MDN-sent-manually; displayed\n\n--d--\n",
		/* A mailer daemon's mail that says nothing of delivery. */
		"From: MAILER-DAEMON@example.org\nSubject: Weekly statistics\n\n"
		"12 mails, 550 5.1.1 none\n",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(mails); i++) {
		struct mail	*m = parse(mails[i]);

		g_assert_null(dsn_parse(m, i == 3 ? "" : "customer@example.org"));
		mail_free(m);
	}
}

/* A bounce of no known format: what a status code in it tells. */
static void
test_plain_text(void)
{
	struct mail	*m = parse("From: postmaster@mail.example.org\n"
			    "Subject: Undeliverable: Request received\n\n"
			    "Delivery has failed to these recipients or groups:\n\n"
			    "Customer (customer@example.org)\n"
			    "#550 5.7.1 RESOLVER.RST.AuthRequired; authentication "
			    "required <customer@example.org> ##\n\n"
			    "Original message follows\n\n"
			    "Received: from mail.example.com by x\n"
			    "Message-ID:\n <" ORIG ">\n"
			    "Subject: Request received\n\nThanks\n");
	struct dsn	*d = dsn_parse(m, "bounces@mail.example.org");

	g_assert_nonnull(d);
	g_assert_cmpstr(d->format, ==, "text");
	g_assert_cmpstr(d->original_msgid, ==, ORIG);
	assert_rcpt(d, 0, "customer@example.org", DSN_FAILED, "5.7.1",
	    "RESOLVER.RST.AuthRequired");
	dsn_free(d);
	mail_free(m);
}

static void
test_exim_delay(void)
{
	struct mail	*m = parse("From: Mail Delivery System "
			    "<Mailer-Daemon@mx.example.net>\n"
			    "Subject: Warning: message 1rPBjU-0004Xe-1x delayed 24 hours\n\n"
			    "This message was created automatically by mail delivery "
			    "software.\n\nA message that you sent has not yet been "
			    "delivered to one or more of its\nrecipients after more "
			    "than 24 hours on the queue on mx.example.net.\n\n"
			    "The address to which the message has not yet been "
			    "delivered is:\n\n  slow@example.net\n"
			    "    host mx.example.net [192.0.2.25]: Connection timed out\n\n"
			    "No action is required on your part.\n");
	struct dsn	*d = dsn_parse(m, "");

	g_assert_nonnull(d);
	g_assert_cmpstr(d->format, ==, "exim");
	g_assert_null(d->original_msgid);
	/* "192.0.2.25" is no status code. */
	assert_rcpt(d, 0, "slow@example.net", DSN_DELAYED, "4.0.0",
	    "host mx.example.net [192.0.2.25]: Connection timed out");
	dsn_free(d);
	mail_free(m);
}

static void
test_rcpt_for(void)
{
	struct mail	*m = parse("From: MAILER-DAEMON@x\nMIME-Version: 1.0\n"
			    "Content-Type: multipart/report; report-type=delivery-status;"
			    " boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
			    "Reporting-MTA: dns; x\n\n"
			    "Final-Recipient: rfc822; ok@example.org\nAction: relayed\n"
			    "Status: 2.0.0\n\n"
			    "Final-Recipient: rfc822; late@example.org\nAction: delayed\n"
			    "Status: 4.4.7\n\n"
			    "Final-Recipient: rfc822; <gone@example.org>\n"
			    "Action: failed\nStatus: 5.2.1 (mailbox disabled)\n\n--b--\n");
	struct dsn	*d = dsn_parse(m, "");

	g_assert_nonnull(d);
	g_assert_cmpuint(d->rcpts->len, ==, 3);
	g_assert_true(dsn_rcpt_for(d, "OK@example.org") == d->rcpts->pdata[0]);
	g_assert_true(dsn_rcpt_for(d, "other@example.org") == d->rcpts->pdata[2]);
	g_assert_true(dsn_rcpt_for(d, NULL) == d->rcpts->pdata[2]);
	assert_rcpt(d, 2, "gone@example.org", DSN_FAILED, "5.2.1", "");
	g_assert_false(dsn_is_hard(d->rcpts->pdata[1]));
	g_assert_true(dsn_is_hard(d->rcpts->pdata[2]));
	dsn_free(d);
	mail_free(m);
}

/* NUL, CR, bad UTF-8, a huge field, no blank lines: one clean line. */
static void
test_hostile(void)
{
	GString		*s = g_string_new("From: MAILER-DAEMON@x\nMIME-Version: 1.0\n"
			    "Content-Type: multipart/report; report-type=delivery-status;"
			    " boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
			    "Final-Recipient: rfc822; a@b\r\nAction: failed\n"
			    "Diagnostic-Code: smtp; \xff\xfe bad\x01\ttab ");
	struct mail	*m;
	struct dsn	*d;
	const struct dsn_rcpt *r;

	for (int i = 0; i < 5000; i++)
		g_string_append(s, "long ");
	g_string_append(s, "\n continued\nStatus: 5.1.1\n--b--\n");
	g_string_append_len(s, "\0", 1);
	m = parse(s->str);
	d = dsn_parse(m, "");
	g_assert_nonnull(d);
	r = d->rcpts->pdata[0];
	g_assert_cmpstr(r->rcpt, ==, "a@b");
	g_assert_cmpstr(r->status, ==, "5.1.1");
	g_assert_true(g_utf8_validate(r->diagnostic, -1, NULL));
	g_assert_cmpuint(strlen(r->diagnostic), <=, 1000);
	g_assert_null(strpbrk(r->diagnostic, "\r\n\t\x01"));
	g_assert_null(d->original_msgid);
	dsn_free(d);
	mail_free(m);
	g_string_free(s, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	g_test_add_func("/dsn/exchange", test_exchange);
	g_test_add_func("/dsn/gmail", test_gmail);
	g_test_add_func("/dsn/exim", test_exim);
	g_test_add_func("/dsn/qmail", test_qmail);
	g_test_add_func("/dsn/postfix-delayed", test_postfix_delayed);
	g_test_add_func("/dsn/not-a-dsn", test_not_dsn);
	g_test_add_func("/dsn/plain-text", test_plain_text);
	g_test_add_func("/dsn/exim-delay", test_exim_delay);
	g_test_add_func("/dsn/rcpt-for", test_rcpt_for);
	g_test_add_func("/dsn/hostile", test_hostile);
	return g_test_run();
}
