/*
 * mime: the gmime wrapper. It turns the raw bytes of a message into a
 * struct mail of plain UTF-8 strings: the headers ticketd looks at, one
 * readable body and the attachments.
 *
 * Mail in the wild lies about its charsets or does not name them, so
 * every piece of text goes through text_to_utf8(): the labelled charset
 * first, then UTF-8, then a guess (windows-874 for text that looks Thai,
 * else the configured fallback), and g_utf8_make_valid() as last resort.
 */
#include <errno.h>
#include <string.h>

#include <gmime/gmime.h>

#include "html.h"
#include "log.h"
#include "mime.h"

#define MIME_REPLACEMENT	"\357\277\275"	/* U+FFFD */
#define MIME_THAI_CHARSET	"windows-874"
#define MIME_DEFAULT_FALLBACK	"windows-1252"

/*
 * The parser options and the fallback charset can be replaced on reload
 * while other threads parse, hence the lock.
 */
static GRWLock			 mime_lock;
static GMimeParserOptions	*mime_options;
static char			*mime_fallback;

static void
mime_apply_fallback(const char *iconv_name)
{
	const char	*charsets[] = { "utf-8", iconv_name, NULL };

	g_free(mime_fallback);
	mime_fallback = g_strdup(iconv_name);
	g_mime_parser_options_set_fallback_charsets(mime_options, charsets);
}

void
mime_init(void)
{
	static gsize	 done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		mime_options = g_mime_parser_options_new();
		mime_apply_fallback(MIME_DEFAULT_FALLBACK);
		g_once_init_leave(&done, 1);
	}
}

static int
charset_known(const char *iconv_name)
{
	GIConv	 cd;

	cd = g_iconv_open("UTF-8", iconv_name);
	if (cd == (GIConv)-1)
		return 0;
	g_iconv_close(cd);
	return 1;
}

int
mime_set_fallback_charset(const char *charset, char **cause)
{
	const char	*name;

	mime_init();
	name = g_mime_charset_iconv_name(charset);
	if (name == NULL || !charset_known(name)) {
		*cause = g_strdup_printf("unknown charset: %s", charset);
		return -1;
	}
	g_rw_lock_writer_lock(&mime_lock);
	mime_apply_fallback(name);
	g_rw_lock_writer_unlock(&mime_lock);
	return 0;
}

/*
 * Charset repair.
 */

/*
 * Strict conversion: NULL when the charset is unknown or the bytes do
 * not fit it, so that the caller can try something else.
 */
static GString *
convert_strict(const char *data, gsize len, const char *charset)
{
	GString	*out;
	char	*s;
	gsize	 written;

	s = g_convert(data, len, "UTF-8", g_mime_charset_iconv_name(charset),
	    NULL, &written, NULL);
	if (s == NULL)
		return NULL;
	out = g_string_new_len(s, written);
	g_free(s);
	return out;
}

/*
 * Lossy conversion: undefined bytes (0x81 in windows-1252, say) become
 * U+FFFD instead of failing the whole text.
 */
static GString *
convert_lossy(const char *data, gsize len, const char *charset, gsize *bad)
{
	GIConv	 cd;
	GString	*out;
	char	 buf[4096], *in = (char *)data, *o;
	gsize	 inleft = len, oleft;

	*bad = 0;

	cd = g_iconv_open("UTF-8", g_mime_charset_iconv_name(charset));
	if (cd == (GIConv)-1)
		return NULL;
	out = g_string_sized_new(len + len / 2 + 1);
	while (inleft > 0) {
		o = buf;
		oleft = sizeof(buf);
		if (g_iconv(cd, &in, &inleft, &o, &oleft) == (gsize)-1 &&
		    errno != E2BIG) {
			g_string_append_len(out, buf, o - buf);
			g_string_append(out, MIME_REPLACEMENT);
			(*bad)++;
			in++;
			inleft--;
			continue;
		}
		g_string_append_len(out, buf, o - buf);
	}
	o = buf;
	oleft = sizeof(buf);
	g_iconv(cd, NULL, NULL, &o, &oleft);
	g_string_append_len(out, buf, o - buf);
	g_iconv_close(cd);
	return out;
}

/*
 * Count what UTF-8 validation finds: multi-byte characters that are
 * valid and bytes that are not. NUL bytes count as neither; they are
 * replaced later whatever the charset.
 */
