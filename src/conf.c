/*
 * conf: reads ticketd.conf into an immutable struct conf.
 *
 * Every key is declared once in conf_keys[] with its section, type and
 * place in the struct, so parsing, unknown-key errors and defaults all
 * come from one table. Errors are collected, not stopped at, so that
 * "ticketd -n" shows the admin every mistake in one run.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "agent.h"
#include "conf.h"
#include "inifile.h"
#include "log.h"
#include "mime.h"
#include "sender.h"
#include "rules.h"
#include "store.h"
#include "template.h"
#include "thread.h"

enum conf_type {
	CONF_STRING,
	CONF_UINT,
	CONF_SIZE,
	CONF_LIST,
	CONF_CHAR,
	CONF_BOOL,
	CONF_DURATION,
	CONF_LIMITS,
	CONF_TIMEZONE,
	CONF_HOURS,
	CONF_SECRET,		/* the contents of the named file */
	CONF_ENUM,		/* one of conf_key.choices, stored as its index */
	CONF_MODE,		/* octal permission bits, e.g. 0660 */
	CONF_GROUP,		/* a group name or number, stored as a gid */
	CONF_USER,		/* a user's name, checked to exist */
	CONF_FACILITY,		/* a syslog facility's name */
	CONF_PERCENT,		/* "80%" or "80", from min to max */
};

enum conf_scope {
	SCOPE_TICKETD,
	SCOPE_LMTP,
	SCOPE_SMTP,
	SCOPE_AUTOREPLY,
	SCOPE_QUEUE,
	SCOPE_IMAP,
	SCOPE_AGENTS,
	SCOPE_AGENT,
	SCOPE_SLA,
	SCOPE_CSAT,
	SCOPE_METRICS,
};

struct conf_key {
	enum conf_scope	 scope;
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;	/* in struct conf, or the named section's */
	guint64		 min, max;	/* for CONF_UINT and CONF_SIZE */
	const char *const *choices;	/* for CONF_ENUM */
};

static const char *const conf_tls_choices[] = { "imaps", "starttls", "none", NULL };
static const char *const conf_auth_choices[] = { "login", "plain", "xoauth2", NULL };
/* In the order of enum conf_notify. */
static const char *const conf_notify_choices[] = { "all", "assigned", "none", NULL };

#define C(f)	offsetof(struct conf, f)
#define Q(f)	offsetof(struct conf_queue, f)
static const struct conf_key conf_keys[] = {
	{ SCOPE_TICKETD, "database", CONF_STRING, C(database), 0, 0 },
	{ SCOPE_TICKETD, "state_dir", CONF_STRING, C(state_dir), 0, 0 },
	{ SCOPE_TICKETD, "hostname", CONF_STRING, C(hostname), 0, 0 },
	{ SCOPE_TICKETD, "subject_tag", CONF_STRING, C(subject_tag), 0, 0 },
	{ SCOPE_TICKETD, "fallback_charset", CONF_STRING, C(fallback_charset), 0, 0 },
	{ SCOPE_TICKETD, "templates", CONF_STRING, C(templates_dir), 0, 0 },
	{ SCOPE_TICKETD, "rules", CONF_STRING, C(rules_path), 0, 0 },
	{ SCOPE_TICKETD, "secret_file", CONF_SECRET, C(secret), 0, 0 },
	{ SCOPE_TICKETD, "user", CONF_USER, C(user), 0, 0 },
	{ SCOPE_TICKETD, "syslog_facility", CONF_FACILITY, C(syslog_facility),
	    0, 0 },
	{ SCOPE_TICKETD, "pending_remind", CONF_DURATION, C(pending_remind),
	    0, 365 * 86400 },
	{ SCOPE_TICKETD, "pending_resolve", CONF_DURATION, C(pending_resolve),
	    0, 365 * 86400 },
	{ SCOPE_TICKETD, "close_after", CONF_DURATION, C(close_after),
	    0, 365 * 86400 },
	{ SCOPE_LMTP, "listen", CONF_LIST, C(lmtp_listen), 0, 0 },
	{ SCOPE_METRICS, "listen", CONF_STRING, C(metrics_listen), 0, 0 },
	{ SCOPE_LMTP, "max_sessions", CONF_UINT, C(lmtp_max_sessions), 1, 100000 },
	{ SCOPE_LMTP, "timeout", CONF_UINT, C(lmtp_timeout), 1, 86400 },
	{ SCOPE_LMTP, "max_message_size", CONF_SIZE, C(lmtp_max_message_size),
	    1024, G_GUINT64_CONSTANT(1) << 31 },
	{ SCOPE_LMTP, "max_recipients", CONF_UINT, C(lmtp_max_recipients), 1, 100000 },
	{ SCOPE_LMTP, "recipient_delimiter", CONF_CHAR, C(recipient_delimiter), 0, 0 },
	{ SCOPE_LMTP, "socket_mode", CONF_MODE, C(lmtp_socket_mode), 0, 0 },
	{ SCOPE_LMTP, "socket_group", CONF_GROUP, C(lmtp_socket_gid), 0, 0 },
	{ SCOPE_SMTP, "url", CONF_STRING, C(smtp_url), 0, 0 },
	{ SCOPE_SMTP, "starttls", CONF_BOOL, C(smtp_starttls), 0, 0 },
	{ SCOPE_SMTP, "user", CONF_STRING, C(smtp_user), 0, 0 },
	{ SCOPE_SMTP, "password", CONF_STRING, C(smtp_password), 0, 0 },
	{ SCOPE_SMTP, "password_file", CONF_SECRET, C(smtp_password), 0, 0 },
	{ SCOPE_SMTP, "ca_file", CONF_STRING, C(smtp_ca_file), 0, 0 },
	{ SCOPE_SMTP, "timeout", CONF_DURATION, C(smtp_timeout), 1, 3600 },
	{ SCOPE_SMTP, "retry_min", CONF_DURATION, C(smtp_retry_min), 1, 86400 },
	{ SCOPE_SMTP, "retry_max", CONF_DURATION, C(smtp_retry_max), 1, 604800 },
	{ SCOPE_SMTP, "queue_lifetime", CONF_DURATION, C(smtp_queue_lifetime),
	    60, 60 * 86400 },
	{ SCOPE_CSAT, "send", CONF_BOOL, C(csat_send), 0, 0 },
	{ SCOPE_CSAT, "delay", CONF_DURATION, C(csat_delay), 0, 30 * 86400 },
	{ SCOPE_AUTOREPLY, "per_address", CONF_LIMITS, C(limit_address), 0, 0 },
	{ SCOPE_AUTOREPLY, "per_ticket", CONF_LIMITS, C(limit_ticket), 0, 0 },
	{ SCOPE_AUTOREPLY, "bounce_suppress", CONF_DURATION, C(bounce_suppress),
	    0, 365 * 86400 },
	{ SCOPE_AUTOREPLY, "envelope_sender", CONF_STRING, C(ack_envelope_sender),
	    0, 0 },
	{ SCOPE_QUEUE, "address", CONF_LIST, Q(addresses), 0, 0 },
	{ SCOPE_QUEUE, "name", CONF_STRING, Q(display_name), 0, 0 },
	{ SCOPE_QUEUE, "language", CONF_STRING, Q(language), 0, 0 },
	{ SCOPE_QUEUE, "timezone", CONF_TIMEZONE, Q(timezone), 0, 0 },
	{ SCOPE_QUEUE, "hours", CONF_HOURS, Q(hours), 0, 0 },
	{ SCOPE_QUEUE, "acknowledge", CONF_BOOL, Q(acknowledge), 0, 0 },
	{ SCOPE_QUEUE, "holidays", CONF_STRING, Q(holidays_path), 0, 0 },
#define S(f)	offsetof(struct conf_sla, f)
	{ SCOPE_SLA, "queue", CONF_STRING, S(queue), 0, 0 },
	{ SCOPE_SLA, "priority", CONF_STRING, S(priority), 0, 0 },
	{ SCOPE_SLA, "first_response", CONF_DURATION, S(first_response),
	    1, 365 * 86400 },
	{ SCOPE_SLA, "next_response", CONF_DURATION, S(next_response),
	    1, 365 * 86400 },
	{ SCOPE_SLA, "resolution", CONF_DURATION, S(resolution),
	    1, 365 * 86400 },
	{ SCOPE_SLA, "business_hours", CONF_BOOL, S(business_hours), 0, 0 },
	{ SCOPE_SLA, "warn", CONF_PERCENT, S(warn), 0, 99 },
	{ SCOPE_SLA, "escalate", CONF_STRING, S(escalate), 0, 0 },
#undef S
#define I(f)	offsetof(struct conf_imap, f)
	{ SCOPE_IMAP, "host", CONF_STRING, I(host), 0, 0 },
	{ SCOPE_IMAP, "port", CONF_UINT, I(port), 1, 65535 },
	{ SCOPE_IMAP, "tls", CONF_ENUM, I(tls), 0, 0, conf_tls_choices },
	{ SCOPE_IMAP, "auth", CONF_ENUM, I(auth), 0, 0, conf_auth_choices },
	{ SCOPE_IMAP, "user", CONF_STRING, I(user), 0, 0 },
	{ SCOPE_IMAP, "password", CONF_STRING, I(password), 0, 0 },
	{ SCOPE_IMAP, "password_file", CONF_SECRET, I(password), 0, 0 },
	{ SCOPE_IMAP, "token_file", CONF_STRING, I(token_file), 0, 0 },
	{ SCOPE_IMAP, "token_command", CONF_STRING, I(token_command), 0, 0 },
	{ SCOPE_IMAP, "mailbox", CONF_STRING, I(mailbox), 0, 0 },
	{ SCOPE_IMAP, "queue", CONF_STRING, I(queue), 0, 0 },
	{ SCOPE_IMAP, "after", CONF_STRING, I(after), 0, 0 },
	{ SCOPE_IMAP, "quarantine", CONF_STRING, I(quarantine), 0, 0 },
	{ SCOPE_IMAP, "max_failures", CONF_UINT, I(max_failures), 1, 100 },
	{ SCOPE_IMAP, "ca_file", CONF_STRING, I(ca_file), 0, 0 },
	{ SCOPE_IMAP, "timeout", CONF_DURATION, I(timeout), 1, 3600 },
	{ SCOPE_IMAP, "poll_interval", CONF_DURATION, I(poll_interval), 1, 86400 },
	{ SCOPE_IMAP, "idle", CONF_BOOL, I(idle), 0, 0 },
	{ SCOPE_IMAP, "batch", CONF_UINT, I(batch), 1, 1000 },
	{ SCOPE_IMAP, "archive", CONF_BOOL, I(archive), 0, 0 },
#undef I
	{ SCOPE_AGENTS, "require_auth", CONF_BOOL, C(agents_require_auth), 0, 0 },
	{ SCOPE_AGENTS, "authserv_id", CONF_STRING, C(agents_authserv_id), 0, 0 },
#define A(f)	offsetof(struct conf_agent, f)
	{ SCOPE_AGENT, "address", CONF_LIST, A(addresses), 0, 0 },
	{ SCOPE_AGENT, "name", CONF_STRING, A(display_name), 0, 0 },
	{ SCOPE_AGENT, "queues", CONF_LIST, A(queues), 0, 0 },
	{ SCOPE_AGENT, "notify", CONF_ENUM, A(notify), 0, 0, conf_notify_choices },
#undef A
};
#undef C
#undef Q

