/*
 * source-imap: imports mail from IMAP mailboxes, one thread and one
 * connection per [imap NAME] account.
 *
 * Exactly once: the store keeps, per account and mailbox, UIDVALIDITY
 * and the highest UID up to which every message is done. A batch is
 * fetched with BODY.PEEK[], stored through the ingest pipeline, and only
 * after its commit is the "after" action (move, seen, delete) applied
 * and the position saved. A crash anywhere in between makes the next
 * pass fetch some messages again, and the Message-ID dedupe makes that
 * harmless. A new UIDVALIDITY starts the mailbox over the same way.
 *
 * A message that keeps failing to store is moved to the quarantine
 * folder after max_failures tries, so it cannot hold up the mailbox. A
 * message the server sends without its body is such a failure, never
 * a gap: the position stays below it until it is quarantined. One over
 * max_message_size is quarantined unfetched, and a ticket flagged for
 * attention holds its headers.
 */
#include <string.h>

#include "conf.h"
#include "imap.h"
#include "ingest.h"
#include "log.h"
#include "reply.h"
#include "source.h"
#include "status.h"
#include "store.h"
#include "tally.h"

#define IMAP_IDLE_MAX		(28 * 60)	/* RFC 2177: under 29 minutes */
#define IMAP_BACKOFF_MAX	60

struct imap_account;

/* Store a batch of jobs and return when each has its status. */
typedef void (*imap_store_fn)(struct imap_account *, GPtrArray *jobs);

struct imap_account {
	/* The account thread's own: it alone reads and swaps them. */
	struct conf		*conf;
	const struct conf_imap	*cfg;		/* inside conf */
	/*
	 * The main thread's: the conf its section was last compared in, and
	 * that section. A reload that leaves the section as it is hands the
	 * new conf over through next_conf, under the lock.
	 */
	struct conf		*main_conf;
	const struct conf_imap	*main_cfg;	/* inside main_conf */
	struct conf		*next_conf;
	char			*origin;	/* "imap NAME", for logs */
	struct store		*store;		/* for the position and failures */
	int			 owns_store;
	imap_store_fn		 store_jobs;
	int			 archive;
	guint			 imported;

	/* Daemon mode. */
	struct ingest		*ingest;
	GThread			*thread;
	GMutex			 lock;
	GCond			 cond;		/* stop, and ingest results */
	int			 stopping;
	guint			 pending;	/* jobs in the pipeline */
	struct imap		*session;	/* for imap_idle_interrupt() */
};

static void	imap_stop(struct source *);
static void	imap_free(struct source *);
static int	imap_is_stopping(struct imap_account *);

struct source_imap {
	struct source		 source;	/* must be first */
	struct ingest		*ingest;
	struct conf		*conf;		/* from open to start */
	GPtrArray		*accounts;	/* struct imap_account *, running */
	GPtrArray		*retired;	/* stopping after a reload */
};

/* A message of the batch on its way into a ticket. */
struct imap_item {
	guint32			 uid;
	guint32			 size;		/* RFC822.SIZE, 0 unknown */
	int			 big;		/* over max_message_size */
	int			 answered;	/* a FETCH response named it */
	int			 given_up;	/* failed enough before: unfetched */
	struct ingest_job	*job;		/* NULL until its bytes came */
};

/* The password, or for XOAUTH2 a fresh token from a file or a command. */
static char *
imap_secret(const struct conf_imap *cfg, char **cause)
{
	GError	*error = NULL;
	char	*out = NULL;
	int	 status;

	if (cfg->auth != CONF_AUTH_XOAUTH2)
		return g_strdup(cfg->password);
	if (cfg->token_file != NULL &&
	    !g_file_get_contents(cfg->token_file, &out, NULL, &error)) {
		*cause = g_strdup_printf("token_file: %s", error->message);
		g_error_free(error);
		return NULL;
	}
	if (cfg->token_file == NULL && (!g_spawn_command_line_sync(
	    cfg->token_command, &out, NULL, &status, &error) ||
	    !g_spawn_check_wait_status(status, &error))) {
		*cause = g_strdup_printf("token_command: %s", error->message);
		g_error_free(error);
		g_free(out);
		return NULL;
	}
	return g_strstrip(out);
}