static void
utf8_census(const char *data, gsize len, gsize *multibyte, gsize *invalid)
{
	const char	*p = data, *end = data + len, *stop;

	*multibyte = *invalid = 0;
	while (p < end) {
		g_utf8_validate_len(p, end - p, &stop);
		for (; p < stop; p++)
			if ((guchar)*p >= 0xc0)
				(*multibyte)++;
		if (p < end) {
			if (*p != '\0')
				(*invalid)++;
			p++;
		}
	}
}

/* TIS-620 vowel and tone marks, which only ever sit on a consonant. */
static int
tis620_is_mark(guchar c)
{
	return c == 0xd1 || (c >= 0xd4 && c <= 0xda) ||
	    (c >= 0xe7 && c <= 0xee);
}

static int
tis620_is_consonant(guchar c)
{
	return c >= 0xa1 && c <= 0xce;
}

/*
 * Thai has no spaces between words, so in TIS-620 its high bytes come
 * in runs that make up whole words, while Latin text puts an accented
 * letter between plain ones ("Grüße", "Zażółć"). Cyrillic and Greek
 * make whole words too, but their letters break the rule that Thai
 * marks follow a consonant.
 */
static int
looks_thai(const char *data, gsize len)
{
	gsize	 i, thai_words = 0, latin_words = 0, marks = 0, stray = 0;
	guchar	 c, prev = ' ';
	int	 high = 0, alpha = 0;

	for (i = 0; i <= len; i++, prev = c) {
		c = i < len ? (guchar)data[i] : ' ';
		if (g_ascii_isspace(c)) {
			if (high && alpha)
				latin_words++;
			else if (high)
				thai_words++;
			high = alpha = 0;
		} else if (c >= 0x80) {
			high = 1;
			if (tis620_is_mark(c)) {
				marks++;
				if (!tis620_is_consonant(prev) &&
				    !tis620_is_mark(prev))
					stray++;
			}
		} else if (g_ascii_isalpha(c))
			alpha = 1;
	}
	return thai_words > latin_words && stray * 10 <= marks;
}

/* "Shift_JIS", "shift-jis" and "SHIFTJIS" are the same label. */
static char *
charset_key(const char *charset)
{
	GString	*key = g_string_new(NULL);

	for (; *charset != '\0'; charset++)
		if (g_ascii_isalnum(*charset))
			g_string_append_c(key, g_ascii_tolower(*charset));
	return g_string_free(key, FALSE);
}

static int
charset_is(const char *charset, const char *const *keys)
{
	char	*key = charset_key(charset);
	int	 found = g_strv_contains(keys, key);

	g_free(key);
	return found;
}

static int
charset_is_utf8(const char *charset)
{
	static const char *const utf8[] = { "utf8", NULL };

	return charset_is(charset, utf8);
}

/* 8-bit text labelled ASCII is a mailer's default label, not a fact. */
static int
charset_is_ascii(const char *charset)
{
	static const char *const ascii[] = { "usascii", "ascii", "ansix341968",
	    "us", NULL };

	return charset_is(charset, ascii);
}

/*
 * Mailers label text with the standard charset but write the vendor
 * superset: windows-1252 quotes in "ISO-8859-1", CP932's circled digits
 * in "Shift_JIS". Reading the superset first loses nothing.
 */
static const char *
charset_superset(const char *charset)
{
	static const struct {
		const char	*key;
		const char	*superset;
	} supersets[] = {
		{ "iso88591", "windows-1252" },
		{ "latin1", "windows-1252" },
		{ "iso88599", "windows-1254" },
		{ "tis620", "windows-874" },
		{ "iso885911", "windows-874" },
		{ "xwindows874", "windows-874" },
		{ "shiftjis", "cp932" },
		{ "sjis", "cp932" },
		{ "xsjis", "cp932" },
		{ "mskanji", "cp932" },
		{ "windows31j", "cp932" },
		{ "eucjp", "euc-jp-ms" },
		{ "gb2312", "gb18030" },
		{ "gbk", "gb18030" },
		{ "euckr", "cp949" },
		{ "ksc56011987", "cp949" },
		{ "big5", "big5-hkscs" },
	};
	char		*key = charset_key(charset);
	const char	*superset = NULL;
	gsize		 i;

	for (i = 0; i < G_N_ELEMENTS(supersets); i++)
		if (strcmp(key, supersets[i].key) == 0)
			superset = supersets[i].superset;
	g_free(key);
	return superset;
}

