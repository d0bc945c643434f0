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

#include "mime.h"

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

static void
dump_attachment(const struct mail_attachment *a)
{
	char	*sum;

	sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, a->content);
	printf("attachment: %s | %s | %zu | %s\n", a->name, a->type, a->size,
	    sum);
	g_free(sum);
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
	for (i = 0; i < m->attachments->len; i++)
		dump_attachment(g_ptr_array_index(m->attachments, i));
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
