/*
 * rules: loads rule files into an immutable struct rules and evaluates
 * it against one mail (see rules.h and ticketd.rules(5)).
 *
 * Loading reads the lines with inifile.c, as conf.c does, and collects
 * every error as "file:line: message" so that one check shows the admin
 * all of them. A condition is compiled once: its regex through re.c,
 * its "contains" and "is" text normalised (NFKC, then case folded) so
 * that evaluation only compares. Evaluation folds each value of the mail
 * once, on first use, and keeps it for the other rules.
 *
 * A condition is tri-state, as in OpenSMTPD's ruleset.c: it holds, it
 * does not, or a regex limit or error kept it from being decided; then
 * the rule does not fire and the result carries the error.
 */
#include <errno.h>
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "fold.h"
#include "inifile.h"
#include "mime.h"
#include "re.h"
#include "rules.h"
#include "template.h"
#include "textidx.h"

#define RULES_NAME_MAX		64	/* characters in a rule name */
#define RULES_TRACE_TEXT	80	/* characters of matched text shown */

enum rules_subject {
	SUBJ_SUBJECT,
	SUBJ_BODY,
	SUBJ_FROM,
	SUBJ_TO,
	SUBJ_CC,
	SUBJ_SENDER,
	SUBJ_RECIPIENT,
	SUBJ_QUEUE,
	SUBJ_HEADER,
	SUBJ_ATTACHMENT,
	SUBJ_ATTACHMENT_TYPE,
	SUBJ_LANGUAGE,
	SUBJ_SIZE,
	SUBJ_HOURS,
	SUBJ_OPEN_TICKETS,
	SUBJ_FIRST_CONTACT,
};

/* What a subject is, and so which operators it takes. */
enum rules_kind {
	KIND_TEXT,		/* ~, contains, is */
	KIND_SIZE,		/* >, <, >= with k, M, G */
	KIND_NUMBER,		/* >, <, >= */
	KIND_WORD,		/* is, with one of two bare words */
};

static const struct {
	const char		*name;
	enum rules_subject	 subject;
	enum rules_kind		 kind;
	const char		*words[2];	/* KIND_WORD: the true one first */
} rules_subjects[] = {
	{ "subject", SUBJ_SUBJECT, KIND_TEXT, { NULL } },
	{ "body", SUBJ_BODY, KIND_TEXT, { NULL } },
	{ "from", SUBJ_FROM, KIND_TEXT, { NULL } },
	{ "to", SUBJ_TO, KIND_TEXT, { NULL } },
	{ "cc", SUBJ_CC, KIND_TEXT, { NULL } },
	{ "sender", SUBJ_SENDER, KIND_TEXT, { NULL } },
	{ "recipient", SUBJ_RECIPIENT, KIND_TEXT, { NULL } },
	{ "queue", SUBJ_QUEUE, KIND_TEXT, { NULL } },
	{ "header", SUBJ_HEADER, KIND_TEXT, { NULL } },
	{ "attachment", SUBJ_ATTACHMENT, KIND_TEXT, { NULL } },
	{ "attachment-type", SUBJ_ATTACHMENT_TYPE, KIND_TEXT, { NULL } },
	{ "language", SUBJ_LANGUAGE, KIND_TEXT, { NULL } },
	{ "size", SUBJ_SIZE, KIND_SIZE, { NULL } },
	{ "hours", SUBJ_HOURS, KIND_WORD, { "inside", "outside" } },
	{ "open-tickets", SUBJ_OPEN_TICKETS, KIND_NUMBER, { NULL } },
	{ "first-contact", SUBJ_FIRST_CONTACT, KIND_WORD, { "yes", "no" } },
};

enum rules_op { OP_RE, OP_CONTAINS, OP_IS, OP_GT, OP_LT, OP_GE };

static const struct {
	const char	*name;
	enum rules_op	 op;
} rules_ops[] = {
	{ "~", OP_RE }, { "contains", OP_CONTAINS }, { "is", OP_IS },
	{ ">=", OP_GE }, { ">", OP_GT }, { "<", OP_LT },
};

struct rules_cond {
	guint		 line;
	char		*source;	/* the match value, for the trace */
	int		 negate;
	int		 subject;	/* index in rules_subjects[] */
	char		*header;	/* SUBJ_HEADER: the name, lower case */
	enum rules_op	 op;
	struct re	*re;		/* OP_RE */
	char		*folded;	/* OP_CONTAINS, OP_IS: NFKC, folded */
	char		*text;		/* ... and as written */
	guint64		 number;	/* OP_GT, OP_LT, OP_GE */
	int		 word;		/* KIND_WORD: 1 for the first word */
	/* In rules->pool: the folded text, or the regex's literals */
	const char	*needle;
	int		 caseless;	/* OP_RE: its literals are lower case */
};

enum rules_when { WHEN_NEW, WHEN_REPLY, WHEN_ANY };
static const char *const rules_when_names[] = { "new", "reply", "any" };

struct rules_rule {
	char		*name;
	char		*file;
	guint		 line;
	char		*where;		/* "file:line" */
	enum rules_when	 when;
	int		 require_any;
	int		 stop;
	GPtrArray	*conds;		/* struct rules_cond *, until condv */
	GPtrArray	*actions;	/* struct rules_action * */
	GHashTable	*keys;		/* key set once -> its line */
};

/*
 * What evaluation reads of a rule. A thousand rules scattered over the
 * heap cost a cache miss each in a daemon whose other work evicts them
 * between mails, more than the matching itself; side by side in two
 * arrays, they are read in order and the prefetcher keeps up.
 */
struct rules_head {
	guint		 first;		/* its first condition in condv */
	guint		 n;		/* and how many it has */
	guint8		 when;		/* enum rules_when */
	guint8		 require_any;
	guint8		 stop;
};

struct rules {
	int		 refs;
	GPtrArray	*rules;		/* struct rules_rule *, in order */
	struct rules_head *heads;	/* one per rule, in order */
	struct rules_cond *condv;	/* every condition, rule after rule */
	guint		 nconds;
	char		*pool;		/* what they look for, in order too */
	int		 uses[RULES_FACT_LANGUAGE + 1]; /* rules_uses() */
};

static const char *const rules_act_names[] = {
	[RULES_PRIORITY] = "priority",
	[RULES_TAG] = "tag",
	[RULES_UNTAG] = "untag",
	[RULES_QUEUE] = "queue",
	[RULES_ASSIGN] = "assign",
	[RULES_STATUS] = "status",
	[RULES_NO_ACK] = "acknowledge",
	[RULES_CANNED] = "canned",
	[RULES_NOTIFY] = "notify",
};

/* What one load knows. */
struct rules_parse {
	struct rules		*rules;
	const struct conf	*conf;
	const char		*file;
	guint			 line;
	struct rules_rule	*rule;		/* the current [rule NAME] */
	int			 in_section;	/* in some section, even a bad one */
	GHashTable		*names;		/* rule name -> "file:line" */
	GString			*errors;
};

static void G_GNUC_PRINTF(2, 3)
rules_error(struct rules_parse *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	inifile_error(p->errors, p->file, p->line, fmt, ap);
	va_end(ap);
}