/* Text in a charset that was named: the superset, then the name. */
static GString *
text_labelled(const char *data, gsize len, const char *charset,
    const char **used)
{
	GString	*s;

	*used = charset_superset(charset);
	if (*used != NULL && (s = convert_strict(data, len, *used)) != NULL)
		return s;
	*used = charset;
	return convert_strict(data, len, charset);
}

/*
 * A label that fits all but a few bytes is still right: one stray
 * octet, or a vendor character in ISO-2022-JP (7-bit, so UTF-8 and
 * guessing could only leave its escape sequences).
 */
static GString *
text_labelled_lossy(const char *data, gsize len, const char *charset)
{
	GString	*s;
	gsize	 bad;

	if ((s = convert_lossy(data, len, charset, &bad)) == NULL)
		return NULL;
	if (bad * 100 <= len)
		return s;
	g_string_free(s, TRUE);
	return NULL;
}

/* Unlabelled or mislabelled text that is not UTF-8: guess. */
static GString *
text_guess(const char *data, gsize len, const char **used)
{
	GString	*s;
	gsize	 bad;

	*used = looks_thai(data, len) ? MIME_THAI_CHARSET : mime_fallback;
	if ((s = convert_lossy(data, len, *used, &bad)) != NULL)
		log_trace(TRACE_MIME, "mime: unlabelled 8-bit text read as %s",
		    *used);
	return s;
}

/* C strings end at NUL, so a NUL inside text would silently cut it. */
static GString *
text_replace_nul(GString *s)
{
	GString	*out;
	gsize	 i;

	if (memchr(s->str, '\0', s->len) == NULL)
		return s;
	out = g_string_sized_new(s->len + 16);
	for (i = 0; i < s->len; i++)
		if (s->str[i] == '\0')
			g_string_append(out, MIME_REPLACEMENT);
		else
			g_string_append_c(out, s->str[i]);
	g_string_free(s, TRUE);
	return out;
}

static char *
text_finish(GString *s)
{
	char	*text;

	s = text_replace_nul(s);
	if (g_utf8_validate_len(s->str, s->len, NULL))
		return g_string_free(s, FALSE);
	text = g_utf8_make_valid(s->str, s->len);
	g_string_free(s, TRUE);
	return text;
}

/*
 * len octets of text in charset (NULL when unlabelled) as valid UTF-8
 * without NUL. In order: the label, UTF-8, the label with a few bad
 * bytes, UTF-8 with a few bad bytes (a guess would garble all of it),
 * a guess. *used (when used is not NULL) is the charset the text was
 * read as, NULL when none fitted; it lives as long as charset and the
 * options.
 */
static char *
text_to_utf8(const char *data, gsize len, const char *charset,
    const char **used)
{
	GString		*s = NULL;
	const char	*cs = NULL;
	gsize		 multibyte, invalid;

	/* An empty GBytes has no data pointer, and iconv wants one. */
	if (data == NULL || len == 0) {
		if (used != NULL)
			*used = NULL;
		return g_strdup("");
	}
	if (charset != NULL &&
	    (charset_is_utf8(charset) || charset_is_ascii(charset)))
		charset = NULL;
	if (charset != NULL)
		s = text_labelled(data, len, charset, &cs);
	if (s == NULL) {
		utf8_census(data, len, &multibyte, &invalid);
		cs = "utf-8";
		/* 7-bit text that failed its label is ISO-2022-JP or so. */
		if (invalid == 0 && multibyte > 0)
			s = g_string_new_len(data, len);
		else if (charset != NULL &&
		    (s = text_labelled_lossy(data, len, charset)) != NULL)
			cs = charset;
		else if (invalid == 0 || multibyte > invalid)
			s = g_string_new_len(data, len);
		else
			s = text_guess(data, len, &cs);
	}
	if (s == NULL) {
		cs = NULL;
		s = g_string_new_len(data, len);
	}
	if (used != NULL)
		*used = cs;
	return text_finish(s);
}

/* Mail text uses CRLF or, rarely, bare CR; the rest of ticketd wants \n. */
static char *
text_unix_newlines(char *text)
{
	char	*r, *w;

	for (r = w = text; *r != '\0'; r++) {
		if (*r == '\r') {
			*w++ = '\n';
			if (r[1] == '\n')
				r++;
		} else
			*w++ = *r;
	}
	*w = '\0';
	return text;
}

