/* Sidecar files: reading one (JSON to KtstrSidecar, sidecar-json.c),
 * writing one atomically under its canonical name, and collecting every
 * sidecar of a run directory tree.  The model itself is sidecar.c. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record/sidecar.h"
#include "util/fsutil.h"
#include "util/json-guard.h"

/* --- Files ---------------------------------------------------------------------- */

static KtstrSidecar *
load_with_parser (JsonParser *parser, const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *what = g_strdup_printf ("sidecar %s", path);

  /* A FIFO, a directory or an 8 GB sparse file named *.ktstr.json is one
   * error naming it, not a hang or an exhausted host; a document nested
   * deeper than any sidecar is refused before json-glib recurses into it. */
  if (!ktstr_json_guard_load_file (parser, path, KTSTR_SIDECAR_MAX_BYTES, what, &local))
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR,
                   local->domain != KTSTR_JSON_GUARD_ERROR ? KTSTR_SIDECAR_ERROR_IO
                                                           : KTSTR_SIDECAR_ERROR_PARSE,
                   "%s", local->message);
      return NULL;
    }
  KtstrSidecar *sc = ktstr_sidecar_from_json (json_parser_get_root (parser), &local);
  if (sc == NULL)
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, local->code, "sidecar %s: %s", path, local->message);
      return NULL;
    }
  sc->path = g_strdup (path);
  return sc;
}

KtstrSidecar *
ktstr_sidecar_load_file (const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  return load_with_parser (parser, path, error);
}

char *
ktstr_sidecar_write_atomic (const KtstrSidecar *sc, const char *dir, GError **error)
{
  g_autofree char *name = ktstr_sidecar_filename (sc);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gsize len;
  g_autofree char *data = ktstr_sidecar_to_data (sc, &len);
  g_autoptr (GError) local = NULL;

  /* A reader never sees a half-written sidecar, and a crash leaves the
   * old one or the new one (util/fsutil.h). */
  if (!ktstr_file_replace (path, data, len, 0644, &local))
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO, "sidecar not written: %s",
                   local->message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* --- Directory collection --------------------------------------------------- */

typedef struct
{
  char *name;
  gboolean is_dir;
} DirEntry;

static void
dir_entry_clear (gpointer p)
{
  g_free (((DirEntry *)p)->name);
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  return strcmp (((const DirEntry *)a)->name, ((const DirEntry *)b)->name);
}

/* Lists DIR sorted by name: sidecar files, plus (WANT_DIRS) non-dot
 * subdirectories.  d_type avoids a stat per entry where the filesystem
 * provides it. */
static GArray *
list_dir (const char *dir, gboolean want_dirs, GError **error)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  if (d == NULL)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO,
                   "cannot list sidecar directory %s: %s", dir, g_strerror (errsv));
      return NULL;
    }
  GArray *out = g_array_new (FALSE, FALSE, sizeof (DirEntry));
  g_array_set_clear_func (out, dir_entry_clear);
  while ((de = readdir (d)) != NULL)
    {
      gboolean is_dir = de->d_type == DT_DIR;
      gboolean is_reg = de->d_type == DT_REG;
      if (de->d_name[0] == '.' && (want_dirs || !ktstr_sidecar_is_sidecar_name (de->d_name)))
        continue;
      if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)
        {
          struct stat st;
          if (fstatat (dirfd (d), de->d_name, &st, 0) != 0)
            continue;
          is_dir = S_ISDIR (st.st_mode);
          is_reg = S_ISREG (st.st_mode);
        }
      if ((is_reg && ktstr_sidecar_is_sidecar_name (de->d_name))
          || (is_dir && want_dirs && de->d_name[0] != '.'))
        {
          DirEntry e = { g_strdup (de->d_name), is_dir };
          g_array_append_val (out, e);
        }
    }
  closedir (d);
  g_array_sort (out, compare_entries);
  return out;
}

/* One file of a walk: its path, then what loading it produced. */
typedef struct
{
  char *path;
  KtstrSidecar *sidecar;
  char *message;    /* set when loading (or listing, for a subdirectory) failed */
  gboolean is_gone; /* removed between listing and reading: not an error */
} Slot;

