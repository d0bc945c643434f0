/*
 * imap: the IMAP client, and the only file that includes libetpan (and
 * GnuTLS, which checks what libetpan does not). One struct imap is one
 * authenticated session; the source above it selects, searches, fetches
 * and acknowledges through it.
 *
 * Connecting: we open the TCP connection ourselves (GIO, so that the
 * connect has a timeout and the error says why) and hand the descriptor
 * to libetpan as a plain or a TLS stream. STARTTLS is done by hand too:
 * libetpan's helper has no handshake timeout and does not refuse
 * plaintext the server pushed after its STARTTLS reply.
 *
 * Trust: libetpan accepts any certificate. After every handshake, and
 * before a single credential byte is sent, the peer's chain is checked
 * with GnuTLS against the system trust store plus ca_file (an extra
 * anchor, never a replacement), for the server purpose and for the host
 * name we dialled. GnuTLS matches an IP literal against the iPAddress
 * subject alternative names, not against the CN (RFC 6125), which is
 * what we want for "host = 127.0.0.1". SNI goes out from the TLS setup
 * callback, except for IP literals, where RFC 6066 forbids it.
 *
 * Authentication: LOGIN through libetpan; AUTHENTICATE PLAIN written
 * here, because mailimap_authenticate() goes through Cyrus SASL, whose
 * PLAIN plugin lives in libsasl2-modules (only recommended by Debian) and
 * whose global state is not ours to share between sessions; XOAUTH2
 * through mailimap_oauth2_authenticate(). Capabilities are asked for
 * again after STARTTLS and after authentication, since both may change
 * them and the ones read in plaintext are not to be trusted.
 *
 * Secrets never reach a cause or a log line: causes carry the server's
 * text, which does not echo them.
 *
 * IDLE and its interruption: see imap_idle().
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "imap.h"
#include "log.h"

#define IMAP_DEFAULT_TIMEOUT	30	/* seconds, when the config says 0 */
#define IMAP_TEXT_MAX		200	/* bytes of server text in a cause */

struct imap {
	mailimap	*m;
	char		*host;
	guint		 port;
	char		*name;		/* "host:port", for causes */
	guint		 timeout;
	int		 dead;		/* the connection is unusable */

	int		 has_idle;
	int		 has_move;
	int		 has_uidplus;

	/*
	 * imap_idle_interrupt() may come from another thread at any time.
	 * The lock orders it against setting up and tearing down the
	 * wakeup pipe; interrupted keeps a wakeup that arrived while no
	 * IDLE was running, so that the next imap_idle() returns at once
	 * instead of sleeping through it.
	 */
	GMutex		 lock;
	int		 idling;
	int		 interrupted;
};

static G_GNUC_NORETURN void
imap_oom(void)
{
	fatal(1, "imap: out of memory");
}

/*
 * Server text goes into causes, logs and the store, which hold UTF-8
 * text without control characters.
 */