/*
 * Headers.
 */

/*
 * Encoded words can carry CR and LF; a subject that holds them would
 * inject headers into the replies built from it.
 */
static char *
text_one_line(char *text)
{
	char	*p;

	for (p = text; *p != '\0'; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return text;
}

/*
 * A raw header value as unfolded, trimmed, valid UTF-8. charset is a
 * hint for raw 8-bit text: the charset of the body.
 */
static char *
header_raw_utf8(const char *raw, const char *charset)
{
	char	*text, *unfolded;

	if (raw == NULL)
		return NULL;
	if (g_utf8_validate(raw, -1, NULL))
		text = g_strdup(raw);
	else
		text = text_to_utf8(raw, strlen(raw), charset, NULL);
	unfolded = g_mime_utils_header_unfold(text);
	g_free(text);
	return g_strstrip(unfolded);
}

static char *
header_decode(const char *raw, const char *charset)
{
	char	*utf8, *text;

	utf8 = header_raw_utf8(raw, charset);
	text = g_mime_utils_header_decode_text(mime_options, utf8);
	g_free(utf8);
	if (text == NULL)
		return g_strdup("");
	if (!g_utf8_validate(text, -1, NULL)) {
		utf8 = text;
		text = text_to_utf8(utf8, strlen(utf8), NULL, NULL);
		g_free(utf8);
	}
	return g_strstrip(text_one_line(text));
}

static void
headers_add(GHashTable *table, GMimeHeaderList *list, const char *charset)
{
	GMimeHeader	*h;
	char		*name, *lower;
	int		 i, n;

	n = g_mime_header_list_get_count(list);
	for (i = 0; i < n; i++) {
		h = g_mime_header_list_get_header_at(list, i);
		/* gmime keeps 8-bit octets in a header's name too. */
		lower = g_ascii_strdown(g_mime_header_get_name(h), -1);
		name = g_utf8_make_valid(lower, -1);
		g_free(lower);
		if (g_hash_table_contains(table, name)) {
			g_free(name);
			continue;
		}
		g_hash_table_insert(table, name,
		    header_decode(g_mime_header_get_raw_value(h), charset));
	}
}

/* The raw value of the first header called name, or NULL. */
static const char *
header_raw(GMimeMessage *msg, const char *name)
{
	GMimeHeaderList	*list;
	GMimeHeader	*h;

	list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	h = g_mime_header_list_get_header(list, name);
	return h == NULL ? NULL : g_mime_header_get_raw_value(h);
}

static InternetAddressList *
header_addresses(GMimeMessage *msg, const char *name, const char *charset)
{
	InternetAddressList	*list;
	char			*value;

	value = header_raw_utf8(header_raw(msg, name), charset);
	if (value == NULL)
		return NULL;
	list = internet_address_list_parse(mime_options, value);
	g_free(value);
	return list;
}

static char *
address_list_text(GMimeMessage *msg, const char *name, const char *charset)
{
	InternetAddressList	*list;
	char			*text;

	if ((list = header_addresses(msg, name, charset)) == NULL)
		return g_strdup("");
	text = internet_address_list_to_string(list, NULL, FALSE);
	g_object_unref(list);
	return text == NULL ? g_strdup("") : text_one_line(text);
}

/* The first mailbox in a list, looking inside groups. */
static InternetAddressMailbox *
address_first_mailbox(InternetAddressList *list)
{
	InternetAddress		*ia;
	InternetAddressMailbox	*mb;
	int			 i, n;

	n = internet_address_list_length(list);
	for (i = 0; i < n; i++) {
		ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			return INTERNET_ADDRESS_MAILBOX(ia);
		mb = address_first_mailbox(internet_address_group_get_members(
		    INTERNET_ADDRESS_GROUP(ia)));
		if (mb != NULL)
			return mb;
	}
	return NULL;
}

static void
mail_read_from(struct mail *m, GMimeMessage *msg, const char *charset)
{
	InternetAddressList	*list;
	InternetAddressMailbox	*mb;
	const char		*name, *addr;

	if ((list = header_addresses(msg, "From", charset)) == NULL)
		return;
	if ((mb = address_first_mailbox(list)) != NULL) {
		name = internet_address_get_name(INTERNET_ADDRESS(mb));
		addr = internet_address_mailbox_get_addr(mb);
		g_free(m->from_name);
		g_free(m->from_addr);
		m->from_name = text_one_line(g_strdup(name ? name : ""));
		m->from_addr = text_one_line(g_strdup(addr ? addr : ""));
	}
	g_object_unref(list);
}

static char *
header_msgid(GMimeMessage *msg, const char *name)
{
	char	*value, *id;

	if ((value = header_raw_utf8(header_raw(msg, name), NULL)) == NULL)
		return NULL;
	id = g_mime_utils_decode_message_id(value);
	g_free(value);
	if (id != NULL && *g_strstrip(text_one_line(id)) == '\0') {
		g_free(id);
		id = NULL;
	}
	return id;
}

/* All the msg-ids in a header, in order, skipping whatever is not one. */
static GMimeReferences *
header_references(GMimeMessage *msg, const char *name)
{
	GMimeReferences	*refs;
	char		*value;

	if ((value = header_raw_utf8(header_raw(msg, name), NULL)) == NULL)
		return NULL;
	refs = g_mime_references_parse(mime_options, value);
	g_free(value);
	return refs;
}

static void
mail_read_threading(struct mail *m, GMimeMessage *msg)
{
	GMimeReferences	*refs;
	int		 i, n;

	m->message_id = header_msgid(msg, "Message-ID");
	if ((refs = header_references(msg, "In-Reply-To")) != NULL) {
		if (g_mime_references_length(refs) > 0)
			m->in_reply_to = text_one_line(g_strdup(
			    g_mime_references_get_message_id(refs, 0)));
		g_mime_references_free(refs);
	}
	if ((refs = header_references(msg, "References")) != NULL) {
		n = g_mime_references_length(refs);
		for (i = 0; i < n; i++)
			g_ptr_array_add(m->references, text_one_line(g_strdup(
			    g_mime_references_get_message_id(refs, i))));
		g_mime_references_free(refs);
	}
}

static void
mail_read_date(struct mail *m, GMimeMessage *msg)
{
	GDateTime	*date;
	char		*value;

	if ((value = header_raw_utf8(header_raw(msg, "Date"), NULL)) == NULL)
		return;
	if ((date = g_mime_utils_header_decode_date(value)) != NULL) {
		m->date = g_date_time_to_utc(date);
		g_date_time_unref(date);
	}
	g_free(value);
}

static void
mail_read_headers(struct mail *m, GMimeMessage *msg, const char *charset)
{
	const char	*v;

	headers_add(m->headers,
	    g_mime_object_get_header_list(GMIME_OBJECT(msg)), charset);
	/* gmime files the top-level Content-* headers under the part. */
	headers_add(m->headers, g_mime_object_get_header_list(
	    g_mime_message_get_mime_part(msg)), charset);

	if ((v = mail_header(m, "subject")) != NULL) {
		g_free(m->subject);
		m->subject = g_strdup(v);
	}
	if ((v = mail_header(m, "content-language")) != NULL && *v != '\0')
		m->content_language = g_strdup(v);
	mail_read_from(m, msg, charset);
	g_free(m->to);
	m->to = address_list_text(msg, "To", charset);
	g_free(m->cc);
	m->cc = address_list_text(msg, "Cc", charset);
	mail_read_date(m, msg);
	mail_read_threading(m, msg);
}

/*
 * Parts.
 */

static GBytes *
part_content(GMimePart *part)
{
	GMimeDataWrapper	*wrapper;
	GMimeStream		*stream;
	GByteArray		*array;

	array = g_byte_array_new();
	if ((wrapper = g_mime_part_get_content(part)) != NULL) {
		stream = g_mime_stream_mem_new_with_byte_array(array);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
		g_mime_data_wrapper_write_to_stream(wrapper, stream);
		g_object_unref(stream);
	}
	return g_byte_array_free_to_bytes(array);
}

static GBytes *
message_content(GMimeMessage *msg)
{
	GMimeStream	*stream;
	GByteArray	*array;

	array = g_byte_array_new();
	if (msg != NULL) {
		stream = g_mime_stream_mem_new_with_byte_array(array);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
		g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, stream);
		g_object_unref(stream);
	}
	return g_byte_array_free_to_bytes(array);
}

