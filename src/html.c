/*
 * html: renders HTML mail as plain text for agents and rules, with
 * libxml2's forgiving HTML parser. The text keeps what a reader needs:
 * paragraphs, list items, table cells and where links point. Scripts,
 * styles and the head are dropped.
 *
 * The renderer writes words into a GString and decides about the
 * whitespace between them itself, so that the source's indentation
 * never shows while <pre> keeps its layout. Quoted text (<blockquote>)
 * comes out as a plain-text client writes it, "> " before each line,
 * so that quote.c can tell a reply from what it answers.
 */
#include <limits.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "html.h"

#define HTML_PARSE_FLAGS	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | \
	HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC)

struct render {
	GString	*out;
	int	 space;		/* whitespace seen since the last word */
	int	 pre;		/* inside <pre> */
	int	 lists;		/* depth of <ul> and <ol> */
	int	 bullet;	/* a "- " waits for its item's text */
};

enum html_kind {
	HTML_INLINE,
	HTML_DROP,	/* not text: script, style, the head */
	HTML_LINE,	/* starts and ends a line */
	HTML_PARA,	/* stands apart with a blank line */
	HTML_BR,
	HTML_ITEM,
	HTML_CELL,
	HTML_LIST,
	HTML_PRE,
	HTML_LINK,
	HTML_QUOTE,
};

static const struct {
	const char	*name;
	enum html_kind	 kind;
} html_elements[] = {
	{ "script", HTML_DROP },
	{ "style", HTML_DROP },
	{ "head", HTML_DROP },
	{ "title", HTML_DROP },
	{ "template", HTML_DROP },
	{ "br", HTML_BR },
	{ "li", HTML_ITEM },
	{ "td", HTML_CELL },
	{ "th", HTML_CELL },
	{ "ul", HTML_LIST },
	{ "ol", HTML_LIST },
	{ "pre", HTML_PRE },
	{ "a", HTML_LINK },
	{ "p", HTML_PARA },
	{ "h1", HTML_PARA },
	{ "h2", HTML_PARA },
	{ "h3", HTML_PARA },
	{ "h4", HTML_PARA },
	{ "h5", HTML_PARA },
	{ "h6", HTML_PARA },
	{ "table", HTML_PARA },
	{ "blockquote", HTML_QUOTE },
	{ "hr", HTML_PARA },
	{ "div", HTML_LINE },
	{ "tr", HTML_LINE },
	{ "dl", HTML_LINE },
	{ "dt", HTML_LINE },
	{ "dd", HTML_LINE },
	{ "address", HTML_LINE },
	{ "article", HTML_LINE },
	{ "aside", HTML_LINE },
	{ "caption", HTML_LINE },
	{ "center", HTML_LINE },
	{ "footer", HTML_LINE },
	{ "form", HTML_LINE },
	{ "header", HTML_LINE },
	{ "main", HTML_LINE },
	{ "nav", HTML_LINE },
	{ "section", HTML_LINE },
};

static void	render_children(struct render *, xmlNode *);

static enum html_kind
html_kind(const xmlChar *name)
{
	gsize	 i;

	for (i = 0; i < G_N_ELEMENTS(html_elements); i++)
		if (g_ascii_strcasecmp((const char *)name,
		    html_elements[i].name) == 0)
			return html_elements[i].kind;
	return HTML_INLINE;
}

static int
render_trailing_newlines(struct render *r)
{
	gsize	 n = 0;

	while (n < 2 && n < r->out->len &&
	    r->out->str[r->out->len - 1 - n] == '\n')
		n++;
	return n;
}

static int
render_at_line_start(struct render *r)
{
	return r->out->len == 0 || r->out->str[r->out->len - 1] == '\n';
}

/* The line being written is "--" alone. */
static int
render_at_dashes(struct render *r)
{
	gsize	 len = r->out->len;

	return len >= 2 && strcmp(r->out->str + len - 2, "--") == 0 &&
	    (len == 2 || r->out->str[len - 3] == '\n');
}

/*
 * A line ends: drop the blanks it ended with, except the one of a "-- "
 * line, the signature separator (RFC 3676, 4.3) that Gmail writes too.
 */