static char *
imap_printable(const char *text)
{
	char	*s;

	if (text == NULL || *text == '\0')
		return g_strdup("(no text)");
	s = g_utf8_make_valid(text, MIN(strlen(text), IMAP_TEXT_MAX));
	for (char *p = s; *p != '\0'; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

/*
 * A cause for libetpan result r of the command "what". The server's own
 * words are used only when it answered: on a stream error imap_response
 * still holds the text of an earlier command.
 */
static char *
imap_error(struct imap *imap, const char *what, int r)
{
	char	*text, *cause;

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		imap->dead = 1;
		return g_strdup_printf("imap %s: %s: connection lost or timed "
		    "out", imap->name, what);
	case MAILIMAP_ERROR_PARSE:
		imap->dead = 1;
		return g_strdup_printf("imap %s: %s: unparsable reply",
		    imap->name, what);
	case MAILIMAP_ERROR_BAD_STATE:
		return g_strdup_printf("imap %s: %s: not allowed in this "
		    "state", imap->name, what);
	case MAILIMAP_ERROR_MEMORY:
		imap_oom();
	case MAILIMAP_ERROR_FATAL:
		imap->dead = 1;
		break;
	default:
		break;
	}
	text = imap_printable(imap->m->imap_response);
	cause = g_strdup_printf("imap %s: %s: %s", imap->name, what, text);
	g_free(text);
	return cause;
}

static int
imap_usable(struct imap *imap, char **cause)
{
	if (!imap->dead)
		return 0;
	*cause = g_strdup_printf("imap %s: the connection is broken",
	    imap->name);
	return -1;
}

/* Close without LOGOUT: for a session that failed or cannot be trusted. */
static void
imap_abort(struct imap *imap)
{
	if (imap->m->imap_stream != NULL) {
		mailstream_close(imap->m->imap_stream);
		imap->m->imap_stream = NULL;
	}
	imap->m->imap_state = MAILIMAP_STATE_DISCONNECTED;
	imap_close(imap);
}

/*
 * Capabilities.
 */

static int
imap_cap(struct imap *imap, int type, const char *name)
{
	struct mailimap_connection_info	*ci = imap->m->imap_connection_info;
	clistiter			*it;

	if (ci == NULL || ci->imap_capability == NULL)
		return 0;
	for (it = clist_begin(ci->imap_capability->cap_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_capability	*c = clist_content(it);
		const char			*s;

		if (c->cap_type != type)
			continue;
		s = type == MAILIMAP_CAPABILITY_AUTH_TYPE ?
		    c->cap_data.cap_auth_type : c->cap_data.cap_name;
		if (s != NULL && g_ascii_strcasecmp(s, name) == 0)
			return 1;
	}
	return 0;
}

static int
imap_has(struct imap *imap, const char *name)
{
	return imap_cap(imap, MAILIMAP_CAPABILITY_NAME, name);
}

/* Forget what we know, so that a later answer shows whether one came. */
static void
imap_caps_forget(struct imap *imap)
{
	struct mailimap_connection_info	*ci = imap->m->imap_connection_info;

	if (ci != NULL && ci->imap_capability != NULL) {
		mailimap_capability_data_free(ci->imap_capability);
		ci->imap_capability = NULL;
	}
}

/* Ask with CAPABILITY unless a response code already told us. */
static int
imap_caps_ensure(struct imap *imap, char **cause)
{
	struct mailimap_connection_info	*ci = imap->m->imap_connection_info;
	struct mailimap_capability_data	*caps;
	int				 r;

	if (ci != NULL && ci->imap_capability != NULL)
		return 0;
	if ((r = mailimap_capability(imap->m, &caps)) != MAILIMAP_NO_ERROR) {
		*cause = imap_error(imap, "CAPABILITY", r);
		return -1;
	}
	mailimap_capability_data_free(caps);
	return 0;
}

int
imap_has_idle(struct imap *imap)
{
	return imap->has_idle;
}

int
imap_has_move(struct imap *imap)
{
	return imap->has_move;
}

int
imap_has_uidplus(struct imap *imap)
{
	return imap->has_uidplus;
}

/*
 * Transport.
 */

/*
 * TCP with a timeout, through GIO; libetpan gets a blocking descriptor
 * of its own (a dup, since the GSocketConnection closes its one).
 */
static int
imap_tcp_connect(struct imap *imap, char **cause)
{
	GSocketClient		*client = g_socket_client_new();
	GSocketConnectable	*addr;
	GSocketConnection	*conn;
	GError			*error = NULL;
	int			 fd = -1, flags;

	addr = g_network_address_new(imap->host, imap->port);
	g_socket_client_set_timeout(client, imap->timeout);
	/* GIO would otherwise follow $http_proxy and desktop settings. */
	g_socket_client_set_enable_proxy(client, FALSE);
	conn = g_socket_client_connect(client, addr, NULL, &error);
	if (conn == NULL) {
		*cause = g_strdup_printf("imap %s: %s", imap->name,
		    error->message);
		g_error_free(error);
		goto out;
	}
	fd = fcntl(g_socket_get_fd(g_socket_connection_get_socket(conn)),
	    F_DUPFD_CLOEXEC, 0);
	if (fd == -1 || (flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		*cause = g_strdup_printf("imap %s: socket: %s", imap->name,
		    g_strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	g_object_unref(conn);
out:
	g_object_unref(addr);
	g_object_unref(client);
	return fd;
}

/* Called by libetpan before the handshake. */
static void
imap_tls_setup(struct mailstream_ssl_context *ctx, void *arg)
{
	struct imap	*imap = arg;

	if (!g_hostname_is_ip_address(imap->host))
		mailstream_ssl_set_server_name(ctx, imap->host);
}

/* Read the greeting; PREAUTH counts as authenticated. */
static int
imap_greeting(struct imap *imap, mailstream *stream, int *preauth,
    char **cause)
{
	int	 r;

	r = mailimap_connect(imap->m, stream);
	if (r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED ||
	    r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
		*preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
		return 0;
	}
	if (r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION)
		*cause = imap_error(imap, "greeting", MAILIMAP_ERROR_FATAL);
	else
		*cause = imap_error(imap, "greeting", r);
	return -1;
}

static int
imap_open(struct imap *imap, const struct imap_config *cfg, int *preauth,
    char **cause)
{
	mailstream	*stream;
	int		 fd;

	if ((fd = imap_tcp_connect(imap, cause)) == -1)
		return -1;
	if (cfg->tls == IMAP_TLS_IMAPS)
		stream = mailstream_ssl_open_with_callback_timeout(fd,
		    imap->timeout, imap_tls_setup, imap);
	else
		stream = mailstream_socket_open_timeout(fd, imap->timeout);
	if (stream == NULL) {
		close(fd);
		*cause = g_strdup_printf("imap %s: %s", imap->name,
		    cfg->tls == IMAP_TLS_IMAPS ? "TLS handshake failed" :
		    "cannot set up the stream");
		return -1;
	}
	return imap_greeting(imap, stream, preauth, cause);
}

/*
 * STARTTLS, then a TLS stream on the same descriptor. Anything the server
 * sent after its OK arrived in plaintext and would be read as if it came
 * over TLS (CVE-2020-15953): refuse the session instead.
 */
static int
imap_starttls(struct imap *imap, char **cause)
{
	mailstream	*stream = imap->m->imap_stream;
	mailstream_low	*low, *tls;
	int		 r;

	if ((r = mailimap_starttls(imap->m)) != MAILIMAP_NO_ERROR) {
		*cause = imap_error(imap, "STARTTLS", r);
		return -1;
	}
	if (stream->read_buffer_len != 0) {
		*cause = g_strdup_printf("imap %s: STARTTLS: the server sent "
		    "data before the handshake", imap->name);
		return -1;
	}
	low = mailstream_get_low(stream);
	tls = mailstream_low_tls_open_with_callback_timeout(
	    mailstream_low_get_fd(low), imap->timeout, imap_tls_setup, imap);
	if (tls == NULL) {
		*cause = g_strdup_printf("imap %s: STARTTLS: TLS handshake "
		    "failed", imap->name);
		return -1;
	}
	mailstream_low_free(low);
	mailstream_set_low(stream, tls);
	/* RFC 3501 6.2.1: what was said in plaintext no longer holds. */
	imap_caps_forget(imap);
	return 0;
}

/*
 * Certificate verification.
 */

static gnutls_x509_crt_t *
imap_chain_import(carray *chain, unsigned *n)
{
	gnutls_x509_crt_t	*crts;
	unsigned		 i;

	crts = g_new0(gnutls_x509_crt_t, carray_count(chain));
	for (i = 0; i < carray_count(chain); i++) {
		MMAPString	*der = carray_get(chain, i);
		gnutls_datum_t	 d = { (unsigned char *)der->str, der->len };

		if (gnutls_x509_crt_init(&crts[i]) < 0)
			imap_oom();
		if (gnutls_x509_crt_import(crts[i], &d,
		    GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[i]);
			break;
		}
	}
	*n = i;
	return crts;
}

static void
imap_chain_free(gnutls_x509_crt_t *crts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	g_free(crts);
}

/* The system's anchors, plus ca_file when set. */
static gnutls_x509_trust_list_t
imap_trust_list(struct imap *imap, const char *ca_file, char **cause)
{
	gnutls_x509_trust_list_t	 tl;
	int				 r;

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		imap_oom();
	r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r < 0 && ca_file == NULL) {
		*cause = g_strdup_printf("imap %s: system trust store: %s",
		    imap->name, gnutls_strerror(r));
		goto fail;
	}
	if (ca_file == NULL)
		return tl;
	r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
	    GNUTLS_X509_FMT_PEM, 0, 0);
	if (r <= 0) {
		*cause = g_strdup_printf("imap %s: ca_file %s: %s", imap->name,
		    ca_file, r < 0 ? gnutls_strerror(r) : "no certificates");
		goto fail;
	}
	return tl;
fail:
	gnutls_x509_trust_list_deinit(tl, 1);
	return NULL;
}

static char *
imap_verify_status(unsigned status)
{
	gnutls_datum_t	 out;
	char		*text;

	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) < 0)
		return g_strdup_printf("status 0x%x", status);
	text = g_strstrip(g_strdup((char *)out.data));
	gnutls_free(out.data);
	return text;
}

static int
imap_verify(struct imap *imap, const char *ca_file, char **cause)
{
	gnutls_typed_vdata_st		 data[2] = {
		{ GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)imap->host, 0 },
		{ GNUTLS_DT_KEY_PURPOSE_OID,
		    (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
	};
	gnutls_x509_trust_list_t	 tl;
	gnutls_x509_crt_t		*crts;
	carray				*chain;
	unsigned			 n, status = 0;
	char				*why;
	int				 r;

	chain = mailstream_get_certificate_chain(imap->m->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		if (chain != NULL)
			mailstream_certificate_chain_free(chain);
		*cause = g_strdup_printf("imap %s: TLS: the server sent no "
		    "certificate", imap->name);
		return -1;
	}
	crts = imap_chain_import(chain, &n);
	mailstream_certificate_chain_free(chain);
	if (n == 0) {
		imap_chain_free(crts, n);
		*cause = g_strdup_printf("imap %s: TLS: cannot parse the "
		    "server's certificate", imap->name);
		return -1;
	}
	if ((tl = imap_trust_list(imap, ca_file, cause)) == NULL) {
		imap_chain_free(crts, n);
		return -1;
	}
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, data,
	    G_N_ELEMENTS(data), 0, &status, NULL);
	gnutls_x509_trust_list_deinit(tl, 1);
	imap_chain_free(crts, n);
	if (r == 0 && status == 0)
		return 0;
	why = r < 0 ? g_strdup(gnutls_strerror(r)) : imap_verify_status(status);
	*cause = g_strdup_printf("imap %s: TLS certificate not trusted: %s",
	    imap->name, why);
	g_free(why);
	return -1;
}

/*
 * Authentication.
 */

static int
imap_puts(mailstream *s, const char *str)
{
	size_t	 len = strlen(str);

	return mailstream_write(s, str, len) == (ssize_t)len ? 0 : -1;
}

/* One line to the server, flushed: a libetpan result. */
static int
imap_send_line(mailstream *s, const char *a, const char *b)
{
	if (imap_puts(s, a) != 0 || imap_puts(s, b) != 0 ||
	    imap_puts(s, "\r\n") != 0 || mailstream_flush(s) == -1)
		return MAILIMAP_ERROR_STREAM;
	return MAILIMAP_NO_ERROR;
}

/*
 * Send the base64 response: inline when the server offers SASL-IR (RFC
 * 4959), else after its "+" continuation. A "+" after an inline response
 * would be a challenge PLAIN does not have: cancel with "*" (RFC 3501
 * 6.2.2) rather than wait for a reply that will not come. Returns a
 * libetpan result; on success the server's tagged reply is in *resp.
 */
static int
imap_plain_exchange(struct imap *imap, const char *b64, int inline_ir,
    struct mailimap_response **resp)
{
	mailstream	*s = imap->m->imap_stream;
	const char	*line;
	int		 r;

	if ((r = mailimap_send_current_tag(imap->m)) != MAILIMAP_NO_ERROR)
		return r;
	if (inline_ir)
		r = imap_send_line(s, "AUTHENTICATE PLAIN ", b64);
	else
		r = imap_send_line(s, "AUTHENTICATE PLAIN", "");
	if (r != MAILIMAP_NO_ERROR)
		return r;
	if ((line = mailimap_read_line(imap->m)) == NULL)
		return MAILIMAP_ERROR_STREAM;
	if (line[0] == '+') {
		if ((r = imap_send_line(s, inline_ir ? "*" : b64, "")) !=
		    MAILIMAP_NO_ERROR)
			return r;
		if (mailimap_read_line(imap->m) == NULL)
			return MAILIMAP_ERROR_STREAM;
	}
	return mailimap_parse_response(imap->m, resp);
}

/* AUTHENTICATE PLAIN (RFC 4616) without Cyrus SASL. */
static int
imap_auth_plain(struct imap *imap, const char *user, const char *secret,
    int sasl_ir)
{
	struct mailimap_response	*resp;
	size_t				 ul = strlen(user), sl = strlen(secret);
	size_t				 len = ul + sl + 2;
	guchar				*msg = g_malloc(len);
	char				*b64;
	int				 r, ok;

	if (imap->m->imap_state != MAILIMAP_STATE_NON_AUTHENTICATED)
		return MAILIMAP_ERROR_BAD_STATE;
	/* authzid (empty) NUL authcid NUL passwd */
	msg[0] = '\0';
	memcpy(msg + 1, user, ul);
	msg[ul + 1] = '\0';
	memcpy(msg + ul + 2, secret, sl);
	b64 = g_base64_encode(msg, len);
	explicit_bzero(msg, len);
	g_free(msg);

	/* Keeps the exchange out of libetpan's logger, should one be set. */
	mailstream_set_privacy(imap->m->imap_stream, 0);
	r = imap_plain_exchange(imap, b64, sasl_ir, &resp);
	mailstream_set_privacy(imap->m->imap_stream, 1);
	explicit_bzero(b64, strlen(b64));
	g_free(b64);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	ok = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type
	    == MAILIMAP_RESP_COND_STATE_OK;
	mailimap_response_free(resp);
	if (!ok)
		return MAILIMAP_ERROR_LOGIN;
	imap->m->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	return MAILIMAP_NO_ERROR;
}

static int
imap_authenticate(struct imap *imap, const struct imap_config *cfg,
    char **cause)
{
	const char	*what;
	int		 r, sasl_ir;

	switch (cfg->auth) {
	case IMAP_AUTH_LOGIN:
		what = "LOGIN";
		if (imap_has(imap, "LOGINDISABLED")) {
			*cause = g_strdup_printf("imap %s: the server disables "
			    "LOGIN here (LOGINDISABLED)", imap->name);
			return -1;
		}
		imap_caps_forget(imap);
		r = mailimap_login(imap->m, cfg->user, cfg->secret);
		break;
	case IMAP_AUTH_PLAIN:
		what = "AUTHENTICATE PLAIN";
		sasl_ir = imap_has(imap, "SASL-IR");
		imap_caps_forget(imap);
		r = imap_auth_plain(imap, cfg->user, cfg->secret, sasl_ir);
		break;
	case IMAP_AUTH_XOAUTH2:
		what = "AUTHENTICATE XOAUTH2";
		imap_caps_forget(imap);
		r = mailimap_oauth2_authenticate(imap->m, cfg->user,
		    cfg->secret);
		break;
	default:
		fatal(1, "imap: unknown auth method %d", cfg->auth);
	}
	if (r != MAILIMAP_NO_ERROR) {
		char *msg = g_strdup_printf("%s as %s", what, cfg->user);

		*cause = imap_error(imap, msg, r);
		g_free(msg);
		return -1;
	}
	return 0;
}

/*
 * The session.
 */

static struct imap *
imap_new(const struct imap_config *cfg)
{
	struct imap	*imap = g_new0(struct imap, 1);

	if ((imap->m = mailimap_new(0, NULL)) == NULL)
		imap_oom();
	imap->host = g_strdup(cfg->host);
	imap->port = cfg->port;
	if (imap->port == 0)
		imap->port = cfg->tls == IMAP_TLS_IMAPS ? 993 : 143;
	imap->name = g_strdup_printf("%s:%u", cfg->host, imap->port);
	imap->timeout = cfg->timeout ? cfg->timeout : IMAP_DEFAULT_TIMEOUT;
	mailimap_set_timeout(imap->m, imap->timeout);
	g_mutex_init(&imap->lock);
	return imap;
}

/* Everything up to the first byte of a credential. */
static int
imap_secure(struct imap *imap, const struct imap_config *cfg, int *preauth,
    char **cause)
{
	if (imap_open(imap, cfg, preauth, cause) != 0)
		return -1;
	if (cfg->tls == IMAP_TLS_STARTTLS) {
		/* A PREAUTH greeting leaves no room for STARTTLS. */
		if (*preauth) {
			*cause = g_strdup_printf("imap %s: PREAUTH greeting, "
			    "cannot STARTTLS", imap->name);
			return -1;
		}
		if (imap_starttls(imap, cause) != 0)
			return -1;
	}
	if (cfg->tls != IMAP_TLS_NONE &&
	    imap_verify(imap, cfg->ca_file, cause) != 0)
		return -1;
	return imap_caps_ensure(imap, cause);
}

struct imap *
imap_connect(const struct imap_config *cfg, char **cause)
{
	struct imap	*imap = imap_new(cfg);
	int		 preauth = 0;

	if (imap_secure(imap, cfg, &preauth, cause) != 0 ||
	    (!preauth && imap_authenticate(imap, cfg, cause) != 0) ||
	    imap_caps_ensure(imap, cause) != 0) {
		imap_abort(imap);
		return NULL;
	}
	imap->has_idle = imap_has(imap, "IDLE");
	imap->has_move = imap_has(imap, "MOVE");
	imap->has_uidplus = imap_has(imap, "UIDPLUS");
	return imap;
}

void
imap_close(struct imap *imap)
{
	if (imap == NULL)
		return;
	/* mailimap_free() says LOGOUT on a stream that is still open. */
	if (imap->dead && imap->m->imap_stream != NULL) {
		mailstream_close(imap->m->imap_stream);
		imap->m->imap_stream = NULL;
	}
	mailimap_free(imap->m);
	g_mutex_clear(&imap->lock);
	g_free(imap->host);
	g_free(imap->name);
	g_free(imap);
}

/*
 * Mailboxes.
 */

int
imap_select(struct imap *imap, const char *mailbox, struct imap_mailbox *mb,
    char **cause)
{
	struct mailimap_selection_info	*si;
	int				 r;

	if (imap_usable(imap, cause) != 0)
		return -1;
	if ((r = mailimap_select(imap->m, mailbox)) != MAILIMAP_NO_ERROR) {
		char *what = g_strdup_printf("SELECT %s", mailbox);

		*cause = imap_error(imap, what, r);
		g_free(what);
		return -1;
	}
	si = imap->m->imap_selection_info;
	mb->uidvalidity = si->sel_uidvalidity;
	mb->uidnext = si->sel_uidnext;
	mb->exists = si->sel_exists;
	return 0;
}

/* Whether LIST finds exactly this mailbox. */
static int
imap_mailbox_exists(struct imap *imap, const char *mailbox)
{
	clist	*list = NULL;
	int	 found;

	if (mailimap_list(imap->m, "", mailbox, &list) != MAILIMAP_NO_ERROR)
		return 0;
	found = list != NULL && clist_count(list) > 0;
	if (list != NULL)
		mailimap_list_result_free(list);
	return found;
}

int
imap_create(struct imap *imap, const char *mailbox, char **cause)
{
	char	*what;
	int	 r;

	if (imap_usable(imap, cause) != 0)
		return -1;
	if ((r = mailimap_create(imap->m, mailbox)) == MAILIMAP_NO_ERROR)
		return 0;
	/*
	 * Servers word "already exists" differently, and not all send
	 * [ALREADYEXISTS] (RFC 5530): ask LIST, keeping CREATE's answer.
	 */
	what = g_strdup_printf("CREATE %s", mailbox);
	*cause = imap_error(imap, what, r);
	g_free(what);
	if (imap->dead || !imap_mailbox_exists(imap, mailbox))
		return -1;
	g_clear_pointer(cause, g_free);
	return 0;
}

/*
 * UID sets.
 */

static gint
imap_uid_cmp(gconstpointer a, gconstpointer b)
{
	guint32	 x = *(const guint32 *)a, y = *(const guint32 *)b;

	return x < y ? -1 : x > y;
}

/* The uids, sorted and run-length compressed: "3:7,9,12:13". */
static struct mailimap_set *
imap_set_new(const guint32 *uids, guint n)
{
	struct mailimap_set	*set;
	guint32			*v = g_memdup2(uids, n * sizeof *uids);
	guint			 i, j;

	qsort(v, n, sizeof *v, imap_uid_cmp);
	if ((set = mailimap_set_new_empty()) == NULL)
		imap_oom();
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] <= v[j - 1] + 1; j++)
			;
		if (mailimap_set_add_interval(set, v[i], v[j - 1]) !=
		    MAILIMAP_NO_ERROR)
			imap_oom();
	}
	g_free(v);
	return set;
}

