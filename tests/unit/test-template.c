/*
 * test-template: loading, checking and rendering mail templates, and
 * guessing a customer's language. Every load error is tested on its own
 * with the exact "file:line:" it must report, since that is all an admin
 * gets to find the mistake. The shipped templates must load and render.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "template.h"

#define SHIPPED_ENV	"TICKETD_TEMPLATES"
#define SHIPPED_DIR	"templates"	/* tests run from the repo root */

static const char *const shipped_names[] = {
	"ack", "password-reset", "need-more-info",
};

static const char *const shipped_langs[] = { "en", "th" };

/*
 * Helpers.
 */

static char *
dir_new(void)
{
	GError	*error = NULL;
	char	*dir;

	dir = g_dir_make_tmp("test-template-XXXXXX", &error);
	g_assert_no_error(error);
	return dir;
}

static void
file_put(const char *dir, const char *name, const char *content)
{
	GError	*error = NULL;
	char	*path = g_build_filename(dir, name, NULL);

	g_file_set_contents(path, content, -1, &error);
	g_assert_no_error(error);
	g_free(path);
}

static void
file_put_len(const char *dir, const char *name, const char *content,
    gssize len)
{
	GError	*error = NULL;
	char	*path = g_build_filename(dir, name, NULL);

	g_file_set_contents(path, content, len, &error);
	g_assert_no_error(error);
	g_free(path);
}

static void
dir_remove(char *dir)
{
	GDir		*d;
	const char	*name;
	char		*path;

	d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		path = g_build_filename(dir, name, NULL);
		g_assert_cmpint(g_remove(path), ==, 0);
		g_free(path);
	}
	g_dir_close(d);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
	g_free(dir);
}

/* A set of one file; it must load. */
static struct template_set *
set_of(char **dir, const char *name, const char *content)
{
	struct template_set	*set;
	char			*cause = NULL;

	*dir = dir_new();
	file_put(*dir, name, content);
	set = template_load(*dir, &cause);
	if (set == NULL)
		g_error("unexpected load error: %s", cause);
	return set;
}

static const char *
header_get(const struct template_output *out, const char *name)
{
	guint	 i;

	for (i = 0; i + 1 < out->headers->len; i += 2)
		if (g_ascii_strcasecmp(out->headers->pdata[i], name) == 0)
			return out->headers->pdata[i + 1];
	return NULL;
}

static void
render_ok(const struct template_set *set, const char *name,
    const char *want, const char *fallback, const struct template_vars *vars,
    struct template_output *out)
{
	char	*cause = NULL;

	g_assert_cmpint(template_render(set, name, want, fallback, vars, out,
	    &cause), ==, 0);
	g_assert_null(cause);
}

static struct template_vars
vars_full(void)
{
	struct template_vars	 v = { { NULL }, { 0 } };

	v.value[TV_TICKET_ID] = "42";
	v.value[TV_TAG] = "[#42]";
	v.value[TV_SUBJECT] = "Printer on fire";
	v.value[TV_REQUESTER_NAME] = "Somchai Jaidee";
	v.value[TV_REQUESTER_ADDRESS] = "somchai@example.com";
	v.value[TV_QUEUE] = "Support";
	v.value[TV_PRIORITY] = "high";
	v.value[TV_RECEIVED] = "2024-03-01 09:30 +07";
	return v;
}

/*
 * Rendering.
 */

static void
test_render_vars(void)
{
	struct template_set	*set;
	struct template_output	 out;
	struct template_vars	 vars = vars_full();
	char			*dir;

	set = set_of(&dir, "ack.en.txt",
	    "Subject: {{tag}} got it: {{subject}}\n"
	    "X-Priority-Label: {{ priority }}\n"
	    "\n"
	    "Dear {{requester_name}} <{{requester_address}}>,\n"
	    "ticket {{ticket_id}} in {{queue}} at {{received}}.\n");
	g_assert_true(template_exists(set, "ack"));
	g_assert_false(template_exists(set, "nack"));
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_cmpstr(out.lang, ==, "en");
	g_assert_cmpuint(out.headers->len, ==, 4);
	g_assert_cmpstr(out.headers->pdata[0], ==, "Subject");
	g_assert_cmpstr(out.headers->pdata[1], ==,
	    "[#42] got it: Printer on fire");
	g_assert_cmpstr(out.headers->pdata[2], ==, "X-Priority-Label");
	g_assert_cmpstr(out.headers->pdata[3], ==, "high");
	g_assert_cmpstr(out.body, ==,
	    "Dear Somchai Jaidee <somchai@example.com>,\n"
	    "ticket 42 in Support at 2024-03-01 09:30 +07.\n");
	template_output_clear(&out);
	g_assert_null(out.body);

	/* NULL values render as nothing. */
	vars.value[TV_REQUESTER_NAME] = NULL;
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_true(g_str_has_prefix(out.body, "Dear  <somchai@"));
	template_output_clear(&out);
	template_set_free(set);
	dir_remove(dir);
}