struct conf_parse {
	struct conf		*conf;
	const char		*path;
	guint			 line;
	int			 scope;		/* -1: before any section */
	struct conf_queue	*queue;		/* current [queue NAME] */
	struct conf_imap	*imap;		/* current [imap NAME] */
	struct conf_agent	*agent;		/* current [agent NAME] */
	struct conf_sla		*sla;		/* current [sla NAME] */
	GHashTable		*seen;		/* "scope\nsection\nkey" -> line */
	GHashTable		*sections;	/* "[name arg]" -> first line */
	GHashTable		*address_line;	/* queue address -> its line */
	GHashTable		*agent_address;	/* agent address -> its line */
	GString			*errors;
};

static gpointer	conf_find_section(const GPtrArray *, const char *);

static void G_GNUC_PRINTF(2, 3)
conf_error(struct conf_parse *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	inifile_error(p->errors, p->path, p->line, fmt, ap);
	va_end(ap);
}

static struct conf_queue *
conf_queue_new(const char *name)
{
	struct conf_queue	*q = g_new0(struct conf_queue, 1);

	q->name = g_strdup(name);
	q->display_name = g_strdup("");
	q->addresses = g_new0(char *, 1);
	q->language = g_strdup("en");
	q->timezone = g_time_zone_new_utc();
	q->hours.always = 1;
	q->acknowledge = 1;
	return q;
}

static void
conf_queue_free(struct conf_queue *q)
{
	g_free(q->name);
	g_free(q->display_name);
	g_strfreev(q->addresses);
	g_free(q->language);
	if (q->timezone != NULL)
		g_time_zone_unref(q->timezone);
	g_free(q->holidays_path);
	sla_holidays_free(q->holidays);
	g_free(q);
}

/* Targets count business hours and warn at 80 %, unless told otherwise. */
static struct conf_sla *
conf_sla_new(const char *name)
{
	struct conf_sla	*s = g_new0(struct conf_sla, 1);

	s->name = g_strdup(name);
	s->business_hours = 1;
	s->warn = 80;
	return s;
}

static void
conf_sla_free(struct conf_sla *s)
{
	g_free(s->name);
	g_free(s->queue);
	g_free(s->priority);
	g_free(s->escalate);
	g_free(s);
}

