#include "config.h"

#include "tests/vm-run.h"

#include "kernel/kernel-cache.h"

#include <string.h>
#include <sys/wait.h>

const char *
ktstr_vm_test_builddir (void)
{
  const char *b = g_getenv ("KTSTR_TOP_BUILDDIR");
  return b != NULL && *b != '\0' ? b : ".";
}

const char *
ktstr_vm_test_kernel (void)
{
  static char *kernel;
  static gboolean looked;
  if (!looked)
    {
      const char *env = g_getenv ("KTSTR_TEST_KERNEL");
      if (env != NULL && *env != '\0')
        kernel = g_canonicalize_filename (env, NULL);
      looked = TRUE;
    }
  return kernel;
}

gboolean
ktstr_vm_test_need_vm (void)
{
  if (g_strcmp0 (g_getenv ("KTSTR_VM_TESTS"), "1") != 0)
    {
      g_test_skip ("boots VMs: run with KTSTR_VM_TESTS=1 (make check-vm)");
      return FALSE;
    }
  if (ktstr_vm_test_kernel () == NULL)
    {
      g_test_skip ("no test kernel: set KTSTR_TEST_KERNEL to a sched_ext bzImage (or "
                   "KTSTR_FIXTURES to the fixtures folder, see tests/fixtures.sh)");
      return FALSE;
    }
  return TRUE;
}

char *
ktstr_vm_test_make_repo (const char *prefix)
{
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", prefix);
  char *cwd = g_dir_make_tmp (template, NULL);
  g_assert_nonnull (cwd);
  g_autofree char *git = g_strdup_printf (
      "sh -c 'cd %s && git init -q && git -c user.name=t -c user.email=t@t commit -q "
      "--allow-empty -m init'",
      cwd);
  int status = 0;
  g_assert_true (g_spawn_command_line_sync (git, NULL, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  return cwd;
}

void
ktstr_vm_test_remove_tree (const char *dir)
{
  if (dir != NULL)
    g_assert_true (ktstr_rm_rf (dir, NULL));
}

void
ktstr_vm_run (KtstrVmRun *r, const char *kernel, const char *const *args,
              const char *const *env_extra)
{
  if (r->cwd == NULL)
    r->cwd = ktstr_vm_test_make_repo ("ktstr-vm-test");

  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *rel = g_build_filename (ktstr_vm_test_builddir (), "src", "ktstr", NULL);
  g_ptr_array_add (argv, g_canonicalize_filename (rel, NULL));
  g_ptr_array_add (argv, g_strdup ("test"));
  g_ptr_array_add (argv, g_strdup_printf ("--kernel=%s", kernel));
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, NULL);

  g_auto (GStrv) envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "KTSTR_SIDECAR_DIR");
  envp = g_environ_unsetenv (envp, "CARGO_TARGET_DIR");
  for (const char *const *e = env_extra; e && *e; e += 2)
    envp = g_environ_setenv (envp, e[0], e[1], TRUE);

  gint64 start = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (r->cwd, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &r->status, &error));
  g_assert_no_error (error);
  r->seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("ktstr took %.1fs; stdout:\n%s\nstderr:\n%s", r->seconds, r->out, r->err);
}

int
ktstr_vm_run_exit_code (const KtstrVmRun *r)
{
  return WIFEXITED (r->status) ? WEXITSTATUS (r->status) : -1;
}

void
ktstr_vm_run_clear (KtstrVmRun *r)
{
  ktstr_vm_test_remove_tree (r->cwd);
  g_clear_pointer (&r->cwd, g_free);
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

/* Calls FUNC on every *.ktstr.json directly in each run directory. */
static void
walk_sidecar_files (const char *cwd, void (*func) (const char *dir, const char *name, gpointer),
                    gpointer data)
{
  g_autofree char *root = g_build_filename (cwd, "target", "ktstr", NULL);
  g_autoptr (GDir) d = g_dir_open (root, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      if (name[0] == '.')
        continue;
      g_autofree char *dir = g_build_filename (root, name, NULL);
      g_autoptr (GDir) rd = g_dir_open (dir, 0, NULL);
      const char *f;
      while (rd != NULL && (f = g_dir_read_name (rd)) != NULL)
        if (g_str_has_suffix (f, ".ktstr.json"))
          func (dir, f, data);
    }
}

static void
add_sidecar (const char *dir, const char *name, gpointer data)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  KtstrSidecar *sc = ktstr_sidecar_load_file (path, &error);
  g_assert_no_error (error);
  g_ptr_array_add (data, sc);
}

GPtrArray *
ktstr_vm_test_load_sidecars (const char *cwd)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_sidecar_free);
  walk_sidecar_files (cwd, add_sidecar, out);
  return out;
}

KtstrSidecar *
ktstr_vm_test_load_sidecar (const char *cwd, const char *test, char **dir_out)
{
  g_autoptr (GPtrArray) all = ktstr_vm_test_load_sidecars (cwd);
  for (guint i = 0; i < all->len; i++)
    {
      KtstrSidecar *sc = all->pdata[i];
      if (!g_str_equal (sc->test_name, test))
        continue;
      if (dir_out != NULL)
        *dir_out = g_path_get_dirname (sc->path);
      return g_ptr_array_steal_index (all, i);
    }
  g_error ("no sidecar for test '%s' under %s/target/ktstr", test, cwd);
  return NULL;
}