static struct imap *
imap_account_connect(struct imap_account *a, char **cause)
{
	const struct conf_imap	*cfg = a->cfg;
	struct imap_config	 ic = { 0 };
	struct imap		*imap;
	char			*secret;

	if ((secret = imap_secret(cfg, cause)) == NULL)
		return NULL;
	ic.host = cfg->host;
	ic.port = cfg->port;
	ic.tls = cfg->tls == CONF_IMAPS ? IMAP_TLS_IMAPS :
	    cfg->tls == CONF_STARTTLS ? IMAP_TLS_STARTTLS : IMAP_TLS_NONE;
	ic.auth = cfg->auth == CONF_AUTH_PLAIN ? IMAP_AUTH_PLAIN :
	    cfg->auth == CONF_AUTH_XOAUTH2 ? IMAP_AUTH_XOAUTH2 : IMAP_AUTH_LOGIN;
	ic.user = cfg->user;
	ic.secret = secret;
	ic.ca_file = cfg->ca_file != NULL && *cfg->ca_file ? cfg->ca_file : NULL;
	ic.timeout = cfg->timeout;
	imap = imap_connect(&ic, cause);
	explicit_bzero(secret, strlen(secret));
	g_free(secret);
	return imap;
}

/* What a batch fetched: its messages in uid order, and by uid. */
struct imap_fetched {
	struct imap_account	*account;
	guint32			 uidvalidity;
	GPtrArray		*items;		/* struct imap_item * */
	GHashTable		*by_uid;	/* uid -> struct imap_item * */
};

/*
 * A mail too big to fetch is still a request: its ticket holds the
 * headers and says where the rest is.
 */
static char *
imap_big_note(const struct imap_account *a, const struct imap_item *it)
{
	return g_strdup_printf("the mail is %u octets, over max_message_size "
	    "(%zu): only its headers are stored; the whole mail is in the "
	    "folder %s of %s", it->size, a->conf->lmtp_max_message_size,
	    a->cfg->quarantine, a->origin);
}

static void
imap_item_collect(guint32 uid, GBytes *raw, gpointer arg)
{
	struct imap_fetched	*b = arg;
	struct imap_account	*a = b->account;
	struct imap_item	*it = g_hash_table_lookup(b->by_uid,
				    GUINT_TO_POINTER(uid));

	if (it == NULL)
		return;		/* unsolicited, about another message */
	it->answered = 1;
	if (raw == NULL || it->job != NULL)
		return;
	it->job = ingest_job_new(g_bytes_ref(raw), "imap", a->origin, NULL,
	    a->cfg->queue, a->conf);
	it->job->no_envelope = 1;
	it->job->no_ack = a->archive;
	it->job->keep_date = a->archive;
	if (it->big)
		it->job->attention = imap_big_note(a, it);
}

static void
imap_item_free(struct imap_item *it)
{
	ingest_job_free(it->job);
	g_free(it);
}

/* After the commit: move, mark or delete what is now safely stored. */
static int
imap_after(struct imap_account *a, struct imap *imap, GArray *done,
    char **cause)
{
	const guint32	*uids = (const guint32 *)done->data;

	if (done->len == 0)
		return 0;
	switch (a->cfg->after_kind) {
	case CONF_AFTER_MOVE:
		return imap_move(imap, uids, done->len, a->cfg->after_folder, cause);
	case CONF_AFTER_SEEN:
		return imap_mark_seen(imap, uids, done->len, cause);
	case CONF_AFTER_DELETE:
		return imap_delete(imap, uids, done->len, cause);
	}
	return 0;
}

/*
 * Count a failure of one message; 1 when it has failed often enough to
 * be quarantined.
 */
static int
imap_failed(struct imap_account *a, guint32 uidvalidity, guint32 uid,
    const char *why)
{
	struct store	*st = a->store;
	char		*cause = NULL;
	guint		 count = 0;

	if (st->ops->imap_failure_add(st, a->cfg->name, a->cfg->mailbox,
	    uidvalidity, uid, why, &count, &cause) != 0) {
		log_warn("%s: uid %u: %s", a->origin, uid, cause);
		g_free(cause);
		return 0;
	}
	log_warn("%s: uid %u: not stored (failure %u of %u): %s", a->origin,
	    uid, count, a->cfg->max_failures, why);
	return count >= a->cfg->max_failures;
}