static void
test_render_sections(void)
{
	struct template_set	*set;
	struct template_output	 out;
	struct template_vars	 vars = vars_full();
	char			*dir;

	set = set_of(&dir, "ack.en.txt",
	    "Subject: {{#after_hours}}[late] {{/after_hours}}{{tag}}\n"
	    "\n"
	    "A{{#after_hours}} closed{{/after_hours}}"
	    "{{^after_hours}} open{{/after_hours}}.\n");

	vars.flag[TF_AFTER_HOURS] = 1;
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_cmpstr(header_get(&out, "Subject"), ==, "[late] [#42]");
	g_assert_cmpstr(out.body, ==, "A closed.\n");
	template_output_clear(&out);

	vars.flag[TF_AFTER_HOURS] = 0;
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_cmpstr(header_get(&out, "Subject"), ==, "[#42]");
	g_assert_cmpstr(out.body, ==, "A open.\n");
	template_output_clear(&out);
	template_set_free(set);
	dir_remove(dir);
}

static void
test_render_standalone(void)
{
	struct template_set	*set;
	struct template_output	 out;
	struct template_vars	 vars = vars_full();
	char			*dir;

	set = set_of(&dir, "ack.en.txt",
	    "Subject: x\n"
	    "\n"
	    "Hello,\n"
	    "\n"
	    "{{#after_hours}}\n"
	    "We are closed.\n"
	    "  {{/after_hours}}  \n"
	    "\t{{^after_hours}}\n"
	    "We are open.\n"
	    "{{/after_hours}}\n"
	    "\n"
	    "{{#after_hours}}inline{{/after_hours}}\n"
	    "Bye {{queue}}\n"
	    "{{#after_hours}}\n"
	    "no newline at the end{{/after_hours}}");

	vars.flag[TF_AFTER_HOURS] = 1;
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_cmpstr(out.body, ==,
	    "Hello,\n"
	    "\n"
	    "We are closed.\n"
	    "\n"
	    "inline\n"
	    "Bye Support\n"
	    "no newline at the end");
	template_output_clear(&out);

	vars.flag[TF_AFTER_HOURS] = 0;
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_cmpstr(out.body, ==,
	    "Hello,\n"
	    "\n"
	    "We are open.\n"
	    "\n"
	    "\n"
	    "Bye Support\n");
	template_output_clear(&out);
	template_set_free(set);
	dir_remove(dir);
}

static void
test_render_language(void)
{
	struct template_set	*set;
	struct template_output	 out;
	char			*dir, *cause = NULL;
	gsize			 i;
	static const struct {
		const char	*want, *fallback, *lang;
	} cases[] = {
		{ "th", "de", "th" },
		{ "TH", NULL, "th" },
		{ "th-TH", NULL, "th" },
		{ "pt", NULL, "pt-br" },
		{ "pt-br", NULL, "pt-br" },
		{ "xx", "de", "de" },
		{ NULL, "de", "de" },
		{ "xx", "yy", "en" },
		{ NULL, NULL, "en" },
		{ "", "", "en" },
	};

	dir = dir_new();
	file_put(dir, "r.de.txt", "Subject: de\n\nde\n");
	file_put(dir, "r.en.txt", "Subject: en\n\nen\n");
	file_put(dir, "r.pt-br.txt", "Subject: pt-br\n\npt-br\n");
	file_put(dir, "r.th.txt", "Subject: th\n\nth\n");
	file_put(dir, "s.vi.txt", "Subject: vi\n\nvi\n");
	file_put(dir, "s.fr.txt", "Subject: fr\n\nfr\n");
	set = template_load(dir, &cause);
	g_assert_null(cause);
	g_assert_nonnull(set);

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		render_ok(set, "r", cases[i].want, cases[i].fallback, NULL,
		    &out);
		g_assert_cmpstr(out.lang, ==, cases[i].lang);
		g_assert_cmpstr(header_get(&out, "Subject"), ==,
		    cases[i].lang);
		template_output_clear(&out);
	}

	/* No wanted, fallback or English variant: the first, sorted. */
	render_ok(set, "s", "th", "de", NULL, &out);
	g_assert_cmpstr(out.lang, ==, "fr");
	template_output_clear(&out);
	render_ok(set, "s", "vi", NULL, NULL, &out);
	g_assert_cmpstr(out.lang, ==, "vi");
	template_output_clear(&out);

	g_assert_cmpint(template_render(set, "nope", "en", NULL, NULL, &out,
	    &cause), ==, -1);
	g_assert_nonnull(cause);
	g_assert_nonnull(strstr(cause, "nope"));
	g_free(cause);
	template_set_free(set);
	dir_remove(dir);
}

