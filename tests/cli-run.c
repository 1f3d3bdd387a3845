/* Running the ktstr program from unit tests (tests/cli-run.h). */
#include "config.h"

#include "tests/cli-run.h"

#include <string.h>
#include <sys/wait.h>

#include "tests/vm-run.h"

void
ktstr_cli_run_clear (KtstrCliRun *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
  r->status = 0;
}

void
ktstr_cli_run (KtstrCliRun *r, const char *cwd, const char *const *args, const char *const *env)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_build_filename (ktstr_vm_test_builddir (), "src", "ktstr", NULL));
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, NULL);
  g_auto (GStrv) envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "KTSTR_SIDECAR_DIR");
  envp = g_environ_unsetenv (envp, "CARGO_TARGET_DIR");
  envp = g_environ_unsetenv (envp, "KTSTR_DATADIR");
  for (const char *const *e = env; e != NULL && *e != NULL; e++)
    {
      const char *eq = strchr (*e, '=');
      if (eq == NULL)
        envp = g_environ_unsetenv (envp, *e);
      else
        {
          g_autofree char *name = g_strndup (*e, eq - *e);
          envp = g_environ_setenv (envp, name, eq + 1, TRUE);
        }
    }
  int wait_status = 0;
  g_autoptr (GError) error = NULL;
  ktstr_cli_run_clear (r);
  g_assert_true (g_spawn_sync (cwd, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

JsonNode *
ktstr_cli_parse_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}
