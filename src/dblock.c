/*
 * dblock: the lock that keeps a second ticketd off a database.
 *
 * A POSIX record lock (fcntl F_SETLK) rather than flock(), because
 * F_GETLK tells the loser the holder's pid even before the holder has
 * written it into the file. Such a lock belongs to the process and goes
 * when it closes any descriptor of the file, so the file is opened once,
 * here, and nowhere else. The pid is also written into the file for
 * admins who look.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "dblock.h"
#include "log.h"

struct dblock {
	int	 fd;
};

static int
dblock_held(const char *base, const char *path, int fd, char **cause)
{
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		*cause = g_strdup_printf("%s: in use by another ticketd "
		    "(pid %ld holds %s)", base, (long)fl.l_pid, path);
	else
		*cause = g_strdup_printf("%s: in use by another ticketd "
		    "(it holds %s)", base, path);
	return 0;
}

int
dblock_take(const char *base, struct dblock **lock, char **cause)
{
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char		*path = g_strconcat(base, ".lock", NULL);
	char		 pid[32];
	int		 fd, rc;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		*cause = g_strdup_printf("%s: %s", path, g_strerror(errno));
		g_free(path);
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno == EACCES || errno == EAGAIN)
			rc = dblock_held(base, path, fd, cause);
		else {
			*cause = g_strdup_printf("%s: lock: %s", path,
			    g_strerror(errno));
			rc = -1;
		}
		close(fd);
		g_free(path);
		return rc;
	}
	snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid))
		log_warn("%s: cannot record our pid: %s", path,
		    g_strerror(errno));
	g_free(path);
	*lock = g_new0(struct dblock, 1);
	(*lock)->fd = fd;
	return 1;
}

int
dblock_chown(struct dblock *lock, uid_t uid, gid_t gid)
{
	return fchown(lock->fd, uid, gid);
}

int
dblock_holder(const char *base, long *pid, char **cause)
{
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char		*path = g_strconcat(base, ".lock", NULL);
	int		 fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT) {
			*cause = g_strdup_printf("%s: %s", path,
			    g_strerror(errno));
			rc = -1;
		}
	} else if (fcntl(fd, F_GETLK, &fl) == -1) {
		*cause = g_strdup_printf("%s: lock: %s", path,
		    g_strerror(errno));
		rc = -1;
	} else if (fl.l_type != F_UNLCK) {
		*pid = fl.l_pid;
		rc = 1;
	}
	if (fd != -1)
		close(fd);
	g_free(path);
	return rc;
}

void
dblock_release(struct dblock *lock)
{
	if (lock == NULL)
		return;
	close(lock->fd);
	g_free(lock);
}
