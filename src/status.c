/*
 * status: the running daemon's state for "ticketctl status" (status.h).
 *
 * One process-wide record under a mutex, because the IMAP threads, the
 * main loop and reloads all add to it; the file is written only from
 * the main context, in an idle callback, so a burst of changes costs
 * one write and no thread does I/O under the lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "log.h"
#include "status.h"

#define STATUS_GROUP	"ticketd"
#define STATUS_LISTEN	"listeners"
#define STATUS_IMAP	"imap "

static GMutex	 status_lock;
static GKeyFile	*status_kf;	/* NULL: not the daemon */
static char	*status_path;
static guint	 status_pending;

static gboolean
status_write(gpointer arg)
{
	GError	*error = NULL;
	char	*text;
	gsize	 len;

	g_mutex_lock(&status_lock);
	status_pending = 0;
	if (status_kf == NULL) {
		g_mutex_unlock(&status_lock);
		return G_SOURCE_REMOVE;
	}
	text = g_key_file_to_data(status_kf, &len, NULL);
	g_mutex_unlock(&status_lock);
	/* g_file_set_contents() renames a temporary file over the old one. */
	if (!g_file_set_contents_full(status_path, text, len,
	    G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
		log_warn("%s: %s", status_path, error->message);
		g_error_free(error);
	}
	g_free(text);
	return G_SOURCE_REMOVE;
}

/* With status_lock held: write soon, from the main context. */
static void
status_changed(void)
{
	if (status_pending == 0)
		status_pending = g_idle_add(status_write, NULL);
}

void
status_open(const char *base, const char *conf_path)
{
	char	*abs = g_canonicalize_filename(conf_path, NULL);

	g_mutex_lock(&status_lock);
	status_path = g_strconcat(base, ".status", NULL);
	status_kf = g_key_file_new();
	g_key_file_set_int64(status_kf, STATUS_GROUP, "pid", getpid());
	g_key_file_set_int64(status_kf, STATUS_GROUP, "started",
	    g_get_real_time() / G_USEC_PER_SEC);
	g_key_file_set_string(status_kf, STATUS_GROUP, "config", abs);
	status_changed();
	g_mutex_unlock(&status_lock);
	g_free(abs);
}

void
status_listeners(GPtrArray *lines)
{
	g_mutex_lock(&status_lock);
	if (status_kf != NULL) {
		g_key_file_set_string_list(status_kf, STATUS_GROUP,
		    STATUS_LISTEN, (const char *const *)lines->pdata,
		    lines->len);
		status_changed();
	}
	g_mutex_unlock(&status_lock);
}

void
status_imap(const char *account, enum status_imap state, const char *error)
{
	gint64	 now = g_get_real_time() / G_USEC_PER_SEC;
	char	*group;

	g_mutex_lock(&status_lock);
	if (status_kf == NULL) {
		g_mutex_unlock(&status_lock);
		return;
	}
	group = g_strconcat(STATUS_IMAP, account, NULL);
	g_key_file_set_boolean(status_kf, group, "connected",
	    state == STATUS_IMAP_CONNECTED);
	switch (state) {
	case STATUS_IMAP_CONNECTING:
		break;
	case STATUS_IMAP_CONNECTED:
		g_key_file_set_int64(status_kf, group, "last_ok", now);
		break;
	case STATUS_IMAP_FAILED:
		g_key_file_set_int64(status_kf, group, "last_error_at", now);
		g_key_file_set_string(status_kf, group, "last_error",
		    error != NULL ? error : "");
		break;
	}
	g_free(group);
	status_changed();
	g_mutex_unlock(&status_lock);
}

void
status_reload(int ok, const char *error)
{
	g_mutex_lock(&status_lock);
	if (status_kf != NULL) {
		g_key_file_set_int64(status_kf, STATUS_GROUP, "reload_at",
		    g_get_real_time() / G_USEC_PER_SEC);
		g_key_file_set_boolean(status_kf, STATUS_GROUP, "reload_ok",
		    ok);
		g_key_file_set_string(status_kf, STATUS_GROUP, "reload_error",
		    error != NULL ? error : "");
		status_changed();
	}
	g_mutex_unlock(&status_lock);
}

void
status_close(void)
{
	g_mutex_lock(&status_lock);
	if (status_pending != 0)
		g_source_remove(status_pending);
	status_pending = 0;
	if (status_path != NULL && g_unlink(status_path) == -1 &&
	    errno != ENOENT)
		log_warn("%s: %s", status_path, g_strerror(errno));
	g_clear_pointer(&status_kf, g_key_file_free);
	g_clear_pointer(&status_path, g_free);
	g_mutex_unlock(&status_lock);
}

static char *
status_get_string(GKeyFile *kf, const char *group, const char *key)
{
	char	*s = g_key_file_get_string(kf, group, key, NULL);

	if (s != NULL && *s == '\0')
		g_clear_pointer(&s, g_free);
	return s;
}

static struct status_account *
status_read_account(GKeyFile *kf, const char *group)
{
	struct status_account	*a = g_new0(struct status_account, 1);

	a->name = g_strdup(group + strlen(STATUS_IMAP));
	a->connected = g_key_file_get_boolean(kf, group, "connected", NULL);
	a->last_ok = g_key_file_get_int64(kf, group, "last_ok", NULL);
	a->last_error_at = g_key_file_get_int64(kf, group, "last_error_at",
	    NULL);
	a->last_error = status_get_string(kf, group, "last_error");
	return a;
}

static void
status_account_free(struct status_account *a)
{
	g_free(a->name);
	g_free(a->last_error);
	g_free(a);
}

int
status_read(const char *base, struct status_view **view, char **cause)
{
	char			*path = g_strconcat(base, ".status", NULL);
	GKeyFile		*kf = g_key_file_new();
	GError			*error = NULL;
	struct status_view	*v;
	char			**groups;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error)) {
		int found = !g_error_matches(error, G_FILE_ERROR,
		    G_FILE_ERROR_NOENT);

		if (found)
			*cause = g_strdup_printf("%s: %s", path,
			    error->message);
		g_error_free(error);
		g_key_file_free(kf);
		g_free(path);
		return found ? -1 : 0;
	}
	g_free(path);
	v = g_new0(struct status_view, 1);
	v->pid = g_key_file_get_int64(kf, STATUS_GROUP, "pid", NULL);
	v->started = g_key_file_get_int64(kf, STATUS_GROUP, "started", NULL);
	v->conf_path = status_get_string(kf, STATUS_GROUP, "config");
	v->listeners = g_key_file_get_string_list(kf, STATUS_GROUP,
	    STATUS_LISTEN, NULL, NULL);
	v->reload_at = g_key_file_get_int64(kf, STATUS_GROUP, "reload_at",
	    NULL);
	v->reload_ok = g_key_file_get_boolean(kf, STATUS_GROUP, "reload_ok",
	    NULL);
	v->reload_error = status_get_string(kf, STATUS_GROUP, "reload_error");
	v->accounts = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)status_account_free);
	groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g != NULL; g++)
		if (g_str_has_prefix(*g, STATUS_IMAP))
			g_ptr_array_add(v->accounts,
			    status_read_account(kf, *g));
	g_strfreev(groups);
	g_key_file_free(kf);
	*view = v;
	return 1;
}

void
status_view_free(struct status_view *v)
{
	if (v == NULL)
		return;
	g_free(v->conf_path);
	g_strfreev(v->listeners);
	g_ptr_array_free(v->accounts, TRUE);
	g_free(v->reload_error);
	g_free(v);
}