/*
 * Has uid failed max_failures times already? Its quarantine may not
 * have happened: the server can close the connection on the very
 * message (Dovecot says BYE after one it cannot read).
 */
static int
imap_failed_enough(struct imap_account *a, guint32 uidvalidity, guint32 uid)
{
	struct store	*st = a->store;
	char		*cause = NULL;
	guint		 count = 0;

	if (st->ops->imap_failure_count(st, a->cfg->name, a->cfg->mailbox,
	    uidvalidity, uid, &count, &cause) != 0) {
		log_warn("%s: uid %u: %s", a->origin, uid, cause);
		g_free(cause);
		return 0;
	}
	return count >= a->cfg->max_failures;
}

/* Move uids to the quarantine folder, saying why in the log. */
static int
imap_quarantine(struct imap_account *a, struct imap *imap,
    guint32 uidvalidity, GArray *bad, const char *why, char **cause)
{
	struct store	*st = a->store;
	char		*err = NULL;

	if (bad->len == 0)
		return 0;
	if (imap_move(imap, (const guint32 *)bad->data, bad->len,
	    a->cfg->quarantine, cause) != 0)
		return -1;
	for (guint i = 0; i < bad->len; i++) {
		guint32 uid = g_array_index(bad, guint32, i);

		log_warn("%s: uid %u moved to %s: %s", a->origin, uid,
		    a->cfg->quarantine, why);
		if (st->ops->imap_failure_clear(st, a->cfg->name,
		    a->cfg->mailbox, uidvalidity, uid, &err) != 0) {
			log_warn("%s: %s", a->origin, err);
			g_free(err);
			err = NULL;
		}
	}
	return 0;
}

/*
 * Note each message's size. One larger than max_message_size is never
 * fetched whole: one huge mail must not exhaust memory. One without a
 * size is fetched, and its body (or the lack of one) decides.
 */
static int
imap_note_sizes(struct imap_fetched *b, struct imap *imap, const guint32 *uids,
    guint n, char **cause)
{
	GHashTable	*sizes;
	gsize		 max = b->account->conf->lmtp_max_message_size;
	gpointer	 size;

	if (imap_sizes(imap, uids, n, &sizes, cause) != 0)
		return -1;
	for (guint i = 0; i < b->items->len; i++) {
		struct imap_item *it = b->items->pdata[i];

		if (g_hash_table_lookup_extended(sizes,
		    GUINT_TO_POINTER(it->uid), NULL, &size)) {
			it->size = GPOINTER_TO_UINT(size);
			it->big = it->size > max;
		}
	}
	g_hash_table_destroy(sizes);
	return 0;
}

static int
imap_save_position(struct imap_account *a, guint32 uidvalidity,
    guint32 last_uid, char **cause)
{
	struct store	*st = a->store;

	return st->ops->imap_state_set(st, a->cfg->name, a->cfg->mailbox,
	    uidvalidity, last_uid, cause);
}

/*
 * Take the conf of the last reload, if one came: its templates, queues,
 * subject tag and limits apply from the next batch on. The account's
 * own section is the same in it, so the session goes on.
 */
static void
imap_take_conf(struct imap_account *a)
{
	struct conf	*next;

	g_mutex_lock(&a->lock);
	next = a->next_conf;
	a->next_conf = NULL;
	g_mutex_unlock(&a->lock);
	if (next == NULL)
		return;
	/* a->cfg lives in a->conf, which the unref may free. */
	a->cfg = conf_imap_by_name(next, a->cfg->name);
	conf_unref(a->conf);
	a->conf = next;
	log_trace(TRACE_IMAP, "%s: new configuration taken", a->origin);
}

static struct imap_fetched *
imap_fetched_new(struct imap_account *a, guint32 uidvalidity,
    const guint32 *uids, guint n)
{
	struct imap_fetched	*b = g_new0(struct imap_fetched, 1);

	b->account = a;
	b->uidvalidity = uidvalidity;
	b->items = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)imap_item_free);
	b->by_uid = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < n; i++) {
		struct imap_item *it = g_new0(struct imap_item, 1);

		it->uid = uids[i];
		g_ptr_array_add(b->items, it);
		g_hash_table_insert(b->by_uid, GUINT_TO_POINTER(uids[i]), it);
	}
	return b;
}

