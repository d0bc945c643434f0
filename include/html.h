/*
 * html: renders HTML as readable plain text with libxml2's HTML parser.
 * This is the only file that includes libxml2.
 */
#ifndef HTML_H
#define HTML_H

#include <glib.h>

/*
 * Render len octets of UTF-8 HTML as text: scripts, styles and the head
 * are dropped, block elements break lines, whitespace is collapsed and
 * links keep their target. Returns a g_malloc'd UTF-8 string, never NULL.
 */
char	*html_to_text(const char *html, gsize len);

#endif
