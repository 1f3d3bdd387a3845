/* Kernel arguments from users and scheduler definitions (sched/kargs.h):
 * split as the kernel splits them before the reserved words are checked
 * ("quiet rdinit=/nope" is refused like "rdinit=/nope"), '--' refused,
 * sysctls checked so a value cannot inject another argument; a
 * definition carrying any of them fails to load, naming file and key. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sched/kargs.h"
#include "sched/scheduler-def.h"

static void
assert_split (const char *arg, const char *const *want)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) words = ktstr_kargs_split (arg, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (words, want);
}

static void
test_split (void)
{
  assert_split ("quiet rdinit=/nope", (const char *const[]){ "quiet", "rdinit=/nope", NULL });
  assert_split ("  a\tb\n c ", (const char *const[]){ "a", "b", "c", NULL });
  assert_split ("dyndbg=\"file x.c +p\" quiet",
                (const char *const[]){ "dyndbg=\"file x.c +p\"", "quiet", NULL });
  assert_split ("", (const char *const[]){ NULL });
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_kargs_split ("a=\"b", &error));
  g_assert_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ktstr_kargs_split ("a\001b", &error));
  g_assert_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_INVALID);
}

static void
assert_refused (const char *karg, const char *want)
{
  g_autoptr (GError) error = NULL;
  const char *const kargs[] = { "quiet", karg, NULL };
  g_assert_false (ktstr_kargs_check (kargs, "--karg", &error));
  g_assert_nonnull (error);
  if (strstr (error->message, want) == NULL || !g_str_has_prefix (error->message, "--karg"))
    g_error ("'%s': expected '%s' in '%s'", karg, want, error->message);
}

static void
test_reserved (void)
{
  assert_refused ("rdinit=/nope", "ktstr sets rdinit=");
  assert_refused ("quiet rdinit=/nope", "ktstr sets rdinit=");
  assert_refused ("loglevel=3\tinit=/bin/sh", "ktstr sets init=");
  assert_refused ("\"console=ttyS1\"", "ktstr sets console=");
  assert_refused ("a panic=0", "ktstr sets panic=");
  assert_refused ("ktstr.agent=0", "ktstr sets ktstr.");
  assert_refused ("quiet -- evil", "'--'");
  g_autoptr (GError) error = NULL;
  const char *const ok[] = { "quiet loglevel=3", "dyndbg=\"file x.c +p\"", "initcall_debug", NULL };
  g_assert_true (ktstr_kargs_check (ok, "--karg", &error));
  g_assert_no_error (error);
  g_assert_true (ktstr_kargs_check (NULL, "--karg", &error));
}

static void
test_sysctl (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_kargs_check_sysctl ("kernel.sched_rt_runtime_us=-1", "x", &error));
  g_assert_true (ktstr_kargs_check_sysctl ("sysctl.vm.dirty_ratio=5", "x", &error));
  g_assert_true (ktstr_kargs_check_sysctl ("net/ipv4/ip_forward=1", "x", &error));
  g_assert_no_error (error);
  static const char *const bad[] = { "kernel.x=1 rdinit=/nope",
                                     "kernel.x",
                                     "=1",
                                     "kernel..x=1",
                                     "kernel.x.=1",
                                     "kernel x=1",
                                     "kernel.x=",
                                     "kernel.x=\"1\"",
                                     "kernel.x=1\n",
                                     NULL };
  for (const char *const *b = bad; *b != NULL; b++)
    {
      g_assert_false (ktstr_kargs_check_sysctl (*b, "sched.ini: [scheduler] sysctls", &error));
      g_assert_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, "sched.ini: [scheduler] sysctls: "));
      g_clear_error (&error);
    }
}

static KtstrSchedulerDef *
load (const char *text, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-kargs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "s.ini", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  KtstrSchedulerDef *d = ktstr_scheduler_def_load (path, error);
  g_remove (path);
  g_rmdir (dir);
  return d;
}

/* A definition's kargs= and sysctls= are checked when it loads. */
static void
test_definition (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) k
      = load ("[scheduler]\nname=s\nbinary=/bin/true\nkargs=quiet rdinit=/nope\n", &error);
  g_assert_null (k);
  g_assert_nonnull (strstr (error->message, "[scheduler] kargs"));
  g_assert_nonnull (strstr (error->message, "ktstr sets rdinit="));
  g_clear_error (&error);
  g_autoptr (KtstrSchedulerDef) s
      = load ("[scheduler]\nname=s\nbinary=/bin/true\nsysctls=kernel.x=1 init=/bin/sh\n", &error);
  g_assert_null (s);
  g_assert_nonnull (strstr (error->message, "[scheduler] sysctls"));
  g_clear_error (&error);
  g_autoptr (KtstrSchedulerDef) ok
      = load ("[scheduler]\nname=s\nbinary=/bin/true\nkargs=quiet;loglevel=3\nsysctls=kernel.x=1\n",
              &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ok->sysctls[0], ==, "sysctl.kernel.x=1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kargs/split", test_split);
  g_test_add_func ("/kargs/reserved", test_reserved);
  g_test_add_func ("/kargs/sysctl", test_sysctl);
  g_test_add_func ("/kargs/definition", test_definition);
  return g_test_run ();
}