static void
test_render_injection(void)
{
	struct template_set	*set;
	struct template_output	 out;
	struct template_vars	 vars = vars_full();
	char			*dir;

	set = set_of(&dir, "ack.en.txt",
	    "Subject: Re: {{subject}}\n"
	    "\n"
	    "[{{subject}}] [{{requester_name}}]\n");
	vars.value[TV_SUBJECT] = "Hi\r\nBcc: evil@x";
	vars.value[TV_REQUESTER_NAME] = "a\nb\tc\x1b[31md\xc2\x85" "e\xe2\x80\xa8" "f";
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_cmpstr(header_get(&out, "Subject"), ==, "Re: Hi Bcc: evil@x");
	g_assert_null(strpbrk(header_get(&out, "Subject"), "\r\n"));
	g_assert_cmpuint(out.headers->len, ==, 2);
	g_assert_cmpstr(out.body, ==, "[Hi Bcc: evil@x] [a b c [31md e f]\n");
	template_output_clear(&out);
	template_set_free(set);
	dir_remove(dir);

	/* The words of a mail keep their lines in the body, never a header. */
	set = set_of(&dir, "ack.en.txt",
	    "Subject: {{text}}\n"
	    "\n"
	    "<{{text}}>\n");
	vars.value[TV_TEXT] = "one\r\ntwo\n\tthree\x1b";
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_cmpstr(header_get(&out, "Subject"), ==, "one two three ");
	g_assert_cmpstr(out.body, ==, "<one \ntwo\n\tthree >\n");
	template_output_clear(&out);

	/* Invalid UTF-8 in a value is repaired, not passed on. */
	vars.value[TV_SUBJECT] = "caf\xe9";
	render_ok(set, "ack", NULL, NULL, &vars, &out);
	g_assert_true(g_utf8_validate(header_get(&out, "Subject"), -1, NULL));
	g_assert_true(g_utf8_validate(out.body, -1, NULL));
	template_output_clear(&out);
	template_set_free(set);
	dir_remove(dir);

	/* Text and history are lines: they break in the body, not in a header. */
	set = set_of(&dir, "notify-new.en.txt", "Subject: {{text}}\n\n"
	    "{{text}}\n--\n{{history}}[{{subject}}]\n");
	vars.value[TV_TEXT] = "My printer is jammed.\nIt blinks red.";
	vars.value[TV_HISTORY] = "  #1  open\n  #2  new\n";
	vars.value[TV_SUBJECT] = "a\nb";
	render_ok(set, "notify-new", NULL, NULL, &vars, &out);
	g_assert_cmpstr(header_get(&out, "Subject"), ==,
	    "My printer is jammed. It blinks red.");
	g_assert_cmpstr(out.body, ==, "My printer is jammed.\nIt blinks red.\n"
	    "--\n  #1  open\n  #2  new\n[a b]\n");
	template_output_clear(&out);
	template_set_free(set);
	dir_remove(dir);
}

