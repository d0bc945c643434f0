/*
 * lmtp: one LMTP session (RFC 2033) as a protocol engine without sockets.
 *
 * A transport feeds the session the octets its client sent and writes
 * out the octets the session produces; the session never blocks and
 * never touches a descriptor. source-lmtp.c is the transport for TCP
 * and UNIX sockets; a fuzz harness is another. A complete message goes
 * to the transport's submit function as an ingest job, and the session
 * answers it only when the transport hands the job back, after the
 * commit, through lmtp_session_committed().
 */
#ifndef LMTP_H
#define LMTP_H

#include <glib.h>

struct conf;
struct ingest_job;
struct lmtp_session;

/* What the session waits for before it can go on. */
enum lmtp_wait {
	LMTP_WAIT_INPUT,	/* more octets from the client */
	LMTP_WAIT_OUTPUT,	/* the client to read the replies queued */
	LMTP_WAIT_COMMIT,	/* the submitted job to come back */
	LMTP_WAIT_CLOSE,	/* nothing: close once the output is written */
};

/* Takes the job; it must come back through lmtp_session_committed(). */
typedef void (*lmtp_submit_cb)(struct lmtp_session *, struct ingest_job *,
    gpointer arg);

/* A session that has queued its greeting. A reference to conf is kept. */
struct lmtp_session	*lmtp_session_new(struct conf *, guint id,
			    lmtp_submit_cb, gpointer arg);
/* Not while a submitted job is out. */
void			 lmtp_session_free(struct lmtp_session *);

/* Take len octets from the client and act on every complete line. */
void			 lmtp_session_input(struct lmtp_session *,
			    const void *data, gsize len);
/*
 * Act on input already taken, after the output drained or a commit.
 * Returns how many lines (or pieces of a long one) it handled.
 */
guint			 lmtp_session_run(struct lmtp_session *);
enum lmtp_wait		 lmtp_session_wait(const struct lmtp_session *);

/* The replies not yet written (*len octets, owned by the session). */
const char		*lmtp_session_output(const struct lmtp_session *,
			    gsize *len);
/* The first n octets of the output have been written. */
void			 lmtp_session_written(struct lmtp_session *, gsize n);

/* The job is back: one reply per recipient, then the job is freed. */
void			 lmtp_session_committed(struct lmtp_session *,
			    struct ingest_job *);
/* End the session with reply ("421 ..."), once the output is written. */
void			 lmtp_session_end(struct lmtp_session *,
			    const char *reply);

#endif