const char *
rules_act_name(enum rules_act act)
{
	return rules_act_names[act];
}

/*
 * Freeing.
 */

static void
rules_cond_clear(struct rules_cond *c)
{
	g_free(c->source);
	g_free(c->header);
	re_free(c->re);
	g_free(c->folded);
	g_free(c->text);
}

static void
rules_cond_free(gpointer v)
{
	rules_cond_clear(v);
	g_free(v);
}

static void
rules_action_free(gpointer v)
{
	struct rules_action	*a = v;

	g_free((char *)a->value);
	g_free(a);
}

static void
rules_rule_free(gpointer v)
{
	struct rules_rule	*r = v;

	g_free(r->name);
	g_free(r->file);
	g_free(r->where);
	if (r->conds != NULL)
		g_ptr_array_unref(r->conds);
	g_ptr_array_unref(r->actions);
	if (r->keys != NULL)
		g_hash_table_destroy(r->keys);
	g_free(r);
}

struct rules *
rules_ref(struct rules *rs)
{
	g_atomic_int_inc(&rs->refs);
	return rs;
}

void
rules_unref(struct rules *rs)
{
	if (rs == NULL || !g_atomic_int_dec_and_test(&rs->refs))
		return;
	g_ptr_array_unref(rs->rules);
	for (guint i = 0; i < rs->nconds; i++)
		rules_cond_clear(&rs->condv[i]);
	g_free(rs->condv);
	g_free(rs->heads);
	g_free(rs->pool);
	g_free(rs);
}

guint
rules_count(const struct rules *rs)
{
	return rs->rules->len;
}

/*
 * Conditions: "[!]SUBJECT OPERATOR VALUE".
 */

/* The next word of *s, NUL-terminated in place, or NULL at the end. */
static char *
rules_word(char **s)
{
	char	*w = *s + strspn(*s, " \t");
	char	*end;

	if (*w == '\0')
		return NULL;
	end = w + strcspn(w, " \t");
	*s = *end != '\0' ? end + 1 : end;
	*end = '\0';
	return w;
}

/*
 * A "quoted string" with \" and \\ for a quote and a backslash, and
 * nothing after it: the text, or NULL and *why.
 */
static char *
rules_quoted(const char *s, const char **why)
{
	GString	*out = g_string_new(NULL);

	if (*s++ != '"') {
		*why = "expected a \"quoted string\"";
		return g_string_free(out, TRUE);
	}
	for (; *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		if (*s == '\0') {
			*why = "the quoted string has no closing quote";
			return g_string_free(out, TRUE);
		}
		g_string_append_c(out, *s);
	}
	if (s[1 + strspn(s + 1, " \t")] != '\0') {
		*why = "text after the closing quote";
		return g_string_free(out, TRUE);
	}
	return g_string_free(out, FALSE);
}

/* "/pattern/flags": the pattern ends at the last slash. */
static int
rules_cond_re(struct rules_parse *p, struct rules_cond *c, char *value)
{
	char	*slash = strrchr(value, '/');
	char	*cause = NULL;

	if (*value != '/' || slash == value) {
		rules_error(p, "match: ~ needs /regex/flags, not \"%s\"", value);
		return -1;
	}
	*slash = '\0';
	c->re = re_compile(value + 1, slash + 1, &cause);
	if (c->re == NULL) {
		rules_error(p, "match: %s", cause);
		g_free(cause);
		return -1;
	}
	return 0;
}

/* A number, or with is_size a size with k, M or G: 0, or -1. */
static int
rules_number(const char *s, int is_size, guint64 *out)
{
	char	*end;
	guint	 shift = 0;

	if (!g_ascii_isdigit(*s))
		return -1;
	errno = 0;
	*out = g_ascii_strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (is_size && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		default: return -1;
		}
		end++;
	}
	if (*end != '\0' || *out > (G_MAXUINT64 >> shift))
		return -1;
	*out <<= shift;
	return 0;
}

/* The value of a text operator, or of is for a KIND_WORD subject. */
static int
rules_cond_text(struct rules_parse *p, struct rules_cond *c, char *value)
{
	const char	*subj = rules_subjects[c->subject].name;
	const char	*const *words = rules_subjects[c->subject].words;
	const char	*why = NULL;
	char		*text;

	if (rules_subjects[c->subject].kind == KIND_WORD) {
		text = *value == '"' ? rules_quoted(value, &why) :
		    g_strdup(value);
		if (text != NULL && (strcmp(text, words[0]) == 0 ||
		    strcmp(text, words[1]) == 0)) {
			c->word = strcmp(text, words[0]) == 0;
			g_free(text);
			return 0;
		}
		g_free(text);
		rules_error(p, "match: %s is %s or %s, not %s", subj, words[0],
		    words[1], value);
		return -1;
	}
	if ((c->text = rules_quoted(value, &why)) == NULL) {
		rules_error(p, "match: %s: %s", value, why);
		return -1;
	}
	c->folded = fold_text(c->text);
	if (c->op == OP_CONTAINS && *c->folded == '\0') {
		rules_error(p, "match: contains \"\" would hold for any text");
		return -1;
	}
	return 0;
}

/* Does operator op go with the subject's kind? */
static int
rules_cond_fits(struct rules_parse *p, const struct rules_cond *c,
    const char *opname)
{
	enum rules_kind	 kind = rules_subjects[c->subject].kind;
	const char	*subj = rules_subjects[c->subject].name;
	int		 numeric = c->op == OP_GT || c->op == OP_LT ||
			    c->op == OP_GE;

	if (kind == KIND_TEXT && numeric)
		rules_error(p, "match: %s compares numbers; %s is text (use ~, "
		    "contains or is)", opname, subj);
	else if ((kind == KIND_SIZE || kind == KIND_NUMBER) && !numeric)
		rules_error(p, "match: %s is a number: use >, < or >=, not %s",
		    subj, opname);
	else if (kind == KIND_WORD && c->op != OP_IS)
		rules_error(p, "match: %s takes is %s|%s, not %s", subj,
		    rules_subjects[c->subject].words[0],
		    rules_subjects[c->subject].words[1], opname);
	else
		return 1;
	return 0;
}

static int
rules_cond_subject(struct rules_parse *p, struct rules_cond *c, char **s)
{
	char	*w = rules_word(s);

	if (w != NULL && *w == '!') {
		c->negate = 1;
		if (*++w == '\0')
			w = rules_word(s);
	}
	if (w == NULL) {
		rules_error(p, "match: missing value: expected [!]SUBJECT "
		    "OPERATOR VALUE");
		return -1;
	}
	c->subject = -1;
	for (gsize i = 0; i < G_N_ELEMENTS(rules_subjects); i++)
		if (strcmp(w, rules_subjects[i].name) == 0)
			c->subject = i;
	if (c->subject == -1) {
		rules_error(p, "match: unknown subject \"%s\"", w);
		return -1;
	}
	if (rules_subjects[c->subject].subject != SUBJ_HEADER)
		return 0;
	if ((w = rules_word(s)) == NULL) {
		rules_error(p, "match: header needs a NAME");
		return -1;
	}
	c->header = g_ascii_strdown(w, -1);
	return 0;
}