static void
test_render_thai(void)
{
	struct template_set	*set;
	struct template_output	 out;
	struct template_vars	 vars = vars_full();
	char			*dir;

	set = set_of(&dir, "ack.th.txt",
	    "Subject: {{tag}} ได้รับเรื่องแล้ว: {{subject}}\n"
	    "\n"
	    "เรียน คุณ {{requester_name}}\n"
	    "{{#after_hours}}\n"
	    "นอกเวลาทำการ\n"
	    "{{/after_hours}}\n"
	    "ขอแสดงความนับถือ\n");
	vars.value[TV_SUBJECT] = "เครื่องพิมพ์เสีย";
	vars.value[TV_REQUESTER_NAME] = "สมชาย ใจดี";
	vars.flag[TF_AFTER_HOURS] = 1;
	render_ok(set, "ack", "th", NULL, &vars, &out);
	g_assert_cmpstr(out.lang, ==, "th");
	g_assert_cmpstr(header_get(&out, "Subject"), ==,
	    "[#42] ได้รับเรื่องแล้ว: เครื่องพิมพ์เสีย");
	g_assert_cmpstr(out.body, ==,
	    "เรียน คุณ สมชาย ใจดี\n"
	    "นอกเวลาทำการ\n"
	    "ขอแสดงความนับถือ\n");
	template_output_clear(&out);
	template_set_free(set);
	dir_remove(dir);
}

/* Windows line ends, odd files and an empty directory. */
static void
test_load_misc(void)
{
	struct template_set	*set;
	struct template_output	 out;
	char			*dir, *sub, *cause = NULL;

	dir = dir_new();
	set = template_load(dir, &cause);
	g_assert_nonnull(set);
	g_assert_false(template_exists(set, "ack"));
	template_set_free(set);

	file_put(dir, "ack.en.txt", "Subject: a\r\n\r\nline\r\n");
	file_put(dir, "README", "not a template");
	file_put(dir, ".hidden.txt", "{{ broken");
	file_put(dir, "ack.en.txt~", "{{ broken");
	sub = g_build_filename(dir, "sub.en.txt", NULL);
	g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
	set = template_load(dir, &cause);
	g_assert_null(cause);
	g_assert_nonnull(set);
	g_assert_false(template_exists(set, "sub"));
	render_ok(set, "ack", NULL, NULL, NULL, &out);
	g_assert_cmpstr(header_get(&out, "Subject"), ==, "a");
	g_assert_cmpstr(out.body, ==, "line\n");
	template_output_clear(&out);
	template_set_free(set);
	g_assert_cmpint(g_rmdir(sub), ==, 0);
	g_free(sub);
	dir_remove(dir);

	g_assert_null(template_load("/nonexistent/templates", &cause));
	g_assert_nonnull(cause);
	g_assert_true(g_str_has_prefix(cause, "/nonexistent/templates: "));
	g_free(cause);
}

/*
 * Errors: each must name the file and line, and refuse the whole set.
 */

static void
error_case(const char *file, const char *content, gssize len,
    int line, const char *message)
{
	char	*dir, *cause = NULL, *want, *path;

	dir = dir_new();
	file_put(dir, "good.en.txt", "Subject: fine\n\nfine\n");
	file_put_len(dir, file, content, len);
	g_assert_null(template_load(dir, &cause));
	g_assert_nonnull(cause);
	path = g_build_filename(dir, file, NULL);
	if (line > 0)
		want = g_strdup_printf("%s:%d: %s", path, line, message);
	else
		want = g_strdup_printf("%s: %s", path, message);
	if (!g_str_has_prefix(cause, want))
		g_error("want \"%s...\", got \"%s\"", want, cause);
	/* One mistake, one message. */
	g_assert_null(strchr(cause, '\n'));
	g_free(want);
	g_free(path);
	g_free(cause);
	dir_remove(dir);
}

static void
test_error_unknown_variable(void)
{
	error_case("a.en.txt", "Subject: x\n\nhi\n{{ticket}}\n", -1, 4,
	    "unknown variable \"ticket\"");
	error_case("a.en.txt", "Subject: {{nope}}\n\nhi\n", -1, 1,
	    "unknown variable \"nope\"");
}

static void
test_error_unknown_section(void)
{
	error_case("a.en.txt", "Subject: x\n\n{{#weekend}}\nx\n{{/weekend}}\n",
	    -1, 3, "unknown section \"weekend\"");
}

static void
test_error_unclosed_section(void)
{
	error_case("a.en.txt", "Subject: x\n\nhi\n{{^after_hours}}\nx\n", -1,
	    4, "unclosed section {{^after_hours}}");
	error_case("a.en.txt", "Subject: {{#after_hours}}x\n\nhi\n", -1, 1,
	    "unclosed section {{#after_hours}}");
}