int
imap_search_from(struct imap *imap, guint32 from, GArray **uids, char **cause)
{
	struct mailimap_search_key	*key;
	clist				*result = NULL;
	clistiter			*it;
	int				 r;

	if (imap_usable(imap, cause) != 0)
		return -1;
	from = MAX(from, 1);
	/* 0 is libetpan's "*". */
	key = mailimap_search_key_new_uid(mailimap_set_new_interval(from, 0));
	if (key == NULL)
		imap_oom();
	r = mailimap_uid_search(imap->m, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		*cause = imap_error(imap, "UID SEARCH", r);
		return -1;
	}
	*uids = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		guint32 uid = *(uint32_t *)clist_content(it);

		/* "from:*" is "*:from" when the highest uid is below from. */
		if (uid >= from)
			g_array_append_val(*uids, uid);
	}
	mailimap_search_result_free(result);
	g_array_sort(*uids, imap_uid_cmp);
	return 0;
}

/*
 * Fetching.
 */

/* A UID FETCH of some items, each response handed to fn. */
typedef void	(*imap_att_fn)(struct mailimap_msg_att *, gpointer);

struct imap_each {
	imap_att_fn	 fn;
	gpointer	 arg;
	guint		 responses;
};

/* libetpan calls the handler only while a progress function is set. */
static void
imap_no_progress(size_t current, size_t maximum, void *arg)
{
}