static const char *
part_charset(GMimePart *part)
{
	return g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset");
}

/*
 * The first text/subtype leaf that is not an attachment, depth first.
 * Embedded messages are entered only when asked: a forwarded mail's
 * text is not the body of the mail that forwards it.
 */
static GMimePart *
part_find_text(GMimeObject *obj, const char *subtype, int enter_messages)
{
	GMimeMultipart	*mp;
	GMimeMessage	*inner;
	GMimePart	*found;
	int		 i, n;

	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n; i++) {
			found = part_find_text(g_mime_multipart_get_part(mp, i),
			    subtype, enter_messages);
			if (found != NULL)
				return found;
		}
		return NULL;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (!enter_messages || inner == NULL)
			return NULL;
		return part_find_text(g_mime_message_get_mime_part(inner),
		    subtype, enter_messages);
	}
	if (GMIME_IS_PART(obj) && !g_mime_part_is_attachment(GMIME_PART(obj)) &&
	    g_mime_content_type_is_type(g_mime_object_get_content_type(obj),
	    "text", subtype))
		return GMIME_PART(obj);
	return NULL;
}

/* Plain text beats HTML; the mail's own parts beat embedded messages. */
static GMimePart *
part_find_body(GMimeMessage *msg)
{
	GMimeObject	*top = g_mime_message_get_mime_part(msg);
	GMimePart	*part;

	if (top == NULL)
		return NULL;
	if ((part = part_find_text(top, "plain", 0)) == NULL &&
	    (part = part_find_text(top, "html", 0)) == NULL &&
	    (part = part_find_text(top, "plain", 1)) == NULL)
		part = part_find_text(top, "html", 1);
	return part;
}

