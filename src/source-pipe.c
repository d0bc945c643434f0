/*
 * source-pipe: "ticketd deliver", one mail on standard input, for Postfix
 * pipe(8) transports, procmail and .forward. The exit status is the
 * acknowledgement: 0 only once the mail is committed, 75 (EX_TEMPFAIL)
 * whenever it is not, so the MTA keeps it and retries.
 */
#include <errno.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "ingest.h"
#include "log.h"
#include "reply.h"
#include "source.h"
#include "store.h"

/* Read all of fd, up to max octets. Sets *too_big when there is more. */
static GByteArray *
pipe_read_all(int fd, gsize max, int *too_big, char **cause)
{
	GByteArray	*buf = g_byte_array_new();
	guint8		 chunk[65536];
	ssize_t		 n;

	*too_big = 0;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			*cause = g_strdup_printf("read: %s", g_strerror(errno));
			g_byte_array_free(buf, TRUE);
			return NULL;
		}
		if (buf->len + (gsize)n > max) {
			*too_big = 1;
			break;
		}
		g_byte_array_append(buf, chunk, n);
	}
	return buf;
}

static const char *
pipe_queue(struct conf *conf, const char *recipient)
{
	const struct conf_queue	*q;

	if (recipient == NULL)
		q = g_ptr_array_index(conf->queues, 0);
	else
		q = conf_queue_for_address(conf, recipient);
	return q ? q->name : NULL;
}

static int
pipe_store(struct conf *conf, GBytes *raw, const char *queue,
    const char *recipient, const char *sender)
{
	struct store		*st;
	struct ingest_job	*job;
	char			*cause = NULL;
	int			 status;

	if ((st = store_open(conf->database, &cause)) == NULL ||
	    reply_keys_load(conf, st, &cause) != 0) {
		log_warn("pipe: %s", cause);
		g_free(cause);
		store_close(st);
		g_bytes_unref(raw);
		return EX_TEMPFAIL;
	}
	job = ingest_job_new(raw, "pipe", "pipe", sender, queue, conf);
	ingest_job_deliver(job, queue, recipient);
	ingest_run_one(st, job);
	status = job->status == INGEST_TEMPFAIL ? EX_TEMPFAIL : EX_OK;
	if (status == EX_OK)
		printf("ticket %" G_GINT64_FORMAT "\n", job->ticket_id);
	ingest_job_free(job);
	store_close(st);
	return status;
}

int
source_pipe_deliver(struct conf *conf, int fd, const char *recipient,
    const char *sender)
{
	const char	*queue = pipe_queue(conf, recipient);
	GByteArray	*buf;
	char		*cause = NULL;
	int		 too_big;

	if (queue == NULL) {
		log_warn("pipe: recipient <%s> belongs to no queue", recipient);
		return EX_NOUSER;
	}
	buf = pipe_read_all(fd, conf->lmtp_max_message_size, &too_big, &cause);
	if (buf == NULL) {
		log_warn("pipe: %s", cause);
		g_free(cause);
		return EX_TEMPFAIL;
	}
	if (too_big || buf->len == 0) {
		log_warn("pipe: message refused: %s", too_big ?
		    "larger than max_message_size" : "empty input");
		g_byte_array_free(buf, TRUE);
		return EX_DATAERR;
	}
	return pipe_store(conf, g_byte_array_free_to_bytes(buf), queue,
	    recipient, sender);
}
