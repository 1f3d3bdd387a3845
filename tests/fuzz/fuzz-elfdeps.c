/* Fuzzes the ELF dependency reader that packs a scheduler with its shared
 * libraries: program headers, PT_INTERP, the dynamic section and its
 * string table of an untrusted binary.  Libraries are searched only in
 * the harness's empty directory. */
#include "config.h"

#include "fuzz-util.h"
#include "image/elfdeps.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = ktstr_fuzz_write_file ("prog", data, size);
  g_autofree char *libdir = g_build_filename (ktstr_fuzz_dir (), "lib", NULL);
  const char *const dirs[] = { libdir, NULL };
  const char *const none[] = { NULL };
  KtstrElfSearch search = { .ld_library_path = none, .ld_so_conf = "", .default_dirs = dirs };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrElfDeps) deps = ktstr_elfdeps_resolve (path, &search, &error);
  if (deps == NULL)
    g_assert (error != NULL && error->message[0] != '\0');
  (void)ktstr_elfdeps_is_elf (path);
  return 0;
}
