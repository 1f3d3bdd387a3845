/* One kernel build's addresses and offsets: see kernel-layout.h. */
#include "config.h"

#include "monitor/kernel-layout.h"

#include <string.h>

#include "monitor/btf.h"
#include "monitor/vmlinux.h"

void
ktstr_kernel_layout_free (KtstrKernelLayout *l)
{
  if (l == NULL)
    return;
  g_free (l->vmlinux_path);
  g_free (l);
}

static gboolean
need_symbol (const KtstrVmlinux *v, const char *name, guint64 *addr, GError **error)
{
  if (ktstr_vmlinux_symbol (v, name, addr))
    return TRUE;
  g_set_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_MISSING,
               "vmlinux '%s' has no symbol '%s'", ktstr_vmlinux_get_path (v), name);
  return FALSE;
}

static void
field (const KtstrBtf *btf, const char *type, const char *path, KtstrKField *out)
{
  guint off, size;
  memset (out, 0, sizeof *out);
  if (!ktstr_btf_member (btf, type, path, &off, &size, NULL)
      || (size != 1 && size != 2 && size != 4 && size != 8))
    return;
  *out = (KtstrKField){ TRUE, off, size };
}

static gboolean
need_field (const KtstrBtf *btf, const char *type, const char *path, KtstrKField *out,
            GError **error)
{
  field (btf, type, path, out);
  if (out->is_known)
    return TRUE;
  guint off, size;
  if (!ktstr_btf_member (btf, type, path, &off, &size, error))
    return FALSE;
  g_set_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND,
               "BTF: %s.%s is %u bytes, not an integer the monitor can read", type, path, size);
  return FALSE;
}

/* The sched_ext enable state: the variable and the enumerator meaning
 * "enabled" (named scx_ops_* up to 6.13, scx_* since). */
static void
scx_state (const KtstrVmlinux *v, const KtstrBtf *btf, KtstrKernelLayout *l)
{
  static const char *const names[][3] = {
    { "scx_ops_enable_state_var", "scx_ops_enable_state", "SCX_OPS_ENABLED" },
    { "scx_enable_state_var", "scx_enable_state", "SCX_ENABLED" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (ktstr_vmlinux_symbol (v, names[i][0], &l->scx_enable_state)
        && ktstr_btf_enum_value (btf, names[i][1], names[i][2], &l->scx_enabled_value, NULL))
      {
        l->has_scx_state = TRUE;
        return;
      }
}

KtstrKernelLayout *
ktstr_kernel_layout_load (const char *path, GError **error)
{
  g_autoptr (KtstrVmlinux) v = ktstr_vmlinux_open (path, error);
  if (v == NULL)
    return NULL;
  gsize btf_size = 0;
  const guint8 *btf_data = ktstr_vmlinux_section (v, ".BTF", &btf_size);
  if (btf_data == NULL)
    {
      g_set_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_NO_BTF,
                   "vmlinux '%s' has no .BTF section (build the kernel with "
                   "CONFIG_DEBUG_INFO_BTF=y)",
                   path);
      return NULL;
    }
  g_autoptr (KtstrBtf) btf = ktstr_btf_new (btf_data, btf_size, error);
  if (btf == NULL)
    {
      g_prefix_error (error, "vmlinux '%s': ", path);
      return NULL;
    }
  g_autoptr (KtstrKernelLayout) l = g_new0 (KtstrKernelLayout, 1);
  l->vmlinux_path = g_strdup (path);
  if (!need_symbol (v, "runqueues", &l->runqueues, error)
      || !need_symbol (v, "__per_cpu_offset", &l->per_cpu_offset, error)
      || !need_symbol (v, "page_offset_base", &l->page_offset_base, error)
      || !need_symbol (v, "init_top_pgt", &l->init_top_pgt, error)
      || !need_symbol (v, "linux_banner", &l->linux_banner, error))
    return NULL;
  const guint8 *banner = ktstr_vmlinux_bytes_at (v, l->linux_banner, KTSTR_LAYOUT_BANNER_LEN);
  if (banner == NULL)
    {
      g_set_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_MISSING,
                   "vmlinux '%s': linux_banner is not in the file's data", path);
      return NULL;
    }
  memcpy (l->banner, banner, KTSTR_LAYOUT_BANNER_LEN);
  l->banner_len = strnlen ((const char *)l->banner, KTSTR_LAYOUT_BANNER_LEN);
  l->has_l5_var = ktstr_vmlinux_symbol (v, "__pgtable_l5_enabled", &l->pgtable_l5_enabled);
  l->has_jiffies = ktstr_vmlinux_symbol (v, "jiffies", &l->jiffies);
  if (!need_field (btf, "rq", "cpu", &l->rq_cpu, error)
      || !need_field (btf, "rq", "nr_running", &l->rq_nr_running, error)
      || !need_field (btf, "rq", "clock", &l->rq_clock, error))
    {
      g_prefix_error (error, "vmlinux '%s': ", path);
      return NULL;
    }
  field (btf, "rq", "scx.nr_running", &l->rq_scx_nr_running);
  field (btf, "rq", "scx.flags", &l->rq_scx_flags);
  field (btf, "rq", "scx.local_dsq.nr", &l->rq_local_dsq_nr);
  field (btf, "rq", "rq_sched_info.run_delay", &l->rq_run_delay);
  field (btf, "rq", "rq_sched_info.pcount", &l->rq_pcount);
  field (btf, "rq", "yld_count", &l->rq_yld_count);
  field (btf, "rq", "sched_count", &l->rq_sched_count);
  field (btf, "rq", "sched_goidle", &l->rq_sched_goidle);
  field (btf, "rq", "ttwu_count", &l->rq_ttwu_count);
  field (btf, "rq", "ttwu_local", &l->rq_ttwu_local);
  field (btf, "rq", "scx.runnable_list.next", &l->rq_scx_runnable_list);
  field (btf, "task_struct", "scx.runnable_node.next", &l->task_scx_runnable_node);
  field (btf, "task_struct", "scx.runnable_at", &l->task_scx_runnable_at);
  scx_state (v, btf, l);
  l->has_watchdog
      = ktstr_vmlinux_symbol (v, "scx_watchdog_timeout", &l->scx_watchdog_timeout)
        && ktstr_vmlinux_symbol (v, "scx_watchdog_timestamp", &l->scx_watchdog_timestamp)
        && l->has_jiffies;
  l->hz = ktstr_vmlinux_config_hz (v);
  return g_steal_pointer (&l);
}

gboolean
ktstr_kernel_layout_has_schedstat (const KtstrKernelLayout *l)
{
  return l->rq_run_delay.is_known && l->rq_pcount.is_known && l->rq_yld_count.is_known
         && l->rq_sched_count.is_known && l->rq_sched_goidle.is_known && l->rq_ttwu_count.is_known
         && l->rq_ttwu_local.is_known;
}
