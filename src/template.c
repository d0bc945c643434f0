/*
 * template: the admin-edited mail templates. Every NAME.LANG.txt in one
 * directory is compiled once, at load, into a tree of literal text,
 * variables and sections; rendering only walks that tree, so it cannot
 * fail on a template that loaded.
 *
 * Loading collects every error of every file, each as "file:line: msg",
 * so that "ticketd -n" shows the admin all mistakes in one run, and it
 * returns nothing when there is any: a reload then keeps the old set.
 *
 * Variable values come from customers (subject, display name). They are
 * flattened to one line before they are substituted, in the body as in
 * the headers, so a subject cannot smuggle in a header of its own.
 */
#include <stdarg.h>
#include <string.h>

#include "template.h"

#define TAG_OPEN	"{{"
#define TAG_CLOSE	"}}"
#define DETECT_BYTES	4096	/* enough text to tell its script */
#define DETECT_SHARE	5	/* a script needs 1/5 of the letters */
#define DETECT_KANA	20	/* kana in 1/20 of the letters: not Chinese */

static const char *const var_names[TV_COUNT] = {
	[TV_TICKET_ID] = "ticket_id",
	[TV_TAG] = "tag",
	[TV_SUBJECT] = "subject",
	[TV_REQUESTER_NAME] = "requester_name",
	[TV_REQUESTER_ADDRESS] = "requester_address",
	[TV_QUEUE] = "queue",
	[TV_PRIORITY] = "priority",
	[TV_RECEIVED] = "received",
	[TV_STATUS] = "status",
	[TV_TAGS] = "tags",
	[TV_ASSIGNEE] = "assignee",
	[TV_TEXT] = "text",
	[TV_HISTORY] = "history",
	[TV_AGENT] = "agent",
	[TV_ERROR] = "error",
	[TV_REPLY_BY] = "reply_by",
	[TV_CSAT_1] = "csat_1",
	[TV_CSAT_2] = "csat_2",
	[TV_CSAT_3] = "csat_3",
	[TV_CSAT_4] = "csat_4",
	[TV_CSAT_5] = "csat_5",
};

static const char *const flag_names[TF_COUNT] = {
	[TF_AFTER_HOURS] = "after_hours",
	[TF_HISTORY] = "history",
	[TF_ASSIGNED] = "assigned",
	[TF_REPLY_BY] = "reply_by",
};

/*
 * Headers the mail builder sets itself. A template that set them too
 * would fight it over addressing and threading, or lie about the body.
 */
static const char *const reserved_headers[] = {
	"From", "To", "Cc", "Bcc", "Sender", "Reply-To", "Message-ID",
	"In-Reply-To", "References", "Date", "Auto-Submitted", "MIME-Version",
	"Return-Path", "Received",
};
static const char *const reserved_prefixes[] = { "Content-", "Resent-" };

/* Languages we can name; template_detect_language() returns these. */
static const char *const languages[] = {
	"ar", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he",
	"hi", "hu", "id", "it", "ja", "km", "ko", "lo", "ms", "my", "nb",
	"nl", "no", "pl", "pt", "ro", "ru", "sv", "th", "tl", "tr", "uk",
	"vi", "zh",
};

enum node_kind {
	NODE_TEXT,
	NODE_VAR,
	NODE_SECTION,
};

struct node {
	enum node_kind		 kind;
	char			*text;		/* NODE_TEXT */
	enum template_var	 var;		/* NODE_VAR */
	enum template_flag	 flag;		/* NODE_SECTION */
	int			 inverted;	/* {{^flag}}: when unset */
	GPtrArray		*children;	/* NODE_SECTION: struct node * */
	char			*name;		/* NODE_SECTION: to match close */
	int			 line;		/* NODE_SECTION: for "unclosed" */
};

struct header {
	char		*name;
	GPtrArray	*value;		/* struct node * */
};

struct variant {
	char		*lang;
	GPtrArray	*headers;	/* struct header * */
	GPtrArray	*body;		/* struct node * */
};

struct template_set {
	GHashTable	*templates;	/* name: GPtrArray of struct variant * */
};

/* One file being compiled. Errors go to a list shared by all files. */
struct parse {
	char		*file;		/* as errors name it */
	GString		*errors;
	int		 line;		/* the line being read, from 1 */
};