static void
imap_fetched_free(struct imap_fetched *b)
{
	g_ptr_array_free(b->items, TRUE);
	g_hash_table_destroy(b->by_uid);
	g_free(b);
}

/*
 * Fetch the batch: whole messages, and the headers of big ones. Those
 * that failed often enough already go to bad unfetched. When the
 * connection breaks, a message the server answered without its body
 * still counts as a failure, so that one the server cannot send does
 * not hold up the mailbox for ever.
 */
static int
imap_fetch_batch(struct imap_fetched *b, struct imap *imap, GArray *bad,
    char **cause)
{
	GArray	*whole = g_array_new(FALSE, FALSE, sizeof(guint32));
	GArray	*heads = g_array_new(FALSE, FALSE, sizeof(guint32));
	int	 rc;

	for (guint i = 0; i < b->items->len; i++) {
		struct imap_item *it = b->items->pdata[i];

		it->given_up = imap_failed_enough(b->account, b->uidvalidity,
		    it->uid);
		if (it->given_up)
			g_array_append_val(bad, it->uid);
		else
			g_array_append_val(it->big ? heads : whole, it->uid);
	}
	rc = imap_fetch(imap, (const guint32 *)whole->data, whole->len, 0,
	    imap_item_collect, b, cause) == 0 && imap_fetch(imap,
	    (const guint32 *)heads->data, heads->len, 1, imap_item_collect, b,
	    cause) == 0 ? 0 : -1;
	for (guint i = 0; rc != 0 && i < b->items->len; i++) {
		struct imap_item *it = b->items->pdata[i];

		if (it->answered && it->job == NULL)
			imap_failed(b->account, b->uidvalidity, it->uid,
			    "the server sent no body, then failed");
	}
	g_array_free(whole, TRUE);
	g_array_free(heads, TRUE);
	return rc;
}

/* What became of one message: done, big (and stored), bad, or retry. */
static void
imap_sort_item(struct imap_fetched *b, struct imap_item *it, GArray *done,
    GArray *big, GArray *bad, guint32 *last_uid, int *blocked)
{
	struct imap_account	*a = b->account;
	const char		*why;

	if (it->job != NULL && it->job->status != INGEST_TEMPFAIL) {
		if (it->big)
			log_info("%s: uid %u: %u octets, over max_message_size: "
			    "ticket %" G_GINT64_FORMAT " holds its headers",
			    a->origin, it->uid, it->size, it->job->ticket_id);
		g_array_append_val(it->big ? big : done, it->uid);
		a->imported++;
		return;
	}
	why = it->job != NULL ? it->job->cause : it->answered ?
	    "the server sent no body" : "the server sent nothing for it";
	if (imap_failed(a, b->uidvalidity, it->uid, why))
		g_array_append_val(bad, it->uid);
	else if (!*blocked) {
		*blocked = 1;
		*last_uid = it->uid - 1;
	}
}

/*
 * One batch: fetch, store, then act on what committed. *blocked turns
 * on at the first message that failed and is not yet quarantined: the
 * position stops below it so that it is tried again. A message that
 * came without its body is such a failure.
 */
