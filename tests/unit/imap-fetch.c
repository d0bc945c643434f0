/*
 * imap-fetch: drives src/imap.c against a real server, for
 * tests/integration/imap.t and as the raw-fetch peer of tests/bench/imap.sh.
 * It connects, selects MAILBOX, searches the UIDs from -f (default 1)
 * on, fetches them in
 * batches of -b (BODY.PEEK[], one command per batch), printing
 * "uid size sha256-prefix" per message ("uid no body" for a response
 * without one), and applies the after-action of
 * -m to each batch once fetched. With -i it then IDLEs once and prints
 * "idle: 1" (new mail) or "idle: 0", then "after idle: N messages" from
 * a fresh search, which shows the session still works; -I interrupts
 * that IDLE from another thread after the given milliseconds (0: before
 * it starts). The last line
 * is "fetched N in S s (R msgs/s)", timed from SELECT to the last batch.
 * Exits 0, or 1 with the cause on stderr.
 *
 * usage: imap-fetch [-t imaps|starttls|none] [-a login|plain|xoauth2]
 *		     [-C ca_file] [-b batch] [-f from_uid]
 *		     [-m move:FOLDER|seen|delete]
 *		     [-i idle_secs [-I interrupt_ms]] [-w timeout]
 *		     host port user secret mailbox
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imap.h"

#define SHA_PREFIX	16	/* hex digits of the sha256 printed */

enum after {
	AFTER_NONE,
	AFTER_MOVE,
	AFTER_SEEN,
	AFTER_DELETE,
};

struct opts {
	struct imap_config	 ic;
	guint			 batch;
	guint32			 from;
	enum after		 after;
	const char		*folder;
	int			 idle_secs;	/* -1: no IDLE */
	int			 interrupt_ms;	/* -1: no interrupt */
	const char		*mailbox;
};

static G_GNUC_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: imap-fetch [-t imaps|starttls|none] "
	    "[-a login|plain|xoauth2] [-C ca_file] [-b batch] [-f from_uid]\n"
	    "\t[-m move:FOLDER|seen|delete] [-i idle_secs [-I interrupt_ms]] "
	    "[-w timeout]\n\thost port user secret mailbox\n");
	exit(2);
}

static G_GNUC_NORETURN void
die(char *cause)
{
	fprintf(stderr, "imap-fetch: %s\n", cause);
	g_free(cause);
	exit(1);
}

static enum imap_tls
parse_tls(const char *s)
{
	if (strcmp(s, "imaps") == 0)
		return IMAP_TLS_IMAPS;
	if (strcmp(s, "starttls") == 0)
		return IMAP_TLS_STARTTLS;
	if (strcmp(s, "none") == 0)
		return IMAP_TLS_NONE;
	usage();
}

static enum imap_auth
parse_auth(const char *s)
{
	if (strcmp(s, "login") == 0)
		return IMAP_AUTH_LOGIN;
	if (strcmp(s, "plain") == 0)
		return IMAP_AUTH_PLAIN;
	if (strcmp(s, "xoauth2") == 0)
		return IMAP_AUTH_XOAUTH2;
	usage();
}

