/*
 * fuzz-search: a search query, as ticketctl search takes it from the
 * command line, through the real store: whatever the words, the FTS5
 * expression built from them is valid (nothing typed becomes syntax, so
 * the search never fails), and a text holding every term is found by
 * the scan that stands in for the index.
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz.h"
#include "search.h"
#include "store.h"

static struct store	*fuzz_st;
static char		*fuzz_dir;

/* An empty index still parses every MATCH: a syntax error shows. */
static void
fuzz_store_remove(void)
{
	static const char *const names[] = { "t.db", "t.db-wal", "t.db-shm" };

	store_close(fuzz_st);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		char *path = g_build_filename(fuzz_dir, names[i], NULL);

		g_unlink(path);
		g_free(path);
	}
	g_rmdir(fuzz_dir);
	g_free(fuzz_dir);
}

static struct store *
fuzz_store(void)
{
	char	*path, *cause = NULL;

	if (fuzz_st != NULL)
		return fuzz_st;
	fuzz_dir = g_dir_make_tmp("fuzz-search-XXXXXX", NULL);
	FUZZ_REQUIRE(fuzz_dir != NULL);
	path = g_build_filename(fuzz_dir, "t.db", NULL);
	fuzz_st = store_open(path, &cause);
	if (fuzz_st == NULL)
		fprintf(stderr, "fuzz-search: %s\n", cause);
	FUZZ_REQUIRE(fuzz_st != NULL);
	atexit(fuzz_store_remove);
	g_free(path);
	return fuzz_st;
}

static void
search(char **terms)
{
	struct store		*st = fuzz_store();
	struct store_search	 q = { .terms = terms, .limit = 5, .ranked = 50,
				    .scan = 50, .tail = 50 };
	struct store_search_note note = { 0 };
	GPtrArray		*hits = NULL;
	char			*cause = NULL;
	int			 rc;

	rc = st->ops->search(st, &q, &hits, &note, &cause);
	if (rc != 0)
		fprintf(stderr, "fuzz-search: %s\n", cause);
	FUZZ_REQUIRE(rc == 0);
	g_ptr_array_free(hits, TRUE);
}

/* Every term in one column: the scan finds it. */
static void
scan(char **terms)
{
	char		*all = g_strjoinv(" ", terms);
	const char	*col[SEARCH_COLUMNS] = { "", all, "" };
	double		 rank = 0;

	FUZZ_REQUIRE(search_scan(terms, col, &rank));
	g_free(all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*query = g_strndup((const char *)data, size);
	char	*cause = NULL, **terms;

	if (!g_utf8_validate(query, -1, NULL) ||
	    (terms = search_parse(query, &cause)) == NULL) {
		g_free(cause);
		g_free(query);
		return 0;
	}
	search(terms);
	scan(terms);
	g_strfreev(terms);
	g_free(query);
	return 0;
}
