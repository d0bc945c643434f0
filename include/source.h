/*
 * source: the long-running ways mail comes in (LMTP now, IMAP later).
 * Each backend is a const struct source_ops, looked up by name. A source
 * hands every mail to the ingest pipeline and acknowledges it upstream
 * only from the job's done callback, which runs after the commit.
 */
#ifndef SOURCE_H
#define SOURCE_H

#include <glib.h>

struct conf;
struct ingest;
struct source;
struct store;

struct source_ops {
	const char	*name;
	/* Does the config ask for this source at all? */
	int		 (*wanted)(const struct conf *);
	/*
	 * Bind what may need root: called before ticketd drops its
	 * privileges, and takes no mail yet.
	 */
	struct source	*(*open)(struct conf *, char **cause);
	/* Hand mail to ingest from now on; -1 and *cause if it cannot. */
	int		 (*start)(struct source *, struct ingest *, char **cause);
	/* What it listens on or reads from, one line each, for status. */
	void		 (*describe)(struct source *, GPtrArray *lines);
	/* Use conf for new work from now on; work under way keeps its own. */
	void		 (*reload)(struct source *, struct conf *);
	/* Stop taking new work; work under way finishes through ingest. */
	void		 (*stop)(struct source *);
	/* Release everything, after ingest_stop() delivered every result. */
	void		 (*free)(struct source *);
};

struct source {
	const struct source_ops	*ops;
};

extern const struct source_ops source_lmtp_ops;
extern const struct source_ops source_imap_ops;
extern const struct source_ops *source_backends[];

/*
 * Pipe delivery: read one mail from fd and store it. Returns a sysexits
 * code: EX_OK, EX_TEMPFAIL, EX_DATAERR or EX_NOUSER.
 */
int	 source_pipe_deliver(struct conf *, int fd, const char *recipient,
	    const char *sender);

/*
 * "ticketctl import": one pass over IMAP account name, in the calling
 * thread, storing through st. archive: no acknowledgements and the
 * mails' own dates. Resumes where an earlier pass stopped. Sets
 * *imported; -1 and *cause when the account cannot be read.
 */
int	 source_imap_import(struct conf *, struct store *, const char *name,
	    int archive, guint *imported, char **cause);

#endif