static int
rules_cond_op(struct rules_parse *p, struct rules_cond *c, char **s)
{
	char	*w = rules_word(s);
	char	*value = g_strstrip(*s);

	if (w == NULL) {
		rules_error(p, "match: missing operator after %s",
		    rules_subjects[c->subject].name);
		return -1;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(rules_ops); i++)
		if (strcmp(w, rules_ops[i].name) == 0) {
			c->op = rules_ops[i].op;
			if (!rules_cond_fits(p, c, w))
				return -1;
			if (*value == '\0') {
				rules_error(p, "match: missing value after %s", w);
				return -1;
			}
			return 0;
		}
	rules_error(p, "match: unknown operator \"%s\" (~, contains, is, >, < "
	    "or >=)", w);
	return -1;
}

static int
rules_cond_value(struct rules_parse *p, struct rules_cond *c, char *value)
{
	enum rules_kind	 kind = rules_subjects[c->subject].kind;

	switch (c->op) {
	case OP_RE:
		return rules_cond_re(p, c, value);
	case OP_CONTAINS:
	case OP_IS:
		return rules_cond_text(p, c, value);
	case OP_GT:
	case OP_LT:
	case OP_GE:
		if (rules_number(value, kind == KIND_SIZE, &c->number) == 0)
			return 0;
		rules_error(p, "match: expected a number%s, not \"%s\"",
		    kind == KIND_SIZE ? " (suffix k, M or G allowed)" : "",
		    value);
		return -1;
	}
	return -1;
}

static void
rules_key_match(struct rules_parse *p, const char *value)
{
	struct rules_cond	*c = g_new0(struct rules_cond, 1);
	char			*copy = g_strdup(value), *s = copy;

	c->line = p->line;
	c->source = g_strdup(value);
	if (rules_cond_subject(p, c, &s) != 0 ||
	    rules_cond_op(p, c, &s) != 0 ||
	    rules_cond_value(p, c, g_strstrip(s)) != 0)
		rules_cond_free(c);
	else
		g_ptr_array_add(p->rule->conds, c);
	g_free(copy);
}

/*
 * Actions.
 */

static void
rules_add_action(struct rules_parse *p, enum rules_act act, const char *value)
{
	struct rules_action	*a = g_new(struct rules_action, 1);

	a->act = act;
	a->value = g_strdup(value);
	g_ptr_array_add(p->rule->actions, a);
}

/* Check a value with one of agent.c's checks. */
static void
rules_check(struct rules_parse *p, const char *key, int rc, char *why)
{
	if (rc == 0)
		return;
	rules_error(p, "%s: %s", key, why);
	g_free(why);
}

/* tag, untag: a comma list. */
static void
rules_key_tags(struct rules_parse *p, enum rules_act act, const char *key,
    const char *value)
{
	char	**tags = g_strsplit(value, ",", -1);
	char	*why = NULL;
	int	 n = 0;

	for (char **t = tags; *t != NULL; t++) {
		if (*g_strstrip(*t) == '\0')
			continue;
		n++;
		if (agent_check_tag(*t, &why) == 0)
			rules_add_action(p, act, *t);
		else
			rules_check(p, key, -1, why);
	}
	if (n == 0)
		rules_error(p, "%s: missing value", key);
	g_strfreev(tags);
}

/* local@domain, as far as a rule file can tell. */
static int
rules_is_address(const char *s)
{
	const char	*at = strrchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' &&
	    strpbrk(s, " \t<>,") == NULL;
}

static void
rules_key_notify(struct rules_parse *p, const char *value)
{
	if (strchr(value, '@') != NULL) {
		if (rules_is_address(value))
			rules_add_action(p, RULES_NOTIFY, value);
		else
			rules_error(p, "notify: \"%s\" is not an address",
			    value);
	} else if (conf_agent_by_name(p->conf, value) != NULL)
		rules_add_action(p, RULES_NOTIFY, value);
	else
		rules_error(p, "notify: \"%s\" is neither an address nor an "
		    "[agent NAME]", value);
}

static void
rules_key_canned(struct rules_parse *p, const char *value)
{
	if (p->conf->templates == NULL)
		rules_error(p, "canned: no templates are configured "
		    "([ticketd] templates)");
	else if (!template_exists(p->conf->templates, value))
		rules_error(p, "canned: unknown template \"%s\" (no %s.LANG.txt "
		    "in %s)", value, value, p->conf->templates_dir);
	else
		rules_add_action(p, RULES_CANNED, value);
}

