/*
 * smtp-send: sends one file through smtp_send() so that
 * tests/integration/smtp.t can drive the sender against real servers.
 * Prints one line per send, "sent|tempfail|permfail: detail", and exits
 * with the first failure's sysexits code: 0, 75 (EX_TEMPFAIL) or 69
 * (EX_UNAVAILABLE).  FROM may be "" for the null sender.  With -n N the
 * file is sent N times through one struct smtp, to exercise connection
 * reuse.  -T traces the SMTP dialogue to stderr.
 *
 * usage: smtp-send [-sT] [-u user -p pass] [-C ca_file] [-t timeout]
 *		    [-n count] URL FROM RCPT FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "smtp.h"

static void
usage(void)
{
	fprintf(stderr, "usage: smtp-send [-sT] [-u user -p pass] "
	    "[-C ca_file] [-t timeout] [-n count] URL FROM RCPT FILE\n");
	exit(EX_USAGE);
}

static void
die(const char *cause)
{
	fprintf(stderr, "smtp-send: %s\n", cause);
	exit(EX_SOFTWARE);
}

static int
report(enum smtp_result r, const char *detail)
{
	switch (r) {
	case SMTP_SENT:
		printf("sent: %s\n", detail);
		return EX_OK;
	case SMTP_TEMPFAIL:
		printf("tempfail: %s\n", detail);
		return EX_TEMPFAIL;
	case SMTP_PERMFAIL:
		printf("permfail: %s\n", detail);
		return EX_UNAVAILABLE;
	}
	abort();
}

int
main(int argc, char **argv)
{
	struct smtp_config	 conf = { .timeout = 10 };
	struct smtp		*s;
	const char		*rcpts[2] = { NULL, NULL };
	char			*cause = NULL, *detail, *text;
	gsize			 len;
	GError			*error = NULL;
	GBytes			*msg;
	enum smtp_result	 r;
	int			 ch, count = 1, status = EX_OK, st;

	while ((ch = getopt(argc, argv, "C:n:p:st:Tu:")) != -1) {
		switch (ch) {
		case 'C':
			conf.ca_file = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'p':
			conf.password = optarg;
			break;
		case 's':
			conf.starttls = 1;
			break;
		case 't':
			conf.timeout = atoi(optarg);
			break;
		case 'T':
			if (log_set_trace("smtp", &cause) != 0)
				die(cause);
			break;
		case 'u':
			conf.user = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4 || count < 1)
		usage();
	conf.url = argv[0];
	rcpts[0] = argv[2];

	if (!g_file_get_contents(argv[3], &text, &len, &error)) {
		fprintf(stderr, "smtp-send: %s\n", error->message);
		return EX_NOINPUT;
	}
	msg = g_bytes_new_take(text, len);

	log_open("smtp-send", 0);
	smtp_init();
	if ((s = smtp_new(&conf, &cause)) == NULL)
		die(cause);
	for (int i = 0; i < count; i++) {
		r = smtp_send(s, argv[1], rcpts, msg, &detail);
		st = report(r, detail);
		if (status == EX_OK)
			status = st;
		g_free(detail);
	}
	fflush(stdout);
	smtp_free(s);
	g_bytes_unref(msg);
	return status;
}