gint64
conf_parse_duration(const char *value)
{
	char	*end;
	guint64	 n;
	guint	 unit = 1;

	if (!g_ascii_isdigit(*value))
		return -1;
	n = g_ascii_strtoull(value, &end, 10);
	switch (*end) {
	case '\0': break;
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (n > G_MAXINT32 / unit)
		return -1;
	return n * unit;
}

/* "3/1h, 10/1d" -> struct conf_limit array, or NULL when malformed. */
static GArray *
conf_limits_parse(const char *value)
{
	GArray	*a = g_array_new(FALSE, FALSE, sizeof(struct conf_limit));
	char	**parts = g_strsplit(value, ",", -1);

	for (char **p = parts; *p != NULL && a != NULL; p++) {
		struct conf_limit	 l;
		char			*slash = strchr(g_strstrip(*p), '/');
		char			*end;
		gint64			 secs;

		if (**p == '\0')
			continue;
		l.count = slash ? g_ascii_strtoull(*p, &end, 10) : 0;
		secs = slash ? conf_parse_duration(slash + 1) : -1;
		if (slash == NULL || end != slash || secs <= 0 || l.count == 0) {
			g_array_unref(a);
			a = NULL;
			break;
		}
		l.seconds = secs;
		g_array_append_val(a, l);
	}
	g_strfreev(parts);
	return a;
}

static struct conf_imap *
conf_imap_new(const char *name)
{
	struct conf_imap	*a = g_new0(struct conf_imap, 1);

	a->name = g_strdup(name);
	a->tls = CONF_IMAPS;
	a->auth = CONF_AUTH_LOGIN;
	a->mailbox = g_strdup("INBOX");
	a->after = g_strdup("move:Processed");
	a->quarantine = g_strdup("Quarantine");
	a->max_failures = 3;
	a->timeout = 60;
	a->poll_interval = 60;
	a->idle = 1;
	a->batch = 100;
	return a;
}

static void
conf_imap_free(struct conf_imap *a)
{
	g_free(a->name);
	g_free(a->host);
	g_free(a->user);
	if (a->password != NULL)
		explicit_bzero(a->password, strlen(a->password));
	g_free(a->password);
	g_free(a->token_file);
	g_free(a->token_command);
	g_free(a->mailbox);
	g_free(a->queue);
	g_free(a->after);
	g_free(a->after_folder);
	g_free(a->quarantine);
	g_free(a->ca_file);
	g_free(a);
}

/*
 * queues stays NULL (every queue) unless the section names some, and
 * display_name is the name unless it sets one: see conf_check_agent().
 */
static struct conf_agent *
conf_agent_new(const char *name)
{
	struct conf_agent	*a = g_new0(struct conf_agent, 1);

	a->name = g_strdup(name);
	a->addresses = g_new0(char *, 1);
	a->notify = CONF_NOTIFY_ALL;
	return a;
}

static void
conf_agent_free(struct conf_agent *a)
{
	g_free(a->name);
	g_free(a->display_name);
	g_strfreev(a->addresses);
	g_strfreev(a->queues);
	g_free(a);
}

static struct conf *
conf_new(const char *path)
{
	struct conf	*c = g_new0(struct conf, 1);

	c->refs = 1;
	c->path = g_strdup(path);
	c->hostname = g_strdup(g_get_host_name());
	c->subject_tag = g_strdup("[#{id}]");
	c->fallback_charset = g_strdup("windows-1252");
	c->syslog_facility = g_strdup("mail");
	c->lmtp_max_sessions = 100;
	c->lmtp_timeout = 300;
	c->lmtp_max_message_size = 50 * 1024 * 1024;
	c->lmtp_max_recipients = 100;
	c->recipient_delimiter = '+';
	c->lmtp_socket_mode = 0660;
	c->lmtp_socket_gid = -1;
	c->smtp_timeout = 30;
	c->smtp_retry_min = 5;
	c->smtp_retry_max = 3600;
	c->smtp_queue_lifetime = 5 * 86400;
	c->limit_address = conf_limits_parse("3/1h, 10/1d");
	c->limit_ticket = conf_limits_parse("3/1h, 10/1d");
	c->bounce_suppress = 7 * 86400;
	c->close_after = 7 * 86400;
	c->pending_resolve = 7 * 86400;
	c->pending_remind = 3 * 86400;
	c->csat_delay = 3600;
	c->queues = g_ptr_array_new_with_free_func((GDestroyNotify)conf_queue_free);
	c->imaps = g_ptr_array_new_with_free_func((GDestroyNotify)conf_imap_free);
	c->agents = g_ptr_array_new_with_free_func((GDestroyNotify)conf_agent_free);
	c->slas = g_ptr_array_new_with_free_func((GDestroyNotify)conf_sla_free);
	return c;
}

struct conf *
conf_ref(struct conf *c)
{
	g_atomic_int_inc(&c->refs);
	return c;
}

void
conf_unref(struct conf *c)
{
	if (c == NULL || !g_atomic_int_dec_and_test(&c->refs))
		return;
	g_free(c->path);
	g_free(c->database);
	g_free(c->state_dir);
	g_free(c->hostname);
	g_free(c->subject_tag);
	g_free(c->fallback_charset);
	g_free(c->user);
	g_free(c->syslog_facility);
	g_strfreev(c->lmtp_listen);
	g_free(c->metrics_listen);
	g_free(c->templates_dir);
	if (c->templates != NULL)
		template_set_free(c->templates);
	g_free(c->rules_path);
	if (c->rules != NULL)
		rules_unref(c->rules);
	if (c->secret != NULL)
		g_bytes_unref(c->secret);
	if (c->msgid_keys != NULL)
		g_bytes_unref(c->msgid_keys);
	g_free(c->smtp_url);
	g_free(c->smtp_user);
	g_free(c->smtp_password);
	g_free(c->smtp_ca_file);
	g_free(c->ack_envelope_sender);
	g_array_unref(c->limit_address);
	g_array_unref(c->limit_ticket);
	g_ptr_array_free(c->queues, TRUE);
	g_ptr_array_free(c->imaps, TRUE);
	g_ptr_array_free(c->agents, TRUE);
	g_ptr_array_free(c->slas, TRUE);
	g_free(c->agents_authserv_id);
	g_free(c);
}

static int
conf_parse_uint(const char *value, int is_size, guint64 *out)
{
	char	*end;
	guint64	 n;

	if (!g_ascii_isdigit(*value))
		return -1;
	errno = 0;
	n = g_ascii_strtoull(value, &end, 10);
	if (errno != 0)
		return -1;
	if (is_size && *end != '\0' && end[1] == '\0') {
		guint	 shift = 0;

		switch (g_ascii_toupper(*end)) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		default: return -1;
		}
		if (n > (G_MAXUINT64 >> shift))
			return -1;
		n <<= shift;
		end++;
	}
	if (*end != '\0')
		return -1;
	*out = n;
	return 0;
}

