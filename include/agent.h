/*
 * agent: mail from agents, and what it asks for.
 *
 * ticketd treats a mail as an agent's only on evidence it can verify: a
 * token bound to one ticket and one agent and signed with our key, in
 * the address the mail was sent to ("support+TOKEN@") or in the
 * Message-ID of one of our notifications that it answers, together with
 * a From that is one of that agent's addresses. Neither alone is
 * enough. With [agents] require_auth, the receiving MTA must also have
 * seen a DKIM or DMARC pass for the agent's domain. Everything short of
 * that is customer mail, and the reason is recorded.
 *
 * Lines at the top of an agent's words that start with '#' and a letter
 * are commands (#note, #resolve, #priority high, ...).
 *
 * Nothing here touches the store: recognition runs on what the mail
 * and the configuration say; whether the ticket exists and lies in the
 * agent's queues is for the caller.
 */
#ifndef AGENT_H
#define AGENT_H

#include <glib.h>

struct conf;
struct conf_agent;
struct conf_queue;
struct mail;

enum agent_verdict {
	AGENT_NONE,	/* no sign of an agent: customer mail */
	AGENT_VERIFIED,	/* a token and a From of the same agent */
	AGENT_FORGED,	/* a claim that does not hold: customer mail */
	AGENT_COPY,	/* an agent's own mail to a customer, a queue on Cc */
};

struct agent_evidence {
	enum agent_verdict	 verdict;
	gint64			 ticket_id;	/* VERIFIED: the token's */
	const struct conf_agent	*agent;		/* VERIFIED, COPY; owned by
						   the conf */
	char			*why;		/* FORGED: the reason */
	const char		*how;		/* VERIFIED: which token */
};

/*
 * Weigh the evidence in mail m, delivered to the addresses in
 * deliveries (struct store_delivery *, may be NULL). Clear with
 * agent_evidence_clear().
 */
void	 agent_recognise(const struct conf *, const struct mail *m,
	    GPtrArray *deliveries, struct agent_evidence *);
void	 agent_evidence_clear(struct agent_evidence *);

/*
 * The address an agent's reply to mail about ticket id should go to:
 * the queue's first address with a token after the recipient
 * delimiter. Free with g_free. NULL when conf has no Message-ID key.
 */
char	*agent_reply_address(const struct conf *, const struct conf_queue *,
	    gint64 id, const char *agent);

enum agent_cmd {
	AGENT_CMD_NOTE,		/* the mail is an internal note */
	AGENT_CMD_STATUS,	/* arg: open, pending, resolved; closed
				   only via ticketctl */
	AGENT_CMD_PRIORITY,	/* arg: urgent, high, normal, low */
	AGENT_CMD_TAG,		/* arg: the tag */
	AGENT_CMD_UNTAG,
	AGENT_CMD_ASSIGN,	/* arg: an agent's name; NULL: nobody */
	AGENT_CMD_CANNED,	/* arg: a template name */
};

struct agent_command {
	enum agent_cmd	 cmd;
	char		*arg;		/* NULL for #note */
};

/*
 * Split text into the commands on its top lines and the rest (*rest,
 * g_free), checking each against conf: "#assign me" names self (may be
 * NULL for an admin, when "me" is an error). *cmds holds struct
 * agent_command *; free it with g_ptr_array_unref. On an unknown command
 * or a bad value: -1, nothing in *cmds or *rest, and *error names every
 * bad line ("line 2: unknown priority \"hgih\"; ...").
 */
int	 agent_commands_parse(const struct conf *, const char *text,
	    const char *self, GPtrArray **cmds, char **rest, char **error);

/*
 * Commands made without a mail, as ticketctl does: an empty list that
 * frees its commands as agent_commands_parse()'s does, and one more
 * command on it (arg is copied, may be NULL). The value is not checked
 * here: check it first with agent_check_*() below.
 */
GPtrArray *agent_commands_new(void);
void	 agent_command_append(GPtrArray *cmds, enum agent_cmd,
	    const char *arg);

/*
 * Check one value, as the command line gives it: 0, or -1 and *error.
 * A status may also be "closed" only when closed_ok.
 */
int	 agent_check_status(const char *status, int closed_ok, char **error);
/*
 * Can the commands be carried out on a ticket of queue? An #assign
 * must name an agent who works in it. 0, or -1 and *error.
 */
int	 agent_check_queue(const struct conf *, GPtrArray *cmds,
	    const char *queue, char **error);
int	 agent_check_priority(const char *priority, char **error);
int	 agent_check_tag(const char *tag, char **error);

#endif
