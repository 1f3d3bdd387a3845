/* Backend-neutral helpers for backends/backend.h. */
#include "config.h"

#include "backends/backend.h"

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

void
ktstr_vm_guest_access_clear (KtstrVmGuestAccess *a)
{
  g_clear_pointer (&a->regions, g_array_unref);
  g_clear_pointer (&a->vcpu_tids, g_array_unref);
  a->pid = 0;
}
