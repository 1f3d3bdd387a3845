/* Fuzzes the kernel image probe: what `--kernel FILE` is checked with
 * before anything boots (a bzImage's setup header, an ELF vmlinux's
 * headers) and the version string read from a bzImage. */
#include "config.h"

#include "backends/kernel-image.h"
#include "fuzz-util.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  KtstrKernelFormat format;
  g_autoptr (GError) error = NULL;
  gboolean in_memory = ktstr_kernel_image_probe (data, size, "input", &format, &error);
  g_assert (in_memory || error != NULL);
  g_clear_error (&error);
  /* The file path (open, fstat, map) must agree with the buffer probe. */
  const char *path = ktstr_fuzz_write_file ("bzImage", data, size);
  gboolean from_file = ktstr_kernel_check_image (path, &format, &error);
  g_assert (from_file == in_memory);
  g_autofree char *version = ktstr_kernel_image_version (path);
  return 0;
}
