/*
 * rules: the rule files admins write to tag, prioritise, route and
 * assign tickets, and their evaluation against one mail.
 *
 * A rule file is in the key-file style of ticketd.conf (see
 * ticketd.rules(5)): "[rule NAME]" sections with "when", "match",
 * "require", action keys and "stop". Loading checks everything, the
 * conditions' regexes and the agents, templates and queues the actions
 * name against a struct conf, and collects every error as
 * "file:line: message". A struct rules is immutable once loaded and
 * reference counted, so a reload builds a new one and swaps it in only
 * when it is valid, and threads share it freely.
 *
 * Evaluation is pure: it reads the parsed mail and the facts the caller
 * looked up (struct rules_input), touches no store and no global, and
 * returns what the rules that fired would do, each action with the rule
 * and the file:line that asked for it.
 */
#ifndef RULES_H
#define RULES_H

#include <glib.h>

struct conf;
struct mail;
struct rules;

/*
 * Load path: a rule file, or a directory whose *.rules files are read
 * in name order (other files are ignored). Rule names are unique across
 * all of them. NULL and *cause (g_free): one or more "file:line:
 * message" lines, newline-separated, every error found. Free the result
 * with rules_unref.
 */
struct rules	*rules_load(const char *path, const struct conf *,
		    char **cause);
/* The same for len octets of text, reported as coming from file. */
struct rules	*rules_load_buffer(const char *file, const char *text,
		    gsize len, const struct conf *, char **cause);
struct rules	*rules_ref(struct rules *);
void		 rules_unref(struct rules *);
/* How many rules were loaded. */
guint		 rules_count(const struct rules *);

/*
 * What evaluation needs beyond the mail: the facts the caller looked up.
 * Strings may be NULL for "unknown" (they then compare as "").
 */
struct rules_input {
	const struct mail *mail;
	const char	*sender;	/* envelope sender, "" for <> */
	const char	*recipient;	/* envelope recipient */
	const char	*queue;		/* the queue's name */
	int		 reply;		/* 0: opens a ticket, 1: a follow-up */
	/*
	 * The requester's open tickets and first contact, as the store
	 * held them before this mail (ingest.c reads them in the parse
	 * pool, so mail of the same commit does not count).
	 */
	guint		 open_tickets;
	int		 first_contact;
	int		 inside_hours;	/* within the queue's business hours */
	const char	*language;	/* detected, e.g. "th"; NULL: unknown */
	guint64		 size;		/* octets, normally the raw size */
};

enum rules_act {
	RULES_PRIORITY,
	RULES_TAG,
	RULES_UNTAG,
	RULES_QUEUE,
	RULES_ASSIGN,		/* an agent's name */
	RULES_STATUS,
	RULES_NO_ACK,		/* acknowledge = no; value is NULL */
	RULES_CANNED,		/* a template name */
	RULES_NOTIFY,		/* an address or an agent's name */
};

/* One action of a rule, as the file says it. Owned by the rules. */
struct rules_action {
	enum rules_act	 act;
	const char	*value;
};

/* A rule that fired. Every pointer is owned by the rules. */
struct rules_fired {
	const char	*name;
	const char	*file;
	guint		 line;		/* of its [rule NAME] */
	const char	*where;		/* "file:line" */
	GPtrArray	*actions;	/* const struct rules_action *, in
					   file order */
	int		 stop;		/* it ended the evaluation */
};

/*
 * What the rules that fired add up to. Strings are owned by the rules
 * (hold a reference while the result is used) except errors, which are
 * the result's. NULL or empty means "no change".
 */
struct rules_result {
	const char	*priority;	/* the last one set wins */
	const char	*queue;
	const char	*assign;
	const char	*status;
	GPtrArray	*tags_add;	/* const char *, each once; a tag a
					   later rule untags moves to ... */
	GPtrArray	*tags_remove;	/* ... this list, and back */
	int		 acknowledge;	/* 0 when a rule said no, else 1 */
	GPtrArray	*canned;	/* const char *, in order, each once */
	GPtrArray	*notify;	/* const char *, in order, each once */
	GPtrArray	*fired;		/* struct rules_fired *, in order */
	/*
	 * char *: "file:line: rule NAME: why" for each rule a regex error
	 * or limit kept from matching; the rule counts as not matching.
	 */
	GPtrArray	*errors;
};

