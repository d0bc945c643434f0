/*
 * template: the mail templates admins edit (acknowledgement, canned
 * replies), loaded from one directory and rendered with ticket data.
 *
 * A template file is NAME.LANG.txt, e.g. ack.en.txt or ack.th.txt:
 * header lines ("Subject: ..."), an empty line, then the body. Text may
 * use {{variable}} and {{#flag}} ... {{/flag}} sections. Every file is
 * checked at load; errors read "file:line: message", and a set with any
 * error is not returned, so nothing half-rendered is ever sent.
 */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <glib.h>

enum template_var {
	TV_TICKET_ID,		/* 42 */
	TV_TAG,			/* [#42] */
	TV_SUBJECT,		/* the customer's subject */
	TV_REQUESTER_NAME,	/* display name, or the address when none */
	TV_REQUESTER_ADDRESS,
	TV_QUEUE,		/* queue display name, or its name */
	TV_PRIORITY,
	TV_RECEIVED,		/* received time in the queue's time zone */
	TV_STATUS,		/* new, open, pending, resolved, closed */
	TV_TAGS,		/* "billing, vip", "" when none */
	TV_ASSIGNEE,		/* the assignee's name, "" when none */
	TV_TEXT,		/* the new words: the customer's, or a note */
	TV_HISTORY,		/* the requester's other open tickets, a line each */
	TV_AGENT,		/* the agent who acted */
	TV_ERROR,		/* what was wrong with an agent's commands */
	TV_REPLY_BY,		/* "by Monday 10:00, Bangkok time" */
	TV_CSAT_1,		/* a satisfaction survey's mailto: links, */
	TV_CSAT_2,		/*   one for each rating */
	TV_CSAT_3,
	TV_CSAT_4,
	TV_CSAT_5,
	TV_COUNT
};

enum template_flag {
	TF_AFTER_HOURS,		/* the mail came outside business hours */
	TF_HISTORY,		/* the requester has other open tickets */
	TF_ASSIGNED,		/* the ticket has an assignee */
	TF_REPLY_BY,		/* a first response is promised by a time */
	TF_COUNT
};

struct template_vars {
	const char	*value[TV_COUNT];	/* NULL renders as "" */
	int		 flag[TF_COUNT];
};

struct template_output {
	char		*lang;		/* the variant used, e.g. "th" */
	GPtrArray	*headers;	/* char *: name, value, name, value ... */
	char		*body;		/* UTF-8, \n line ends */
};

struct template_set;

/* Load every *.txt in dir. NULL and *cause ("file:line: msg" lines). */
struct template_set	*template_load(const char *dir, char **cause);
/*
 * Compile one template from memory, as if file (NAME.LANG.txt) held
 * content: the same checks and errors as template_load().
 */
struct template_set	*template_parse(const char *file, const char *content,
			    gsize len, char **cause);
void			 template_set_free(struct template_set *);

/* 1 when some language variant of name exists, else 0. */
int			 template_exists(const struct template_set *,
			    const char *name);

/*
 * The language of the variant of name that template_render() would use
 * for want and fallback; NULL when name does not exist. Owned by set.
 */
const char		*template_language(const struct template_set *,
			    const char *name, const char *want,
			    const char *fallback);

/*
 * Render name in language want (may be NULL), else fallback, else "en",
 * else any variant. -1 and *cause when name does not exist.
 */
int			 template_render(const struct template_set *,
			    const char *name, const char *want,
			    const char *fallback, const struct template_vars *,
			    struct template_output *, char **cause);
void			 template_output_clear(struct template_output *);

/*
 * The language a customer wrote in: the primary subtag of
 * Content-Language (may be NULL) when given, else from the script of
 * text ("th" for Thai, "ja" for kana, ...), else NULL. Static string.
 */
const char		*template_detect_language(const char *content_language,
			    const char *text);

#endif