static void
imap_each_att(struct mailimap_msg_att *att, void *arg)
{
	struct imap_each	*e = arg;

	e->responses++;
	e->fn(att, e->arg);
}

/*
 * Responses go to fn as libetpan parses them, not from the list it
 * hands back at the end: a server that says BYE after a message it
 * cannot read (Dovecot does) would otherwise take every response of the
 * command with it. A tagged NO after some responses leaves the rest
 * missing, which the caller sees; a NO with none is the command's error.
 */
static int
imap_uid_fetch_each(struct imap *imap, const guint32 *uids, guint n,
    struct mailimap_fetch_type *ft, imap_att_fn fn, gpointer arg, char **cause)
{
	struct imap_each	 e = { fn, arg, 0 };
	struct mailimap_set	*set;
	clist			*result = NULL;
	clistiter		*it;
	int			 r;

	set = imap_set_new(uids, n);
	mailimap_set_msg_att_handler(imap->m, imap_each_att, &e);
	mailimap_set_progress_callback(imap->m, NULL, imap_no_progress, NULL);
	r = mailimap_uid_fetch(imap->m, set, ft, &result);
	mailimap_set_progress_callback(imap->m, NULL, NULL, NULL);
	mailimap_set_msg_att_handler(imap->m, NULL, NULL);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r == MAILIMAP_ERROR_UID_FETCH && e.responses > 0)
		r = MAILIMAP_NO_ERROR;
	if (r != MAILIMAP_NO_ERROR) {
		*cause = imap_error(imap, "UID FETCH", r);
		return -1;
	}
	for (it = clist_begin(result); result != NULL && it != NULL;
	    it = clist_next(it))
		imap_each_att(clist_content(it), &e);
	if (result != NULL)
		mailimap_fetch_list_free(result);
	return 0;
}

