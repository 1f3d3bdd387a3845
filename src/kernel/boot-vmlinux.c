#include "config.h"

#include "kernel/boot-vmlinux.h"

#include <string.h>

#include "backends/kernel-image.h"

/* Whether DATA holds a "Linux version " banner naming PREFIX ("6.12.117
 * (user@host)") and then, later in the same string, STAMP ("#3 SMP ...").
 * The banner sits in .rodata; a bounded string, so the search for STAMP
 * stops at its end. */
static gboolean
has_banner (const char *data, gsize len, const char *prefix, const char *stamp)
{
  g_autofree char *head = g_strconcat ("Linux version ", prefix, " (", NULL);
  gsize head_len = strlen (head);
  const char *p = data, *end = data + len;
  while ((p = memmem (p, (gsize)(end - p), head, head_len)) != NULL)
    {
      const char *s = p + head_len;
      const char *nul = memchr (s, '\0', MIN ((gsize)(end - s), 1024));
      if (nul != NULL)
        {
          g_autofree char *banner = g_strndup (s, (gsize)(nul - s));
          if (strstr (banner, stamp) != NULL)
            return TRUE;
        }
      p += head_len;
    }
  return FALSE;
}

gboolean
ktstr_kernel_vmlinux_boots_as (const char *vmlinux, const char *image, GError **error)
{
  KtstrKernelFormat format;
  if (!ktstr_kernel_check_image (vmlinux, &format, error))
    return FALSE;
  if (format != KTSTR_KERNEL_FORMAT_ELF)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "%s is not a vmlinux (an ELF image)", vmlinux);
      return FALSE;
    }
  /* "6.12.117 (root@vm) #3 SMP PREEMPT_DYNAMIC Fri Nov 27 03:17:36 UTC 2026":
   * the release and builder, then the build stamp. */
  g_autofree char *build = ktstr_kernel_image_build_string (image);
  const char *close = build != NULL ? strstr (build, ") ") : NULL;
  if (close == NULL || close[2] == '\0')
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "the header of %s does not name its build, so %s cannot be shown to be "
                   "the same kernel",
                   image, vmlinux);
      return FALSE;
    }
  g_autofree char *prefix = g_strndup (build, (gsize)(close + 1 - build));
  g_autoptr (GMappedFile) map = g_mapped_file_new (vmlinux, FALSE, error);
  if (map == NULL)
    return FALSE;
  if (!has_banner (g_mapped_file_get_contents (map), g_mapped_file_get_length (map), prefix,
                   close + 2))
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "%s is not the build of %s (its banner lacks \"%s\")", vmlinux, image, build);
      return FALSE;
    }
  return TRUE;
}
