#include "config.h"

#include "run/boot-path.h"

#include "kernel/boot-vmlinux.h"
#include "monitor/vmlinux.h"

void
ktstr_boot_path_choose (const KtstrKernel *k, const char *vmlinux, KtstrBootPath *out)
{
  *out = (KtstrBootPath){ .image = g_strdup (k->image), .path = "bzimage" };
  if (k->format == KTSTR_KERNEL_FORMAT_ELF)
    {
      out->path = "pvh";
      return;
    }
  const char *force = g_getenv ("KTSTR_BOOT");
  if (force != NULL && g_str_equal (force, "bzimage"))
    return;
  if (force != NULL && *force != '\0' && !g_str_equal (force, "auto"))
    out->warning = g_strdup_printf ("KTSTR_BOOT='%s' is neither bzimage nor auto; ignored", force);
  g_autofree char *found = ktstr_vmlinux_find (vmlinux, k->image, k->tree, NULL);
  if (found == NULL)
    return;
  g_autoptr (GError) error = NULL;
  if (!ktstr_kernel_vmlinux_boots_as (found, k->image, &error))
    {
      out->why_bzimage = g_strdup (error->message);
      return;
    }
  g_free (out->image);
  out->image = g_steal_pointer (&found);
  out->path = "pvh";
}

void
ktstr_boot_path_clear (KtstrBootPath *p)
{
  g_clear_pointer (&p->image, g_free);
  g_clear_pointer (&p->why_bzimage, g_free);
  g_clear_pointer (&p->warning, g_free);
  p->path = NULL;
}
