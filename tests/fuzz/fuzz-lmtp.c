/*
 * fuzz-lmtp: an LMTP session (lmtp.c) fed any byte stream, without
 * sockets. The first octet picks how the stream is cut into reads and
 * how often the client reads its replies; the rest is what the client
 * sends. The ingest pipeline is replaced by a sink that answers each
 * job at once, in turn stored, duplicate and failed, as the daemon's
 * transport would after a commit.
 *
 * Every reply must be one line: three digits, a space or a hyphen, text
 * without CR or LF, then CRLF. A session must never stall while it has
 * input to act on.
 */
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "ingest.h"
#include "lmtp.h"

int	LLVMFuzzerInitialize(int *, char ***);

static const char fuzz_conf[] =
	"[ticketd]\n"
	"database = /nonexistent/ticketd-fuzz.db\n"
	"hostname = helpdesk.example.com\n"
	"[lmtp]\n"
	"max_message_size = 4k\n"
	"max_recipients = 3\n"
	"[queue support]\n"
	"address = support@example.com, help@example.com\n";

static struct conf	*conf;

/* The client side of one run. */
struct client {
	struct ingest_job	*job;		/* submitted, not yet answered */
	guint			 jobs;
	GString			*replies;	/* read, not yet checked */
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*cause = NULL;

	conf = conf_load_buffer("fuzz.conf", fuzz_conf, sizeof fuzz_conf - 1,
	    &cause);
	FUZZ_REQUIRE(conf != NULL);
	return 0;
}

static void
sink(struct lmtp_session *s, struct ingest_job *job, gpointer arg)
{
	struct client	*c = arg;

	FUZZ_REQUIRE(c->job == NULL);
	FUZZ_REQUIRE(lmtp_session_wait(s) == LMTP_WAIT_COMMIT);
	c->job = job;
}

/* Check and drop every complete reply line read so far. */
static void
check_replies(struct client *c)
{
	char	*line = c->replies->str, *end;

	while ((end = memchr(line, '\n', c->replies->str + c->replies->len -
	    line)) != NULL) {
		gsize	 len = end - line + 1;

		FUZZ_REQUIRE(len >= 6 && end[-1] == '\r');
		FUZZ_REQUIRE(g_ascii_isdigit(line[0]) && g_ascii_isdigit(line[1]) &&
		    g_ascii_isdigit(line[2]));
		FUZZ_REQUIRE(line[3] == ' ' || line[3] == '-');
		FUZZ_REQUIRE(memchr(line, '\r', len - 2) == NULL);
		line = end + 1;
	}
	g_string_erase(c->replies, 0, line - c->replies->str);
}

/* The client reads every reply queued. */
static void
client_read(struct client *c, struct lmtp_session *s)
{
	const char	*out;
	gsize		 len;

	out = lmtp_session_output(s, &len);
	g_string_append_len(c->replies, out, len);
	lmtp_session_written(s, len);
	check_replies(c);
}

/* Answer a submitted job, as the transport does after the commit. */
static void
commit(struct client *c, struct lmtp_session *s)
{
	static const enum ingest_status	 status[] = { INGEST_STORED,
					    INGEST_DUPLICATE, INGEST_TEMPFAIL };
	struct ingest_job		*job = c->job;

	job->status = status[c->jobs++ % G_N_ELEMENTS(status)];
	job->ticket_id = c->jobs;
	c->job = NULL;
	lmtp_session_committed(s, job);
	lmtp_session_run(s);
}

/* Drive the session until it waits for the client to send more. */
static void
settle(struct client *c, struct lmtp_session *s, int read_replies)
{
	for (;;) {
		switch (lmtp_session_wait(s)) {
		case LMTP_WAIT_COMMIT:
			FUZZ_REQUIRE(c->job != NULL);
			commit(c, s);
			continue;
		case LMTP_WAIT_OUTPUT:
			client_read(c, s);
			FUZZ_REQUIRE(lmtp_session_wait(s) != LMTP_WAIT_OUTPUT);
			lmtp_session_run(s);
			continue;
		case LMTP_WAIT_INPUT:
		case LMTP_WAIT_CLOSE:
			break;
		}
		break;
	}
	if (read_replies)
		client_read(c, s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client		 c = { 0 };
	struct lmtp_session	*s;
	guint			 cut, reads = 0;

	if (size == 0)
		return 0;
	/* Reads of 1 to 4096 octets; replies read after every few reads. */
	cut = 1 + (data[0] & 0x0f) * (data[0] & 0x0f) * 16;
	data++;
	size--;
	c.replies = g_string_new(NULL);
	s = lmtp_session_new(conf, 1, sink, &c);
	/* As the transport does once the greeting is written. */
	client_read(&c, s);
	lmtp_session_run(s);
	while (size > 0 && lmtp_session_wait(s) != LMTP_WAIT_CLOSE) {
		gsize	 n = MIN(size, cut);

		lmtp_session_input(s, data, n);
		data += n;
		size -= n;
		settle(&c, s, ++reads % (1 + (cut & 3)) == 0);
	}
	settle(&c, s, 1);
	FUZZ_REQUIRE(c.replies->len == 0);	/* replies end in CRLF */
	lmtp_session_free(s);
	g_string_free(c.replies, TRUE);
	return 0;
}
