/*
 * smtp: the libcurl wrapper, and the only file that includes curl.h. It
 * hands one finished message to the configured relay and says whether
 * the relay took it, refused it for good, or should be asked again later.
 *
 * One struct smtp owns one curl easy handle for its whole life, so
 * consecutive sends reuse the open connection (measured twice as fast).
 * Only the envelope changes between sends.
 *
 * Classification: success is CURLE_OK. Otherwise the last SMTP reply code
 * decides (curl says CURLE_SEND_ERROR for a 4xx at RCPT and a 5xx at DATA
 * alike): 5xx is a permanent failure, everything else (4xx, no reply at
 * all: refused, timed out, DNS, TLS) is temporary. TLS trouble is always
 * temporary, whatever was said before it: it is the admin's to fix, and
 * the mail must wait for that rather than be lost. The outbox sends one
 * recipient per mail; with several, curl fails the whole send on the
 * first refused RCPT (CURLOPT_MAIL_RCPT_ALLLOWFAILS stays off), so that
 * a result is always about every recipient.
 *
 * Trust: verification is always on. ca_file is an extra trust anchor, on
 * top of the system's: it goes into CURLOPT_CAINFO, while CURLOPT_CAPATH
 * keeps curl's built-in default, and curl's GnuTLS backend loads both.
 * Debian's libcurl3-gnutls has no default CA file and /etc/ssl/certs as
 * its CA path, so CAINFO replaces nothing there. A curl without a default
 * CA path would trust ca_file alone; smtp_new() warns about that.
 *
 * The server's reply lines reach us through the header callback (curl
 * passes every pingpong reply line there), which is how *detail carries
 * the server's own words, e.g. the queue id of the accepted mail.
 */
#include <sys/socket.h>

#include <string.h>

#include <curl/curl.h>

#include "log.h"
#include "smtp.h"

#define SMTP_DEFAULT_TIMEOUT	30	/* seconds, when the config says 0 */
#define SMTP_REPLIES		4	/* final replies kept, newest last */
#define SMTP_REPLY_MAX		400	/* bytes of one reply kept for *detail */

struct smtp_reply {
	long	 code;
	char	*text;		/* the whole final line, "250 2.0.0 Ok" */
};

struct smtp {
	char		*url;
	char		*name;		/* scheme://host:port, no user info */
	int		 tls;		/* smtps://, or STARTTLS required */
	char		*user;
	char		*password;
	char		*ca_file;
	guint		 timeout;

	CURL		*curl;
	char		 error[CURL_ERROR_SIZE];

	/* The message being sent, read by smtp_read(). */
	const guchar	*data;
	gsize		 size;
	gsize		 off;

	/*
	 * The last final replies. curl closes a failed connection with
	 * QUIT inside curl_easy_perform(), so the newest reply is often the
	 * 221; smtp_reply_find() picks the one whose code curl reports.
	 */
	struct smtp_reply replies[SMTP_REPLIES];

	int		 in_auth;	/* trace: AUTH exchange in progress */
};

static int	 smtp_initialised;

void
smtp_init(void)
{
	CURLcode	 rc;

	if (smtp_initialised)
		return;
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		fatal(1, "smtp: curl_global_init: %s", curl_easy_strerror(rc));
	smtp_initialised = 1;
}

static void
smtp_replies_clear(struct smtp *s)
{
	for (guint i = 0; i < SMTP_REPLIES; i++) {
		g_clear_pointer(&s->replies[i].text, g_free);
		s->replies[i].code = 0;
	}
}

/*
 * The reply goes into *detail and from there into logs and the store,
 * which hold UTF-8 text: the server's bytes may be neither.
 */