static void
test_error_mismatched_close(void)
{
	error_case("a.en.txt",
	    "Subject: x\n\n{{#after_hours}}\nx\n{{/before_hours}}\n", -1, 5,
	    "mismatched close: {{/before_hours}} closes {{#after_hours}} "
	    "of line 3");
	error_case("a.en.txt", "Subject: x\n\nx\n{{/after_hours}}\n", -1, 4,
	    "{{/after_hours}} closes no open section");
}

static void
test_error_unterminated_tag(void)
{
	error_case("a.en.txt", "Subject: x\n\nok\nDear {{requester_name\n",
	    -1, 4, "\"{{\" without \"}}\"");
	/* Tags do not run over lines. */
	error_case("a.en.txt", "Subject: x\n\nDear {{requester_name\n}}\n",
	    -1, 3, "\"{{\" without \"}}\"");
}

static void
test_error_missing_blank_line(void)
{
	error_case("a.en.txt", "Subject: x\nDear customer,\nhello\n", -1, 2,
	    "missing blank line after headers");
	error_case("a.en.txt", "Subject: x\nX-A: y", -1, 2,
	    "missing blank line after headers");
}

static void
test_error_missing_subject(void)
{
	error_case("a.en.txt", "X-Note: x\n\nbody\n", -1, 1,
	    "missing Subject header");
	error_case("a.en.txt", "\nbody\n", -1, 1, "missing Subject header");
}

static void
test_error_empty_file(void)
{
	error_case("a.en.txt", "", 0, 1, "empty file");
}

static void
test_error_invalid_utf8(void)
{
	error_case("a.en.txt", "Subject: x\n\nok\ncaf\xe9\n", -1, 4,
	    "invalid UTF-8");
	error_case("a.th.txt", "Subject: x\n\n\xe0\xb8\n", -1, 3,
	    "invalid UTF-8");
	error_case("a.en.txt", "Subject: x\n\nnul\0here\n",
	    sizeof "Subject: x\n\nnul\0here\n" - 1, 3, "invalid UTF-8");
}

static void
test_error_variable_in_header_name(void)
{
	error_case("a.en.txt", "Subject: x\nX-{{tag}}: y\n\nbody\n", -1, 2,
	    "variables are not allowed in header names");
}

static void
test_error_continuation(void)
{
	error_case("a.en.txt", "Subject: x\n  more subject\n\nbody\n", -1, 2,
	    "continuation lines are not allowed");
}

static void
test_error_reserved_header(void)
{
	static const char *const names[] = {
		"From", "to", "Cc", "BCC", "Message-ID", "In-Reply-To",
		"References", "Date", "Auto-Submitted", "MIME-Version",
		"Content-Type", "content-transfer-encoding", "Return-Path",
		"Received", "Reply-To",
	};
	char	*content, *message;
	gsize	 i;

	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		content = g_strdup_printf("Subject: x\n%s: y\n\nbody\n",
		    names[i]);
		message = g_strdup_printf("header %s is set by ticketd",
		    names[i]);
		error_case("a.en.txt", content, -1, 2, message);
		g_free(content);
		g_free(message);
	}
}

static void
test_error_bad_header(void)
{
	error_case("a.en.txt", "Subject: x\nsubject: y\n\nbody\n", -1, 2,
	    "duplicate header subject");
	error_case("a.en.txt", "Subject: x\nDear you: y\n\nbody\n", -1, 2,
	    "invalid header name \"Dear you\"");
	error_case("a.en.txt", "Subject: x\n\nbell\a\n", -1, 3,
	    "control character 0x07");
}

static void
test_error_file_name(void)
{
	static const char *const names[] = {
		"ack.txt", "Ack.en.txt", "ack.EN.txt", "ack.english.txt",
		"ack.e.txt", "ack.pt-b.txt", "ack.pt_br.txt", "a b.en.txt",
		"ack..txt", "ack.en.x.txt",
	};
	gsize	 i;

	for (i = 0; i < G_N_ELEMENTS(names); i++)
		error_case(names[i], "Subject: x\n\nbody\n", -1, 0,
		    "name must be NAME.LANG.txt");
}

