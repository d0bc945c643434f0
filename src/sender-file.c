/*
 * sender-file: the outbox's dry-run backend. "file:DIRECTORY" writes
 * each mail to DIRECTORY/TIME.RANDOM.eml, with an X-Envelope-From and
 * X-Envelope-To line on top, and counts it as sent once the file is
 * renamed into place and synced.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "conf.h"
#include "sender.h"

struct sender_file {
	struct sender	 sender;	/* must be first */
	char		*dir;
};

static struct sender *
sender_file_open(const struct conf *conf, char **cause)
{
	struct sender_file	*s = g_new0(struct sender_file, 1);

	s->sender.ops = &sender_file_ops;
	s->dir = g_strdup(conf->smtp_url + 5);
	if (g_mkdir_with_parents(s->dir, 0750) != 0) {
		*cause = g_strdup_printf("%s: %s", s->dir, g_strerror(errno));
		g_free(s->dir);
		g_free(s);
		return NULL;
	}
	return &s->sender;
}

static int
sender_file_write(int fd, const char *from, const char *rcpt, GBytes *message)
{
	char	*head = g_strdup_printf("X-Envelope-From: <%s>\r\n"
		    "X-Envelope-To: <%s>\r\n", from, rcpt);
	gsize	 len;
	const char *data = g_bytes_get_data(message, &len);
	int	 ok;

	ok = write(fd, head, strlen(head)) == (ssize_t)strlen(head) &&
	    write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	g_free(head);
	return ok ? 0 : -1;
}

static enum sender_result
sender_file_send(struct sender *sn, const char *from, const char *rcpt,
    GBytes *message, char **detail)
{
	struct sender_file	*s = (struct sender_file *)sn;
	char			*tmp = g_strdup_printf("%s/.tmp.XXXXXX", s->dir);
	char			*path = g_strdup_printf("%s/%" G_GINT64_FORMAT
				    ".%08x.eml", s->dir, g_get_real_time(),
				    g_random_int());
	int			 fd = g_mkstemp(tmp);
	enum sender_result	 r = SENDER_SENT;

	if (fd == -1 || sender_file_write(fd, from, rcpt, message) != 0 ||
	    close(fd) != 0 || g_rename(tmp, path) != 0) {
		*detail = g_strdup_printf("%s: %s", s->dir, g_strerror(errno));
		if (fd != -1)
			g_unlink(tmp);
		r = SENDER_TEMPFAIL;
	} else
		*detail = g_strdup_printf("written to %s", path);
	g_free(tmp);
	g_free(path);
	return r;
}

static void
sender_file_close(struct sender *sn)
{
	struct sender_file	*s = (struct sender_file *)sn;

	g_free(s->dir);
	g_free(s);
}

const struct sender_ops sender_file_ops = {
	.name = "file",
	.scheme = "file:",
	.open = sender_file_open,
	.send = sender_file_send,
	.close = sender_file_close,
};