static char *
smtp_printable(const char *line, size_t len)
{
	char	*text = g_utf8_make_valid(line, MIN(len, SMTP_REPLY_MAX));

	for (char *p = text; *p != '\0'; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return text;
}

static void
smtp_replies_push(struct smtp *s, long code, const char *line, size_t len)
{
	g_free(s->replies[0].text);
	memmove(&s->replies[0], &s->replies[1],
	    (SMTP_REPLIES - 1) * sizeof s->replies[0]);
	s->replies[SMTP_REPLIES - 1].code = code;
	s->replies[SMTP_REPLIES - 1].text = smtp_printable(line, len);
}

/* The newest remembered reply with this code, or NULL. */
static const char *
smtp_reply_find(const struct smtp *s, long code)
{
	for (guint i = SMTP_REPLIES; i > 0; i--)
		if (s->replies[i - 1].text != NULL &&
		    s->replies[i - 1].code == code)
			return s->replies[i - 1].text;
	return NULL;
}

/* A reply line's length without its line end. */
static size_t
smtp_chomp(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return len;
}

/*
 * The code of a final reply line ("250 ok", "250"), or 0 for a
 * continuation line ("250-SIZE") or anything that is no reply.
 */
static long
smtp_reply_code(const char *line, size_t len)
{
	if (len < 3 || !g_ascii_isdigit(line[0]) ||
	    !g_ascii_isdigit(line[1]) || !g_ascii_isdigit(line[2]))
		return 0;
	if (len > 3 && line[3] != ' ')
		return 0;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

static size_t
smtp_header(char *line, size_t size, size_t nitems, void *arg)
{
	struct smtp	*s = arg;
	size_t		 len = smtp_chomp(line, size * nitems);
	long		 code;

	if ((code = smtp_reply_code(line, len)) != 0)
		smtp_replies_push(s, code, line, len);
	return size * nitems;
}

/* SMTP has no response body; curl's default would print to stdout. */
static size_t
smtp_write(char *data, size_t size, size_t nitems, void *arg)
{
	return size * nitems;
}

static size_t
smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp	*s = arg;
	size_t		 n = MIN(size * nitems, s->size - s->off);

	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return n;
}

/* curl rewinds the upload when it retries on a reused, dead connection. */
static int
smtp_seek(void *arg, curl_off_t offset, int origin)
{
	struct smtp	*s = arg;

	if (origin != SEEK_SET || offset < 0 || (guint64)offset > s->size)
		return CURL_SEEKFUNC_FAIL;
	s->off = offset;
	return CURL_SEEKFUNC_OK;
}

/*
 * Trace one command line we send. AUTH carries the password in base64,
 * on its own line (PLAIN) or on the lines after it (LOGIN), so those
 * show only the mechanism until the server's final answer.
 */
static void
smtp_trace_out(struct smtp *s, const char *line, size_t len)
{
	const char	*sp;

	if (len >= 5 && g_ascii_strncasecmp(line, "AUTH ", 5) == 0) {
		s->in_auth = 1;
		sp = memchr(line + 5, ' ', len - 5);
		log_trace(TRACE_SMTP, "%s: > %.*s%s", s->name,
		    (int)(sp != NULL ? (size_t)(sp - line) : len), line,
		    sp != NULL ? " [credentials hidden]" : "");
	} else if (s->in_auth)
		log_trace(TRACE_SMTP, "%s: > [credentials hidden]", s->name);
	else
		log_trace(TRACE_SMTP, "%s: > %.*s", s->name, (int)len, line);
}

static void
smtp_trace_in(struct smtp *s, const char *line, size_t len)
{
	long	 code = smtp_reply_code(line, len);

	if (code != 0 && code != 334)
		s->in_auth = 0;
	log_trace(TRACE_SMTP, "%s: < %.*s", s->name, (int)len, line);
}

/*
 * Called only while tracing (CURLOPT_VERBOSE is set per send). The
 * message itself is never logged.
 */
static int
smtp_debug(CURL *curl, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct smtp	*s = arg;
	size_t		 len = smtp_chomp(data, size);

	switch (type) {
	case CURLINFO_TEXT:
		log_trace(TRACE_SMTP, "%s: * %.*s", s->name, (int)len, data);
		break;
	case CURLINFO_HEADER_IN:
		smtp_trace_in(s, data, len);
		break;
	case CURLINFO_HEADER_OUT:
		smtp_trace_out(s, data, len);
		break;
	case CURLINFO_DATA_IN:
	case CURLINFO_DATA_OUT:
	case CURLINFO_SSL_DATA_IN:
	case CURLINFO_SSL_DATA_OUT:
	case CURLINFO_END:
		break;
	}
	return 0;
}

/*
 * Check the url and make its printable name. The name leaves out any
 * user info, so that no password in a url reaches a log line.
 */
static int
smtp_parse_url(struct smtp *s, const char *url, char **cause)
{
	CURLU		*u = curl_url();
	CURLUcode	 rc;
	char		*scheme = NULL, *host = NULL, *port = NULL;
	int		 ret = -1;

	if (u == NULL)
		fatal(1, "smtp: out of memory");
	if ((rc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK ||
	    (rc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0)) != CURLUE_OK ||
	    (rc = curl_url_get(u, CURLUPART_HOST, &host, 0)) != CURLUE_OK ||
	    (rc = curl_url_get(u, CURLUPART_PORT, &port,
	    CURLU_DEFAULT_PORT)) != CURLUE_OK) {
		*cause = g_strdup_printf("smtp url: %s", curl_url_strerror(rc));
		goto out;
	}
	if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
		*cause = g_strdup_printf("smtp url: scheme %s:// is not "
		    "smtp:// or smtps://", scheme);
		goto out;
	}
	s->name = g_strdup_printf("%s://%s:%s", scheme, host, port);
	s->tls = strcmp(scheme, "smtps") == 0;
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ret;
}

