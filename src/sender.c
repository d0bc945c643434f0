/*
 * sender: the registry of outbox backends, looked up by URL scheme.
 */
#include "conf.h"
#include "sender.h"

static const struct sender_ops *sender_backends[] = {
	&sender_smtp_ops,
	&sender_smtps_ops,
	&sender_file_ops,
	NULL,
};

static const struct sender_ops *
sender_find(const char *url)
{
	for (const struct sender_ops **b = sender_backends; *b != NULL; b++)
		if (g_str_has_prefix(url, (*b)->scheme))
			return *b;
	return NULL;
}

int
sender_url_known(const char *url)
{
	return sender_find(url) != NULL;
}

struct sender *
sender_open(const struct conf *conf, char **cause)
{
	const struct sender_ops	*ops = sender_find(conf->smtp_url);

	if (ops == NULL) {
		*cause = g_strdup_printf("[smtp] url: no sender for %s",
		    conf->smtp_url);
		return NULL;
	}
	return ops->open(conf, cause);
}

void
sender_close(struct sender *s)
{
	if (s != NULL)
		s->ops->close(s);
}