static char **
conf_parse_list(const char *value)
{
	char		**parts = g_strsplit(value, ",", -1);
	GPtrArray	 *out = g_ptr_array_new();

	for (char **s = parts; *s != NULL; s++)
		if (*g_strstrip(*s) != '\0')
			g_ptr_array_add(out, g_strdup(*s));
	g_strfreev(parts);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static void
conf_set_bool(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	if (g_ascii_strcasecmp(value, "yes") == 0)
		*(int *)field = 1;
	else if (g_ascii_strcasecmp(value, "no") == 0)
		*(int *)field = 0;
	else
		conf_error(p, "%s: expected yes or no, not \"%s\"", k->name, value);
}

static void
conf_set_duration(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	gint64	 secs = conf_parse_duration(value);

	if (secs < (gint64)k->min || secs > (gint64)k->max)
		conf_error(p, "%s: expected a duration from %" G_GUINT64_FORMAT
		    "s to %" G_GUINT64_FORMAT "s (suffix s, m, h or d), not \"%s\"",
		    k->name, k->min, k->max, value);
	else
		*(guint *)field = secs;
}

static void
conf_set_limits(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	GArray	*a = conf_limits_parse(value);

	if (a == NULL) {
		conf_error(p, "%s: expected COUNT/DURATION, ... (e.g. 3/1h, 10/1d),"
		    " not \"%s\"", k->name, value);
		return;
	}
	g_array_unref(*(GArray **)field);
	*(GArray **)field = a;
}

/*
 * "GMT+7" is POSIX for seven hours west of Greenwich, UTC-7, and the
 * tz database's Etc/GMT+7 follows POSIX: admins who mean UTC+7 are off
 * by 14 hours. The bare forms are refused; Etc/GMT-7 says it knowingly.
 */
static int
conf_zone_posix_offset(const char *value, char **why)
{
	const char	*p = value;
	guint64		 n;

	if (g_str_has_prefix(p, "GMT") || g_str_has_prefix(p, "UTC"))
		p += 3;
	else if (g_str_has_prefix(p, "UT"))
		p += 2;
	else
		return 0;
	if ((*p != '+' && *p != '-') || !g_ascii_string_to_unsigned(p + 1, 10,
	    0, 14, &n, NULL))
		return 0;
	*why = g_strdup_printf("\"%s\" is POSIX for UTC%c%u, not UTC%c%u; use "
	    "an IANA name such as Asia/Bangkok, or Etc/GMT%c%u for UTC%c%u",
	    value, *p == '+' ? '-' : '+', (guint)n, *p, (guint)n,
	    *p == '+' ? '-' : '+', (guint)n, *p, (guint)n);
	return -1;
}

/* An IANA name: a zone file of the tz database, not a POSIX TZ string. */
static int
conf_zone_valid(const char *value, char **why)
{
	const char	*dir = g_getenv("TZDIR");
	char		*path, magic[4] = { 0 };
	FILE		*f;
	int		 ok = 0;

	if (conf_zone_posix_offset(value, why) != 0)
		return -1;
	if (*value != '\0' && *value != '/' && strstr(value, "..") == NULL &&
	    strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") == strlen(value)) {
		path = g_build_filename(dir ? dir : "/usr/share/zoneinfo",
		    value, NULL);
		if ((f = fopen(path, "rb")) != NULL) {
			ok = fread(magic, 1, 4, f) == 4 &&
			    memcmp(magic, "TZif", 4) == 0;
			fclose(f);
		}
		g_free(path);
	}
	if (!ok)
		*why = g_strdup_printf("unknown time zone \"%s\": use an IANA "
		    "name such as Asia/Bangkok, or Etc/GMT-7 for UTC+7", value);
	return ok ? 0 : -1;
}

static void
conf_set_timezone(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	GTimeZone	*tz = NULL;
	char		*why = NULL;

	if (conf_zone_valid(value, &why) == 0 &&
	    (tz = g_time_zone_new_identifier(value)) == NULL)
		why = g_strdup_printf("unknown time zone \"%s\"", value);
	if (tz == NULL) {
		conf_error(p, "%s: %s", k->name, why);
		g_free(why);
		return;
	}
	if (*(GTimeZone **)field != NULL)
		g_time_zone_unref(*(GTimeZone **)field);
	*(GTimeZone **)field = tz;
}

static void
conf_set_hours(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	char	*cause = NULL;

	if (sla_hours_parse(value, field, &cause) != 0) {
		conf_error(p, "%s: %s", k->name, cause);
		g_free(cause);
	}
}

static void
conf_set_enum(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	char	*all;

	for (int i = 0; k->choices[i] != NULL; i++)
		if (g_ascii_strcasecmp(value, k->choices[i]) == 0) {
			*(int *)field = i;
			return;
		}
	all = g_strjoinv(", ", (char **)k->choices);
	conf_error(p, "%s: expected one of %s, not \"%s\"", k->name, all, value);
	g_free(all);
}

/* Secrets live in their own files, readable by ticketd alone. */
static void
conf_set_secret(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	GError	*error = NULL;
	char	*text;
	gsize	 len;

	if (*value == '\0')
		return;
	if (!g_file_get_contents(value, &text, &len, &error)) {
		conf_error(p, "%s: %s", k->name, error->message);
		g_error_free(error);
		return;
	}
	if (k->scope == SCOPE_TICKETD) {
		/* An editor's final newline must not change the key. */
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			len--;
		if (len < 16)
			conf_error(p, "%s: %s holds fewer than 16 octets", k->name,
			    value);
		if (p->conf->secret != NULL)
			g_bytes_unref(p->conf->secret);
		p->conf->secret = g_bytes_new_take(text, len);
		return;
	}
	g_free(*(char **)field);
	*(char **)field = g_strchomp(text);
}

static void
conf_set_mode(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	char	*end;
	guint64	 mode;

	errno = 0;
	mode = g_ascii_strtoull(value, &end, 8);
	if (!g_ascii_isdigit(*value) || *end != '\0' || errno != 0 ||
	    mode > 0777) {
		conf_error(p, "%s: expected octal permissions from 0 to 0777 "
		    "(e.g. 0660), not \"%s\"", k->name, value);
		return;
	}
	*(guint *)field = mode;
}

/* Looked up now, so that "ticketd -n" reports a group that is not there. */
static void
conf_set_group(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	struct group	*gr;
	guint64		 gid;

	if (conf_parse_uint(value, 0, &gid) == 0 && gid < G_MAXUINT32) {
		*(gint64 *)field = gid;
		return;
	}
	errno = 0;
	if ((gr = getgrnam(value)) == NULL) {
		conf_error(p, "%s: no such group \"%s\"%s%s", k->name, value,
		    errno != 0 ? ": " : "", errno != 0 ? g_strerror(errno) : "");
		return;
	}
	*(gint64 *)field = gr->gr_gid;
}

static void
conf_set_user(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	errno = 0;
	if (getpwnam(value) == NULL) {
		conf_error(p, "%s: no such user \"%s\"%s%s", k->name, value,
		    errno != 0 ? ": " : "", errno != 0 ? g_strerror(errno) : "");
		return;
	}
	g_free(*(char **)field);
	*(char **)field = g_strdup(value);
}

static void
conf_set_facility(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	if (log_facility(value) == -1) {
		conf_error(p, "%s: unknown syslog facility \"%s\" (mail, "
		    "daemon, user or local0 to local7)", k->name, value);
		return;
	}
	g_free(*(char **)field);
	*(char **)field = g_strdup(value);
}

static void
conf_set_percent(struct conf_parse *p, const struct conf_key *k,
    const char *value, void *field)
{
	char	*copy = g_strdup(value);
	gsize	 len = strlen(copy);
	guint64	 n;

	if (len > 0 && copy[len - 1] == '%')
		copy[len - 1] = '\0';
	if (conf_parse_uint(copy, 0, &n) != 0 || n < k->min || n > k->max)
		conf_error(p, "%s: expected a percentage from %" G_GUINT64_FORMAT
		    "%% to %" G_GUINT64_FORMAT "%%, not \"%s\"", k->name, k->min,
		    k->max, value);
	else
		*(guint *)field = n;
	g_free(copy);
}

static void
conf_set(struct conf_parse *p, const struct conf_key *k, const char *value)
{
	char	*base = k->scope == SCOPE_QUEUE ? (char *)p->queue :
		    k->scope == SCOPE_IMAP ? (char *)p->imap :
		    k->scope == SCOPE_AGENT ? (char *)p->agent :
		    k->scope == SCOPE_SLA ? (char *)p->sla : (char *)p->conf;
	void	*field = base + k->offset;
	guint64	 n;

	switch (k->type) {
	case CONF_STRING:
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return;
	case CONF_LIST:
		g_strfreev(*(char ***)field);
		*(char ***)field = conf_parse_list(value);
		return;
	case CONF_CHAR:
		if (strlen(value) != 1 || g_ascii_isalnum(*value))
			conf_error(p, "%s: expected one punctuation character",
			    k->name);
		else
			*(char *)field = *value;
		return;
	case CONF_BOOL:
		conf_set_bool(p, k, value, field);
		return;
	case CONF_DURATION:
		conf_set_duration(p, k, value, field);
		return;
	case CONF_LIMITS:
		conf_set_limits(p, k, value, field);
		return;
	case CONF_TIMEZONE:
		conf_set_timezone(p, k, value, field);
		return;
	case CONF_HOURS:
		conf_set_hours(p, k, value, field);
		return;
	case CONF_SECRET:
		conf_set_secret(p, k, value, field);
		return;
	case CONF_ENUM:
		conf_set_enum(p, k, value, field);
		return;
	case CONF_MODE:
		conf_set_mode(p, k, value, field);
		return;
	case CONF_GROUP:
		conf_set_group(p, k, value, field);
		return;
	case CONF_USER:
		conf_set_user(p, k, value, field);
		return;
	case CONF_FACILITY:
		conf_set_facility(p, k, value, field);
		return;
	case CONF_PERCENT:
		conf_set_percent(p, k, value, field);
		return;
	case CONF_UINT:
	case CONF_SIZE:
		if (conf_parse_uint(value, k->type == CONF_SIZE, &n) != 0 ||
		    n < k->min || n > k->max) {
			conf_error(p, "%s: expected a number from %" G_GUINT64_FORMAT
			    " to %" G_GUINT64_FORMAT "%s, not \"%s\"", k->name,
			    k->min, k->max, k->type == CONF_SIZE ?
			    " (suffix k, M or G allowed)" : "", value);
			return;
		}
		if (k->type == CONF_SIZE)
			*(gsize *)field = n;
		else
			*(guint *)field = n;
		return;
	}
}

/* local@domain, as far as a configuration file can tell. */
static int
conf_is_address(const char *s)
{
	const char	*at = strrchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' &&
	    strpbrk(s, " \t<>") == NULL;
}

/*
 * Lower-case addr in place and record its line in owners (the addresses
 * of the queues, or of the agents), where each may be listed once.
 */
static void
conf_check_address(struct conf_parse *p, char *addr, GHashTable *owners,
    const char *owner)
{
	gpointer	 prev;
	char		*l;

	if (!conf_is_address(addr)) {
		conf_error(p, "address: \"%s\" is not an address", addr);
		return;
	}
	l = g_ascii_strdown(addr, -1);
	strcpy(addr, l);
	g_free(l);
	if (g_hash_table_lookup_extended(owners, addr, NULL, &prev))
		conf_error(p, "address: %s is already owned by %s at line %u",
		    addr, owner, GPOINTER_TO_UINT(prev));
	else
		g_hash_table_insert(owners, g_strdup(addr),
		    GUINT_TO_POINTER(p->line));
}

/*
 * The file has no quoting: quotes would stay part of the value, and a
 * display name would go out as "\"Example Support\"". Refused, with the
 * line as it should read.
 */
static int
conf_quoted(struct conf_parse *p, const char *key, const char *value)
{
	gsize	 len = strlen(value);

	if (len < 2 || (*value != '"' && *value != '\'') ||
	    value[len - 1] != *value)
		return 0;
	conf_error(p, "%s: values are not quoted here, the quotes would be "
	    "kept; write: %s = %.*s", key, key, (int)len - 2, value + 1);
	return 1;
}

/* The NAME of the current [kind NAME] section, "" in a plain one. */
static const char *
conf_section_name(const struct conf_parse *p)
{
	return p->queue ? p->queue->name : p->imap ? p->imap->name :
	    p->agent ? p->agent->name : p->sla ? p->sla->name : "";
}

/* How p->seen knows a key of a section. */
static char *
conf_key_id(int scope, const char *section, const char *key)
{
	return g_strdup_printf("%d\n%s\n%s", scope, section, key);
}

/* The line key was first set on in that section, or 0 when it was not. */
static guint
conf_key_line(const struct conf_parse *p, int scope, const char *section,
    const char *key)
{
	char	*id = conf_key_id(scope, section, key);
	guint	 line = GPOINTER_TO_UINT(g_hash_table_lookup(p->seen, id));

	g_free(id);
	return line;
}

/* What a value means beyond its own field. */
static void
conf_key_done(struct conf_parse *p, const struct conf_key *k)
{
	if (k->scope == SCOPE_TICKETD && k->offset == offsetof(struct conf,
	    database))
		p->conf->database_line = p->line;
	if (k->scope == SCOPE_TICKETD && k->offset == offsetof(struct conf,
	    state_dir))
		p->conf->state_dir_line = p->line;
	if (k->scope == SCOPE_METRICS && k->offset == offsetof(struct conf,
	    metrics_listen))
		p->conf->metrics_listen_line = p->line;
	if (k->scope == SCOPE_QUEUE && k->offset ==
	    offsetof(struct conf_queue, addresses))
		for (char **a = p->queue->addresses; *a != NULL; a++)
			conf_check_address(p, *a, p->address_line, "a queue");
	if (k->scope == SCOPE_AGENT && k->offset ==
	    offsetof(struct conf_agent, addresses))
		for (char **a = p->agent->addresses; *a != NULL; a++)
			conf_check_address(p, *a, p->agent_address, "an agent");
	if (k->scope == SCOPE_AGENT && k->offset ==
	    offsetof(struct conf_agent, queues) && p->agent->queues[0] == NULL)
		conf_error(p, "queues: no queue named; leave the key out for "
		    "every queue");
}

static void
conf_key_value(struct conf_parse *p, char *line)
{
	char			*key, *value, *seen;
	const struct conf_key	*k = NULL;

	if (inifile_key_value(line, &key, &value) != 0) {
		conf_error(p, "expected \"key = value\"");
		return;
	}
	if (p->scope < 0) {
		conf_error(p, "%s: key outside of any section", key);
		return;
	}
	if (conf_quoted(p, key, value))
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(conf_keys); i++)
		if ((int)conf_keys[i].scope == p->scope &&
		    strcmp(conf_keys[i].name, key) == 0)
			k = &conf_keys[i];
	if (k == NULL) {
		conf_error(p, "unknown key \"%s\" in this section", key);
		return;
	}
	seen = conf_key_id(p->scope, conf_section_name(p), key);
	if (g_hash_table_contains(p->seen, seen)) {
		conf_error(p, "%s: set twice in this section", key);
		g_free(seen);
	} else
		g_hash_table_insert(p->seen, seen, GUINT_TO_POINTER(p->line));
	conf_set(p, k, value);
	conf_key_done(p, k);
}