static int
imap_batch(struct imap_account *a, struct imap *imap,
    const struct imap_mailbox *mb, const guint32 *uids, guint n,
    guint32 *last_uid, int *blocked, char **cause)
{
	struct imap_fetched *b;
	GPtrArray	*jobs = g_ptr_array_new();
	GArray		*done = g_array_new(FALSE, FALSE, sizeof(guint32));
	GArray		*bad = g_array_new(FALSE, FALSE, sizeof(guint32));
	GArray		*big = g_array_new(FALSE, FALSE, sizeof(guint32));
	char		*why;
	int		 rc = -1;

	imap_take_conf(a);
	b = imap_fetched_new(a, mb->uidvalidity, uids, n);
	if (imap_note_sizes(b, imap, uids, n, cause) != 0 ||
	    imap_fetch_batch(b, imap, bad, cause) != 0)
		goto out;
	for (guint i = 0; i < b->items->len; i++) {
		struct imap_item *it = b->items->pdata[i];

		if (it->job != NULL)
			g_ptr_array_add(jobs, it->job);
	}
	a->store_jobs(a, jobs);
	/* Shutting down: jobs were not tried, so they are no failures. */
	if (imap_is_stopping(a)) {
		*cause = g_strdup("shutting down");
		goto out;
	}
	for (guint i = 0; i < b->items->len; i++) {
		struct imap_item *it = b->items->pdata[i];

		if (!it->given_up)
			imap_sort_item(b, it, done, big, bad, last_uid,
			    blocked);
	}
	why = g_strdup_printf("not stored after %u tries", a->cfg->max_failures);
	rc = imap_after(a, imap, done, cause) != 0 ||
	    imap_quarantine(a, imap, mb->uidvalidity, bad, why, cause) != 0 ||
	    imap_quarantine(a, imap, mb->uidvalidity, big,
	    "larger than max_message_size, its headers are in a ticket",
	    cause) != 0 ? -1 : 0;
	g_free(why);
	if (rc != 0)
		goto out;
	if (!*blocked)
		*last_uid = uids[n - 1];
	log_trace(TRACE_IMAP, "%s: uids %u-%u: %u stored, %u quarantined, %u "
	    "too big, position %u", a->origin, uids[0], uids[n - 1], done->len,
	    bad->len, big->len, *last_uid);
	rc = imap_save_position(a, mb->uidvalidity, *last_uid, cause);
out:
	g_ptr_array_free(jobs, TRUE);
	imap_fetched_free(b);
	g_array_free(done, TRUE);
	g_array_free(bad, TRUE);
	g_array_free(big, TRUE);
	return rc;
}

/* Where to go on from: the saved position, unless UIDVALIDITY changed. */
static int
imap_position(struct imap_account *a, const struct imap_mailbox *mb,
    guint32 *last_uid, char **cause)
{
	struct store	*st = a->store;
	guint32		 uidvalidity = 0;
	int		 found;

	found = st->ops->imap_state_get(st, a->cfg->name, a->cfg->mailbox,
	    &uidvalidity, last_uid, cause);
	if (found < 0)
		return -1;
	if (found == 1 && uidvalidity == mb->uidvalidity)
		return 0;
	if (found == 1)
		log_warn("%s: UIDVALIDITY of %s changed from %u to %u: reading "
		    "it again; mail already stored is recognised", a->origin,
		    a->cfg->mailbox, uidvalidity, mb->uidvalidity);
	*last_uid = 0;
	return imap_save_position(a, mb->uidvalidity, 0, cause);
}

static int
imap_is_stopping(struct imap_account *a)
{
	int	 stopping;

	g_mutex_lock(&a->lock);
	stopping = a->stopping;
	g_mutex_unlock(&a->lock);
	return stopping;
}

/*
 * Import everything new in the mailbox; 0 when it has been read through.
 * *blocked: some message failed and waits to be tried again.
 */
static int
imap_pass(struct imap_account *a, struct imap *imap, int *blocked,
    char **cause)
{
	struct imap_mailbox	 mb;
	GArray			*uids = NULL;
	guint32			 last_uid;
	int			 rc = -1;

	*blocked = 0;
	if (imap_select(imap, a->cfg->mailbox, &mb, cause) != 0 ||
	    imap_position(a, &mb, &last_uid, cause) != 0 ||
	    imap_search_from(imap, last_uid + 1, &uids, cause) != 0)
		return -1;
	rc = 0;
	for (guint i = 0; i < uids->len && rc == 0; i += a->cfg->batch) {
		if (imap_is_stopping(a))
			break;
		rc = imap_batch(a, imap, &mb, &g_array_index(uids, guint32, i),
		    MIN(a->cfg->batch, uids->len - i), &last_uid, blocked,
		    cause);
	}
	g_array_free(uids, TRUE);
	return rc;
}

static int
imap_prepare_folders(struct imap_account *a, struct imap *imap, char **cause)
{
	if (a->cfg->after_kind == CONF_AFTER_MOVE &&
	    imap_create(imap, a->cfg->after_folder, cause) != 0)
		return -1;
	return imap_create(imap, a->cfg->quarantine, cause);
}

/*
 * Daemon mode.
 */

static void
imap_job_done(struct ingest_job *job, gpointer arg)
{
	struct imap_account	*a = arg;

	g_mutex_lock(&a->lock);
	a->pending--;
	g_cond_broadcast(&a->cond);
	g_mutex_unlock(&a->lock);
}

