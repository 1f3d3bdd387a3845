/* Backend-neutral helpers for backends/backend.h. */
#include "config.h"

#include "backends/backend.h"

#include <errno.h>
#include <stdio.h>
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

gboolean
ktstr_vcpu_time_parse_schedstat (const char *text, guint64 *run_ns, guint64 *wait_ns)
{
  guint64 v[2];
  const char *p = text;
  for (guint i = 0; i < 2; i++)
    {
      char *end;
      while (*p == ' ')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      errno = 0;
      v[i] = g_ascii_strtoull (p, &end, 10);
      if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
        return FALSE;
      p = end;
    }
  *run_ns = v[0];
  *wait_ns = v[1];
  return TRUE;
}

gboolean
ktstr_vcpu_time_add_thread (KtstrVcpuTime *t, int pid, int tid)
{
  char path[64], text[128];
  g_snprintf (path, sizeof path, "/proc/%d/task/%d/schedstat", pid, tid);
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return FALSE;
  gboolean ok = fgets (text, sizeof text, f) != NULL;
  fclose (f);
  guint64 run, wait;
  if (!ok || !ktstr_vcpu_time_parse_schedstat (text, &run, &wait))
    return FALSE;
  t->run_ns += run;
  t->wait_ns += wait;
  t->n_threads++;
  return TRUE;
}
