/*
 * mimedump: prints what mime_parse() makes of each mail file, one field
 * per line in a fixed order, so tests/corpus can hold golden .ref files
 * that tests/integration/corpus.t compares with diff.
 *
 * usage: mimedump [-f charset] file...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsn.h"
#include "mime.h"
#include "ticket.h"

static void
dump_field(const char *name, const char *value)
{
	if (value == NULL)
		printf("%s: (none)\n", name);
	else if (*value == '\0')
		printf("%s:\n", name);
	else
		printf("%s: %s\n", name, value);
}

static void
dump_date(GDateTime *date)
{
	char	*iso;

	if (date == NULL) {
		dump_field("date", NULL);
		return;
	}
	iso = g_date_time_format(date, "%Y-%m-%dT%H:%M:%SZ");
	dump_field("date", iso);
	g_free(iso);
}

/* The key that makes two copies one mail; its newlines shown as "\\n". */
static void
dump_dedupe_key(const struct mail *m)
{
	char	*key = ticket_dedupe_key(m, 0);
	char	**parts = g_strsplit(key, "\n", -1);
	char	*shown = g_strjoinv("\\n", parts);

	dump_field("dedupe_key", shown);
	g_free(shown);
	g_strfreev(parts);
	g_free(key);
}

static void
dump_attachment(const struct mail_attachment *a)
{
	char	*sum;

	sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, a->content);
	printf("attachment: %s | %s | %zu | %s\n", a->name, a->type, a->size,
	    sum);
	g_free(sum);
}

/* Only for a DSN, so the .ref of any other mail does not change. */
static void
dump_dsn(const struct mail *m)
{
	const char	*rp = mail_header(m, "return-path");
	char		*sender = rp ? g_strstrip(g_strdelimit(g_strdup(rp),
			    "<>", ' ')) : NULL;
	struct dsn	*d = dsn_parse(m, sender);

	g_free(sender);
	if (d == NULL)
		return;
	printf("dsn: %s | %s | %s\n", d->format, d->reporting_mta,
	    d->original_msgid ? d->original_msgid : "(none)");
	for (guint i = 0; i < d->rcpts->len; i++) {
		const struct dsn_rcpt *r = d->rcpts->pdata[i];

		printf("dsn_rcpt: %s | %s | %s | %s\n", r->rcpt,
		    dsn_action_name(r->action), r->status, r->diagnostic);
	}
	dsn_free(d);
}

static void
dump_mail(const struct mail *m)
{
	guint	 i;
	gsize	 len;

	printf("parsed: %d\n", m->parsed);
	if (!m->parsed)
		dump_field("parse_error", m->parse_error);
	dump_field("message_id", m->message_id);
	dump_field("in_reply_to", m->in_reply_to);
	for (i = 0; i < m->references->len; i++)
		dump_field("reference", g_ptr_array_index(m->references, i));
	dump_field("subject", m->subject);
	dump_field("from_name", m->from_name);
	dump_field("from_addr", m->from_addr);
	dump_field("to", m->to);
	dump_field("cc", m->cc);
	dump_date(m->date);
	dump_field("content_language", m->content_language);
	for (i = 0; i < m->addresses->len; i++)
		dump_field("address", g_ptr_array_index(m->addresses, i));
	dump_dedupe_key(m);
	for (i = 0; i < m->attachments->len; i++)
		dump_attachment(g_ptr_array_index(m->attachments, i));
	dump_dsn(m);
	printf("body:\n%s", m->body);
	len = strlen(m->body);
	if (len > 0 && m->body[len - 1] != '\n')
		putchar('\n');
}

static int
dump_file(const char *path, int banner, const char *fallback)
{
	struct mail	*m;
	GBytes		*raw;
	GError		*error = NULL;
	char		*data;
	gsize		 len;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "mimedump: %s\n", error->message);
		g_error_free(error);
		return -1;
	}
	if (banner)
		printf("==> %s <==\n", path);
	raw = g_bytes_new_take(data, len);
	m = mime_parse(raw, fallback);
	g_bytes_unref(raw);
	dump_mail(m);
	mail_free(m);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mimedump [-f charset] file...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char	*cause, *fallback = NULL;
	int	 ch, i, status = 0;

	mime_init();
	while ((ch = getopt(argc, argv, "f:")) != -1) {
		switch (ch) {
		case 'f':
			if (mime_charset_check(optarg, &cause) == -1) {
				fprintf(stderr, "mimedump: %s\n", cause);
				exit(2);
			}
			fallback = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind == argc)
		usage();
	for (i = optind; i < argc; i++)
		if (dump_file(argv[i], argc - optind > 1, fallback) == -1)
			status = 1;
	return status;
}
