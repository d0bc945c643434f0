/*
 * fuzz-agent: libFuzzer harness for what reads an agent's mail. Each
 * input is a whole mail, parsed with mime_parse(), then weighed by
 * agent_recognise() (reply-address tokens, agent-bound Message-IDs,
 * Authentication-Results under require_auth) against a fixed
 * configuration and key, and its words go through quote_strip() and
 * agent_commands_parse(). Beyond the sanitizers it checks what agent.h
 * promises: a verdict names an agent exactly when it should, a refusal
 * always says why, and commands come back either all checked or none.
 */
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "mime.h"
#include "notify.h"
#include "quote.h"
#include "thread.h"

#include "fuzz.h"

static const char fuzz_conf_text[] =
	"[ticketd]\ndatabase = /nonexistent/fuzz.db\n"
	"[queue support]\naddress = support@example.com\n"
	"[agents]\nrequire_auth = yes\nauthserv_id = mx.example.com\n"
	"[agent somchai]\naddress = somchai@example.com\n"
	"[agent malee]\naddress = malee@example.com\nqueues = support\n";

static struct conf *
fuzz_conf(void)
{
	static guint8	 key[THREAD_KEY_LEN];
	struct conf	*c;
	char		*cause = NULL;

	if ((c = conf_load_buffer("fuzz.conf", fuzz_conf_text,
	    strlen(fuzz_conf_text), &cause)) == NULL) {
		fprintf(stderr, "fuzz-agent: %s\n", cause);
		abort();
	}
	/* A fixed key, so that seeds can carry tokens that verify. */
	memset(key, 0x5a, sizeof key);
	c->msgid_keys = g_bytes_new_static(key, sizeof key);
	return c;
}

static void
fuzz_check_evidence(const struct agent_evidence *ev)
{
	switch (ev->verdict) {
	case AGENT_NONE:
		FUZZ_REQUIRE(ev->agent == NULL && ev->why == NULL);
		break;
	case AGENT_VERIFIED:
		FUZZ_REQUIRE(ev->agent != NULL && ev->ticket_id > 0 &&
		    ev->why == NULL && ev->how != NULL);
		break;
	case AGENT_FORGED:
		FUZZ_REQUIRE(ev->why != NULL && g_utf8_validate(ev->why, -1,
		    NULL));
		break;
	case AGENT_COPY:
		FUZZ_REQUIRE(ev->agent != NULL);
		break;
	}
}

static void
fuzz_commands(const struct conf *c, const char *words)
{
	GPtrArray	*cmds = NULL;
	char		*rest = NULL, *error = NULL;

	if (agent_commands_parse(c, words, "somchai", &cmds, &rest,
	    &error) == 0) {
		FUZZ_REQUIRE(cmds != NULL && rest != NULL && error == NULL);
		FUZZ_REQUIRE(strstr(words, rest) != NULL);
		(void)agent_check_queue(c, cmds, "support", &error);
		g_free(error);
		g_ptr_array_unref(cmds);
		g_free(rest);
		return;
	}
	FUZZ_REQUIRE(cmds == NULL && rest == NULL && error != NULL);
	g_free(error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf	*c;
	struct agent_evidence	 ev;
	GBytes			*raw;
	struct mail		*m;
	char			*words;

	if (c == NULL) {
		mime_init();
		c = fuzz_conf();
	}
	raw = g_bytes_new(data, size);
	m = mime_parse(raw, NULL);
	g_bytes_unref(raw);
	agent_recognise(c, m, NULL, &ev);
	fuzz_check_evidence(&ev);
	agent_evidence_clear(&ev);
	words = quote_strip(m->body, NOTIFY_MARKER);
	fuzz_commands(c, words);
	g_free(words);
	mail_free(m);
	return 0;
}