static char *
part_text(GMimePart *part, const char **charset)
{
	GBytes		*content;
	const char	*data;
	char		*text, *html;
	gsize		 len;

	content = part_content(part);
	data = g_bytes_get_data(content, &len);
	text = text_to_utf8(data, len, part_charset(part), charset);
	g_bytes_unref(content);
	if (g_mime_content_type_is_type(g_mime_object_get_content_type(
	    GMIME_OBJECT(part)), "text", "html")) {
		html = text;
		text = html_to_text(html, strlen(html));
		g_free(html);
	}
	return text_unix_newlines(text);
}

static char *
object_type(GMimeObject *obj)
{
	char	*type, *lower;

	type = g_mime_content_type_get_mime_type(
	    g_mime_object_get_content_type(obj));
	lower = g_ascii_strdown(type, -1);
	g_free(type);
	return lower;
}

static char *
object_filename(GMimeObject *obj)
{
	const char	*name;

	name = g_mime_object_get_content_disposition_parameter(obj, "filename");
	if (name == NULL)
		name = g_mime_object_get_content_type_parameter(obj, "name");
	if (name == NULL)
		return NULL;
	return text_one_line(text_to_utf8(name, strlen(name), NULL, NULL));
}

static void
mail_add_attachment(struct mail *m, char *name, char *type, GBytes *content)
{
	struct mail_attachment	*a;

	a = g_new0(struct mail_attachment, 1);
	a->name = name == NULL ? g_strdup("") : name;
	a->type = type;
	a->content = content;
	a->size = g_bytes_get_size(content);
	g_ptr_array_add(m->attachments, a);
}

/*
 * gmime's attachment test only reads the disposition, so a PDF sent
 * inline with a file name would be lost; any named part that is not
 * the body counts. An unnamed inline image (a Content-ID target) does
 * not.
 */
static int
part_is_attachment(GMimePart *part, GMimePart *body)
{
	if (g_mime_part_is_attachment(part))
		return 1;
	return part != body && g_mime_part_get_filename(part) != NULL;
}

static void
mail_read_attachments(struct mail *m, GMimeObject *obj, GMimePart *body)
{
	GMimeMultipart	*mp;
	char		*name;
	int		 i, n;

	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n; i++)
			mail_read_attachments(m,
			    g_mime_multipart_get_part(mp, i), body);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		if ((name = object_filename(obj)) == NULL)
			name = g_strdup("message.eml");
		mail_add_attachment(m, name, object_type(obj),
		    message_content(g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj))));
	} else if (GMIME_IS_PART(obj) &&
	    part_is_attachment(GMIME_PART(obj), body)) {
		mail_add_attachment(m, object_filename(obj), object_type(obj),
		    part_content(GMIME_PART(obj)));
	}
}

/*
 * The struct mail.
 */

static void
attachment_free(gpointer p)
{
	struct mail_attachment	*a = p;

	g_free(a->name);
	g_free(a->type);
	g_bytes_unref(a->content);
	g_free(a);
}

