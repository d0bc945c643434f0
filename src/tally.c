/*
 * tally: the counters and histograms behind the metrics endpoint (see
 * tally.h), and their text in the Prometheus exposition format.
 *
 * Every value is a 64-bit relaxed atomic: a scrape may see one counter
 * a moment ahead of another, never a torn value. Histograms keep one
 * count per bucket (not cumulative, so an observation is one add) and
 * integer sums in the histogram's own unit; the text adds the buckets
 * up and scales to seconds.
 */
#include <stdatomic.h>
#include <string.h>

#include "tally.h"

#define TALLY_BUCKETS_MAX	16
#define TALLY_CODE_MIN		400	/* LMTP reply codes counted: 4xx, 5xx */
#define TALLY_CODES		200

struct tally_family {
	const char		*name;
	const char		*help;
	enum tally_slot		 first;
	const char		*label;		/* NULL: one slot, no label */
	const char *const	*values;	/* of the label, slot order */
};

static const char *const tally_sources[] = { "lmtp", "pipe", "imap", NULL };
static const char *const tally_ack_outcomes[] = { "sent", "suppressed",
	"failed", NULL };

static const struct tally_family tally_families[] = {
	{ "ticketd_mail_received_total", "Mails the ingest pipeline "
	    "committed (duplicates too), by source.", TALLY_MAIL_LMTP,
	    "source", tally_sources },
	{ "ticketd_tickets_created_total", "Tickets opened by incoming mail.",
	    TALLY_TICKETS_CREATED, NULL, NULL },
	{ "ticketd_follow_ups_total", "Customers' mails that joined an "
	    "existing ticket.", TALLY_FOLLOW_UPS, NULL, NULL },
	{ "ticketd_agent_mails_total", "Agents' mails acted on.",
	    TALLY_AGENT_MAILS, NULL, NULL },
	{ "ticketd_duplicates_total", "Mails stored before, recognised and "
	    "not stored again.", TALLY_DUPLICATES, NULL, NULL },
	{ "ticketd_acknowledgements_total", "Acknowledgements of new "
	    "tickets: sent (the SMTP server took it), suppressed (loop "
	    "protection, limits, rules) or failed (given up).",
	    TALLY_ACK_SENT, "outcome", tally_ack_outcomes },
	{ "ticketd_outbox_deferrals_total", "Outgoing mails put off after "
	    "a temporary SMTP failure.", TALLY_OUTBOX_DEFERRALS, NULL, NULL },
	{ "ticketd_lmtp_sessions_total", "LMTP connections accepted.",
	    TALLY_LMTP_SESSIONS, NULL, NULL },
	{ "ticketd_rule_errors_total", "Errors that kept a rule from "
	    "deciding, recorded on a ticket.", TALLY_RULE_ERRORS, NULL, NULL },
	{ "ticketd_metrics_store_errors_total", "Scrapes whose database "
	    "gauges failed or timed out (the rest was still exported).",
	    TALLY_METRICS_STORE_ERRORS, NULL, NULL },
};

struct tally_hist_def {
	const char	*name;
	const char	*help;
	double		 scale;		/* to seconds */
	gint64		 bounds[TALLY_BUCKETS_MAX];	/* 0-terminated */
};

static const struct tally_hist_def tally_hists[TALLY_HISTS] = {
	[TALLY_COMMIT_SECONDS] = { "ticketd_ingest_commit_duration_seconds",
	    "Group commits of the ingest writer, BEGIN to COMMIT.", 1e-6,
	    { 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	    500000, 1000000, 2500000, 5000000 } },
	[TALLY_FIRST_RESPONSE_SECONDS] = {
	    "ticketd_first_response_duration_seconds",
	    "Wall-clock time from a ticket's creation to its first agent "
	    "reply, observed when the reply is recorded.", 1,
	    { 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800,
	    604800 } },
};

/* What a frame holds back, and the shape of the shared totals. */
struct tally_layer {
	gint64		 slots[TALLY_SLOTS];
	gint64		 buckets[TALLY_HISTS][TALLY_BUCKETS_MAX + 1];
	gint64		 sums[TALLY_HISTS];
	int		 dirty;
};

struct tally_frame {
	int			 open;
	int			 in_savepoint;
	struct tally_layer	 txn;	/* released savepoints' */
	struct tally_layer	 sp;	/* the open savepoint's */
};

static atomic_llong	 tally_slots[TALLY_SLOTS];
static atomic_llong	 tally_buckets[TALLY_HISTS][TALLY_BUCKETS_MAX + 1];
static atomic_llong	 tally_sums[TALLY_HISTS];
static atomic_llong	 tally_codes[TALLY_CODES];
static GMutex		 tally_imap_lock;
static GHashTable	*tally_imap;	/* account -> gint64 * */
static __thread struct tally_frame tally_frame;

static void
tally_add(atomic_llong *v, gint64 n)
{
	atomic_fetch_add_explicit(v, n, memory_order_relaxed);
}

