/* ktstr cleanup: removes what killed runs left behind (run/cleanup.h) and
 * says what it removed and what it kept. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli/commands.h"
#include "run/cleanup.h"
#include "util/json-util.h"

static const char *const action_names[] = {
  [KTSTR_CLEANUP_REMOVED] = "removed",
  [KTSTR_CLEANUP_WOULD_REMOVE] = "would_remove",
  [KTSTR_CLEANUP_KEPT] = "kept",
  [KTSTR_CLEANUP_FAILED] = "failed",
};

static const char *const action_words[] = {
  [KTSTR_CLEANUP_REMOVED] = "removed",
  [KTSTR_CLEANUP_WOULD_REMOVE] = "would remove",
  [KTSTR_CLEANUP_KEPT] = "kept",
  [KTSTR_CLEANUP_FAILED] = "failed",
};

typedef struct
{
  gboolean as_json;
  JsonBuilder *items; /* --json: the items array being built */
  guint counts[G_N_ELEMENTS (action_names)];
} Report;

static void
on_item (const char *kind, const char *path, KtstrCleanupAction action, const char *reason,
         gpointer user_data)
{
  Report *r = user_data;
  r->counts[action]++;
  if (r->as_json)
    {
      json_builder_begin_object (r->items);
      ktstr_json_member_string (r->items, "kind", kind);
      ktstr_json_member_string (r->items, "path", path);
      ktstr_json_member_string (r->items, "action", action_names[action]);
      ktstr_json_member_string (r->items, "reason", reason);
      json_builder_end_object (r->items);
      return;
    }
  /* Removals on stdout (what a script would read); what stayed, and why,
   * on stderr. */
  FILE *to
      = action == KTSTR_CLEANUP_REMOVED || action == KTSTR_CLEANUP_WOULD_REMOVE ? stdout : stderr;
  fprintf (to, "%s %s %s%s%s%s\n", action_words[action], kind, path, reason ? " (" : "",
           reason ? reason : "", reason ? ")" : "");
}

int
ktstr_cmd_cleanup (int argc, char **argv)
{
  char *parent = NULL;
  gboolean dry_run = FALSE, as_json = FALSE;
  GOptionEntry entries[]
      = { { "parent-cgroup", 0, 0, G_OPTION_ARG_FILENAME, &parent,
            "Remove the empty cgroups below PATH (kept itself) instead of the default parent "
            "/sys/fs/cgroup/ktstr (removed too when empty)",
            "PATH" },
          { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
            "Say what would be removed and remove nothing", NULL },
          { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print the findings as one JSON object",
            NULL },
          { NULL } };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- remove what killed ktstr runs left behind");
  g_option_context_set_summary (
      ctx, "Removes, of what a killed ktstr leaves: empty scenario cgroups (from ktstr-init "
           "--run-plan on the host), work directories in $TMPDIR whose owner process has "
           "ended, temporary sidecar and log files in run directories no run holds, and "
           "lockfiles of run directories and kernel cache entries nobody holds.  Anything "
           "in use is kept and said so.\n"
           "Exit status: 0 done, 1 something stale could not be removed, 2 usage error.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_option_context_parse (ctx, &argc, &argv, &error);
  g_autofree char *parent_path = parent;
  if (!ok || argc > 1)
    {
      fprintf (stderr, "ktstr cleanup: %s\n",
               error ? error->message : "takes no positional arguments (see --help)");
      return KTSTR_EXIT_USAGE;
    }

  Report r = { .as_json = as_json };
  g_autoptr (JsonBuilder) b = as_json ? json_builder_new () : NULL;
  if (b != NULL)
    {
      json_builder_begin_object (b);
      ktstr_json_member_bool (b, "dry_run", dry_run);
      json_builder_set_member_name (b, "items");
      json_builder_begin_array (b);
      r.items = b;
    }
  KtstrCleanupOptions o = { .cgroup_parent = parent_path, .dry_run = dry_run };
  if (!ktstr_cleanup (&o, on_item, &r, &error))
    {
      fprintf (stderr, "ktstr cleanup: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  guint removed = r.counts[KTSTR_CLEANUP_REMOVED], would = r.counts[KTSTR_CLEANUP_WOULD_REMOVE];
  guint kept = r.counts[KTSTR_CLEANUP_KEPT], failed = r.counts[KTSTR_CLEANUP_FAILED];
  if (b != NULL)
    {
      json_builder_end_array (b);
      for (gsize a = 0; a < G_N_ELEMENTS (action_names); a++)
        ktstr_json_member_u64 (b, action_names[a], r.counts[a]);
      json_builder_end_object (b);
      g_autofree char *text = ktstr_json_builder_finish (g_steal_pointer (&b));
      fputs (text, stdout);
    }
  else if (dry_run)
    fprintf (stderr, "cleanup (dry run): would remove %u, kept %u in use\n", would, kept);
  else
    fprintf (stderr, "cleanup: removed %u, kept %u in use, %u could not be removed\n", removed,
             kept, failed);
  return failed > 0 ? KTSTR_EXIT_FAILED : KTSTR_EXIT_OK;
}