/* A fetch type of UID and one more item. */
static struct mailimap_fetch_type *
imap_fetch_type(struct mailimap_fetch_att *item)
{
	struct mailimap_fetch_type	*ft;

	if (item == NULL ||
	    (ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, item) !=
	    MAILIMAP_NO_ERROR)
		imap_oom();
	return ft;
}

struct imap_fetch_ctx {
	imap_fetch_cb	 cb;
	gpointer	 arg;
};

/* The first static item of type in a FETCH response, or NULL. */
static struct mailimap_msg_att_static *
imap_att_find(struct mailimap_msg_att *att, int type)
{
	for (clistiter *it = clist_begin(att->att_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_msg_att_item	*item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static->att_type == type)
			return item->att_data.att_static;
	}
	return NULL;
}

/*
 * Deliver one FETCH response that names a uid; those without are
 * unsolicited. A body of NIL (libetpan: NULL; an empty literal is "")
 * or none at all comes as raw NULL.
 */
static void
imap_fetch_one(struct mailimap_msg_att *att, gpointer arg)
{
	struct imap_fetch_ctx		*ctx = arg;
	struct mailimap_msg_att_static	*uid, *body;
	struct mailimap_msg_att_body_section *sec = NULL;
	GBytes				*raw = NULL;

	uid = imap_att_find(att, MAILIMAP_MSG_ATT_UID);
	body = imap_att_find(att, MAILIMAP_MSG_ATT_BODY_SECTION);
	if (uid == NULL || uid->att_data.att_uid == 0)
		return;
	if (body != NULL)
		sec = body->att_data.att_body_section;
	if (sec != NULL && sec->sec_body_part != NULL)
		raw = g_bytes_new(sec->sec_body_part, sec->sec_length);
	ctx->cb(uid->att_data.att_uid, raw, ctx->arg);
	if (raw != NULL)
		g_bytes_unref(raw);
}