/* Through the daemon's pipeline: group commit with everything else. */
static void
imap_store_pipeline(struct imap_account *a, GPtrArray *jobs)
{
	g_mutex_lock(&a->lock);
	for (guint i = 0; i < jobs->len; i++) {
		struct ingest_job *job = jobs->pdata[i];

		if (a->stopping) {
			job->status = INGEST_TEMPFAIL;
			job->cause = g_strdup("shutting down");
			continue;
		}
		job->done = imap_job_done;
		job->arg = a;
		a->pending++;
		ingest_submit(a->ingest, job);
	}
	while (a->pending > 0)
		g_cond_wait(&a->cond, &a->lock);
	g_mutex_unlock(&a->lock);
}

/* Sleep up to secs, or until told to stop. */
static void
imap_sleep(struct imap_account *a, guint secs)
{
	gint64	 end = g_get_monotonic_time() + (gint64)secs * G_USEC_PER_SEC;

	g_mutex_lock(&a->lock);
	while (!a->stopping && g_cond_wait_until(&a->cond, &a->lock, end))
		;
	g_mutex_unlock(&a->lock);
}

static void
imap_set_session(struct imap_account *a, struct imap *imap)
{
	g_mutex_lock(&a->lock);
	a->session = imap;
	g_mutex_unlock(&a->lock);
}

/*
 * Wait for new mail: IDLE where the server offers it, else poll. A
 * failed message is retried after poll_interval, new mail or not.
 */
static int
imap_wait(struct imap_account *a, struct imap *imap, int blocked,
    char **cause)
{
	if (blocked || !a->cfg->idle || !imap_has_idle(imap)) {
		imap_sleep(a, a->cfg->poll_interval);
		return 0;
	}
	return imap_idle(imap, IMAP_IDLE_MAX, cause) < 0 ? -1 : 0;
}

/* One connection, for as long as it works. */
static void
imap_session(struct imap_account *a, struct imap *imap)
{
	char	*cause = NULL;
	int	 blocked;

	if (imap_prepare_folders(a, imap, &cause) != 0)
		goto fail;
	while (!imap_is_stopping(a)) {
		if (imap_pass(a, imap, &blocked, &cause) != 0)
			goto fail;
		status_imap(a->cfg->name, STATUS_IMAP_CONNECTED, NULL);
		if (!imap_is_stopping(a) &&
		    imap_wait(a, imap, blocked, &cause) != 0)
			goto fail;
	}
	return;
fail:
	log_warn("%s: %s", a->origin, cause);
	status_imap(a->cfg->name, STATUS_IMAP_FAILED, cause);
	tally_imap_error(a->cfg->name);
	g_free(cause);
}

static gpointer
imap_account_thread(gpointer arg)
{
	struct imap_account	*a = arg;
	struct imap		*imap;
	char			*cause = NULL;
	guint			 backoff = 1;

	while (!imap_is_stopping(a)) {
		if ((imap = imap_account_connect(a, &cause)) == NULL) {
			log_warn("%s: %s; retrying in %us", a->origin, cause,
			    backoff);
			status_imap(a->cfg->name, STATUS_IMAP_FAILED,
			    cause);
			tally_imap_error(a->cfg->name);
			g_free(cause);
			cause = NULL;
			imap_sleep(a, backoff);
			backoff = MIN(backoff * 2, IMAP_BACKOFF_MAX);
			continue;
		}
		log_info("%s: connected to %s", a->origin, a->cfg->host);
		backoff = 1;
		imap_set_session(a, imap);
		imap_session(a, imap);
		imap_set_session(a, NULL);
		imap_close(imap);
		if (!imap_is_stopping(a))
			imap_sleep(a, 1);
	}
	return NULL;
}

static struct imap_account *
imap_account_new(struct conf *conf, const struct conf_imap *cfg)
{
	struct imap_account	*a = g_new0(struct imap_account, 1);

	a->conf = conf_ref(conf);
	a->cfg = cfg;
	a->main_conf = conf_ref(conf);
	a->main_cfg = cfg;
	a->origin = g_strdup_printf("imap %s", cfg->name);
	a->archive = cfg->archive;
	g_mutex_init(&a->lock);
	g_cond_init(&a->cond);
	return a;
}

