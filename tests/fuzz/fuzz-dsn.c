/*
 * fuzz-dsn: libFuzzer harness for the DSN parser. Each input is a whole
 * mail: mime_parse() then dsn_parse(), with the null envelope sender so
 * the plain-text formats are tried too. Beyond the sanitizers it checks
 * what dsn.h promises: at least one recipient, and every string valid
 * UTF-8 on one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_line(const char *s)
{
	if (s == NULL || !g_utf8_validate(s, -1, NULL) || strpbrk(s, "\r\n"))
		abort();
}

static void
fuzz_check(const struct dsn *d)
{
	if (d->rcpts->len == 0)
		abort();
	fuzz_check_line(d->reporting_mta);
	if (d->original_msgid != NULL)
		fuzz_check_line(d->original_msgid);
	for (guint i = 0; i < d->rcpts->len; i++) {
		const struct dsn_rcpt *r = d->rcpts->pdata[i];

		fuzz_check_line(r->rcpt);
		fuzz_check_line(r->status);
		fuzz_check_line(r->diagnostic);
		(void)dsn_is_hard(r);
	}
	(void)dsn_rcpt_for(d, "a@example.org");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	GBytes		*raw;
	struct mail	*m;
	struct dsn	*d;

	if (!ready) {
		mime_init();
		ready = 1;
	}
	raw = g_bytes_new(data, size);
	m = mime_parse(raw, NULL);
	g_bytes_unref(raw);
	if ((d = dsn_parse(m, "")) != NULL)
		fuzz_check(d);
	dsn_free(d);
	mail_free(m);
	return 0;
}