enum token_kind {
	TOK_TEXT,
	TOK_VAR,		/* {{name}} */
	TOK_OPEN,		/* {{#name}} */
	TOK_INVERTED,		/* {{^name}} */
	TOK_CLOSE,		/* {{/name}} */
};

/* A piece of one line; s points into the line, not NUL-terminated. */
struct token {
	enum token_kind	 kind;
	const char	*s;
	gsize		 len;		/* TOK_TEXT: text; tags: the name */
};

/* Puts tokens into a node tree, keeping the sections still open. */
struct builder {
	struct parse	*p;
	GPtrArray	*root;		/* struct node * */
	GPtrArray	*open;		/* struct node *, innermost last */
};

static void	 parse_error(struct parse *, int, const char *, ...)
		    G_GNUC_PRINTF(3, 4);

static void
parse_error(struct parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;

	if (p->errors->len > 0)
		g_string_append_c(p->errors, '\n');
	g_string_append_printf(p->errors, "%s:%d: ", p->file, line);
	va_start(ap, fmt);
	g_string_append_vprintf(p->errors, fmt, ap);
	va_end(ap);
}

/*
 * The compiled form.
 */

static void
node_free(gpointer data)
{
	struct node	*n = data;

	g_free(n->text);
	g_free(n->name);
	if (n->children != NULL)
		g_ptr_array_unref(n->children);
	g_free(n);
}

static GPtrArray *
node_list_new(void)
{
	return g_ptr_array_new_with_free_func(node_free);
}

static void
header_free(gpointer data)
{
	struct header	*h = data;

	g_free(h->name);
	g_ptr_array_unref(h->value);
	g_free(h);
}

static void
variant_free(gpointer data)
{
	struct variant	*v = data;

	g_free(v->lang);
	g_ptr_array_unref(v->headers);
	if (v->body != NULL)
		g_ptr_array_unref(v->body);
	g_free(v);
}

static int
variant_compare(gconstpointer a, gconstpointer b)
{
	const struct variant	*va = *(struct variant *const *)a;
	const struct variant	*vb = *(struct variant *const *)b;

	return strcmp(va->lang, vb->lang);
}

static int
lookup_name(const char *const *names, int count, const char *s, gsize len)
{
	int	 i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			return i;
	return -1;
}

/*
 * Tokens.
 */

static void
token_add(GArray *tokens, enum token_kind kind, const char *s, gsize len)
{
	struct token	 t = { kind, s, len };

	g_array_append_val(tokens, t);
}

/* s..s+len is what stands between the braces: "#name", " name " ... */
static void
token_add_tag(GArray *tokens, const char *s, gsize len)
{
	enum token_kind	 kind = TOK_VAR;

	while (len > 0 && g_ascii_isspace(*s))
		s++, len--;
	if (len > 0) {
		switch (*s) {
		case '#':
			kind = TOK_OPEN;
			break;
		case '^':
			kind = TOK_INVERTED;
			break;
		case '/':
			kind = TOK_CLOSE;
			break;
		}
		if (kind != TOK_VAR)
			s++, len--;
	}
	while (len > 0 && g_ascii_isspace(*s))
		s++, len--;
	while (len > 0 && g_ascii_isspace(s[len - 1]))
		len--;
	token_add(tokens, kind, s, len);
}

/*
 * Split one line into text and tags. Tags do not span lines. After a
 * "{{" without "}}" the rest of the line stays text, so that one slip
 * gives one message.
 */
static void
tokenize(struct parse *p, const char *line, GArray *tokens)
{
	const char	*s = line, *open, *close;

	g_array_set_size(tokens, 0);
	while ((open = strstr(s, TAG_OPEN)) != NULL) {
		close = strstr(open + strlen(TAG_OPEN), TAG_CLOSE);
		if (close == NULL) {
			parse_error(p, p->line, "\"%s\" without \"%s\"",
			    TAG_OPEN, TAG_CLOSE);
			break;
		}
		if (open > s)
			token_add(tokens, TOK_TEXT, s, open - s);
		open += strlen(TAG_OPEN);
		token_add_tag(tokens, open, close - open);
		s = close + strlen(TAG_CLOSE);
	}
	if (*s != '\0')
		token_add(tokens, TOK_TEXT, s, strlen(s));
}

