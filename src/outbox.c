/*
 * outbox: the sender thread. It owns an SMTP connection and a store
 * handle of its own, so a slow or dead SMTP server never holds up
 * ingest: mail simply waits in the outbox table.
 */
#include <string.h>

#include "conf.h"
#include "log.h"
#include "outbox.h"
#include "sender.h"
#include "store.h"

#define OUTBOX_BATCH	32
#define OUTBOX_POLL	1	/* seconds: mail queued by other processes */

struct outbox {
	struct store	*store;
	GThread		*thread;
	GMutex		 lock;
	GCond		 cond;
	struct conf	*conf;		/* under lock: swapped on reload */
	int		 woken;
	int		 stopping;

	struct conf	*sender_conf;	/* the conf sender was made from */
	struct sender	*sender;
};

guint
outbox_backoff(const struct conf *conf, guint attempts)
{
	guint64	 delay = conf->smtp_retry_min;

	for (guint i = 1; i < attempts && delay < conf->smtp_retry_max; i++)
		delay *= 2;
	return MIN(delay, conf->smtp_retry_max);
}

static struct conf *
outbox_conf(struct outbox *ob)
{
	struct conf	*conf;

	g_mutex_lock(&ob->lock);
	conf = conf_ref(ob->conf);
	g_mutex_unlock(&ob->lock);
	return conf;
}

/* A sender for conf's settings, made anew after a reload. */
static struct sender *
outbox_sender(struct outbox *ob, struct conf *conf, char **cause)
{
	if (ob->sender != NULL && ob->sender_conf == conf)
		return ob->sender;
	sender_close(ob->sender);
	if (ob->sender_conf != NULL)
		conf_unref(ob->sender_conf);
	ob->sender_conf = NULL;
	if ((ob->sender = sender_open(conf, cause)) != NULL)
		ob->sender_conf = conf_ref(conf);
	return ob->sender;
}

/* Save the row's new state, and an event on its ticket, in one commit. */
static int
outbox_record(struct outbox *ob, const struct store_outbox *o,
    const char *event, const char *detail)
{
	struct store	*st = ob->store;
	char		*cause = NULL;

	if (st->ops->begin(st, &cause) == 0 &&
	    st->ops->outbox_update(st, o, &cause) == 0 &&
	    (event == NULL || o->ticket_id == 0 ||
	    st->ops->event_add(st, o->ticket_id, g_get_real_time() / G_USEC_PER_SEC,
	    event, detail, &cause) == 0) &&
	    st->ops->commit(st, &cause) == 0)
		return 0;
	st->ops->rollback(st);
	log_warn("outbox %" G_GINT64_FORMAT ": cannot record %s: %s", o->id,
	    o->status, cause);
	g_free(cause);
	return -1;
}

static void
outbox_sent(struct outbox *ob, struct store_outbox *o, gint64 now)
{
	char	*detail = g_strdup_printf("%s to <%s>, outbox %" G_GINT64_FORMAT,
		    o->kind, o->rcpt, o->id);

	g_free(o->status);
	o->status = g_strdup("sent");
	o->sent_at = now;
	o->attempts++;
	log_info("outbox %" G_GINT64_FORMAT ": %s <%s> sent to <%s>", o->id,
	    o->kind, o->message_id, o->rcpt);
	/* The server has it: marking it sent must not give up lightly. */
	for (int i = 0; i < 3 && outbox_record(ob, o, "sent", detail) != 0; i++)
		g_usleep(G_USEC_PER_SEC);
	g_free(detail);
}

static void
outbox_failed(struct outbox *ob, struct store_outbox *o, const char *why)
{
	char	*detail = g_strdup_printf("%s to <%s>, outbox %" G_GINT64_FORMAT
		    ": %s", o->kind, o->rcpt, o->id, why);

	g_free(o->status);
	o->status = g_strdup("failed");
	log_warn("ticket %" G_GINT64_FORMAT ": outbox %" G_GINT64_FORMAT
	    ": %s to <%s> failed for good: %s", o->ticket_id, o->id, o->kind,
	    o->rcpt, why);
	outbox_record(ob, o, "send_failed", detail);
	g_free(detail);
}

static void
outbox_deferred(struct outbox *ob, struct conf *conf, struct store_outbox *o,
    gint64 now)
{
	char	*why;

	if (now - o->created_at >= conf->smtp_queue_lifetime) {
		why = g_strdup_printf("gave up after %u attempts: %s",
		    o->attempts, o->last_error);
		outbox_failed(ob, o, why);
		g_free(why);
		return;
	}
	o->next_attempt_at = now + outbox_backoff(conf, o->attempts);
	log_warn("outbox %" G_GINT64_FORMAT ": %s to <%s> deferred, attempt %u, "
	    "next in %" G_GINT64_FORMAT "s: %s", o->id, o->kind, o->rcpt,
	    o->attempts, o->next_attempt_at - now, o->last_error);
	outbox_record(ob, o, NULL, NULL);
}