/* yes or no, into *out; -1 otherwise. */
static int
rules_yes_no(const char *value, int *out)
{
	if (strcmp(value, "yes") == 0)
		*out = 1;
	else if (strcmp(value, "no") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static void
rules_key_when(struct rules_parse *p, const char *value)
{
	for (gsize i = 0; i < G_N_ELEMENTS(rules_when_names); i++)
		if (strcmp(value, rules_when_names[i]) == 0) {
			p->rule->when = i;
			return;
		}
	rules_error(p, "when: expected new, reply or any, not \"%s\"", value);
}

static void
rules_key_flag(struct rules_parse *p, const char *key, const char *value)
{
	int	 yes;

	if (strcmp(key, "require") == 0) {
		if (strcmp(value, "all") == 0 || strcmp(value, "any") == 0)
			p->rule->require_any = strcmp(value, "any") == 0;
		else
			rules_error(p, "require: expected all or any, not \"%s\"",
			    value);
	} else if (rules_yes_no(value, &yes) != 0)
		rules_error(p, "%s: expected yes or no, not \"%s\"", key, value);
	else if (strcmp(key, "stop") == 0)
		p->rule->stop = yes;
	else if (!yes)
		rules_add_action(p, RULES_NO_ACK, NULL);
}

/* assign, queue: the name of a [kind NAME] of the conf, found or not. */
static void
rules_key_named(struct rules_parse *p, enum rules_act act, const char *kind,
    const char *value, int found)
{
	if (found)
		rules_add_action(p, act, value);
	else
		rules_error(p, "%s: unknown %s \"%s\" (no [%s %s])",
		    rules_act_name(act), kind, value, kind, value);
}

static void
rules_key_apply(struct rules_parse *p, const char *key, const char *value)
{
	char	*why = NULL;
	int	 rc;

	if (strcmp(key, "match") == 0)
		rules_key_match(p, value);
	else if (strcmp(key, "when") == 0)
		rules_key_when(p, value);
	else if (strcmp(key, "require") == 0 || strcmp(key, "stop") == 0 ||
	    strcmp(key, "acknowledge") == 0)
		rules_key_flag(p, key, value);
	else if (strcmp(key, "priority") == 0) {
		rc = agent_check_priority(value, &why);
		rules_check(p, key, rc, why);
		if (rc == 0)
			rules_add_action(p, RULES_PRIORITY, value);
	} else if (strcmp(key, "status") == 0) {
		rc = agent_check_status(value, 0, &why);
		rules_check(p, key, rc, why);
		if (rc == 0)
			rules_add_action(p, RULES_STATUS, value);
	} else if (strcmp(key, "tag") == 0)
		rules_key_tags(p, RULES_TAG, key, value);
	else if (strcmp(key, "untag") == 0)
		rules_key_tags(p, RULES_UNTAG, key, value);
	else if (strcmp(key, "queue") == 0)
		rules_key_named(p, RULES_QUEUE, "queue", value,
		    conf_queue_by_name(p->conf, value) != NULL);
	else if (strcmp(key, "assign") == 0)
		rules_key_named(p, RULES_ASSIGN, "agent", value,
		    conf_agent_by_name(p->conf, value) != NULL);
	else if (strcmp(key, "canned") == 0)
		rules_key_canned(p, value);
	else if (strcmp(key, "notify") == 0)
		rules_key_notify(p, value);
}

/* The keys of a [rule NAME]; the repeatable ones may come many times. */
static const struct {
	const char	*name;
	int		 repeat;
} rules_keys[] = {
	{ "when", 0 }, { "match", 1 }, { "require", 0 }, { "priority", 0 },
	{ "tag", 1 }, { "untag", 1 }, { "queue", 0 }, { "assign", 0 },
	{ "status", 0 }, { "acknowledge", 0 }, { "canned", 1 },
	{ "notify", 1 }, { "stop", 0 },
};

/* 1 when key may be set here (now), else 0 with the error given. */
static int
rules_key_known(struct rules_parse *p, const char *key)
{
	gpointer	 first;

	for (gsize i = 0; i < G_N_ELEMENTS(rules_keys); i++) {
		if (strcmp(key, rules_keys[i].name) != 0)
			continue;
		if (rules_keys[i].repeat)
			return 1;
		if (g_hash_table_lookup_extended(p->rule->keys, key, NULL,
		    &first)) {
			rules_error(p, "%s: set twice in [rule %s] (first at "
			    "line %u)", key, p->rule->name,
			    GPOINTER_TO_UINT(first));
			return 0;
		}
		g_hash_table_insert(p->rule->keys, (char *)rules_keys[i].name,
		    GUINT_TO_POINTER(p->line));
		return 1;
	}
	rules_error(p, "unknown key \"%s\" in [rule %s]", key, p->rule->name);
	return 0;
}

static void
rules_key_value(struct rules_parse *p, char *line)
{
	char	*key, *value;

	if (inifile_key_value(line, &key, &value) != 0) {
		rules_error(p, "expected \"key = value\"");
		return;
	}
	if (p->rule == NULL) {
		if (!p->in_section)
			rules_error(p, "%s: key outside of any [rule NAME]",
			    key);
		return;
	}
	if (!rules_key_known(p, key))
		return;
	if (*value == '\0') {
		rules_error(p, "%s: missing value", key);
		return;
	}
	rules_key_apply(p, key, value);
}

/*
 * Sections.
 */

/* A rule name is one word: it names the rule in events and traces. */
static int
rules_name_valid(const char *name)
{
	return g_utf8_validate(name, -1, NULL) &&
	    g_utf8_strlen(name, -1) <= RULES_NAME_MAX &&
	    strpbrk(name, " \t[]\"") == NULL;
}

static struct rules_rule *
rules_rule_new(struct rules_parse *p, const char *name)
{
	struct rules_rule	*r = g_new0(struct rules_rule, 1);

	r->name = g_strdup(name);
	r->file = g_strdup(p->file);
	r->line = p->line;
	r->where = g_strdup_printf("%s:%u", p->file, p->line);
	r->conds = g_ptr_array_new_with_free_func(rules_cond_free);
	r->actions = g_ptr_array_new_with_free_func(rules_action_free);
	r->keys = g_hash_table_new(g_str_hash, g_str_equal);
	return r;
}

static void
rules_section(struct rules_parse *p, char *line)
{
	char		*name, *arg;
	const char	*first;

	p->rule = NULL;
	p->in_section = 1;
	if (inifile_section(line, &name, &arg) != 0)
		rules_error(p, "malformed section header");
	else if (strcmp(name, "rule") != 0)
		rules_error(p, "unknown section [%s]: rule files hold "
		    "[rule NAME] sections", name);
	else if (arg == NULL)
		rules_error(p, "[rule] needs a name: [rule NAME]");
	else if (!rules_name_valid(arg))
		rules_error(p, "[rule %s]: a rule name is one word of at most "
		    "%d characters", arg, RULES_NAME_MAX);
	else if ((first = g_hash_table_lookup(p->names, arg)) != NULL)
		rules_error(p, "duplicate rule \"%s\" (first at %s)", arg,
		    first);
	else {
		p->rule = rules_rule_new(p, arg);
		g_ptr_array_add(p->rules->rules, p->rule);
		g_hash_table_insert(p->names, p->rule->name, p->rule->where);
	}
}

static void
rules_line(void *arg, guint line, char *text)
{
	struct rules_parse	*p = arg;

	p->line = line;
	if (!g_utf8_validate(text, -1, NULL))
		rules_error(p, "not valid UTF-8: rule files are UTF-8");
	else if (*text == '[')
		rules_section(p, text);
	else
		rules_key_value(p, text);
}

static void
rules_parse_text(struct rules_parse *p, const char *file, const char *text,
    gsize len)
{
	const char	*nul = memchr(text, '\0', len);

	p->file = file;
	p->line = 0;
	p->rule = NULL;
	p->in_section = 0;
	inifile_read(text, len, rules_line, p);
	if (nul != NULL) {
		p->line = 1;
		for (const char *s = text; s < nul; s++)
			p->line += *s == '\n';
		rules_error(p, "a NUL byte: the rest of the file is not read");
	}
}

static void
rules_parse_file(struct rules_parse *p, const char *path)
{
	GError	*error = NULL;
	char	*text;
	gsize	 len;

	if (!g_file_get_contents(path, &text, &len, &error)) {
		p->file = path;
		p->line = 0;
		rules_error(p, "%s", error->message);
		g_error_free(error);
		return;
	}
	rules_parse_text(p, path, text, len);
	g_free(text);
}

static int
rules_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.rules files of dir, in name order. */
static void
rules_parse_dir(struct rules_parse *p, const char *dir)
{
	GError		*error = NULL;
	GDir		*d;
	GPtrArray	*names = g_ptr_array_new_with_free_func(g_free);
	const char	*name;

	if ((d = g_dir_open(dir, 0, &error)) == NULL) {
		p->file = dir;
		rules_error(p, "%s", error->message);
		g_error_free(error);
		g_ptr_array_unref(names);
		return;
	}
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".rules") && *name != '.')
			g_ptr_array_add(names, g_build_filename(dir, name,
			    NULL));
	g_dir_close(d);
	g_ptr_array_sort(names, rules_name_cmp);
	for (guint i = 0; i < names->len; i++)
		rules_parse_file(p, names->pdata[i]);
	g_ptr_array_unref(names);
}

