#include "config.h"

#include "backends/kvm/calibrate.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/atomic-file.h"

#include "backends/kvm/kvm-sys.h"
#include "backends/kvm/machine.h"

#define REPORT_PORT 0x80
#define CHUNKS 1000u
#define DEFAULT_BUDGET_S 1.0
#define GRACE_S 5.0

/* 64-bit code at 1 MiB:
 *       xor   %ecx,%ecx
 *   1:  mov   $100000,%eax
 *   2:  dec   %eax
 *       jnz   2b
 *       inc   %ecx
 *       mov   %ecx,%eax
 *       out   %eax,$0x80       (chunks done so far)
 *       jmp   1b */
static const guint8 loop_code[] = {
  0x31, 0xc9, 0xb8, 0xa0, 0x86, 0x01, 0x00,        0xff, 0xc8, 0x75,
  0xfc, 0xff, 0xc1, 0x89, 0xc8, 0xe7, REPORT_PORT, 0xeb, 0xef,
};

typedef struct
{
  GMutex lock;
  GCond cond;
  KtstrKvmMachine *machine;
  gint64 start_us;
  gint64 last_us;
  guint chunks;
  double budget_s;
  gboolean is_ended;
} Calibration;

static gboolean
on_io (guint16 port, gboolean is_write, guint8 *data, guint len, gpointer user_data)
{
  Calibration *c = user_data;
  if (port != REPORT_PORT || !is_write || len != 4)
    return FALSE;
  guint32 done;
  memcpy (&done, data, 4);
  gint64 now = g_get_monotonic_time ();
  g_mutex_lock (&c->lock);
  c->chunks = done;
  c->last_us = now;
  gboolean is_over = done >= CHUNKS || (now - c->start_us) / 1e6 > c->budget_s;
  g_mutex_unlock (&c->lock);
  if (is_over)
    ktstr_kvm_machine_end (c->machine, KTSTR_VM_END_POWEROFF, "calibration finished");
  return TRUE;
}

static void
on_end (KtstrVmEnd end, const char *detail, gpointer user_data)
{
  Calibration *c = user_data;
  g_mutex_lock (&c->lock);
  c->is_ended = TRUE;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
}

void
ktstr_kvm_speed_clear (KtstrKvmSpeed *speed)
{
  g_clear_pointer (&speed->source, g_free);
}

gboolean
ktstr_kvm_speed_measure (const char *device, double budget_s, KtstrKvmSpeed *out, GError **error)
{
  Calibration c = { .budget_s = budget_s > 0 ? budget_s : DEFAULT_BUDGET_S };
  g_mutex_init (&c.lock);
  g_cond_init (&c.cond);
  KtstrKvmMachineConfig cfg = {
    .raw_code = loop_code,
    .raw_code_len = sizeof loop_code,
    .topology = { 1, 1, 1, 1 },
    .memory_bytes = 16ull << 20,
    .kvm_device = device,
    .on_end = on_end,
    .io_hook = on_io,
    .user_data = &c,
  };
  gboolean ok = FALSE;
  c.machine = ktstr_kvm_machine_new (&cfg, error);
  if (c.machine != NULL)
    {
      g_mutex_lock (&c.lock);
      c.start_us = g_get_monotonic_time ();
      g_mutex_unlock (&c.lock);
      if (ktstr_kvm_machine_start (c.machine, error))
        {
          gint64 deadline
              = g_get_monotonic_time () + (gint64)((c.budget_s + GRACE_S) * G_USEC_PER_SEC);
          g_mutex_lock (&c.lock);
          while (!c.is_ended)
            if (!g_cond_wait_until (&c.cond, &c.lock, deadline))
              break;
          g_mutex_unlock (&c.lock);
          /* A guest that never reported in time is as slow as it gets. */
          ktstr_kvm_machine_end (c.machine, KTSTR_VM_END_TIMEOUT, "calibration budget spent");
          ktstr_kvm_machine_stop (c.machine);
          double elapsed = (c.last_us - c.start_us) / 1e6;
          out->projected_s = c.chunks > 0 ? elapsed * CHUNKS / c.chunks : INFINITY;
          out->is_fast = out->projected_s < KTSTR_KVM_FAST_THRESHOLD_S;
          out->source = g_strdup ("measured");
          ok = TRUE;
        }
      ktstr_kvm_machine_free (c.machine);
    }
  g_mutex_clear (&c.lock);
  g_cond_clear (&c.cond);
  return ok;
}