int
imap_fetch(struct imap *imap, const guint32 *uids, guint n, int headers_only,
    imap_fetch_cb cb, gpointer arg, char **cause)
{
	struct imap_fetch_ctx	 ctx = { cb, arg };
	struct mailimap_section	*section;

	if (imap_usable(imap, cause) != 0)
		return -1;
	if (n == 0)
		return 0;
	section = headers_only ? mailimap_section_new_header() :
	    mailimap_section_new(NULL);
	if (section == NULL)
		imap_oom();
	return imap_uid_fetch_each(imap, uids, n, imap_fetch_type(
	    mailimap_fetch_att_new_body_peek_section(section)),
	    imap_fetch_one, &ctx, cause);
}

static void
imap_size_one(struct mailimap_msg_att *att, gpointer arg)
{
	struct mailimap_msg_att_static	*uid, *size;

	uid = imap_att_find(att, MAILIMAP_MSG_ATT_UID);
	size = imap_att_find(att, MAILIMAP_MSG_ATT_RFC822_SIZE);
	if (uid != NULL && uid->att_data.att_uid != 0 && size != NULL)
		g_hash_table_insert(arg, GUINT_TO_POINTER(uid->att_data.att_uid),
		    GUINT_TO_POINTER(size->att_data.att_rfc822_size));
}

int
imap_sizes(struct imap *imap, const guint32 *uids, guint n,
    GHashTable **sizes, char **cause)
{
	*sizes = g_hash_table_new(NULL, NULL);
	if (imap_usable(imap, cause) != 0) {
		g_hash_table_destroy(*sizes);
		return -1;
	}
	if (n == 0)
		return 0;
	if (imap_uid_fetch_each(imap, uids, n, imap_fetch_type(
	    mailimap_fetch_att_new_rfc822_size()), imap_size_one, *sizes,
	    cause) != 0) {
		g_hash_table_destroy(*sizes);
		return -1;
	}
	return 0;
}