typedef struct
{
  GArray *slots; /* Slot */
  gint next;     /* next slot to claim, shared by the workers */
} Walk;

static void
slot_clear (gpointer p)
{
  Slot *s = p;
  g_free (s->path);
  ktstr_sidecar_free (s->sidecar);
  g_free (s->message);
}

static gpointer
walk_worker (gpointer data)
{
  Walk *w = data;
  /* One parser per thread, reused for every file it claims. */
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  for (;;)
    {
      guint i = (guint)g_atomic_int_add (&w->next, 1);
      if (i >= w->slots->len)
        return NULL;
      Slot *s = &g_array_index (w->slots, Slot, i);
      g_autoptr (GError) local = NULL;
      if (s->message == NULL && (s->sidecar = load_with_parser (parser, s->path, &local)) == NULL)
        {
          /* A run pre-clearing its directory while we read it removes
           * files we listed: they are gone, not broken. */
          s->is_gone = !g_file_test (s->path, G_FILE_TEST_EXISTS);
          s->message = g_strdup (local->message);
        }
    }
}

static void
add_slot (GArray *slots, char *path, char *message)
{
  Slot s = { path, NULL, message, FALSE };
  g_array_append_val (slots, s);
}

/* Below this many files one thread is faster than starting more. */
#define PARALLEL_MIN_FILES 64

gboolean
ktstr_sidecar_collect_dir (const char *dir, GPtrArray **sidecars, GPtrArray **errors,
                           GError **error)
{
  g_autoptr (GArray) top = list_dir (dir, TRUE, error);
  if (top == NULL)
    return FALSE;
  Walk w = { g_array_new (FALSE, FALSE, sizeof (Slot)), 0 };
  g_array_set_clear_func (w.slots, slot_clear);

  for (guint i = 0; i < top->len; i++)
    {
      DirEntry *e = &g_array_index (top, DirEntry, i);
      if (!e->is_dir)
        add_slot (w.slots, g_build_filename (dir, e->name, NULL), NULL);
    }
  for (guint i = 0; i < top->len; i++)
    {
      DirEntry *e = &g_array_index (top, DirEntry, i);
      if (!e->is_dir)
        continue;
      char *sub = g_build_filename (dir, e->name, NULL);
      g_autoptr (GError) local = NULL;
      g_autoptr (GArray) files = list_dir (sub, FALSE, &local);
      if (files == NULL)
        {
          add_slot (w.slots, sub, g_strdup (local->message));
          continue;
        }
      for (guint j = 0; j < files->len; j++)
        add_slot (w.slots, g_build_filename (sub, g_array_index (files, DirEntry, j).name, NULL),
                  NULL);
      g_free (sub);
    }

  /* json-glib's parser dominates the walk (tens of microseconds per file),
   * so large runs are parsed on every CPU; results keep the sorted order. */
  guint nthreads = w.slots->len >= PARALLEL_MIN_FILES ? MIN (g_get_num_processors (), 8) : 1;
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  for (guint i = 1; i < nthreads; i++)
    g_ptr_array_add (threads, g_thread_new ("ktstr-sidecar-walk", walk_worker, &w));
  walk_worker (&w);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));

  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_sidecar_free);
  GPtrArray *errs = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_sidecar_load_error_free);
  for (guint i = 0; i < w.slots->len; i++)
    {
      Slot *s = &g_array_index (w.slots, Slot, i);
      if (s->sidecar != NULL)
        g_ptr_array_add (out, g_steal_pointer (&s->sidecar));
      else if (!s->is_gone)
        {
          KtstrSidecarLoadError *le = g_new0 (KtstrSidecarLoadError, 1);
          le->path = g_steal_pointer (&s->path);
          le->message = g_steal_pointer (&s->message);
          g_ptr_array_add (errs, le);
        }
    }
  g_array_unref (w.slots);
  *sidecars = out;
  if (errors != NULL)
    *errors = errs;
  else
    g_ptr_array_unref (errs);
  return TRUE;
}