/* What stays the same for every send: where, how long, callbacks. */
static CURLcode
smtp_setup_conn(struct smtp *s)
{
	CURL		*c = s->curl;
	CURLcode	 rc;

	/*
	 * SERVER_RESPONSE_TIMEOUT bounds the wait for each reply (the
	 * greeting too); the low-speed limit catches a server that stops
	 * reading the message. No total limit: a big mail on a slow but
	 * moving link is fine.
	 */
	if ((rc = curl_easy_setopt(c, CURLOPT_URL, s->url)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
	    "smtp,smtps")) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER,
	    s->error)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)s->timeout)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT,
	    (long)s->timeout)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
	    (long)s->timeout)) != CURLE_OK)
		return rc;

	if ((rc = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_READFUNCTION,
	    smtp_read)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_READDATA, s)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_SEEKFUNCTION,
	    smtp_seek)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_SEEKDATA, s)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_HEADERFUNCTION,
	    smtp_header)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_HEADERDATA, s)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION,
	    smtp_write)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION,
	    smtp_debug)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_DEBUGDATA, s)) != CURLE_OK)
		return rc;
	return CURLE_OK;
}

static CURLcode
smtp_setup_tls(struct smtp *s)
{
	CURL		*c = s->curl;
	CURLcode	 rc;

	if ((rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK)
		return rc;
	if (s->tls &&
	    (rc = curl_easy_setopt(c, CURLOPT_USE_SSL,
	    (long)CURLUSESSL_ALL)) != CURLE_OK)
		return rc;
	if (s->ca_file != NULL &&
	    (rc = curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file)) != CURLE_OK)
		return rc;
	return CURLE_OK;
}

/* curl offers AUTH only when the server does, and picks the mechanism. */
static CURLcode
smtp_setup_auth(struct smtp *s)
{
	CURL		*c = s->curl;
	CURLcode	 rc;

	if (s->user == NULL)
		return CURLE_OK;
	if ((rc = curl_easy_setopt(c, CURLOPT_USERNAME, s->user)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_PASSWORD,
	    s->password != NULL ? s->password : "")) != CURLE_OK)
		return rc;
	return CURLE_OK;
}

/* A curl that has no CA path would trust ca_file instead of the system. */
static void
smtp_check_capath(struct smtp *s)
{
	char	*capath = NULL;

	if (s->ca_file == NULL)
		return;
	if (curl_easy_getinfo(s->curl, CURLINFO_CAPATH, &capath) != CURLE_OK ||
	    capath == NULL)
		log_warn("%s: this libcurl has no default CA path; ca_file %s "
		    "replaces the system's trust anchors", s->name, s->ca_file);
}