static void
rules_parse_init(struct rules_parse *p, const struct conf *conf)
{
	memset(p, 0, sizeof(*p));
	p->rules = g_new0(struct rules, 1);
	p->rules->refs = 1;
	p->rules->rules = g_ptr_array_new_with_free_func(rules_rule_free);
	p->conf = conf;
	p->names = g_hash_table_new(g_str_hash, g_str_equal);
	p->errors = g_string_new(NULL);
}

/* Does a condition of rs read fact? Once, at load. */
static int
rules_scan_uses(const struct rules *rs, enum rules_fact fact)
{
	static const enum rules_subject subj[] = {
		[RULES_FACT_REQUESTER] = SUBJ_OPEN_TICKETS,
		[RULES_FACT_HOURS] = SUBJ_HOURS,
		[RULES_FACT_LANGUAGE] = SUBJ_LANGUAGE,
	};

	for (guint i = 0; i < rs->nconds; i++) {
		enum rules_subject s = rules_subjects[rs->condv[i].subject].
		    subject;

		if (s == subj[fact] || (fact == RULES_FACT_REQUESTER &&
		    s == SUBJ_FIRST_CONTACT))
			return 1;
	}
	return 0;
}

/* The length of literals, "lit\0lit\0\0", with its NULs. */
static gsize
rules_literals_len(const char *literals)
{
	const char	*l = literals;

	while (*l != '\0')
		l += strlen(l) + 1;
	return l - literals + 1;
}

/* What the conditions look for, side by side in rs->pool. */
static void
rules_pool(struct rules *rs)
{
	GString		*pool = g_string_new(NULL);
	gsize		*at = g_new(gsize, MAX(rs->nconds, 1));
	const char	*l;

	for (guint k = 0; k < rs->nconds; k++) {
		struct rules_cond *c = &rs->condv[k];

		at[k] = pool->len;
		if (c->re != NULL) {
			l = re_literals(c->re, &c->caseless);
			g_string_append_len(pool, l, rules_literals_len(l));
		} else if (c->folded != NULL)
			g_string_append_len(pool, c->folded,
			    strlen(c->folded) + 1);
	}
	rs->pool = g_string_free(pool, FALSE);
	for (guint k = 0; k < rs->nconds; k++)
		rs->condv[k].needle = rs->pool + at[k];
	g_free(at);
}

/* The rules' conditions and heads into their arrays (struct rules_head). */
static void
rules_flatten(struct rules *rs)
{
	guint	 k = 0;

	for (guint i = 0; i < rs->rules->len; i++)
		rs->nconds += ((struct rules_rule *)rs->rules->pdata[i])->
		    conds->len;
	rs->condv = g_new(struct rules_cond, MAX(rs->nconds, 1));
	rs->heads = g_new(struct rules_head, MAX(rs->rules->len, 1));
	for (guint i = 0; i < rs->rules->len; i++) {
		struct rules_rule *r = rs->rules->pdata[i];
		struct rules_head *h = &rs->heads[i];

		h->first = k;
		h->n = r->conds->len;
		h->when = r->when;
		h->require_any = r->require_any;
		h->stop = r->stop;
		for (guint j = 0; j < r->conds->len; j++)
			rs->condv[k++] = *(struct rules_cond *)r->conds->pdata[j];
		/* The copies own what the conditions pointed to now. */
		g_ptr_array_set_free_func(r->conds, g_free);
		g_ptr_array_unref(r->conds);
		r->conds = NULL;
	}
	rules_pool(rs);
}

static struct rules *
rules_parse_done(struct rules_parse *p, char **cause)
{
	g_hash_table_destroy(p->names);
	for (guint i = 0; i < p->rules->rules->len; i++) {
		struct rules_rule *r = p->rules->rules->pdata[i];

		g_hash_table_destroy(r->keys);
		r->keys = NULL;
	}
	if (p->errors->len > 0) {
		*cause = g_string_free(p->errors, FALSE);
		rules_unref(p->rules);
		return NULL;
	}
	g_string_free(p->errors, TRUE);
	rules_flatten(p->rules);
	for (int f = 0; f <= RULES_FACT_LANGUAGE; f++)
		p->rules->uses[f] = rules_scan_uses(p->rules, f);
	return p->rules;
}

struct rules *
rules_load(const char *path, const struct conf *conf, char **cause)
{
	struct rules_parse	 p;

	rules_parse_init(&p, conf);
	if (g_file_test(path, G_FILE_TEST_IS_DIR))
		rules_parse_dir(&p, path);
	else
		rules_parse_file(&p, path);
	return rules_parse_done(&p, cause);
}

struct rules *
rules_load_buffer(const char *file, const char *text, gsize len,
    const struct conf *conf, char **cause)
{
	struct rules_parse	 p;

	rules_parse_init(&p, conf);
	rules_parse_text(&p, file, text, len);
	return rules_parse_done(&p, cause);
}

/*
 * Evaluation.
 */

/* One evaluation: the input, and the values folded so far. */
struct rules_eval {
	const struct rules_input *in;
	int		 tracing;	/* say what decided each condition */
	/* struct rules_text *, one per value: a mail has few */
	GPtrArray	*texts;
	GPtrArray	*values;	/* of the current condition */
};

/* What a condition came to, and the text that decided it. */
struct rules_outcome {
	int		 rc;		/* 1 holds, 0 not, -1 error */
	char		*what;		/* for the trace and errors */
	char		*text;		/* what made it hold, for the trace */
};

static const char *
rules_str(const char *s)
{
	return s != NULL ? s : "";
}

static void
rules_values_mailboxes(GPtrArray *v, GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++) {
		const struct mail_mailbox *mb = list->pdata[i];

		if (*mb->addr != '\0')
			g_ptr_array_add(v, mb->addr);
		if (*mb->name != '\0')
			g_ptr_array_add(v, mb->name);
	}
}

/* From's mailboxes; its text when it names no address ("Support Team"). */
static void
rules_values_from(GPtrArray *v, const struct mail *m)
{
	rules_values_mailboxes(v, m->from_list);
	if (*m->from_addr == '\0' && *m->from_name != '\0')
		g_ptr_array_add(v, m->from_name);
}

static void
rules_values_header(GPtrArray *v, const struct mail *m, const char *name)
{
	for (guint i = 0; i < m->header_list->len; i++) {
		const struct mail_field *f = m->header_list->pdata[i];

		if (strcmp(f->name, name) == 0)
			g_ptr_array_add(v, f->value);
	}
}

static void
rules_values_attachments(GPtrArray *v, const struct mail *m, int type)
{
	for (guint i = 0; i < m->attachments->len; i++) {
		const struct mail_attachment *a = m->attachments->pdata[i];
		const char *s = type ? a->type : a->name;

		if (*s != '\0')
			g_ptr_array_add(v, (char *)s);
	}
}

