/* Fuzzes the sidecar reader: a *.ktstr.json file from another version or
 * machine, read by ktstr-stats.  Whatever it accepts must write back out
 * and read again (the writer and the reader agree). */
#include "config.h"

#include "fuzz-util.h"
#include "record/sidecar.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = ktstr_fuzz_write_file ("t.ktstr.json", data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_load_file (path, &error);
  if (sc == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  gsize len = 0;
  g_autofree char *out = ktstr_sidecar_to_data (sc, &len);
  g_autofree char *name = ktstr_sidecar_filename (sc);
  g_assert (ktstr_sidecar_is_sidecar_name (name));
  const char *again = ktstr_fuzz_write_file ("u.ktstr.json", (const uint8_t *)out, len);
  g_autoptr (KtstrSidecar) sc2 = ktstr_sidecar_load_file (again, &error);
  if (sc2 == NULL)
    g_error ("a sidecar that was read does not read back after writing: %s", error->message);
  return 0;
}