struct smtp *
smtp_new(const struct smtp_config *conf, char **cause)
{
	struct smtp	*s = g_new0(struct smtp, 1);
	CURLcode	 rc;

	if (smtp_parse_url(s, conf->url, cause) != 0) {
		smtp_free(s);
		return NULL;
	}
	s->url = g_strdup(conf->url);
	s->tls = s->tls || conf->starttls;
	if (conf->user != NULL && *conf->user != '\0') {
		s->user = g_strdup(conf->user);
		s->password = g_strdup(conf->password);
	}
	if (conf->ca_file != NULL && *conf->ca_file != '\0')
		s->ca_file = g_strdup(conf->ca_file);
	s->timeout = conf->timeout != 0 ? conf->timeout : SMTP_DEFAULT_TIMEOUT;

	if ((s->curl = curl_easy_init()) == NULL)
		fatal(1, "smtp: curl_easy_init failed");
	if ((rc = smtp_setup_conn(s)) != CURLE_OK ||
	    (rc = smtp_setup_tls(s)) != CURLE_OK ||
	    (rc = smtp_setup_auth(s)) != CURLE_OK) {
		*cause = g_strdup_printf("%s: %s", s->name,
		    curl_easy_strerror(rc));
		smtp_free(s);
		return NULL;
	}
	smtp_check_capath(s);
	return s;
}

void
smtp_free(struct smtp *s)
{
	if (s == NULL)
		return;
	/* Cleanup may still say QUIT, through our callbacks. */
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	smtp_replies_clear(s);
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		g_free(s->password);
	}
	g_free(s->url);
	g_free(s->name);
	g_free(s->user);
	g_free(s->ca_file);
	g_free(s);
}

/* Why a TLS failure happened, in the admin's terms; NULL if not TLS. */
static const char *
smtp_tls_hint(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return "TLS certificate verification failed (fix the server's "
		    "certificate, or name its CA in ca_file)";
	case CURLE_SSL_CACERT_BADFILE:
		return "cannot load the trusted CA certificates (check ca_file)";
	case CURLE_USE_SSL_FAILED:
		return "the server does not offer STARTTLS, or refused it";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return "TLS handshake failed";
	default:
		return NULL;
	}
}

/*
 * Authentication trouble is our configuration, not the mail: it must
 * wait in the outbox until the admin fixes user or password.
 */
static int
smtp_auth_failed(CURLcode rc, long code)
{
	return rc == CURLE_LOGIN_DENIED || code == 530 || code == 534 ||
	    code == 535 || code == 538;
}

static enum smtp_result
smtp_classify(CURLcode rc, long code)
{
	if (rc == CURLE_OK)
		return SMTP_SENT;
	if (smtp_tls_hint(rc) != NULL || smtp_auth_failed(rc, code))
		return SMTP_TEMPFAIL;
	if (code >= 500 && code <= 599)
		return SMTP_PERMFAIL;
	return SMTP_TEMPFAIL;
}

/*
 * "smtp://host:port: " then the server's reply when it explains the
 * outcome, then curl's own words for a failure.
 */
static char *
smtp_detail(const struct smtp *s, CURLcode rc, long code)
{
	GString		*d = g_string_new(s->name);
	const char	*reply = code != 0 ? smtp_reply_find(s, code) : NULL;
	const char	*hint = smtp_tls_hint(rc);
	const char	*why = s->error[0] != '\0' ? s->error :
			    curl_easy_strerror(rc);

	g_string_append(d, ": ");
	if (rc == CURLE_OK) {
		if (reply != NULL)
			g_string_append(d, reply);
		else
			g_string_append_printf(d, "%ld accepted", code);
	} else if (hint != NULL)
		g_string_append_printf(d, "%s: %s", hint, why);
	else if (code >= 400 && reply != NULL)
		g_string_append_printf(d, "%s (%s)", reply, why);
	else if (code >= 400)
		g_string_append_printf(d, "%ld (%s)", code, why);
	else
		g_string_append(d, why);
	return g_string_free(d, FALSE);
}