static void
render_newline(struct render *r)
{
	int	 blank = r->space;

	while (r->out->len > 0 && (r->out->str[r->out->len - 1] == ' ' ||
	    r->out->str[r->out->len - 1] == '\t')) {
		g_string_truncate(r->out, r->out->len - 1);
		blank = 1;
	}
	if (blank && render_at_dashes(r))
		g_string_append_c(r->out, ' ');
	if (render_trailing_newlines(r) < 2)
		g_string_append_c(r->out, '\n');
	r->space = 0;
}

/* Make sure the output ends in at least n newlines (1 or 2). */
static void
render_break(struct render *r, int n)
{
	/* "<li><p>text" keeps the text on the bullet's line. */
	if (r->bullet || r->out->len == 0)
		return;
	while (render_trailing_newlines(r) < n)
		render_newline(r);
	r->space = 0;
}

static int
render_is_space(gunichar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == 0x00a0;
}

static void
render_pre_text(struct render *r, const char *text)
{
	for (; *text != '\0'; text++) {
		if (*text == '\r')
			continue;
		if (*text == '\n')
			render_newline(r);
		else
			g_string_append_c(r->out, *text);
	}
	r->bullet = 0;
}

static void
render_text(struct render *r, const char *text)
{
	const char	*p;
	gunichar	 c;

	if (r->pre) {
		render_pre_text(r, text);
		return;
	}
	for (p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		c = g_utf8_get_char(p);
		if (render_is_space(c)) {
			r->space = 1;
			continue;
		}
		if (r->space && !render_at_line_start(r) &&
		    r->out->str[r->out->len - 1] != ' ' &&
		    r->out->str[r->out->len - 1] != '\t')
			g_string_append_c(r->out, ' ');
		r->space = 0;
		r->bullet = 0;
		g_string_append_unichar(r->out, c);
	}
}

static void
render_item(struct render *r, xmlNode *node)
{
	int	 i;

	r->bullet = 0;
	render_break(r, 1);
	for (i = 1; i < r->lists; i++)
		g_string_append(r->out, "  ");
	g_string_append(r->out, "- ");
	r->bullet = 1;
	r->space = 0;
	render_children(r, node);
	r->bullet = 0;
	render_break(r, 1);
}

static void
render_cell(struct render *r, xmlNode *node)
{
	if (!render_at_line_start(r))
		g_string_append_c(r->out, '\t');
	r->space = 0;
	render_children(r, node);
}

/* "http://example.com/" and "example.com" name the same place. */
static const char *
link_core(const char *s, gsize *len)
{
	if (g_ascii_strncasecmp(s, "http://", 7) == 0)
		s += 7;
	else if (g_ascii_strncasecmp(s, "https://", 8) == 0)
		s += 8;
	*len = strlen(s);
	while (*len > 0 && s[*len - 1] == '/')
		(*len)--;
	return s;
}

static int
link_shows_target(const char *text, const char *href)
{
	const char	*t, *h;
	gsize		 tlen, hlen;

	if (*href == '\0' || *href == '#' ||
	    g_ascii_strncasecmp(href, "mailto:", 7) == 0 ||
	    g_ascii_strncasecmp(href, "javascript:", 11) == 0)
		return 0;
	t = link_core(text, &tlen);
	h = link_core(href, &hlen);
	return tlen != hlen || strncmp(t, h, tlen) != 0;
}

static void
render_link(struct render *r, xmlNode *node)
{
	xmlChar	*prop;
	char	*href, *text, *target;
	gsize	 start = r->out->len;

	render_children(r, node);
	/* A line break in the link drops blanks written before it. */
	start = MIN(start, r->out->len);
	if ((prop = xmlGetProp(node, (const xmlChar *)"href")) == NULL)
		return;
	href = g_strstrip(g_strdup((const char *)prop));
	xmlFree(prop);
	text = g_strstrip(g_strndup(r->out->str + start, r->out->len - start));
	if (link_shows_target(text, href)) {
		target = g_strdup_printf(" <%s>", href);
		render_text(r, target);
		g_free(target);
	}
	g_free(text);
	g_free(href);
}

