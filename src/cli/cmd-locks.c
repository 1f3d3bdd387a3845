/* ktstr locks: which ktstr lock files are held, and by which processes:
 * host CPU and LLC reservations (record/cpulock.h), run directories
 * ({runs root}/.locks, record/rundir.h) and kernel cache entries
 * ({cache root}/.KEY.lock, kernel/kernel-cache.h).  Read-only: it opens no
 * lock file, it reads /proc/locks. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "kernel/kernel-cache.h"
#include "record/cpulock.h"
#include "record/lock-holders.h"
#include "record/rundir.h"
#include "util/json-util.h"

typedef enum
{
  SECTION_CPU,
  SECTION_LLC,
  SECTION_RUN,
  SECTION_CACHE,
  N_SECTIONS
} Section;

static const char *const section_json[N_SECTIONS] = { "cpus", "llcs", "run_dirs", "cache" };
static const char *const section_key[N_SECTIONS] = { "cpu", "llc", "run_key", "cache_key" };

typedef struct
{
  Section section;
  char *name; /* the CPU or LLC number, the run key, the cache key */
  guint index;
  char *lockfile;
  GPtrArray *holders; /* KtstrLockHolder* */
} LockFile;

static void
lock_file_free (LockFile *l)
{
  g_free (l->name);
  g_free (l->lockfile);
  g_ptr_array_unref (l->holders);
  g_free (l);
}

static gint
cmp_lock_file (gconstpointer a, gconstpointer b)
{
  const LockFile *x = *(LockFile *const *)a, *y = *(LockFile *const *)b;
  if (x->section != y->section)
    return x->section < y->section ? -1 : 1;
  if (x->section <= SECTION_LLC && x->index != y->index)
    return x->index < y->index ? -1 : 1;
  return strcmp (x->name, y->name);
}

static void
add (GPtrArray *out, Section section, const char *name, guint index, const char *path)
{
  LockFile *l = g_new0 (LockFile, 1);
  l->section = section;
  l->name = g_strdup (name);
  l->index = index;
  l->lockfile = g_strdup (path);
  l->holders = ktstr_lock_holders_of (path);
  g_ptr_array_add (out, l);
}

/* The lock files of DIR of section KIND (SECTION_CPU: the CPU and LLC
 * files); a directory that does not exist holds none. */
static void
scan (GPtrArray *out, const char *dir, Section kind)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      KtstrCpuLockKind k;
      guint index;
      if (kind == SECTION_CPU && ktstr_cpulock_parse_name (name, &k, &index))
        {
          g_autofree char *n = g_strdup_printf ("%u", index);
          add (out, k == KTSTR_CPULOCK_CPU ? SECTION_CPU : SECTION_LLC, n, index, path);
        }
      else if (kind == SECTION_RUN && g_str_has_suffix (name, ".lock") && name[0] != '.')
        {
          g_autofree char *key = g_strndup (name, strlen (name) - strlen (".lock"));
          add (out, SECTION_RUN, key, 0, path);
        }
      else if (kind == SECTION_CACHE && name[0] == '.' && g_str_has_suffix (name, ".lock")
               && strlen (name) > strlen ("..lock"))
        {
          g_autofree char *key = g_strndup (name + 1, strlen (name) - 1 - strlen (".lock"));
          add (out, SECTION_CACHE, key, 0, path);
        }
    }
}

typedef struct
{
  char *cpu_dir;
  char *run_dir;
  char *cache_dir; /* NULL: no cache root */
} Roots;

static GPtrArray *
collect (const Roots *roots)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)lock_file_free);
  scan (out, roots->cpu_dir, SECTION_CPU);
  scan (out, roots->run_dir, SECTION_RUN);
  if (roots->cache_dir != NULL)
    scan (out, roots->cache_dir, SECTION_CACHE);
  g_ptr_array_sort (out, cmp_lock_file);
  return out;
}

