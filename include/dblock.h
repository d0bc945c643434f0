/*
 * dblock: one daemon per database. The daemon holds a write lock on
 * BASE.lock (conf_state_base(): DATABASE.lock, beside a SQLite
 * database) from before it touches a socket or the outbox until it
 * exits; a second daemon on the same database finds the lock held and
 * is told by whom. The kernel drops the lock when its holder dies, so a
 * crash leaves nothing to clean up. A database on a server is shared by
 * several nodes by design: there the lock only keeps two daemons off
 * one state directory of one host.
 *
 * ticketctl and "ticketd deliver" take no lock: they only write through
 * the store, and only the holder's outbox sends.
 */
#ifndef DBLOCK_H
#define DBLOCK_H

#include <sys/types.h>

struct dblock;

/*
 * Take the lock of base: 1 and *lock when taken; 0 and *cause (naming
 * base and the holder's pid) when another process holds it; -1 and
 * *cause when the lock file cannot be made.
 */
int		 dblock_take(const char *base, struct dblock **lock,
		    char **cause);
/* Give the lock file to the user the daemon becomes; -1 and errno. */
int		 dblock_chown(struct dblock *, uid_t, gid_t);
/*
 * Who holds base's lock: 1 and *pid when a daemon runs on it, 0 when
 * none does, -1 and *cause when the lock file cannot be read.
 */
int		 dblock_holder(const char *base, long *pid, char **cause);
/* Let go: close the lock file (it stays, holding the last pid). */
void		 dblock_release(struct dblock *);

#endif
