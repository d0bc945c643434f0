/*
 * sender-smtp: the outbox's SMTP backend, over the libcurl wrapper.
 */
#include "conf.h"
#include "log.h"
#include "sender.h"
#include "smtp.h"

struct sender_smtp {
	struct sender	 sender;	/* must be first */
	struct smtp	*smtp;
};

/* The config file says "key =" for unset. */
static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static struct sender *
sender_smtp_open(const struct conf *conf, char **cause)
{
	struct sender_smtp	*s = g_new0(struct sender_smtp, 1);
	struct smtp_config	 sc = { 0 };

	sc.url = conf->smtp_url;
	sc.starttls = conf->smtp_starttls;
	sc.user = nonempty(conf->smtp_user);
	sc.password = conf->smtp_password;
	sc.ca_file = nonempty(conf->smtp_ca_file);
	sc.timeout = conf->smtp_timeout;
	if (sc.user != NULL && g_str_has_prefix(sc.url, "smtp://") &&
	    !sc.starttls)
		log_warn("%s: [smtp] user is set without TLS: the password may "
		    "cross the network in clear", conf->path);
	if ((s->smtp = smtp_new(&sc, cause)) == NULL) {
		g_free(s);
		return NULL;
	}
	s->sender.ops = g_str_has_prefix(sc.url, "smtps://") ?
	    &sender_smtps_ops : &sender_smtp_ops;
	return &s->sender;
}

static enum sender_result
sender_smtp_send(struct sender *sn, const char *from, const char *rcpt,
    GBytes *message, char **detail)
{
	struct sender_smtp	*s = (struct sender_smtp *)sn;
	const char		*rcpts[] = { rcpt, NULL };

	switch (smtp_send(s->smtp, from, rcpts, message, detail)) {
	case SMTP_SENT:
		return SENDER_SENT;
	case SMTP_PERMFAIL:
		return SENDER_PERMFAIL;
	case SMTP_TEMPFAIL:
		break;
	}
	return SENDER_TEMPFAIL;
}

static void
sender_smtp_close(struct sender *sn)
{
	struct sender_smtp	*s = (struct sender_smtp *)sn;

	smtp_free(s->smtp);
	g_free(s);
}

const struct sender_ops sender_smtp_ops = {
	.name = "smtp",
	.scheme = "smtp://",
	.open = sender_smtp_open,
	.send = sender_smtp_send,
	.close = sender_smtp_close,
};

const struct sender_ops sender_smtps_ops = {
	.name = "smtps",
	.scheme = "smtps://",
	.open = sender_smtp_open,
	.send = sender_smtp_send,
	.close = sender_smtp_close,
};