static void
imap_account_free(struct imap_account *a)
{
	if (a->thread != NULL)
		g_thread_join(a->thread);
	if (a->owns_store)
		store_close(a->store);
	conf_unref(a->conf);
	conf_unref(a->main_conf);
	conf_unref(a->next_conf);
	g_free(a->origin);
	g_mutex_clear(&a->lock);
	g_cond_clear(&a->cond);
	g_free(a);
}

/* Always there, so that a reload can add the first account. */
static int
imap_wanted(const struct conf *conf)
{
	return 1;
}

static struct imap_account *
imap_account_spawn(struct source_imap *src, struct conf *conf,
    const struct conf_imap *cfg, char **cause)
{
	struct imap_account	*a = imap_account_new(conf, cfg);

	a->ingest = src->ingest;
	a->store_jobs = imap_store_pipeline;
	if ((a->store = store_open(conf->database, cause)) == NULL) {
		imap_account_free(a);
		return NULL;
	}
	a->owns_store = 1;
	a->thread = g_thread_new(a->origin, imap_account_thread, a);
	return a;
}

/* Ask an account's thread to finish its batch and stop. */
static void
imap_account_stop(struct imap_account *a)
{
	g_mutex_lock(&a->lock);
	a->stopping = 1;
	g_cond_broadcast(&a->cond);
	if (a->session != NULL)
		imap_idle_interrupt(a->session);
	g_mutex_unlock(&a->lock);
}

/* Nothing needs privileges: the accounts start with the mail. */
static struct source *
imap_open(struct conf *conf, char **cause)
{
	struct source_imap	*src = g_new0(struct source_imap, 1);

	src->source.ops = &source_imap_ops;
	src->conf = conf_ref(conf);
	src->accounts = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)imap_account_free);
	src->retired = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)imap_account_free);
	return &src->source;
}

/* An account that cannot start is stopped with the others by the caller. */
static int
imap_start(struct source *s, struct ingest *ingest, char **cause)
{
	struct source_imap	*src = (struct source_imap *)s;
	struct conf		*conf = src->conf;

	src->ingest = ingest;
	for (guint i = 0; i < conf->imaps->len; i++) {
		struct imap_account *a = imap_account_spawn(src, conf,
		    conf->imaps->pdata[i], cause);

		if (a == NULL)
			return -1;
		g_ptr_array_add(src->accounts, a);
	}
	g_clear_pointer(&src->conf, conf_unref);
	return 0;
}

static void
imap_describe(struct source *s, GPtrArray *lines)
{
	struct source_imap	*src = (struct source_imap *)s;

	for (guint i = 0; i < src->accounts->len; i++) {
		const struct imap_account *a = src->accounts->pdata[i];

		g_ptr_array_add(lines, g_strdup_printf("imap %s (%s:%u %s)",
		    a->main_cfg->name, a->main_cfg->host, a->main_cfg->port,
		    a->main_cfg->mailbox));
	}
}

static int
imap_conf_equal(const struct conf_imap *x, const struct conf_imap *y)
{
	return g_strcmp0(x->host, y->host) == 0 && x->port == y->port &&
	    x->tls == y->tls && x->auth == y->auth &&
	    g_strcmp0(x->user, y->user) == 0 &&
	    g_strcmp0(x->password, y->password) == 0 &&
	    g_strcmp0(x->token_file, y->token_file) == 0 &&
	    g_strcmp0(x->token_command, y->token_command) == 0 &&
	    g_strcmp0(x->mailbox, y->mailbox) == 0 &&
	    g_strcmp0(x->queue, y->queue) == 0 &&
	    g_strcmp0(x->after, y->after) == 0 &&
	    g_strcmp0(x->quarantine, y->quarantine) == 0 &&
	    x->max_failures == y->max_failures &&
	    g_strcmp0(x->ca_file, y->ca_file) == 0 &&
	    x->timeout == y->timeout && x->poll_interval == y->poll_interval &&
	    x->idle == y->idle && x->batch == y->batch &&
	    x->archive == y->archive;
}

/* Take the running account called name out of the list, or NULL. */
static struct imap_account *
imap_account_take(struct source_imap *src, const char *name)
{
	for (guint i = 0; i < src->accounts->len; i++) {
		struct imap_account *a = src->accounts->pdata[i];

		if (strcmp(a->main_cfg->name, name) == 0)
			return g_ptr_array_steal_index(src->accounts, i);
	}
	return NULL;
}