/* The text values of a condition's subject, into e->values. */
static void
rules_values(struct rules_eval *e, const struct rules_cond *c)
{
	const struct rules_input *in = e->in;
	const struct mail	*m = in->mail;
	GPtrArray		*v = e->values;

	g_ptr_array_set_size(v, 0);
	switch (rules_subjects[c->subject].subject) {
	case SUBJ_SUBJECT:
		g_ptr_array_add(v, m->subject);
		break;
	case SUBJ_BODY:
		g_ptr_array_add(v, m->body);
		break;
	case SUBJ_FROM:
		rules_values_from(v, m);
		break;
	case SUBJ_TO:
		rules_values_mailboxes(v, m->to_list);
		break;
	case SUBJ_CC:
		rules_values_mailboxes(v, m->cc_list);
		break;
	case SUBJ_SENDER:
		g_ptr_array_add(v, (char *)rules_str(in->sender));
		break;
	case SUBJ_RECIPIENT:
		g_ptr_array_add(v, (char *)rules_str(in->recipient));
		break;
	case SUBJ_QUEUE:
		g_ptr_array_add(v, (char *)rules_str(in->queue));
		break;
	case SUBJ_HEADER:
		rules_values_header(v, m, c->header);
		break;
	case SUBJ_ATTACHMENT:
	case SUBJ_ATTACHMENT_TYPE:
		rules_values_attachments(v, m, rules_subjects[c->subject].
		    subject == SUBJ_ATTACHMENT_TYPE);
		break;
	case SUBJ_LANGUAGE:
		g_ptr_array_add(v, (char *)rules_str(in->language));
		break;
	case SUBJ_SIZE:
	case SUBJ_HOURS:
	case SUBJ_OPEN_TICKETS:
	case SUBJ_FIRST_CONTACT:
		break;
	}
}

/*
 * What evaluation makes of one value of the mail, each part on first
 * use and kept for the other rules: its lower-cased and folded forms,
 * and indexes that rule most needles out without reading them.
 */
struct rules_text {
	const char	*value;		/* the value itself, by address */
	struct textidx	*raw;
	char		*lower;		/* ASCII letters in lower case */
	struct textidx	*ilower;
	char		*folded;	/* NFKC, then case folded */
	struct textidx	*ifolded;
};

static void
rules_text_free(gpointer v)
{
	struct rules_text	*t = v;

	textidx_free(t->raw);
	textidx_free(t->ilower);
	textidx_free(t->ifolded);
	g_free(t->lower);
	g_free(t->folded);
	g_free(t);
}

static struct rules_text *
rules_text_of(struct rules_eval *e, const char *value)
{
	struct rules_text	*t;

	for (guint i = 0; i < e->texts->len; i++)
		if ((t = e->texts->pdata[i])->value == value)
			return t;
	t = g_new0(struct rules_text, 1);
	t->value = value;
	t->raw = textidx_new(value);
	g_ptr_array_add(e->texts, t);
	return t;
}

static struct textidx *
rules_text_lower(struct rules_text *t)
{
	if (t->ilower == NULL) {
		t->lower = g_strdup(textidx_text(t->raw));
		fold_ascii_lower(t->lower);
		t->ilower = textidx_new(t->lower);
	}
	return t->ilower;
}

static struct textidx *
rules_text_folded(struct rules_text *t)
{
	if (t->ifolded == NULL) {
		t->folded = fold_text(textidx_text(t->raw));
		t->ifolded = textidx_new(t->folded);
	}
	return t->ifolded;
}

/* Matched text for the trace: one line, at most RULES_TRACE_TEXT long. */
static char *
rules_excerpt(const char *text, gsize len)
{
	char	*valid = g_utf8_make_valid(text, len);
	char	*s = g_strdelimit(valid, "\r\n\t", ' ');
	char	*out;

	if (g_utf8_strlen(s, -1) <= RULES_TRACE_TEXT)
		return s;
	out = g_strdup_printf("%.*s...", (int)(g_utf8_offset_to_pointer(s,
	    RULES_TRACE_TEXT) - s), s);
	g_free(s);
	return out;
}

static void
rules_cond_regex(struct rules_eval *e, const struct rules_cond *c,
    struct rules_outcome *o)
{
	gsize	 start, end;
	char	*cause = NULL, *text;

	for (guint i = 0; i < e->values->len; i++) {
		const char *s = e->values->pdata[i];
		struct rules_text *t = rules_text_of(e, s);

		if (!re_literals_in(c->needle, c->caseless ?
		    rules_text_lower(t) : t->raw))
			continue;
		switch (re_match(c->re, s, strlen(s), &start, &end, &cause)) {
		case 1:
			o->rc = 1;
			if (!e->tracing)
				return;
			text = rules_excerpt(s + start, end - start);
			o->what = g_strdup_printf("matched \"%s\"", text);
			o->text = text;
			return;
		case 0:
			break;
		case -1:
			o->what = cause;
			o->rc = -1;
			return;
		}
	}
	o->rc = 0;
	if (e->tracing)
		o->what = g_strdup(e->values->len == 0 ? "no value" :
		    "no match");
}

/* is: equal, but for white space around the value. */
static int
rules_equal(const char *value, const char *want)
{
	gsize	 len;

	value += strspn(value, " \t\r\n");
	len = strlen(value);
	while (len > 0 && g_ascii_isspace(value[len - 1]))
		len--;
	return len == strlen(want) && memcmp(value, want, len) == 0;
}

static void
rules_cond_string(struct rules_eval *e, const struct rules_cond *c,
    struct rules_outcome *o)
{
	for (guint i = 0; i < e->values->len; i++) {
		struct textidx *f = rules_text_folded(rules_text_of(e,
		    e->values->pdata[i]));

		if (c->op == OP_CONTAINS ? textidx_has(f, c->needle) :
		    rules_equal(textidx_text(f), c->needle)) {
			o->rc = 1;
			if (e->tracing) {
				o->what = g_strdup_printf("%s \"%s\"",
				    c->op == OP_CONTAINS ? "contains" : "is",
				    c->text);
				o->text = g_strdup(c->text);
			}
			return;
		}
	}
	o->rc = 0;
	if (e->tracing)
		o->what = g_strdup(e->values->len == 0 ? "no value" :
		    "no match");
}

static void
rules_cond_number(struct rules_eval *e, const struct rules_cond *c,
    struct rules_outcome *o)
{
	guint64		 n = rules_subjects[c->subject].subject == SUBJ_SIZE ?
			    e->in->size : e->in->open_tickets;
	const char	*op = c->op == OP_GT ? ">" : c->op == OP_LT ? "<" : ">=";

	o->rc = c->op == OP_GT ? n > c->number : c->op == OP_LT ?
	    n < c->number : n >= c->number;
	if (e->tracing)
		o->what = g_strdup_printf("%" G_GUINT64_FORMAT " %s %"
		    G_GUINT64_FORMAT " is %s", n, op, c->number,
		    o->rc ? "true" : "false");
}

static void
rules_cond_word(struct rules_eval *e, const struct rules_cond *c,
    struct rules_outcome *o)
{
	int	 fact = rules_subjects[c->subject].subject == SUBJ_HOURS ?
		    e->in->inside_hours : e->in->first_contact;

	o->rc = (fact != 0) == c->word;
	if (e->tracing)
		o->what = g_strdup_printf("is %s",
		    rules_subjects[c->subject].words[fact ? 0 : 1]);
}

