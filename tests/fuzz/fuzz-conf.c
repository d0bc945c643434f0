/*
 * fuzz-conf: the configuration parser and its checks (conf.c) on any
 * file content. Paths the input names (templates, secret files) are
 * read as the daemon would read them.
 */
#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*c;
	char		*cause = NULL;

	c = conf_load_buffer("fuzz.conf", (const char *)data, size, &cause);
	if (c == NULL) {
		FUZZ_REQUIRE(cause != NULL && *cause != '\0');	/* says why */
		g_free(cause);
		return 0;
	}
	conf_queue_for_address(c, "Support+Urgent@Example.COM");
	conf_queue_for_address(c, "+@");
	conf_agent_by_address(c, "Somchai@Example.COM");
	for (guint i = 0; i < c->agents->len; i++) {
		const struct conf_agent *a = c->agents->pdata[i];

		/* Loaded agents keep the promises conf.h makes. */
		FUZZ_REQUIRE(conf_agent_by_name(c, a->name) == a);
		FUZZ_REQUIRE(a->addresses[0] != NULL);
		FUZZ_REQUIRE(conf_agent_by_address(c, a->addresses[0]) == a);
		FUZZ_REQUIRE(conf_queue_for_address(c, a->addresses[0]) == NULL);
		for (char **q = a->queues; q != NULL && *q != NULL; q++)
			FUZZ_REQUIRE(conf_agent_serves(a, *q) &&
			    conf_queue_by_name(c, *q) != NULL);
		conf_agent_serves(a, "support");
	}
	conf_unref(c);
	return 0;
}