/* "<boot id> <kernel release>": a verdict holds until the host reboots. */
static char *
host_key (void)
{
  g_autofree char *boot_id = NULL;
  struct utsname u;
  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &boot_id, NULL, NULL))
    boot_id = g_strdup ("unknown");
  g_strstrip (boot_id);
  if (uname (&u) != 0)
    strcpy (u.release, "unknown");
  return g_strdup_printf ("%s %s", boot_id, u.release);
}

static char *
cache_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "ktstr", "kvm-speed", NULL);
}

static gboolean
read_cache (KtstrKvmSpeed *out)
{
  g_autofree char *path = cache_path ();
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", 3);
  g_autofree char *key = host_key ();
  if (g_strv_length (lines) < 2 || strcmp (lines[0], key) != 0)
    return FALSE;
  char *end;
  double projected = g_ascii_strtod (lines[1], &end);
  if (end == lines[1])
    return FALSE;
  out->projected_s = projected;
  out->is_fast = projected < KTSTR_KVM_FAST_THRESHOLD_S;
  out->source = g_strdup ("cache");
  return TRUE;
}

static void
write_cache (const KtstrKvmSpeed *speed)
{
  g_autofree char *path = cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *key = host_key ();
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (num, sizeof num, isfinite (speed->projected_s) ? speed->projected_s : 1e9);
  g_autofree char *text = g_strdup_printf ("%s\n%s\n", key, num);
  /* Best effort: without a cache the next run measures again. */
  if (g_mkdir_with_parents (dir, 0700) == 0)
    ktstr_atomic_file_write (path, text, strlen (text), 0600, NULL);
}

gboolean
ktstr_kvm_speed_get (KtstrKvmSpeed *out, GError **error)
{
  static GMutex lock;
  static gboolean has_cached;
  static KtstrKvmSpeed cached;
  gboolean ok = TRUE;

  g_mutex_lock (&lock);
  if (!has_cached)
    {
      const char *env = g_getenv ("KTSTR_KVM_SPEED");
      if (env != NULL && (strcmp (env, "fast") == 0 || strcmp (env, "slow") == 0))
        {
          cached.is_fast = strcmp (env, "fast") == 0;
          cached.projected_s = cached.is_fast ? 0 : INFINITY;
          cached.source = g_strdup ("KTSTR_KVM_SPEED");
          has_cached = TRUE;
        }
      else if (read_cache (&cached))
        has_cached = TRUE;
      else if ((ok = ktstr_kvm_speed_measure (NULL, DEFAULT_BUDGET_S, &cached, error)))
        {
          write_cache (&cached);
          has_cached = TRUE;
        }
    }
  if (has_cached)
    {
      *out = cached;
      out->source = g_strdup (cached.source);
    }
  g_mutex_unlock (&lock);
  return ok;
}

char *
ktstr_kvm_speed_describe (const KtstrKvmSpeed *s)
{
  if (s->is_fast)
    return g_strdup_printf ("/dev/kvm runs guests at hardware speed (a 100M-iteration loop "
                            "takes %.2f s; %s)",
                            s->projected_s, s->source);
  if (g_strcmp0 (s->source, "KTSTR_KVM_SPEED") == 0)
    return g_strdup ("/dev/kvm on this host is emulated, not hardware-assisted "
                     "(KTSTR_KVM_SPEED=slow says so; unset it to measure)");
  if (!isfinite (s->projected_s))
    return g_strdup_printf ("/dev/kvm on this host is emulated or stalled: the calibration "
                            "guest made no progress (%s)",
                            s->source);
  return g_strdup_printf ("/dev/kvm on this host is emulated, not hardware-assisted: a "
                          "100M-iteration loop would take about %.0f s in a guest instead of "
                          "well under a second (%s)",
                          s->projected_s, s->source);
}