/* All errors of all files, in file order, in one go. */
static void
test_error_all_collected(void)
{
	char	*dir, *cause = NULL, **lines;

	dir = dir_new();
	file_put(dir, "a.en.txt", "Subject: {{x}}\nFrom: me\n\n{{y}}\n");
	file_put(dir, "b.th.txt", "");
	file_put(dir, "c.en.txt", "Subject: fine\n\nfine\n");
	g_assert_null(template_load(dir, &cause));
	g_assert_nonnull(cause);
	lines = g_strsplit(cause, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 4);
	g_assert_nonnull(strstr(lines[0], "a.en.txt:1: unknown variable"));
	g_assert_nonnull(strstr(lines[1], "a.en.txt:2: header From"));
	g_assert_nonnull(strstr(lines[2], "a.en.txt:4: unknown variable"));
	g_assert_nonnull(strstr(lines[3], "b.th.txt:1: empty file"));
	g_strfreev(lines);
	g_free(cause);
	dir_remove(dir);
}

/*
 * The templates we ship.
 */

static const char *
shipped_dir(void)
{
	const char	*dir = g_getenv(SHIPPED_ENV);

	return dir != NULL ? dir : SHIPPED_DIR;
}

static void
shipped_check(const struct template_output *out,
    const struct template_vars *vars)
{
	const char	*subject = header_get(out, "Subject");
	guint		 i;

	g_assert_nonnull(subject);
	g_assert_nonnull(strstr(subject, vars->value[TV_TAG]));
	for (i = 1; i < out->headers->len; i += 2)
		g_assert_null(strstr(out->headers->pdata[i], "{{"));
	g_assert_true(g_utf8_validate(out->body, -1, NULL));
	g_assert_null(strstr(out->body, "{{"));
	g_assert_null(strstr(out->body, "}}"));
	g_assert_null(strstr(out->body, "\n\n\n"));
	g_assert_nonnull(strstr(out->body, vars->value[TV_REQUESTER_NAME]));
	g_assert_nonnull(strstr(out->body, vars->value[TV_QUEUE]));
	g_assert_true(g_str_has_suffix(out->body, "\n"));
}

static void
test_shipped(void)
{
	struct template_set	*set;
	struct template_output	 out, late;
	struct template_vars	 vars = vars_full();
	char			*cause = NULL;
	gsize			 i, j;

	set = template_load(shipped_dir(), &cause);
	if (set == NULL)
		g_error("%s: %s", shipped_dir(), cause);
	vars.value[TV_SUBJECT] = "เครื่องพิมพ์เสีย";
	vars.value[TV_REQUESTER_NAME] = "สมชาย ใจดี";
	for (i = 0; i < G_N_ELEMENTS(shipped_names); i++) {
		for (j = 0; j < G_N_ELEMENTS(shipped_langs); j++) {
			vars.flag[TF_AFTER_HOURS] = 0;
			render_ok(set, shipped_names[i], shipped_langs[j],
			    NULL, &vars, &out);
			g_assert_cmpstr(out.lang, ==, shipped_langs[j]);
			shipped_check(&out, &vars);
			vars.flag[TF_AFTER_HOURS] = 1;
			render_ok(set, shipped_names[i], shipped_langs[j],
			    NULL, &vars, &late);
			shipped_check(&late, &vars);
			template_output_clear(&out);
			template_output_clear(&late);
		}
	}
	template_set_free(set);
}

/* The acknowledgement carries all the ticket facts, in both languages. */
static void
test_shipped_ack(void)
{
	struct template_set	*set;
	struct template_output	 out, late;
	struct template_vars	 vars = vars_full();
	char			*cause = NULL;
	gsize			 j;

	set = template_load(shipped_dir(), &cause);
	g_assert_nonnull(set);
	for (j = 0; j < G_N_ELEMENTS(shipped_langs); j++) {
		vars.flag[TF_AFTER_HOURS] = 0;
		render_ok(set, "ack", shipped_langs[j], NULL, &vars, &out);
		vars.flag[TF_AFTER_HOURS] = 1;
		render_ok(set, "ack", shipped_langs[j], NULL, &vars, &late);
		g_assert_nonnull(strstr(header_get(&out, "Subject"),
		    vars.value[TV_SUBJECT]));
		g_assert_nonnull(strstr(out.body, vars.value[TV_TICKET_ID]));
		g_assert_nonnull(strstr(out.body, vars.value[TV_TAG]));
		g_assert_nonnull(strstr(out.body, vars.value[TV_SUBJECT]));
		g_assert_nonnull(strstr(out.body, vars.value[TV_RECEIVED]));
		g_assert_cmpstr(out.body, !=, late.body);
		template_output_clear(&out);
		template_output_clear(&late);
	}
	render_ok(set, "ack", "th", NULL, &vars, &late);
	g_assert_nonnull(strstr(late.body, "นอกเวลาทำการ"));
	template_output_clear(&late);
	template_set_free(set);
}