/*
 * After-actions.
 */

/* UID STORE +FLAGS.SILENT (flag) on the set. */
static int
imap_store_flag(struct imap *imap, struct mailimap_set *set,
    struct mailimap_flag *flag, char **cause)
{
	struct mailimap_flag_list	*fl;
	struct mailimap_store_att_flags	*sf;
	int				 r;

	if (flag == NULL || (fl = mailimap_flag_list_new_empty()) == NULL ||
	    mailimap_flag_list_add(fl, flag) != MAILIMAP_NO_ERROR ||
	    (sf = mailimap_store_att_flags_new_add_flags_silent(fl)) == NULL)
		imap_oom();
	r = mailimap_uid_store(imap->m, set, sf);
	mailimap_store_att_flags_free(sf);
	if (r != MAILIMAP_NO_ERROR) {
		*cause = imap_error(imap, "UID STORE", r);
		return -1;
	}
	return 0;
}

/*
 * Expunge what we marked. Without UIDPLUS only a plain EXPUNGE exists,
 * which also removes anything else flagged \Deleted in the mailbox: that
 * is the server's limit, and a mailbox ticketd reads should hold no mail
 * that someone deleted and meant to keep.
 */
static int
imap_expunge(struct imap *imap, struct mailimap_set *set, char **cause)
{
	int	 r;

	if (imap->has_uidplus)
		r = mailimap_uid_expunge(imap->m, set);
	else
		r = mailimap_expunge(imap->m);
	if (r != MAILIMAP_NO_ERROR) {
		*cause = imap_error(imap, imap->has_uidplus ? "UID EXPUNGE" :
		    "EXPUNGE", r);
		return -1;
	}
	return 0;
}

static int
imap_copy_delete(struct imap *imap, struct mailimap_set *set,
    const char *mailbox, char **cause)
{
	char	*what;
	int	 r;

	if ((r = mailimap_uid_copy(imap->m, set, mailbox)) !=
	    MAILIMAP_NO_ERROR) {
		what = g_strdup_printf("UID COPY to %s", mailbox);
		*cause = imap_error(imap, what, r);
		g_free(what);
		return -1;
	}
	if (imap_store_flag(imap, set, mailimap_flag_new_deleted(),
	    cause) != 0)
		return -1;
	return imap_expunge(imap, set, cause);
}

int
imap_move(struct imap *imap, const guint32 *uids, guint n,
    const char *mailbox, char **cause)
{
	struct mailimap_set	*set;
	char			*what;
	int			 r, rc = 0;

	if (imap_usable(imap, cause) != 0)
		return -1;
	if (n == 0)
		return 0;
	set = imap_set_new(uids, n);
	if (!imap->has_move)
		rc = imap_copy_delete(imap, set, mailbox, cause);
	else if ((r = mailimap_uid_move(imap->m, set, mailbox)) !=
	    MAILIMAP_NO_ERROR) {
		what = g_strdup_printf("UID MOVE to %s", mailbox);
		*cause = imap_error(imap, what, r);
		g_free(what);
		rc = -1;
	}
	mailimap_set_free(set);
	return rc;
}

/* Set flag on the uids; with expunge, remove them afterwards. */
static int
imap_flag_uids(struct imap *imap, const guint32 *uids, guint n,
    struct mailimap_flag *flag, int expunge, char **cause)
{
	struct mailimap_set	*set;
	int			 rc;

	if (imap_usable(imap, cause) != 0) {
		mailimap_flag_free(flag);
		return -1;
	}
	if (n == 0) {
		mailimap_flag_free(flag);
		return 0;
	}
	set = imap_set_new(uids, n);
	rc = imap_store_flag(imap, set, flag, cause);
	if (rc == 0 && expunge)
		rc = imap_expunge(imap, set, cause);
	mailimap_set_free(set);
	return rc;
}

int
imap_mark_seen(struct imap *imap, const guint32 *uids, guint n, char **cause)
{
	return imap_flag_uids(imap, uids, n, mailimap_flag_new_seen(), 0, cause);
}

int
imap_delete(struct imap *imap, const guint32 *uids, guint n, char **cause)
{
	return imap_flag_uids(imap, uids, n, mailimap_flag_new_deleted(), 1,
	    cause);
}

/*
 * IDLE.
 */

enum imap_idle_line {
	IMAP_IDLE_NEWS,		/* EXISTS or RECENT: new mail */
	IMAP_IDLE_OTHER,	/* keepalive, flags, expunges */
	IMAP_IDLE_BYE,
};

static enum imap_idle_line
imap_idle_classify(const char *line)
{
	const char	*p;

	if (g_ascii_strncasecmp(line, "* BYE", 5) == 0)
		return IMAP_IDLE_BYE;
	if (line[0] != '*' || line[1] != ' ' || !g_ascii_isdigit(line[2]))
		return IMAP_IDLE_OTHER;
	for (p = line + 2; g_ascii_isdigit(*p); p++)
		;
	if (g_ascii_strncasecmp(p, " EXISTS", 7) == 0 ||
	    g_ascii_strncasecmp(p, " RECENT", 7) == 0)
		return IMAP_IDLE_NEWS;
	return IMAP_IDLE_OTHER;
}

