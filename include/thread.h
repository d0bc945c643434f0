/*
 * thread: the pure functions that decide which ticket a mail belongs to.
 *
 * Our own Message-IDs carry the ticket id and an HMAC, so a reply that
 * quotes one in In-Reply-To or References is matched without trusting
 * the subject. The subject tag ("[#42]") is a hint for customers only.
 * Nothing here touches the store.
 */
#ifndef THREAD_H
#define THREAD_H

#include <glib.h>

#define THREAD_KEY_LEN	32
#define THREAD_AGENT_MAX 32	/* longest agent name in a token */

/*
 * Check a subject tag format: it must hold "{id}" exactly once, with
 * some text around it. -1 and *cause when it does not.
 */
int	 thread_tag_check(const char *format, char **cause);

/* The tag for ticket id, e.g. "[#42]". Free with g_free. */
char	*thread_tag_format(const char *format, gint64 id);

/*
 * Find the tag in subject: 1 and *id when found, 0 when not. The first
 * prefix-digits-suffix anywhere in subject (case-sensitive) whose
 * number is from 1 to G_MAXINT64 counts.
 */
int	 thread_tag_find(const char *format, const char *subject, gint64 *id);

/*
 * The subject without leading reply and forward prefixes in any common
 * language (Re:, RE[2]:, AW:, SV:, Antw:, Fwd:, WG:, 回复:, ...) and
 * without surrounding whitespace. Free with g_free.
 */
char	*thread_subject_strip(const char *subject);

/*
 * subject without leading reply prefixes and without the tag of ticket
 * id anywhere: what a template's {{subject}} shows. Free with g_free.
 */
char	*thread_subject_clean(const char *format, gint64 id,
	    const char *subject);

/*
 * A rendered subject of mail about ticket id with at most one leading
 * reply prefix (the first, as written) and exactly one tag: "Re: [#2] Re:
 * [#2] x" becomes "Re: [#2] x", and a subject without the tag gets it
 * after the prefix. Free with g_free.
 */
char	*thread_subject_reply(const char *format, gint64 id,
	    const char *subject);

/*
 * A new Message-ID (without <>) for a mail about ticket id:
 * "tkt<id>.<nonce>.<mac>@hostname". nonce is 16 random hex digits, mac
 * the first 16 octets of HMAC-SHA256(key, "tkt<id>.<nonce>") as 32 hex
 * digits; the host part is not signed. hostname NULL or "" gives
 * "localhost". Free with g_free.
 */
char	*thread_msgid_make(const guint8 key[THREAD_KEY_LEN], gint64 id,
	    const char *hostname);

/*
 * 1 and *id when msgid (without <>) is one of ours with a valid MAC,
 * compared in constant time; 0 for anything else, however malformed.
 */
int	 thread_msgid_verify(const guint8 key[THREAD_KEY_LEN],
	    const char *msgid, gint64 *id);

/* The same for n keys side by side: 1 when one of them verifies. */
int	 thread_msgid_verify_any(const guint8 *keys, gsize n,
	    const char *msgid, gint64 *id);

/*
 * A Message-ID bound to ticket id and agent as well, for mail to that
 * agent: "tkt<id>.<agent>.<nonce>.<mac>@hostname", the agent name
 * under the MAC. thread_msgid_verify() accepts it too, since it proves
 * the ticket; the _agent forms also set *agent (g_free) to the name, or
 * to NULL for a Message-ID bound to no agent. agent: [a-z0-9_-], 1 to
 * THREAD_AGENT_MAX.
 */
char	*thread_msgid_make_agent(const guint8 key[THREAD_KEY_LEN], gint64 id,
	    const char *agent, const char *hostname);
int	 thread_msgid_verify_agent(const guint8 key[THREAD_KEY_LEN],
	    const char *msgid, gint64 *id, char **agent);
int	 thread_msgid_verify_any_agent(const guint8 *keys, gsize n,
	    const char *msgid, gint64 *id, char **agent);

/*
 * The token an agent's reply address carries ("support+TOKEN@..."),
 * bound to ticket id and agent: "a<id>.<agent>.<mac>", the MAC 20 hex
 * digits of HMAC-SHA256 over a text of its own, so it is short enough for a
 * local part and never valid as a Message-ID MAC. Free with g_free.
 */
char	*thread_token_make(const guint8 key[THREAD_KEY_LEN], gint64 id,
	    const char *agent);
/*
 * 1 with *id and *agent (g_free) when token verifies under one of n
 * keys (case is ignored); 0 when it is not shaped like a token; -1 when
 * it is, but no key signed it: a forgery or a key long gone.
 */
int	 thread_token_verify_any(const guint8 *keys, gsize n,
	    const char *token, gint64 *id, char **agent);

/*
 * A satisfaction rating's token, "s42.5.MAC", for the local part of a
 * reply address: ticket id, rating 1 to 5, and the time of the survey
 * it belongs to under the MAC. Free with g_free.
 */
char	*thread_csat_token_make(const guint8 key[THREAD_KEY_LEN], gint64 id,
	    int rating, gint64 survey_at);
/* 1 with *id and *rating when token is shaped like one (any case). */
int	 thread_csat_token_parse(const char *token, gint64 *id, int *rating);
/* 1 when one of n keys signed token for the survey of survey_at. */
int	 thread_csat_token_verify_any(const guint8 *keys, gsize n,
	    const char *token, gint64 survey_at);

#endif