/*
 * A section that appears twice would silently merge with the first:
 * reported at the second, whose keys still count as the first's.
 */
static int
conf_section_again(struct conf_parse *p, const char *name, const char *arg)
{
	char		*id = g_strdup_printf("[%s%s%s]", name,
			    arg ? " " : "", arg ? arg : "");
	gpointer	 first;

	if (g_hash_table_lookup_extended(p->sections, id, NULL, &first)) {
		conf_error(p, "%s is already at line %u: one section each, "
		    "please", id, GPOINTER_TO_UINT(first));
		g_free(id);
		return 1;
	}
	g_hash_table_insert(p->sections, id, GUINT_TO_POINTER(p->line));
	return 0;
}

/* The sections without a NAME. */
static const struct {
	const char	*name;
	enum conf_scope	 scope;
} conf_plain[] = {
	{ "ticketd", SCOPE_TICKETD }, { "lmtp", SCOPE_LMTP },
	{ "smtp", SCOPE_SMTP }, { "autoreply", SCOPE_AUTOREPLY },
	{ "agents", SCOPE_AGENTS }, { "csat", SCOPE_CSAT },
	{ "metrics", SCOPE_METRICS },
};

static int
conf_plain_scope(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(conf_plain); i++)
		if (strcmp(name, conf_plain[i].name) == 0)
			return conf_plain[i].scope;
	return -1;
}

/* The kinds of [kind NAME] section. */
static int
conf_named_kind(const char *name)
{
	return strcmp(name, "queue") == 0 || strcmp(name, "imap") == 0 ||
	    strcmp(name, "agent") == 0 || strcmp(name, "sla") == 0;
}

/* Go on with the keys of a section seen before. */
static void
conf_section_resume(struct conf_parse *p, const char *name, const char *arg)
{
	if (arg == NULL)
		p->scope = conf_plain_scope(name);
	else if (strcmp(name, "queue") == 0) {
		p->queue = (struct conf_queue *)conf_queue_by_name(p->conf,
		    arg);
		p->scope = p->queue != NULL ? SCOPE_QUEUE : -1;
	} else if (strcmp(name, "imap") == 0) {
		p->imap = (struct conf_imap *)conf_imap_by_name(p->conf, arg);
		p->scope = p->imap != NULL ? SCOPE_IMAP : -1;
	} else if (strcmp(name, "agent") == 0) {
		p->agent = (struct conf_agent *)conf_agent_by_name(p->conf,
		    arg);
		p->scope = p->agent != NULL ? SCOPE_AGENT : -1;
	} else if (strcmp(name, "sla") == 0) {
		p->sla = conf_find_section(p->conf->slas, arg);
		p->scope = p->sla != NULL ? SCOPE_SLA : -1;
	}
}

/*
 * The agent's name goes into the signed tokens of our reply addresses
 * and into #commands, so it is kept to what needs no quoting anywhere.
 */
