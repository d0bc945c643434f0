/*
 * rules-eval: times rules_eval() for benchmarks.
 *
 *	rules-eval [-n count] conf rules mail
 *
 * Loads the configuration conf, the rules of rules (a file or a
 * directory) against it and the mail in the file mail, parsed once; then
 * evaluates the rules on the mail count times (200), without a trace,
 * and prints one line
 *	rules=N evals=N fired=N median_us=M p99_us=P max_us=X cpu_median_us=C
 * with the median, 99th percentile and largest wall-clock time of one
 * evaluation in microseconds, and the median of the CPU time this thread
 * spent on one, which leaves out the time other processes took from it
 * on a busy machine. The first evaluation (caches cold) counts too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "mime.h"
#include "rules.h"

static double
now_us(clockid_t clock)
{
	struct timespec	 ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
usage(void)
{
	fprintf(stderr, "usage: rules-eval [-n count] conf rules mail\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct rules_input	 in = { 0 };
	struct rules_result	 res;
	struct conf		*conf;
	struct rules		*rs;
	struct mail		*m;
	GError			*error = NULL;
	char			*cause = NULL, *data;
	gsize			 len;
	double			*t, *cpu, t0, c0;
	guint			 fired = 0;
	int			 ch, n = 200;

	while ((ch = getopt(argc, argv, "n:")) != -1)
		switch (ch) {
		case 'n':
			if ((n = atoi(optarg)) < 1)
				return usage();
			break;
		default:
			return usage();
		}
	if (argc - optind != 3)
		return usage();
	if ((conf = conf_load(argv[optind], &cause)) == NULL ||
	    (rs = rules_load(argv[optind + 1], conf, &cause)) == NULL) {
		fprintf(stderr, "rules-eval: %s\n", cause);
		return 1;
	}
	if (!g_file_get_contents(argv[optind + 2], &data, &len, &error)) {
		fprintf(stderr, "rules-eval: %s\n", error->message);
		return 1;
	}
	mime_init();
	m = mime_parse(g_bytes_new_take(data, len), conf->fallback_charset);
	in.mail = m;
	in.sender = m->from_addr;
	in.recipient = "support@example.com";
	in.queue = "support";
	in.first_contact = 1;
	in.inside_hours = 1;
	in.size = len;
	t = g_new(double, n);
	cpu = g_new(double, n);
	for (int i = 0; i < n; i++) {
		t0 = now_us(CLOCK_MONOTONIC);
		c0 = now_us(CLOCK_THREAD_CPUTIME_ID);
		rules_eval(rs, &in, &res, NULL);
		cpu[i] = now_us(CLOCK_THREAD_CPUTIME_ID) - c0;
		t[i] = now_us(CLOCK_MONOTONIC) - t0;
		fired = res.fired->len;
		rules_result_clear(&res);
	}
	qsort(t, n, sizeof(*t), cmp_double);
	qsort(cpu, n, sizeof(*cpu), cmp_double);
	printf("rules=%u evals=%d fired=%u median_us=%.1f p99_us=%.1f "
	    "max_us=%.1f cpu_median_us=%.1f\n", rules_count(rs), n, fired,
	    t[(n - 1) / 2], t[(int)((n - 1) * 0.99 + 0.5)], t[n - 1],
	    cpu[(n - 1) / 2]);
	g_free(t);
	g_free(cpu);
	mail_free(m);
	rules_unref(rs);
	conf_unref(conf);
	return 0;
}