static struct mail *
mail_new(GBytes *raw)
{
	struct mail	*m;

	m = g_new0(struct mail, 1);
	m->raw = raw == NULL ? g_bytes_new(NULL, 0) : g_bytes_ref(raw);
	m->subject = g_strdup("");
	m->from_name = g_strdup("");
	m->from_addr = g_strdup("");
	m->to = g_strdup("");
	m->cc = g_strdup("");
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->attachments = g_ptr_array_new_with_free_func(attachment_free);
	m->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	return m;
}

/* Nothing parsed, but an agent can still read what came in. */
static void
mail_read_unparsed(struct mail *m)
{
	const char	*data;
	gsize		 len;

	data = g_bytes_get_data(m->raw, &len);
	m->parsed = 0;
	m->parse_error = g_strdup(len == 0 ? "empty message" :
	    "no header block at the start of the message");
	m->body = text_unix_newlines(text_to_utf8(data, len, NULL, NULL));
	log_trace(TRACE_MIME, "mime: %zu octets unparsed: %s", len,
	    m->parse_error);
}

static void
mail_read_message(struct mail *m, GMimeMessage *msg)
{
	GMimePart	*body;
	GMimeObject	*top;
	const char	*charset = NULL;

	m->parsed = 1;
	if ((body = part_find_body(msg)) != NULL)
		m->body = part_text(body, &charset);
	else
		m->body = g_strdup("");
	/* Raw 8-bit headers are most likely in the body's charset. */
	mail_read_headers(m, msg, charset);
	if ((top = g_mime_message_get_mime_part(msg)) != NULL)
		mail_read_attachments(m, top, body);
}

static GMimeMessage *
mime_construct(GBytes *raw)
{
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*msg;
	const char	*data;
	gsize		 len;

	data = g_bytes_get_data(raw, &len);
	if (len == 0)
		return NULL;
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, mime_options);
	g_object_unref(parser);
	g_object_unref(stream);
	return msg;
}

struct mail *
mime_parse(GBytes *raw)
{
	struct mail	*m;
	GMimeMessage	*msg;

	mime_init();
	m = mail_new(raw);
	g_rw_lock_reader_lock(&mime_lock);
	if ((msg = mime_construct(m->raw)) == NULL)
		mail_read_unparsed(m);
	else {
		mail_read_message(m, msg);
		g_object_unref(msg);
	}
	g_rw_lock_reader_unlock(&mime_lock);
	return m;
}

void
mail_free(struct mail *m)
{
	if (m == NULL)
		return;
	g_bytes_unref(m->raw);
	g_free(m->parse_error);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_ptr_array_unref(m->references);
	g_free(m->subject);
	g_free(m->from_name);
	g_free(m->from_addr);
	g_free(m->to);
	g_free(m->cc);
	if (m->date != NULL)
		g_date_time_unref(m->date);
	g_free(m->content_language);
	g_free(m->body);
	g_ptr_array_unref(m->attachments);
	g_hash_table_unref(m->headers);
	g_free(m);
}

const char *
mail_header(const struct mail *m, const char *name)
{
	char		*key;
	const char	*value;

	key = g_ascii_strdown(name, -1);
	value = g_hash_table_lookup(m->headers, key);
	g_free(key);
	return value;
}

/*
 * Outgoing mail.
 */

static char *
draft_clean(const char *value)
{
	return text_one_line(text_to_utf8(value ? value : "", strlen(value ?
	    value : ""), "utf-8", NULL));
}

static void
draft_add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name,
    const char *addr)
{
	char	*n = draft_clean(name), *a = draft_clean(addr);

	g_mime_message_add_mailbox(msg, type, n, g_strstrip(a));
	g_free(n);
	g_free(a);
}

static void
draft_set_header(GMimeMessage *msg, const char *name, const char *value)
{
	char	*v = draft_clean(value);

	g_mime_object_set_header((GMimeObject *)msg, name, v, "utf-8");
	g_free(v);
}

/* A msg-id list "<a> <b>" from ids without <>, or NULL when empty. */
static char *
draft_msgids(const char *first, GPtrArray *more)
{
	GString	*s = g_string_new(NULL);

	for (guint i = 0; more != NULL && i < more->len; i++)
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "",
		    (char *)g_ptr_array_index(more, i));
	if (first != NULL)
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "", first);
	return g_string_free(s, s->len == 0);
}

