#include "config.h"

#include "kernel/kernel-set.h"

#include "kernel/kernel-range.h"

const char *
ktstr_kernel_label (const KtstrKernel *k)
{
  return k->version != NULL ? k->version : "unknown";
}

/* Adds K (taken) to KERNELS unless its image is there already; refuses a
 * kernel whose run directory another one of the run already has.  VALUE
 * is the --kernel value K came from; VALUES the values of KERNELS. */
static gboolean
add_kernel (GPtrArray *kernels, GPtrArray *values, KtstrKernel *k, const char *value,
            GError **error)
{
  g_autoptr (KtstrKernel) owned = k;
  for (guint i = 0; i < kernels->len; i++)
    {
      const KtstrKernel *other = kernels->pdata[i];
      if (g_str_equal (other->image, k->image))
        return TRUE;
      if (g_strcmp0 (other->version, k->version) == 0)
        {
          g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_SAME_RUN,
                       "--kernel %s (%s) and --kernel %s (%s) are both kernel %s: their "
                       "sidecars would overwrite each other in one run directory; run them "
                       "in separate invocations",
                       (const char *)values->pdata[i], other->image, value, k->image,
                       ktstr_kernel_label (k));
          return FALSE;
        }
    }
  g_ptr_array_add (kernels, g_steal_pointer (&owned));
  g_ptr_array_add (values, (gpointer)value);
  return TRUE;
}

GPtrArray *
ktstr_kernels_resolve (char **args, const char *boot_dir, GError **error)
{
  g_autoptr (GPtrArray) kernels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_kernel_free);
  g_autoptr (GPtrArray) values = g_ptr_array_new ();
  if (args == NULL || args[0] == NULL)
    {
      KtstrKernel *k = ktstr_kernel_resolve (NULL, boot_dir, error);
      if (k == NULL)
        return NULL;
      g_ptr_array_add (kernels, k);
      return g_steal_pointer (&kernels);
    }
  for (guint i = 0; args[i] != NULL; i++)
    {
      const char *arg = args[i];
      /* A file or directory of that name wins over the range reading. */
      if (ktstr_kernel_range_is_range (arg) && !g_file_test (arg, G_FILE_TEST_EXISTS))
        {
          g_autoptr (GPtrArray) range = ktstr_kernel_resolve_range (arg, "--kernel", error);
          if (range == NULL)
            return NULL;
          for (guint j = 0; j < range->len; j++)
            if (!add_kernel (kernels, values, g_steal_pointer (&range->pdata[j]), arg, error))
              return NULL;
          continue;
        }
      KtstrKernel *k = ktstr_kernel_resolve (arg, boot_dir, error);
      if (k == NULL)
        return NULL;
      if (!add_kernel (kernels, values, k, arg, error))
        return NULL;
    }
  return g_steal_pointer (&kernels);
}