/*
 * After a failure the cached connection may be out of step with the
 * server: curl 7.88 keeps it when the reply to the final dot times out,
 * and that late reply would then answer our next MAIL FROM. Shutting the
 * socket down makes curl find it dead, so it neither reuses it nor waits
 * for an answer to QUIT; the next send connects afresh.
 */
static void
smtp_drop_connection(struct smtp *s)
{
	curl_socket_t	 fd;

	if (curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &fd) ==
	    CURLE_OK && fd != CURL_SOCKET_BAD)
		shutdown(fd, SHUT_RDWR);
}

/*
 * curl puts envelope addresses into MAIL and RCPT commands as they are:
 * a CR or LF in one, from a header of a hostile mail, would inject
 * commands of its own.
 */
static int
smtp_address_ok(const char *addr)
{
	for (; *addr != '\0'; addr++)
		if ((guchar)*addr < 0x20 || *addr == 0x7f)
			return 0;
	return 1;
}

static enum smtp_result
smtp_bad_address(const struct smtp *s, const char *addr, char **detail)
{
	char	*shown = g_strescape(addr, NULL);

	*detail = g_strdup_printf("%s: invalid envelope address \"%s\"",
	    s->name, shown);
	g_free(shown);
	return SMTP_PERMFAIL;
}

/* The envelope for this send; every other option was set in smtp_new(). */
static CURLcode
smtp_setup_send(struct smtp *s, const char *envelope_from,
    struct curl_slist *rcpts)
{
	CURL		*c = s->curl;
	char		*from;
	CURLcode	 rc;

	from = g_strdup_printf("<%s>", envelope_from);
	if ((rc = curl_easy_setopt(c, CURLOPT_MAIL_FROM, from)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)s->size)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_VERBOSE,
	    log_tracing(TRACE_SMTP) ? 1L : 0L)) != CURLE_OK) {
		g_free(from);
		return rc;
	}
	g_free(from);	/* curl copies strings */
	return CURLE_OK;
}

enum smtp_result
smtp_send(struct smtp *s, const char *envelope_from,
    const char *const *rcpts, GBytes *message, char **detail)
{
	struct curl_slist	*list = NULL;
	enum smtp_result	 result;
	CURLcode		 rc;
	long			 code = 0;

	if (!smtp_address_ok(envelope_from))
		return smtp_bad_address(s, envelope_from, detail);
	for (; *rcpts != NULL; rcpts++) {
		if (!smtp_address_ok(*rcpts)) {
			curl_slist_free_all(list);
			return smtp_bad_address(s, *rcpts, detail);
		}
		if ((list = curl_slist_append(list, *rcpts)) == NULL)
			fatal(1, "smtp: out of memory");
	}
	if (list == NULL) {
		*detail = g_strdup_printf("%s: no recipients", s->name);
		return SMTP_PERMFAIL;
	}

	s->data = g_bytes_get_data(message, &s->size);
	s->off = 0;
	s->error[0] = '\0';
	s->in_auth = 0;
	smtp_replies_clear(s);

	/* Without a perform, RESPONSE_CODE would be the previous send's. */
	if ((rc = smtp_setup_send(s, envelope_from, list)) == CURLE_OK) {
		rc = curl_easy_perform(s->curl);
		if (curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE,
		    &code) != CURLE_OK)
			code = 0;
	}

	result = smtp_classify(rc, code);
	*detail = smtp_detail(s, rc, code);
	log_trace(TRACE_SMTP, "%s", *detail);
	if (rc != CURLE_OK)
		smtp_drop_connection(s);

	/* The list dies here; curl must not keep a pointer to it. */
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
	curl_slist_free_all(list);
	s->data = NULL;
	s->size = s->off = 0;
	return result;
}