static int
blank(const char *s, gsize len)
{
	gsize	 i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * A line holding nothing but one section tag and blanks is left out of
 * the output altogether, like a mustache standalone tag; otherwise every
 * {{#flag}} line would leave an empty line behind.
 */
static int
standalone(GArray *tokens)
{
	struct token	*t;
	guint		 i, tags = 0;

	for (i = 0; i < tokens->len; i++) {
		t = &g_array_index(tokens, struct token, i);
		switch (t->kind) {
		case TOK_TEXT:
			if (!blank(t->s, t->len))
				return 0;
			break;
		case TOK_VAR:
			return 0;
		case TOK_OPEN:
		case TOK_INVERTED:
		case TOK_CLOSE:
			tags++;
			break;
		}
	}
	return tags == 1;
}

/*
 * Building the tree.
 */

static void
builder_init(struct builder *b, struct parse *p)
{
	b->p = p;
	b->root = node_list_new();
	b->open = g_ptr_array_new();
}

static GPtrArray *
builder_current(struct builder *b)
{
	struct node	*section;

	if (b->open->len == 0)
		return b->root;
	section = b->open->pdata[b->open->len - 1];
	return section->children;
}

/* Adjacent text becomes one node, so rendering appends fewer pieces. */
static void
builder_text(struct builder *b, const char *s, gsize len)
{
	GPtrArray	*list = builder_current(b);
	struct node	*last, *n;
	char		*joined;

	last = list->len > 0 ? list->pdata[list->len - 1] : NULL;
	if (last != NULL && last->kind == NODE_TEXT) {
		joined = g_strdup_printf("%s%.*s", last->text, (int)len, s);
		g_free(last->text);
		last->text = joined;
		return;
	}
	n = g_new0(struct node, 1);
	n->kind = NODE_TEXT;
	n->text = g_strndup(s, len);
	g_ptr_array_add(list, n);
}

static void
builder_var(struct builder *b, const struct token *t)
{
	struct node	*n;
	int		 var;

	var = lookup_name(var_names, TV_COUNT, t->s, t->len);
	if (var == -1) {
		parse_error(b->p, b->p->line, "unknown variable \"%.*s\"",
		    (int)t->len, t->s);
		return;
	}
	n = g_new0(struct node, 1);
	n->kind = NODE_VAR;
	n->var = var;
	g_ptr_array_add(builder_current(b), n);
}

/* An unknown section is still opened, so its close does not mismatch. */
static void
builder_open(struct builder *b, const struct token *t)
{
	struct node	*n;
	int		 flag;

	flag = lookup_name(flag_names, TF_COUNT, t->s, t->len);
	if (flag == -1)
		parse_error(b->p, b->p->line, "unknown section \"%.*s\"",
		    (int)t->len, t->s);
	n = g_new0(struct node, 1);
	n->kind = NODE_SECTION;
	n->flag = flag == -1 ? TF_COUNT : flag;
	n->inverted = t->kind == TOK_INVERTED;
	n->children = node_list_new();
	n->name = g_strndup(t->s, t->len);
	n->line = b->p->line;
	g_ptr_array_add(builder_current(b), n);
	g_ptr_array_add(b->open, n);
}

static void
builder_close(struct builder *b, const struct token *t)
{
	struct node	*n;

	if (b->open->len == 0) {
		parse_error(b->p, b->p->line, "{{/%.*s}} closes no open "
		    "section", (int)t->len, t->s);
		return;
	}
	n = g_ptr_array_remove_index(b->open, b->open->len - 1);
	if (strlen(n->name) != t->len || strncmp(n->name, t->s, t->len) != 0)
		parse_error(b->p, b->p->line, "mismatched close: {{/%.*s}} "
		    "closes {{%c%s}} of line %d", (int)t->len, t->s,
		    n->inverted ? '^' : '#', n->name, n->line);
}

static void
builder_add(struct builder *b, const struct token *t)
{
	switch (t->kind) {
	case TOK_TEXT:
		builder_text(b, t->s, t->len);
		break;
	case TOK_VAR:
		builder_var(b, t);
		break;
	case TOK_OPEN:
	case TOK_INVERTED:
		builder_open(b, t);
		break;
	case TOK_CLOSE:
		builder_close(b, t);
		break;
	}
}

static void
builder_add_all(struct builder *b, GArray *tokens)
{
	guint	 i;

	for (i = 0; i < tokens->len; i++)
		builder_add(b, &g_array_index(tokens, struct token, i));
}

/* The finished tree; sections left open are errors. */
static GPtrArray *
builder_finish(struct builder *b)
{
	struct node	*n;
	guint		 i;

	for (i = 0; i < b->open->len; i++) {
		n = b->open->pdata[i];
		parse_error(b->p, n->line, "unclosed section {{%c%s}}",
		    n->inverted ? '^' : '#', n->name);
	}
	g_ptr_array_unref(b->open);
	return b->root;
}

/*
 * Headers.
 */

/* RFC 5322 field-name: printable US-ASCII except the colon. */
static int
header_name_valid(const char *s, gsize len)
{
	gsize	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 33 || s[i] > 126 || s[i] == ':')
			return 0;
	return 1;
}

static int
header_reserved(const char *name)
{
	gsize	 i, n;

	for (i = 0; i < G_N_ELEMENTS(reserved_headers); i++)
		if (g_ascii_strcasecmp(name, reserved_headers[i]) == 0)
			return 1;
	for (i = 0; i < G_N_ELEMENTS(reserved_prefixes); i++) {
		n = strlen(reserved_prefixes[i]);
		if (g_ascii_strncasecmp(name, reserved_prefixes[i], n) == 0)
			return 1;
	}
	return 0;
}

static struct header *
header_find(GPtrArray *headers, const char *name)
{
	struct header	*h;
	guint		 i;

	for (i = 0; i < headers->len; i++) {
		h = headers->pdata[i];
		if (g_ascii_strcasecmp(h->name, name) == 0)
			return h;
	}
	return NULL;
}

/* The value is a line of its own: its sections must close on it. */
static GPtrArray *
header_value_compile(struct parse *p, const char *value, GArray *tokens)
{
	struct builder	 b;

	while (*value == ' ' || *value == '\t')
		value++;
	builder_init(&b, p);
	tokenize(p, value, tokens);
	builder_add_all(&b, tokens);
	return builder_finish(&b);
}

/* Checks the name; false when it cannot be a header at all. */
static int
header_name_check(struct parse *p, const char *line, const char *colon,
    GPtrArray *headers)
{
	const char	*brace = strstr(line, TAG_OPEN);
	char		*name = g_strndup(line, colon - line);
	int		 ok = 0;

	if (brace != NULL && brace < colon)
		parse_error(p, p->line, "variables are not allowed in header "
		    "names");
	else if (!header_name_valid(line, colon - line))
		parse_error(p, p->line, "invalid header name \"%s\" (missing "
		    "blank line after headers?)", name);
	else if (header_reserved(name))
		parse_error(p, p->line, "header %s is set by ticketd and not "
		    "allowed in templates", name);
	else if (header_find(headers, name) != NULL)
		parse_error(p, p->line, "duplicate header %s", name);
	else
		ok = 1;
	g_free(name);
	return ok;
}

/*
 * One header line. Returns -1 when the line is no header at all, which
 * means the body has begun without the blank line before it.
 */
static int
header_line(struct parse *p, const char *line, GPtrArray *headers,
    GArray *tokens)
{
	const char	*colon;
	struct header	*h;

	if (*line == ' ' || *line == '\t') {
		parse_error(p, p->line, "continuation lines are not allowed: "
		    "write each header on one line");
		return 0;
	}
	if ((colon = strchr(line, ':')) == NULL) {
		parse_error(p, p->line, "missing blank line after headers");
		return -1;
	}
	if (!header_name_check(p, line, colon, headers))
		return 0;
	h = g_new0(struct header, 1);
	h->name = g_strndup(line, colon - line);
	h->value = header_value_compile(p, colon + 1, tokens);
	g_ptr_array_add(headers, h);
	return 0;
}

/*
 * Files.
 */

/* NAME.LANG.txt: NAME [a-z0-9_-]+, LANG "th" or "pt-br". */
static int
lang_valid(const char *s)
{
	gsize	 n, r;

	for (n = 0; g_ascii_islower(s[n]); n++)
		;
	if (n < 2 || n > 3)
		return 0;
	if (s[n] == '\0')
		return 1;
	if (s[n] != '-')
		return 0;
	s += n + 1;
	for (r = 0; g_ascii_islower(s[r]) || g_ascii_isdigit(s[r]); r++)
		;
	return r >= 2 && r <= 8 && s[r] == '\0';
}

static int
name_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) &&
		    *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int
file_name_split(const char *file, char **name, char **lang)
{
	char	*base, *dot;

	base = g_strndup(file, strlen(file) - strlen(".txt"));
	if ((dot = strrchr(base, '.')) == NULL) {
		g_free(base);
		return -1;
	}
	*dot = '\0';
	if (!name_valid(base) || !lang_valid(dot + 1)) {
		g_free(base);
		return -1;
	}
	*lang = g_strdup(dot + 1);
	*name = base;
	return 0;
}

/* Bytes an editor would not show; a lone CR or an escape is a slip. */
static void
line_check(struct parse *p, const char *line)
{
	const unsigned char	*s;

	for (s = (const unsigned char *)line; *s != '\0'; s++) {
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f) {
			parse_error(p, p->line, "control character 0x%02x",
			    *s);
			return;
		}
	}
}

