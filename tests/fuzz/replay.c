/*
 * replay: a main() for the fuzz harnesses that needs no libFuzzer. It
 * hands each file named on the command line, or found directly inside a
 * named directory, to LLVMFuzzerTestOneInput once, so that `make check`
 * replays every seed and regression input with the normal compiler (and
 * its sanitizers under SANITIZE=1). A directory that does not exist is
 * skipped: a harness may not have found anything to regress yet.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static int
replay_file(const char *path)
{
	GError	*error = NULL;
	char	*data;
	gsize	 len;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "replay: %s\n", error->message);
		g_error_free(error);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	g_free(data);
	return 0;
}

static int
replay_compare(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted so a failure names the same input. */
static GPtrArray *
replay_dir(const char *dir)
{
	GPtrArray	*files = g_ptr_array_new_with_free_func(g_free);
	GDir		*d = g_dir_open(dir, 0, NULL);
	const char	*name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char	*path = g_build_filename(dir, name, NULL);

		if (name[0] != '.' && g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(files, path);
		else
			g_free(path);
	}
	if (d != NULL)
		g_dir_close(d);
	g_ptr_array_sort(files, replay_compare);
	return files;
}

int
main(int argc, char **argv)
{
	guint	 done = 0;
	int	 rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		GPtrArray	*files;

		if (!g_file_test(argv[i], G_FILE_TEST_EXISTS))
			continue;
		if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			if (replay_file(argv[i]) != 0)
				rc = 1;
			done++;
			continue;
		}
		files = replay_dir(argv[i]);
		for (guint j = 0; j < files->len; j++) {
			fprintf(stderr, "replay: %s\n", (char *)files->pdata[j]);
			if (replay_file(files->pdata[j]) != 0)
				rc = 1;
			done++;
		}
		g_ptr_array_unref(files);
	}
	printf("%u inputs replayed\n", done);
	return rc;
}