/*
 * Read the untagged lines that woke us, while still in IDLE. Returns 1
 * for new mail, 0 for lines that do not matter (Dovecot's "* OK Still
 * here", flag changes), -1 with *cause for BYE or a broken connection.
 */
static int
imap_idle_read(struct imap *imap, char **cause)
{
	const char	*line;
	int		 news = 0;

	do {
		if ((line = mailimap_read_line(imap->m)) == NULL) {
			*cause = imap_error(imap, "IDLE", MAILIMAP_ERROR_STREAM);
			return -1;
		}
		switch (imap_idle_classify(line)) {
		case IMAP_IDLE_NEWS:
			news = 1;
			break;
		case IMAP_IDLE_OTHER:
			break;
		case IMAP_IDLE_BYE:
			imap->dead = 1;
			*cause = g_strdup_printf("imap %s: IDLE: the server "
			    "closed the session", imap->name);
			return -1;
		}
	} while (imap->m->imap_stream->read_buffer_len > 0);
	return news;
}

/*
 * Wait in IDLE until new mail, the deadline or an interrupt. The
 * stream's own buffer is looked at first: lines that came in the same
 * read as "+ idling" are already there and poll() would not see them.
 * (GnuTLS could hold undelivered bytes too, but only of a record larger
 * than libetpan's read buffer, which idle responses never are.)
 */
static int
imap_idle_wait(struct imap *imap, gint64 deadline, char **cause)
{
	mailstream	*s = imap->m->imap_stream;
	gint64		 left;
	int		 r;

	for (;;) {
		if (s->read_buffer_len > 0) {
			if ((r = imap_idle_read(imap, cause)) != 0)
				return r;
			continue;
		}
		left = (deadline - g_get_monotonic_time() + G_USEC_PER_SEC - 1)
		    / G_USEC_PER_SEC;
		if (left <= 0)
			return 0;
		switch (mailstream_wait_idle(s, (int)left)) {
		case MAILSTREAM_IDLE_HASDATA:
			if ((r = imap_idle_read(imap, cause)) != 0)
				return r;
			break;
		case MAILSTREAM_IDLE_TIMEOUT:
			break;
		case MAILSTREAM_IDLE_INTERRUPTED:
		case MAILSTREAM_IDLE_CANCELLED:
			g_mutex_lock(&imap->lock);
			imap->interrupted = 0;
			g_mutex_unlock(&imap->lock);
			return 0;
		case MAILSTREAM_IDLE_ERROR:
		default:
			imap->dead = 1;
			*cause = g_strdup_printf("imap %s: IDLE: cannot wait "
			    "on the connection", imap->name);
			return -1;
		}
	}
}

/*
 * The wakeup pipe exists only between setup and unsetup; both happen
 * under the lock that imap_idle_interrupt() takes, so it never writes to
 * a pipe that is being closed. Returns 0 when an interrupt is pending:
 * then there is nothing to wait for.
 */
static int
imap_idle_arm(struct imap *imap)
{
	int	 armed = 0;

	g_mutex_lock(&imap->lock);
	if (imap->interrupted)
		imap->interrupted = 0;
	else if (mailstream_setup_idle(imap->m->imap_stream) == 0)
		imap->idling = armed = 1;
	g_mutex_unlock(&imap->lock);
	return armed;
}

static void
imap_idle_disarm(struct imap *imap)
{
	g_mutex_lock(&imap->lock);
	mailstream_unsetup_idle(imap->m->imap_stream);
	imap->idling = 0;
	g_mutex_unlock(&imap->lock);
}

/*
 * IDLE, wait, DONE. The session is usable afterwards unless -1 said the
 * connection broke. A keepalive does not end the wait; only EXISTS or
 * RECENT does, with 1. The caller re-issues IDLE well within the 29
 * minutes of RFC 2177.
 */
int
imap_idle(struct imap *imap, guint secs, char **cause)
{
	gint64	 deadline = g_get_monotonic_time() + secs * G_USEC_PER_SEC;
	int	 r, rc;

	if (imap_usable(imap, cause) != 0)
		return -1;
	if (!imap->has_idle) {
		*cause = g_strdup_printf("imap %s: the server does not offer "
		    "IDLE", imap->name);
		return -1;
	}
	if (!imap_idle_arm(imap))
		return 0;
	if ((r = mailimap_idle(imap->m)) != MAILIMAP_NO_ERROR) {
		imap_idle_disarm(imap);
		*cause = imap_error(imap, "IDLE", r);
		return -1;
	}
	rc = imap_idle_wait(imap, deadline, cause);
	imap_idle_disarm(imap);
	/* Failures of the wait leave a dead connection: no DONE then. */
	if (rc < 0)
		return -1;
	if ((r = mailimap_idle_done(imap->m)) != MAILIMAP_NO_ERROR) {
		*cause = imap_error(imap, "IDLE DONE", r);
		return -1;
	}
	return rc;
}

/*
 * From any thread, as long as imap_close() has not begun: the owner must
 * stop calling this (e.g. clear its shared pointer under its own lock)
 * before it closes the session.
 */
void
imap_idle_interrupt(struct imap *imap)
{
	g_mutex_lock(&imap->lock);
	imap->interrupted = 1;
	if (imap->idling)
		mailstream_interrupt_idle(imap->m->imap_stream);
	g_mutex_unlock(&imap->lock);
}