/*
 * The lines of the file, each without its line end. *last_nl tells
 * whether the last one had a newline. Windows line ends are accepted.
 */
static char **
file_lines(const char *content, int *last_nl)
{
	char	**lines;
	guint	 n, i;
	gsize	 len;

	lines = g_strsplit(content, "\n", -1);
	n = g_strv_length(lines);
	*last_nl = n > 1 && lines[n - 1][0] == '\0';
	if (*last_nl) {
		g_free(lines[n - 1]);
		lines[n - 1] = NULL;
	}
	for (i = 0; lines[i] != NULL; i++) {
		len = strlen(lines[i]);
		if (len > 0 && lines[i][len - 1] == '\r')
			lines[i][len - 1] = '\0';
	}
	return lines;
}

/*
 * The header block up to its blank line. Returns the index of the first
 * body line, or -1 when there is no body to read. Trailing blanks go:
 * they are invisible, and a line of blanks looks empty to the admin.
 */
static int
file_headers(struct parse *p, char **lines, GPtrArray *headers,
    GArray *tokens)
{
	int	 i;

	for (i = 0; lines[i] != NULL; i++) {
		p->line = i + 1;
		if (g_strchomp(lines[i])[0] == '\0')
			break;
		line_check(p, lines[i]);
		if (header_line(p, lines[i], headers, tokens) == -1)
			return -1;
	}
	if (lines[i] == NULL) {
		parse_error(p, i, "missing blank line after headers");
		return -1;
	}
	if (header_find(headers, "Subject") == NULL)
		parse_error(p, 1, "missing Subject header");
	return i + 1;
}