/* Text parts travel in canonical form: CRLF line ends. */
static GMimeObject *
draft_body(const char *body)
{
	GMimeTextPart	*tp = g_mime_text_part_new_with_subtype("plain");
	GString		*crlf = g_string_sized_new(strlen(body) + 64);
	GMimeStream	*mem;
	GMimeDataWrapper *dw;

	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append_c(crlf, '\r');
		if (*p != '\r')
			g_string_append_c(crlf, *p);
	}
	mem = g_mime_stream_mem_new_with_buffer(crlf->str, crlf->len);
	dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content((GMimePart *)tp, dw);
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content_encoding((GMimePart *)tp,
	    g_mime_part_get_best_content_encoding((GMimePart *)tp,
	    GMIME_ENCODING_CONSTRAINT_7BIT));
	g_object_unref(dw);
	g_object_unref(mem);
	g_string_free(crlf, TRUE);
	return (GMimeObject *)tp;
}

static GBytes *
draft_write(GMimeMessage *msg)
{
	GMimeFormatOptions	*fo = g_mime_format_options_clone(NULL);
	GMimeStream		*out = g_mime_stream_mem_new();
	GByteArray		*ba;
	GBytes			*bytes;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream((GMimeObject *)msg, fo, out);
	ba = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)out);
	bytes = g_bytes_new(ba->data, ba->len);
	g_object_unref(out);
	g_mime_format_options_free(fo);
	return bytes;
}

/* "Name <addr>", or addr alone, as the parser would show it. */
static char *
draft_address(const char *name, const char *addr)
{
	char	*n = draft_clean(name), *a = g_strstrip(draft_clean(addr));
	char	*text = *n != '\0' ? g_strdup_printf("%s <%s>", n, a) :
		    g_strdup(a);

	g_free(n);
	g_free(a);
	return text;
}

/* What we built, as a struct mail, without parsing our own output. */
static struct mail *
draft_mail(const struct mime_draft *d, GBytes *raw, const char *subject)
{
	struct mail	*m = mail_new(raw);

	m->parsed = 1;
	g_free(m->subject);
	m->subject = g_strdup(subject);
	g_free(m->from_name);
	m->from_name = draft_clean(d->from_name);
	g_free(m->from_addr);
	m->from_addr = g_strstrip(draft_clean(d->from_addr));
	g_free(m->to);
	m->to = draft_address(d->to_name, d->to_addr);
	m->message_id = g_strdup(d->message_id);
	m->in_reply_to = g_strdup(d->in_reply_to);
	for (guint i = 0; d->references != NULL && i < d->references->len; i++)
		g_ptr_array_add(m->references,
		    g_strdup(d->references->pdata[i]));
	m->date = g_date_time_new_from_unix_utc(d->date);
	m->body = text_to_utf8(d->body, strlen(d->body), "utf-8", NULL);
	return m;
}

struct mail *
mime_build(const struct mime_draft *d)
{
	GMimeMessage	*msg = g_mime_message_new(TRUE);
	GDateTime	*date = g_date_time_new_from_unix_utc(d->date);
	GMimeObject	*body = draft_body(d->body);
	char		*subject = draft_clean(d->subject);
	char		*ids;
	GBytes		*bytes;
	struct mail	*sent;

	draft_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, d->from_name, d->from_addr);
	draft_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, d->to_name, d->to_addr);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_mime_message_set_date(msg, date);
	g_mime_message_set_message_id(msg, d->message_id);
	if (d->in_reply_to != NULL) {
		ids = draft_msgids(d->in_reply_to, NULL);
		draft_set_header(msg, "In-Reply-To", ids);
		g_free(ids);
	}
	if ((ids = draft_msgids(NULL, d->references)) != NULL) {
		draft_set_header(msg, "References", ids);
		g_free(ids);
	}
	for (guint i = 0; d->headers != NULL && i + 1 < d->headers->len; i += 2)
		draft_set_header(msg, g_ptr_array_index(d->headers, i),
		    g_ptr_array_index(d->headers, i + 1));
	g_mime_message_set_mime_part(msg, body);
	bytes = draft_write(msg);
	sent = draft_mail(d, bytes, subject);
	g_bytes_unref(bytes);
	g_object_unref(body);
	g_object_unref(msg);
	g_date_time_unref(date);
	g_free(subject);
	return sent;
}
