/*
 * fuzz-csat: what a satisfaction rating is read from, on any input: the
 * words of a reply (csat.c), and a token in a reply address (thread.c).
 * A rating is 1 to 5 and its comment is text the input held; a token
 * that parses names a ticket and a rating, and verifies exactly when
 * it is the one the key makes for them.
 */
#include <string.h>

#include <glib.h>

#include "csat.h"
#include "fuzz.h"
#include "thread.h"

static void
reply(const char *text)
{
	char	*comment = NULL;
	int	 rating = 0;

	if (!csat_reply_rating(text, &rating, &comment))
		return;
	FUZZ_REQUIRE(rating >= 1 && rating <= 5);
	FUZZ_REQUIRE(strlen(comment) < strlen(text));
	FUZZ_REQUIRE(!g_utf8_validate(text, -1, NULL) ||
	    g_utf8_validate(comment, -1, NULL));
	g_free(comment);
}

static void
token(const char *t)
{
	static const guint8	 key[THREAD_KEY_LEN] = { 1, 2, 3 };
	gint64			 id = 0;
	int			 rating = 0;
	char			*made;

	if (!thread_csat_token_parse(t, &id, &rating)) {
		FUZZ_REQUIRE(!thread_csat_token_verify_any(key, 1, t, 0));
		return;
	}
	FUZZ_REQUIRE(id > 0 && rating >= 1 && rating <= 5);
	made = thread_csat_token_make(key, id, rating, 0);
	FUZZ_REQUIRE(thread_csat_token_verify_any(key, 1, made, 0));
	FUZZ_REQUIRE(thread_csat_token_verify_any(key, 1, t, 0) ==
	    (g_ascii_strcasecmp(made, t) == 0));
	g_free(made);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text = g_strndup((const char *)data, size);

	reply(text);
	token(text);
	g_free(text);
	return 0;
}