static GPtrArray *
file_body(struct parse *p, char **lines, int first, int last_nl,
    GArray *tokens)
{
	struct builder	 b;
	struct token	*t;
	int		 i, nl;
	guint		 j;

	builder_init(&b, p);
	for (i = first; lines[i] != NULL; i++) {
		p->line = i + 1;
		nl = lines[i + 1] != NULL || last_nl;
		line_check(p, lines[i]);
		tokenize(p, lines[i], tokens);
		if (!standalone(tokens)) {
			builder_add_all(&b, tokens);
			if (nl)
				builder_text(&b, "\n", 1);
			continue;
		}
		for (j = 0; j < tokens->len; j++) {
			t = &g_array_index(tokens, struct token, j);
			if (t->kind != TOK_TEXT)
				builder_add(&b, t);
		}
	}
	return builder_finish(&b);
}

/* Where g_utf8_validate() stopped, as a line number. */
static int
line_of(const char *content, const char *at)
{
	const char	*s;
	int		 line = 1;

	for (s = content; s < at; s++)
		if (*s == '\n')
			line++;
	return line;
}

static struct variant *
file_compile(struct parse *p, const char *content, gsize len)
{
	struct variant	*v;
	GArray		*tokens;
	const char	*bad;
	char		**lines;
	int		 body, last_nl;

	if (len == 0) {
		parse_error(p, 1, "empty file");
		return NULL;
	}
	/* This also refuses NUL bytes, which would cut the text short. */
	if (!g_utf8_validate(content, len, &bad)) {
		parse_error(p, line_of(content, bad), "invalid UTF-8 "
		    "(templates must be UTF-8)");
		return NULL;
	}
	v = g_new0(struct variant, 1);
	v->headers = g_ptr_array_new_with_free_func(header_free);
	tokens = g_array_new(FALSE, FALSE, sizeof(struct token));
	lines = file_lines(content, &last_nl);
	if ((body = file_headers(p, lines, v->headers, tokens)) != -1)
		v->body = file_body(p, lines, body, last_nl, tokens);
	g_strfreev(lines);
	g_array_unref(tokens);
	return v;
}

