/*
 * fuzz-rules: the rule-file parser (rules.c, with re.c and inifile.c)
 * on any file content, against a fixed configuration, then whatever
 * loads evaluated against a fixed mail with a trace. Every error must
 * read "file:line: message", and a loaded set must evaluate.
 */
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "mime.h"
#include "rules.h"
#include "template.h"

#include <glib/gstdio.h>

#define FUZZ_FILE	"fuzz.rules"

static const char fuzz_conf[] =
    "[ticketd]\ndatabase = /nonexistent/t.db\ntemplates = %s\n"
    "[queue support]\naddress = support@example.com\n"
    "[queue billing]\naddress = billing@example.com\n"
    "[agent somchai]\naddress = somchai@example.com\n";

/* The templates the conf needs, and those the shipped rules name. */
static const char *const fuzz_templates[] = {
	"ack.en.txt", "notify-new.en.txt", "notify-reply.en.txt",
	"notify-note.en.txt", "notify-assign.en.txt", "command-error.en.txt",
	"need-more-info.en.txt", "password-reset.en.txt",
};
static const char fuzz_template[] = "Subject: more\n\nPlease tell us more.\n";

static const char fuzz_mail[] =
    "From: =?UTF-8?B?4Liq4Lih4LiK4Liy4Lii?= <a@bigcustomer.example>\n"
    "To: Support <support@example.com>\nCc: b@example.net\n"
    "Subject: URGENT \xe0\xb8\x94\xe0\xb9\x88\xe0\xb8\xa7\xe0\xb8\x99\n"
    "X-Label: one\nX-Label: two\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "system down \xff aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n";

static struct conf	*conf;
static struct mail	*mail;

/*
 * The conf, with the templates the shipped rules name written to a
 * directory that is gone once they are loaded.
 */
static void
fuzz_init(void)
{
	char		*dir = g_dir_make_tmp("fuzz-rules-XXXXXX", NULL);
	char		*text, *path, *cause = NULL;
	GBytes		*raw;

	FUZZ_REQUIRE(dir != NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(fuzz_templates); i++) {
		path = g_build_filename(dir, fuzz_templates[i], NULL);
		FUZZ_REQUIRE(g_file_set_contents(path, fuzz_template, -1, NULL));
		g_free(path);
	}
	text = g_strdup_printf(fuzz_conf, dir);
	conf = conf_load_buffer("fuzz.conf", text, strlen(text), &cause);
	FUZZ_REQUIRE(conf != NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(fuzz_templates); i++) {
		path = g_build_filename(dir, fuzz_templates[i], NULL);
		g_unlink(path);
		g_free(path);
	}
	g_rmdir(dir);
	g_free(dir);
	g_free(text);
	raw = g_bytes_new_static(fuzz_mail, sizeof(fuzz_mail) - 1);
	mail = mime_parse(raw, NULL);
	g_bytes_unref(raw);
}

/* Every line of cause is "fuzz.rules:N: ..." with N >= 1. */
static void
check_cause(const char *cause)
{
	char	**lines = g_strsplit(cause, "\n", -1);

	FUZZ_REQUIRE(lines[0] != NULL);
	for (char **l = lines; *l != NULL; l++) {
		const char	*p = *l + strlen(FUZZ_FILE ":");

		FUZZ_REQUIRE(g_str_has_prefix(*l, FUZZ_FILE ":"));
		FUZZ_REQUIRE(g_ascii_isdigit(*p) && *p != '0');
		p += strspn(p, "0123456789");
		FUZZ_REQUIRE(g_str_has_prefix(p, ": "));
	}
	g_strfreev(lines);
}

static void
eval(const struct rules *rs, int reply)
{
	struct rules_input	 in = { 0 };
	struct rules_result	 res;
	GPtrArray		*trace = rules_trace_new();
	char			*text;

	in.mail = mail;
	in.sender = reply ? NULL : "a@bigcustomer.example";
	in.queue = "support";
	in.reply = reply;
	in.open_tickets = 3;
	in.language = reply ? NULL : "th";
	in.size = 4096;
	rules_eval(rs, &in, &res, trace);
	FUZZ_REQUIRE(res.fired->len <= rules_count(rs));
	FUZZ_REQUIRE(trace->len == rules_count(rs));
	text = rules_trace_text(trace);
	FUZZ_REQUIRE(g_utf8_validate(text, -1, NULL));
	g_free(text);
	rules_result_clear(&res);
	g_ptr_array_unref(trace);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules	*rs;
	char		*cause = NULL;

	if (conf == NULL)
		fuzz_init();
	rs = rules_load_buffer(FUZZ_FILE, (const char *)data, size, conf,
	    &cause);
	if (rs == NULL) {
		FUZZ_REQUIRE(cause != NULL);
		check_cause(cause);
		g_free(cause);
		return 0;
	}
	FUZZ_REQUIRE(cause == NULL);
	eval(rs, 0);
	eval(rs, 1);
	rules_unref(rs);
	return 0;
}