static JsonNode *
to_json (const Roots *roots, GPtrArray *locks)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lock_dirs");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cpus");
  json_builder_add_string_value (b, roots->cpu_dir);
  json_builder_set_member_name (b, "run_dirs");
  json_builder_add_string_value (b, roots->run_dir);
  json_builder_set_member_name (b, "cache");
  if (roots->cache_dir != NULL)
    json_builder_add_string_value (b, roots->cache_dir);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  for (Section s = 0; s < N_SECTIONS; s++)
    {
      json_builder_set_member_name (b, section_json[s]);
      json_builder_begin_array (b);
      for (guint i = 0; i < locks->len; i++)
        {
          const LockFile *l = locks->pdata[i];
          if (l->section != s)
            continue;
          json_builder_begin_object (b);
          json_builder_set_member_name (b, section_key[s]);
          if (s <= SECTION_LLC)
            json_builder_add_int_value (b, l->index);
          else
            json_builder_add_string_value (b, l->name);
          json_builder_set_member_name (b, "lockfile");
          json_builder_add_string_value (b, l->lockfile);
          json_builder_set_member_name (b, "holders");
          json_builder_begin_array (b);
          for (guint h = 0; h < l->holders->len; h++)
            {
              const KtstrLockHolder *x = l->holders->pdata[h];
              json_builder_begin_object (b);
              json_builder_set_member_name (b, "pid");
              json_builder_add_int_value (b, x->pid);
              json_builder_set_member_name (b, "mode");
              json_builder_add_string_value (b, x->is_exclusive ? "exclusive" : "shared");
              json_builder_set_member_name (b, "cmdline");
              json_builder_add_string_value (b, x->cmdline);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_text (FILE *to, const Roots *roots, GPtrArray *locks)
{
  static const char *const titles[N_SECTIONS]
      = { "Host CPU reservations", "Host LLC reservations", "Run directories", "Kernel cache" };
  const char *dirs[N_SECTIONS] = { roots->cpu_dir, roots->cpu_dir, roots->run_dir,
                                   roots->cache_dir != NULL ? roots->cache_dir : "(no root)" };
  for (Section s = 0; s < N_SECTIONS; s++)
    {
      guint held = 0, idle = 0;
      fprintf (to, "%s (%s):\n", titles[s], dirs[s]);
      for (guint i = 0; i < locks->len; i++)
        {
          const LockFile *l = locks->pdata[i];
          if (l->section != s)
            continue;
          if (l->holders->len == 0)
            {
              idle++;
              continue;
            }
          held++;
          for (guint h = 0; h < l->holders->len; h++)
            {
              const KtstrLockHolder *x = l->holders->pdata[h];
              fprintf (to, "  %-24s %-9s pid=%ld %s\n", h == 0 ? l->name : "",
                       x->is_exclusive ? "exclusive" : "shared", x->pid, x->cmdline);
            }
        }
      if (held == 0)
        fprintf (to, "  none held");
      else
        fprintf (to, "  %u held", held);
      fprintf (to, idle > 0 ? ", %u free\n" : "\n", idle);
    }
}

static volatile sig_atomic_t stop_requested;

static void
on_sigint (int sig)
{
  (void)sig;
  stop_requested = 1;
}

int
ktstr_cmd_locks (int argc, char **argv)
{
  gboolean as_json = FALSE;
  double watch = 0;
  GOptionEntry entries[]
      = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json,
            "Print JSON: {lock_dirs, cpus, llcs, run_dirs, cache}, each lock with its holders "
            "(pid, mode, cmdline); pretty once, one compact object per line with --watch",
            NULL },
          { "watch", 0, 0, G_OPTION_ARG_DOUBLE, &watch,
            "Print again every SECONDS (fractions allowed) until interrupted", "SECONDS" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "- show the run directories, kernel cache entries and host CPUs ktstr processes hold");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc > 1)
    {
      fprintf (stderr, "ktstr locks: %s\n",
               error ? error->message : "takes no arguments (see --help)");
      return KTSTR_EXIT_USAGE;
    }
  if (watch < 0 || watch > 86400 || (watch > 0 && watch < 0.01))
    {
      fprintf (stderr, "ktstr locks: --watch must be between 0.01 and 86400 seconds, got %g\n",
               watch);
      return KTSTR_EXIT_USAGE;
    }
  g_autofree char *runs_root = ktstr_runs_root ();
  Roots roots = { ktstr_cpulock_dir (), g_build_filename (runs_root, ".locks", NULL),
                  ktstr_cache_root (NULL) };
  if (watch > 0)
    signal (SIGINT, on_sigint);
  for (guint round = 0; !stop_requested; round++)
    {
      g_autoptr (GPtrArray) locks = collect (&roots);
      if (as_json)
        {
          g_autoptr (JsonNode) node = to_json (&roots, locks);
          g_autofree char *text
              = watch == 0 ? ktstr_json_to_data (node, NULL) : ktstr_json_to_line (node);
          fputs (text, stdout);
          if (watch > 0)
            fputc ('\n', stdout);
        }
      else
        {
          if (watch > 0)
            {
              g_autoptr (GDateTime) now = g_date_time_new_now_local ();
              g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");
              printf ("%s-- %s\n", round > 0 ? "\n" : "", stamp);
            }
          print_text (stdout, &roots, locks);
        }
      fflush (stdout);
      if (watch == 0)
        break;
      /* Sleep in short steps so that Ctrl-C ends it at once. */
      for (gint64 until = g_get_monotonic_time () + (gint64)(watch * G_USEC_PER_SEC);
           !stop_requested && g_get_monotonic_time () < until;)
        g_usleep (MIN (100000, until - g_get_monotonic_time ()));
    }
  g_free (roots.cpu_dir);
  g_free (roots.run_dir);
  g_free (roots.cache_dir);
  return KTSTR_EXIT_OK;
}