static void
rules_cond_eval(struct rules_eval *e, const struct rules_cond *c,
    struct rules_outcome *o)
{
	switch (rules_subjects[c->subject].kind) {
	case KIND_SIZE:
	case KIND_NUMBER:
		rules_cond_number(e, c, o);
		break;
	case KIND_WORD:
		rules_cond_word(e, c, o);
		break;
	case KIND_TEXT:
		rules_values(e, c);
		if (c->op == OP_RE)
			rules_cond_regex(e, c, o);
		else
			rules_cond_string(e, c, o);
		break;
	}
	if (c->negate && o->rc != -1)
		o->rc = !o->rc;
}

/*
 * Does the rule hold? 1, 0, or -1 with *error; *decider is the line of
 * the condition that settled it, 0 when there is none. The trace gets a
 * line for each condition tried.
 */
static int
rules_rule_match(struct rules_eval *e, const struct rules *rs, guint rule,
    GPtrArray *trace, guint *decider, char **error)
{
	const struct rules_head	*h = &rs->heads[rule];
	const struct rules_rule	*r;
	struct rules_outcome	 o = { 1, NULL, NULL };
	struct rules_trace_cond	*tc;

	*decider = 0;
	for (guint i = 0; i < h->n; i++) {
		const struct rules_cond *c = &rs->condv[h->first + i];

		g_free(o.what);
		g_free(o.text);
		o.what = o.text = NULL;
		rules_cond_eval(e, c, &o);
		*decider = c->line;
		if (trace != NULL) {
			tc = g_new0(struct rules_trace_cond, 1);
			tc->line = c->line;
			tc->condition = c->source;
			tc->result = o.rc;
			tc->detail = g_strdup(o.what);
			tc->text = o.rc == 1 ? g_strdup(o.text) : NULL;
			g_ptr_array_add(trace, tc);
		}
		if (o.rc == -1) {
			r = rs->rules->pdata[rule];
			*error = g_strdup_printf("%s: rule %s: line %u: %s",
			    r->where, r->name, c->line, o.what);
			break;
		}
		if (o.rc == h->require_any)
			break;
	}
	g_free(o.what);
	g_free(o.text);
	return o.rc;
}

static void
rules_list_add(GPtrArray *a, const char *s)
{
	if (!g_ptr_array_find_with_equal_func(a, s, g_str_equal, NULL))
		g_ptr_array_add(a, (char *)s);
}

static void
rules_list_remove(GPtrArray *a, const char *s)
{
	guint	 i;

	if (g_ptr_array_find_with_equal_func(a, s, g_str_equal, &i))
		g_ptr_array_remove_index(a, i);
}

static void
rules_apply(struct rules_result *res, const struct rules_action *a)
{
	switch (a->act) {
	case RULES_PRIORITY:
		res->priority = a->value;
		break;
	case RULES_QUEUE:
		res->queue = a->value;
		break;
	case RULES_ASSIGN:
		res->assign = a->value;
		break;
	case RULES_STATUS:
		res->status = a->value;
		break;
	case RULES_TAG:
		rules_list_remove(res->tags_remove, a->value);
		rules_list_add(res->tags_add, a->value);
		break;
	case RULES_UNTAG:
		rules_list_remove(res->tags_add, a->value);
		rules_list_add(res->tags_remove, a->value);
		break;
	case RULES_NO_ACK:
		res->acknowledge = 0;
		break;
	case RULES_CANNED:
		rules_list_add(res->canned, a->value);
		break;
	case RULES_NOTIFY:
		rules_list_add(res->notify, a->value);
		break;
	}
}

static void
rules_fire(const struct rules_rule *r, struct rules_result *res,
    struct rules_trace_rule *tr)
{
	struct rules_fired	*f = g_new0(struct rules_fired, 1);

	f->name = r->name;
	f->file = r->file;
	f->line = r->line;
	f->where = r->where;
	f->actions = g_ptr_array_new();
	f->stop = r->stop;
	for (guint i = 0; i < r->actions->len; i++) {
		const struct rules_action *a = r->actions->pdata[i];

		g_ptr_array_add(f->actions, (gpointer)a);
		rules_apply(res, a);
		if (tr != NULL)
			g_ptr_array_add(tr->actions, (gpointer)a);
	}
	if (tr != NULL)
		tr->stop = r->stop;
	g_ptr_array_add(res->fired, f);
}

static void
rules_fired_free(gpointer v)
{
	struct rules_fired	*f = v;

	g_ptr_array_unref(f->actions);
	g_free(f);
}

static void
rules_result_init(struct rules_result *res)
{
	memset(res, 0, sizeof(*res));
	res->tags_add = g_ptr_array_new();
	res->tags_remove = g_ptr_array_new();
	res->acknowledge = 1;
	res->canned = g_ptr_array_new();
	res->notify = g_ptr_array_new();
	res->fired = g_ptr_array_new_with_free_func(rules_fired_free);
	res->errors = g_ptr_array_new_with_free_func(g_free);
}

void
rules_result_clear(struct rules_result *res)
{
	g_ptr_array_unref(res->tags_add);
	g_ptr_array_unref(res->tags_remove);
	g_ptr_array_unref(res->canned);
	g_ptr_array_unref(res->notify);
	g_ptr_array_unref(res->fired);
	g_ptr_array_unref(res->errors);
	memset(res, 0, sizeof(*res));
}

/*
 * The split: rules_match in the parse pool, rules_decide on the writer.
 */

enum rules_state { MATCH_NOT_TRIED, MATCH_NO, MATCH_YES, MATCH_ERROR };

struct rules_match1 {
	enum rules_state state;
	guint		 decider;	/* the line that settled it, or 0 */
	char		*error;		/* MATCH_ERROR */
	GPtrArray	*trace;		/* rules_trace_cond, when asked */
};

struct rules_matches {
	struct rules	*rules;		/* a reference */
	guint		 n;
	struct rules_match1 *m;		/* one per rule, in order */
};

/* Does the rule's when fit this mail? */
static int
rules_when_fits(enum rules_when when, int reply)
{
	switch (when) {
	case WHEN_NEW:
		return !reply;
	case WHEN_REPLY:
		return reply;
	case WHEN_ANY:
		return 1;
	}
	return 0;
}

static void
rules_trace_cond_free(gpointer v)
{
	struct rules_trace_cond	*tc = v;

	g_free(tc->detail);
	g_free(tc->text);
	g_free(tc);
}

static struct rules_trace_cond *
rules_trace_cond_copy(const struct rules_trace_cond *tc)
{
	struct rules_trace_cond	*c = g_memdup2(tc, sizeof(*tc));

	c->detail = g_strdup(tc->detail);
	c->text = g_strdup(tc->text);
	return c;
}

static void
rules_trace_rule_free(gpointer v)
{
	struct rules_trace_rule	*tr = v;

	g_ptr_array_unref(tr->conds);
	g_ptr_array_unref(tr->actions);
	g_free(tr);
}

GPtrArray *
rules_trace_new(void)
{
	return g_ptr_array_new_with_free_func(rules_trace_rule_free);
}

static struct rules_trace_rule *
rules_trace_add(GPtrArray *trace, const struct rules_rule *r,
    enum rules_verdict verdict)
{
	struct rules_trace_rule	*tr = g_new0(struct rules_trace_rule, 1);

