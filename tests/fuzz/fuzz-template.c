/*
 * fuzz-template: the template compiler (template.c) on any file
 * content, then rendering what compiled with values a customer could
 * choose. No rendered header may hold a line break: that would let a
 * subject add a header of its own.
 */
#include <string.h>

#include "fuzz.h"
#include "template.h"

static void
render(const struct template_set *set, int flags)
{
	struct template_vars	 vars = { 0 };
	struct template_output	 out;
	char			*cause = NULL;
	int			 rc;

	vars.value[TV_TICKET_ID] = "42";
	vars.value[TV_TAG] = "[#42]";
	vars.value[TV_SUBJECT] = "Re: x\r\nBcc: victim@example.org\r\n\r\nbody";
	vars.value[TV_REQUESTER_NAME] = "\xe0\xb8\xaa\xe0\xb8\xa1 \xc2\x85\xe2\x80\xa8x\xff";
	vars.value[TV_REQUESTER_ADDRESS] = NULL;
	vars.value[TV_QUEUE] = "{{subject}}";
	vars.flag[TF_AFTER_HOURS] = flags;
	rc = template_render(set, "fuzz", flags ? "th" : NULL, "en", &vars,
	    &out, &cause);
	FUZZ_REQUIRE(rc == 0);	/* it compiled, so it renders */
	for (guint i = 1; i < out.headers->len; i += 2)
		FUZZ_REQUIRE(strpbrk(out.headers->pdata[i], "\r\n") == NULL);
	FUZZ_REQUIRE(g_utf8_validate(out.body, -1, NULL));
	template_output_clear(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template_set	*set;
	char			*cause = NULL;

	set = template_parse("fuzz.en.txt", (const char *)data, size, &cause);
	if (set == NULL) {
		FUZZ_REQUIRE(cause != NULL && *cause != '\0');
		g_free(cause);
		return 0;
	}
	render(set, 0);
	render(set, 1);
	template_set_free(set);
	return 0;
}