static void
set_add(struct template_set *set, char *name, struct variant *v)
{
	GPtrArray	*variants;

	variants = g_hash_table_lookup(set->templates, name);
	if (variants == NULL) {
		variants = g_ptr_array_new_with_free_func(variant_free);
		g_hash_table_insert(set->templates, g_strdup(name), variants);
	}
	g_ptr_array_add(variants, v);
}

/* Compile one file's content into set; errors go to p. */
static void
file_add(struct template_set *set, struct parse *p, const char *file,
    const char *content, gsize len)
{
	struct variant	*v;
	char		*name, *lang;

	if (file_name_split(file, &name, &lang) == -1) {
		g_string_append_printf(p->errors, "%s%s: name must be "
		    "NAME.LANG.txt", p->errors->len > 0 ? "\n" : "", p->file);
		return;
	}
	if ((v = file_compile(p, content, len)) != NULL) {
		v->lang = lang;
		lang = NULL;
		set_add(set, name, v);
	}
	g_free(name);
	g_free(lang);
}

static void
file_load(struct template_set *set, struct parse *p, const char *path,
    const char *file)
{
	GError		*error = NULL;
	char		*content;
	gsize		 len;

	if (!g_file_get_contents(path, &content, &len, &error)) {
		g_string_append_printf(p->errors, "%s%s",
		    p->errors->len > 0 ? "\n" : "", error->message);
		g_error_free(error);
		return;
	}
	file_add(set, p, file, content, len);
	g_free(content);
}