	tr->name = r->name;
	tr->where = r->where;
	tr->verdict = verdict;
	tr->conds = g_ptr_array_new_with_free_func(rules_trace_cond_free);
	tr->actions = g_ptr_array_new();
	g_ptr_array_add(trace, tr);
	return tr;
}

/* "matched, decided by line 9" and the rest of a rule's first line. */
static char *
rules_trace_verdict(const struct rules_trace_rule *tr)
{
	static const char *const words[] = {
		[RULES_VERDICT_MATCHED] = "matched",
		[RULES_VERDICT_NO_MATCH] = "no match",
		[RULES_VERDICT_ERROR] = "error",
	};

	switch (tr->verdict) {
	case RULES_VERDICT_SKIPPED:
		return g_strdup(tr->reply ? "skipped, when = new and this "
		    "mail is a reply" : "skipped, when = reply and this mail "
		    "opens a ticket");
	case RULES_VERDICT_NOT_TRIED:
		return g_strdup("not tried, an earlier rule stopped");
	default:
		break;
	}
	if (tr->decided_by == 0)
		return g_strdup_printf("%s, no conditions", words[tr->verdict]);
	return g_strdup_printf("%s, %s line %u", words[tr->verdict],
	    tr->verdict == RULES_VERDICT_ERROR ? "at" : "decided by",
	    tr->decided_by);
}

char *
rules_trace_text(const GPtrArray *trace)
{
	GString	*out = g_string_new(NULL);
	char	*verdict;

	for (guint i = 0; i < trace->len; i++) {
		const struct rules_trace_rule *tr = trace->pdata[i];

		verdict = rules_trace_verdict(tr);
		g_string_append_printf(out, "rule %s (%s): %s\n", tr->name,
		    tr->where, verdict);
		g_free(verdict);
		for (guint j = 0; j < tr->conds->len; j++) {
			const struct rules_trace_cond *tc = tr->conds->pdata[j];

			g_string_append_printf(out, "  line %u: %s: %s, %s\n",
			    tc->line, tc->condition, tc->result == -1 ?
			    "error" : tc->result ? "true" : "false",
			    tc->detail);
		}
		for (guint j = 0; j < tr->actions->len; j++) {
			const struct rules_action *a = tr->actions->pdata[j];

			g_string_append_printf(out, "  then %s = %s\n",
			    rules_act_name(a->act), a->value ? a->value : "no");
		}
		if (tr->stop)
			g_string_append(out, "  then stop\n");
	}
	return g_string_free(out, FALSE);
}

struct rules_matches *
rules_match(struct rules *rs, const struct rules_input *in, int want_trace)
{
	struct rules_matches	*ms = g_new0(struct rules_matches, 1);
	struct rules_eval	 e = { 0 };
	int			 rc;

	ms->rules = rules_ref(rs);
	ms->n = rs->rules->len;
	ms->m = g_new0(struct rules_match1, ms->n);
	e.in = in;
	e.tracing = want_trace;
	e.texts = g_ptr_array_new_with_free_func(rules_text_free);
	e.values = g_ptr_array_new();
	for (guint i = 0; i < ms->n; i++) {
		struct rules_match1 *m = &ms->m[i];

		if (want_trace)
			m->trace = g_ptr_array_new_with_free_func(
			    rules_trace_cond_free);
		rc = rules_rule_match(&e, rs, i, m->trace, &m->decider,
		    &m->error);
		m->state = rc == -1 ? MATCH_ERROR : rc ? MATCH_YES : MATCH_NO;
		/* Whatever the mail turns out to be, nothing follows. */
		if (rc == 1 && rs->heads[i].stop && rs->heads[i].when ==
		    WHEN_ANY)
			break;
	}
	g_ptr_array_unref(e.texts);
	g_ptr_array_unref(e.values);
	return ms;
}

void
rules_matches_free(struct rules_matches *ms)
{
	if (ms == NULL)
		return;
	for (guint i = 0; i < ms->n; i++) {
		g_free(ms->m[i].error);
		if (ms->m[i].trace != NULL)
			g_ptr_array_unref(ms->m[i].trace);
	}
	g_free(ms->m);
	rules_unref(ms->rules);
	g_free(ms);
}

int
rules_matches_errors(const struct rules_matches *ms, GPtrArray *errors)
{
	int	 n = 0;

	for (guint i = 0; ms != NULL && i < ms->n; i++)
		if (ms->m[i].state == MATCH_ERROR) {
			g_ptr_array_add(errors, g_strdup(ms->m[i].error));
			n++;
		}
	return n;
}

/* One rule, decided; 1 when it stops the evaluation. */
static int
rules_decide_rule(const struct rules *rs, guint rule,
    const struct rules_match1 *m, int reply, struct rules_result *res,
    GPtrArray *trace)
{
	const struct rules_rule	*r = rs->rules->pdata[rule];
	struct rules_trace_rule	*tr = NULL;
	int			 rc;

	/* r itself is only read when the rule fires or is traced. */
	if (!rules_when_fits(rs->heads[rule].when, reply)) {
		if (trace != NULL)
			rules_trace_add(trace, r, RULES_VERDICT_SKIPPED)->reply =
			    reply;
		return 0;
	}
	g_assert(m->state != MATCH_NOT_TRIED);
	rc = m->state == MATCH_ERROR ? -1 : m->state == MATCH_YES;
	if (rc == 0 && trace == NULL)
		return 0;
	if (trace != NULL) {
		tr = rules_trace_add(trace, r, rc == -1 ? RULES_VERDICT_ERROR :
		    rc ? RULES_VERDICT_MATCHED : RULES_VERDICT_NO_MATCH);
		tr->reply = reply;
		tr->decided_by = m->decider;
		for (guint i = 0; m->trace != NULL && i < m->trace->len; i++)
			g_ptr_array_add(tr->conds,
			    rules_trace_cond_copy(m->trace->pdata[i]));
	}
	if (rc == -1)
		g_ptr_array_add(res->errors, g_strdup(m->error));
	if (rc != 1)
		return 0;
	rules_fire(r, res, tr);
	return r->stop;
}

void
rules_decide(const struct rules_matches *ms, int reply,
    struct rules_result *res, GPtrArray *trace)
{
	const struct rules	*rs = ms->rules;
	guint			 i;

	rules_result_init(res);
	for (i = 0; i < ms->n; i++)
		if (rules_decide_rule(rs, i, &ms->m[i], reply, res, trace))
			break;
	for (i++; trace != NULL && i < ms->n; i++)
		rules_trace_add(trace, rs->rules->pdata[i],
		    RULES_VERDICT_NOT_TRIED);
}

void
rules_eval(const struct rules *rs, const struct rules_input *in,
    struct rules_result *res, GPtrArray *trace)
{
	struct rules_matches	*ms;

	ms = rules_match((struct rules *)rs, in, trace != NULL);
	rules_decide(ms, in->reply, res, trace);
	rules_matches_free(ms);
}

int
rules_uses(const struct rules *rs, enum rules_fact fact)
{
	return rs != NULL && rs->uses[fact];
}
