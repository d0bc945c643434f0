/*
 * indexer: keeps the full-text index (search.h) up with the mail. A
 * message is stored without it, so that indexing (a millisecond for a
 * long mail) never lengthens the transaction that acknowledges mail;
 * this thread notices what is not indexed yet and has the writer index
 * it in batches of its own, between the mail's group commits, within
 * about a second of its commit. It indexes what was stored while the
 * daemon was down, and all of an older database's mail, the same way,
 * a batch at a time. ticketctl search reads what is not indexed yet
 * itself, so nothing goes missing meanwhile.
 */
#ifndef INDEXER_H
#define INDEXER_H

#include <glib.h>

struct conf;
struct ingest;

struct indexer;

/* Start on conf's database, indexing through ingest's writer. */
struct indexer	*indexer_start(struct conf *, struct ingest *, char **cause);
/* Stop the thread; what is not indexed stays so. Before ingest_stop(). */
void		 indexer_stop(struct indexer *);
/* After ingest_stop(): no task of ours is left. */
void		 indexer_free(struct indexer *);

#endif