static void
outbox_deliver(struct outbox *ob, struct conf *conf, struct store_outbox *o)
{
	struct sender		*sender;
	char			*detail = NULL;
	enum sender_result	 result = SENDER_TEMPFAIL;
	gint64			 now;

	if ((sender = outbox_sender(ob, conf, &detail)) != NULL)
		result = sender->ops->send(sender, o->envelope_from, o->rcpt,
		    o->data, &detail);
	now = g_get_real_time() / G_USEC_PER_SEC;
	switch (result) {
	case SENDER_SENT:
		outbox_sent(ob, o, now);
		break;
	case SENDER_PERMFAIL:
		o->attempts++;
		g_free(o->last_error);
		o->last_error = g_strdup(detail);
		outbox_failed(ob, o, detail);
		break;
	case SENDER_TEMPFAIL:
		o->attempts++;
		g_free(o->last_error);
		o->last_error = g_strdup(detail);
		outbox_deferred(ob, conf, o, now);
		break;
	}
	g_free(detail);
}

/*
 * Send what is due. Returns how many rows were due, or -1 when nothing
 * can be sent now (no [smtp] url, or the store failed).
 */
static int
outbox_run(struct outbox *ob)
{
	struct conf	*conf = outbox_conf(ob);
	struct store	*st = ob->store;
	GPtrArray	*due = NULL;
	char		*cause = NULL;
	int		 n = -1;

	if (conf->smtp_url != NULL && st->ops->outbox_due(st,
	    g_get_real_time() / G_USEC_PER_SEC, OUTBOX_BATCH, &due, &cause) != 0) {
		log_warn("outbox: %s", cause);
		g_free(cause);
	}
	for (guint i = 0; due != NULL && i < due->len &&
	    !g_atomic_int_get(&ob->stopping); i++)
		outbox_deliver(ob, conf, due->pdata[i]);
	if (due != NULL) {
		n = due->len;
		g_ptr_array_free(due, TRUE);
	}
	conf_unref(conf);
	return n;
}

/*
 * Sleep until woken, the next retry is due, or the poll interval ends;
 * the whole interval when nothing could be sent (idle).
 */
static void
outbox_sleep(struct outbox *ob, int idle)
{
	struct store	*st = ob->store;
	gint64		 next = 0, now = g_get_real_time() / G_USEC_PER_SEC;
	gint64		 secs = OUTBOX_POLL;
	char		*cause = NULL;

	if (!idle && st->ops->outbox_next(st, &next, &cause) == 1)
		secs = CLAMP(next - now, 0, OUTBOX_POLL);
	g_free(cause);
	g_mutex_lock(&ob->lock);
	if (!ob->woken && !ob->stopping && secs > 0)
		g_cond_wait_until(&ob->cond, &ob->lock,
		    g_get_monotonic_time() + secs * G_USEC_PER_SEC);
	ob->woken = 0;
	g_mutex_unlock(&ob->lock);
}

static gpointer
outbox_thread(gpointer arg)
{
	struct outbox	*ob = arg;

	int		 n;

	while (!g_atomic_int_get(&ob->stopping))
		if ((n = outbox_run(ob)) < OUTBOX_BATCH)
			outbox_sleep(ob, n < 0);
	return NULL;
}

struct outbox *
outbox_start(struct conf *conf, char **cause)
{
	struct outbox	*ob = g_new0(struct outbox, 1);

	/*
	 * The sender writes only "sent" marks and events. Losing one to a
	 * power failure sends that mail again under the same Message-ID;
	 * it loses nothing, so it need not wait for the disk.
	 */
	if ((ob->store = store_open("sqlite", conf->database, cause)) == NULL ||
	    ob->store->ops->relax_durability(ob->store, cause) != 0) {
		store_close(ob->store);
		g_free(ob);
		return NULL;
	}
	g_mutex_init(&ob->lock);
	g_cond_init(&ob->cond);
	ob->conf = conf_ref(conf);
	ob->thread = g_thread_new("outbox", outbox_thread, ob);
	return ob;
}

void
outbox_wake(gpointer arg)
{
	struct outbox	*ob = arg;

	g_mutex_lock(&ob->lock);
	ob->woken = 1;
	g_cond_signal(&ob->cond);
	g_mutex_unlock(&ob->lock);
}

void
outbox_reload(struct outbox *ob, struct conf *conf)
{
	g_mutex_lock(&ob->lock);
	conf_unref(ob->conf);
	ob->conf = conf_ref(conf);
	ob->woken = 1;
	g_cond_signal(&ob->cond);
	g_mutex_unlock(&ob->lock);
}

void
outbox_stop(struct outbox *ob)
{
	g_mutex_lock(&ob->lock);
	g_atomic_int_set(&ob->stopping, 1);
	g_cond_signal(&ob->cond);
	g_mutex_unlock(&ob->lock);
	g_thread_join(ob->thread);
	sender_close(ob->sender);
	if (ob->sender_conf != NULL)
		conf_unref(ob->sender_conf);
	conf_unref(ob->conf);
	store_close(ob->store);
	g_mutex_clear(&ob->lock);
	g_cond_clear(&ob->cond);
	g_free(ob);
}