/* An unchanged account keeps its session and takes the new conf. */
static void
imap_account_refresh(struct imap_account *a, struct conf *conf,
    const struct conf_imap *cfg)
{
	conf_unref(a->main_conf);
	a->main_conf = conf_ref(conf);
	a->main_cfg = cfg;
	g_mutex_lock(&a->lock);
	conf_unref(a->next_conf);
	a->next_conf = conf_ref(conf);
	g_mutex_unlock(&a->lock);
	log_info("%s: unchanged, keeps its connection and takes the new "
	    "configuration", a->origin);
}

static void
imap_retire(struct source_imap *src, struct imap_account *a)
{
	log_info("%s: stopped for the new configuration", a->origin);
	imap_account_stop(a);
	g_ptr_array_add(src->retired, a);
}

/*
 * Accounts whose section is unchanged go on, on the same connection,
 * with the new conf from their next batch; changed ones finish their
 * batch and start again with the new settings (mail that both touch is
 * recognised by its Message-ID); removed ones stop; new ones start.
 */
static void
imap_reload(struct source *s, struct conf *conf)
{
	struct source_imap	*src = (struct source_imap *)s;
	GPtrArray		*next = g_ptr_array_new_with_free_func(
				    (GDestroyNotify)imap_account_free);
	char			*cause = NULL;

	for (guint i = 0; i < conf->imaps->len; i++) {
		const struct conf_imap	*cfg = conf->imaps->pdata[i];
		struct imap_account	*a = imap_account_take(src, cfg->name);

		if (a != NULL && imap_conf_equal(a->main_cfg, cfg)) {
			imap_account_refresh(a, conf, cfg);
			g_ptr_array_add(next, a);
			continue;
		}
		if (a != NULL)
			imap_retire(src, a);
		if ((a = imap_account_spawn(src, conf, cfg, &cause)) == NULL) {
			log_warn("imap %s: %s", cfg->name, cause);
			g_free(cause);
			cause = NULL;
			continue;
		}
		log_info("%s: started with the new configuration", a->origin);
		g_ptr_array_add(next, a);
	}
	while (src->accounts->len > 0)
		imap_retire(src, g_ptr_array_steal_index(src->accounts, 0));
	g_ptr_array_free(src->accounts, TRUE);
	src->accounts = next;
}

static void
imap_stop(struct source *s)
{
	struct source_imap	*src = (struct source_imap *)s;

	for (guint i = 0; i < src->accounts->len; i++)
		imap_account_stop(src->accounts->pdata[i]);
}

static void
imap_free(struct source *s)
{
	struct source_imap	*src = (struct source_imap *)s;

	g_ptr_array_free(src->accounts, TRUE);
	g_ptr_array_free(src->retired, TRUE);
	if (src->conf != NULL)
		conf_unref(src->conf);
	g_free(src);
}

const struct source_ops source_imap_ops = {
	.name = "imap",
	.wanted = imap_wanted,
	.open = imap_open,
	.start = imap_start,
	.describe = imap_describe,
	.reload = imap_reload,
	.stop = imap_stop,
	.free = imap_free,
};

/*
 * Import mode.
 */

static void
imap_store_direct(struct imap_account *a, GPtrArray *jobs)
{
	ingest_run_batch(a->store, jobs);
}

int
source_imap_import(struct conf *conf, struct store *st, const char *name,
    int archive, guint *imported, char **cause)
{
	const struct conf_imap	*cfg = conf_imap_by_name(conf, name);
	struct imap_account	*a;
	struct imap		*imap;
	int			 rc = -1, blocked;

	*imported = 0;
	if (cfg == NULL) {
		*cause = g_strdup_printf("no [imap %s] in %s", name, conf->path);
		return -1;
	}
	if (reply_keys_load(conf, st, cause) != 0)
		return -1;
	a = imap_account_new(conf, cfg);
	a->store = st;
	a->store_jobs = imap_store_direct;
	a->archive = archive || cfg->archive;
	if ((imap = imap_account_connect(a, cause)) != NULL) {
		if (imap_prepare_folders(a, imap, cause) == 0)
			rc = imap_pass(a, imap, &blocked, cause);
		imap_close(imap);
	}
	*imported = a->imported;
	imap_account_free(a);
	return rc;
}
