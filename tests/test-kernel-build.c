/* ktstr kernel build / list / clean against tests/data/fake-kernel, a
 * source tree whose Makefile records its invocations and builds nothing:
 * config merging, validation, cache keys, what is and is not cached, the
 * stripped vmlinux kept beside the image, builds from a tarball and from
 * a git ref, the progress line, --kernel VERSION|KEY and the cache's
 * place in the discovery chain, and the list and clean commands. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/kconfig.h"
#include "kernel/kernel-build.h"
#include "kernel/kernel-cache.h"
#include "kernel/kernel-source.h"
#include "kernel/kernel.h"
#include "util/json-util.h"

typedef struct
{
  char *tmp;
  char *tree;  /* a copy of the fake tree */
  char *cache; /* the cache root */
  char *log;   /* FAKE_KERNEL_LOG */
  char *progress;
  gsize progress_len;
  FILE *out;
} Fixture;

static void
run_ok (const char *cwd, const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_spawn_sync (cwd, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
git_commit_tree (const char *tree)
{
  run_ok (tree, (const char *[]){ "git", "init", "-q", NULL });
  run_ok (tree, (const char *[]){ "git", "add", "Makefile", "Kconfig", NULL });
  run_ok (tree, (const char *[]){ "git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                                  "commit", "-q", "-m", "fake", NULL });
}

static void
fixture_setup (Fixture *f, gconstpointer is_git)
{
  f->tmp = g_dir_make_tmp ("ktstr-kbuild-XXXXXX", NULL);
  f->tree = g_build_filename (f->tmp, "linux", NULL);
  f->cache = g_build_filename (f->tmp, "cache", NULL);
  f->log = g_build_filename (f->tmp, "make.log", NULL);
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "data", "fake-kernel", NULL);
  run_ok (f->tmp, (const char *[]){ "cp", "-r", src, f->tree, NULL });
  /* distcheck's source tree is read-only, and so is the copy. */
  run_ok (f->tmp, (const char *[]){ "chmod", "-R", "u+w", f->tree, NULL });
  if (GPOINTER_TO_INT (is_git))
    git_commit_tree (f->tree);
  g_setenv ("FAKE_KERNEL_LOG", f->log, TRUE);
  g_setenv ("KTSTR_CACHE_DIR", f->cache, TRUE);
  g_unsetenv ("FAKE_DROP");
  g_unsetenv ("FAKE_FAIL");
  g_unsetenv ("FAKE_VMLINUX");
  g_unsetenv ("KTSTR_KCONFIG");
  g_unsetenv ("KTSTR_KERNEL");
  g_unsetenv ("KTSTR_TEST_KERNEL");
  f->out = open_memstream (&f->progress, &f->progress_len);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void)data;
  fclose (f->out);
  free (f->progress);
  g_assert_true (ktstr_rm_rf (f->tmp, NULL));
  g_free (f->tmp);
  g_free (f->tree);
  g_free (f->cache);
  g_free (f->log);
}

static KtstrKernelBuildResult *
build_with (Fixture *f, KtstrKernelBuildOptions *o, GError **error)
{
  o->cache_root = f->cache;
  o->jobs = 3;
  o->progress = f->out;
  KtstrKernelBuildResult *r = ktstr_kernel_build (o, error);
  fflush (f->out);
  return r;
}

static KtstrKernelBuildResult *
build (Fixture *f, const char *source, gboolean force, GError **error)
{
  KtstrKernelBuildOptions o = { .source = source ? source : f->tree, .force = force };
  return build_with (f, &o, error);
}

static KtstrKernelBuildResult *
build_git (Fixture *f, const char *ref, GError **error)
{
  KtstrKernelBuildOptions o = { .git_url = f->tree, .git_ref = ref };
  return build_with (f, &o, error);
}

static JsonObject *
load_metadata (JsonParser *p, Fixture *f, const char *key)
{
  g_autofree char *meta = g_build_filename (f->cache, key, "metadata.json", NULL);
  g_assert_true (json_parser_load_from_file (p, meta, NULL));
  return json_node_get_object (json_parser_get_root (p));
}

static char *
read_log (Fixture *f)
{
  char *text = NULL;
  if (!g_file_get_contents (f->log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static char *
current_kc (void)
{
  g_autofree char *path = ktstr_kconfig_fragment_path ();
  char *kc = NULL;
  g_autofree char *text = ktstr_kconfig_fragment_load (path, &kc, NULL);
  g_assert_nonnull (text);
  return kc;
}

static void
test_crc32 (void)
{
  g_autofree char *h = ktstr_kconfig_crc32_hex ("123456789", 9);
  g_assert_cmpstr (h, ==, "cbf43926");
}

static void
test_merge (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-kconfig-XXXXXX", NULL);
  g_autofree char *cfg = g_build_filename (dir, ".config", NULL);
  g_assert_true (g_file_set_contents (
      cfg, "CONFIG_A=y\n# CONFIG_BPF is not set\nCONFIG_PSI=y\n# a comment\nCONFIG_B=m\n", -1,
      NULL));
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_kconfig_merge (
      cfg, "# head\nCONFIG_BPF=y\n# CONFIG_PSI is not set\n# CONFIG_PREEMPT=y\n\n", &error));
  g_assert_no_error (error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (cfg, &text, NULL, NULL));
  /* The fragment wins, each option once; commented-out opt-ins stay out. */
  g_assert_cmpstr (text, ==,
                   "CONFIG_A=y\n# a comment\nCONFIG_B=m\n\n# --- ktstr.kconfig ---\n"
                   "CONFIG_BPF=y\n# CONFIG_PSI is not set\n");
  g_assert_true (ktstr_rm_rf (dir, NULL));
}

static void
test_merge_syntax (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_kconfig_merge ("/nonexistent", "CONFIG_A=y\nBPF=y\n", &error));
  g_assert_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "line 2 'BPF=y'"));
}

static void
test_fragment_has_required (void)
{
  /* Every required option is set by the shipped fragment. */
  g_autofree char *path = ktstr_kconfig_fragment_path ();
  g_autofree char *text = ktstr_kconfig_fragment_load (path, NULL, NULL);
  g_assert_nonnull (text);
  for (const char *const *o = ktstr_kconfig_required (); *o != NULL; o++)
    {
      g_autofree char *line = g_strdup_printf ("\nCONFIG_%s=y\n", *o);
      g_assert_nonnull (strstr (text, line));
    }
}

static void
test_git_tree (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (r->is_cached);
  g_assert_false (r->was_reused);
  g_assert_null (r->not_cached);
  g_assert_cmpstr (r->version, ==, "6.12.0-fake");

  g_autofree char *kc = current_kc ();
  g_autofree char *re = g_strdup_printf ("^local-[0-9a-f]{7}-x86_64-cfg[0-9a-f]{8}-kc%s$", kc);
  g_assert_true (g_regex_match_simple (re, r->key, 0, 0));
  g_autofree char *log = read_log (f);
  g_assert_cmpstr (log, ==, "defconfig\nolddefconfig\nbzImage KCFLAGS=-Wno-error\n");
  /* Not a terminal: the steps, none of make's own lines. */
  g_assert_nonnull (strstr (f->progress, "ktstr: make -j3 KCFLAGS=-Wno-error bzImage"));
  g_assert_null (strstr (f->progress, "CC      kernel/sched/ext.o"));
  g_assert_null (strchr (f->progress, '\r'));

  /* The merged and surviving config is what was cached. */
  g_autofree char *cfg = g_build_filename (f->cache, r->key, "config", NULL);
  g_autofree char *cfgtext = NULL;
  g_assert_true (g_file_get_contents (cfg, &cfgtext, NULL, NULL));
  g_assert_nonnull (strstr (cfgtext, "CONFIG_SCHED_CLASS_EXT=y\n"));
  g_assert_nonnull (strstr (cfgtext, "# CONFIG_SOUND is not set\n"));
  g_assert_null (strstr (cfgtext, "CONFIG_SOUND=y"));

  g_autofree char *meta = g_build_filename (f->cache, r->key, "metadata.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, meta, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, "6.12.0-fake");
  g_assert_cmpstr (json_object_get_string_member (o, "source_path"), ==, f->tree);
  g_assert_cmpstr (json_object_get_string_member (o, "ktstr_kconfig_hash"), ==, kc);
  g_assert_cmpuint (strlen (json_object_get_string_member (o, "git_commit")), ==, 7);
  g_assert_cmpint (json_object_get_int_member (o, "built_at"), >, 0);

  /* Same commit, same config: found in the cache, nothing rebuilt. */
  g_autoptr (KtstrKernelBuildResult) again = build (f, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (again->was_reused);
  g_assert_cmpstr (again->key, ==, r->key);
  g_free (log);
  log = read_log (f);
  g_assert_null (strstr (log + strlen ("defconfig\nolddefconfig\nbzImage"), "bzImage"));
  g_assert_nonnull (strstr (f->progress, "cached kernel found: "));

  g_autoptr (KtstrKernelBuildResult) forced = build (f, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (forced->was_reused);
  g_assert_true (forced->is_cached);
}

static void
test_option_dropped (Fixture *f, gconstpointer data)
{
  (void)data;
  g_setenv ("FAKE_DROP", "SCHED_CLASS_EXT BPF_EVENTS", TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, NULL, FALSE, &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "lacks CONFIG_SCHED_CLASS_EXT, CONFIG_BPF_EVENTS "
                                            "after 'make olddefconfig'"));
  g_autofree char *log = read_log (f);
  g_assert_null (strstr (log, "bzImage"));
  g_assert_false (g_file_test (f->cache, G_FILE_TEST_EXISTS));
}

static void
test_not_cached (Fixture *f, gconstpointer is_git)
{
  if (GPOINTER_TO_INT (is_git))
    {
      /* A tracked file changed: dirty. */
      g_autofree char *mk = g_build_filename (f->tree, "Kconfig", NULL);
      g_assert_true (g_file_set_contents (mk, "# edited\n", -1, NULL));
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (r->is_cached);
  g_assert_nonnull (strstr (r->not_cached, GPOINTER_TO_INT (is_git) ? "uncommitted changes"
                                                                    : "is not a git work tree"));
  g_assert_true (g_str_has_prefix (r->key, "local-unknown-"));
  g_autofree char *img = g_build_filename (f->tree, "arch", "x86", "boot", "bzImage", NULL);
  g_assert_cmpstr (r->image, ==, img);
  g_assert_false (g_file_test (f->cache, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (f->progress, "did not cache it"));
}

static void
test_existing_config (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *cfg = g_build_filename (f->tree, ".config", NULL);
  g_assert_true (g_file_set_contents (cfg, "CONFIG_MINE=y\n", -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_autofree char *log = read_log (f);
  g_assert_cmpstr (log, ==, "olddefconfig\nbzImage KCFLAGS=-Wno-error\n");
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (cfg, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "CONFIG_MINE=y\n"));
}

static void
test_make_fails (Fixture *f, gconstpointer data)
{
  (void)data;
  g_setenv ("FAKE_FAIL", "1", TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, NULL, FALSE, &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_MAKE);
  g_assert_nonnull (strstr (error->message, "fake compiler error in kernel/sched/ext.c"));
}

static void
test_not_a_tree (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, f->tmp, FALSE, &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "is not a kernel source tree"));

  g_autofree char *missing = g_build_filename (f->tmp, "linux-9.9.tar.xz", NULL);
  g_autoptr (GError) missing_error = NULL;
  g_autoptr (KtstrKernelBuildResult) r2 = build (f, missing, FALSE, &missing_error);
  g_assert_null (r2);
  g_assert_error (missing_error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_NOT_FOUND);

  /* A file that is no tarball: tar's own complaint, naming the file. */
  g_autofree char *junk = g_build_filename (f->tmp, "junk.tar.xz", NULL);
  g_assert_true (g_file_set_contents (junk, "not a tarball\n", -1, NULL));
  g_autoptr (GError) tar_error = NULL;
  g_autoptr (KtstrKernelBuildResult) r3 = build (f, junk, FALSE, &tar_error);
  g_assert_null (r3);
  g_assert_error (tar_error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_TOOL);
  g_assert_nonnull (strstr (tar_error->message, "cannot extract kernel tarball"));
  g_assert_nonnull (strstr (tar_error->message, junk));
}

/* An ELF file with DWARF to stand in for vmlinux: this test program. */
static char *self_path;

static gboolean
has_debug_info (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_strstr_len (data, len, ".debug_info") != NULL;
}

static void
test_vmlinux_kept (Fixture *f, gconstpointer data)
{
  (void)data;
  g_setenv ("FAKE_VMLINUX", self_path, TRUE);
  g_autofree char *tar = g_build_filename (f->tmp, "linux-6.12.0.tar.gz", NULL);
  run_ok (f->tmp, (const char *[]){ "tar", "-czf", tar, "linux", NULL });
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, tar, FALSE, &error);
  g_assert_no_error (error);
  /* Beside the bzImage, where "the vmlinux of this image" is looked for. */
  g_autofree char *dir = g_path_get_dirname (r->image);
  g_autofree char *beside = g_build_filename (dir, "vmlinux", NULL);
  g_assert_cmpstr (r->vmlinux, ==, beside);
  g_autofree char *head = NULL;
  g_assert_true (g_file_get_contents (r->vmlinux, &head, NULL, NULL));
  g_assert_true (memcmp (head, "\177ELF", 4) == 0);
  if (has_debug_info (self_path))
    g_assert_false (has_debug_info (r->vmlinux));
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *o = load_metadata (p, f, r->key);
  g_assert_true (json_object_get_boolean_member (o, "has_vmlinux"));
  g_assert_true (json_object_get_boolean_member (o, "vmlinux_stripped"));
  g_assert_cmpstr (json_object_get_string_member (o, "source_type"), ==, "tarball");
  g_assert_true (json_object_get_null_member (o, "git_commit"));

  /* Listed, and found again by the next build of the same tarball. */
  g_autoptr (GPtrArray) all = ktstr_cache_list (f->cache, &error);
  g_assert_cmpstr (((KtstrCacheEntry *)all->pdata[0])->vmlinux, ==, beside);
  g_autoptr (KtstrKernelBuildResult) again = build (f, tar, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (again->was_reused);
  g_assert_cmpstr (again->vmlinux, ==, beside);
}

static void
test_vmlinux_strip_fails (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *junk = g_build_filename (f->tmp, "not-elf", NULL);
  g_assert_true (g_file_set_contents (junk, "plain text, no ELF\n", -1, NULL));
  g_setenv ("FAKE_VMLINUX", junk, TRUE);
  g_autofree char *tar = g_build_filename (f->tmp, "linux-6.12.0.tar.gz", NULL);
  run_ok (f->tmp, (const char *[]){ "tar", "-czf", tar, "linux", NULL });
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, tar, FALSE, &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_STRIP);
  g_assert_false (g_file_test (f->cache, G_FILE_TEST_EXISTS));
}

static void
test_tty_progress (Fixture *f, gconstpointer data)
{
  (void)data;
  KtstrKernelBuildOptions o = { .source = f->tree, .is_tty = 1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build_with (f, &o, &error);
  g_assert_no_error (error);
  /* One line rewritten in place, with the time so far, then cleared. */
  g_assert_nonnull (strstr (f->progress, "\r\033[K[00:00]   CC      kernel/sched/ext.o"));
  g_assert_nonnull (strstr (f->progress, "\r\033[K[00:00] Kernel: arch/x86/boot/bzImage is "
                                         "ready\r\033[K"));
}

static char *
git_head (const char *tree)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "git", "rev-parse", "HEAD", NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_spawn_sync (tree, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  return g_strdup (g_strstrip (out));
}

static void
test_git_ref (Fixture *f, gconstpointer data)
{
  (void)data;
  run_ok (f->tree, (const char *[]){ "git", "tag", "v6.12-fake", NULL });
  g_autofree char *head = git_head (f->tree);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build_git (f, "v6.12-fake", &error);
  g_assert_no_error (error);
  g_autofree char *kc = current_kc ();
  g_autofree char *key = g_strdup_printf ("v6.12-fake-git-%.7s-x86_64-kc%s", head, kc);
  g_assert_cmpstr (r->key, ==, key);
  g_assert_true (r->is_cached);
  g_assert_nonnull (strstr (f->progress, "ktstr: fetching v6.12-fake of "));
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *o = load_metadata (p, f, r->key);
  g_assert_cmpstr (json_object_get_string_member (o, "source_type"), ==, "git");
  g_assert_cmpstr (json_object_get_string_member (o, "source_path"), ==, f->tree);
  g_assert_cmpstr (json_object_get_string_member (o, "git_ref"), ==, "v6.12-fake");
  g_autofree char *short_head = g_strndup (head, 7);
  g_assert_cmpstr (json_object_get_string_member (o, "git_commit"), ==, short_head);
  /* The repository itself was not built in: the fetch was elsewhere. */
  g_autofree char *cfg = g_build_filename (f->tree, ".config", NULL);
  g_assert_false (g_file_test (cfg, G_FILE_TEST_EXISTS));

  /* The ref still names that commit: the cache answers, nothing is fetched. */
  rewind (f->out);
  g_autoptr (KtstrKernelBuildResult) again = build_git (f, "v6.12-fake", &error);
  g_assert_no_error (error);
  g_assert_true (again->was_reused);
  g_assert_cmpstr (again->key, ==, key);

  /* A full commit hash works too, under its own name. */
  g_autoptr (KtstrKernelBuildResult) by_hash = build_git (f, head, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (by_hash->key, head));

  /* A cached kernel of a git ref carries its commit to the sidecar. */
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (key, "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (k->commit, ==, short_head);
}

static void
test_git_ref_errors (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build_git (f, "no-such-branch", &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "has no branch or tag 'no-such-branch'"));
  g_clear_error (&error);

  g_autofree char *nowhere = g_build_filename (f->tmp, "no-repo", NULL);
  KtstrKernelBuildOptions o = { .git_url = nowhere, .git_ref = "master" };
  g_autoptr (KtstrKernelBuildResult) r2 = build_with (f, &o, &error);
  g_assert_null (r2);
  g_assert_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_TOOL);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_assert_false (g_file_test (f->cache, G_FILE_TEST_EXISTS));
}

static void
test_ref_label (void)
{
  g_autofree char *a = ktstr_kernel_source_ref_label ("refs/tags/v6.12");
  g_assert_cmpstr (a, ==, "refs_tags_v6.12");
  g_autofree char *b = ktstr_kernel_source_ref_label ("for-next_1.x");
  g_assert_cmpstr (b, ==, "for-next_1.x");
}

static void
test_tarball (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *tar = g_build_filename (f->tmp, "linux-6.12.0.tar.gz", NULL);
  run_ok (f->tmp, (const char *[]){ "tar", "-czf", tar, "linux", NULL });
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = build (f, tar, FALSE, &error);
  g_assert_no_error (error);
  g_autofree char *kc = current_kc ();
  g_autofree char *key = g_strdup_printf ("6.12.0-fake-tarball-x86_64-kc%s", kc);
  g_assert_cmpstr (r->key, ==, key);
  g_assert_true (r->is_cached);
  g_assert_true (g_file_test (r->image, G_FILE_TEST_IS_REGULAR));
  /* The tarball was extracted elsewhere: the original tree is untouched. */
  g_autofree char *cfg = g_build_filename (f->tree, ".config", NULL);
  g_assert_false (g_file_test (cfg, G_FILE_TEST_EXISTS));
}

/* A cache entry written directly, with a chosen age and fragment hash. */
static void
store_entry (Fixture *f, const char *key, const char *version, const char *kc, gint64 built_at)
{
  g_autofree char *img = g_build_filename (f->tmp, "img", NULL);
  /* A complete boot header (boot flag, one setup sector, a 1 KiB
   * protected-mode part), so --kernel resolution accepts it. */
  g_autofree char *head = g_malloc0 (0x800);
  memcpy (head + 0x1fe, "\x55\xaa\0\0HdrS\x06\x02", 10);
  head[0x1f1] = 1;
  head[0x1f4] = 0x40;
  g_assert_true (g_file_set_contents (img, head, 0x800, NULL));
  g_autoptr (KtstrCacheEntry) e = g_new0 (KtstrCacheEntry, 1);
  e->key = g_strdup (key);
  e->version = g_strdup (version);
  e->source_type = g_strdup ("local");
  e->git_commit = g_str_has_prefix (key, "local-") ? g_strndup (key + strlen ("local-"), 7) : NULL;
  e->kconfig_hash = g_strdup (kc);
  e->built_at = built_at;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_cache_store (f->cache, e, img, img, NULL, &error));
  g_assert_no_error (error);
}

#define STORE_ROUNDS 100

/* Two processes storing one key at once, as two `ktstr kernel build` of
 * one tree would: every store succeeds, the entry is always whole, and no
 * temporary directory is left. */
static void
test_concurrent_store (Fixture *f, gconstpointer data)
{
  (void)data;
  const char *key = "local-ddddddd-x86_64-kc-same";
  pid_t peer = fork ();
  g_assert_cmpint (peer, >=, 0);
  if (peer == 0)
    {
      for (guint i = 0; i < STORE_ROUNDS; i++)
        store_entry (f, key, "6.12.9", "11111111", 400);
      _exit (0);
    }
  for (guint i = 0; i < STORE_ROUNDS; i++)
    store_entry (f, key, "6.12.9", "11111111", 400);
  int status;
  g_assert_cmpint (waitpid (peer, &status, 0), ==, peer);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = ktstr_cache_list (f->cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  const KtstrCacheEntry *e = entries->pdata[0];
  g_assert_cmpstr (e->version, ==, "6.12.9");
  for (const char *const *name = (const char *[]){ "bzImage", "config", "metadata.json", NULL };
       *name; name++)
    {
      g_autofree char *path = g_build_filename (f->cache, key, *name, NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  g_autoptr (GDir) d = g_dir_open (f->cache, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_false (g_str_has_prefix (name, ".store-"));

  /* The swap waits for the key's lock: a store started while another
   * process holds it finishes only once it is released. */
  g_autofree char *lock_path = g_strconcat (f->cache, "/.", key, ".lock", NULL);
  int lock = open (lock_path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (lock, >=, 0);
  g_assert_cmpint (flock (lock, LOCK_EX), ==, 0);
  peer = fork ();
  g_assert_cmpint (peer, >=, 0);
  if (peer == 0)
    {
      close (lock); /* its copy would hold the lock for the child too */
      store_entry (f, key, "6.12.10", "11111111", 500);
      _exit (0);
    }
  g_usleep (500000);
  g_assert_cmpint (waitpid (peer, &status, WNOHANG), ==, 0);
  g_autoptr (KtstrCacheEntry) before = ktstr_cache_lookup (f->cache, key, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (before->version, ==, "6.12.9");
  close (lock);
  g_assert_cmpint (waitpid (peer, &status, 0), ==, peer);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_autoptr (KtstrCacheEntry) after = ktstr_cache_lookup (f->cache, key, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after->version, ==, "6.12.10");
}

static void
test_resolve (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *kc = current_kc ();
  store_entry (f, "local-aaaaaaa-x86_64-kc-old", "6.12.3", "00000000", 300);
  store_entry (f, "local-bbbbbbb-x86_64-kc-new", "6.12.3", kc, 200);
  store_entry (f, "local-ccccccc-x86_64-kc-older", "6.11.9", kc, 100);
  g_autoptr (GError) error = NULL;

  /* A version finds the newest entry built with the current fragment. */
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve ("6.12", "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_true (strstr (k->image, "local-bbbbbbb") != NULL);
  g_assert_cmpstr (k->version, ==, "6.12.3");
  g_assert_true (strstr (k->source, "cache local-bbbbbbb") != NULL);

  /* A key finds its entry even when its fragment is stale. */
  g_autoptr (KtstrKernel) byk
      = ktstr_kernel_resolve ("local-aaaaaaa-x86_64-kc-old", "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_true (strstr (byk->image, "local-aaaaaaa") != NULL);

  g_setenv ("KTSTR_KERNEL", "6.11", TRUE);
  g_autoptr (KtstrKernel) env = ktstr_kernel_resolve (NULL, "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_true (strstr (env->image, "local-ccccccc") != NULL);

  g_autoptr (KtstrKernel) none = ktstr_kernel_resolve ("6.1", "/nonexistent", &error);
  g_assert_null (none);
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "--kernel '6.1' is not a file"));
  g_clear_error (&error);

  /* Nothing named: the newest entry built with the current fragment (the
   * newer stale one is passed over), before ./linux and /boot. */
  g_unsetenv ("KTSTR_KERNEL");
  g_autoptr (KtstrKernel) dflt = ktstr_kernel_resolve (NULL, "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_true (strstr (dflt->image, "local-bbbbbbb") != NULL);
  g_assert_cmpstr (dflt->source, ==, "the kernel cache (cache local-bbbbbbb-x86_64-kc-new)");
  g_assert_cmpstr (dflt->commit, ==, "bbbbbbb");
}

static void
test_chain_without_cache_entries (Fixture *f, gconstpointer data)
{
  (void)data;
  /* Only a stale entry: the chain goes on and says why it passed the cache. */
  store_entry (f, "local-aaaaaaa-x86_64-kc-old", "6.12.3", "00000000", 300);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (NULL, "/nonexistent", &error);
  g_assert_null (k);
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND);
  g_autofree char *said = g_strdup_printf (
      "the kernel cache %s (no entry built with the current ktstr.kconfig)", f->cache);
  g_assert_nonnull (strstr (error->message, said));
}

static int
run_ktstr (const char *const *args, char **out, char **err)
{
  g_autofree char *bin
      = g_build_filename (g_getenv ("KTSTR_TOP_BUILDDIR") ?: ".", "src", "ktstr", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, bin);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  int status = 0;
  g_autoptr (GError) error = NULL;
  /* stdin stays /dev/null: not a terminal. */
  g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *kc = current_kc ();
  store_entry (f, "k-stale", "6.12.3", "00000000", 300);
  store_entry (f, "k-current", "6.12.4", kc, 200);
  g_autofree char *corrupt = g_build_filename (f->cache, "k-corrupt", NULL);
  g_assert_cmpint (g_mkdir_with_parents (corrupt, 0755), ==, 0);

  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run_ktstr ((const char *[]){ "kernel", "list", NULL }, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "cache: "));
  g_autoptr (GRegex) stale
      = g_regex_new ("^k-stale +6\\.12\\.3 .*\\(stale kconfig\\)$", G_REGEX_MULTILINE, 0, NULL);
  g_assert_true (g_regex_match (stale, out, 0, NULL));
  g_assert_nonnull (strstr (out, "k-corrupt"));
  g_assert_nonnull (strstr (out, "(corrupt: metadata.json missing)"));
  g_autoptr (GRegex) cur = g_regex_new ("^k-current .*[0-9]$", G_REGEX_MULTILINE, 0, NULL);
  g_assert_true (g_regex_match (cur, out, 0, NULL));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_ktstr ((const char *[]){ "kernel", "list", "--json", NULL }, &out, NULL), ==,
                   0);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, out, -1, NULL));
  /* The one JSON style of every ktstr document (util/json-util.h). */
  g_autofree char *reprinted = ktstr_json_to_data (json_parser_get_root (p), NULL);
  g_assert_cmpstr (reprinted, ==, out);
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpstr (json_object_get_string_member (o, "current_ktstr_kconfig_hash"), ==, kc);
  JsonArray *a = json_object_get_array_member (o, "entries");
  g_assert_cmpuint (json_array_get_length (a), ==, 3);
  JsonObject *first = json_array_get_object_element (a, 0); /* newest */
  g_assert_cmpstr (json_object_get_string_member (first, "key"), ==, "k-stale");
  g_assert_cmpstr (json_object_get_string_member (first, "kconfig_status"), ==, "stale");
  JsonObject *second = json_array_get_object_element (a, 1);
  g_assert_cmpstr (json_object_get_string_member (second, "kconfig_status"), ==, "current");
}

static void
test_clean (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *kc = current_kc ();
  store_entry (f, "k-new", "6.12.4", kc, 300);
  store_entry (f, "k-mid", "6.12.3", kc, 200);
  store_entry (f, "k-old", "6.12.2", kc, 100);
  g_autofree char *corrupt = g_build_filename (f->cache, "k-corrupt", NULL);
  g_assert_cmpint (g_mkdir_with_parents (corrupt, 0755), ==, 0);

  /* No terminal and no --force: refuse, remove nothing. */
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (
      run_ktstr ((const char *[]){ "kernel", "clean", "--keep", "2", NULL }, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "would remove 2 cached kernels"));
  g_assert_nonnull (strstr (err, "pass --force"));
  g_assert_true (g_file_test (corrupt, G_FILE_TEST_IS_DIR));

  /* The corrupt entry takes no keep slot: the two newest valid stay. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
      run_ktstr ((const char *[]){ "kernel", "clean", "--keep", "2", "--force", NULL }, &out, NULL),
      ==, 0);
  g_assert_cmpstr (out, ==, "removed k-old\nremoved k-corrupt\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) left = ktstr_cache_list (f->cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (left->len, ==, 2);
  g_assert_cmpstr (((KtstrCacheEntry *)left->pdata[0])->key, ==, "k-new");
  g_assert_cmpstr (((KtstrCacheEntry *)left->pdata[1])->key, ==, "k-mid");
}

static void
test_cache_root (void)
{
  g_autofree char *home = g_strdup (g_getenv ("HOME"));
  g_setenv ("KTSTR_CACHE_DIR", "/c", TRUE);
  g_autofree char *a = ktstr_cache_root (NULL);
  g_assert_cmpstr (a, ==, "/c");
  g_unsetenv ("KTSTR_CACHE_DIR");
  g_setenv ("XDG_CACHE_HOME", "/x", TRUE);
  g_autofree char *b = ktstr_cache_root (NULL);
  g_assert_cmpstr (b, ==, "/x/ktstr/kernels");
  g_unsetenv ("XDG_CACHE_HOME");
  g_setenv ("HOME", "/h", TRUE);
  g_autofree char *c = ktstr_cache_root (NULL);
  g_assert_cmpstr (c, ==, "/h/.cache/ktstr/kernels");
  g_setenv ("HOME", "", TRUE);
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_cache_root (&error));
  g_assert_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_NO_ROOT);
  if (home != NULL)
    g_setenv ("HOME", home, TRUE);
}

static void
skip_no_git (void)
{
  g_test_skip ("git is not installed; the git-tree cache tests need it");
}

#define ADD(path, fn, data)                                                                        \
  g_test_add (path, Fixture, GINT_TO_POINTER (data), fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_path);
  g_test_add_func ("/kernel-build/kconfig/crc32", test_crc32);
  g_test_add_func ("/kernel-build/git-ref/label", test_ref_label);
  g_test_add_func ("/kernel-build/kconfig/merge", test_merge);
  g_test_add_func ("/kernel-build/kconfig/syntax", test_merge_syntax);
  g_test_add_func ("/kernel-build/kconfig/fragment-has-required", test_fragment_has_required);
  g_autofree char *git = g_find_program_in_path ("git");
  if (git != NULL)
    {
      ADD ("/kernel-build/git-tree/cached-reused-forced", test_git_tree, TRUE);
      ADD ("/kernel-build/git-tree/dirty-not-cached", test_not_cached, TRUE);
      ADD ("/kernel-build/git-ref/tag-and-hash", test_git_ref, TRUE);
      ADD ("/kernel-build/git-ref/errors", test_git_ref_errors, TRUE);
    }
  else
    g_test_add_func ("/kernel-build/git-tree", skip_no_git);
  ADD ("/kernel-build/validate/option-dropped", test_option_dropped, FALSE);
  ADD ("/kernel-build/non-git-not-cached", test_not_cached, FALSE);
  ADD ("/kernel-build/existing-config", test_existing_config, FALSE);
  ADD ("/kernel-build/make-fails", test_make_fails, FALSE);
  ADD ("/kernel-build/not-a-tree", test_not_a_tree, FALSE);
  ADD ("/kernel-build/tarball", test_tarball, FALSE);
  ADD ("/kernel-build/vmlinux/kept-stripped", test_vmlinux_kept, FALSE);
  ADD ("/kernel-build/vmlinux/strip-fails", test_vmlinux_strip_fails, FALSE);
  ADD ("/kernel-build/progress/terminal", test_tty_progress, FALSE);
  ADD ("/kernel-build/resolve/version-and-key", test_resolve, FALSE);
  ADD ("/kernel-build/cache/concurrent-store", test_concurrent_store, FALSE);
  ADD ("/kernel-build/resolve/chain-skips-stale", test_chain_without_cache_entries, FALSE);
  ADD ("/kernel-build/cli/list", test_list, FALSE);
  ADD ("/kernel-build/cli/clean", test_clean, FALSE);
  g_test_add_func ("/kernel-build/cache-root", test_cache_root);
  int status = g_test_run ();
  g_free (self_path);
  return status;
}