/*
 * Put "> " before each line written since start, ">" alone before an
 * empty one; a quote inside a quote gets its second ">" the same way.
 * The newlines that end the quote stay outside it.
 */
static void
render_quote_lines(struct render *r, gsize start)
{
	GString		*quoted = g_string_new(NULL);
	const char	*p, *end, *nl;
	gsize		 newlines = 0;

	end = r->out->str + r->out->len;
	while (end > r->out->str + start && end[-1] == '\n') {
		end--;
		newlines++;
	}
	for (p = r->out->str + start; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		g_string_append(quoted, nl == p ? ">" : "> ");
		g_string_append_len(quoted, p, nl - p);
		if (nl < end)
			g_string_append_c(quoted, '\n');
	}
	g_string_truncate(r->out, start);
	g_string_append_len(r->out, quoted->str, quoted->len);
	while (newlines-- > 0)
		g_string_append_c(r->out, '\n');
	g_string_free(quoted, TRUE);
}

static void
render_quote(struct render *r, xmlNode *node)
{
	int	 lines = r->lists == 0 ? 2 : 1;
	gsize	 start;

	render_break(r, lines);
	start = r->out->len;
	render_children(r, node);
	render_break(r, lines);
	/* A line break at once drops the blank of a bullet's "- ". */
	render_quote_lines(r, MIN(start, r->out->len));
}

static void
render_element(struct render *r, xmlNode *node)
{
	enum html_kind	 kind = html_kind(node->name);
	int		 lines;

	switch (kind) {
	case HTML_DROP:
		return;
	case HTML_INLINE:
		render_children(r, node);
		return;
	case HTML_BR:
		r->bullet = 0;
		render_newline(r);
		return;
	case HTML_ITEM:
		render_item(r, node);
		return;
	case HTML_CELL:
		render_cell(r, node);
		return;
	case HTML_LINK:
		render_link(r, node);
		return;
	case HTML_QUOTE:
		render_quote(r, node);
		return;
	case HTML_LIST:
		/* A list inside an item is part of that item. */
		render_break(r, r->lists > 0 ? 1 : 2);
		r->lists++;
		render_children(r, node);
		r->lists--;
		render_break(r, r->lists > 0 ? 1 : 2);
		return;
	case HTML_PRE:
		render_break(r, 2);
		r->pre++;
		render_children(r, node);
		r->pre--;
		render_break(r, 2);
		return;
	case HTML_LINE:
	case HTML_PARA:
		/* Paragraphs inside a list item would tear the list apart. */
		lines = kind == HTML_PARA && r->lists == 0 ? 2 : 1;
		render_break(r, lines);
		render_children(r, node);
		render_break(r, lines);
		return;
	}
}

static void
render_children(struct render *r, xmlNode *node)
{
	xmlNode	*child;

	for (child = node->children; child != NULL; child = child->next) {
		switch (child->type) {
		case XML_ELEMENT_NODE:
			render_element(r, child);
			break;
		case XML_TEXT_NODE:
			if (child->content != NULL)
				render_text(r, (const char *)child->content);
			break;
		default:
			/* Comments, processing instructions: not text. */
			break;
		}
	}
}

static gpointer
html_init_once(gpointer unused)
{
	xmlInitParser();
	return NULL;
}

char *
html_to_text(const char *html, gsize len)
{
	static GOnce	 init = G_ONCE_INIT;
	struct render	 r = { 0 };
	htmlDocPtr	 doc;
	xmlNode		*root;
	char		*valid = NULL;

	g_once(&init, html_init_once, NULL);
	/* libxml2 would switch to Latin-1 on the first bad byte. */
	if (!g_utf8_validate_len(html, len, NULL)) {
		html = valid = g_utf8_make_valid(html, len);
		len = strlen(valid);
	}
	len = MIN(len, (gsize)INT_MAX);

	r.out = g_string_new(NULL);
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", HTML_PARSE_FLAGS);
	if (doc != NULL && (root = xmlDocGetRootElement(doc)) != NULL)
		render_element(&r, root);
	if (doc != NULL)
		xmlFreeDoc(doc);
	g_free(valid);
	return g_strstrip(g_string_free(r.out, FALSE));
}