/*
 * Language detection.
 */

static void
test_detect_language(void)
{
	static const struct {
		const char	*header, *text, *lang;
	} cases[] = {
		{ NULL, "สวัสดีครับ เครื่องพิมพ์ใช้งานไม่ได้ ช่วยด้วยครับ", "th" },
		{ NULL, "Hello, my printer model XP-200 says สวัสดี", NULL },
		{ NULL, "Hi team,\n\nกรุณาช่วยตรวจสอบบัญชีของผมด้วยครับ "
		    "ขอบคุณครับ\n\nSent from my iPhone", "th" },
		{ NULL, "プリンターが動きません。確認してください。", "ja" },
		{ NULL, "打印机坏了，请帮忙检查一下。", "zh" },
		{ NULL, "프린터가 작동하지 않습니다.", "ko" },
		{ NULL, "Принтер не работает, помогите пожалуйста.", "ru" },
		{ NULL, "My printer is broken, please help.", NULL },
		{ NULL, "", NULL },
		{ NULL, "1234 !!! ???", NULL },
		{ NULL, NULL, NULL },
		{ "th-TH, en", "Hello there", "th" },
		{ "EN-us", "สวัสดีครับ เครื่องพิมพ์เสีย", "en" },
		{ " de ", NULL, "de" },
		{ "pt-BR;q=0.9", NULL, "pt" },
		{ "x-klingon", "สวัสดีครับ เครื่องพิมพ์เสีย", "th" },
		{ "x-klingon", "Hello", NULL },
		{ "", "สวัสดีครับ", "th" },
	};
	GString		*big;
	gsize		 i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpstr(template_detect_language(cases[i].header,
		    cases[i].text), ==, cases[i].lang);

	/* The text after the first 4 KB does not count. */
	big = g_string_new(NULL);
	while (big->len < 8192)
		g_string_append(big, "plain English text ");
	g_string_append(big, "สวัสดีครับ สวัสดีครับ สวัสดีครับ");
	g_assert_null(template_detect_language(NULL, big->str));
	g_string_free(big, TRUE);

	/* Invalid bytes do not stop it. */
	g_assert_cmpstr(template_detect_language(NULL,
	    "\xff\xfe สวัสดีครับ \xc0"), ==, "th");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/template/render/vars", test_render_vars);
	g_test_add_func("/template/render/sections", test_render_sections);
	g_test_add_func("/template/render/standalone", test_render_standalone);
	g_test_add_func("/template/render/language", test_render_language);
	g_test_add_func("/template/render/injection", test_render_injection);
	g_test_add_func("/template/render/thai", test_render_thai);
	g_test_add_func("/template/load/misc", test_load_misc);
	g_test_add_func("/template/error/unknown-variable",
	    test_error_unknown_variable);
	g_test_add_func("/template/error/unknown-section",
	    test_error_unknown_section);
	g_test_add_func("/template/error/unclosed-section",
	    test_error_unclosed_section);
	g_test_add_func("/template/error/mismatched-close",
	    test_error_mismatched_close);
	g_test_add_func("/template/error/unterminated-tag",
	    test_error_unterminated_tag);
	g_test_add_func("/template/error/missing-blank-line",
	    test_error_missing_blank_line);
	g_test_add_func("/template/error/missing-subject",
	    test_error_missing_subject);
	g_test_add_func("/template/error/empty-file", test_error_empty_file);
	g_test_add_func("/template/error/invalid-utf8",
	    test_error_invalid_utf8);
	g_test_add_func("/template/error/variable-in-header-name",
	    test_error_variable_in_header_name);
	g_test_add_func("/template/error/continuation",
	    test_error_continuation);
	g_test_add_func("/template/error/reserved-header",
	    test_error_reserved_header);
	g_test_add_func("/template/error/bad-header", test_error_bad_header);
	g_test_add_func("/template/error/file-name", test_error_file_name);
	g_test_add_func("/template/error/all-collected",
	    test_error_all_collected);
	g_test_add_func("/template/shipped/all", test_shipped);
	g_test_add_func("/template/shipped/ack", test_shipped_ack);
	g_test_add_func("/template/detect-language", test_detect_language);
	return g_test_run();
}