static void
parse_after(struct opts *o, const char *s)
{
	if (strncmp(s, "move:", 5) == 0 && s[5] != '\0') {
		o->after = AFTER_MOVE;
		o->folder = s + 5;
	} else if (strcmp(s, "seen") == 0)
		o->after = AFTER_SEEN;
	else if (strcmp(s, "delete") == 0)
		o->after = AFTER_DELETE;
	else
		usage();
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	int	 ch;

	*o = (struct opts){ .ic = { .tls = IMAP_TLS_IMAPS, .timeout = 10 },
	    .batch = 100, .from = 1, .idle_secs = -1, .interrupt_ms = -1 };
	while ((ch = getopt(argc, argv, "a:b:C:f:i:I:m:t:w:")) != -1) {
		switch (ch) {
		case 'a':
			o->ic.auth = parse_auth(optarg);
			break;
		case 'b':
			o->batch = MAX(atoi(optarg), 1);
			break;
		case 'C':
			o->ic.ca_file = optarg;
			break;
		case 'f':
			o->from = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			o->idle_secs = atoi(optarg);
			break;
		case 'I':
			o->interrupt_ms = atoi(optarg);
			break;
		case 'm':
			parse_after(o, optarg);
			break;
		case 't':
			o->ic.tls = parse_tls(optarg);
			break;
		case 'w':
			o->ic.timeout = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 5)
		usage();
	o->ic.host = argv[0];
	o->ic.port = atoi(argv[1]);
	o->ic.user = argv[2];
	o->ic.secret = argv[3];
	o->mailbox = argv[4];
}

static void
print_message(guint32 uid, GBytes *raw, gpointer arg)
{
	guint	*count = arg;
	gsize	 len;
	gconstpointer data;
	char	*sum;

	if (raw == NULL) {
		printf("%u no body\n", uid);
		return;
	}
	data = g_bytes_get_data(raw, &len);
	sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	printf("%u %zu %.*s\n", uid, len, SHA_PREFIX, sum);
	g_free(sum);
	(*count)++;
}

static int
after(struct imap *imap, const struct opts *o, const guint32 *uids, guint n,
    char **cause)
{
	switch (o->after) {
	case AFTER_NONE:
		return 0;
	case AFTER_MOVE:
		return imap_move(imap, uids, n, o->folder, cause);
	case AFTER_SEEN:
		return imap_mark_seen(imap, uids, n, cause);
	case AFTER_DELETE:
		return imap_delete(imap, uids, n, cause);
	}
	abort();
}

static guint
fetch_all(struct imap *imap, const struct opts *o)
{
	struct imap_mailbox	 mb;
	GArray			*uids;
	guint			 count = 0;
	char			*cause = NULL;

	if (imap_select(imap, o->mailbox, &mb, &cause) != 0 ||
	    (o->after == AFTER_MOVE && imap_create(imap, o->folder, &cause) != 0) ||
	    imap_search_from(imap, o->from, &uids, &cause) != 0)
		die(cause);
	for (guint i = 0; i < uids->len; i += o->batch) {
		const guint32	*batch = &g_array_index(uids, guint32, i);
		guint		 n = MIN(o->batch, uids->len - i);

		if (imap_fetch(imap, batch, n, 0, print_message, &count,
		    &cause) != 0 || after(imap, o, batch, n, &cause) != 0)
			die(cause);
	}
	g_array_free(uids, TRUE);
	return count;
}

static gpointer
interrupter(gpointer arg)
{
	gpointer	*a = arg;

	g_usleep(GPOINTER_TO_INT(a[1]) * 1000);
	imap_idle_interrupt(a[0]);
	return NULL;
}

static void
idle_once(struct imap *imap, const struct opts *o)
{
	gpointer	 arg[2] = { imap, GINT_TO_POINTER(o->interrupt_ms) };
	GThread		*t = NULL;
	GArray		*uids;
	char		*cause = NULL;
	int		 r;

	if (o->interrupt_ms == 0)
		imap_idle_interrupt(imap);
	else if (o->interrupt_ms > 0)
		t = g_thread_new("interrupter", interrupter, arg);
	fprintf(stderr, "imap-fetch: idling\n");
	if ((r = imap_idle(imap, o->idle_secs, &cause)) < 0)
		die(cause);
	if (t != NULL)
		g_thread_join(t);
	printf("idle: %d\n", r);
	if (imap_search_from(imap, 1, &uids, &cause) != 0)
		die(cause);
	printf("after idle: %u messages\n", uids->len);
	g_array_free(uids, TRUE);
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct imap	*imap;
	char		*cause = NULL;
	gint64		 t0;
	double		 secs;
	guint		 n;

	parse_args(&o, argc, argv);
	/* A server that hangs up mid-write is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if ((imap = imap_connect(&o.ic, &cause)) == NULL)
		die(cause);
	t0 = g_get_monotonic_time();
	n = fetch_all(imap, &o);
	secs = (g_get_monotonic_time() - t0) / 1e6;
	if (o.idle_secs >= 0) {
		fflush(stdout);
		idle_once(imap, &o);
	}
	printf("fetched %u in %.3f s (%.0f msgs/s)\n", n, secs,
	    secs > 0 ? n / secs : 0.0);
	imap_close(imap);
	return fflush(stdout) == 0 ? 0 : 1;
}