static gint64
tally_get(atomic_llong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* The layer counts go to now, or NULL: straight to the totals. */
static struct tally_layer *
tally_layer(void)
{
	if (!tally_frame.open)
		return NULL;
	return tally_frame.in_savepoint ? &tally_frame.sp : &tally_frame.txn;
}

void
tally_count(enum tally_slot slot, gint64 n)
{
	struct tally_layer	*l = tally_layer();

	if (l == NULL) {
		tally_add(&tally_slots[slot], n);
		return;
	}
	l->slots[slot] += n;
	l->dirty = 1;
}

enum tally_slot
tally_source_slot(const char *source)
{
	for (guint i = 0; tally_sources[i] != NULL; i++)
		if (strcmp(source, tally_sources[i]) == 0)
			return TALLY_MAIL_LMTP + i;
	/* ticketctl import reads a mailbox as IMAP does. */
	return TALLY_MAIL_IMAP;
}

static guint
tally_bucket(enum tally_hist h, gint64 value)
{
	const gint64	*b = tally_hists[h].bounds;
	guint		 i;

	for (i = 0; i < TALLY_BUCKETS_MAX && b[i] != 0; i++)
		if (value <= b[i])
			return i;
	return i;
}

void
tally_observe(enum tally_hist h, gint64 value)
{
	struct tally_layer	*l = tally_layer();
	guint			 b = tally_bucket(h, value);

	if (l == NULL) {
		tally_add(&tally_buckets[h][b], 1);
		tally_add(&tally_sums[h], value);
		return;
	}
	l->buckets[h][b]++;
	l->sums[h] += value;
	l->dirty = 1;
}

void
tally_lmtp_reply(const char *reply)
{
	if ((reply[0] != '4' && reply[0] != '5') ||
	    !g_ascii_isdigit(reply[1]) || !g_ascii_isdigit(reply[2]))
		return;
	tally_add(&tally_codes[(reply[0] - '0') * 100 + (reply[1] - '0') * 10 +
	    (reply[2] - '0') - TALLY_CODE_MIN], 1);
}

/* Under the lock: the account's counter, made at 0 when new. */
static gint64 *
tally_imap_counter(const char *account)
{
	gint64	*n;

	if (tally_imap == NULL)
		tally_imap = g_hash_table_new_full(g_str_hash, g_str_equal,
		    g_free, g_free);
	if ((n = g_hash_table_lookup(tally_imap, account)) == NULL) {
		n = g_new0(gint64, 1);
		g_hash_table_insert(tally_imap, g_strdup(account), n);
	}
	return n;
}

/* Not a hot path: a session failed. A lock keeps the names. */
void
tally_imap_error(const char *account)
{
	g_mutex_lock(&tally_imap_lock);
	(*tally_imap_counter(account))++;
	g_mutex_unlock(&tally_imap_lock);
}

void
tally_imap_known(const char *account)
{
	g_mutex_lock(&tally_imap_lock);
	tally_imap_counter(account);
	g_mutex_unlock(&tally_imap_lock);
}

static void
tally_layer_add(struct tally_layer *to, struct tally_layer *from)
{
	if (!from->dirty)
		return;
	for (guint i = 0; i < TALLY_SLOTS; i++)
		to->slots[i] += from->slots[i];
	for (guint h = 0; h < TALLY_HISTS; h++) {
		for (guint b = 0; b <= TALLY_BUCKETS_MAX; b++)
			to->buckets[h][b] += from->buckets[h][b];
		to->sums[h] += from->sums[h];
	}
	to->dirty = 1;
	memset(from, 0, sizeof *from);
}

/* A committed layer's counts into the totals. */
static void
tally_publish(struct tally_layer *l)
{
	if (!l->dirty)
		return;
	for (guint i = 0; i < TALLY_SLOTS; i++)
		if (l->slots[i] != 0)
			tally_add(&tally_slots[i], l->slots[i]);
	for (guint h = 0; h < TALLY_HISTS; h++) {
		for (guint b = 0; b <= TALLY_BUCKETS_MAX; b++)
			if (l->buckets[h][b] != 0)
				tally_add(&tally_buckets[h][b], l->buckets[h][b]);
		if (l->sums[h] != 0)
			tally_add(&tally_sums[h], l->sums[h]);
	}
	memset(l, 0, sizeof *l);
}

void
tally_begin(void)
{
	memset(&tally_frame, 0, sizeof tally_frame);
	tally_frame.open = 1;
}

void
tally_savepoint(void)
{
	tally_frame.in_savepoint = 1;
}

void
tally_release(void)
{
	tally_layer_add(&tally_frame.txn, &tally_frame.sp);
	tally_frame.in_savepoint = 0;
}

void
tally_rollback_savepoint(void)
{
	memset(&tally_frame.sp, 0, sizeof tally_frame.sp);
	tally_frame.in_savepoint = 0;
}

void
tally_commit(void)
{
	tally_layer_add(&tally_frame.txn, &tally_frame.sp);
	tally_publish(&tally_frame.txn);
	tally_frame.open = tally_frame.in_savepoint = 0;
}

void
tally_rollback(void)
{
	memset(&tally_frame, 0, sizeof tally_frame);
}

void
tally_label_escape(GString *out, const char *value)
{
	for (const char *p = value; *p != '\0'; p++)
		switch (*p) {
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		default:
			g_string_append_c(out, *p);
			break;
		}
}

void
tally_head(GString *out, const char *name, const char *help,
    const char *type)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* One sample: name{label="value"} n, or name n without a label. */
static void
tally_sample(GString *out, const char *name, const char *label,
    const char *value, gint64 n)
{
	g_string_append(out, name);
	if (label != NULL) {
		g_string_append_printf(out, "{%s=\"", label);
		tally_label_escape(out, value);
		g_string_append(out, "\"}");
	}
	g_string_append_printf(out, " %" G_GINT64_FORMAT "\n", n);
}

static void
tally_format_family(GString *out, const struct tally_family *f)
{
	tally_head(out, f->name, f->help, "counter");
	if (f->values == NULL) {
		tally_sample(out, f->name, NULL, NULL,
		    tally_get(&tally_slots[f->first]));
		return;
	}
	for (guint i = 0; f->values[i] != NULL; i++)
		tally_sample(out, f->name, f->label, f->values[i],
		    tally_get(&tally_slots[f->first + i]));
}

static void
tally_format_codes(GString *out)
{
	const char	*name = "ticketd_lmtp_rejections_total";

	tally_head(out, name, "LMTP replies that refused a command or a "
	    "recipient (4xx, 5xx), by reply code.", "counter");
	for (guint i = 0; i < TALLY_CODES; i++) {
		gint64	 n = tally_get(&tally_codes[i]);
		char	 code[8];

		if (n == 0)
			continue;
		g_snprintf(code, sizeof code, "%u", TALLY_CODE_MIN + i);
		tally_sample(out, name, "code", code, n);
	}
}

static void
tally_format_imap(GString *out)
{
	const char	*name = "ticketd_imap_errors_total";
	GList		*names;

	tally_head(out, name, "IMAP connections and sessions that failed, "
	    "by [imap NAME] account.", "counter");
	g_mutex_lock(&tally_imap_lock);
	if (tally_imap != NULL) {
		names = g_list_sort(g_hash_table_get_keys(tally_imap),
		    (GCompareFunc)strcmp);
		for (GList *l = names; l != NULL; l = l->next)
			tally_sample(out, name, "account", l->data,
			    *(gint64 *)g_hash_table_lookup(tally_imap, l->data));
		g_list_free(names);
	}
	g_mutex_unlock(&tally_imap_lock);
}

/* Bucket bounds, +Inf, _sum and _count from one snapshot of the buckets. */
static void
tally_format_hist(GString *out, enum tally_hist h)
{
	const struct tally_hist_def *d = &tally_hists[h];
	gint64		 cum = 0;
	guint		 i;
	char		 le[G_ASCII_DTOSTR_BUF_SIZE];

	tally_head(out, d->name, d->help, "histogram");
	for (i = 0; i < TALLY_BUCKETS_MAX && d->bounds[i] != 0; i++) {
		cum += tally_get(&tally_buckets[h][i]);
		g_ascii_formatd(le, sizeof le, "%g", d->bounds[i] * d->scale);
		g_string_append_printf(out, "%s_bucket{le=\"%s\"} %"
		    G_GINT64_FORMAT "\n", d->name, le, cum);
	}
	cum += tally_get(&tally_buckets[h][i]);
	g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %" G_GINT64_FORMAT
	    "\n", d->name, cum);
	g_ascii_formatd(le, sizeof le, "%.6f", tally_get(&tally_sums[h]) *
	    d->scale);
	g_string_append_printf(out, "%s_sum %s\n%s_count %" G_GINT64_FORMAT
	    "\n", d->name, le, d->name, cum);
}

void
tally_format(GString *out)
{
	for (gsize i = 0; i < G_N_ELEMENTS(tally_families); i++)
		tally_format_family(out, &tally_families[i]);
	tally_format_codes(out);
	tally_format_imap(out);
	for (guint h = 0; h < TALLY_HISTS; h++)
		tally_format_hist(out, h);
}

void
tally_reset(void)
{
	for (guint i = 0; i < TALLY_SLOTS; i++)
		atomic_store(&tally_slots[i], 0);
	for (guint h = 0; h < TALLY_HISTS; h++) {
		for (guint b = 0; b <= TALLY_BUCKETS_MAX; b++)
			atomic_store(&tally_buckets[h][b], 0);
		atomic_store(&tally_sums[h], 0);
	}
	for (guint i = 0; i < TALLY_CODES; i++)
		atomic_store(&tally_codes[i], 0);
	g_mutex_lock(&tally_imap_lock);
	g_clear_pointer(&tally_imap, g_hash_table_destroy);
	g_mutex_unlock(&tally_imap_lock);
	memset(&tally_frame, 0, sizeof tally_frame);
}
