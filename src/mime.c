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

static void	 mime_apply_fallback(const char *);

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

static void
mime_apply_fallback(const char *iconv_name)
{
	const char	*charsets[] = { "utf-8", iconv_name, NULL };

	g_free(mime_fallback);
	mime_fallback = g_strdup(iconv_name);
	g_mime_parser_options_set_fallback_charsets(mime_options, charsets);
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

/* Strict conversion: NULL when the charset is unknown or the bytes do
 * not fit it, so that the caller can try something else. */
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

/* Lossy conversion: undefined bytes (0x81 in windows-1252, say) become
 * U+FFFD instead of failing the whole text. */
static GString *
convert_lossy(const char *data, gsize len, const char *charset)
{
	GIConv	 cd;
	GString	*out;
	char	 buf[4096], *in = (char *)data, *o;
	gsize	 inleft = len, oleft;

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

/*
 * Thai has no spaces between words, so in TIS-620 its high bytes come
 * in long runs, while Latin text has an accented letter here and there
 * ("Grüße", "informação" have pairs at most).
 */
static int
looks_thai(const char *data, gsize len)
{
	gsize	 i, run = 0, longest = 0, high = 0, in_runs = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && (guchar)data[i] >= 0x80) {
			high++;
			run++;
			continue;
		}
		if (run >= 2)
			in_runs += run;
		if (run > longest)
			longest = run;
		run = 0;
	}
	return longest >= 3 && in_runs * 4 >= high * 3;
}

static int
charset_is_utf8(const char *charset)
{
	return g_ascii_strcasecmp(charset, "utf-8") == 0 ||
	    g_ascii_strcasecmp(charset, "utf8") == 0;
}

/* Unlabelled or mislabelled text that is not UTF-8: guess. */
static GString *
text_guess(const char *data, gsize len)
{
	GString	*s;

	if (looks_thai(data, len) &&
	    (s = convert_strict(data, len, MIME_THAI_CHARSET)) != NULL) {
		log_trace(TRACE_MIME, "mime: unlabelled 8-bit text read as %s",
		    MIME_THAI_CHARSET);
		return s;
	}
	if ((s = convert_lossy(data, len, mime_fallback)) != NULL) {
		log_trace(TRACE_MIME, "mime: unlabelled 8-bit text read as %s",
		    mime_fallback);
		return s;
	}
	return NULL;
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
 * without NUL. Text that is mostly valid UTF-8 is taken as damaged
 * UTF-8 rather than guessed, since a guess would garble all of it.
 */
static char *
text_to_utf8(const char *data, gsize len, const char *charset)
{
	GString	*s = NULL;
	gsize	 multibyte, invalid;

	if (charset != NULL && !charset_is_utf8(charset))
		s = convert_strict(data, len, charset);
	if (s == NULL) {
		utf8_census(data, len, &multibyte, &invalid);
		if (invalid == 0 || multibyte > invalid)
			s = g_string_new_len(data, len);
		else
			s = text_guess(data, len);
	}
	if (s == NULL)
		s = g_string_new_len(data, len);
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

/* A raw header value as unfolded, trimmed, valid UTF-8. charset is a
 * hint for raw 8-bit text: the charset of the body. */
static char *
header_raw_utf8(const char *raw, const char *charset)
{
	char	*text, *unfolded;

	if (raw == NULL)
		return NULL;
	if (g_utf8_validate(raw, -1, NULL))
		text = g_strdup(raw);
	else
		text = text_to_utf8(raw, strlen(raw), charset);
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
	if (!g_utf8_validate(text, -1, NULL)) {
		utf8 = text;
		text = text_to_utf8(utf8, strlen(utf8), NULL);
		g_free(utf8);
	}
	return g_strstrip(text);
}

static void
headers_add(GHashTable *table, GMimeHeaderList *list, const char *charset)
{
	GMimeHeader	*h;
	char		*name;
	int		 i, n;

	n = g_mime_header_list_get_count(list);
	for (i = 0; i < n; i++) {
		h = g_mime_header_list_get_header_at(list, i);
		name = g_ascii_strdown(g_mime_header_get_name(h), -1);
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
	return text == NULL ? g_strdup("") : text;
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
		m->from_name = g_strdup(name == NULL ? "" : name);
		m->from_addr = g_strdup(addr == NULL ? "" : addr);
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
	if (id != NULL && *g_strstrip(id) == '\0') {
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
			m->in_reply_to = g_strdup(
			    g_mime_references_get_message_id(refs, 0));
		g_mime_references_free(refs);
	}
	if ((refs = header_references(msg, "References")) != NULL) {
		n = g_mime_references_length(refs);
		for (i = 0; i < n; i++)
			g_ptr_array_add(m->references, g_strdup(
			    g_mime_references_get_message_id(refs, i)));
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
	if (part == NULL)
		return NULL;
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
part_text(GMimePart *part)
{
	GBytes		*content;
	const char	*data;
	char		*text, *html;
	gsize		 len;

	content = part_content(part);
	data = g_bytes_get_data(content, &len);
	text = text_to_utf8(data, len, part_charset(part));
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
	return text_to_utf8(name, strlen(name), NULL);
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
	m->body = text_unix_newlines(text_to_utf8(data == NULL ? "" : data,
	    len, NULL));
	log_trace(TRACE_MIME, "mime: %zu octets unparsed: %s", len,
	    m->parse_error);
}

static void
mail_read_message(struct mail *m, GMimeMessage *msg)
{
	GMimePart	*body;
	GMimeObject	*top;

	m->parsed = 1;
	body = part_find_body(msg);
	/* Raw 8-bit headers are most likely in the body's charset. */
	mail_read_headers(m, msg, part_charset(body));
	m->body = body == NULL ? g_strdup("") : part_text(body);
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
