/*
 * fuzz-mime: what ingest makes of any mail. mime_parse() and the fields
 * it derives, then the pure steps ingest and reply take on them: the
 * subject tag and reply prefixes, our signed Message-IDs in the
 * threading headers, the language guess, the auto-reply suppression,
 * and the acknowledgement built from the customer's own fields.
 *
 * It checks what mime.h promises (every string valid UTF-8 without NUL,
 * raw kept whole) and that no customer field adds a header to the mail
 * we build in answer.
 */
#include <string.h>

#include "fuzz.h"
#include "conf.h"
#include "mime.h"
#include "reply.h"
#include "template.h"
#include "thread.h"
#include "ticket.h"

int	LLVMFuzzerInitialize(int *, char ***);

static const char fuzz_conf[] =
	"[ticketd]\n"
	"database = /nonexistent/ticketd-fuzz.db\n"
	"hostname = helpdesk.example.com\n"
	"[queue support]\n"
	"address = support@example.com\n";

static struct conf	*conf;
static guint8		 key[THREAD_KEY_LEN];

/* What the built acknowledgement may carry, and nothing else. */
static const char *const built_headers[] = {
	"from", "to", "subject", "message-id", "in-reply-to", "references",
	"date", "mime-version", "content-type", "content-transfer-encoding",
	"auto-submitted", "x-ticketd-loop", NULL
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*cause = NULL;

	mime_init();
	conf = conf_load_buffer("fuzz.conf", fuzz_conf, sizeof fuzz_conf - 1,
	    &cause);
	FUZZ_REQUIRE(conf != NULL);
	memset(key, 0x5a, sizeof key);
	return 0;
}

static void
check_text(const char *s)
{
	FUZZ_REQUIRE(s == NULL || g_utf8_validate(s, -1, NULL));
}

static void
check_list(GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++)
		check_text(list->pdata[i]);
}

/* mime.h: valid UTF-8 everywhere, the raw bytes kept as they came. */
static void
check_mail(const struct mail *m, const uint8_t *data, size_t size)
{
	GHashTableIter	 it;
	gpointer	 k, v;
	gsize		 len;
	const void	*raw = g_bytes_get_data(m->raw, &len);

	FUZZ_REQUIRE(len == size);
	FUZZ_REQUIRE(size == 0 || memcmp(raw, data, size) == 0);
	FUZZ_REQUIRE(m->parsed || m->parse_error != NULL);
	check_text(m->message_id);
	check_text(m->in_reply_to);
	check_list(m->references);
	check_text(m->subject);
	check_text(m->from_name);
	check_text(m->from_addr);
	check_text(m->to);
	check_text(m->cc);
	check_text(m->content_language);
	check_text(m->body);
	for (guint i = 0; i < m->attachments->len; i++) {
		struct mail_attachment *a = m->attachments->pdata[i];

		check_text(a->name);
		check_text(a->type);
		FUZZ_REQUIRE(a->size == g_bytes_get_size(a->content));
	}
	g_hash_table_iter_init(&it, m->headers);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		check_text(k);
		check_text(v);
	}
}

/* What the ticket policy and the ticket it creates look at. */
static void
derive(const struct mail *m)
{
	gint64	 id;
	char	*s;

	s = ticket_dedupe_key(m, 0);
	FUZZ_REQUIRE(*s != '\0');
	g_free(s);
	for (guint i = 0; i < m->addresses->len; i++)
		check_text(m->addresses->pdata[i]);

	if (m->in_reply_to != NULL)
		thread_msgid_verify(key, m->in_reply_to, &id);
	for (guint i = 0; i < m->references->len; i++)
		thread_msgid_verify(key, m->references->pdata[i], &id);
	thread_tag_find(conf->subject_tag, m->subject, &id);
	s = thread_subject_strip(m->subject);
	check_text(s);
	g_free(s);
	template_detect_language(m->content_language, m->body);
	mail_header(m, "return-path");
}

/* An answer built from the customer's fields has only our headers. */
static void
answer(const struct mail *m)
{
	struct mime_draft	 d = { 0 };
	struct mail		*built;
	GPtrArray		*refs = g_ptr_array_new();
	char			*subject, *msgid, *stripped;
	GHashTableIter		 it;
	gpointer		 name;

	if (reply_suppress_reason(conf, m, m->from_addr) != NULL)
		return;
	for (guint i = 0; i < m->references->len; i++)
		g_ptr_array_add(refs, m->references->pdata[i]);
	if (m->message_id != NULL)
		g_ptr_array_add(refs, m->message_id);
	stripped = thread_subject_strip(m->subject);
	subject = g_strdup_printf("[#42] Request received: %s", stripped);
	msgid = thread_msgid_make(key, 42, conf->hostname);
	d.from_name = "Support";
	d.from_addr = "support@example.com";
	d.to_name = m->from_name;
	d.to_addr = m->from_addr;
	d.subject = subject;
	d.message_id = msgid;
	d.in_reply_to = m->message_id;
	d.references = refs;
	d.body = m->body;
	d.date = 0;
	built = mime_build(&d);
	check_mail(built, g_bytes_get_data(built->raw, NULL),
	    g_bytes_get_size(built->raw));
	g_hash_table_iter_init(&it, built->headers);
	while (g_hash_table_iter_next(&it, &name, NULL))
		FUZZ_REQUIRE(g_strv_contains(built_headers, name));
	mail_free(built);
	g_free(msgid);
	g_free(subject);
	g_free(stripped);
	g_ptr_array_free(refs, TRUE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GBytes		*raw = g_bytes_new(data, size);
	struct mail	*m = mime_parse(raw, conf->fallback_charset);

	g_bytes_unref(raw);
	check_mail(m, data, size);
	derive(m);
	answer(m);
	mail_free(m);
	return 0;
}