/*
 * A dry run's account of one rule. The strings that are the rules' own
 * (name, where, condition, actions) live as long as the rules do.
 */
enum rules_verdict {
	RULES_VERDICT_MATCHED,
	RULES_VERDICT_NO_MATCH,
	RULES_VERDICT_ERROR,		/* a regex limit or error */
	RULES_VERDICT_SKIPPED,		/* its when does not fit the mail */
	RULES_VERDICT_NOT_TRIED,	/* an earlier rule stopped */
};

struct rules_trace_cond {
	guint		 line;
	const char	*condition;	/* the match value as written */
	int		 result;	/* 1 true, 0 false, -1 error */
	char		*detail;	/* "matched \"x\"", "no match", a limit */
	char		*text;		/* the text that made it true, or NULL */
};

struct rules_trace_rule {
	const char	*name;
	const char	*where;		/* "file:line" */
	enum rules_verdict verdict;
	int		 reply;		/* the mail is a reply */
	guint		 decided_by;	/* the deciding condition's line; 0 */
	GPtrArray	*conds;		/* struct rules_trace_cond *, tried */
	GPtrArray	*actions;	/* const struct rules_action *, if fired */
	int		 stop;		/* it fired with stop = yes */
};

/* An empty trace for rules_eval(): a GPtrArray that frees its rules. */
GPtrArray	*rules_trace_new(void);
/*
 * The trace as text, a line each ("rule NAME (WHERE): VERDICT", its
 * conditions "  line N: CONDITION: true, WHAT", its actions "  then KEY
 * = VALUE" and "  then stop"), each line ending in a newline. g_free.
 */
char		*rules_trace_text(const GPtrArray *trace);

/*
 * Run the rules in file order against in, until one with stop = yes
 * fires. result is initialised here; clear it with rules_result_clear.
 * trace, when not NULL (from rules_trace_new), gets a struct
 * rules_trace_rule for each rule: whether it matched, which condition
 * decided it and the text it matched, and what it would do.
 */
void		 rules_eval(const struct rules *, const struct rules_input *in,
		    struct rules_result *result, GPtrArray *trace);
void		 rules_result_clear(struct rules_result *);

/*
 * The same in two steps, so that the costly part runs off the writer.
 * rules_match tests every rule's conditions against in (in->reply is
 * not read: whether a mail opens a ticket is known only on the writer)
 * and keeps, for each rule, matched, not or error, and what each
 * condition came to when want_trace. It holds a reference to the rules; free
 * it with rules_matches_free. rules_decide then applies each rule's
 * when for reply, stops where a rule says stop and adds up the actions
 * into result (initialised here, as by rules_eval) and trace, which get
 * exactly what rules_eval would give. It is cheap and touches only ms.
 */
struct rules_matches;
struct rules_matches *rules_match(struct rules *, const struct rules_input *in,
		    int want_trace);
void		 rules_decide(const struct rules_matches *ms, int reply,
		    struct rules_result *result, GPtrArray *trace);
/* Append (char *, g_free) every match error in ms to errors; how many. */
int		 rules_matches_errors(const struct rules_matches *ms,
		    GPtrArray *errors);
void		 rules_matches_free(struct rules_matches *);

/*
 * The facts the caller looks up only when some condition reads them:
 * the requester's open tickets and first contact, the business hours,
 * the language.
 */
enum rules_fact {
	RULES_FACT_REQUESTER,
	RULES_FACT_HOURS,
	RULES_FACT_LANGUAGE,
};
int		 rules_uses(const struct rules *, enum rules_fact);

/* The key of an action in a rule file: "priority", "acknowledge", ... */
const char	*rules_act_name(enum rules_act);

#endif