/* Hidden files and editor droppings ("ack.en.txt~") are not ours. */
static int
file_wanted(const char *path, const char *file)
{
	if (file[0] == '.' || !g_str_has_suffix(file, ".txt"))
		return 0;
	return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

static int
file_compare(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, so that errors come in the same order on every run. */
static GPtrArray *
dir_files(const char *dir, char **cause)
{
	GPtrArray	*files;
	GError		*error = NULL;
	GDir		*d;
	const char	*file;

	if ((d = g_dir_open(dir, 0, &error)) == NULL) {
		*cause = g_strdup_printf("%s: %s", dir, error->message);
		g_error_free(error);
		return NULL;
	}
	files = g_ptr_array_new_with_free_func(g_free);
	while ((file = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(files, g_strdup(file));
	g_dir_close(d);
	g_ptr_array_sort(files, file_compare);
	return files;
}

static void
set_sort(struct template_set *set)
{
	GHashTableIter	 iter;
	gpointer	 variants;

	g_hash_table_iter_init(&iter, set->templates);
	while (g_hash_table_iter_next(&iter, NULL, &variants))
		g_ptr_array_sort(variants, variant_compare);
}

static struct template_set *
set_new(struct parse *p)
{
	struct template_set	*set = g_new0(struct template_set, 1);

	set->templates = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, (GDestroyNotify)g_ptr_array_unref);
	p->errors = g_string_new(NULL);
	return set;
}

/* The set when p collected no error, else NULL and *cause. */
static struct template_set *
set_finish(struct template_set *set, struct parse *p, char **cause)
{
	if (p->errors->len > 0) {
		*cause = g_string_free(p->errors, FALSE);
		template_set_free(set);
		return NULL;
	}
	g_string_free(p->errors, TRUE);
	set_sort(set);
	return set;
}

struct template_set *
template_load(const char *dir, char **cause)
{
	struct template_set	*set;
	struct parse		 p;
	GPtrArray		*files;
	char			*path;
	guint			 i;

	if ((files = dir_files(dir, cause)) == NULL)
		return NULL;
	set = set_new(&p);
	for (i = 0; i < files->len; i++) {
		path = g_build_filename(dir, files->pdata[i], NULL);
		if (file_wanted(path, files->pdata[i])) {
			p.file = g_filename_display_name(path);
			p.line = 0;
			file_load(set, &p, path, files->pdata[i]);
			g_free(p.file);
		}
		g_free(path);
	}
	g_ptr_array_unref(files);
	return set_finish(set, &p, cause);
}

struct template_set *
template_parse(const char *file, const char *content, gsize len, char **cause)
{
	struct template_set	*set;
	struct parse		 p;
	char			*text = g_malloc(len + 1);

	/* The compiler reads lines as C strings, as g_file_get_contents gives. */
	memcpy(text, content, len);
	text[len] = '\0';
	set = set_new(&p);
	p.file = (char *)file;
	p.line = 0;
	file_add(set, &p, file, text, len);
	g_free(text);
	return set_finish(set, &p, cause);
}

void
template_set_free(struct template_set *set)
{
	if (set == NULL)
		return;
	g_hash_table_unref(set->templates);
	g_free(set);
}

int
template_exists(const struct template_set *set, const char *name)
{
	return g_hash_table_contains(set->templates, name);
}

/*
 * Rendering.
 */

/* "pt-br" -> length of "pt". */
static gsize
primary_len(const char *tag)
{
	return strcspn(tag, "-_");
}

/* Exact tag first, then a variant of the same primary language. */
static struct variant *
variant_find(GPtrArray *variants, const char *want)
{
	struct variant	*v;
	gsize		 n;
	guint		 i;

	if (want == NULL || *want == '\0')
		return NULL;
	for (i = 0; i < variants->len; i++) {
		v = variants->pdata[i];
		if (g_ascii_strcasecmp(v->lang, want) == 0)
			return v;
	}
	n = primary_len(want);
	for (i = 0; i < variants->len; i++) {
		v = variants->pdata[i];
		if (primary_len(v->lang) == n &&
		    g_ascii_strncasecmp(v->lang, want, n) == 0)
			return v;
	}
	return NULL;
}

static struct variant *
variant_choose(GPtrArray *variants, const char *want, const char *fallback)
{
	struct variant	*v;

	if ((v = variant_find(variants, want)) != NULL)
		return v;
	if ((v = variant_find(variants, fallback)) != NULL)
		return v;
	if ((v = variant_find(variants, "en")) != NULL)
		return v;
	return variants->pdata[0];
}

/* Values that are lines of text: they keep their line breaks in a body. */
static int
value_lines(enum template_var var)
{
	return var == TV_TEXT || var == TV_HISTORY || var == TV_ERROR;
}

/*
 * Values are single-line data: controls (CR, LF, tab, C1) and the
 * Unicode line separators become one space per run, or in a header they
 * would start a header of the customer's choosing. Only the words of a
 * mail, and lists (value_lines), keep line breaks and tabs, and only in
 * the body.
 */
static void
value_append(GString *out, const char *value, int lines)
{
	const char	*s;
	char		*valid;
	gunichar	 c;
	int		 in_run = 0;

	valid = g_utf8_make_valid(value, -1);
	for (s = valid; *s != '\0'; s = g_utf8_next_char(s)) {
		c = g_utf8_get_char(s);
		if (lines && (c == '\n' || c == '\t')) {
			g_string_append_c(out, c);
			in_run = 0;
			continue;
		}
		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029) {
			if (!in_run)
				g_string_append_c(out, ' ');
			in_run = 1;
			continue;
		}
		in_run = 0;
		g_string_append_len(out, s, g_utf8_next_char(s) - s);
	}
	g_free(valid);
}

static void
nodes_render(GPtrArray *nodes, const struct template_vars *vars, int body,
    GString *out)
{
	struct node	*n;
	guint		 i;

	for (i = 0; i < nodes->len; i++) {
		n = nodes->pdata[i];
		switch (n->kind) {
		case NODE_TEXT:
			g_string_append(out, n->text);
			break;
		case NODE_VAR:
			if (vars->value[n->var] != NULL)
				value_append(out, vars->value[n->var],
				    body && value_lines(n->var));
			break;
		case NODE_SECTION:
			if ((vars->flag[n->flag] != 0) != n->inverted)
				nodes_render(n->children, vars, body, out);
			break;
		}
	}
}

static char *
render_string(GPtrArray *nodes, const struct template_vars *vars, int body)
{
	GString	*out = g_string_new(NULL);

	nodes_render(nodes, vars, body, out);
	return g_string_free(out, FALSE);
}

const char *
template_language(const struct template_set *set, const char *name,
    const char *want, const char *fallback)
{
	GPtrArray	*variants = g_hash_table_lookup(set->templates, name);

	return variants == NULL ? NULL :
	    variant_choose(variants, want, fallback)->lang;
}

int
template_render(const struct template_set *set, const char *name,
    const char *want, const char *fallback, const struct template_vars *vars,
    struct template_output *out, char **cause)
{
	static const struct template_vars	 none;
	GPtrArray				*variants;
	struct variant				*v;
	struct header				*h;
	guint					 i;

	memset(out, 0, sizeof *out);
	variants = g_hash_table_lookup(set->templates, name);
	if (variants == NULL) {
		*cause = g_strdup_printf("no template \"%s\"", name);
		return -1;
	}
	if (vars == NULL)
		vars = &none;
	v = variant_choose(variants, want, fallback);
	out->lang = g_strdup(v->lang);
	out->headers = g_ptr_array_new_with_free_func(g_free);
	for (i = 0; i < v->headers->len; i++) {
		h = v->headers->pdata[i];
		g_ptr_array_add(out->headers, g_strdup(h->name));
		g_ptr_array_add(out->headers, render_string(h->value, vars, 0));
	}
	out->body = render_string(v->body, vars, 1);
	return 0;
}

void
template_output_clear(struct template_output *out)
{
	g_free(out->lang);
	if (out->headers != NULL)
		g_ptr_array_unref(out->headers);
	g_free(out->body);
	memset(out, 0, sizeof *out);
}

/*
 * Language detection.
 */

static const char *
language_known(const char *s, gsize len)
{
	gsize	 i;

	for (i = 0; i < G_N_ELEMENTS(languages); i++)
		if (strlen(languages[i]) == len &&
		    g_ascii_strncasecmp(languages[i], s, len) == 0)
			return languages[i];
	return NULL;
}

/* "th-TH, en;q=0.5": the primary subtag of the first entry. */
static const char *
language_from_header(const char *content_language)
{
	const char	*s = content_language;
	gsize		 n;

	while (g_ascii_isspace(*s))
		s++;
	for (n = 0; g_ascii_isalpha(s[n]); n++)
		;
	if (n == 0)
		return NULL;
	return language_known(s, n);
}

struct script_count {
	guint	 letters, thai, kana, hangul, han, cyrillic;
};

static void
script_count(const char *text, struct script_count *sc)
{
	const char	*s = text, *end;
	gunichar	 c;

	end = s + strnlen(text, DETECT_BYTES);
	while (s < end) {
		c = g_utf8_get_char_validated(s, end - s);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			s++;	/* a stray byte, or a character cut at the end */
			continue;
		}
		s = g_utf8_next_char(s);
		/* Thai vowel signs and tone marks are marks, not letters. */
		if (!g_unichar_isalpha(c) && !g_unichar_ismark(c))
			continue;
		sc->letters++;
		switch (g_unichar_get_script(c)) {
		case G_UNICODE_SCRIPT_THAI:
			sc->thai++;
			break;
		case G_UNICODE_SCRIPT_HIRAGANA:
		case G_UNICODE_SCRIPT_KATAKANA:
			sc->kana++;
			break;
		case G_UNICODE_SCRIPT_HANGUL:
			sc->hangul++;
			break;
		case G_UNICODE_SCRIPT_HAN:
			sc->han++;
			break;
		case G_UNICODE_SCRIPT_CYRILLIC:
			sc->cyrillic++;
			break;
		default:
			break;
		}
	}
}

static void
script_consider(const char *lang, guint count, const char **best,
    guint *best_count)
{
	if (count > *best_count) {
		*best = lang;
		*best_count = count;
	}
}

/*
 * Japanese writes kanji (Han) between its kana, so Han counts for
 * Japanese once kana show up; Han alone is Chinese. A script must hold
 * a fair share of the letters: a Latin mail that quotes a Thai name is
 * still not Thai.
 */
static const char *
language_from_script(const char *text)
{
	struct script_count	 sc = { 0 };
	const char		*best = NULL;
	guint			 best_count = 0;
	int			 japanese;

	script_count(text, &sc);
	japanese = sc.kana > 0 && sc.kana * DETECT_KANA >= sc.letters;
	script_consider("th", sc.thai, &best, &best_count);
	script_consider("ko", sc.hangul, &best, &best_count);
	script_consider("ru", sc.cyrillic, &best, &best_count);
	if (japanese)
		script_consider("ja", sc.kana + sc.han, &best, &best_count);
	else
		script_consider("zh", sc.han, &best, &best_count);
	if (best == NULL || best_count * DETECT_SHARE < sc.letters)
		return NULL;
	return best;
}

/* A header that names no language we know is as good as none. */
const char *
template_detect_language(const char *content_language, const char *text)
{
	const char	*lang;

	if (content_language != NULL &&
	    (lang = language_from_header(content_language)) != NULL)
		return lang;
	if (text == NULL)
		return NULL;
	return language_from_script(text);
}
