/* Backend-neutral helpers for backends/backend.h. */
#include "config.h"

#include "backends/backend.h"
#include "backends/kvm/kvm.h"

#include <string.h>

GQuark
ktstr_backend_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-backend-error-quark");
}

const char *
ktstr_vm_end_to_string (KtstrVmEnd end)
{
  switch (end)
    {
    case KTSTR_VM_END_NONE:
      return "none";
    case KTSTR_VM_END_POWEROFF:
      return "poweroff";
    case KTSTR_VM_END_RESET:
      return "reset";
    case KTSTR_VM_END_PANIC:
      return "panic";
    case KTSTR_VM_END_TIMEOUT:
      return "timeout";
    case KTSTR_VM_END_CRASHED:
      return "crashed";
    }
  return "unknown";
}

void
ktstr_vm_result_clear (KtstrVmResult *result)
{
  g_clear_pointer (&result->end_detail, g_free);
  g_clear_pointer (&result->accel, g_free);
  g_clear_pointer (&result->command_line, g_free);
  g_clear_pointer (&result->kvm_stats, g_hash_table_unref);
  memset (result, 0, sizeof *result);
}

static const KtstrBackend *
lookup_available (const KtstrBackend *backend, GError **error)
{
  g_autofree char *why = NULL;
  if (backend->is_available != NULL && !backend->is_available (&why))
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_UNAVAILABLE,
                   "the %s backend cannot run here: %s", backend->name,
                   why != NULL ? why : "unknown reason");
      return NULL;
    }
  return backend;
}

const KtstrBackend *
ktstr_backend_lookup (const char *name, GError **error)
{
  if (g_strcmp0 (name, "qemu") == 0)
    return lookup_available (&ktstr_backend_qemu, error);
  if (g_strcmp0 (name, "kvm") == 0)
    return lookup_available (&ktstr_backend_kvm, error);
  if (g_strcmp0 (name, "auto") == 0)
    {
      /* Our own VMM only where /dev/kvm really runs guests at hardware
       * speed (a timed calibration guest, cached per boot); otherwise QEMU,
       * and the first time we say why. */
      static gsize said_why = 0;
      g_autofree char *why = NULL;
      if (ktstr_kvm_auto_is_preferred (&why))
        return &ktstr_backend_kvm;
      if (g_once_init_enter (&said_why))
        {
          g_printerr ("ktstr: --backend=auto uses qemu: %s\n", why);
          g_once_init_leave (&said_why, 1);
        }
      const KtstrBackend *qemu = lookup_available (&ktstr_backend_qemu, error);
      if (qemu == NULL)
        g_prefix_error (error, "no backend fits: kvm was not chosen (%s); ", why);
      return qemu;
    }
  g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
               "unknown backend '%s'; choose auto, qemu or kvm", name != NULL ? name : "");
  return NULL;
}
