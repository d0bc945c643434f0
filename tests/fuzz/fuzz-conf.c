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
	conf_unref(c);
	return 0;
}
