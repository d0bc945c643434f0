/*
 * ingest: the one pipeline every incoming mail goes through, whatever
 * its source: parse, file (the policy is ticket.c's), commit, answer.
 *
 * The daemon runs it as a parse pool feeding one writer thread. The
 * writer takes every job that is ready, stores each inside a savepoint,
 * commits once for all of them (group commit) and only then hands each
 * job back to the main loop, so the source acknowledges nothing that is
 * not on disk. Pipe delivery runs the same steps for one job.
 */
#ifndef INGEST_H
#define INGEST_H

#include <glib.h>

struct conf;
struct dsn;
struct rules_matches;
struct store;

enum ingest_status {
	INGEST_STORED,		/* committed: a new ticket or a follow-up */
	INGEST_DUPLICATE,	/* already stored: answer success */
	INGEST_TEMPFAIL,	/* nothing committed: ask the sender to retry */
};

struct ingest_job;
typedef void (*ingest_done_cb)(struct ingest_job *, gpointer arg);

struct ingest_job {
	/* Filled by the source. */
	GBytes			*raw;
	char			*source;	/* "lmtp", "pipe", "imap" */
	char			*origin;	/* object for logs: "lmtp 7" */
	char			*return_path;	/* "" for the null sender */
	char			*queue;		/* queue name, for a new ticket */
	GPtrArray		*deliveries;	/* struct store_delivery *: every
						   queue address it reached */
	gint64			 received_at;
	int			 no_ack;	/* archive import: never acknowledge */
	int			 keep_date;	/* archive import: Date: is received_at */
	int			 no_envelope;	/* IMAP: take return_path from the mail */
	/*
	 * Set when raw stands in for a mail that could not be taken whole
	 * (its headers, for one over max_message_size): the ticket is
	 * flagged for attention and gets an "attention" event saying this.
	 * Its dedupe key is apart, so the whole mail is still stored if it
	 * comes later. Freed with the job.
	 */
	char			*attention;
	struct conf		*conf;		/* a reference, released on free */
	ingest_done_cb		 done;
	gpointer		 arg;

	/* Filled by the pipeline. */
	int			 is_task;	/* an ingest_task(), not a mail */
	guint			 seq;		/* submission order */
	struct mail		*mail;
	char			*dedupe_key;
	struct dsn		*dsn;		/* NULL: not a bounce */
	enum ingest_status	 status;
	gint64			 ticket_id;
	int			 new_ticket;
	int			 agent_mail;	/* an agent's, acted on */
	int			 queued_mail;	/* put something in the outbox */
	int			 notified;	/* kept notifications to make */
	char			*cause;		/* why, when INGEST_TEMPFAIL */
	struct rules_matches	*rules;		/* job->conf's rules, matched
						   in the parse pool, or NULL */
	char			*rules_error;	/* why they were not */
};

struct ingest;

/* A job with the source's fields set; raw is taken over. */
struct ingest_job	*ingest_job_new(GBytes *raw, const char *source,
			    const char *origin, const char *return_path,
			    const char *queue, struct conf *);
void			 ingest_job_free(struct ingest_job *);
/* Record a recipient; without any, the mail reached job->queue only. */
void			 ingest_job_deliver(struct ingest_job *,
			    const char *queue, const char *address);

/*
 * Start the pipeline on an open store (which it then owns), and reader,
 * a second handle on the same database (owned too; NULL: none) from
 * which the parse pool reads the facts the rules need. Finished
 * jobs are handed to their done callback in context's thread. After a
 * commit that put mail into the outbox, outbox_ready(arg) is called in
 * the writer thread (it may be NULL).
 */
struct ingest		*ingest_start(struct store *, struct store *reader,
			    GMainContext *context,
			    void (*outbox_ready)(gpointer), gpointer arg,
			    char **cause);
void			 ingest_submit(struct ingest *, struct ingest_job *);
/* Finish every submitted job, stop the threads, close the store. */
void			 ingest_stop(struct ingest *);

/*
 * Pipe mode: run one job to completion in the calling thread. Jobs
 * carry their conf, whose msgid_keys must be loaded (reply_keys_load()).
 */
void			 ingest_run_one(struct store *, struct ingest_job *);
/*
 * A write that is not a mail (a timer's, an admin's): fn runs on the
 * writer in a transaction of its own, between batches, and sets
 * *queued_mail when it put mail into the outbox; its error is logged
 * and rolled back. free_arg(arg) follows, on the writer. A task still
 * queued when ingest_stop() has committed every mail is dropped, so it
 * must only do what is kept in the store to be done later.
 */
typedef int (*ingest_task_fn)(struct store *, gpointer arg,
			    int *queued_mail, char **cause);
void			 ingest_task(struct ingest *, ingest_task_fn fn,
			    gpointer arg, GDestroyNotify free_arg);
/* The same, told whether it committed (0 too when dropped): done frees arg. */
void			 ingest_task_then(struct ingest *, ingest_task_fn fn,
			    gpointer arg,
			    void (*done)(gpointer arg, int committed));

/* Import mode: parse and store jobs (struct ingest_job *) in one commit. */
void			 ingest_run_batch(struct store *, GPtrArray *jobs);

#endif