static void
conf_check_agent_name(struct conf_parse *p, const char *name)
{
	gsize	 len = strlen(name);

	if (strcmp(name, "me") == 0 || strcmp(name, "none") == 0) {
		conf_error(p, "[agent %s]: \"me\" and \"none\" are words of "
		    "#assign and ticketctl assign, not agent names", name);
		return;
	}
	if (len >= 1 && len <= 32 && (g_ascii_islower(*name) ||
	    g_ascii_isdigit(*name)) && strspn(name,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") == len)
		return;
	conf_error(p, "[agent %s]: an agent name is 1 to 32 characters of "
	    "a-z, 0-9, _ and -, starting with a letter or digit", name);
}

/* A section seen for the first time; 0 when there is no such section. */
static int
conf_section_open(struct conf_parse *p, const char *name, const char *arg)
{
	if (arg == NULL)
		return (p->scope = conf_plain_scope(name)) != -1;
	if (strcmp(name, "queue") == 0) {
		p->queue = conf_queue_new(arg);
		g_ptr_array_add(p->conf->queues, p->queue);
		p->scope = SCOPE_QUEUE;
	} else if (strcmp(name, "imap") == 0) {
		p->imap = conf_imap_new(arg);
		g_ptr_array_add(p->conf->imaps, p->imap);
		p->scope = SCOPE_IMAP;
	} else if (strcmp(name, "agent") == 0) {
		conf_check_agent_name(p, arg);
		p->agent = conf_agent_new(arg);
		g_ptr_array_add(p->conf->agents, p->agent);
		p->scope = SCOPE_AGENT;
	} else if (strcmp(name, "sla") == 0) {
		p->sla = conf_sla_new(arg);
		g_ptr_array_add(p->conf->slas, p->sla);
		p->scope = SCOPE_SLA;
	} else
		return 0;
	return 1;
}

static void
conf_section(struct conf_parse *p, char *line)
{
	char	*name, *arg;

	p->queue = NULL;
	p->imap = NULL;
	p->agent = NULL;
	p->sla = NULL;
	p->scope = -1;
	if (inifile_section(line, &name, &arg) != 0) {
		conf_error(p, "malformed section header");
		return;
	}
	if (conf_section_again(p, name, arg))
		conf_section_resume(p, name, arg);
	else if (conf_section_open(p, name, arg) == 0) {
		if (arg == NULL && conf_named_kind(name))
			conf_error(p, "[%s] needs a name: [%s NAME]", name,
			    name);
		else
			conf_error(p, "unknown section [%s%s%s]", name,
			    arg ? " " : "", arg ? arg : "");
	}
}

static int
conf_listen_valid(const char *l)
{
	const char	*colon;
	guint64		 port;

	if (g_str_has_prefix(l, "unix:"))
		return l[5] == '/';
	colon = strrchr(l, ':');
	if (colon == NULL || colon == l)
		return 0;
	return conf_parse_uint(colon + 1, 0, &port) == 0 &&
	    port >= 1 && port <= 65535;
}

/* [metrics] listen: TCP only, an empty value turns it off. */
static void
conf_check_metrics(struct conf_parse *p)
{
	struct conf	*c = p->conf;

	if (c->metrics_listen == NULL)
		return;
	if (*c->metrics_listen == '\0') {
		g_clear_pointer(&c->metrics_listen, g_free);
		return;
	}
	if (g_str_has_prefix(c->metrics_listen, "unix:") ||
	    !conf_listen_valid(c->metrics_listen)) {
		p->line = c->metrics_listen_line;
		conf_error(p, "[metrics] listen: \"%s\" is not host:port "
		    "(e.g. 127.0.0.1:9425 or [::1]:9425)", c->metrics_listen);
		p->line = 0;
	}
}

static void
conf_check_smtp(struct conf_parse *p)
{
	struct conf	*c = p->conf;

	if (c->smtp_url == NULL)
		return;
	if (!sender_url_known(c->smtp_url))
		conf_error(p, "[smtp] url: \"%s\" must start with smtp://, "
		    "smtps:// or file:", c->smtp_url);
	if (c->smtp_starttls && g_str_has_prefix(c->smtp_url, "smtps://"))
		conf_error(p, "[smtp] starttls: smtps:// is TLS already");
	if (c->smtp_retry_max < c->smtp_retry_min)
		conf_error(p, "[smtp] retry_max is less than retry_min");
}

/* "move:FOLDER", "seen" or "delete". */
static int
conf_parse_after(struct conf_imap *a)
{
	if (g_str_has_prefix(a->after, "move:") && a->after[5] != '\0') {
		a->after_kind = CONF_AFTER_MOVE;
		a->after_folder = g_strdup(a->after + 5);
	} else if (strcmp(a->after, "seen") == 0)
		a->after_kind = CONF_AFTER_SEEN;
	else if (strcmp(a->after, "delete") == 0)
		a->after_kind = CONF_AFTER_DELETE;
	else
		return -1;
	return 0;
}

static void
conf_check_imap(struct conf_parse *p, struct conf_imap *a)
{
	if (a->host == NULL || *a->host == '\0')
		conf_error(p, "[imap %s] host is not set", a->name);
	if (a->user == NULL || *a->user == '\0')
		conf_error(p, "[imap %s] user is not set", a->name);
	if (a->queue == NULL || conf_queue_by_name(p->conf, a->queue) == NULL)
		conf_error(p, "[imap %s] queue: \"%s\" is not a [queue NAME]",
		    a->name, a->queue ? a->queue : "");
	if (conf_parse_after(a) != 0)
		conf_error(p, "[imap %s] after: expected move:FOLDER, seen or "
		    "delete, not \"%s\"", a->name, a->after);
	if (a->auth == CONF_AUTH_XOAUTH2 && a->token_file == NULL &&
	    a->token_command == NULL)
		conf_error(p, "[imap %s] auth = xoauth2 needs token_file or "
		    "token_command", a->name);
	if (a->auth != CONF_AUTH_XOAUTH2 && a->password == NULL)
		conf_error(p, "[imap %s] needs password or password_file",
		    a->name);
	if (a->port == 0)
		a->port = a->tls == CONF_IMAPS ? 993 : 143;
}

/* What agents get: notifications and the errors of their commands. */
static const char *const conf_agent_templates[] = {
	"notify-new", "notify-reply", "notify-note", "notify-assign",
	"command-error",
};

/* What a satisfaction survey needs: the survey, and who hears of a low one. */
static const char *const conf_csat_templates[] = {
	"csat-survey", "notify-csat-low",
};

/* What warnings and breaches are told with. */
static const char *const conf_sla_templates[] = {
	"notify-sla-warn", "notify-sla-breach",
};

/* Template errors already read "file:line: message". */
static void
conf_check_templates(struct conf_parse *p)
{
	struct conf	*c = p->conf;
	char		*cause = NULL;
	int		 acks = 0;

	for (guint i = 0; i < c->queues->len; i++)
		acks |= ((struct conf_queue *)c->queues->pdata[i])->acknowledge;
	if (c->csat_send && c->recipient_delimiter == '\0')
		conf_error(p, "[csat] send = yes, but [lmtp] recipient_delimiter "
		    "is empty: the rating links are subaddresses");
	if (c->templates_dir == NULL) {
		if (c->smtp_url != NULL && acks)
			conf_error(p, "[ticketd] templates is not set, but queues "
			    "send acknowledgements");
		if (c->csat_send)
			conf_error(p, "[csat] send = yes, but [ticketd] "
			    "templates is not set");
		return;
	}
	if ((c->templates = template_load(c->templates_dir, &cause)) == NULL) {
		if (p->errors->len > 0)
			g_string_append_c(p->errors, '\n');
		g_string_append(p->errors, cause);
		g_free(cause);
		return;
	}
	if (acks && !template_exists(c->templates, "ack"))
		conf_error(p, "[ticketd] templates: %s has no ack.LANG.txt, but "
		    "queues send acknowledgements", c->templates_dir);
	for (gsize i = 0; c->agents->len > 0 &&
	    i < G_N_ELEMENTS(conf_agent_templates); i++)
		if (!template_exists(c->templates, conf_agent_templates[i]))
			conf_error(p, "[ticketd] templates: %s has no %s.LANG.txt, "
			    "but agents are configured", c->templates_dir,
			    conf_agent_templates[i]);
	for (gsize i = 0; c->csat_send && i < G_N_ELEMENTS(conf_csat_templates);
	    i++)
		if (!template_exists(c->templates, conf_csat_templates[i]))
			conf_error(p, "[csat] send = yes, but %s has no "
			    "%s.LANG.txt", c->templates_dir,
			    conf_csat_templates[i]);
	for (gsize i = 0; c->slas->len > 0 &&
	    i < G_N_ELEMENTS(conf_sla_templates); i++)
		if (!template_exists(c->templates, conf_sla_templates[i]))
			conf_error(p, "[ticketd] templates: %s has no %s.LANG.txt, "
			    "but [sla] policies are configured",
			    c->templates_dir, conf_sla_templates[i]);
}

/*
 * The rules name agents, queues and templates, so they are read last;
 * their errors already read "file:line: message". Being part of the
 * conf, they are swapped in with it or not at all.
 */
static void
conf_check_rules(struct conf_parse *p)
{
	struct conf	*c = p->conf;
	char		*cause = NULL;

	if (c->rules_path == NULL || p->errors->len > 0)
		return;
	if ((c->rules = rules_load(c->rules_path, c, &cause)) != NULL)
		return;
	g_string_append(p->errors, cause);
	g_free(cause);
}

/* "<>" or unset: the null sender; else an address bounces come back to. */
static void
conf_check_envelope_sender(struct conf_parse *p)
{
	char		*s = p->conf->ack_envelope_sender;

	if (s == NULL || strcmp(s, "<>") == 0) {
		g_free(s);
		p->conf->ack_envelope_sender = g_strdup("");
		return;
	}
	if (!conf_is_address(s))
		conf_error(p, "[autoreply] envelope_sender: \"%s\" is neither <> "
		    "nor an address", s);
}

/*
 * An agent address that is a queue's, or a local+ext form of one, would
 * be both. Each address once: it leaves agent_address when checked, and
 * one that is not there was not an address or was a duplicate, both
 * reported already.
 */
static void
conf_check_agent_address(struct conf_parse *p, const char *addr)
{
	const struct conf_queue	*q;
	gpointer		 line;

	if (!g_hash_table_lookup_extended(p->agent_address, addr, NULL, &line))
		return;
	p->line = GPOINTER_TO_UINT(line);
	if ((q = conf_queue_for_address(p->conf, addr)) != NULL)
		conf_error(p, "address: %s belongs to [queue %s]; an agent "
		    "writes from an address of their own", addr, q->name);
	g_hash_table_remove(p->agent_address, addr);
}

/* After the whole file, since queues may follow their agents. */
static void
conf_check_agent(struct conf_parse *p, struct conf_agent *a)
{
	char	*id = g_strdup_printf("[agent %s]", a->name);

	p->line = GPOINTER_TO_UINT(g_hash_table_lookup(p->sections, id));
	g_free(id);
	if (a->addresses[0] == NULL)
		conf_error(p, "[agent %s] has no address", a->name);
	if (a->display_name == NULL || *a->display_name == '\0') {
		g_free(a->display_name);
		a->display_name = g_strdup(a->name);
	}
	for (char **s = a->addresses; *s != NULL; s++)
		conf_check_agent_address(p, *s);
	p->line = conf_key_line(p, SCOPE_AGENT, a->name, "queues");
	for (char **q = a->queues; q != NULL && *q != NULL; q++)
		if (conf_queue_by_name(p->conf, *q) == NULL)
			conf_error(p, "queues: \"%s\" is not a [queue NAME]", *q);
}

static void
conf_check_agents(struct conf_parse *p)
{
	struct conf	*c = p->conf;

	if (c->agents_authserv_id != NULL && *c->agents_authserv_id == '\0') {
		g_free(c->agents_authserv_id);
		c->agents_authserv_id = NULL;
	}
	p->line = conf_key_line(p, SCOPE_AGENTS, "", "require_auth");
	if (c->agents_require_auth && c->agents_authserv_id == NULL)
		conf_error(p, "require_auth: yes needs authserv_id, the host "
		    "name your MX writes in Authentication-Results");
	for (guint i = 0; i < c->agents->len; i++)
		conf_check_agent(p, c->agents->pdata[i]);
	p->line = 0;
}

/* [queue] holidays: read now, so that a bad file fails the load. */
static void
conf_check_holidays(struct conf_parse *p, struct conf_queue *q)
{
	char	*cause = NULL;

	if (q->holidays_path == NULL)
		return;
	p->line = conf_key_line(p, SCOPE_QUEUE, q->name, "holidays");
	if ((q->holidays = sla_holidays_load(q->holidays_path, &cause)) ==
	    NULL) {
		conf_error(p, "[queue %s] holidays: %s", q->name, cause);
		g_free(cause);
	}
}

static void
conf_check_sla(struct conf_parse *p, const struct conf_sla *s)
{
	const struct conf	*c = p->conf;
	char			*cause = NULL;
	char			*id = g_strdup_printf("[sla %s]", s->name);

	p->line = GPOINTER_TO_UINT(g_hash_table_lookup(p->sections, id));
	g_free(id);
	if (s->queue != NULL && conf_queue_by_name(c, s->queue) == NULL) {
		p->line = conf_key_line(p, SCOPE_SLA, s->name, "queue");
		conf_error(p, "[sla %s] queue: no [queue %s]", s->name,
		    s->queue);
	}
	if (s->priority != NULL && agent_check_priority(s->priority,
	    &cause) != 0) {
		p->line = conf_key_line(p, SCOPE_SLA, s->name, "priority");
		conf_error(p, "[sla %s] priority: %s", s->name, cause);
		g_free(cause);
	}
	if (s->escalate != NULL && conf_agent_by_name(c, s->escalate) ==
	    NULL && !conf_is_address(s->escalate)) {
		p->line = conf_key_line(p, SCOPE_SLA, s->name, "escalate");
		conf_error(p, "[sla %s] escalate: \"%s\" is neither an "
		    "[agent NAME] nor an address", s->name, s->escalate);
	}
	if (s->first_response == 0 && s->next_response == 0 &&
	    s->resolution == 0)
		conf_error(p, "[sla %s] sets no target: give first_response, "
		    "next_response or resolution", s->name);
}

static void
conf_check(struct conf_parse *p)
{
	struct conf	*c = p->conf;
	char		*cause = NULL;

	p->line = 0;
	if (c->database == NULL || *c->database == '\0')
		conf_error(p, "[ticketd] database is not set");
	else if (store_backend(c->database, &cause) == NULL) {
		p->line = c->database_line;
		conf_error(p, "[ticketd] database: %s", cause);
		g_free(cause);
		cause = NULL;
		p->line = 0;
	}
	if (c->lmtp_listen != NULL)
		for (char **l = c->lmtp_listen; *l != NULL; l++)
			if (!conf_listen_valid(*l))
				conf_error(p, "[lmtp] listen: \"%s\" is neither "
				    "host:port nor unix:/path", *l);
	conf_check_metrics(p);
	if (thread_tag_check(c->subject_tag, &cause) != 0) {
		conf_error(p, "[ticketd] subject_tag: %s", cause);
		g_free(cause);
	}
	if (mime_charset_check(c->fallback_charset, &cause) != 0) {
		conf_error(p, "[ticketd] fallback_charset: %s", cause);
		g_free(cause);
	}
	if (c->queues->len == 0)
		conf_error(p, "no [queue NAME] section: no mail could be accepted");
	for (guint i = 0; i < c->queues->len; i++) {
		struct conf_queue *q = g_ptr_array_index(c->queues, i);

		if (q->addresses[0] == NULL)
			conf_error(p, "[queue %s] has no address", q->name);
	}
	conf_check_smtp(p);
	conf_check_envelope_sender(p);
	conf_check_templates(p);
	conf_check_rules(p);
	for (guint i = 0; i < c->imaps->len; i++)
		conf_check_imap(p, c->imaps->pdata[i]);
	conf_check_agents(p);
	for (guint i = 0; i < c->queues->len; i++)
		conf_check_holidays(p, c->queues->pdata[i]);
	for (guint i = 0; i < c->slas->len; i++)
		conf_check_sla(p, c->slas->pdata[i]);
	p->line = 0;
}

static void
conf_line(void *arg, guint line, char *text)
{
	struct conf_parse	*p = arg;

	p->line = line;
	if (*text == '[')
		conf_section(p, text);
	else
		conf_key_value(p, text);
}

struct conf *
conf_load(const char *path, char **cause)
{
	struct conf	*c;
	GError		*error = NULL;
	char		*text;
	gsize		 len;

	if (!g_file_get_contents(path, &text, &len, &error)) {
		*cause = g_strdup_printf("%s: %s", path, error->message);
		g_error_free(error);
		return NULL;
	}
	c = conf_load_buffer(path, text, len, cause);
	g_free(text);
	return c;
}

struct conf *
conf_load_buffer(const char *path, const char *text, gsize len, char **cause)
{
	struct conf_parse	 p = { 0 };

	p.conf = conf_new(path);
	p.path = path;
	p.scope = -1;
	p.errors = g_string_new(NULL);
	p.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p.sections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	p.address_line = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	p.agent_address = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	inifile_read(text, len, conf_line, &p);
	conf_check(&p);
	g_hash_table_destroy(p.seen);
	g_hash_table_destroy(p.sections);
	g_hash_table_destroy(p.address_line);
	g_hash_table_destroy(p.agent_address);
	if (p.errors->len > 0) {
		*cause = g_string_free(p.errors, FALSE);
		conf_unref(p.conf);
		return NULL;
	}
	g_string_free(p.errors, TRUE);
	return p.conf;
}

int
conf_user_ids(const struct conf *conf, uid_t *uid, gid_t *gid, char **cause)
{
	struct passwd	*pw;

	if (geteuid() != 0 || conf->user == NULL)
		return 0;
	if ((pw = getpwnam(conf->user)) == NULL) {
		*cause = g_strdup_printf("%s: user: no such user \"%s\"",
		    conf->path, conf->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		*cause = g_strdup_printf("%s: user: \"%s\" is root; name an "
		    "unprivileged user", conf->path, conf->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 1;
}

/* The nearest directory of path that exists. */
static char *
conf_existing_dir(const char *path)
{
	char	*dir = g_path_get_dirname(path), *up;

	while (!g_file_test(dir, G_FILE_TEST_EXISTS)) {
		up = g_path_get_dirname(dir);
		if (strcmp(up, dir) == 0) {
			g_free(up);
			break;
		}
		g_free(dir);
		dir = up;
	}
	return dir;
}

char *
conf_state_base(const struct conf *c)
{
	const char	*file = store_local_path(c->database);

	if (file != NULL)
		return g_strdup(file);
	return g_build_filename(c->state_dir != NULL ? c->state_dir :
	    CONF_STATE_DIR, "ticketd", NULL);
}

/*
 * Writing is tried, not guessed from modes: root passes any mode check
 * but not a read-only mount, and SQLite needs the directory for its WAL.
 * A database on a server is not ours to probe: only the directory of
 * the lock and status files is.
 */
int
conf_check_database(const struct conf *c, char **cause)
{
	const char	*file = store_local_path(c->database);
	char		*base = conf_state_base(c);
	char		*dir = conf_existing_dir(base);
	char		*probe = g_build_filename(dir, ".ticketd-check-XXXXXX",
			    NULL);
	int		 fd, err = 0;

	if ((fd = g_mkstemp(probe)) == -1)
		err = errno;
	else {
		close(fd);
		g_unlink(probe);
		if (file != NULL && g_file_test(file, G_FILE_TEST_EXISTS) &&
		    g_access(file, R_OK | W_OK) != 0)
			err = errno;
	}
	if (err != 0)
		*cause = g_strdup_printf("%s:%u: %s: %s: %s", c->path,
		    file != NULL || c->state_dir == NULL ? c->database_line :
		    c->state_dir_line, file != NULL ? "database" : "state_dir",
		    fd == -1 ? dir : file, g_strerror(err));
	g_free(probe);
	g_free(dir);
	g_free(base);
	return err != 0 ? -1 : 0;
}

/*
 * The section of a [kind NAME] array called name. Each of those structs
 * starts with its name, and a pointer to a struct converts to a pointer
 * to its first member.
 */
G_STATIC_ASSERT(offsetof(struct conf_queue, name) == 0);
G_STATIC_ASSERT(offsetof(struct conf_imap, name) == 0);
G_STATIC_ASSERT(offsetof(struct conf_agent, name) == 0);
G_STATIC_ASSERT(offsetof(struct conf_sla, name) == 0);

static gpointer
conf_find_section(const GPtrArray *sections, const char *name)
{
	for (guint i = 0; i < sections->len; i++)
		if (strcmp(*(char **)sections->pdata[i], name) == 0)
			return sections->pdata[i];
	return NULL;
}

const struct conf_queue *
conf_queue_by_name(const struct conf *c, const char *name)
{
	return conf_find_section(c->queues, name);
}

const struct conf_imap *
conf_imap_by_name(const struct conf *c, const char *name)
{
	return conf_find_section(c->imaps, name);
}

const struct conf_agent *
conf_agent_by_name(const struct conf *c, const char *name)
{
	return conf_find_section(c->agents, name);
}

/* The address exactly: an agent has no "+ext" forms. */
const struct conf_agent *
conf_agent_by_address(const struct conf *c, const char *address)
{
	for (guint i = 0; i < c->agents->len; i++) {
		struct conf_agent *a = g_ptr_array_index(c->agents, i);

		for (char **s = a->addresses; *s != NULL; s++)
			if (g_ascii_strcasecmp(*s, address) == 0)
				return a;
	}
	return NULL;
}

const struct conf_sla *
conf_sla_for(const struct conf *c, const char *queue, const char *priority)
{
	const struct conf_sla	*best = NULL;
	int			 best_score = -1;

	for (guint i = 0; i < c->slas->len; i++) {
		const struct conf_sla *s = c->slas->pdata[i];
		int score;

		if ((s->queue != NULL && (queue == NULL ||
		    strcmp(s->queue, queue) != 0)) || (s->priority != NULL &&
		    (priority == NULL || strcmp(s->priority, priority) != 0)))
			continue;
		score = (s->queue != NULL) * 2 + (s->priority != NULL);
		if (score > best_score) {
			best = s;
			best_score = score;
		}
	}
	return best;
}

void
conf_sla_calendar(const struct conf_queue *q, const struct conf_sla *p,
    struct sla_calendar *cal)
{
	cal->tz = q->timezone;
	cal->hours = NULL;
	cal->holidays = NULL;
	if (p == NULL || p->business_hours) {
		cal->hours = &q->hours;
		cal->holidays = q->holidays;
	}
}

int
conf_agent_serves(const struct conf_agent *a, const char *queue)
{
	if (a->queues == NULL)
		return 1;
	for (char **q = a->queues; *q != NULL; q++)
		if (queue != NULL && strcmp(*q, queue) == 0)
			return 1;
	return 0;
}

const guint8 *
conf_msgid_keys(const struct conf *c, gsize *n)
{
	gsize		 len = 0;
	const guint8	*keys = c->msgid_keys == NULL ? NULL :
			    g_bytes_get_data(c->msgid_keys, &len);

	*n = len / THREAD_KEY_LEN;
	return keys;
}

char *
conf_address_token(const struct conf *c, const char *addr)
{
	const char	*at = strrchr(addr, '@'), *delim;
	char		*base, *token = NULL;

	if (at == NULL || c->recipient_delimiter == '\0' ||
	    (delim = memchr(addr, c->recipient_delimiter, at - addr)) == NULL)
		return NULL;
	base = g_strdup_printf("%.*s%s", (int)(delim - addr), addr, at);
	if (conf_queue_for_address(c, base) != NULL)
		token = g_strndup(delim + 1, at - delim - 1);
	g_free(base);
	return token;
}

char *
conf_token_address(const struct conf *c, const struct conf_queue *q,
    const char *token)
{
	const char	*addr = q->addresses[0], *at = strrchr(addr, '@');

	if (at == NULL)
		return NULL;
	return g_strdup_printf("%.*s%c%s%s", (int)(at - addr), addr,
	    c->recipient_delimiter ? c->recipient_delimiter : '+', token, at);
}

const struct conf_queue *
conf_queue_for_address(const struct conf *c, const char *address)
{
	char			*addr = g_ascii_strdown(address, -1);
	char			*at = strrchr(addr, '@');
	char			*ext;
	const struct conf_queue	*found = NULL;

	if (at != NULL && (ext = memchr(addr, c->recipient_delimiter,
	    at - addr)) != NULL)
		memmove(ext, at, strlen(at) + 1);
	for (guint i = 0; i < c->queues->len && found == NULL; i++) {
		struct conf_queue *q = g_ptr_array_index(c->queues, i);

		for (char **a = q->addresses; *a != NULL; a++)
			if (strcmp(*a, addr) == 0)
				found = q;
	}
	g_free(addr);
	return found;
}
